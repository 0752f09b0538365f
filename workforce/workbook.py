"""The HR workbook for one as-of date (``shared/spec/workbook.md``).

Nine sheets, in order: Summary, Agency, Turnover, Caseloads, Vacancies, Benchmarks, Data
quality, Definitions, Metrics. Each table is a real Excel table written from a polars
frame (one row per table row: a metric, a scope, a month-end, a team-and-role cell, a
worker over the caseload threshold, a finding...). Cell safety (text never a formula, no
NaN, control characters stripped) lives in ``workforce.excel_cells``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import openpyxl
import polars as pl
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.chart._chart import ChartBase
from openpyxl.packaging.custom import StringProperty
from openpyxl.worksheet.worksheet import Worksheet

from transforms import calendar
from transforms.benchmarks import BENCHMARK_METRICS, benchmark_table, latest_comparators
from transforms.definitions import METRICS, METRICS_BY_NAME, MetricDefinition
from transforms.report import RunReport, data_quality_verdict
from transforms.schema import ROLE_NAMES, ExtractName
from workforce.excel_cells import (
    CHANGE_FORMATS,
    DATE,
    DATETIME,
    FTE,
    INTEGER,
    LABEL_FONT,
    ONE_DECIMAL,
    PERCENT,
    QUARTILE_FILLS,
    STATUS_FILLS,
    STATUS_WORDS,
    TITLE_FONT,
    WARNING_FONT,
    WRAP,
    Column,
    TableArea,
    TableRegistry,
    change_format,
    fill,
    fit_columns,
    metric_format,
    print_setup,
    put,
    write_table,
)
from workforce.outputs import METRICS_CSV_COLUMNS
from workforce.settings import Settings

GENERATOR = "workforce-stability (Python, openpyxl)"
SHEET_NAMES: tuple[str, ...] = (
    "Summary",
    "Agency",
    "Turnover",
    "Caseloads",
    "Vacancies",
    "Benchmarks",
    "Data quality",
    "Definitions",
    "Metrics",
)
HEADLINE_METRICS: tuple[str, ...] = (
    "agency_rate",
    "agency_to_permanent_ratio",
    "employed_fte",
    "agency_fte",
    "turnover_rate",
    "stability_index",
    "vacancy_rate",
    "average_caseload",
    "absence_rate",
    "agency_spend_12m",
)
NOT_SUPPLIED = "not supplied"
PROJECTION_NOTE = (
    "Projection: the least-squares straight line through the last {points} month-end "
    "agency rates, read at the financial year end. It assumes the recent trend continues; "
    "it is not a measurement or a forecast of plans."
)
DFE_DOWNLOAD_HINT = (
    "No DfE benchmark file is configured. To compare the Trust with England, its region "
    "and its statistical neighbours: download the 'Children's social work workforce' "
    "local authority indicator CSV from the DfE's Explore education statistics service "
    "(explore-education-statistics.service.gov.uk), save it next to the configuration "
    "and set [benchmarks] dfe_indicator_file to its path in the configuration file."
)
LEVELS: dict[str, str] = {"trust": "Trust", "service_area": "Service area", "team": "Team"}
POLARITY_WORDS: dict[str, str] = {
    "lower_is_better": "Lower is better",
    "higher_is_better": "Higher is better",
    "neutral": "Neither (no good direction)",
}
UNIT_WORDS: dict[str, str] = {
    "percent": "Percentage",
    "ratio": "Ratio",
    "fte": "FTE",
    "count": "Count",
    "days": "Working days",
    "gbp": "£",
    "cases": "Cases",
}
AREA_WORDS: dict[str, str] = {
    "local_authority": "Local authority",
    "region": "Region",
    "statistical_neighbours": "Statistical neighbours",
    "england": "England",
}
# The Metrics sheet shows exactly the metrics.csv columns.
METRIC_COLUMNS = METRICS_CSV_COLUMNS


@dataclass(frozen=True)
class WorkbookInputs:
    as_of: date
    extract_date: date | None
    generated_at: datetime
    settings: Settings
    supplied: frozenset[ExtractName]
    metrics: pl.DataFrame
    trend: pl.DataFrame
    caseload_by_worker: pl.DataFrame | None
    vacancy_by_cell: pl.DataFrame | None
    leaving_reasons: pl.DataFrame
    findings: pl.DataFrame
    extract_summaries: pl.DataFrame
    benchmarks: pl.DataFrame | None

    @classmethod
    def from_report(
        cls, report: RunReport, settings: Settings, generated_at: datetime
    ) -> WorkbookInputs:
        return cls(
            as_of=report.as_of,
            extract_date=report.extract_date,
            generated_at=generated_at,
            settings=settings,
            supplied=report.supplied,
            metrics=report.metrics,
            trend=report.trend,
            caseload_by_worker=report.caseload_by_worker,
            vacancy_by_cell=report.vacancy_by_cell,
            leaving_reasons=report.leaving_reasons,
            findings=report.findings,
            extract_summaries=report.extract_summaries,
            benchmarks=report.benchmarks,
        )


def build_workbook(inputs: WorkbookInputs) -> openpyxl.Workbook:
    """The nine-sheet workbook for ``inputs.as_of``, ready to save."""
    workbook = openpyxl.Workbook()
    default_sheet = workbook.active
    if default_sheet is not None:
        workbook.remove(default_sheet)
    sheets = {name: workbook.create_sheet(name) for name in SHEET_NAMES}
    context = _Context(inputs)
    _summary_sheet(sheets["Summary"], context)
    _agency_sheet(sheets["Agency"], context)
    _turnover_sheet(sheets["Turnover"], context)
    _caseloads_sheet(sheets["Caseloads"], context)
    _vacancies_sheet(sheets["Vacancies"], context)
    _benchmarks_sheet(sheets["Benchmarks"], context)
    _data_quality_sheet(sheets["Data quality"], context)
    _definitions_sheet(sheets["Definitions"], context)
    _metrics_sheet(sheets["Metrics"], context)
    for sheet in sheets.values():
        fit_columns(sheet, context.registry.widths.get(sheet.title))
        print_setup(sheet, trust_name=inputs.settings.trust.name, as_of=inputs.as_of)
    workbook.active = 0
    _document_properties(workbook, inputs)
    return workbook


def save_workbook(workbook: openpyxl.Workbook, path: Path) -> None:
    """Plain save (the caller writes to a temporary name and renames it into place)."""
    workbook.save(path)


class _Context:
    """What every sheet needs, computed once: availability, history, team areas."""

    def __init__(self, inputs: WorkbookInputs) -> None:
        self.inputs = inputs
        self.as_of = inputs.as_of
        self.registry = TableRegistry()
        self.history = _history(inputs.metrics, inputs.trend, inputs.as_of)
        self.team_areas = _team_areas(inputs)

    def available(self, metric: str) -> bool:
        return set(METRICS_BY_NAME[metric].needs) <= self.inputs.supplied

    def extract_supplied(self, extract: ExtractName) -> bool:
        return extract in self.inputs.supplied

    def scopes(self, names: Sequence[str]) -> pl.DataFrame:
        """One row per scope on the as-of date with a column per metric in ``names``."""
        on_date = self.history.filter(pl.col("as_of") == self.as_of)
        wide = wide_metrics(on_date, ["scope", "scope_value"], names)
        return _with_levels(wide, self.team_areas)

    def trust_trend(self, names: Sequence[str]) -> pl.DataFrame:
        """One row per trend date (oldest first) with a column per metric in ``names``."""
        trust = self.history.filter(pl.col("scope") == "trust")
        return wide_metrics(trust, ["as_of"], names).sort("as_of")


# ---------------------------------------------------------------- frames


def _history(metrics: pl.DataFrame, trend: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """Metrics rows for every date; the as-of rows come from ``metrics`` when present."""
    columns = [pl.col(name) for name in METRIC_COLUMNS]
    current = metrics.select(columns)
    earlier = trend.select(columns).filter(pl.col("as_of") != as_of)
    if current.height == 0:
        earlier = trend.select(columns)
    combined = pl.concat([current, earlier], how="vertical_relaxed")
    return combined.with_columns(
        pl.col("value", "numerator", "denominator", "target", "tolerance").cast(pl.Float64),
        pl.col("as_of").cast(pl.Date),
    ).unique(["as_of", "scope", "scope_value", "metric"], keep="first", maintain_order=True)


def wide_metrics(long: pl.DataFrame, index: list[str], names: Sequence[str]) -> pl.DataFrame:
    """Pivot long metric rows: a value column per metric, plus ``<metric>__target`` and
    ``<metric>__status``; metrics absent from ``long`` are empty columns."""
    base = long.select(index).unique(maintain_order=True)
    for name in names:
        part = long.filter(pl.col("metric") == name).select(
            *index,
            pl.col("value").alias(name),
            pl.col("target").alias(f"{name}__target"),
            pl.col("status").alias(f"{name}__status"),
        )
        base = base.join(part, on=index, how="left", nulls_equal=True)
    return base


def _team_areas(inputs: WorkbookInputs) -> pl.DataFrame:
    """Service area(s) of each team, from every by-team frame that names both."""
    frames = [
        frame.select(pl.col("team").cast(pl.String), pl.col("service_area").cast(pl.String))
        for frame in (inputs.vacancy_by_cell, inputs.caseload_by_worker, inputs.leaving_reasons)
        if frame is not None and {"team", "service_area"} <= set(frame.columns)
    ]
    if not frames:
        return pl.DataFrame(schema={"team": pl.String, "team_service_area": pl.String})
    return (
        pl.concat(frames)
        .drop_nulls()
        .unique()
        .group_by("team")
        .agg(pl.col("service_area").sort().str.join(", ").alias("team_service_area"))
    )


def _with_levels(wide: pl.DataFrame, team_areas: pl.DataFrame) -> pl.DataFrame:
    """Level, service area and team columns; Trust first, then service areas, then teams."""
    scope = pl.col("scope")
    return (
        wide.join(team_areas, left_on="scope_value", right_on="team", how="left")
        .with_columns(
            level=scope.replace_strict(LEVELS, default=scope.str.replace("_", " ")),
            service_area=pl.when(scope == "service_area")
            .then(pl.col("scope_value"))
            .when(scope == "team")
            .then(pl.col("team_service_area")),
            team=pl.when(scope == "team").then(pl.col("scope_value")),
            _level_order=scope.replace_strict(
                {"trust": 0, "service_area": 1, "team": 2}, default=3, return_dtype=pl.Int64
            ),
        )
        .sort("_level_order", "service_area", "team", "scope_value", nulls_last=True)
        .drop("_level_order", "team_service_area")
    )


def change_direction(change: pl.Expr, polarity: pl.Expr) -> pl.Expr:
    """The change in words: "Improving"/"Worsening" by the metric's polarity, or
    "Increasing"/"Decreasing" for a metric with no good direction; "No change" when the
    change rounds to 0 at 9 decimals; empty when either value is missing."""
    rounded = change.round(9)
    return (
        pl.when(rounded.is_null())
        .then(pl.lit(None, pl.String))
        .when(rounded == 0)
        .then(pl.lit("No change"))
        .when(polarity == "neutral")
        .then(pl.when(rounded > 0).then(pl.lit("Increasing")).otherwise(pl.lit("Decreasing")))
        .when((rounded < 0) == (polarity == "lower_is_better"))
        .then(pl.lit("Improving"))
        .otherwise(pl.lit("Worsening"))
    )


def _definitions_frame(names: Sequence[str]) -> pl.DataFrame:
    definitions = [METRICS_BY_NAME[name] for name in names]
    return pl.DataFrame(
        {
            "metric": [d.name for d in definitions],
            "label": [d.label for d in definitions],
            "polarity": [d.polarity for d in definitions],
            "kind": [d.kind for d in definitions],
            "format": [metric_format(d) for d in definitions],
            "change_format": [change_format(metric_format(d)) for d in definitions],
            "order": list(range(len(definitions))),
        },
        schema={
            "metric": pl.String,
            "label": pl.String,
            "polarity": pl.String,
            "kind": pl.String,
            "format": pl.String,
            "change_format": pl.String,
            "order": pl.Int64,
        },
    )


def headline_frame(context: _Context) -> pl.DataFrame:
    """One row per headline metric for the Trust: value, target, status, changes on the
    last month-end and a year earlier, and the latest DfE comparators."""
    as_of = context.as_of
    last_month = calendar.last_month_end(as_of)
    year_ago = calendar.year_earlier(as_of)
    trust = context.history.filter(pl.col("scope") == "trust")

    def values_on(day: date, alias: str) -> pl.DataFrame:
        return trust.filter(pl.col("as_of") == day).select("metric", pl.col("value").alias(alias))

    current = trust.filter(pl.col("as_of") == as_of).select("metric", "value", "target", "status")
    supplied = pl.DataFrame(
        {
            "metric": list(HEADLINE_METRICS),
            "supplied": [context.available(m) for m in HEADLINE_METRICS],
        }
    )
    frame = (
        _definitions_frame(HEADLINE_METRICS)
        .join(supplied, on="metric", how="left")
        .join(current, on="metric", how="left")
        .join(values_on(last_month, "value_last_month"), on="metric", how="left")
        .join(values_on(year_ago, "value_year_ago"), on="metric", how="left")
        .join(_comparators(context), on="metric", how="left")
        .with_columns(
            change_month=pl.col("value") - pl.col("value_last_month"),
            change_year=pl.col("value") - pl.col("value_year_ago"),
        )
        .with_columns(
            direction_month=change_direction(pl.col("change_month"), pl.col("polarity")),
            direction_year=change_direction(pl.col("change_year"), pl.col("polarity")),
            status=pl.when(~pl.col("supplied"))
            .then(pl.lit("not_supplied"))
            .otherwise(pl.col("status").fill_null("no_data")),
        )
        .sort("order")
    )
    return frame


def _comparators(context: _Context) -> pl.DataFrame:
    """Latest England and statistical-neighbour figures for the headline rates (a national
    total FTE or spend is no comparator for one Trust, so only quotient metrics)."""
    schema = {
        "metric": pl.String,
        "year": pl.Int64,
        "england": pl.Float64,
        "neighbours": pl.Float64,
    }
    dfe = context.inputs.benchmarks
    if dfe is None:
        return pl.DataFrame(schema=schema)
    rates = [m for m in HEADLINE_METRICS if METRICS_BY_NAME[m].kind == "quotient"]
    neighbours = context.inputs.settings.trust.statistical_neighbours
    return latest_comparators(dfe, neighbours, rates).select(list(schema))


# ---------------------------------------------------------------- sheet parts


def title_rows(sheet: Worksheet, title: str, note: str | None = None) -> int:
    """Title in row 1 and an optional note in row 2; returns the first free row."""
    put(sheet["A1"], title, literal=False)
    sheet["A1"].font = TITLE_FONT
    if note is None:
        return 3
    put(sheet["A2"], note, literal=False)
    return 4


def _not_supplied(sheet: Worksheet, row: int, extract: str, what: str) -> None:
    put(
        sheet.cell(row=row, column=1),
        f"{extract} extract not supplied: {what} are not supplied for this run.",
        literal=False,
    )
    sheet.cell(row=row, column=1).font = WARNING_FONT


def freeze_below(sheet: Worksheet, area: TableArea) -> None:
    if sheet.freeze_panes is None:
        sheet.freeze_panes = sheet.cell(row=area.first_data_row, column=1).coordinate


def metric_column(name: str, header: str | None = None) -> Column:
    definition = METRICS_BY_NAME[name]
    return Column(header or definition.label, name, metric_format(definition))


def status_column(header: str, source: str) -> Column:
    return Column(header, source, words=STATUS_WORDS, fills=STATUS_FILLS)


LEVEL_COLUMNS: tuple[Column, ...] = (
    Column("Level", "level"),
    Column("Service area", "service_area"),
    Column("Team", "team"),
)


def _summary_sheet(sheet: Worksheet, context: _Context) -> None:
    inputs = context.inputs
    title_rows(sheet, f"Workforce stability: {inputs.settings.trust.name}")
    rows: list[tuple[str, object, str | None]] = [
        ("Trust", inputs.settings.trust.name, None),
        ("As-of date", inputs.as_of, DATE),
        ("Extract date", inputs.extract_date or "unknown", DATE),
        ("Generated at", _naive(inputs.generated_at), DATETIME),
        ("Data quality", data_quality_verdict(inputs.extract_summaries, inputs.findings), None),
    ]
    for offset, (label, value, number_format) in enumerate(rows):
        put(sheet.cell(row=3 + offset, column=1), label, literal=False)
        sheet.cell(row=3 + offset, column=1).font = LABEL_FONT
        put(sheet.cell(row=3 + offset, column=2), value, number_format)
    row = 3 + len(rows)
    warning = stale_extract_warning(inputs.as_of, inputs.extract_date)
    if warning is not None:
        put(sheet.cell(row=row, column=1), "Warning", literal=False)
        put(sheet.cell(row=row, column=2), warning, literal=False)
        for column in (1, 2):
            sheet.cell(row=row, column=column).font = WARNING_FONT
            sheet.cell(row=row, column=column).fill = fill("FFC7CE")
        row += 1
    put(
        sheet.cell(row=row, column=1),
        "The KPI is the agency rate, agency FTE ÷ (agency FTE + employed FTE). The "
        "agency-to-permanent ratio (agency FTE ÷ employed FTE) is shown for reference only.",
        literal=False,
    )
    row += 2
    frame = headline_frame(context)
    last_month = calendar.last_month_end(inputs.as_of).isoformat()
    year_ago = calendar.year_earlier(inputs.as_of).isoformat()
    columns = [
        Column("Metric", "label"),
        Column("Value", "value", format_from="format"),
        Column("Target", "target", format_from="format"),
        status_column("Status", "status"),
        Column(f"Change since {last_month}", "change_month", format_from="change_format"),
        Column("Direction (month)", "direction_month"),
        Column(f"Change since {year_ago}", "change_year", format_from="change_format"),
        Column("Direction (year)", "direction_year"),
        Column("England (latest DfE)", "england", format_from="format"),
        Column("Statistical neighbours (latest DfE)", "neighbours", format_from="format"),
        Column("DfE year (30 Sept)", "year", INTEGER),
    ]
    area = write_table(sheet, context.registry, "SummaryHeadlines", frame, columns, top=row)
    freeze_below(sheet, area)
    context.registry.fix_width(sheet, "A", 30)
    context.registry.fix_width(sheet, "B", 20)


def stale_extract_warning(as_of: date, extract_date: date | None) -> str | None:
    if extract_date is None or extract_date >= as_of:
        return None
    return (
        f"The extract is dated {extract_date.isoformat()}, older than the as-of date "
        f"{as_of.isoformat()}: changes after {extract_date.isoformat()} are not in these figures."
    )


def _naive(moment: datetime) -> datetime:
    return moment.replace(tzinfo=None) if moment.tzinfo is not None else moment


def _agency_sheet(sheet: Worksheet, context: _Context) -> None:
    row = title_rows(
        sheet,
        "Agency: agency rate (KPI 16) = agency FTE ÷ (agency FTE + employed FTE)",
        "Month-end trend with the target and a straight-line glide path between financial "
        "year-end targets; the agency-to-permanent ratio (agency ÷ employed) is a separate "
        "column.",
    )
    names = ["agency_rate", "agency_fte", "employed_fte", "agency_to_permanent_ratio"]
    agency_targets = [t for t in context.inputs.settings.targets if t.metric == "agency_rate"]
    trend = context.trust_trend(names).with_columns(
        glide=calendar.glide_path("as_of", agency_targets)
    )
    columns = [
        Column("Date", "as_of", DATE),
        metric_column("agency_rate"),
        Column("Target", "agency_rate__target", PERCENT),
        Column("Glide path", "glide", PERCENT),
        status_column("Status", "agency_rate__status"),
        metric_column("agency_fte"),
        metric_column("employed_fte"),
        metric_column("agency_to_permanent_ratio"),
    ]
    area = write_table(
        sheet, context.registry, "AgencyTrend", trend, columns, top=row, caption="Trend (Trust)"
    )
    freeze_below(sheet, area)
    if trend.height > 0:
        chart = line_chart(
            sheet,
            area,
            value_columns=(2, 4),
            title="Agency rate (KPI 16) against target and glide path",
            y_title="Agency rate",
            y_format="0%",
        )
        place_beside(sheet, area, chart)
    projection = calendar.project_to_year_end(
        trend.select("as_of", pl.col("agency_rate").alias("value")), context.as_of
    )
    projection_frame = pl.DataFrame(
        {
            "year_end": [projection.year_end],
            "value": [projection.value],
            "target": [_target_on(agency_targets, projection.year_end)],
            "points": [projection.points_used],
            "first": [projection.first_date],
            "last": [projection.last_date],
        },
        schema={
            "year_end": pl.Date,
            "value": pl.Float64,
            "target": pl.Float64,
            "points": pl.Int64,
            "first": pl.Date,
            "last": pl.Date,
        },
    )
    area = write_table(
        sheet,
        context.registry,
        "AgencyProjection",
        projection_frame,
        [
            Column("Financial year end", "year_end", DATE),
            Column("Projected agency rate (projection)", "value", PERCENT),
            Column("Target at year end", "target", PERCENT),
            Column("Month-ends used", "points", INTEGER),
            Column("From", "first", DATE),
            Column("To", "last", DATE),
        ],
        top=max(area.next_free_row, area.header_row + 20),
        caption="Projection to the financial year end (a projection, not a measurement)",
    )
    put(
        sheet.cell(row=area.last_row + 1, column=1),
        PROJECTION_NOTE.format(points=calendar.PROJECTION_POINTS),
        literal=False,
    )
    by_scope = context.scopes(["agency_rate", "agency_fte", "employed_fte",
                               "agency_to_permanent_ratio", "agency_spend_12m"])  # fmt: skip
    write_table(
        sheet,
        context.registry,
        "AgencyByTeam",
        by_scope,
        [
            *LEVEL_COLUMNS,
            metric_column("agency_rate"),
            Column("Target", "agency_rate__target", PERCENT),
            status_column("Status", "agency_rate__status"),
            metric_column("agency_fte"),
            metric_column("employed_fte"),
            metric_column("agency_to_permanent_ratio"),
            metric_column("agency_spend_12m"),
        ],
        top=area.next_free_row + 1,
        caption=f"By service area and team on {context.as_of.isoformat()}",
    )


def _target_on(targets: Sequence[calendar.TargetPeriod], day: date) -> float | None:
    for target in targets:
        if target.from_date <= day and (target.to_date is None or day <= target.to_date):
            return float(target.target)
    return None


def by_team_table(
    sheet: Worksheet, context: _Context, name: str, metrics: Sequence[str], *, top: int
) -> TableArea:
    """The as-of date's ``metrics`` for the Trust, each service area and each team."""
    return write_table(
        sheet,
        context.registry,
        name,
        context.scopes(metrics),
        [*LEVEL_COLUMNS, *[metric_column(metric) for metric in metrics]],
        top=top,
        caption=f"By service area and team on {context.as_of.isoformat()}",
    )


