"""The Outlook sheet: the committed outlook of the agency rate for the Trust (what the
rate will be on each of the next 12 month-ends if nothing else changes: not a forecast)
against the target and glide path, as a table and a chart; what it would take to meet the
next year-end target for the Trust and every team that would miss it; and, clearly
secondary, the straight-line extrapolation of the recent trend."""

from __future__ import annotations

from openpyxl.worksheet.worksheet import Worksheet

from transforms.views.details import agency_trend, extrapolation
from transforms.views.outlook import levers, outlook_trend
from transforms.views.text import day
from workforce.workbook.cells import DATE, INTEGER, metric_format
from workforce.workbook.charts import line_chart
from workforce.workbook.common import metric_column, status_column
from workforce.workbook.context import KPI, WorkbookContext
from workforce.workbook.layout import SheetLayout
from workforce.workbook.tables import Column

RATE = metric_format(KPI)
FTE = metric_format("agency_fte")
NOT_A_FORECAST = "If nothing else changes: not a forecast."


def outlook_sheet(sheet: Worksheet, context: WorkbookContext) -> None:
    report = context.report
    layout = SheetLayout(
        sheet,
        context.registry,
        "Outlook: where the agency rate is heading on what is already agreed",
        f"{NOT_A_FORECAST} The committed outlook applies the extracts' own future dates to "
        "today's staff: every fixed-term contract and agency assignment ends on its recorded "
        "end date, none extended or replaced; starters booked start; establishment changes "
        "take effect. Nobody the Trust has not yet recruited or agreed is added. What it "
        "takes: each lever alone brings the rate to the target (convert agency workers to "
        "permanent, or end agency assignments without replacing them, or add permanent "
        "starters only), rounded up to 0.1 FTE (the need is a minimum).",
    )
    trend = outlook_trend(context.history, report.outlook, context.as_of, context.kpi_targets)
    area = layout.table(
        "OutlookTrend",
        trend,
        [
            Column("Date", "as_of", DATE),
            metric_column(KPI, "Agency rate", status_fill=True),
            Column("Target", f"{KPI}__target", RATE),
            Column("Glide path", "glide", RATE),
            status_column("Status", f"{KPI}__status"),
            metric_column("agency_fte"),
            metric_column("employed_fte"),
            Column("Basis", "basis"),
        ],
        f"Committed outlook (Trust). {NOT_A_FORECAST}",
    )
    if trend.height > 1:
        layout.chart(
            line_chart(
                sheet,
                area,
                series=(2, 3, 4),
                title="Committed agency rate against target: if nothing else changes, "
                "not a forecast",
                dashed=(3,),
                y_title="Agency rate",
                x_format="d mmm yy",
            ),
            width_cm=22,
            height_cm=11,
        )
    shown = levers(report.what_it_takes)
    year_end = (
        day(report.what_it_takes.get_column("year_end")[0])
        if report.what_it_takes.height
        else "the next year-end"
    )
    layout.table(
        "WhatItTakes",
        shown,
        [
            Column("Level", "level"),
            Column("Trust, service area or team", "name"),
            Column(f"Committed rate on {year_end}", "committed_rate", RATE, width=14),
            Column("Target", "target", RATE),
            status_column("Status", "status"),
            Column("Need", "need"),
            Column("Convert agency to permanent (FTE)", "convert_fte_display", FTE, width=16),
            Column("Or end agency, not replaced (FTE)", "end_agency_fte_display", FTE, width=16),
            Column("Or add permanent starters (FTE)", "add_permanent_fte_display", FTE, width=16),
        ],
        f"What it takes to meet the target on {year_end}: each lever alone, for every "
        "scope that would not meet it",
        empty_text=(
            "On the committed outlook the Trust and every service area and team meet the "
            "target: nothing more is needed."
            if report.what_it_takes.height
            else "No agency-rate target covers a year-end after this date."
        ),
    )
    line = extrapolation(
        agency_trend(context.history, context.as_of, context.kpi_targets),
        context.as_of,
        context.kpi_targets,
    )
    layout.table(
        "Extrapolation",
        line,
        [
            Column("Financial year end", "year_end", DATE),
            Column("Extrapolated agency rate", "value", RATE),
            Column("Target at year end", "target", RATE),
            Column("Month-ends used", "points", INTEGER),
            Column("From", "first", DATE),
            Column("To", "last", DATE),
        ],
        "Secondary: a straight line through recent month-ends (an extrapolation of the trend, "
        "not a plan; the committed outlook above is the measure of what is agreed)",
    )
    layout.finish(trust_name=context.trust_name, as_of=context.as_of)
