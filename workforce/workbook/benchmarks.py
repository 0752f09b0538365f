"""The Benchmarks sheet: the Trust beside the DfE's published figures, laid out as the
DfE's Local Authority Interactive Tool: per indicator, its authority, region, statistical
neighbours (named) and England over the published years, the change on the year before,
the authority's national rank and quartile band (labelled with their year, at 30
September) and the Trust's own value from this run (labelled with its date)."""

from __future__ import annotations

import polars as pl
from openpyxl.worksheet.worksheet import Worksheet

from transforms.definitions import METRICS_BY_NAME
from transforms.dfe_comparison import (
    BENCHMARK_METRICS,
    latest_year,
    neighbour_names,
    publication_label,
)
from transforms.scopes import SCOPE, TRUST
from transforms.views.dfe_comparison import benchmark_view, year_columns
from workforce.workbook.cells import INTEGER, QUARTILE_FILLS, change_format, value_format
from workforce.workbook.context import WorkbookContext
from workforce.workbook.layout import SheetLayout
from workforce.workbook.tables import Column

DFE_DOWNLOAD_HINT = (
    "No DfE benchmark file is configured. To compare the Trust with England, its region "
    "and its statistical neighbours: download the 'Children's social work workforce' "
    "local authority indicator CSV from the DfE's Explore education statistics service "
    "(explore-education-statistics.service.gov.uk), save it next to the configuration "
    "and set [benchmarks] dfe_indicator_file to its path in the configuration file."
)


def benchmarks_sheet(sheet: Worksheet, context: WorkbookContext) -> None:
    report, trust = context.report, context.settings.trust
    layout = SheetLayout(
        sheet,
        context.registry,
        "Benchmarks: the DfE's children's social work workforce indicators",
        "DfE figures are at 30 September of each year (flows: the year to 30 September); "
        f"the Trust's own value is this run's, on {context.as_of:%d %B %Y}. Rank 1 = best "
        "for the indicator; quartile band A = best quarter of authorities.",
    )
    if report.benchmarks is None:
        layout.message(DFE_DOWNLOAD_HINT)
        layout.finish(trust_name=context.trust_name, as_of=context.as_of)
        return
    dfe = report.benchmarks
    available = [name for name in BENCHMARK_METRICS if context.available(name)]
    current_rows = context.history.filter(
        (pl.col("as_of") == context.as_of)
        & (pl.col(SCOPE) == TRUST)
        & pl.col("metric").is_in(available)
    )
    current = dict(
        zip(current_rows["metric"].to_list(), current_rows["value"].to_list(), strict=True)
    )
    view = benchmark_view(dfe, trust.la_code, trust.statistical_neighbours, current, available)
    formats = {name: value_format(METRICS_BY_NAME[name]) for name in BENCHMARK_METRICS}
    changes = {name: change_format(METRICS_BY_NAME[name]) for name in BENCHMARK_METRICS}
    view = view.with_columns(
        format=pl.col("metric").replace_strict(formats),
        change_format=pl.col("metric").replace_strict(changes),
    )
    year = latest_year(dfe)
    at = f"at 30 Sept {year}" if year else "in the latest year"
    years = year_columns(view)
    layout.table(
        "Benchmarks",
        view,
        [
            Column("Indicator", "label", width=22, wrap=True),
            Column("Area", "area", width=24, wrap=True),
            *(Column(name, name, format_from="format") for name in years),
            Column("Change on year before", "change_shown", format_from="change_format"),
            Column(f"National rank {at} (1 = best)", "rank", INTEGER),
            Column("Authorities ranked", "out_of", INTEGER),
            Column(f"Quartile band {at}", "quartile", fills=QUARTILE_FILLS),
            Column(f"Trust on {context.as_of:%d %b %Y}", "trust_current", format_from="format"),
            Column("Note", "trust_note", width=14, wrap=True),
        ],
        "The Trust's authority beside its region, statistical neighbours and England "
        "(DfE figures at 30 September of each year)",
    )
    if (
        view.filter(pl.col("area_kind") == "local_authority")
        .select(pl.concat_list(years).list.drop_nulls().list.len().sum())
        .item()
        == 0
    ):
        layout.note_below(
            f"The DfE file has no figures for local authority code {trust.la_code}: check "
            "[trust] la_code in the configuration.",
            warning=True,
        )
    neighbours = neighbour_names(dfe, trust.statistical_neighbours).with_columns(
        pl.format("{} ({})", pl.col("name").fill_null("name not in the file"), "code").alias("text")
    )
    layout.note_below(
        "Statistical neighbours (DfE groupings): "
        + ", ".join(neighbours.get_column("text").to_list())
        + "."
    )
    layout.note_below(f"Source: {publication_label(dfe)}.")
    layout.finish(trust_name=context.trust_name, as_of=context.as_of)