def place_beside(sheet: Worksheet, area: TableArea, chart: ChartBase) -> None:
    """Anchor ``chart`` one column to the right of the table it plots, level with its header."""
    sheet.add_chart(chart, sheet.cell(row=area.header_row, column=area.last_column + 2).coordinate)


def line_chart(
    sheet: Worksheet,
    area: TableArea,
    *,
    value_columns: tuple[int, int],
    title: str,
    y_title: str,
    y_format: str,
) -> LineChart:
    """A line chart of adjacent table columns (1-based offsets in the table) by date."""
    chart = LineChart()
    chart.title = title
    chart.y_axis.title = y_title
    chart.y_axis.number_format = y_format
    chart.x_axis.number_format = "mmm yy"
    chart.x_axis.title = "Month end"
    # openpyxl 3.1 hides axes unless told otherwise.
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.height = 9
    chart.width = 18
    first, last = value_columns
    data = Reference(
        sheet,
        min_col=area.first_column + first - 1,
        max_col=area.first_column + last - 1,
        min_row=area.header_row,
        max_row=area.last_row,
    )
    chart.add_data(data, titles_from_data=True)
    for series in chart.series:
        series.smooth = False
    categories = Reference(
        sheet, min_col=area.first_column, min_row=area.first_data_row, max_row=area.last_row
    )
    chart.set_categories(categories)
    return chart


