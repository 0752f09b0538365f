"""The HR workbook, read back from disk with openpyxl: sheets, tables, formats, charts,
RAG status, not-supplied handling, text safety, print setup and a LibreOffice render."""

from __future__ import annotations

import itertools
import re
import shutil
import subprocess
import zipfile
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import polars as pl
import pytest
from openpyxl.chart import BarChart, LineChart
from openpyxl.utils import range_boundaries
from openpyxl.worksheet.worksheet import Worksheet

from transforms import calendar
from transforms.definitions import METRICS, METRICS_BY_NAME, metrics_available
from transforms.outlook import (
    MILESTONE_PROGRESS_SCHEMA,
    OUTLOOK_METRICS,
    WHAT_IT_TAKES_SCHEMA,
    outlook_dates,
)
from transforms.report import RunReport, extract_summaries
from transforms.retention import RETENTION_SCHEMA
from transforms.schema import ExtractName, findings_report
from workforce.dfe_indicators import parse_dfe_indicators
from workforce.settings import Settings, load_settings
from workforce.workbook import SHEET_NAMES, build_workbook, save_workbook
from workforce.workbook.cells import clean_text, escape_header_footer
from workforce.workbook.layout import CAPTION_ROW, HEADER_ROW
from workforce.workbook.tables import unique_headers

AS_OF = date(2025, 3, 31)
INJECTION_TEAM = '=HYPERLINK("http://x","y")'
TRICKY_TEAMS = (INJECTION_TEAM, "+44 1274 000000", "-1", "@x", "\tTab team", "\rCR team")
PLAIN_TEAM = "Children & Families East"
SERVICE_AREA = "Assessment"
ALL_EXTRACTS: frozenset[ExtractName] = frozenset(
    ("staff", "agency", "caseloads", "establishment", "absence")
)
# Agency rate by team on the as-of date: one of each RAG status against 30% ± 2 points.
TEAM_AGENCY_RATES = {PLAIN_TEAM: 0.25, INJECTION_TEAM: 0.31, "+44 1274 000000": 0.45}
METRIC_COLUMNS = ("as_of", "scope", "scope_value", "metric", "value", "numerator",
                  "denominator", "target", "tolerance", "status")  # fmt: skip


def _status(value: float | None, target: float | None, tolerance: float | None) -> str:
    if target is None or tolerance is None:
        return "no_target"
    if value is None:
        return "no_data"
    if value <= target:
        return "met"
    if value <= round(target + tolerance, 9):
        return "within_tolerance"
    return "missed"


def _agency_rate_on(day: date, months_back: int) -> float:
    # A steady fall of one point a month, so the projection is a known straight line.
    return 0.50 - 0.01 * (24 - months_back)


def metric_rows(day: date, supplied: frozenset[ExtractName], months_back: int) -> pl.DataFrame:
    """Hand-built metrics.csv rows for one date: the Trust, one service area and teams."""
    settings = load_settings()
    scopes = [("trust", "all"), ("service_area", SERVICE_AREA)]
    scopes += [("team", team) for team in (PLAIN_TEAM, *TRICKY_TEAMS)]
    rows: list[dict[str, object]] = []
    for scope, scope_value in scopes:
        for position, name in enumerate(metrics_available(supplied)):
            definition = METRICS_BY_NAME[name]
            value: float | None = round(1.0 + position + months_back * 0.5, 3)
            if definition.unit == "percent":
                value = round(0.05 + position / 100 + months_back / 1000, 4)
            if name == "agency_rate":
                value = TEAM_AGENCY_RATES.get(scope_value, _agency_rate_on(day, months_back))
            if name == "stability_index" and scope_value == "-1":
                value = None
            target = tolerance = None
            for period in settings.targets:
                in_period = period.from_date <= day and (
                    period.to_date is None or day <= period.to_date
                )
                if period.metric == name and in_period:
                    target, tolerance = period.target, period.tolerance
            quotient = definition.kind == "quotient"
            rows.append(
                {
                    "as_of": day,
                    "scope": scope,
                    "scope_value": scope_value,
                    "metric": name,
                    "value": value,
                    "numerator": value * 10 if quotient and value is not None else None,
                    "denominator": 10.0 if quotient else None,
                    "target": target,
                    "tolerance": tolerance,
                    "status": _status(value, target, tolerance),
                }
            )
    return pl.DataFrame(
        rows,
        schema={
            "as_of": pl.Date,
            "scope": pl.String,
            "scope_value": pl.String,
            "metric": pl.String,
            "value": pl.Float64,
            "numerator": pl.Float64,
            "denominator": pl.Float64,
            "target": pl.Float64,
            "tolerance": pl.Float64,
            "status": pl.String,
        },
    )


