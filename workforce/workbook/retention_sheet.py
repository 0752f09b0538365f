"""The Retention sheet: do the people the Trust recruits stay? The share of starters still
in post 6, 12 and 24 months after starting, by recruitment route (a chart), then by route
and financial-year cohort (Kaplan–Meier, so people followed for less time still count);
and the recruitment milestones with their progress."""

from __future__ import annotations

from openpyxl.worksheet.worksheet import Worksheet

from transforms.retention import HORIZONS_DAYS
from transforms.views.outlook import (
    ROUTE_ORDER,
    ROUTE_WORDS,
    horizon_words,
    milestones_view,
    retention_by_horizon,
    retention_table,
)
from workforce.workbook.cells import DATE, INTEGER, RAG_FILLS
from workforce.workbook.charts import line_chart
from workforce.workbook.context import WorkbookContext
from workforce.workbook.layout import SheetLayout
from workforce.workbook.tables import Column

SHARE = "0.0%"


def retention_sheet(sheet: Worksheet, context: WorkbookContext) -> None:
    report = context.report
    layout = SheetLayout(
        sheet,
        context.registry,
        "Retention: do the people we recruit stay?",
        "Share of starters still employed h months after starting (Kaplan–Meier: a starter "
        "followed for less than h counts until then). Internal moves are followed to the "
        "real leaving date; a rejoiner counts as a new starter. Route: agency conversion "
        "first, then international recruit, then newly qualified, else other.",
    )
    by_horizon = retention_by_horizon(report.retention)
    area = layout.table(
        "RetentionByRoute",
        by_horizon,
        [
            Column("Still in post after", "horizon"),
            *(Column(ROUTE_WORDS[route], route, SHARE) for route in ROUTE_ORDER),
        ],
        "Share still in post, by route (every cohort)",
    )
    layout.chart(
        line_chart(
            sheet,
            area,
            series=range(2, 2 + len(ROUTE_ORDER)),
            title="Share of starters still in post, by route",
            y_title="Still in post",
            x_title="Time since starting",
            x_format="General",
            y_max=1.0,
        ),
        width_cm=20,
        height_cm=10,
    )
    layout.table(
        "RetentionByCohort",
        retention_table(report.retention),
        [
            Column("Route", "route_word"),
            Column("Cohort (financial year of start)", "cohort_word"),
            Column("Starters", "starters", INTEGER),
            *(
                column
                for horizon in HORIZONS_DAYS
                for column in (
                    Column(
                        f"Still in post after {horizon_words(horizon)}",
                        f"retained_{horizon}",
                        SHARE,
                    ),
                    Column(f"Followed {horizon} days", f"at_risk_{horizon}", INTEGER),
                )
            ),
        ],
        "By route and cohort (still in post empty: nobody followed that long yet)",
        empty_text="No starters in the extract.",
    )
    layout.table(
        "Milestones",
        milestones_view(report.milestones),
        [
            Column("Route", "route_word"),
            Column("From", "from_date", DATE),
            Column("To", "to_date", DATE),
            Column("Target starters", "count", INTEGER),
            Column("Started", "starters", INTEGER),
            Column("Booked to start", "starters_booked", INTEGER),
            Column("Status", "status_word", fills=RAG_FILLS),
        ],
        "Recruitment milestones (from the configuration)",
        empty_text="No milestones configured.",
    )
    layout.finish(trust_name=context.trust_name, as_of=context.as_of)
