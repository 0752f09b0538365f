"""The Turnover sheet: rolling 12-month turnover and the stability index on each month-end
and the as-of date (each on its own axis), with starters, leavers, conversions and
international and newly qualified starters; the same by team; leaving reasons."""

from __future__ import annotations

from openpyxl.worksheet.worksheet import Worksheet

from transforms.views.details import trust_leaving_reasons
from transforms.views.history import by_scope, month_end_trend
from workforce.workbook.cells import DATE, INTEGER, metric_format
from workforce.workbook.charts import line_chart
from workforce.workbook.common import metric_column
from workforce.workbook.context import WorkbookContext
from workforce.workbook.layout import SheetLayout
from workforce.workbook.tables import Column

TREND_METRICS = (
    "turnover_rate",
    "stability_index",
    "leavers_headcount",
    "leavers_fte",
    "starters_headcount",
    "starters_fte",
    "agency_conversions",
    "international_starters",
    "nqsw_starters",
)
TEAM_METRICS = (
    "employed_fte",
    "turnover_rate",
    "turnover_rate_headcount",
    "stability_index",
    "leavers_headcount",
    "starters_headcount",
    "agency_conversions",
    "international_starters",
    "nqsw_starters",
)
SHARE = metric_format("turnover_rate")
FTE = metric_format("employed_fte")


def turnover_sheet(sheet: Worksheet, context: WorkbookContext) -> None:
    layout = SheetLayout(
        sheet,
        context.registry,
        "Turnover, stability and starters (rolling 12 months)",
        "Turnover = leavers' FTE in the 12 months to the date ÷ employed FTE on the date. "
        "Stability = of those employed a year earlier, the share still employed. Internal "
        "moves are neither leavers nor starters.",
    )
    trend = month_end_trend(context.history, context.as_of, TREND_METRICS)
    area = layout.table(
        "TurnoverTrend",
        trend,
        [Column("Date", "as_of", DATE), *(metric_column(name) for name in TREND_METRICS)],
        "Trust trend",
    )
    if trend.height:
        # Turnover near 15% and stability near 85%: each on its own axis.
        for offset, name in ((2, "Turnover rate"), (3, "Stability index")):
            layout.chart(
                line_chart(
                    sheet,
                    area,
                    series=(offset,),
                    title=f"{name}, Trust",
                    y_title=name,
                    y_min=None,  # its own scale: a rate near 85% is not drawn flat
                ),
                width_cm=13,
                height_cm=9,
            )
    by_team = by_scope(context.history, context.as_of, TEAM_METRICS, context.report.team_areas)
    layout.scope_table(
        "TurnoverByTeam",
        by_team,
        [metric_column(name) for name in TEAM_METRICS],
        f"By service area and team, 12 months to {context.as_of:%d %b %Y}",
    )
    reasons = context.report.leaving_reasons
    reason_columns = [
        Column("Leaving reason", "leaving_reason_label"),
        Column("Leavers", "leavers_headcount", INTEGER),
        Column("Leavers FTE", "leavers_fte", FTE),
    ]
    layout.table(
        "LeavingReasons",
        trust_leaving_reasons(reasons),
        [*reason_columns, Column("Share of leavers", "share", SHARE)],
        "Why people left (Trust, 12 months)",
    )
    layout.table(
        "LeavingReasonsByTeam",
        reasons,
        [Column("Service area", "service_area"), Column("Team", "team"), *reason_columns],
        "Why people left, by team",
    )
    layout.finish(trust_name=context.trust_name, as_of=context.as_of)