def dfe_frame() -> pl.DataFrame:
    """A DfE-like indicator file: England, two regions, the Trust's authority (380), its
    neighbours 354 and 353, and others; with suppression symbols."""
    header = ("time_period,geographic_level,region_code,region_name,old_la_code,la_name,"
              "agency_rate_fte,turnover_rate_fte,vacancy_rate_fte,caseload_fte,"
              "absence_rate_fte,inpost_fte")  # fmt: skip
    lines = [
        "2024,National,,,,,16,15,20,16,3.4,30000",
        "2025,National,,,,,13,12,14,15,3.5,31000",
        "2024,Regional,R1,North,,,12,11,10,15,3.7,4000",
        "2025,Regional,R1,North,,,8,10,7,16,4.1,4100",
        "2024,Regional,R2,South,,,20,18,25,17,3,5000",
        "2025,Regional,R2,South,,,15,14,20,18,3,5100",
        "2024,Local authority,R1,North,380,Bradford,31.8,11.9,35.3,14.6,5.1,400",
        "2025,Local authority,R1,North,380,Bradford,22.2,8.7,17,14.3,4.4,467",
        "2024,Local authority,R1,North,354,Rochdale,20,13.7,12.7,16.6,2.6,195",
        "2025,Local authority,R1,North,354,Rochdale,16,16.6,15.7,15.4,3.5,209",
        "2024,Local authority,R1,North,353,Oldham,x,12,c,15,z,150",
        "2025,Local authority,R1,North,353,Oldham,10,8.7,u,,x,160",
        "2025,Local authority,R2,South,900,Elsewhere,22.2,20,30,20,5,300",
        "2025,Local authority,R2,South,901,Another,5,5,5,10,1,300",
    ]
    csv = "\n".join([header, *lines])
    raw = pl.read_csv(csv.encode(), infer_schema=False)
    return parse_dfe_indicators(raw)


def sample_settings() -> Settings:
    defaults = load_settings()
    trust = defaults.trust.model_copy(
        update={
            "name": "Bradford Children & Families Trust",
            "statistical_neighbours": ("354", "353"),
        }
    )
    return defaults.model_copy(update={"trust": trust})


def make_report(
    *,
    supplied: frozenset[ExtractName] = ALL_EXTRACTS,
    benchmarks: pl.DataFrame | None = None,
    extract_date: date | None = AS_OF,
) -> RunReport:
    dates = calendar.trend_dates(AS_OF)
    trend = pl.concat(
        [metric_rows(day, supplied, len(dates) - 1 - i) for i, day in enumerate(dates)]
    )
    metrics = trend.filter(pl.col("as_of") == AS_OF)
    workers = pl.DataFrame(
        {
            "worker_id": ["E101", "E102", "A201", "E103", INJECTION_TEAM],
            "worker_kind": ["employee", "employee", "agency", "employee", "employee"],
            "team": [PLAIN_TEAM, PLAIN_TEAM, INJECTION_TEAM, "-1", "@x"],
            "service_area": [SERVICE_AREA] * 5,
            "role": ["SW", "SW", "SW", "SP", "SW"],
            "fte": [1.0, 0.5, 1.0, 1.0, 0.8],
            "caseload": [25, 3, 21, 0, 20],
        }
    )
    cells = pl.DataFrame(
        {
            "team": [PLAIN_TEAM, INJECTION_TEAM],
            "service_area": [SERVICE_AREA, SERVICE_AREA],
            "role": ["SW", "TM"],
            "funded_fte": [10.0, 1.0],
            "employed_fte": [7.5, 1.0],
            "agency_fte": [2.0, 0.0],
            "vacancy_fte": [2.5, 0.0],
            "agency_cover_fte": [2.0, 0.0],
        }
    )
    reasons = pl.DataFrame(
        {
            "team": [PLAIN_TEAM, PLAIN_TEAM, "+44 1274 000000"],
            "service_area": [SERVICE_AREA] * 3,
            "leaving_reason": [1, 5, 1],
            "leaving_reason_label": ["Resignation", "Retired", "Resignation"],
            "leavers_headcount": [3, 1, 2],
            "leavers_fte": [2.5, 1.0, 2.0],
        }
    )
    findings = findings_report(
        pl.DataFrame(
            {
                "extract": ["staff", "staff", "agency", None, "staff"],
                "row": [7, 12, 3, None, 40],
                "column": ["fte", "team", "weekly_cost", None, "leaving_reason"],
                "rule": ["fte_range", "required", "weekly_cost_missing", "stale_drop",
                         "leaving_reason_missing"],
                "severity": ["error", "error", "warning", "warning", "warning"],
                "value": ["1.5", "=1+1\x07\uffff", "", None, None],
                "message": ["FTE must be above 0 and at most 1\x00", "team is required",
                            "weekly cost is empty", "the drop is older than the as-of date",
                            "leaving reason is empty"],
                "record_key": ["employee E7", "employee E12", "assignment A3", None,
                               "employee E40"],
                "current": [True, True, True, True, False],
            }
        )
    )  # fmt: skip
    rows_read = {"staff": 120, "agency": 40, "caseloads": 300, "establishment": 20, "absence": 50}
    teams = [PLAIN_TEAM, *TRICKY_TEAMS]
    return RunReport(
        as_of=AS_OF,
        extract_date=extract_date,
        supplied=supplied,
        metrics=metrics,
        trend=trend,
        caseload_by_worker=workers if "caseloads" in supplied else None,
        vacancy_by_cell=cells if "establishment" in supplied else None,
        leaving_reasons=reasons,
        findings=findings,
        extract_summaries=extract_summaries(
            {name: rows for name, rows in rows_read.items() if name in supplied}, findings
        ),
        benchmarks=benchmarks,
        team_areas=pl.DataFrame({"team": teams, "service_area": [SERVICE_AREA] * len(teams)}),
        outlook=outlook_rows(supplied),
        what_it_takes=levers_frame(),
        retention=retention_rows(),
        milestones=milestone_rows(),
    )


