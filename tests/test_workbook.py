"""The HR workbook, read back from disk with openpyxl: sheets, tables, formats, charts,
RAG status, not-supplied handling, text safety, print setup and a LibreOffice render."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl.chart import BarChart, LineChart
from openpyxl.worksheet.worksheet import Worksheet

from transforms import calendar
from transforms.definitions import METRICS, METRICS_BY_NAME, metrics_available
from transforms.schema import FINDINGS_SCHEMA, ExtractName
from workforce.benchmarks_io import parse_dfe_indicators
from workforce.excel_cells import clean_text, escape_header_footer, unique_headers
from workforce.settings import load_settings
from workforce.workbook import (
    SHEET_NAMES,
    WorkbookInputs,
    build_workbook,
    caseload_bands,
    change_direction,
    save_workbook,
)

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


def make_inputs(
    *,
    supplied: frozenset[ExtractName] = ALL_EXTRACTS,
    benchmarks: pl.DataFrame | None = None,
    extract_date: date | None = AS_OF,
) -> WorkbookInputs:
    settings = load_settings().model_copy(
        update={
            "trust": load_settings().trust.model_copy(
                update={"name": "Bradford Children & Families Trust",
                        "statistical_neighbours": ("354", "353")}
            )
        }
    )  # fmt: skip
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
    findings = pl.DataFrame(
        {
            "extract": ["staff", "staff", "agency", None],
            "row": [7, 12, 3, None],
            "column": ["fte", "team", "weekly_cost", None],
            "rule": ["fte_range", "required", "weekly_cost_missing", "stale_drop"],
            "severity": ["error", "error", "warning", "warning"],
            "value": ["1.5", "=1+1\x07", "", None],
            "message": ["FTE must be above 0 and at most 1\x00", "team is required",
                        "weekly cost is empty", "the drop is older than the as-of date"],
        },
        schema=FINDINGS_SCHEMA,
    )  # fmt: skip
    summaries = pl.DataFrame(
        {
            "extract": ["staff", "agency", "caseloads", "establishment", "absence"],
            "rows_read": [120, 40, 300, 20, 50],
            "rows_quarantined": [2, 0, 0, 0, 0],
            "warnings": [0, 1, 0, 0, 0],
        }
    ).filter(pl.col("extract").is_in(list(supplied)))
    return WorkbookInputs(
        as_of=AS_OF,
        extract_date=extract_date,
        generated_at=datetime(2025, 4, 1, 2, 30, 0),
        settings=settings,
        supplied=supplied,
        metrics=metrics,
        trend=trend,
        caseload_by_worker=workers if "caseloads" in supplied else None,
        vacancy_by_cell=cells if "establishment" in supplied else None,
        leaving_reasons=reasons,
        findings=findings,
        extract_summaries=summaries,
        benchmarks=benchmarks,
    )


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("workbook") / "workforce_stability_2025-03-31.xlsx"
    save_workbook(build_workbook(make_inputs(benchmarks=dfe_frame())), path)
    return path


@pytest.fixture(scope="module")
def book(saved: Path) -> openpyxl.Workbook:
    return openpyxl.load_workbook(saved)


def _cells(sheet: Worksheet) -> Iterator[openpyxl.cell.cell.Cell]:
    for row in sheet.iter_rows():
        yield from row  # type: ignore[misc]


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


def test_sheets_in_order(book: openpyxl.Workbook) -> None:
    assert book.sheetnames == list(SHEET_NAMES)


def test_every_table_is_valid_and_frozen(book: openpyxl.Workbook) -> None:
    names: list[str] = []
    for sheet in book.worksheets:
        for table in sheet.tables.values():
            names.append(table.displayName.lower())
            assert re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", table.displayName)
            assert table.tableStyleInfo is not None
            assert table.tableStyleInfo.name
            header = next(iter(sheet[table.ref]))
            headers = [cell.value for cell in header]
            assert all(isinstance(h, str) and h for h in headers)
            assert len({str(h).lower() for h in headers}) == len(headers)
        if sheet.tables:
            first = min((next(iter(sheet[t.ref]))[0].row for t in sheet.tables.values()), default=0)
            assert sheet.freeze_panes == f"A{first + 1}", sheet.title
    assert len(names) == len(set(names))
    assert "summaryheadlines" in names
    assert "metrics" in names


def test_metrics_table_covers_every_metric_row(book: openpyxl.Workbook) -> None:
    inputs = make_inputs()
    sheet = book["Metrics"]
    table = sheet.tables["Metrics"]
    assert table.ref == f"A1:J{inputs.metrics.height + 1}"
    cells = _table_cells(sheet, "Metrics")
    assert all(isinstance(c.value, datetime) and c.number_format == "yyyy-mm-dd"
               for c in cells["as_of"])  # fmt: skip
    by_metric = {
        (s.value, m.value): v
        for s, m, v in zip(cells["scope_value"], cells["metric"], cells["value"], strict=True)
    }
    expected = inputs.metrics.filter(pl.col("scope") == "trust")
    for name, value in zip(expected["metric"], expected["value"], strict=True):
        cell = by_metric[("all", name)]
        assert cell.value == pytest.approx(value)
        unit = METRICS_BY_NAME[name].unit
        if unit == "percent":
            assert cell.number_format == "0.0%"
        elif unit == "fte":
            assert cell.number_format == "0.0"
        elif unit == "count":
            assert cell.number_format == "0"


def test_summary_headlines(book: openpyxl.Workbook) -> None:
    sheet = book["Summary"]
    cells = _table_cells(sheet, "SummaryHeadlines")
    labels = [c.value for c in cells["Metric"]]
    assert labels[:2] == ["Agency rate (KPI 16)", "Agency-to-permanent ratio"]
    assert len(labels) == 10
    rate = cells["Value"][0]
    expected = _agency_rate_on(AS_OF, 0)
    assert rate.value == pytest.approx(expected)
    assert rate.number_format == "0.0%"
    assert cells["Target"][0].value == pytest.approx(0.30)
    status = cells["Status"][0]
    assert _status(expected, 0.30, 0.02) == "met"
    assert status.value == "Met"
    assert status.fill.fgColor.rgb.endswith("C6EFCE")
    # one point a month down: lower is better, so improving on the month and the year
    month_header = f"Change since {calendar.last_month_end(AS_OF).isoformat()}"
    assert cells[month_header][0].value == pytest.approx(-0.01)
    assert cells["Direction (month)"][0].value == "Improving"
    assert cells["Direction (year)"][0].value == "Improving"
    # latest DfE England and neighbours' average (16 and 10 -> 13%) for the agency rate
    assert cells["England (latest DfE)"][0].value == pytest.approx(0.13)
    assert cells["Statistical neighbours (latest DfE)"][0].value == pytest.approx(0.13)
    assert cells["DfE year (30 Sept)"][0].value == 2025
    # employed FTE has no comparator: a national total is not one
    assert cells["England (latest DfE)"][2].value is None
    text = [str(c.value) for c in _cells(sheet) if c.value is not None]
    assert "Bradford Children & Families Trust" in text
    assert any(t.startswith("Check: 2 of 530 rows quarantined") for t in text)


def test_summary_dates_are_date_cells(book: openpyxl.Workbook) -> None:
    sheet = book["Summary"]
    values = {sheet.cell(row=r, column=1).value: sheet.cell(row=r, column=2) for r in range(3, 9)}
    assert values["As-of date"].value == datetime(2025, 3, 31)
    assert values["As-of date"].is_date
    assert values["Generated at"].value == datetime(2025, 4, 1, 2, 30)
    assert "Warning" not in values


def test_stale_extract_warning_is_visible(tmp_path: Path) -> None:
    path = tmp_path / "stale.xlsx"
    save_workbook(build_workbook(make_inputs(extract_date=date(2025, 3, 20))), path)
    sheet = openpyxl.load_workbook(path)["Summary"]
    text = [str(c.value) for c in _cells(sheet) if c.value is not None]
    assert any("2025-03-20" in t and "older than the as-of date" in t for t in text)


def test_status_fills_always_with_words(book: openpyxl.Workbook) -> None:
    cells = _table_cells(book["Agency"], "AgencyByTeam")
    teams = [c.value for c in cells["Team"]]
    fills = {"Met": "C6EFCE", "Within tolerance": "FFEB9C", "Missed": "FFC7CE"}
    seen = set()
    for team, rate, status in zip(teams, cells["Agency rate (KPI 16)"], cells["Status"],
                                  strict=True):  # fmt: skip
        if isinstance(team, str) and team in TEAM_AGENCY_RATES:
            assert rate.value == pytest.approx(TEAM_AGENCY_RATES[team])
            expected = _status(TEAM_AGENCY_RATES[team], 0.30, 0.02)
            assert status.value == {"met": "Met", "within_tolerance": "Within tolerance",
                                    "missed": "Missed"}[expected]  # fmt: skip
        if isinstance(status.value, str) and status.value in fills:
            seen.add(status.value)
            assert status.fill.fgColor.rgb.endswith(fills[status.value])
        else:
            assert status.fill.fill_type is None
    assert seen == set(fills)


def test_extract_text_is_literal_text(book: openpyxl.Workbook) -> None:
    found = {team: False for team in TRICKY_TEAMS}
    # XML parsers read a raw carriage return as a line feed (XML end-of-line handling),
    # so the CR team comes back with "\n" in front: still text, never a formula.
    read_back = {team.replace("\r", "\n"): team for team in TRICKY_TEAMS}
    for sheet in book.worksheets:
        for cell in _cells(sheet):
            assert cell.data_type != "f", f"formula in {sheet.title}!{cell.coordinate}"
            if isinstance(cell.value, str) and cell.value in read_back:
                found[read_back[cell.value]] = True
                assert cell.data_type == "s"
                assert cell.quotePrefix
    assert all(found.values()), found


def test_control_characters_are_stripped(book: openpyxl.Workbook) -> None:
    cells = _table_cells(book["Data quality"], "Findings")
    assert "=1+1" in [c.value for c in cells["Value"]]
    assert all("\x00" not in str(c.value) for c in cells["Message"])
    assert clean_text("a\x00b\x07c\td\re\n") == "abc\td\re\n"


def test_no_child_reference_anywhere(book: openpyxl.Workbook) -> None:
    child_ref = re.compile(r"\bC\d{3}")
    for sheet in book.worksheets:
        for cell in _cells(sheet):
            assert not (isinstance(cell.value, str) and child_ref.search(cell.value))


def test_no_nan_or_infinity(tmp_path: Path) -> None:
    inputs = make_inputs()
    broken = inputs.metrics.with_columns(
        value=pl.when(pl.col("metric") == "turnover_rate")
        .then(float("nan"))
        .when(pl.col("metric") == "average_caseload")
        .then(float("inf"))
        .otherwise(pl.col("value"))
    )
    path = tmp_path / "nan.xlsx"
    save_workbook(build_workbook(_replace(inputs, metrics=broken)), path)
    book = openpyxl.load_workbook(path)
    for sheet in book.worksheets:
        for cell in _cells(sheet):
            if isinstance(cell.value, float):
                assert cell.value == cell.value
                assert abs(cell.value) != float("inf")
    cells = _table_cells(book["Metrics"], "Metrics")
    turnover = [v for m, v in zip(cells["metric"], cells["value"], strict=True)
                if m.value == "turnover_rate"]  # fmt: skip
    assert turnover
    assert all(c.value is None for c in turnover)


def _replace(inputs: WorkbookInputs, **changes: object) -> WorkbookInputs:
    from dataclasses import replace

    return replace(inputs, **changes)  # type: ignore[arg-type]


def test_charts(book: openpyxl.Workbook) -> None:
    agency = getattr(book["Agency"], "_charts")  # noqa: B009 (openpyxl keeps charts private)
    turnover = getattr(book["Turnover"], "_charts")  # noqa: B009
    caseloads = getattr(book["Caseloads"], "_charts")  # noqa: B009
    assert [type(c) for c in agency] == [LineChart]
    assert len(agency[0].series) == 3
    assert [type(c) for c in turnover] == [LineChart]
    assert len(turnover[0].series) == 2
    assert [type(c) for c in caseloads] == [BarChart]


def test_agency_trend_glide_path_and_projection(book: openpyxl.Workbook) -> None:
    sheet = book["Agency"]
    trend = _table_frame(sheet, "AgencyTrend")
    dates = [d.date() for d in trend["Date"].to_list()]
    assert dates == calendar.trend_dates(AS_OF)
    glide = dict(zip(dates, trend["Glide path"].to_list(), strict=True))
    assert glide[date(2024, 3, 31)] == pytest.approx(0.48)
    assert glide[date(2025, 3, 31)] == pytest.approx(0.30)
    assert 0.30 < glide[date(2024, 9, 30)] < 0.48
    projection = _table_frame(sheet, "AgencyProjection")
    # the fixture falls one point a month and the as-of date is itself the year end
    assert projection["Financial year end"][0].date() == AS_OF
    assert projection["Projected agency rate (projection)"][0] == pytest.approx(
        _agency_rate_on(AS_OF, 0), abs=0.002
    )
    assert projection["Month-ends used"][0] == calendar.PROJECTION_POINTS
    assert projection["To"][0].date() == AS_OF
    header_row = next(iter(sheet[sheet.tables["AgencyProjection"].ref]))[0].row
    assert "not a measurement" in str(sheet.cell(row=header_row - 1, column=1).value)


def test_caseloads_sheet(book: openpyxl.Workbook) -> None:
    sheet = book["Caseloads"]
    over = _table_frame(sheet, "CaseloadsOverThreshold")
    assert over["Worker reference"].to_list() == ["E101", "A201"]
    assert over["Caseload"].to_list() == [25, 21]
    bands = _table_frame(sheet, "CaseloadBands")
    assert bands["Case holders"].sum() == 4  # the worker with no case is no case holder
    assert (
        dict(zip(bands["Caseload band (children)"], bands["Case holders"], strict=True))["21–25"]
        == 2
    )


def test_not_supplied(tmp_path: Path) -> None:
    supplied: frozenset[ExtractName] = frozenset(("staff", "agency"))
    path = tmp_path / "partial.xlsx"
    save_workbook(build_workbook(make_inputs(supplied=supplied)), path)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == list(SHEET_NAMES)
    for title in ("Caseloads", "Vacancies"):
        text = " ".join(str(c.value) for c in _cells(book[title]) if c.value is not None)
        assert "not supplied" in text
        assert not book[title].tables
    cells = _table_cells(book["Summary"], "SummaryHeadlines")
    status = {m.value: s.value for m, s in zip(cells["Metric"], cells["Status"], strict=True)}
    for name in ("vacancy_rate", "average_caseload", "absence_rate"):
        assert status[METRICS_BY_NAME[name].label] == "not supplied"
    assert status["Agency rate (KPI 16)"] != "not supplied"
    definitions = _table_frame(book["Definitions"], "Definitions")
    in_run = dict(zip(definitions["Metric"], definitions["In this run"], strict=True))
    assert in_run["cases"] == "not supplied"
    assert in_run["agency_rate"] == "Yes"
    assert "without" not in book["Benchmarks"]["A4"].value
    assert "dfe_indicator_file" in book["Benchmarks"]["A4"].value


def test_benchmarks_sheet(book: openpyxl.Workbook) -> None:
    sheet = book["Benchmarks"]
    table = _table_frame(sheet, "Benchmarks")
    agency = table.filter(pl.col("Indicator") == "Agency rate (KPI 16)")
    assert agency["Area"].to_list() == [
        "Bradford", "North", "Statistical neighbours (average of 2)", "England",
    ]  # fmt: skip
    assert agency["2025"].to_list() == pytest.approx([0.222, 0.08, 0.13, 0.13])
    assert agency["Change on year before"][0] == pytest.approx(0.222 - 0.318)
    # Bradford 22.2 ties with Elsewhere behind Another (5), Oldham (10), Rochdale (16)
    assert agency["National rank (1 = best)"][0] == 4
    assert agency["Authorities ranked"][0] == 5
    assert agency["Quartile band"][0] == "D"
    assert agency[f"Trust this run ({AS_OF.isoformat()})"][0] == pytest.approx(
        _agency_rate_on(AS_OF, 0)
    )
    cells = _table_cells(sheet, "Benchmarks")
    for cell in cells["Quartile band"]:
        if cell.value == "D":
            assert cell.fill.fgColor.rgb.endswith("FFC7CE")
        elif cell.value == "A":
            assert cell.fill.fgColor.rgb.endswith("C6EFCE")
        else:
            assert cell.fill.fill_type is None
    assert all(c.number_format == "0.0%" for c in cells["2025"][:4])


def test_data_quality_sheet(book: openpyxl.Workbook) -> None:
    sheet = book["Data quality"]
    summary = _table_frame(sheet, "ExtractSummary")
    assert summary["Rows quarantined"].sum() == 2
    findings = _table_frame(sheet, "Findings")
    assert findings["Source row"].to_list()[:2] == [7, 12]
    assert findings.height == 4
    by_rule = _table_frame(sheet, "FindingsByRule")
    assert by_rule["Findings"].sum() == 4


def test_definitions_sheet_lists_every_metric(book: openpyxl.Workbook) -> None:
    definitions = _table_frame(book["Definitions"], "Definitions")
    assert definitions["Metric"].to_list() == [m.name for m in METRICS]
    assert definitions["Definition"].to_list() == [m.definition for m in METRICS]


def test_document_properties(book: openpyxl.Workbook) -> None:
    properties = book.properties
    assert properties.title
    assert "Bradford" in properties.title
    assert properties.subject == "As of 2025-03-31"
    assert properties.creator
    assert "workforce-stability" in properties.creator


def test_print_setup(book: openpyxl.Workbook) -> None:
    for sheet in book.worksheets:
        assert sheet.page_setup.orientation == "landscape"
        assert sheet.page_setup.fitToWidth == 1
        assert sheet.page_setup.fitToHeight == 0
        assert sheet.sheet_properties.pageSetUpPr is not None
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert sheet.oddHeader is not None
        header = str(sheet.oddHeader.center.text)
        assert sheet.title in header
        assert "2025-03-31" in header
        assert sheet.oddHeader.left.text == "Bradford Children && Families Trust"


def test_caseload_bands_by_hand() -> None:
    bands = caseload_bands(pl.Series([0, 1, 5, 6, 20, 21, 31, 40]), threshold=20)
    counts = dict(zip(bands["band"], bands["case_holders"], strict=True))
    assert counts == {"1–5": 2, "6–10": 1, "11–15": 0, "16–20": 1, "21–25": 1, "26–30": 0,
                      "31+": 2}  # fmt: skip
    assert bands.filter(pl.col("over_threshold") != "")["band"].to_list() == [
        "21–25", "26–30", "31+",
    ]  # fmt: skip


@given(
    caseloads=st.lists(st.integers(min_value=0, max_value=80), max_size=40),
    threshold=st.integers(min_value=0, max_value=40),
)
@settings(max_examples=60, deadline=None)
def test_caseload_bands_count_every_case_holder_once(caseloads: list[int], threshold: int) -> None:
    bands = caseload_bands(pl.Series(caseloads, dtype=pl.Int64), threshold)
    assert bands["case_holders"].sum() == sum(1 for c in caseloads if c >= 1)
    over = bands.filter(pl.col("over_threshold") != "")["case_holders"].sum()
    assert over == sum(1 for c in caseloads if c > threshold)


def test_change_direction_by_polarity() -> None:
    frame = pl.DataFrame(
        {
            "change": [-0.1, 0.1, 0.0, 1e-12, 0.2, -0.2, None],
            "polarity": ["lower_is_better", "lower_is_better", "higher_is_better",
                         "higher_is_better", "neutral", "neutral", "neutral"],
        }
    )  # fmt: skip
    words = frame.select(change_direction(pl.col("change"), pl.col("polarity")))
    assert words.to_series().to_list() == [
        "Improving", "Worsening", "No change", "No change", "Increasing", "Decreasing", None,
    ]  # fmt: skip


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
    full = make_inputs()
    assert full.caseload_by_worker is not None
    assert full.vacancy_by_cell is not None
    empty = _replace(
        full,
        metrics=full.metrics.clear(),
        trend=full.trend.clear(),
        findings=pl.DataFrame(schema=FINDINGS_SCHEMA),
        leaving_reasons=full.leaving_reasons.clear(),
        caseload_by_worker=full.caseload_by_worker.clear(),
        vacancy_by_cell=full.vacancy_by_cell.clear(),
        extract_date=None,
    )
    path = tmp_path / "empty.xlsx"
    save_workbook(build_workbook(empty), path)
    book = openpyxl.load_workbook(path)
    for sheet in book.worksheets:
        for table in sheet.tables.values():
            rows = list(sheet[table.ref])
            assert len(rows) >= 2  # header and at least one row, as Excel requires
    summary = _table_cells(book["Summary"], "SummaryHeadlines")
    assert {c.value for c in summary["Status"]} == {"No data"}
