"""Reading an Excel ``.xlsx`` extract: the first sheet, header in row 1.

Grain: one ``ReadTable`` per workbook, one row per sheet row holding a value or a problem
(``source_row`` = the sheet row), every cell as the text a user would type: dates ISO,
numbers as written in the file without exponent, booleans ``TRUE``/``FALSE``, text as
written (Excel's ``_xHHHH_`` escapes decoded, so a control character reaches validation).

The sheet is streamed (openpyxl read-only) and each cell read once, with both its stored
value and whether it is a formula: a formula without a stored value (as scripts write
them) and an Excel error value (``#N/A``, ``#REF!``...) are error findings, never values.
A hidden first sheet is read, as the spec says, with a warning naming it.
"""

from __future__ import annotations

import datetime as dt
import re
import warnings
from decimal import Decimal, InvalidOperation
from typing import Any, BinaryIO

import openpyxl
import polars as pl
from openpyxl.utils.cell import column_index_from_string
from openpyxl.utils.datetime import from_excel, from_ISO8601
from openpyxl.worksheet._reader import (
    FORMULA_TAG,
    INLINE_STRING,
    VALUE_TAG,
    WorkSheetParser,
)
from openpyxl.xml.constants import SHEET_MAIN_NS

from transforms.schema import SOURCE_ROW
from workforce.errors import RunFailure
from workforce.readers.base import (
    COLUMN_PLACEHOLDER,
    MAX_ROW_BYTES,
    ReadTable,
    Severity,
    cell_findings,
    row_too_large,
)

FORMULA_WITHOUT_VALUE = "formula_without_value"
EXCEL_ERROR = "excel_error"
HIDDEN_SHEET = "hidden_sheet"

# Sheet rows turned into polars columns at a time: Python objects for one chunk only.
_CHUNK_ROWS = 50_000
# Numbers whose decimal exponent is beyond this are kept as written (with their exponent):
# written out they would be hundreds of digits (validation reports them as not plain).
_MAX_PLAIN_EXPONENT = 400
# ECMA-376 escape of a character XML cannot carry (_x0000_ is NUL, _x000D_ CR); a literal
# "_x" is itself escaped as _x005F_.
_ESCAPED_CHARACTER = re.compile(r"_x([0-9A-Fa-f]{4})_")

_TEXT_TAG = f"{{{SHEET_MAIN_NS}}}t"
_RUN_TAG = f"{{{SHEET_MAIN_NS}}}r"

_Problem = tuple[int, int, str, str | None]  # sheet row, column index, rule, value


class XlsxReader:
    suffix = ".xlsx"
    description = "Excel workbook (.xlsx)"

    def read(self, source: BinaryIO, file_name: str) -> ReadTable:
        # openpyxl warns about workbook features it drops (extensions, styles); reading
        # values does not need them, and a warning is not a finding.
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=UserWarning, module="openpyxl")
            try:
                workbook = openpyxl.load_workbook(source, read_only=True, data_only=True)
            except Exception as error:  # openpyxl raises many kinds for a damaged file
                raise RunFailure(
                    f"{file_name}: cannot be opened as an Excel workbook ({type(error).__name__})"
                ) from None
            try:
                return _read_first_sheet(workbook, file_name)
            except RunFailure:
                raise
            except Exception as error:
                raise RunFailure(
                    f"{file_name}: cannot be read as an Excel workbook ({type(error).__name__})"
                ) from None
            finally:
                workbook.close()