def outlook_rows(supplied: frozenset[ExtractName]) -> pl.DataFrame:
    """The stock metrics on the 12 month-ends after the date: the agency rate falls on."""
    ahead = [metric_rows(day, supplied, 0) for day in outlook_dates(AS_OF)]
    rows = pl.concat(ahead).filter(pl.col("metric").is_in(OUTLOOK_METRICS))
    months = pl.col("as_of").dt.month().cast(pl.Float64)
    return rows.with_columns(
        value=pl.when(pl.col("metric") == "agency_rate")
        .then(0.26 - 0.005 * months)
        .otherwise(pl.col("value"))
    )


def levers_frame() -> pl.DataFrame:
    """What it takes on 31 March 2026 against 20% (at most): the Trust would miss."""
    return pl.DataFrame(
        {
            "year_end": [date(2026, 3, 31)] * 2,
            "scope": ["trust", "team"],
            "scope_value": ["all", PLAIN_TEAM],
            "agency_fte": [30.0, 3.0],
            "employed_fte": [90.0, 17.0],
            "committed_rate": [0.25, 0.15],
            "target": [0.20, 0.20],
            "tolerance": [0.02, 0.02],
            "comparison": ["<=", "<="],
            "status": ["missed", "met"],
            "convert_fte": [6.0, 0.0],
            "end_agency_fte": [7.5, 0.0],
            "add_permanent_fte": [30.0, 0.0],
            "more_than": [False, False],
            "convert_fte_display": [6.0, 0.0],
            "end_agency_fte_display": [7.5, 0.0],
            "add_permanent_fte_display": [30.0, 0.0],
        },
        schema=WHAT_IT_TAKES_SCHEMA,
    )


def retention_rows() -> pl.DataFrame:
    rows = [
        {"as_of": AS_OF, "route": route, "cohort": cohort, "horizon_days": horizon,
         "starters": 10, "at_risk": 10 - horizon // 182, "leavers": horizon // 182,
         "retained": 1 - horizon / 3650}
        for route in ("agency_conversion", "international", "newly_qualified", "other", "all")
        for cohort in ("2023-24", "all")
        for horizon in (182, 365, 730)
    ]  # fmt: skip
    return pl.DataFrame(rows, schema=RETENTION_SCHEMA)


def milestone_rows() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "route": ["international", "newly_qualified"],
            "from_date": [date(2022, 11, 1)] * 2,
            "to_date": [date(2023, 1, 31)] * 2,
            "count": [40, 15],
            "starters": [41, 9],
            "starters_booked": [0, 0],
            "status": ["met", "missed"],
        },
        schema=MILESTONE_PROGRESS_SCHEMA,
    )


GENERATED = datetime(2025, 4, 1, 2, 30, 0)


def save(report: RunReport, path: Path) -> openpyxl.Workbook:
    save_workbook(build_workbook(report, sample_settings(), GENERATED), path)
    return openpyxl.load_workbook(path)


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("workbook") / "workforce_stability_2025-03-31.xlsx"
    save_workbook(
        build_workbook(make_report(benchmarks=dfe_frame()), sample_settings(), GENERATED), path
    )
    return path


@pytest.fixture(scope="module")
def book(saved: Path) -> openpyxl.Workbook:
    return openpyxl.load_workbook(saved)


def _cells(sheet: Worksheet) -> Iterator[openpyxl.cell.cell.Cell]:
    for row in sheet.iter_rows():
        yield from row  # type: ignore[misc]


def _text(sheet: Worksheet) -> str:
    return " ".join(str(c.value) for c in _cells(sheet) if c.value is not None)


def _table_frame(sheet: Worksheet, name: str) -> pl.DataFrame:
    """A table read back as a frame of raw cell values (text columns as given)."""
    ref = sheet.tables[name].ref
    rows = [[cell.value for cell in row] for row in sheet[ref]]
    headers = [str(h) for h in rows[0]]
    return pl.DataFrame({h: [r[i] for r in rows[1:]] for i, h in enumerate(headers)}, strict=False)


def _table_cells(sheet: Worksheet, name: str) -> dict[str, list[openpyxl.cell.cell.Cell]]:
    ref = sheet.tables[name].ref
    rows = list(sheet[ref])
    return {str(h.value): [row[i] for row in rows[1:]] for i, h in enumerate(rows[0])}


def _charts(sheet: Worksheet) -> list[Any]:
    return list(getattr(sheet, "_charts"))  # noqa: B009 (openpyxl keeps charts private)


# -- structure ------------------------------------------------------------------------------


def test_sheets_in_order(book: openpyxl.Workbook) -> None:
    assert book.sheetnames == list(SHEET_NAMES)
    assert book.sheetnames[:3] == ["Summary", "Teams", "Agency"]


def test_every_table_is_valid_with_its_own_columns(book: openpyxl.Workbook) -> None:
    names: list[str] = []
    for sheet in book.worksheets:
        spans: list[tuple[int, int]] = []
        for table in sheet.tables.values():
            names.append(table.displayName.lower())
            assert re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", table.displayName)
            assert table.tableStyleInfo is not None
            header = next(iter(sheet[table.ref]))
            headers = [cell.value for cell in header]
            assert all(isinstance(h, str) and h for h in headers)
            assert len({str(h).lower() for h in headers}) == len(headers)
            spans.append((header[0].column, header[-1].column))
            if sheet.title != "Summary":  # every block's header on one row
                assert header[0].row == HEADER_ROW, (sheet.title, table.displayName)
        # no column is shared by two tables (so no table's text sets another's widths)
        spans.sort()
        for (_, last), (first, _) in itertools.pairwise(spans):
            assert first > last, sheet.title
    assert len(names) == len(set(names))
    assert {"summaryheadlines", "teams", "metrics", "findings"} <= set(names)