def _turnover_sheet(sheet: Worksheet, context: _Context) -> None:
    row = title_rows(
        sheet,
        "Turnover and stability (rolling 12 months)",
        "Turnover = leavers FTE in the 12 months to the date ÷ employed FTE on the date; "
        "internal moves are neither leavers nor starters.",
    )
    names = ["turnover_rate", "stability_index", "turnover_rate_headcount", "leavers_headcount",
             "leavers_fte", "starters_headcount", "starters_fte"]  # fmt: skip
    trend = context.trust_trend(names)
    area = write_table(
        sheet,
        context.registry,
        "TurnoverTrend",
        trend,
        [Column("Date", "as_of", DATE), *[metric_column(name) for name in names]],
        top=row,
        caption="Trend (Trust)",
    )
    freeze_below(sheet, area)
    if trend.height > 0:
        chart = line_chart(
            sheet,
            area,
            value_columns=(2, 3),
            title="Turnover rate and stability index",
            y_title="Rate",
            y_format="0%",
        )
        place_beside(sheet, area, chart)
    team_names = ["employed_fte", "employed_headcount", "leavers_headcount", "leavers_fte",
                  "turnover_rate", "turnover_rate_headcount", "stability_index",
                  "starters_headcount", "starters_fte", "agency_conversions",
                  "international_starters", "nqsw_starters"]  # fmt: skip
    area = by_team_table(
        sheet,
        context,
        "TurnoverByTeam",
        team_names,
        top=max(area.next_free_row, area.header_row + 22),  # below the chart
    )
    reasons = context.inputs.leaving_reasons
    trust_reasons = (
        reasons.group_by("leaving_reason", "leaving_reason_label")
        .agg(pl.col("leavers_headcount").sum(), pl.col("leavers_fte").sum())
        .with_columns(
            share=pl.col("leavers_headcount") / pl.col("leavers_headcount").sum().replace(0, None)
        )
        .sort("leavers_headcount", "leaving_reason", descending=[True, False], nulls_last=True)
    )
    reason_columns = [
        Column("Reason code", "leaving_reason", INTEGER),
        Column("Leaving reason", "leaving_reason_label"),
        Column("Leavers", "leavers_headcount", INTEGER),
        Column("Leavers FTE", "leavers_fte", FTE),
    ]
    area = write_table(
        sheet,
        context.registry,
        "LeavingReasons",
        trust_reasons,
        [*reason_columns, Column("Share of leavers", "share", PERCENT)],
        top=area.next_free_row,
        caption="Leaving reasons, 12 months to the as-of date (Trust)",
    )
    write_table(
        sheet,
        context.registry,
        "LeavingReasonsByTeam",
        reasons.sort("service_area", "team", "leaving_reason", nulls_last=True),
        [Column("Service area", "service_area"), Column("Team", "team"), *reason_columns],
        top=area.next_free_row,
        caption="Leaving reasons by team",
    )


