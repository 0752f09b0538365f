"""The backfill's trend workbook, read back: one sheet per theme, the date column frozen,
charts that plot the series their titles name, the same conventions as the HR workbook."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from openpyxl.chart import LineChart
from openpyxl.worksheet.worksheet import Worksheet

from tests.locations import SAMPLE_DROP
from transforms.backfill import backfill_dates
from transforms.report import trust_rows
from transforms.targets import metrics_with_targets, targets_frame
from transforms.views.trend import THEMES
from workforce.extract_io import read_drop
from workforce.settings import load_settings
from workforce.validation import validate_drop
from workforce.workbook.layout import HEADER_ROW
from workforce.workbook.trend import build_trend_workbook

START, END = dt.date(2025, 1, 1), dt.date(2025, 2, 15)


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> openpyxl.Workbook:
    as_of = dt.date(2026, 11, 20)
    validation = validate_drop(read_drop(SAMPLE_DROP, as_of), as_of, 0.05)
    settings = load_settings()
    dates = backfill_dates(START, END, "day")
    series = metrics_with_targets(
        validation.extracts, dates, settings.metric_params(), targets_frame(settings.targets)
    )
    path = tmp_path_factory.mktemp("trend") / "trend.xlsx"
    build_trend_workbook(trust_rows(series), settings, START, END).save(path)
    return openpyxl.load_workbook(path)


def test_one_sheet_per_theme_with_the_date_column_frozen(book: openpyxl.Workbook) -> None:
    assert book.sheetnames == [theme.sheet for theme in THEMES]
    for sheet in book.worksheets:
        assert sheet.freeze_panes == f"B{HEADER_ROW + 1}", sheet.title
        (table,) = sheet.tables.values()
        dates = [row[0].value for row in sheet[table.ref]][1:]
        assert [d.date() for d in dates] == backfill_dates(START, END, "day")
        assert sheet.page_setup.fitToWidth == 1


def test_charts_plot_what_their_titles_name(book: openpyxl.Workbook) -> None:
    def plotted(sheet: Worksheet) -> list[list[str]]:
        result = []
        for chart in getattr(sheet, "_charts"):  # noqa: B009 (openpyxl keeps charts private)
            assert isinstance(chart, LineChart)
            headers = []
            for series in chart.series:
                ref = series.tx.strRef.f.split("!")[1].replace("$", "")
                headers.append(str(sheet[ref].value))
            result.append(headers)
        return result

    assert plotted(book["Agency"]) == [["Agency rate (KPI 16)", "Target", "Glide path"]]
    assert plotted(book["Turnover and stability"]) == [["Turnover rate (FTE)"],
                                                       ["Stability index"]]  # fmt: skip
    assert plotted(book["Absence and spend"]) == [["Sickness absence rate"],
                                                  ["Agency spend (12 months)"]]  # fmt: skip


def test_charts_read_as_on_the_hr_workbook(book: openpyxl.Workbook) -> None:
    def charts(sheet: str) -> list[LineChart]:
        return list(getattr(book[sheet], "_charts"))  # noqa: B009

    def axis_title(chart: LineChart) -> str:
        title = chart.y_axis.title
        assert title is not None
        assert title.tx is not None
        assert title.tx.rich is not None
        return "".join(run.t for p in title.tx.rich.p for run in p.r or [])

    (agency,) = charts("Agency")
    dashes = [s.graphicalProperties.line.prstDash for s in agency.series]
    assert dashes == ["solid", "dash", "solid"]  # the target under the glide path
    assert agency.y_axis.scaling.min == 0
    turnover, stability = charts("Turnover and stability")
    assert stability.y_axis.scaling.min is None  # its own scale: not drawn flat near 80%
    (vacancies,) = charts("Vacancies")
    assert axis_title(vacancies) == "Percentage"  # two metrics: the axis names their unit
    assert axis_title(turnover) == "Turnover rate (FTE)"
    # A theme's two charts print side by side: one print range beside the table's.
    assert len(str(book["Turnover and stability"].print_area).split(",")) == 2


def test_trend_workbook_saves_and_reopens(book: openpyxl.Workbook, tmp_path: Path) -> None:
    path = tmp_path / "again.xlsx"
    book.save(path)
    assert openpyxl.load_workbook(path).sheetnames == book.sheetnames
