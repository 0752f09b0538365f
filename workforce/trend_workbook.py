"""The backfill's trend workbook: the Trust's metric series over the backfilled dates.

Grain of its one table: one row per as-of date, a column per metric, Trust-wide. The long
table of every scope, metric and date is the backfill's ``metrics.csv`` beside it (an
Excel copy of it would take openpyxl seconds per thousand dates and add nothing).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import openpyxl
import polars as pl
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from transforms.definitions import METRICS
from workforce.excel_cells import (
    DATE,
    PERCENT,
    Column,
    TableRegistry,
    print_setup,
    unique_headers,
    write_table,
)
from workforce.settings import Settings
from workforce.workbook import (
    GENERATOR,
    freeze_below,
    line_chart,
    metric_column,
    status_column,
    title_rows,
    wide_metrics,
)


def _longest_shown(frame: pl.DataFrame, column: Column) -> int:
    """Characters of the longest cell ``column`` shows, counted as ``fit_columns`` counts
    them (a date or a float as 10)."""
    values = frame.get_column(column.source)
    if values.dtype == pl.Date or values.dtype.is_float():
        return 10 if values.null_count() < values.len() else 0
    text = values.cast(pl.String)
    if column.words:
        text = text.replace(dict(column.words))
    longest = text.str.len_chars().max()
    return longest if isinstance(longest, int) else 0


def fit_table_columns(sheet: Worksheet, frame: pl.DataFrame, columns: Sequence[Column]) -> None:
    """The widths ``fit_columns`` gives a sheet holding one table of ``frame`` starting
    in column A, worked out from the frame: ``fit_columns`` reads every cell back, which
    for a daily backfill's tens of thousands of rows costs seconds."""
    for index, (header, column) in enumerate(
        zip(unique_headers([c.header for c in columns]), columns, strict=True), start=1
    ):
        # Headers wrap between words, so only their longest word must fit.
        header_length = min(len(header), max(12, *(len(word) for word in header.split())))
        length = max(header_length, _longest_shown(frame, column))
        sheet.column_dimensions[get_column_letter(index)].width = max(8, min(50, length * 1.15 + 2))


def build_trend_workbook(
    series: pl.DataFrame, settings: Settings, start: dt.date, end: dt.date
) -> openpyxl.Workbook:
    """``series``: metrics rows (with target and status) for every backfilled date."""
    workbook = openpyxl.Workbook()
    registry = TableRegistry()
    names = [m.name for m in METRICS if m.name in set(series["metric"].unique().to_list())]
    trust = series.filter(pl.col("scope") == "trust")

    workbook.remove(workbook.worksheets[0])
    trend_sheet = workbook.create_sheet("Trend")
    row = title_rows(
        trend_sheet,
        f"Workforce stability trend: {settings.trust.name}",
        f"As-of dates {start.isoformat()} to {end.isoformat()}, Trust-wide. Every team and "
        "service area is in the backfill's metrics.csv.",
    )
    wide = wide_metrics(trust, ["as_of"], names).sort("as_of")
    columns = [Column("As of", "as_of", DATE)]
    for name in names:
        columns.append(metric_column(name))
        if name == "agency_rate":
            columns.append(Column("Agency rate target", "agency_rate__target", PERCENT))
            columns.append(status_column("Agency rate status", "agency_rate__status"))
    area = write_table(trend_sheet, registry, "Trend", wide, columns, top=row)
    freeze_below(trend_sheet, area)
    if "agency_rate" in names and wide.height > 1:
        chart = line_chart(
            trend_sheet,
            area,
            value_columns=(2, 3),
            title="Agency rate (KPI 16) against target",
            y_title="Agency rate",
            y_format="0%",
        )
        trend_sheet.add_chart(chart, f"B{area.last_row + 3}")
    fit_table_columns(trend_sheet, wide, columns)
    print_setup(trend_sheet, trust_name=settings.trust.name, as_of=end)

    properties = workbook.properties
    properties.title = f"Workforce stability trend: {settings.trust.name}"
    properties.subject = f"As-of dates {start.isoformat()} to {end.isoformat()}"
    properties.creator = GENERATOR
    return workbook