def caseload_bands(caseloads: pl.Series, threshold: int, width: int = 5) -> pl.DataFrame:
    """Case holders (caseload ≥ 1) counted in bands of ``width`` children, one band ending
    exactly at the threshold and two above it, then an open band; every band is listed,
    empty ones with 0."""
    uppers = [*range(threshold, 0, -width)][::-1]
    uppers += [threshold + width, threshold + 2 * width]
    uppers = [upper for upper in uppers if upper > 0]
    lowers = [1, *[upper + 1 for upper in uppers]]
    labels = [f"{low}–{high}" for low, high in zip(lowers, uppers, strict=False)]
    labels.append(f"{lowers[-1]}+")
    over = [low > threshold for low in lowers]
    holders = pl.DataFrame({"caseload": caseloads.cast(pl.Float64)}).filter(pl.col("caseload") >= 1)
    banded = holders.with_columns(
        band=pl.col("caseload")
        .cut([float(u) for u in uppers], labels=labels, left_closed=False)
        .cast(pl.String)
    )
    counts = banded.group_by("band").agg(pl.len().cast(pl.Int64).alias("case_holders"))
    skeleton = pl.DataFrame(
        {"band": labels, "order": list(range(len(labels))), "over_threshold": over}
    )
    total = holders.height
    return (
        skeleton.join(counts, on="band", how="left")
        .with_columns(pl.col("case_holders").fill_null(0))
        .with_columns(
            share=pl.col("case_holders") / total if total else pl.lit(None, pl.Float64),
            over_threshold=pl.when(pl.col("over_threshold"))
            .then(pl.lit("Over threshold"))
            .otherwise(pl.lit("")),
        )
        .sort("order")
        .drop("order")
    )


