"""Safe cell writing, number formats, RAG fills, Excel tables and print setup for the HR
workbook.

Every value the workbook shows goes through ``put``: text is stripped of control
characters and forced to a text cell (a team called ``=HYPERLINK(...)`` stays text, never
a formula), numbers that are NaN or infinite become empty cells, dates become date cells.
``write_table`` writes one polars frame (one row per table row) as a real Excel table.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import polars as pl
from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from transforms.definitions import MetricDefinition

EXCEL_MAX_TEXT = 32_767
# XML 1.0 forbids these; tab, line feed and carriage return are legal and kept.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

PERCENT = "0.0%"
FTE = "0.0"
INTEGER = "0"
RATIO = "0.00"
ONE_DECIMAL = "0.0"
GBP = '"£"#,##0'
DATE = "yyyy-mm-dd"
DATETIME = "yyyy-mm-dd hh:mm:ss"
CHANGE_FORMATS: dict[str, str] = {
    PERCENT: "+0.0%;-0.0%;0.0%",
    FTE: "+0.0;-0.0;0.0",
    INTEGER: "+0;-0;0",
    RATIO: "+0.00;-0.00;0.00",
    GBP: '+"£"#,##0;-"£"#,##0;"£"0',
}

STATUS_WORDS: dict[str, str] = {
    "met": "Met",
    "within_tolerance": "Within tolerance",
    "missed": "Missed",
    "no_target": "No target",
    "no_data": "No data",
    "not_supplied": "not supplied",
}
GREEN = "C6EFCE"
AMBER = "FFEB9C"
RED = "FFC7CE"
GREY = "EDEDED"
STATUS_FILLS: dict[str, str] = {
    "met": GREEN,
    "within_tolerance": AMBER,
    "missed": RED,
    "Met": GREEN,
    "Within tolerance": AMBER,
    "Missed": RED,
}
QUARTILE_FILLS: dict[str, str] = {"A": GREEN, "D": RED}

TITLE_FONT = Font(bold=True, size=14)
LABEL_FONT = Font(bold=True)
WARNING_FONT = Font(bold=True, color="9C0006")
WRAP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")
HEADER_ALIGNMENT = Alignment(wrap_text=True, vertical="bottom")
NUMBER_HEADER_ALIGNMENT = Alignment(wrap_text=True, vertical="bottom", horizontal="right")

_TABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]{0,254}$")
_CELL_LIKE = re.compile(r"^([A-Za-z]{1,3}\d+|[Rr]\d*[Cc]\d*|[RrCc])$")


def metric_format(definition: MetricDefinition) -> str:
    """The number format of a metric's value, by its unit."""
    if definition.unit == "percent":
        return PERCENT
    if definition.unit == "fte":
        return FTE
    if definition.unit == "ratio":
        return RATIO
    if definition.unit == "gbp":
        return GBP
    if definition.unit == "days":
        return ONE_DECIMAL
    if definition.unit == "cases" and definition.kind == "quotient":
        return ONE_DECIMAL
    return INTEGER


def change_format(value_format: str) -> str:
    """The signed format of a change in a value shown with ``value_format``."""
    return CHANGE_FORMATS.get(value_format, "+0.0;-0.0;0.0")


def clean_text(text: str) -> str:
    """Control characters removed; cut to Excel's longest cell text."""
    return _CONTROL_CHARACTERS.sub("", text)[:EXCEL_MAX_TEXT]


def escape_header_footer(text: str) -> str:
    """Print headers treat ``&`` as a code: a literal ampersand is written ``&&``."""
    return clean_text(text).replace("&", "&&")