def test_freeze_panes_hold_every_header(book: openpyxl.Workbook) -> None:
    for sheet in book.worksheets[1:]:
        assert sheet.freeze_panes is not None
        assert sheet.freeze_panes.endswith(str(HEADER_ROW + 1)), sheet.title
    assert book["Teams"].freeze_panes == f"C{HEADER_ROW + 1}"  # level and name columns too
    assert book["Metrics"].freeze_panes == f"F{HEADER_ROW + 1}"


def test_print_setup(book: openpyxl.Workbook) -> None:
    for sheet in book.worksheets:
        assert sheet.page_setup.orientation == "landscape"
        assert sheet.page_setup.fitToWidth == 1
        one_page = sheet.title == "Summary"
        assert sheet.page_setup.fitToHeight == (1 if one_page else 0), sheet.title
        assert sheet.sheet_properties.pageSetUpPr is not None
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert sheet.oddHeader is not None
        header = str(sheet.oddHeader.center.text)
        assert sheet.title in header
        assert "2025-03-31" in header
        assert sheet.oddHeader.left.text == "Bradford Children && Families Trust"
        assert sheet.oddFooter is not None
        assert "&P" in str(sheet.oddFooter.center.text)
        assert sheet.print_area
        if not one_page:  # long tables repeat their caption and header on every page
            assert sheet.print_title_rows == f"${CAPTION_ROW}:${HEADER_ROW}"
            # every table is inside a print range of its own
            ranges = [
                tuple(
                    int(bound or 0)
                    for bound in range_boundaries(part.split("!")[-1].replace("$", ""))
                )
                for part in str(sheet.print_area).split(",")
            ]
            for table in sheet.tables.values():
                first_col, first_row, last_col, last_row = (
                    int(bound or 0) for bound in range_boundaries(table.ref)
                )
                assert any(
                    r[0] <= first_col
                    and last_col <= r[2]
                    and r[1] <= first_row
                    and last_row <= r[3]
                    for r in ranges
                ), (sheet.title, table.displayName)


def test_fonts_are_named(book: openpyxl.Workbook) -> None:
    for sheet in book.worksheets:
        for cell in _cells(sheet):
            if cell.value is not None:
                assert cell.font.name == "Calibri", f"{sheet.title}!{cell.coordinate}"


def test_document_properties(book: openpyxl.Workbook) -> None:
    properties = book.properties
    assert "Bradford" in str(properties.title)
    assert properties.subject == "As of 2025-03-31"
    assert "workforce-stability" in str(properties.creator)


# -- the Summary ------------------------------------------------------------------------------


def test_summary_kpi_block(book: openpyxl.Workbook) -> None:
    sheet = book["Summary"]
    kpi = next(c for c in _cells(sheet) if c.value == "Agency rate (KPI 16)" and c.column == 1)
    value = sheet.cell(row=kpi.row, column=2)
    assert value.value == pytest.approx(_agency_rate_on(AS_OF, 0))
    assert value.font.size >= 24  # the KPI in large type
    assert value.number_format == "0.0%"
    status = sheet.cell(row=kpi.row, column=4)
    assert status.value == "Met"
    assert status.fill.fgColor.rgb.endswith("C6EFCE")
    assert "at most 30.0%" in str(sheet.cell(row=kpi.row, column=5).value)
    change = sheet.cell(row=kpi.row + 1, column=2)
    assert change.value == pytest.approx(-1.0)  # one point a month, in points
    assert change.number_format == '+0.0" pts";"−"0.0" pts";"No change"'
    assert sheet.cell(row=kpi.row + 1, column=3).value == "Improving"


def test_summary_headlines(book: openpyxl.Workbook) -> None:
    sheet = book["Summary"]
    cells = _table_cells(sheet, "SummaryHeadlines")
    labels = [c.value for c in cells["Measure"]]
    assert labels[:2] == ["Agency rate (KPI 16)", "Agency-to-permanent ratio"]
    assert len(labels) == 10
    assert cells["Value"][0].value == pytest.approx(_agency_rate_on(AS_OF, 0))
    assert cells["Target"][0].value == pytest.approx(0.30)
    assert cells["Status"][0].value == "Met"
    month = f"Change since {calendar.last_month_end(AS_OF):%d %b %Y}"
    assert cells[month][0].value == pytest.approx(-1.0)  # points, not a share
    assert cells["Direction"][0].value == "Improving"
    assert cells["Direction over the year"][0].value == "Improving"
    # the headline's FTE has its unit in the format; a ratio has none
    assert cells["Value"][2].number_format == '#,##0.0" FTE"'
    # DfE England and the neighbours' average (16 and 10 -> 13%), the year named
    assert cells["England (2025)"][0].value == pytest.approx(0.13)
    assert cells["Statistical neighbours (2025)"][0].value == pytest.approx(0.13)
    assert cells["England (2025)"][2].value is None  # a national total FTE is no comparator
    text = _text(sheet)
    assert "Bradford Children & Families Trust" in text
    assert "Check: 2 of 530 rows quarantined" in text