def _caseloads_sheet(sheet: Worksheet, context: _Context) -> None:
    threshold = context.inputs.settings.metrics.caseload_threshold
    row = title_rows(
        sheet,
        "Caseloads",
        f"Average caseload = cases ÷ case holders' FTE (DfE). Over threshold = more than "
        f"{threshold} children. Workers are listed by worker reference only.",
    )
    if not context.extract_supplied("caseloads"):
        _not_supplied(sheet, row, "Caseloads", "caseload figures")
        return
    names = ["cases", "case_holders_headcount", "case_holders_fte", "average_caseload",
             "caseload_per_case_holder", "max_caseload",
             "case_holders_over_threshold_rate"]  # fmt: skip
    area = by_team_table(sheet, context, "CaseloadsByTeam", names, top=row)
    freeze_below(sheet, area)
    workers = context.inputs.caseload_by_worker
    if workers is None:
        put(sheet.cell(row=area.next_free_row, column=1),
            "Caseloads by worker were not provided to this run.", literal=False)  # fmt: skip
        return
    bands = caseload_bands(workers.get_column("caseload"), threshold)
    area = write_table(
        sheet,
        context.registry,
        "CaseloadBands",
        bands,
        [
            Column("Caseload band (children)", "band"),
            Column("Case holders", "case_holders", INTEGER),
            Column("Share of case holders", "share", PERCENT),
            Column("Above threshold", "over_threshold"),
        ],
        top=area.next_free_row,
        caption="Distribution of caseloads (case holders)",
    )
    chart = BarChart()
    chart.type = "col"
    chart.title = "Case holders by caseload band"
    chart.y_axis.title = "Case holders"
    chart.x_axis.title = "Children allocated"
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.legend = None
    chart.height = 8
    chart.width = 16
    chart.add_data(
        Reference(sheet, min_col=area.first_column + 1, min_row=area.header_row,
                  max_row=area.last_row),
        titles_from_data=True,
    )  # fmt: skip
    chart.set_categories(
        Reference(sheet, min_col=area.first_column, min_row=area.first_data_row,
                  max_row=area.last_row)
    )  # fmt: skip
    place_beside(sheet, area, chart)
    over = workers.filter(pl.col("caseload") > threshold).sort(
        ["caseload", "worker_id"], descending=[True, False]
    )
    write_table(
        sheet,
        context.registry,
        "CaseloadsOverThreshold",
        over,
        [
            Column("Worker reference", "worker_id"),
            Column("Worker kind", "worker_kind"),
            Column("Service area", "service_area"),
            Column("Team", "team"),
            Column("Role", "role"),
            Column("FTE", "fte", FTE),
            Column("Caseload", "caseload", INTEGER),
        ],
        top=max(area.next_free_row, area.header_row + 18),
        caption=f"Case holders over the threshold of {threshold}",
    )


