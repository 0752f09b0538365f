"""The Summary sheet, the workbook's front page (one printed page): the KPI in large type
with its status, target and changes (and, when given, the committed year-end rate and
what it would take to meet the target), plain-English lines on what changed, the
headline table, and a contents list linking to every sheet."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet

from transforms.calendar import last_month_end, year_earlier
from transforms.definitions import METRICS_BY_NAME
from transforms.findings import stale_drop_message
from transforms.report import data_quality_verdict
from transforms.views.headline import HEADLINE_METRICS, comparators, headline_frame
from transforms.views.labels import STATUS_WORDS
from transforms.views.outlook import committed_kpi, outlook_sentence
from transforms.views.summary_lines import what_changed
from transforms.views.targets import COMPARISON_WORDS
from workforce.workbook.cells import (
    DATE,
    DATETIME,
    LABEL_FONT,
    LINK_FONT,
    RAG_FILLS,
    SUBTITLE_FONT,
    TITLE_FONT,
    WARNING_FONT,
    WRAP,
    change_format,
    fill,
    font,
    put,
    value_format,
    value_format_with_unit,
)
from workforce.workbook.context import KPI, WorkbookContext
from workforce.workbook.layout import LINE_HEIGHT, lines_needed, print_setup
from workforce.workbook.tables import Column, TableArea, write_table

# Column widths of the page (A..J): the headline table's columns.
WIDTHS: tuple[float, ...] = (30, 11, 10, 15, 14, 12, 14, 12, 11, 15)
LAST_COLUMN = len(WIDTHS)
KPI_FONT = font(28, bold=True)
KPI_LABEL_FONT = font(14, bold=True)


@dataclass(frozen=True)
class ContentsEntry:
    sheet: str
    description: str


def _merged(sheet: Worksheet, row: int, first: int, last: int, text: str) -> None:
    cell = sheet.cell(row=row, column=first)
    put(cell, text, literal=False)
    cell.alignment = WRAP
    if last > first:
        sheet.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)
    width = sum(WIDTHS[first - 1 : last])
    lines = lines_needed(text, width)
    sheet.row_dimensions[row].height = max(
        sheet.row_dimensions[row].height or 0, LINE_HEIGHT * lines + 3
    )


def _label(sheet: Worksheet, row: int, column: int, text: str) -> None:
    put(sheet.cell(row=row, column=column), text, literal=False)
    sheet.cell(row=row, column=column).font = LABEL_FONT


def _target_text(row: dict[str, object], comparison: str | None) -> str:
    target, tolerance = row["target"], row["tolerance"]
    if not isinstance(target, float):
        return "No target covers this date."
    words = COMPARISON_WORDS.get(comparison or "<=", "at most")
    text = f"Target: {words} {target:.1%}"
    if isinstance(tolerance, float) and tolerance > 0:
        text += f", tolerance ±{tolerance * 100:.1f} pts"
    return text + "."


def summary_sheet(
    sheet: Worksheet,
    context: WorkbookContext,
    contents: Sequence[ContentsEntry],
) -> None:
    report, settings = context.report, context.settings
    for index, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    put(sheet["A1"], f"Workforce stability: {settings.trust.name}", literal=True)
    sheet["A1"].font = TITLE_FONT
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=LAST_COLUMN)
    sheet.row_dimensions[1].height = 26
    _label(sheet, 2, 1, "As of")
    put(sheet.cell(row=2, column=2), context.as_of, DATE)
    _label(sheet, 2, 4, "Extract of")
    put(sheet.cell(row=2, column=5), report.extract_date or "not known", DATE)
    _label(sheet, 2, 7, "Generated")
    put(sheet.cell(row=2, column=8), context.generated_at, DATETIME)
    sheet.merge_cells(start_row=2, start_column=8, end_row=2, end_column=9)
    for column in (2, 5, 8):
        sheet.cell(row=2, column=column).alignment = Alignment(horizontal="left")
    _label(sheet, 3, 1, "Data quality")
    _merged(
        sheet, 3, 2, LAST_COLUMN, data_quality_verdict(report.extract_summaries, report.findings)
    )
    row = 4
    stale = stale_drop_message(report.extract_date, context.as_of)
    if stale is not None:
        _merged(sheet, row, 1, LAST_COLUMN, "Warning: " + stale)
        sheet.cell(row=row, column=1).font = WARNING_FONT
        sheet.cell(row=row, column=1).fill = fill(RAG_FILLS["missed"])
        row += 1

    headline = headline_frame(
        context.history,
        context.as_of,
        report.supplied,
        comparators(report.benchmarks, settings.trust.statistical_neighbours, HEADLINE_METRICS),
    )
    row = _kpi_block(sheet, context, headline, row + 1)

    row += 2
    put(sheet.cell(row=row, column=1), "What changed", literal=False)
    sheet.cell(row=row, column=1).font = SUBTITLE_FONT
    for line in what_changed(
        context.history,
        context.as_of,
        headline,
        report.extract_summaries,
        report.findings,
        outlook_sentence(report.what_it_takes),
    ):
        row += 1
        _merged(sheet, row, 1, LAST_COLUMN, "• " + line)

    row += 2
    put(sheet.cell(row=row, column=1), "Headline measures (Trust)", literal=False)
    sheet.cell(row=row, column=1).font = SUBTITLE_FONT
    area = _headline_table(sheet, context, headline, row + 1)

    row = area.last_row + 2
    put(sheet.cell(row=row, column=1), "Contents", literal=False)
    sheet.cell(row=row, column=1).font = SUBTITLE_FONT
    half = (len(contents) + 1) // 2
    for index, entry in enumerate(contents):
        entry_row = row + 1 + index % half
        column = 1 if index < half else 6
        cell = sheet.cell(row=entry_row, column=column)
        put(cell, entry.sheet, literal=False)
        cell.hyperlink = Hyperlink(
            ref=cell.coordinate, location=f"'{entry.sheet}'!A1", display=entry.sheet
        )
        cell.font = LINK_FONT
        cell.alignment = Alignment(vertical="top")
        last = column + 4 if column == 1 else LAST_COLUMN
        _merged(sheet, entry_row, column + 1, last, entry.description)
    last_row = row + half

    print_setup(sheet, trust_name=settings.trust.name, as_of=context.as_of, one_page=True)
    # One page: narrower top and bottom margins leave the text at a readable size.
    sheet.page_margins.top = sheet.page_margins.bottom = 0.6
    sheet.page_margins.header = sheet.page_margins.footer = 0.25
    sheet.print_area = f"A1:{get_column_letter(LAST_COLUMN)}{last_row}"


def _kpi_block(sheet: Worksheet, context: WorkbookContext, headline: pl.DataFrame, row: int) -> int:
    """The KPI in large type; returns the last row used."""
    kpi = headline.filter(pl.col("metric") == KPI).row(0, named=True)
    definition = METRICS_BY_NAME[KPI]
    label = sheet.cell(row=row, column=1)
    put(label, "Agency rate (KPI 16)", literal=False)
    label.font = KPI_LABEL_FONT
    label.alignment = Alignment(vertical="center", wrap_text=True)
    value = sheet.cell(row=row, column=2)
    put(value, kpi["value"], value_format(definition))
    value.font = KPI_FONT
    value.alignment = Alignment(horizontal="center", vertical="center")
    sheet.merge_cells(start_row=row, start_column=2, end_row=row, end_column=3)
    status = sheet.cell(row=row, column=4)
    put(status, STATUS_WORDS.get(str(kpi["status"]), str(kpi["status"])), literal=False)
    status.font = KPI_LABEL_FONT
    status.alignment = Alignment(horizontal="center", vertical="center")
    colour = RAG_FILLS.get(str(kpi["status"]))
    if colour is not None:
        for cell in (value, status):
            cell.fill = fill(colour)
    comparison = next(
        (
            target.comparison
            for target in context.kpi_targets
            if target.from_date <= context.as_of
            and (target.to_date is None or context.as_of <= target.to_date)
        ),
        None,
    )
    _merged(sheet, row, 5, LAST_COLUMN, _target_text(kpi, comparison))
    sheet.row_dimensions[row].height = 40

    row += 1
    change = change_format(definition)
    _label(sheet, row, 1, f"Change since {last_month_end(context.as_of):%d %b %Y}")
    put(sheet.cell(row=row, column=2), kpi["change_month"], change)
    put(sheet.cell(row=row, column=3), kpi["direction_month"], literal=False)
    _label(sheet, row, 4, f"Change since {year_earlier(context.as_of):%d %b %Y}")
    sheet.merge_cells(start_row=row, start_column=4, end_row=row, end_column=5)
    put(sheet.cell(row=row, column=6), kpi["change_year"], change)
    put(sheet.cell(row=row, column=7), kpi["direction_year"], literal=False)
    return _committed_row(sheet, context, row + 1)


def _committed_row(sheet: Worksheet, context: WorkbookContext, row: int) -> int:
    """The committed year-end rate and what it takes; returns the last row used."""
    committed = committed_kpi(context.report.what_it_takes)
    if committed is None:
        return row - 1
    label = f"Committed on {committed.year_end:%d %b %Y} (if nothing else changes)"
    _label(sheet, row, 1, label)
    sheet.cell(row=row, column=1).alignment = WRAP
    sheet.row_dimensions[row].height = LINE_HEIGHT * lines_needed(label, WIDTHS[0], bold=True) + 3
    value = sheet.cell(row=row, column=2)
    put(value, committed.rate, value_format(METRICS_BY_NAME[KPI]))
    status = sheet.cell(row=row, column=3)
    put(status, STATUS_WORDS.get(committed.status, committed.status), literal=False)
    colour = RAG_FILLS.get(committed.status)
    if colour is not None:
        for cell in (value, status):
            cell.fill = fill(colour)
    _merged(sheet, row, 4, LAST_COLUMN, committed.what_it_takes + " Not a forecast.")
    return row


def _headline_table(
    sheet: Worksheet, context: WorkbookContext, headline: pl.DataFrame, top: int
) -> TableArea:
    formats = {name: value_format_with_unit(d) for name, d in METRICS_BY_NAME.items()}
    changes = {name: change_format(d) for name, d in METRICS_BY_NAME.items()}
    frame = headline.with_columns(
        format=pl.col("metric").replace_strict(formats),
        change_fmt=pl.col("metric").replace_strict(changes),
    )
    year = frame.get_column("year").drop_nulls()
    dfe = f" ({int(year.max())})" if year.len() else ""  # type: ignore[arg-type]
    month = f"{last_month_end(context.as_of):%d %b %Y}"
    year_ago = f"{year_earlier(context.as_of):%d %b %Y}"
    return write_table(
        sheet,
        context.registry,
        "SummaryHeadlines",
        frame,
        [
            Column("Measure", "label"),
            Column("Value", "value", format_from="format"),
            Column("Target", "target", format_from="format"),
            Column("Status", "status", words=STATUS_WORDS, fills=RAG_FILLS),
            Column(f"Change since {month}", "change_month", format_from="change_fmt"),
            Column("Direction", "direction_month"),
            Column(f"Change since {year_ago}", "change_year", format_from="change_fmt"),
            Column("Direction over the year", "direction_year"),
            Column(f"England{dfe}", "england", format_from="format"),
            Column(f"Statistical neighbours{dfe}", "neighbours", format_from="format"),
        ],
        top=top,
    )