def test_summary_rate_changes_read_no_change_when_they_round_to_zero(
    book: openpyxl.Workbook,
) -> None:
    cells = _table_cells(book["Summary"], "SummaryHeadlines")
    for change in cells[f"Change since {calendar.last_month_end(AS_OF):%d %b %Y}"]:
        if change.value == 0:
            assert change.number_format.endswith('"No change"')
    year = f"Change since {calendar.year_earlier(AS_OF):%d %b %Y}"
    assert all(isinstance(c.value, float | int) or c.value is None for c in cells[year])


def test_summary_what_changed_and_contents(book: openpyxl.Workbook) -> None:
    sheet = book["Summary"]
    heading = next(c for c in _cells(sheet) if c.value == "What changed")
    lines = []
    row = heading.row + 1
    while str(sheet.cell(row=row, column=1).value or "").startswith("• "):
        lines.append(str(sheet.cell(row=row, column=1).value))
        row += 1
    assert 3 <= len(lines) <= 6
    assert lines[0] == (
        "• Agency rate 26.0%: met against the target of 30.0% (down 1.0 pt since 28 Feb "
        "2025; down 12.0 pts on a year earlier)."
    )
    assert any("miss the agency-rate target" in line or "misses" in line for line in lines)
    links = {c.value: c.hyperlink for c in _cells(sheet) if c.hyperlink is not None}
    assert set(links) == set(SHEET_NAMES) - {"Summary"}
    for name, link in links.items():
        assert link.location == f"'{name}'!A1"


def test_summary_dates_are_date_cells(book: openpyxl.Workbook) -> None:
    sheet = book["Summary"]
    assert sheet["A2"].value == "As of"
    assert sheet["B2"].value == datetime(2025, 3, 31)
    assert sheet["B2"].is_date
    assert sheet["H2"].value == GENERATED
    assert "Warning" not in _text(sheet)


def test_stale_extract_warning_is_visible(tmp_path: Path) -> None:
    book = save(make_report(extract_date=date(2025, 3, 20)), tmp_path / "stale.xlsx")
    text = _text(book["Summary"])
    assert "2025-03-20" in text
    assert "older than the as-of date" in text


# -- theme sheets -------------------------------------------------------------------------


def test_teams_heat_map(book: openpyxl.Workbook) -> None:
    sheet = book["Teams"]
    table = _table_frame(sheet, "Teams")
    assert table["Level"].to_list()[:2] == ["Trust", "Service area"]
    assert set(table["Level"].to_list()[2:]) == {"Team"}  # teams under their area
    cells = _table_cells(sheet, "Teams")
    team_rows = [c.row for c, level in zip(cells["Level"], table["Level"], strict=True)
                 if level == "Team"]  # fmt: skip
    scales = {
        str(formatting.sqref): [rule.colorScale for rule in formatting.rules]
        for formatting in sheet.conditional_formatting
    }
    assert scales
    for ranges, rules in scales.items():
        assert all(rule is not None for rule in rules)
        rows = [int(re.sub(r"[A-Z]", "", part)) for r in ranges.split() for part in r.split(":")]
        assert min(rows) >= min(team_rows)  # teams only
        assert max(rows) <= max(team_rows)
    # turnover: lower is better, so the lowest is green; stability the other way round
    turnover = next(rules for rng, rules in scales.items() if rng.startswith("E"))
    assert turnover[0].color[0].rgb.endswith("C6EFCE")
    rate = cells["Agency rate (KPI 16)"]
    status = cells["Agency rate status"]
    for value_cell, status_cell in zip(rate, status, strict=True):
        if status_cell.value in ("Met", "Within tolerance", "Missed"):
            assert value_cell.fill.fgColor.rgb == status_cell.fill.fgColor.rgb
    assert all(isinstance(c.value, float) or c.value is None for c in rate)


def test_status_fills_always_with_words(book: openpyxl.Workbook) -> None:
    cells = _table_cells(book["Agency"], "AgencyByTeam")
    names = [c.value for c in cells["Trust, service area or team"]]
    fills = {"Met": "C6EFCE", "Within tolerance": "FFEB9C", "Missed": "FFC7CE"}
    seen = set()
    for name, rate, status in zip(names, cells["Agency rate (KPI 16)"], cells["Status"],
                                  strict=True):  # fmt: skip
        if isinstance(name, str) and name in TEAM_AGENCY_RATES:
            assert rate.value == pytest.approx(TEAM_AGENCY_RATES[name])
        if isinstance(status.value, str) and status.value in fills:
            seen.add(status.value)
            assert status.fill.fgColor.rgb.endswith(fills[status.value])
        else:
            assert status.fill.fill_type is None
    assert seen == set(fills)


def test_agency_trend_month_ends_then_as_of_with_glide_path(book: openpyxl.Workbook) -> None:
    trend = _table_frame(book["Agency"], "AgencyTrend")
    dates = [d.date() for d in trend["Date"].to_list()]
    assert dates == [*calendar.month_ends(AS_OF, 24), AS_OF]
    glide = dict(zip(dates, trend["Glide path"].to_list(), strict=True))
    assert glide[date(2024, 3, 31)] == pytest.approx(0.48)
    assert glide[date(2025, 3, 31)] == pytest.approx(0.30)
    assert 0.30 < glide[date(2024, 9, 30)] < 0.48