def _vacancies_sheet(sheet: Worksheet, context: _Context) -> None:
    row = title_rows(
        sheet,
        "Vacancies",
        "Vacant FTE = funded FTE not filled by employed social workers, per team and role "
        "(an overstaffed cell does not offset another). Vacancy rate = vacant ÷ (vacant + "
        "employed).",
    )
    if not context.extract_supplied("establishment"):
        _not_supplied(sheet, row, "Establishment", "vacancy figures")
        return
    names = ["vacancy_fte", "vacancy_rate", "vacancy_agency_cover_rate", "employed_fte",
             "agency_fte"]  # fmt: skip
    area = by_team_table(sheet, context, "VacanciesByTeam", names, top=row)
    freeze_below(sheet, area)
    cells = context.inputs.vacancy_by_cell
    if cells is None:
        return
    by_cell = cells.with_columns(
        role_name=pl.col("role").replace_strict(ROLE_NAMES, default=pl.col("role"))
    ).sort("service_area", "team", "role", nulls_last=True)
    write_table(
        sheet,
        context.registry,
        "VacanciesByCell",
        by_cell,
        [
            Column("Service area", "service_area"),
            Column("Team", "team"),
            Column("Role", "role"),
            Column("Role name", "role_name"),
            Column("Establishment (funded FTE)", "funded_fte", FTE),
            Column("Employed FTE", "employed_fte", FTE),
            Column("Agency FTE", "agency_fte", FTE),
            Column("Vacant FTE", "vacancy_fte", FTE),
            Column("Vacancy covered by agency FTE", "agency_cover_fte", FTE),
        ],
        top=area.next_free_row,
        caption="By team and role",
    )


