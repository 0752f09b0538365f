"""The Caseloads sheet: caseloads by team, the distribution of caseloads in bands (a
column chart), and the case holders over the threshold (worker references only, never a
child reference)."""

from __future__ import annotations

from openpyxl.worksheet.worksheet import Worksheet

from transforms.views.details import caseload_bands, over_threshold
from transforms.views.history import by_scope
from workforce.workbook.cells import INTEGER, metric_format
from workforce.workbook.charts import column_chart
from workforce.workbook.common import (
    metric_column,
    not_supplied_text,
)
from workforce.workbook.context import WorkbookContext
from workforce.workbook.layout import SheetLayout
from workforce.workbook.tables import Column

TEAM_METRICS = (
    "cases",
    "case_holders_headcount",
    "case_holders_fte",
    "average_caseload",
    "caseload_per_case_holder",
    "max_caseload",
    "case_holders_over_threshold_rate",
)
SHARE = metric_format("case_holders_over_threshold_rate")
FTE = metric_format("employed_fte")


def caseloads_sheet(sheet: Worksheet, context: WorkbookContext) -> None:
    threshold = context.settings.metrics.caseload_threshold
    layout = SheetLayout(
        sheet,
        context.registry,
        "Caseloads",
        "Average caseload = cases ÷ case holders' FTE (the DfE measure). A case holder is "
        f"over the threshold with more than {threshold} children. Workers are named by "
        "their worker reference only.",
    )
    workers = context.report.caseload_by_worker
    if not context.supplied("caseloads") or workers is None:
        layout.message(not_supplied_text("caseloads", "caseload figures"), warning=True)
        layout.finish(trust_name=context.trust_name, as_of=context.as_of)
        return
    by_team = by_scope(context.history, context.as_of, TEAM_METRICS, context.report.team_areas)
    layout.scope_table(
        "CaseloadsByTeam",
        by_team,
        [metric_column(name) for name in TEAM_METRICS],
        f"By service area and team on {context.as_of:%d %b %Y}",
    )
    bands = caseload_bands(workers.get_column("caseload"), threshold)
    area = layout.table(
        "CaseloadBands",
        bands,
        [
            Column("Children allocated", "band"),
            Column("Case holders", "case_holders", INTEGER),
            Column("Share of case holders", "share", SHARE),
            Column("Above threshold", "over_threshold"),
        ],
        "How many children each case holder has",
    )
    layout.chart(
        column_chart(
            sheet,
            area,
            series=2,
            title="Case holders by number of children",
            y_title="Case holders",
            x_title="Children allocated",
        )
    )
    layout.table(
        "CaseloadsOverThreshold",
        over_threshold(workers, threshold),
        [
            Column("Worker reference", "worker_id"),
            Column("Worker", "worker_kind_word"),
            Column("Service area", "service_area"),
            Column("Team", "team"),
            Column("Role", "role_name"),
            Column("FTE", "fte", FTE),
            Column("Children", "caseload", INTEGER),
        ],
        f"Case holders with more than {threshold} children",
        empty_text=f"No case holder has more than {threshold} children.",
    )
    layout.finish(trust_name=context.trust_name, as_of=context.as_of)