def test_charts_plot_the_columns_their_titles_name(book: openpyxl.Workbook) -> None:
    def series_headers(sheet: Worksheet, chart: object) -> list[str]:
        headers = []
        for series in chart.series:  # type: ignore[attr-defined]
            ref = series.tx.strRef.f.split("!")[1].replace("$", "")
            headers.append(str(sheet[ref].value))
        return headers

    agency = book["Agency"]
    (chart,) = _charts(agency)
    assert isinstance(chart, LineChart)
    assert series_headers(agency, chart) == ["Agency rate (KPI 16)", "Target", "Glide path"]
    turnover = book["Turnover"]
    charts = _charts(turnover)
    assert [series_headers(turnover, c) for c in charts] == [
        ["Turnover rate (FTE)"],
        ["Stability index"],
    ]  # fmt: skip — rates on their own axes
    (bands,) = _charts(book["Caseloads"])
    assert isinstance(bands, BarChart)
    assert series_headers(book["Caseloads"], bands) == ["Case holders"]


def test_caseloads_sheet(book: openpyxl.Workbook) -> None:
    sheet = book["Caseloads"]
    over = _table_frame(sheet, "CaseloadsOverThreshold")
    assert over["Worker reference"].to_list() == ["E101", "A201"]
    assert over["Children"].to_list() == [25, 21]
    assert over["Worker"].to_list() == ["Employee", "Agency worker"]
    assert over["Role"].to_list() == ["Social worker", "Social worker"]
    bands = _table_frame(sheet, "CaseloadBands")
    assert bands["Case holders"].sum() == 4  # the worker with no case is no case holder
    counts = dict(zip(bands["Children allocated"], bands["Case holders"], strict=True))
    assert counts["21–25"] == 2


def test_not_supplied(tmp_path: Path) -> None:
    supplied: frozenset[ExtractName] = frozenset(("staff", "agency"))
    book = save(make_report(supplied=supplied), tmp_path / "partial.xlsx")
    assert book.sheetnames == list(SHEET_NAMES)
    for title in ("Caseloads", "Vacancies"):
        assert "not supplied" in _text(book[title])
        assert not book[title].tables
    cells = _table_cells(book["Summary"], "SummaryHeadlines")
    status = {m.value: s.value for m, s in zip(cells["Measure"], cells["Status"], strict=True)}
    for name in ("vacancy_rate", "average_caseload", "absence_rate"):
        assert status[METRICS_BY_NAME[name].label] == "Not supplied"
    assert status["Agency rate (KPI 16)"] == "Met"
    definitions = _table_frame(book["Definitions"], "Definitions")
    in_run = dict(zip(definitions["Measure"], definitions["In this run"], strict=True))
    assert in_run["Cases"] == "Not supplied"
    assert in_run["Agency rate (KPI 16)"] == "Yes"
    assert "dfe_indicator_file" in _text(book["Benchmarks"])
    teams = _table_frame(book["Teams"], "Teams")
    assert "Average caseload (per FTE)" not in teams.columns


def test_benchmarks_sheet(book: openpyxl.Workbook) -> None:
    sheet = book["Benchmarks"]
    table = _table_frame(sheet, "Benchmarks")
    agency = table.filter(pl.col("Indicator") == "Agency rate (KPI 16)")
    assert agency["Area"].to_list() == [
        "Bradford", "North", "Statistical neighbours (average of 2)", "England",
    ]  # fmt: skip
    assert agency["2025"].to_list() == pytest.approx([0.222, 0.08, 0.13, 0.13])
    assert agency["Change on year before"][0] == pytest.approx(-9.6)  # points
    # Bradford 22.2 ties with Elsewhere behind Another (5), Oldham (10), Rochdale (16)
    assert agency["National rank at 30 Sept 2025 (1 = best)"][0] == 4
    assert agency["Authorities ranked"][0] == 5
    assert agency["Quartile band at 30 Sept 2025"][0] == "D"
    assert agency[f"Trust on {AS_OF:%d %b %Y}"][0] == pytest.approx(_agency_rate_on(AS_OF, 0))
    cells = _table_cells(sheet, "Benchmarks")
    for cell in cells["Quartile band at 30 Sept 2025"]:
        if cell.value == "D":
            assert cell.fill.fgColor.rgb.endswith("FFC7CE")
        elif cell.value == "A":
            assert cell.fill.fgColor.rgb.endswith("C6EFCE")
        else:
            assert cell.fill.fill_type is None
    assert all(c.number_format == "0.0%" for c in cells["2025"][:4])
    text = _text(sheet)
    assert "Rochdale (354)" in text  # neighbours named
    assert "Oldham (353)" in text
    assert "Department for Education, Children's social work workforce" in text
    assert "/" not in text.split("Source:")[1].split(";")[0]  # a publication, not a path


