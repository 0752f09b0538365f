"""Columns and messages several sheets share: a metric's value column, a status column
(word and RAG fill), the level / service area / team label columns, and the "not
supplied" message of a sheet whose extract is missing."""

from __future__ import annotations

from openpyxl.styles import Alignment
from openpyxl.worksheet.worksheet import Worksheet

from transforms.definitions import METRICS_BY_NAME
from transforms.scopes import TEAM
from transforms.views.labels import EXTRACT_WORDS, STATUS_WORDS
from workforce.workbook.cells import RAG_FILLS, font, value_format
from workforce.workbook.tables import Column, TableArea

# Teams read under their service area (``transforms.views.history.by_scope``), indented.
LEVEL_COLUMNS: tuple[Column, ...] = (
    Column("Level", "level"),
    Column("Trust, service area or team", "name"),
)


def metric_column(name: str, header: str | None = None, *, status_fill: bool = False) -> Column:
    """A metric's values in its shown format; with ``status_fill`` coloured by the
    metric's RAG status (``<name>__status``)."""
    definition = METRICS_BY_NAME[name]
    return Column(
        header or definition.label,
        name,
        value_format(definition),
        fills=RAG_FILLS if status_fill else None,
        fill_from=f"{name}__status" if status_fill else None,
    )


def status_column(header: str, source: str) -> Column:
    return Column(header, source, words=STATUS_WORDS, fills=RAG_FILLS)


def not_supplied_text(extract: str, what: str) -> str:
    return (
        f"The {EXTRACT_WORDS[extract].lower()} extract was not supplied for this run, so "
        f"{what} are not supplied. Add {extract}.csv (or .xlsx) to the drop to see them."
    )


def style_scope_rows(sheet: Worksheet, area: TableArea, scopes: list[str]) -> None:
    """Trust and service-area rows in bold (they total the rows under them); team names
    indented under their service area. ``scopes``: the table's rows' scopes, in order."""
    for index, scope in enumerate(scopes):
        row = area.first_data_row + index
        if scope == TEAM:
            name = sheet.cell(row=row, column=area.first_column + 1)
            name.alignment = Alignment(horizontal="left", indent=2, vertical="top")
            continue
        for column in range(area.first_column, area.last_column + 1):
            cell = sheet.cell(row=row, column=column)
            cell.font = font(bold=True)