def _benchmarks_sheet(sheet: Worksheet, context: _Context) -> None:
    inputs = context.inputs
    row = title_rows(
        sheet,
        "Benchmarks: DfE children's social work workforce indicators",
        "Laid out as the DfE's Local Authority Interactive Tool. DfE figures are at 30 "
        "September of each year; the Trust's own value is this run's, as of "
        f"{inputs.as_of.isoformat()}. Rank 1 = best; quartile A = best quarter.",
    )
    if inputs.benchmarks is None:
        put(sheet.cell(row=row, column=1), DFE_DOWNLOAD_HINT, literal=False)
        sheet.cell(row=row, column=1).alignment = WRAP
        context.registry.fix_width(sheet, "A", 100)
        sheet.row_dimensions[row].height = 60
        return
    trust = inputs.settings.trust
    available = [m for m in BENCHMARK_METRICS if context.available(m)]
    current_rows = context.history.filter(
        pl.col("as_of") == inputs.as_of,
        pl.col("scope") == "trust",
        pl.col("metric").is_in(available),
    )
    current = dict(
        zip(current_rows["metric"].to_list(), current_rows["value"].to_list(), strict=True)
    )
    table = benchmark_table(
        inputs.benchmarks, trust.la_code, trust.statistical_neighbours, current=current
    )
    year_columns = [name for name in table.columns if name.isdigit()]
    formats = {m: metric_format(METRICS_BY_NAME[m]) for m in BENCHMARK_METRICS}
    table = table.with_columns(
        format=pl.col("metric").replace_strict(formats, default=ONE_DECIMAL),
        area_kind_word=pl.col("area_kind").replace_strict(AREA_WORDS, default=None),
        trust_note=pl.when(
            (pl.col("area_kind") == "local_authority") & ~pl.col("metric").is_in(available)
        ).then(pl.lit(NOT_SUPPLIED)),
    ).with_columns(
        change_format=pl.col("format").replace_strict(
            CHANGE_FORMATS, default=change_format(ONE_DECIMAL)
        )
    )
    if (
        table.filter(pl.col("area_kind") == "local_authority")
        .select(pl.concat_list(year_columns).list.drop_nulls().list.len().sum())
        .item()
        == 0
    ):
        put(
            sheet.cell(row=row, column=1),
            f"The DfE file has no figures for local authority code {trust.la_code!r} "
            "in these years: check [trust] la_code in the configuration.",
            literal=False,
        )
        sheet.cell(row=row, column=1).font = WARNING_FONT
        row += 2
    columns = [
        Column("Indicator", "label"),
        Column("Area", "area"),
        Column("Comparison", "area_kind_word"),
        *[Column(year, year, format_from="format") for year in year_columns],
        Column("Change on year before", "change", format_from="change_format"),
        Column("Rank year", "rank_year", INTEGER),
        Column("National rank (1 = best)", "rank", INTEGER),
        Column("Authorities ranked", "out_of", INTEGER),
        Column("Quartile band", "quartile", fills=QUARTILE_FILLS),
        Column(f"Trust this run ({inputs.as_of.isoformat()})", "trust_current",
               format_from="format"),
        Column("Note", "trust_note"),
    ]  # fmt: skip
    area = write_table(sheet, context.registry, "Benchmarks", table, columns, top=row)
    freeze_below(sheet, area)
    put(
        sheet.cell(row=area.next_free_row, column=1),
        f"Source: {inputs.settings.benchmarks.dfe_indicator_file or 'DfE indicator file'} "
        "(Open Government Licence v3.0). Statistical neighbours by DfE code: "
        + ", ".join(trust.statistical_neighbours),
        literal=True,
    )