def _read_first_sheet(workbook: Any, file_name: str) -> ReadTable:
    if not workbook.worksheets:
        raise RunFailure(f"{file_name}: the workbook has no worksheet")
    sheet = workbook.worksheets[0]
    parser = _cell_parser(workbook, sheet)
    header: tuple[str | None, ...] | None = None
    chunks: list[pl.DataFrame] = []
    problems: list[_Problem] = []
    row_numbers: list[int] = []
    rows: list[dict[int, str]] = []
    width = 0
    for row_number, cells in parser.parse():
        values: dict[int, str] = {}
        has_problem = False
        for column, text, rule, detail in cells:
            if text is not None:
                values[column] = text
            if rule is not None and row_number > 1:
                problems.append((row_number, column, rule, detail))
                has_problem = True
        if header is None:
            if row_number != 1 or not values:
                raise RunFailure(f"{file_name}: the first sheet has no header in row 1")
            header = tuple(values.get(index) for index in range(max(values) + 1))
            width = len(header)
            continue
        if not values and not has_problem:
            continue  # a blank sheet row: nothing to read
        width = max(width, max(values, default=-1) + 1)
        row_numbers.append(row_number)
        rows.append(values)
        if len(rows) == _CHUNK_ROWS:
            chunks.append(_chunk_frame(file_name, row_numbers, rows, width))
            row_numbers, rows = [], []
    if header is None:
        raise RunFailure(f"{file_name}: the first sheet has no header in row 1")
    chunks.append(_chunk_frame(file_name, row_numbers, rows, width))
    columns = [f"c{index}" for index in range(width)]
    # Chunks read before a wider row lack its columns: diagonal concat fills them with nulls.
    cells_frame = pl.concat(chunks, how="diagonal").select(SOURCE_ROW, *columns)
    return ReadTable(
        header=header + (None,) * (width - len(header)),
        cells=cells_frame,
        findings=pl.concat(
            [_problem_findings(problems), _hidden_sheet_finding(sheet)], how="vertical"
        ),
    )


def _chunk_frame(
    file_name: str, row_numbers: list[int], rows: list[dict[int, str]], width: int
) -> pl.DataFrame:
    """One chunk of sheet rows as ``source_row`` + ``c0..``; fails naming the first row
    larger than ``MAX_ROW_BYTES``."""
    frame = pl.DataFrame(
        {
            SOURCE_ROW: pl.Series(row_numbers, dtype=pl.Int64),
            **{
                f"c{index}": pl.Series([row.get(index) for row in rows], dtype=pl.String)
                for index in range(width)
            },
        }
    )
    if width:
        sizes = frame.select(
            pl.sum_horizontal(
                pl.col(f"c{index}").str.len_bytes().fill_null(0) for index in range(width)
            )
        ).to_series()
        oversized = frame.filter(sizes > MAX_ROW_BYTES)
        if oversized.height:
            row = oversized.get_column(SOURCE_ROW)[0]
            size = int(sizes.filter(sizes > MAX_ROW_BYTES)[0])
            raise RunFailure(row_too_large(file_name, row, size, "a value pasted by mistake"))
    return frame


_MESSAGES: dict[str, str] = {
    FORMULA_WITHOUT_VALUE: (
        f"{COLUMN_PLACEHOLDER} holds a formula with no stored value (the file was not "
        "saved by Excel after it was calculated); open it in Excel and save it, or paste "
        "the values over the formulas"
    ),
    EXCEL_ERROR: (
        f"{COLUMN_PLACEHOLDER} holds an Excel error value instead of data; correct the "
        "cell (or the formula that gives the error) in the workbook"
    ),
}


def _problem_findings(problems: list[_Problem]) -> pl.DataFrame:
    severity: Severity = "error"
    return cell_findings(
        [
            (row, column, rule, severity, value, _MESSAGES[rule])
            for row, column, rule, value in problems
        ]
    )


def _hidden_sheet_finding(sheet: Any) -> pl.DataFrame:
    """A warning when the first sheet, the one read, is hidden: HR sees another sheet in
    Excel and may have put the data there."""
    state = sheet.sheet_state
    if state not in ("hidden", "veryHidden"):
        return cell_findings([])
    kind = "very hidden" if state == "veryHidden" else "hidden"
    severity: Severity = "warning"
    return cell_findings(
        [
            (
                None,
                None,
                HIDDEN_SHEET,
                severity,
                sheet.title,
                f"the first sheet of the workbook, {sheet.title!r}, is {kind} in Excel; it "
                "is the sheet that was read. If the data is on another sheet, move that "
                "sheet first (or delete the hidden one)",
            )
        ]
    )


def _cell_parser(workbook: Any, sheet: Any) -> Any:
    """The streaming sheet parser of openpyxl with ``parse_cell`` replaced by ``_parse_cell``."""

    class _Parser(WorkSheetParser):
        parse_cell = _parse_cell  # type: ignore[assignment]  # returns our tuple, not a dict

    # The read-only sheet's own stream and the workbook's shared strings and date styles
    # (openpyxl's read-only sheet builds its parser the same way).
    return _Parser(
        sheet._get_source(),
        sheet._shared_strings,
        data_only=True,
        epoch=workbook.epoch,
        date_formats=workbook._date_formats,
        timedelta_formats=workbook._timedelta_formats,
    )


