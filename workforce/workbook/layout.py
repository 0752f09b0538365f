"""How a sheet of the workbooks is laid out, printed and frozen.

A sheet is a title (row 1), a note (row 2), and one or more *blocks* side by side, each in
its own columns (so no column's width is dictated by another table): a caption (row 4), a
table whose header is row 5, and below it the block's chart and notes. Every block's header
is on the same row, so freezing the rows above the data keeps every table's header in view,
and the printed pages repeat it. Each block is its own print range: it prints one page
wide, onto as many pages tall as it needs, starting on a new page.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import polars as pl
from openpyxl.chart._chart import ChartBase
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from transforms.scopes import SCOPE
from workforce.workbook.cells import (
    NOTE_FONT,
    SUBTITLE_FONT,
    TITLE_FONT,
    WARNING_FONT,
    WRAP,
    escape_header_footer,
    put,
)
from workforce.workbook.common import LEVEL_COLUMNS, style_scope_rows
from workforce.workbook.tables import (
    Column,
    TableArea,
    TableRegistry,
    set_widths,
    table_widths,
    write_table,
)

TITLE_ROW = 1
NOTE_ROW = 2
CAPTION_ROW = 4
HEADER_ROW = 5
GAP_WIDTH = 3.0
# Column width units that print one page wide on landscape A4 at about 8 pt or more (the
# body text is 11 pt: ~110 units print at full size).
PRINT_WIDTH = 150.0
LINE_HEIGHT = 15.0  # points per line of 11-pt text
# The height a row written without one gets (Excel 15 pt, LibreOffice less: the smaller,
# so a chart's print range never stops short of it).
DEFAULT_ROW_POINTS = 12.75
# Width units to centimetres (a width unit is about one digit of the body font).
CM_PER_WIDTH = 0.2
POINTS_PER_CM = 72 / 2.54
# Columns a chart block is made of (their width adds up to the chart's).
CHART_COLUMN_WIDTH = 10.0


@dataclass
class Block:
    """Columns ``left``..``right`` of a sheet, rows from the caption down to ``bottom``."""

    left: int
    right: int
    bottom: int
    widths: list[float]
    chart_height_cm: float = 0.0  # a chart block: how far down from the header it reaches

    @property
    def width(self) -> float:
        return sum(self.widths)


def lines_needed(text: str, width: float, *, size: float = 11, bold: bool = False) -> int:
    """Lines a text needs in a wrapped cell ``width`` units wide (a width unit is one
    digit of 11-pt body text; prose averages a little narrower, bold and larger text
    wider)."""
    per_unit = 1.1 * 11 / size * (0.9 if bold else 1.0)
    per_line = max(1.0, (width - 1) * per_unit)
    return sum(max(1, math.ceil(len(part) / per_line)) for part in text.split("\n"))


class SheetLayout:
    """Places a sheet's blocks left to right (see the module docstring)."""

    def __init__(
        self, sheet: Worksheet, registry: TableRegistry, title: str, note: str | None = None
    ) -> None:
        self.sheet = sheet
        self.registry = registry
        self.blocks: list[Block] = []
        self._title = title
        self._note = note
        self._notes: list[tuple[Block, str, bool]] = []

    @property
    def next_left(self) -> int:
        return self.blocks[-1].right + 2 if self.blocks else 1

    def table(
        self,
        name: str,
        frame: pl.DataFrame,
        columns: Sequence[Column],
        caption: str,
        *,
        empty_text: str = "(none)",
    ) -> TableArea:
        """A new block to the right of the others holding ``frame`` as a table."""
        left = self.next_left
        if self.blocks:
            self.sheet.column_dimensions[get_column_letter(left - 1)].width = GAP_WIDTH
        widths = table_widths(frame, columns)
        set_widths(self.sheet, left, widths)
        area = write_table(
            self.sheet,
            self.registry,
            name,
            frame,
            columns,
            top=HEADER_ROW,
            left=left,
            empty_text=empty_text,
        )
        block = Block(left, area.last_column, area.last_row, widths)
        self.blocks.append(block)
        self._caption(block, caption)
        self._wrap_long_text(area, frame, columns, widths)
        return area

    def scope_table(
        self, name: str, frame: pl.DataFrame, columns: Sequence[Column], caption: str
    ) -> TableArea:
        """A table of rows per scope (``transforms.views.history.by_scope``): the level and
        name columns first, Trust and service-area rows in bold, teams indented under
        their area."""
        area = self.table(name, frame, [*LEVEL_COLUMNS, *columns], caption)
        style_scope_rows(self.sheet, area, frame.get_column(SCOPE).to_list())
        return area

    def message(self, text: str, *, warning: bool = False, width: float = 90.0) -> None:
        """A block holding only a message (e.g. "extract not supplied")."""
        left = self.next_left
        self.sheet.column_dimensions[get_column_letter(left)].width = width
        cell = self.sheet.cell(row=HEADER_ROW, column=left)
        put(cell, text, literal=False)
        cell.alignment = WRAP
        if warning:
            cell.font = WARNING_FONT
        self._grow_row(HEADER_ROW, lines_needed(text, width))
        self.blocks.append(Block(left, left, HEADER_ROW, [width]))

    def chart(self, chart: ChartBase, *, width_cm: float = 16.0, height_cm: float = 8.0) -> None:
        """``chart`` as a block of its own to the right of the others, level with the
        tables' headers (it prints on a page of its own)."""
        left = self.next_left
        if self.blocks:
            self.sheet.column_dimensions[get_column_letter(left - 1)].width = GAP_WIDTH
        columns = max(1, math.ceil(width_cm / (CHART_COLUMN_WIDTH * CM_PER_WIDTH)))
        widths = [CHART_COLUMN_WIDTH] * columns
        set_widths(self.sheet, left, widths)
        chart.width = width_cm  # type: ignore[assignment]
        chart.height = height_cm
        self.sheet.add_chart(chart, self.sheet.cell(row=HEADER_ROW, column=left).coordinate)
        self.blocks.append(Block(left, left + columns - 1, HEADER_ROW, widths, height_cm))

    def note_below(self, text: str, *, warning: bool = False) -> None:
        """A wrapped note under the last block, as wide as the block. Notes are placed when
        the sheet is finished, below every block's rows: rows are shared by the blocks side
        by side, so a note's height must not open a gap in another block's table."""
        self._notes.append((self.blocks[-1], text, warning))

    def finish(
        self,
        *,
        label_columns: int = 0,
        trust_name: str,
        as_of: date,
        period: str | None = None,
    ) -> None:
        """Title, notes, freeze panes and print setup, once every block is placed.
        ``label_columns`` are frozen too (only where the sheet has a single table).
        ``period`` replaces the as-of date in the printed page header (a backfill)."""
        first = self.blocks[0] if self.blocks else Block(1, 1, HEADER_ROW, [90.0])
        title_block = Block(first.left, first.right, first.bottom, first.widths)
        self._merged_text(TITLE_ROW, title_block, self._title, font=TITLE_FONT)
        if self._note:
            self._merged_text(NOTE_ROW, title_block, self._note, font=NOTE_FONT)
        for block in self.blocks:
            if block.chart_height_cm:
                block.bottom = self._row_reached(HEADER_ROW, block.chart_height_cm)
        self._place_notes()
        tables = [block for block in self.blocks if not block.chart_height_cm]
        # Label columns stay in view only where the sheet has one table: frozen, they would
        # stand beside a second table's columns when the reader scrolls to it.
        frozen_columns = label_columns if len(tables) == 1 else 0
        self.sheet.freeze_panes = self.sheet.cell(
            row=HEADER_ROW + 1, column=frozen_columns + 1
        ).coordinate
        print_setup(self.sheet, trust_name=trust_name, as_of=as_of, period=period)
        self.sheet.print_title_rows = f"{CAPTION_ROW}:{HEADER_ROW}"
        self.sheet.print_area = self._print_ranges() or "A1:A5"

    def _place_notes(self) -> None:
        below_all = max((block.bottom for block in self.blocks), default=HEADER_ROW)
        row = below_all + 2
        for block, text, warning in self._notes:
            self._merged_text(row, block, text, font=WARNING_FONT if warning else NOTE_FONT)
            block.bottom = max(block.bottom, row)
            row += 1

    def _print_ranges(self) -> list[str]:
        """One print range per group of neighbouring blocks that fit one page wide together
        (a narrow table and its chart print on one page; a wide table on pages of its
        own). Each range prints on pages of its own, one page wide."""
        groups: list[list[Block]] = []
        for block in self.blocks:
            if groups:
                group = groups[-1]
                span = sum(b.width for b in group) + GAP_WIDTH * len(group) + block.width
                if span <= PRINT_WIDTH:
                    group.append(block)
                    continue
            groups.append([block])
        ranges = []
        for group in groups:
            top = TITLE_ROW if group[0].left == 1 else CAPTION_ROW
            bottom = max(block.bottom for block in group)
            ranges.append(
                f"{get_column_letter(group[0].left)}{top}:"
                f"{get_column_letter(group[-1].right)}{bottom}"
            )
        return ranges

    def _row_reached(self, top: int, height_cm: float) -> int:
        """The last row an object ``height_cm`` tall anchored at row ``top`` covers."""
        remaining = height_cm * POINTS_PER_CM
        row = top
        while True:
            remaining -= self.sheet.row_dimensions[row].height or DEFAULT_ROW_POINTS
            if remaining <= 0:
                return row
            row += 1

    def _caption(self, block: Block, caption: str) -> None:
        self._merged_text(CAPTION_ROW, block, caption, font=SUBTITLE_FONT)

    def _merged_text(self, row: int, block: Block, text: str, *, font: object) -> None:
        cell = self.sheet.cell(row=row, column=block.left)
        put(cell, text, literal=False)
        cell.font = font  # type: ignore[assignment]
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if block.right > block.left:
            self.sheet.merge_cells(
                start_row=row, start_column=block.left, end_row=row, end_column=block.right
            )
        size = float(getattr(font, "size", 11) or 11)
        bold = bool(getattr(font, "bold", False))
        self._grow_row(row, lines_needed(text, block.width, size=size, bold=bold), size / 11)

    def _grow_row(self, row: int, lines: int, scale: float = 1.0) -> None:
        height = LINE_HEIGHT * scale * lines + 3
        current = self.sheet.row_dimensions[row].height or 0
        self.sheet.row_dimensions[row].height = max(current, height)

    def _wrap_long_text(
        self,
        area: TableArea,
        frame: pl.DataFrame,
        columns: Sequence[Column],
        widths: Sequence[float],
    ) -> None:
        """Text longer than its column wraps, and its row gets the height it needs
        (LibreOffice keeps the default height of a row written without one)."""
        for offset, (column, width) in enumerate(zip(columns, widths, strict=True)):
            if frame.height == 0 or column.numeric:
                continue
            values = frame.get_column(column.source)
            if values.dtype != pl.String:
                continue
            lengths = values.str.len_chars().fill_null(0)
            capacity = (width - 1.5) * 0.95
            long_rows = (lengths > capacity).arg_true().to_list()
            for index in long_rows:
                row = area.first_data_row + index
                cell = self.sheet.cell(row=row, column=area.first_column + offset)
                cell.alignment = Alignment(
                    wrap_text=True,
                    vertical="top",
                    horizontal=cell.alignment.horizontal,
                    indent=cell.alignment.indent,
                )
                self._grow_row(row, lines_needed(str(cell.value or ""), width))


def print_setup(
    sheet: Worksheet,
    *,
    trust_name: str,
    as_of: date,
    one_page: bool = False,
    period: str | None = None,
) -> None:
    """Landscape A4, one page wide (and one tall with ``one_page``), the Trust, sheet and
    as-of date in the header, page numbers in the footer."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 1 if one_page else 0
    if sheet.sheet_properties.pageSetUpPr is None:
        sheet.sheet_properties.pageSetUpPr = PageSetupProperties()
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.gridLines = False
    header = escape_header_footer(trust_name)
    when = period or f"as of {as_of.isoformat()}"
    title = escape_header_footer(f"{sheet.title}, {when}")
    for page_header in (sheet.oddHeader, sheet.evenHeader, sheet.firstHeader):
        if page_header is not None:
            page_header.left.text = header
            page_header.center.text = title
    for page_footer in (sheet.oddFooter, sheet.evenFooter, sheet.firstFooter):
        if page_footer is not None:
            page_footer.center.text = "Page &P of &N"
    sheet.page_margins.left = sheet.page_margins.right = 0.4
