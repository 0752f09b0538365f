"""The Teams sheet: a heat-map with one row per team under its service area (and the
service-area and Trust rows), one column per key measure. Team cells are coloured by the
measure's polarity with native colour scales (green good, red bad), the agency rate by its
RAG status; the number is always in the cell."""

from __future__ import annotations

from openpyxl.formatting.rule import ColorScaleRule, Rule
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from transforms.definitions import METRICS_BY_NAME
from transforms.scopes import TEAM
from transforms.views.teams import team_measures, teams_matrix
from workforce.workbook.cells import GREEN, RED
from workforce.workbook.common import (
    LEVEL_COLUMNS,
    metric_column,
    status_column,
)
from workforce.workbook.context import KPI, WorkbookContext
from workforce.workbook.layout import SheetLayout
from workforce.workbook.tables import Column

WHITE = "FFFFFF"


def _colour_scale(polarity: str) -> Rule:
    low, high = (GREEN, RED) if polarity == "lower_is_better" else (RED, GREEN)
    return ColorScaleRule(  # type: ignore[no-untyped-call,no-any-return]
        start_type="min",
        start_color=low,
        mid_type="percentile",
        mid_value=50,
        mid_color=WHITE,
        end_type="max",
        end_color=high,
    )


def _runs(rows: list[int]) -> list[tuple[int, int]]:
    """Consecutive row numbers as (first, last) runs."""
    runs: list[tuple[int, int]] = []
    for row in rows:
        if runs and row == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], row)
        else:
            runs.append((row, row))
    return runs


def teams_sheet(sheet: Worksheet, context: WorkbookContext) -> None:
    report = context.report
    threshold = context.settings.metrics.caseload_threshold
    layout = SheetLayout(
        sheet,
        context.registry,
        "Teams: where the Trust is on track and where it is not",
        f"On {context.as_of:%d %B %Y}. Each team is coloured against the other teams: green "
        "better, red worse, by what is good for the measure (lower turnover, higher "
        "stability...); the agency rate by its target (Met, Within tolerance, Missed). "
        f"Over threshold = case holders with more than {threshold} children.",
    )
    matrix = teams_matrix(context.history, context.as_of, report.team_areas, report.supplied)
    measures = team_measures(report.supplied)
    columns: list[Column] = []
    for name in measures:
        columns.append(metric_column(name, status_fill=name == KPI))
        if name == KPI:
            columns.append(status_column("Agency rate status", f"{KPI}__status"))
    area = layout.scope_table("Teams", matrix, columns, "Key measures by team")
    columns = [*LEVEL_COLUMNS, *columns]
    team_rows = [
        area.first_data_row + index
        for index, scope in enumerate(matrix.get_column("scope").to_list())
        if scope == TEAM
    ]
    for offset, column in enumerate(columns):
        if column.source not in METRICS_BY_NAME or column.source == KPI or not team_rows:
            continue
        letter = get_column_letter(area.first_column + offset)
        ranges = " ".join(f"{letter}{first}:{letter}{last}" for first, last in _runs(team_rows))
        sheet.conditional_formatting.add(
            ranges, _colour_scale(METRICS_BY_NAME[column.source].polarity)
        )
    layout.note_below(
        "Colours compare teams with each other on this date; they are not targets (only "
        "the agency rate has one). Trust and service-area rows are in bold and not coloured."
    )
    layout.finish(label_columns=2, trust_name=context.trust_name, as_of=context.as_of)
