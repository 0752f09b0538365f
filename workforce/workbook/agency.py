"""The Agency sheet: the agency rate (KPI 16) on each of the last 24 month-ends and the
as-of date against its target and the glide path between financial year-end targets,
with a chart of those three lines; and the rate by service area and team."""

from __future__ import annotations

from openpyxl.worksheet.worksheet import Worksheet

from transforms.views.details import agency_trend
from transforms.views.history import by_scope
from workforce.workbook.cells import DATE, metric_format
from workforce.workbook.charts import line_chart
from workforce.workbook.common import (
    metric_column,
    status_column,
)
from workforce.workbook.context import KPI, WorkbookContext
from workforce.workbook.layout import SheetLayout
from workforce.workbook.tables import Column

RATE = metric_format(KPI)


def agency_sheet(sheet: Worksheet, context: WorkbookContext) -> None:
    layout = SheetLayout(
        sheet,
        context.registry,
        "Agency: the agency rate (KPI 16) = agency FTE ÷ (agency FTE + employed FTE)",
        "Month-ends then the as-of date, against the target and a straight glide path "
        "between financial year-end targets. The agency-to-permanent ratio (agency ÷ "
        "employed) is shown beside it; it is not the KPI.",
    )
    trend = agency_trend(context.history, context.as_of, context.kpi_targets)
    area = layout.table(
        "AgencyTrend",
        trend,
        [
            Column("Date", "as_of", DATE),
            metric_column(KPI, status_fill=True),
            Column("Target", f"{KPI}__target", RATE),
            Column("Glide path", "glide", RATE),
            status_column("Status", f"{KPI}__status"),
            metric_column("agency_fte"),
            metric_column("employed_fte"),
            metric_column("agency_to_permanent_ratio"),
        ],
        "Trust trend",
    )
    if trend.height:
        layout.chart(
            line_chart(
                sheet,
                area,
                series=(2, 3, 4),
                title="Agency rate against target and glide path",
                y_title="Agency rate",
                dashed=(3,),
            ),
            width_cm=22,
            height_cm=11,
        )
    names = [KPI, "agency_fte", "employed_fte", "agency_to_permanent_ratio", "agency_spend_12m"]
    by_team = by_scope(context.history, context.as_of, names, context.report.team_areas)
    layout.scope_table(
        "AgencyByTeam",
        by_team,
        [
            metric_column(KPI, status_fill=True),
            Column("Target", f"{KPI}__target", RATE),
            status_column("Status", f"{KPI}__status"),
            *(metric_column(name) for name in names[1:]),
        ],
        f"By service area and team on {context.as_of:%d %b %Y}",
    )
    layout.finish(trust_name=context.trust_name, as_of=context.as_of)