def _parse_cell(parser: Any, element: Any) -> tuple[int, str | None, str | None, str | None]:
    """One ``<c>`` element: (0-based column, text or None, rule of a problem or None, the
    problem's value)."""
    coordinate = element.get("r")
    if coordinate:
        parser.col_counter = column_index_from_string(coordinate.rstrip("0123456789"))
    else:
        parser.col_counter += 1
    column = parser.col_counter - 1
    kind = element.get("t", "n")
    stored = element.find(VALUE_TAG)
    formula = element.find(FORMULA_TAG)
    # Every formula is parsed: a shared formula's text is on its first cell only.
    formula_text = _formula_text(parser.parse_formula(element)) if formula is not None else None
    raw = stored.text if stored is not None else None
    if kind == "e":
        return column, None, EXCEL_ERROR, raw
    # No stored value: no <v>, or an empty <v/> (as openpyxl writes formulas) unless the
    # formula's result is text (Excel stores an empty text result as t="str", <v></v>).
    if formula_text is not None and (stored is None or (not raw and kind != "str")):
        return column, None, FORMULA_WITHOUT_VALUE, formula_text
    return column, _text(parser, element, kind, raw), None, None


def _formula_text(formula: object) -> str:
    text = getattr(formula, "text", formula)  # an array formula keeps its text in .text
    return text if isinstance(text, str) else str(text)


def _text(parser: Any, element: Any, kind: str, raw: str | None) -> str | None:
    """The text of a cell's stored value."""
    if kind == "inlineStr":
        inline = element.find(INLINE_STRING)
        return None if inline is None else _unescape(_inline_text(inline))
    if raw is None:
        return None
    if kind == "s":
        return _unescape(str(parser.shared_strings[int(raw)]))
    if kind == "str":
        return _unescape(raw)
    if kind == "b":
        return "TRUE" if raw.strip() in ("1", "true") else "FALSE"
    if kind == "d":
        return cell_text(from_ISO8601(raw))  # type: ignore[no-untyped-call]
    if raw.strip() == "":
        return None
    style = int(element.get("s", 0))
    if style in parser.date_formats:
        try:
            moment = from_excel(
                _number(raw), parser.epoch, timedelta=style in parser.timedelta_formats
            )
        except (OverflowError, ValueError, TypeError):
            return number_text(raw)  # not a date Excel can show: the number as written
        return cell_text(moment)
    return number_text(raw)


def _inline_text(inline: Any) -> str:
    """The text of an inline string (``<is>``): its plain text and its rich-text runs, as
    openpyxl's ``Text.content`` gives it (phonetic runs left out), without building the
    rich-text objects."""
    snippets: list[str] = []
    for child in inline:
        if child.tag == _TEXT_TAG:
            snippets.append(child.text or "")
        elif child.tag == _RUN_TAG:
            text = child.find(_TEXT_TAG)
            if text is not None:
                snippets.append(text.text or "")
    return "".join(snippets)


def _number(raw: str) -> float | int:
    text = raw.strip()
    return float(text) if any(mark in text for mark in ".eE") else int(text)


def _unescape(text: str) -> str:
    """Decode Excel's ``_xHHHH_`` escapes (``_x005F_`` is a literal underscore)."""
    if "_x" not in text:
        return text
    return _ESCAPED_CHARACTER.sub(lambda match: chr(int(match.group(1), 16)), text)


def number_text(raw: str) -> str:
    """A number cell as written in the file, as a user would type it: whole numbers
    without ``.0``, no exponent (``1E-05`` -> ``0.00001``); no rounding through a float,
    so ``1.00000000000000001`` stays as it is. Text that is not a number, or whose exponent
    is beyond ``_MAX_PLAIN_EXPONENT``, is kept as written."""
    text = raw.strip()
    if text.isdigit() and (text[0] != "0" or text == "0"):
        return text  # a whole number as Excel writes it: nothing to rewrite
    try:
        number = Decimal(text)
    except InvalidOperation:
        return text
    if not number.is_finite() or abs(number.adjusted()) > _MAX_PLAIN_EXPONENT:
        return text
    if number == number.to_integral_value():
        return str(int(number))
    return format(number, "f")


def cell_text(value: object) -> str | None:
    """A typed cell value as the text a user would type: dates ISO, times ISO, booleans
    ``TRUE``/``FALSE``."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    return str(value)
