"""Safe cell writing for the workbooks: values, number formats, fonts and fills.

Every value a workbook shows goes through ``put``: text is cleaned (control characters and
characters XML 1.0 cannot carry removed, cut to Excel's longest cell) and forced to a text
cell (a team called ``=HYPERLINK(...)`` stays text, never a formula); numbers that are NaN
or infinite become empty cells; dates become date cells. Number formats are built from the
precision ``transforms.views.changes`` says a metric is shown with, so a change that shows
as 0 reads "No change". Fonts are always named (a nameless font prints in a serif
fallback in LibreOffice).
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime

from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.styles import Alignment, Font, PatternFill

from transforms.definitions import METRICS_BY_NAME, MetricDefinition
from transforms.targets import MET, MISSED, WITHIN_TOLERANCE
from transforms.views.changes import display_decimals
from transforms.views.labels import NO_CHANGE, STATUS_WORDS

EXCEL_MAX_TEXT = 32_767
# XML 1.0 cannot carry these: C0 controls other than tab, line feed and carriage return,
# DEL (allowed by XML but never meant in a cell), surrogates and U+FFFE/U+FFFF.
_UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")

FONT_NAME = "Calibri"
BODY_SIZE = 11

DATE = "d mmm yyyy"
DATETIME = "d mmm yyyy hh:mm"
INTEGER = "#,##0"
GBP = '"£"#,##0'


def font(size: float = BODY_SIZE, *, bold: bool = False, colour: str | None = None) -> Font:
    return Font(name=FONT_NAME, size=size, bold=bold, color=colour)


TITLE_FONT = font(16, bold=True)
SUBTITLE_FONT = font(12, bold=True)
LABEL_FONT = font(bold=True)
NOTE_FONT = font(10, colour="404040")
WARNING_FONT = font(bold=True, colour="9C0006")
LINK_FONT = Font(name=FONT_NAME, size=BODY_SIZE, color="0563C1", underline="single")
WRAP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")
HEADER_ALIGNMENT = Alignment(wrap_text=True, vertical="bottom")
NUMBER_HEADER_ALIGNMENT = Alignment(wrap_text=True, vertical="bottom", horizontal="right")

GREEN = "C6EFCE"
AMBER = "FFEB9C"
RED = "FFC7CE"
RAG_FILLS: dict[str, str] = {
    MET: GREEN,
    WITHIN_TOLERANCE: AMBER,
    MISSED: RED,
    STATUS_WORDS[MET]: GREEN,
    STATUS_WORDS[WITHIN_TOLERANCE]: AMBER,
    STATUS_WORDS[MISSED]: RED,
}
QUARTILE_FILLS: dict[str, str] = {"A": GREEN, "D": RED}


def _fixed(decimals: int) -> str:
    return "0" if decimals == 0 else "0." + "0" * decimals


def value_format(definition: MetricDefinition) -> str:
    """The number format of a metric's value: its unit and shown precision."""
    decimals = display_decimals(definition)
    if definition.unit == "percent":
        return f"{_fixed(decimals)}%"
    if definition.unit == "gbp":
        return GBP
    if definition.unit == "count" or (definition.unit == "cases" and decimals == 0):
        return INTEGER
    if definition.unit in ("fte", "days"):
        return "#,##" + _fixed(decimals)
    return _fixed(decimals)


def metric_format(metric: str) -> str:
    """``value_format`` of the metric named ``metric`` (for a column showing its values
    or figures of the same kind)."""
    return value_format(METRICS_BY_NAME[metric])


def value_format_with_unit(definition: MetricDefinition) -> str:
    """As ``value_format``, with the unit written after the number where a column mixes
    metrics of several units (FTE, days, cases)."""
    base = value_format(definition)
    suffix = {"fte": " FTE", "days": " days", "cases": " cases"}.get(definition.unit)
    return f'{base}"{suffix}"' if suffix else base


def change_format(definition: MetricDefinition) -> str:
    """The format of a change already in shown units (points for a rate): signed, with
    its unit, and "No change" for zero (the change is rounded to the shown precision)."""
    decimals = display_decimals(definition)
    number = _fixed(decimals)
    unit = {"percent": " pts", "fte": " FTE", "days": " days", "cases": " cases"}.get(
        definition.unit, ""
    )
    if definition.unit == "gbp":
        return f'+"£"#,##0;−"£"#,##0;"{NO_CHANGE}"'
    if definition.unit == "count":
        number = "#,##0"
    shown = f'{number}"{unit}"' if unit else number
    return f'+{shown};"−"{shown};"{NO_CHANGE}"'


def clean_text(text: str) -> str:
    """Characters a cell cannot hold removed; cut to Excel's longest cell text."""
    return _UNWRITABLE.sub("", text)[:EXCEL_MAX_TEXT]


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
        cell.value = clean_text(value)
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