def clean_number(value: float | int | None) -> float | int | None:
    """NaN and infinity have no Excel form: they become empty cells."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def put(
    cell: Cell | MergedCell,
    value: object,
    number_format: str | None = None,
    *,
    literal: bool = True,
) -> None:
    """Write ``value`` safely. Text is always a text cell; with ``literal`` (text that came
    from the extracts or the configuration) it is also quote-prefixed, so editing it in
    Excel keeps it text."""
    if isinstance(cell, MergedCell):
        raise ValueError(f"cannot write into merged cell {cell.coordinate}")
    if value is None:
        cell.value = None
        return
    if isinstance(value, str):
        text = clean_text(value)
        cell.value = text
        # openpyxl turns a leading "=" into a formula on assignment: force text back.
        cell.data_type = "s"
        if literal:
            cell.quotePrefix = True
        return
    if isinstance(value, datetime):
        cell.value = value.replace(tzinfo=None) if value.tzinfo is not None else value
        cell.number_format = number_format or DATETIME
        return
    if isinstance(value, date):
        cell.value = value
        cell.number_format = number_format or DATE
        return
    if isinstance(value, int | float):
        cell.value = clean_number(value)
        if number_format is not None:
            cell.number_format = number_format
        return
    put(cell, str(value), literal=literal)


def fill(colour: str) -> PatternFill:
    return PatternFill(fill_type="solid", start_color=colour, end_color=colour)


@dataclass(frozen=True)
class Column:
    """One table column: its header, the frame column it shows and how.

    ``number_format`` formats every cell; ``format_from`` names a frame column holding a
    per-row format instead. ``words`` maps a code to the word shown and ``fills`` a shown
    word (or code) to a background colour (RAG status, quartile band)."""

    header: str
    source: str
    number_format: str | None = None
    format_from: str | None = None
    words: Mapping[str, str] | None = None
    fills: Mapping[str, str] | None = None
    width: float | None = None
    wrap: bool = False


@dataclass
class TableRegistry:
    """Table names already used in the workbook (they must be unique workbook-wide)."""

    names: set[str] = field(default_factory=set)
    # Hand-set column widths per sheet title; ``fit_columns`` leaves these alone.
    widths: dict[str, dict[str, float]] = field(default_factory=dict)

    def fix_width(self, sheet: Worksheet, letter: str, width: float) -> None:
        self.widths.setdefault(sheet.title, {})[letter] = width

    def claim(self, name: str) -> str:
        if not _TABLE_NAME.match(name) or _CELL_LIKE.match(name):
            raise ValueError(f"invalid Excel table name {name!r}")
        if name.lower() in self.names:
            raise ValueError(f"duplicate Excel table name {name!r}")
        self.names.add(name.lower())
        return name


@dataclass(frozen=True)
class TableArea:
    header_row: int
    first_data_row: int
    last_row: int
    first_column: int
    last_column: int

    @property
    def next_free_row(self) -> int:
        return self.last_row + 2


def unique_headers(headers: Sequence[str]) -> list[str]:
    """Table headers must be unique, case-insensitively: repeats get " (2)", " (3)"."""
    used: set[str] = set()
    result: list[str] = []
    for header in headers:
        text = clean_text(header).replace("\n", " ").strip() or "Column"
        candidate, repeat = text, 1
        while candidate.lower() in used:
            repeat += 1
            candidate = f"{text} ({repeat})"
        used.add(candidate.lower())
        result.append(candidate)
    return result


def write_table(
    sheet: Worksheet,
    registry: TableRegistry,
    name: str,
    frame: pl.DataFrame,
    columns: Sequence[Column],
    *,
    top: int,
    left: int = 1,
    caption: str | None = None,
    style: str = "TableStyleMedium2",
    empty_text: str = "(none)",
) -> TableArea:
    """Write ``frame`` as an Excel table whose header row is ``top`` (one row lower when a
    caption is written above it). A frame with no rows gets one row saying ``empty_text``
    (an Excel table needs a data row)."""
    if caption is not None:
        put(sheet.cell(row=top, column=left), caption, literal=False)
        sheet.cell(row=top, column=left).font = LABEL_FONT
        top += 1
    headers = unique_headers([column.header for column in columns])
    for offset, (header, column) in enumerate(zip(headers, columns, strict=True)):
        put(sheet.cell(row=top, column=left + offset), header, literal=False)
        numeric = column.number_format is not None or column.format_from is not None
        sheet.cell(row=top, column=left + offset).alignment = (
            NUMBER_HEADER_ALIGNMENT if numeric else HEADER_ALIGNMENT
        )
    first_data_row = top + 1
    if frame.height == 0:
        put(sheet.cell(row=first_data_row, column=left), empty_text, literal=False)
        last_row = first_data_row
    else:
        for offset, column in enumerate(columns):
            _write_column(sheet, frame, column, row=first_data_row, column_index=left + offset)
        last_row = first_data_row + frame.height - 1
    last_column = left + len(columns) - 1
    if any(column.wrap for column in columns):
        # Rows grow with the wrapped text: keep every cell of the row at its top line.
        for row_cells in sheet.iter_rows(first_data_row, last_row, left, last_column):
            for cell in row_cells:
                cell.alignment = WRAP if cell.alignment.wrap_text else TOP
    ref = f"{get_column_letter(left)}{top}:{get_column_letter(last_column)}{last_row}"
    table = Table(displayName=registry.claim(name), ref=ref)
    table.tableStyleInfo = TableStyleInfo(
        name=style, showFirstColumn=False, showLastColumn=False, showRowStripes=True
    )
    sheet.add_table(table)
    for offset, column in enumerate(columns):
        if column.width is not None:
            registry.fix_width(sheet, get_column_letter(left + offset), column.width)
    return TableArea(top, first_data_row, last_row, left, last_column)


def _write_column(
    sheet: Worksheet, frame: pl.DataFrame, column: Column, *, row: int, column_index: int
) -> None:
    values: list[Any] = frame.get_column(column.source).to_list()
    formats: list[Any] = (
        frame.get_column(column.format_from).to_list()
        if column.format_from is not None
        else [column.number_format] * len(values)
    )
    for offset, (value, number_format) in enumerate(zip(values, formats, strict=True)):
        cell = sheet.cell(row=row + offset, column=column_index)
        shown = column.words.get(value, value) if column.words and isinstance(value, str) else value
        put(cell, shown, number_format)
        if column.fills is not None and isinstance(shown, str):
            colour = column.fills.get(shown) or (
                column.fills.get(value) if isinstance(value, str) else None
            )
            if colour is not None:
                cell.fill = fill(colour)
        if column.wrap:
            cell.alignment = WRAP


def _display_length(value: object) -> int:
    if isinstance(value, datetime):
        return 19
    if isinstance(value, date | float):
        return 10
    return max(len(line) for line in str(value).split("\n"))


def fit_columns(
    sheet: Worksheet,
    fixed: Mapping[str, float] | None = None,
    *,
    minimum: float = 8,
    maximum: float = 50,
    header_cap: int = 12,
) -> None:
    """Column widths from the longest value in the sheet's tables (a header counts at
    most ``header_cap`` characters or its longest word: headers wrap) and from any number
    or date elsewhere (those show ### when cut; text outside tables may run into the empty
    cells beside it).
    ``fixed`` widths, by column letter, win."""
    longest: dict[int, int] = {}

    def note(column: int, length: int) -> None:
        longest[column] = max(longest.get(column, 0), length)

    for table in sheet.tables.values():
        min_col, min_row, max_col, max_row = range_boundaries(table.ref)
        for row in sheet.iter_rows(min_row, max_row, min_col, max_col):
            for cell in row:
                if cell.value is not None and cell.column is not None:
                    length = _display_length(cell.value)
                    if cell.row == min_row:
                        # Headers wrap between words, so only their longest word must fit.
                        words = str(cell.value).split()
                        length = min(length, max(header_cap, *(len(w) for w in words)))
                    note(cell.column, length)
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, int | float | date) and cell.column is not None:
                note(cell.column, _display_length(cell.value))
    for index, length in longest.items():
        width = max(minimum, min(maximum, length * 1.15 + 2))
        sheet.column_dimensions[get_column_letter(index)].width = width
    for letter, width in (fixed or {}).items():
        sheet.column_dimensions[letter].width = width
    _fit_wrapped_rows(sheet)


def _fit_wrapped_rows(sheet: Worksheet, line_height: float = 13.0) -> None:
    """Explicit heights for rows with wrapped text: LibreOffice keeps the default height
    of a row written without one, so wrapped lines would spill over the rows around."""
    lines_needed: dict[int, int] = {}
    for row in sheet.iter_rows():
        for cell in row:
            if cell.value is None or not cell.alignment.wrap_text or cell.column is None:
                continue
            width = sheet.column_dimensions[get_column_letter(cell.column)].width or 13
            per_line = max(1.0, (width - 1.5) * 0.95)
            lines = sum(
                max(1, math.ceil(len(part) / per_line)) for part in str(cell.value).split("\n")
            )
            lines_needed[cell.row] = max(lines_needed.get(cell.row, 1), lines)
    for index, lines in lines_needed.items():
        if lines > 1:
            sheet.row_dimensions[index].height = line_height * lines + 2


def print_setup(sheet: Worksheet, *, trust_name: str, as_of: date) -> None:
    """Landscape, one page wide, header naming the sheet and as-of date."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    if sheet.sheet_properties.pageSetUpPr is None:
        sheet.sheet_properties.pageSetUpPr = PageSetupProperties()
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.gridLines = False
    header = escape_header_footer(trust_name)
    title = escape_header_footer(f"{sheet.title} — as of {as_of.isoformat()}")
    for page_header in (sheet.oddHeader, sheet.evenHeader, sheet.firstHeader):
        if page_header is not None:
            page_header.left.text = header
            page_header.center.text = title
    for page_footer in (sheet.oddFooter, sheet.evenFooter, sheet.firstFooter):
        if page_footer is not None:
            page_footer.center.text = "Page &P of &N"
    sheet.page_margins.left = sheet.page_margins.right = 0.4
