"""The Vacancies sheet: funded (establishment), employed, agency and vacant FTE by team,
and by team and role."""

from __future__ import annotations

from openpyxl.worksheet.worksheet import Worksheet

from transforms.scopes import SCOPE, SCOPE_VALUE
from transforms.views.details import funded_by_scope, vacancy_cells
from transforms.views.history import by_scope
from workforce.workbook.cells import metric_format
from workforce.workbook.common import (
    metric_column,
    not_supplied_text,
)
from workforce.workbook.context import WorkbookContext
from workforce.workbook.layout import SheetLayout
from workforce.workbook.tables import Column

TEAM_METRICS = (
    "vacancy_fte",
    "vacancy_rate",
    "vacancy_agency_cover_rate",
    "employed_fte",
    "agency_fte",
)
FTE = metric_format("employed_fte")


def vacancies_sheet(sheet: Worksheet, context: WorkbookContext) -> None:
    layout = SheetLayout(
        sheet,
        context.registry,
        "Vacancies",
        "Vacant FTE = funded FTE not filled by employed social workers, per team and role "
        "(an overstaffed cell does not offset another). Vacancy rate = vacant ÷ (vacant + "
        "employed).",
    )
    cells = context.report.vacancy_by_cell
    if not context.supplied("establishment") or cells is None:
        layout.message(not_supplied_text("establishment", "vacancy figures"), warning=True)
        layout.finish(trust_name=context.trust_name, as_of=context.as_of)
        return
    by_team = by_scope(
        context.history, context.as_of, TEAM_METRICS, context.report.team_areas
    ).join(funded_by_scope(cells), on=[SCOPE, SCOPE_VALUE], how="left")
    layout.scope_table(
        "VacanciesByTeam",
        by_team,
        [
            Column("Funded FTE", "funded_fte", FTE),
            *(metric_column(name) for name in TEAM_METRICS),
        ],
        f"By service area and team on {context.as_of:%d %b %Y}",
    )
    layout.table(
        "VacanciesByCell",
        vacancy_cells(cells),
        [
            Column("Service area", "service_area"),
            Column("Team", "team"),
            Column("Role", "role_name"),
            Column("Funded FTE", "funded_fte", FTE),
            Column("Employed FTE", "employed_fte", FTE),
            Column("Agency FTE", "agency_fte", FTE),
            Column("Vacant FTE", "vacancy_fte", FTE),
            Column("Vacant FTE covered by agency", "agency_cover_fte", FTE),
        ],
        "By team and role",
    )
    layout.finish(trust_name=context.trust_name, as_of=context.as_of)