def _data_quality_sheet(sheet: Worksheet, context: _Context) -> None:
    inputs = context.inputs
    row = title_rows(
        sheet, "Data quality", data_quality_verdict(inputs.extract_summaries, inputs.findings)
    )
    summaries = inputs.extract_summaries.with_columns(
        share=pl.col("rows_quarantined") / pl.col("rows_read").replace(0, None)
    )
    area = write_table(
        sheet,
        context.registry,
        "ExtractSummary",
        summaries,
        [
            Column("Extract", "extract"),
            Column("Rows read", "rows_read", INTEGER),
            Column("Rows quarantined", "rows_quarantined", INTEGER),
            Column("Share quarantined", "share", PERCENT),
            Column("Warnings", "warnings", INTEGER),
        ],
        top=row,
        caption="Per extract",
    )
    freeze_below(sheet, area)
    findings = inputs.findings
    by_rule = (
        findings.group_by("extract", "rule", "severity")
        .agg(pl.len().cast(pl.Int64).alias("findings"))
        .sort("extract", "severity", "rule", nulls_last=False)
        .with_columns(pl.col("extract").fill_null("(whole drop)"))
    )
    area = write_table(
        sheet,
        context.registry,
        "FindingsByRule",
        by_rule,
        [
            Column("Extract", "extract"),
            Column("Rule", "rule"),
            Column("Severity", "severity"),
            Column("Findings", "findings", INTEGER),
        ],
        top=area.next_free_row,
        caption="Findings by rule",
        empty_text="No findings",
    )
    ordered = (
        findings.with_columns(
            _quarantined=(pl.col("severity") == "error").cast(pl.Int8),
        )
        .sort(["_quarantined", "extract", "row", "rule"], descending=[True, False, False, False],
              nulls_last=False, maintain_order=True)
        .with_columns(pl.col("extract").fill_null("(whole drop)"))
    )  # fmt: skip
    write_table(
        sheet,
        context.registry,
        "Findings",
        ordered,
        [
            Column("Extract", "extract"),
            Column("Source row", "row", INTEGER),
            Column("Column", "column"),
            Column("Rule", "rule"),
            Column("Severity", "severity"),
            Column("Value", "value", width=24),
            Column("Message", "message", width=70, wrap=True),
        ],
        top=area.next_free_row,
        caption="Quarantined rows (severity error) and warnings; source row as seen in the "
        "file (header = row 1)",
        empty_text="No findings",
    )


def _definitions_sheet(sheet: Worksheet, context: _Context) -> None:
    row = title_rows(
        sheet,
        "Definitions",
        "Every metric as computed for this workbook; the DfE column is the published "
        "equivalent where one exists.",
    )
    definitions: list[MetricDefinition] = list(METRICS)
    frame = pl.DataFrame(
        {
            "name": [d.name for d in definitions],
            "label": [d.label for d in definitions],
            "definition": [d.definition for d in definitions],
            "unit": [UNIT_WORDS.get(d.unit, d.unit) for d in definitions],
            "polarity": [POLARITY_WORDS[d.polarity] for d in definitions],
            "dfe": [d.dfe_equivalent or "None published" for d in definitions],
            "dfe_column": [d.dfe_column for d in definitions],
            "needs": [", ".join(d.needs) for d in definitions],
            "in_run": [
                "Yes" if context.available(d.name) else NOT_SUPPLIED for d in definitions
            ],
        },
        schema={
            key: pl.String
            for key in ("name", "label", "definition", "unit", "polarity", "dfe",
                        "dfe_column", "needs", "in_run")
        },
    )  # fmt: skip
    area = write_table(
        sheet,
        context.registry,
        "Definitions",
        frame,
        [
            Column("Metric", "name"),
            Column("Label", "label"),
            Column("Definition", "definition", width=70, wrap=True),
            Column("Unit", "unit"),
            Column("Better when", "polarity"),
            Column("DfE equivalent", "dfe", width=40, wrap=True),
            Column("DfE column", "dfe_column"),
            Column("Extracts needed", "needs"),
            Column("In this run", "in_run"),
        ],
        top=row,
    )
    freeze_below(sheet, area)


def _metrics_sheet(sheet: Worksheet, context: _Context) -> None:
    formats = {d.name: metric_format(d) for d in METRICS}
    frame = (
        context.inputs.metrics.select(METRIC_COLUMNS)
        .with_columns(
            pl.col("as_of").cast(pl.Date),
            pl.col("value", "numerator", "denominator", "target", "tolerance").cast(pl.Float64),
            format=pl.col("metric").replace_strict(formats, default="General"),
        )
        .sort("as_of", "scope", "scope_value", "metric")
    )
    area = write_table(
        sheet,
        context.registry,
        "Metrics",
        frame,
        [
            Column("as_of", "as_of", DATE),
            Column("scope", "scope"),
            Column("scope_value", "scope_value"),
            Column("metric", "metric"),
            Column("value", "value", format_from="format"),
            Column("numerator", "numerator", "0.0###"),
            Column("denominator", "denominator", "0.0###"),
            Column("target", "target", format_from="format"),
            Column("tolerance", "tolerance", format_from="format"),
            Column("status", "status", fills=STATUS_FILLS),
        ],
        top=1,
    )
    freeze_below(sheet, area)


def _document_properties(workbook: openpyxl.Workbook, inputs: WorkbookInputs) -> None:
    properties = workbook.properties
    properties.title = f"Workforce stability: {inputs.settings.trust.name}"
    properties.subject = f"As of {inputs.as_of.isoformat()}"
    properties.creator = GENERATOR
    properties.lastModifiedBy = GENERATOR
    properties.description = (
        f"Generated at {_naive(inputs.generated_at).isoformat(timespec='seconds')} by "
        f"{GENERATOR}; extract date "
        f"{inputs.extract_date.isoformat() if inputs.extract_date else 'unknown'}."
    )
    properties.keywords = "workforce stability; agency rate; social work"
    properties.created = _naive(inputs.generated_at)
    properties.modified = _naive(inputs.generated_at)
    custom = workbook.custom_doc_props  # type: ignore[attr-defined]
    custom.append(StringProperty(name="Generator", value=GENERATOR))
    custom.append(StringProperty(name="As of", value=inputs.as_of.isoformat()))