def test_data_quality_is_a_to_do_list(book: openpyxl.Workbook) -> None:
    sheet = book["Data quality"]
    summary = _table_frame(sheet, "ExtractSummary")
    assert summary["Rows quarantined"].sum() == 2
    todo = _table_frame(sheet, "Findings")
    affects = todo[f"Affects {AS_OF:%d %b %Y} figures"].to_list()
    assert affects == ["Yes", "Yes", "Yes", "Yes", "No (historic)"]  # current first
    assert todo["Record"].to_list()[:3] == ["employee E7", "employee E12", "assignment A3"]
    assert todo["Problem"].to_list()[0] == "FTE out of range"  # the rule in words
    assert "FTE must be above 0" in str(todo["What to do"].to_list()[0])
    assert todo["Severity"].to_list() == ["Quarantined", "Quarantined"] + ["Warning"] * 3
    by_rule = _table_frame(sheet, "FindingsByRule")
    assert by_rule["Findings"].sum() == 5
    assert "fte_range" not in _text(sheet)  # no rule identifiers


def test_definitions_sheet(book: openpyxl.Workbook) -> None:
    definitions = _table_frame(book["Definitions"], "Definitions")
    assert definitions["Measure"].to_list() == [m.label for m in METRICS]
    over = definitions.filter(pl.col("Measure") == "Case holders over threshold")
    assert "(20 children)" in over["Definition"][0]  # the configured threshold
    absence = definitions.filter(pl.col("Measure") == "Sickness absence rate")
    assert "× 253 working days" in absence["Definition"][0]
    targets = _table_frame(book["Definitions"], "Targets")
    assert targets["Tolerance (±)"].to_list() == pytest.approx([2.0] * 4)
    assert "agency_rate" not in _text(book["Definitions"])


def test_metrics_sheet_has_every_row_with_a_label_beside_the_id(book: openpyxl.Workbook) -> None:
    report = make_report()
    cells = _table_cells(book["Metrics"], "Metrics")
    assert len(cells["Id"]) == report.metrics.height
    assert all(c.is_date for c in cells["As of"])
    labels = {i.value: m.value for i, m in zip(cells["Id"], cells["Measure"], strict=True)}
    assert labels["agency_rate"] == "Agency rate (KPI 16)"
    statuses = {c.value for c in cells["Status"]}
    assert statuses <= {"Met", "Within tolerance", "Missed", "No target", "No data"}
    names = cells["Trust, service area or team"]
    by_id = {(s.value, i.value): v for s, i, v in zip(names, cells["Id"], cells["Value"],
                                                        strict=True)}  # fmt: skip
    assert by_id[("Trust", "agency_rate")].number_format == "0.0%"
    assert by_id[("Trust", "employed_fte")].number_format == "#,##0.0"
    assert names[0].value == "Trust"  # the Trust first, named in words
    tolerance = cells["Tolerance (±)"][[i.value for i in cells["Id"]].index("agency_rate")]
    assert tolerance.value == pytest.approx(2.0)  # points, not a share
    assert tolerance.number_format == '0.0" pts"'


# -- safety -------------------------------------------------------------------------------------


def test_extract_text_is_literal_text(book: openpyxl.Workbook) -> None:
    found = {team: False for team in TRICKY_TEAMS}
    # openpyxl with lxml (installed for the census return) writes a carriage return as
    # "&#13;" and reads it back exactly; without lxml it writes it raw and XML end-of-line
    # handling reads it as a line feed. Either way: still text, never a formula.
    read_back = {team: team for team in TRICKY_TEAMS} | {
        team.replace("\r", "\n"): team for team in TRICKY_TEAMS
    }
    for sheet in book.worksheets:
        for cell in _cells(sheet):
            assert cell.data_type != "f", f"formula in {sheet.title}!{cell.coordinate}"
            if isinstance(cell.value, str) and cell.value in read_back:
                found[read_back[cell.value]] = True
                assert cell.data_type == "s"
                assert cell.quotePrefix
    assert all(found.values()), found


def test_characters_a_cell_cannot_hold_are_removed(book: openpyxl.Workbook) -> None:
    cells = _table_cells(book["Data quality"], "Findings")
    assert "=1+1" in [c.value for c in cells["Value"]]
    assert all("\x00" not in str(c.value) for c in cells["Details"])
    assert clean_text("a\x00b\x07c\td\re\n\ufffe\uffff") == "abc\td\re\n"


def test_no_child_reference_anywhere(book: openpyxl.Workbook) -> None:
    child_ref = re.compile(r"\bC\d{3}")
    for sheet in book.worksheets:
        for cell in _cells(sheet):
            assert not (isinstance(cell.value, str) and child_ref.search(cell.value))


def test_no_nan_or_infinity(tmp_path: Path) -> None:
    report = make_report()
    broken = report.metrics.with_columns(
        value=pl.when(pl.col("metric") == "turnover_rate")
        .then(float("nan"))
        .when(pl.col("metric") == "average_caseload")
        .then(float("inf"))
        .otherwise(pl.col("value"))
    )
    book = save(replace(report, metrics=broken), tmp_path / "nan.xlsx")
    for sheet in book.worksheets:
        for cell in _cells(sheet):
            if isinstance(cell.value, float):
                assert cell.value == cell.value
                assert abs(cell.value) != float("inf")
    cells = _table_cells(book["Metrics"], "Metrics")
    turnover = [v for m, v in zip(cells["Id"], cells["Value"], strict=True)
                if m.value == "turnover_rate"]  # fmt: skip
    assert turnover
    assert all(c.value is None for c in turnover)


def test_header_helpers() -> None:
    assert escape_header_footer("A & B") == "A && B"
    assert unique_headers(["Team", "team", "Team"]) == ["Team", "team (2)", "Team (3)"]


