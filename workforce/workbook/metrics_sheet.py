"""The Metrics sheet: the ``metrics.csv`` table as an Excel table for filters and pivots,
with the measure's label beside its id (the only place an id is shown), the level and
status in words."""

from __future__ import annotations

import polars as pl
from openpyxl.worksheet.worksheet import Worksheet

from transforms.definitions import METRICS
from transforms.views.history import metrics_listing
from transforms.views.labels import STATUS_WORDS
from workforce.workbook.cells import DATE, RAG_FILLS, value_format
from workforce.workbook.context import WorkbookContext
from workforce.workbook.layout import SheetLayout
from workforce.workbook.tables import Column

PARTS = "#,##0.0###"


def metrics_sheet(sheet: Worksheet, context: WorkbookContext) -> None:
    layout = SheetLayout(
        sheet,
        context.registry,
        "Metrics: every figure of this run (metrics.csv)",
        "One row per scope and measure; value = numerator ÷ denominator for rates. Filter "
        "or pivot it; the Id column is the name metrics.csv uses.",
    )
    formats = {d.name: value_format(d) for d in METRICS}
    frame = metrics_listing(context.report.metrics).with_columns(
        format=pl.col("metric").replace_strict(formats, default="General")
    )
    layout.table(
        "Metrics",
        frame,
        [
            Column("As of", "as_of", DATE),
            Column("Level", "level"),
            Column("Trust, service area or team", "name", width=26, wrap=True),
            Column("Measure", "label", width=24, wrap=True),
            Column("Id", "metric"),
            Column("Value", "value", format_from="format"),
            Column("Numerator", "numerator", PARTS),
            Column("Denominator", "denominator", PARTS),
            Column("Target", "target", format_from="format"),
            Column("Tolerance (±)", "tolerance_points", '0.0" pts"'),
            Column("Status", "status", words=STATUS_WORDS, fills=RAG_FILLS),
        ],
        "All measures",
    )
    layout.finish(label_columns=5, trust_name=context.trust_name, as_of=context.as_of)
