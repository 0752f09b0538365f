"""Excel tables written from polars frames: one frame row per table row, one ``Column``
per table column, header text unique, table names valid and unique, widths worked out
from the frame (never by reading the cells back: a backfill's trend tables have thousands
of rows).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from workforce.workbook.cells import (
    NUMBER_HEADER_ALIGNMENT,
    TOP,
    WRAP,
    clean_text,
    fill,
    font,
    put,
)

_TABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]{0,254}$")
_CELL_LIKE = re.compile(r"^([A-Za-z]{1,3}\d+|[Rr]\d*[Cc]\d*|[RrCc])$")
TABLE_STYLE = "TableStyleMedium2"
MIN_WIDTH = 8.0
MAX_WIDTH = 32.0
# Headers wrap between words: a header needs only its longest word, or this many
# characters, to fit.
HEADER_CHARACTERS = 9
HEADER_FILL = "DDE4EE"
HEADER_LINE_POINTS = 15.0


def _wrapped_lines(text: str, width: float) -> int:
    """Lines a bold header needs in a column ``width`` units wide, wrapping at words."""
    capacity = max(1.0, (width - 1) * 0.95)
    lines, current = 1, 0.0
    for word in text.split():
        needed = len(word) if current == 0 else current + 1 + len(word)
        if needed <= capacity:
            current = needed
        else:
            lines += 1 if current else 0
            current = len(word)
    return lines


@dataclass(frozen=True)
class Column:
    """One table column: its header, the frame column it shows and how.

    ``number_format`` formats every cell; ``format_from`` names a frame column holding a
    per-row format instead. ``words`` maps a code to the word shown and ``fills`` a shown
    word (or code, or the value of ``fill_from``) to a background colour (RAG status,
    quartile band). ``width`` fixes the width (then long text wraps when ``wrap``)."""

    header: str
    source: str
    number_format: str | None = None
    format_from: str | None = None
    words: Mapping[str, str] | None = None
    fills: Mapping[str, str] | None = None
    width: float | None = None
    wrap: bool = False
    # A frame column whose value picks the fill from ``fills`` (e.g. a value coloured by
    # its status), instead of the shown value itself.
    fill_from: str | None = None

    @property
    def numeric(self) -> bool:
        return self.number_format is not None or self.format_from is not None


@dataclass
class TableRegistry:
    """Table names already used in the workbook (they must be unique workbook-wide)."""

    names: set[str] = field(default_factory=set)

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
    def ref(self) -> str:
        return (
            f"{get_column_letter(self.first_column)}{self.header_row}:"
            f"{get_column_letter(self.last_column)}{self.last_row}"
        )


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
    empty_text: str = "(none)",
) -> TableArea:
    """Write ``frame`` as an Excel table whose header row is ``top``. A frame with no rows
    gets one row saying ``empty_text`` (an Excel table needs a data row)."""
    headers = unique_headers([column.header for column in columns])
    header_lines = 1
    for offset, (header, column) in enumerate(zip(headers, columns, strict=True)):
        cell = sheet.cell(row=top, column=left + offset)
        put(cell, header, literal=False)
        cell.alignment = (
            NUMBER_HEADER_ALIGNMENT
            if column.numeric
            else Alignment(
                wrap_text=True, vertical="bottom", horizontal="left", indent=_indent(offset)
            )
        )
        cell.font = font(bold=True)
        # The header's own look, so it reads as one in print too (LibreOffice prints no
        # table style).
        cell.fill = fill(HEADER_FILL)
        width = sheet.column_dimensions[get_column_letter(left + offset)].width or MIN_WIDTH
        header_lines = max(header_lines, _wrapped_lines(header, width))
    height = HEADER_LINE_POINTS * header_lines + 3
    sheet.row_dimensions[top].height = max(sheet.row_dimensions[top].height or 0, height)
    first_data_row = top + 1
    if frame.height == 0:
        put(sheet.cell(row=first_data_row, column=left), empty_text, literal=False)
        last_row = first_data_row
    else:
        for offset, column in enumerate(columns):
            _write_column(
                sheet,
                frame,
                column,
                row=first_data_row,
                column_index=left + offset,
                alignment=_alignment(column, offset),
            )
        last_row = first_data_row + frame.height - 1
    last_column = left + len(columns) - 1
    area = TableArea(top, first_data_row, last_row, left, last_column)
    table = Table(displayName=registry.claim(name), ref=area.ref)
    table.tableStyleInfo = TableStyleInfo(
        name=TABLE_STYLE, showFirstColumn=False, showLastColumn=False, showRowStripes=True
    )
    sheet.add_table(table)
    return area


def _indent(offset: int) -> int:
    """Text after the first column is indented one step, so it never runs into a
    right-aligned number in the column before it."""
    return 1 if offset else 0


def _alignment(column: Column, offset: int) -> Alignment:
    if column.numeric:
        return WRAP if column.wrap else TOP
    return Alignment(
        wrap_text=column.wrap, vertical="top", horizontal="left", indent=_indent(offset)
    )


def _write_column(
    sheet: Worksheet,
    frame: pl.DataFrame,
    column: Column,
    *,
    row: int,
    column_index: int,
    alignment: Alignment,
) -> None:
    values: list[Any] = frame.get_column(column.source).to_list()
    formats: list[Any] = (
        frame.get_column(column.format_from).to_list()
        if column.format_from is not None
        else [column.number_format] * len(values)
    )
    keys: list[Any] = (
        frame.get_column(column.fill_from).to_list()
        if column.fill_from is not None
        else [None] * len(values)
    )
    for offset, (value, number_format, key) in enumerate(zip(values, formats, keys, strict=True)):
        cell = sheet.cell(row=row + offset, column=column_index)
        shown = column.words.get(value, value) if column.words and isinstance(value, str) else value
        put(cell, shown, number_format)
        cell.alignment = alignment
        if column.fills is not None:
            colour = _fill_colour(column.fills, shown, value, key)
            if colour is not None:
                cell.fill = fill(colour)


def _fill_colour(fills: Mapping[str, str], shown: object, value: object, key: object) -> str | None:
    for candidate in (key, shown, value):
        if isinstance(candidate, str) and candidate in fills:
            return fills[candidate]
    return None


def _longest_shown(frame: pl.DataFrame, column: Column) -> int:
    """Characters of the longest value ``column`` shows (a date or number counted as a
    typical width: their exact text depends on the format)."""
    if frame.height == 0:
        return 0
    values = frame.get_column(column.source)
    if values.dtype == pl.Date:
        return 11
    if values.dtype == pl.Datetime:
        return 17
    if values.dtype.is_numeric():
        return _numeric_length(values, column.number_format)
    text = values.cast(pl.String)
    if column.words:
        text = text.replace(dict(column.words))
    longest = text.str.len_chars().max()
    return longest if isinstance(longest, int) else 0


def _numeric_length(values: pl.Series, number_format: str | None) -> int:
    """Characters of the widest number as shown: its whole digits with thousands
    separators, a sign, the decimals and any unit text of a known format (a per-row
    format counts as a generous 11)."""
    finite = values.filter(values.is_finite()) if values.dtype.is_float() else values.drop_nulls()
    largest = finite.abs().max() if finite.len() else None
    if not isinstance(largest, int | float):
        return 0
    if number_format is None:
        return 11
    scaled = largest * 100 if "%" in number_format else largest
    whole = len(f"{int(scaled):,}")
    decimals = (
        len(number_format.split(".")[1].split("%")[0].split('"')[0]) if "." in number_format else 0
    )
    unit = sum(len(part) for part in number_format.split('"')[1::2])
    return whole + (decimals + 1 if decimals else 0) + unit + 2


def column_width(header: str, frame: pl.DataFrame, column: Column) -> float:
    """The width a column needs: its longest value, and its header's longest word (headers
    wrap), within ``MIN_WIDTH`` and ``MAX_WIDTH``; a fixed width wins."""
    if column.width is not None:
        return column.width
    words = header.split() or [""]
    header_length = min(len(header), max(HEADER_CHARACTERS, *(len(word) for word in words)))
    length = max(header_length, _longest_shown(frame, column))
    return max(MIN_WIDTH, min(MAX_WIDTH, length * 1.05 + 2))


def table_widths(frame: pl.DataFrame, columns: Sequence[Column]) -> list[float]:
    headers = unique_headers([column.header for column in columns])
    return [
        column_width(header, frame, column) for header, column in zip(headers, columns, strict=True)
    ]


def set_widths(sheet: Worksheet, left: int, widths: Sequence[float]) -> None:
    for offset, width in enumerate(widths):
        sheet.column_dimensions[get_column_letter(left + offset)].width = width