def test_libreoffice_renders_the_workbook(saved: Path, tmp_path: Path) -> None:
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not on PATH")
    result = subprocess.run(
        [soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/profile",
         "--convert-to", "pdf", "--outdir", str(tmp_path), str(saved)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    pdf = tmp_path / (saved.stem + ".pdf")
    assert result.returncode == 0, result.stderr
    assert pdf.exists()
    assert pdf.stat().st_size > 0


def test_empty_inputs_still_make_valid_tables(tmp_path: Path) -> None:
    full = make_report()
    assert full.caseload_by_worker is not None
    assert full.vacancy_by_cell is not None
    empty = replace(
        full,
        metrics=full.metrics.clear(),
        trend=full.trend.clear(),
        findings=full.findings.clear(),
        extract_summaries=full.extract_summaries.clear(),
        leaving_reasons=full.leaving_reasons.clear(),
        caseload_by_worker=full.caseload_by_worker.clear(),
        vacancy_by_cell=full.vacancy_by_cell.clear(),
        extract_date=None,
    )
    book = save(empty, tmp_path / "empty.xlsx")
    for sheet in book.worksheets:
        for table in sheet.tables.values():
            rows = list(sheet[table.ref])
            assert len(rows) >= 2  # header and at least one row, as Excel requires
    summary = _table_cells(book["Summary"], "SummaryHeadlines")
    assert {c.value for c in summary["Status"]} == {"No data"}


def test_a_damaged_workbook_is_caught_before_publication(saved: Path, tmp_path: Path) -> None:
    from workforce.errors import RunFailure
    from workforce.workbook.check import check_workbook

    check_workbook(saved)  # the real one passes
    damaged = tmp_path / "damaged.xlsx"
    with zipfile.ZipFile(saved) as source, zipfile.ZipFile(damaged, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet2.xml":
                data = data.replace(b"</sheetData>", "<c>\uffff</c></sheetData>".encode())
            target.writestr(item, data)
    with pytest.raises(RunFailure, match=r"damaged \(xl/worksheets/sheet2.xml"):
        check_workbook(damaged)
    too_long = tmp_path / "long.xlsx"
    with zipfile.ZipFile(saved) as source, zipfile.ZipFile(too_long, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet2.xml":
                cell = b'<row r="999"><c r="A999" t="inlineStr"><is><t>' + b"x" * 40_000
                data = data.replace(b"</sheetData>", cell + b"</t></is></c></row></sheetData>")
            target.writestr(item, data)
    with pytest.raises(RunFailure, match="more than 32,767 characters"):
        check_workbook(too_long)


def test_outlook_sheet_is_labelled_as_no_forecast(book: openpyxl.Workbook) -> None:
    sheet = book["Outlook"]
    assert "not a forecast" in _text(sheet)
    trend = _table_frame(sheet, "OutlookTrend")
    dates = [d.date() for d in trend["Date"].to_list()]
    assert dates == [AS_OF, *outlook_dates(AS_OF)]
    assert trend["Basis"].to_list()[0] == "Measured"
    assert set(trend["Basis"].to_list()[1:]) == {"Committed (if nothing else changes)"}
    (chart,) = _charts(sheet)
    headers = [str(sheet[s.tx.strRef.f.split("!")[1].replace("$", "")].value) for s in chart.series]
    assert headers == ["Agency rate", "Target", "Glide path"]
    levers = _table_frame(sheet, "WhatItTakes")
    assert levers["Trust, service area or team"].to_list() == ["Trust"]  # the met team is left out
    assert levers["Convert agency to permanent (FTE)"].to_list() == [6.0]
    assert levers["Or add permanent starters (FTE)"].to_list() == [30.0]
    assert "extrapolation" in _text(sheet)


def test_retention_sheet_by_route_and_milestones(book: openpyxl.Workbook) -> None:
    sheet = book["Retention"]
    by_route = _table_frame(sheet, "RetentionByRoute")
    assert by_route["Still in post after"].to_list() == [
        "6 months (182 days)", "12 months (365 days)", "24 months (730 days)",
    ]  # fmt: skip
    assert by_route["International recruit"].to_list() == pytest.approx(
        [1 - 182 / 3650, 1 - 365 / 3650, 1 - 730 / 3650]
    )
    (chart,) = _charts(sheet)
    assert len(chart.series) == 5  # one line per route and all starters
    milestones = _table_cells(sheet, "Milestones")
    assert [c.value for c in milestones["Status"]] == ["Met", "Missed"]
    assert milestones["Status"][0].fill.fgColor.rgb.endswith("C6EFCE")
    assert "agency_conversion" not in _text(sheet)  # routes in words


def test_summary_shows_the_committed_year_end_and_what_it_takes(book: openpyxl.Workbook) -> None:
    sheet = book["Summary"]
    label = next(c for c in _cells(sheet) if str(c.value).startswith("Committed on 31 Mar 2026"))
    assert sheet.cell(row=label.row, column=2).value == pytest.approx(0.25)
    assert sheet.cell(row=label.row, column=3).value == "Missed"
    levers = str(sheet.cell(row=label.row, column=4).value)
    assert "convert 6.0 FTE of agency to permanent" in levers
    assert "add 30.0 FTE of permanent starters" in levers
    assert "If nothing else changes, the agency rate will be 25.0% on 31 Mar 2026" in _text(sheet)
