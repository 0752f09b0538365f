"""Hostile values (issue 12): control characters, exact decimals and their size, long
text, the record a finding is about, no child reference in any finding or message, and
data_quality.csv safe to open in a spreadsheet.

Grain: one small drop per test (the valid bad-input drop with one extract's frame
edited cell by cell, as the reader hands it over).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import zipfile
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flows.tasks import compute_report, read_benchmarks, write_outputs
from tests.drops import drop_with
from transforms.findings import FORMULA_TRIGGERS, neutralised_for_csv, record_details, shown_text
from transforms.rules import decimal_sign
from transforms.schema import (
    EXTRACT_COLUMNS,
    REPORT_FINDINGS_SCHEMA,
    SOURCE_ROW,
    ColumnSpec,
    ExtractName,
)
from workforce.errors import RunFailure
from workforce.extract_io import Drop, read_drop
from workforce.outputs import write_findings_csv
from workforce.settings import read_settings
from workforce.suites import build_suite
from workforce.validation import ValidationResult, validate_drop

AS_OF = dt.date(2024, 3, 31)
E, W = "error", "warning"


def _drop(tmp_path: Path, *cases: str) -> Drop:
    return read_drop(
        drop_with(tmp_path, *cases, extracts=("caseloads", "establishment", "absence"))
    )


def _edited(drop: Drop, extract: ExtractName, row: int, **values: str | None) -> Drop:
    """``drop`` with the cells of source row ``row`` of ``extract`` set to ``values``."""
    raw = drop.extracts[extract]
    at_row = pl.col(SOURCE_ROW) == row
    frame = raw.frame.with_columns(
        pl.when(at_row).then(pl.lit(value, pl.String)).otherwise(pl.col(name)).alias(name)
        for name, value in values.items()
    )
    extracts = {**drop.extracts, extract: dataclasses.replace(raw, frame=frame)}
    return dataclasses.replace(drop, extracts=extracts)


# Columns that tell rows apart (so copies of a row never share a key or period owner).
_IDENTITY: dict[ExtractName, tuple[str, ...]] = {
    "staff": ("employee_id",),
    "agency": ("assignment_id", "worker_id"),
    "establishment": ("team",),
    "absence": (),
}


def _rows_of(drop: Drop, extract: ExtractName, column: str, values: list[str | None]) -> Drop:
    """``drop`` with ``extract`` holding one copy of its first row per value of ``column``
    (source rows 2, 3, ...), each with its own identity."""
    raw = drop.extracts[extract]
    first = raw.frame.head(1)
    rows = pl.concat([first] * len(values)).with_columns(
        pl.int_range(2, len(values) + 2, dtype=pl.Int64).alias(SOURCE_ROW),
        pl.Series(column, values, dtype=pl.String),
        *(
            pl.concat_str(pl.col(name), pl.int_range(len(values)).cast(pl.String)).alias(name)
            for name in _IDENTITY[extract]
            if name != column
        ),
    )
    extracts = {**drop.extracts, extract: dataclasses.replace(raw, frame=rows)}
    return dataclasses.replace(drop, extracts=extracts)


def _rules_by_row(result: ValidationResult, extract: str) -> dict[int, set[str]]:
    by_row: dict[int, set[str]] = {}
    for _, row, _, rule in (
        result.findings.filter(pl.col("extract") == extract)
        .select("extract", "row", "column", "rule")
        .iter_rows()
    ):
        by_row.setdefault(row, set()).add(rule)
    return by_row


def _validate(drop: Drop) -> ValidationResult:
    return validate_drop(drop, AS_OF, 1.0)


def _publish(drop: Drop, result: ValidationResult, output: Path) -> dict[str, Path]:
    """The nightly run's report and published files for a validated drop (the flow's steps
    without Prefect)."""
    settings = read_settings(None)
    report = compute_report.fn(result, drop, AS_OF, settings, read_benchmarks.fn(settings))
    return write_outputs.fn(output, report, settings)


def _check_published(published: dict[str, Path]) -> pl.DataFrame:
    """The published workbook opens, and ``data_quality.csv`` holds no cell a spreadsheet
    would run as a formula; returns ``data_quality.csv`` as text."""
    (workbook,) = (path for name, path in published.items() if name.endswith(".xlsx"))
    openpyxl.load_workbook(workbook).close()
    written = pl.read_csv(published["data_quality.csv"], infer_schema=False)
    for name in written.columns:
        for text in written.get_column(name).drop_nulls():
            assert not text.startswith(FORMULA_TRIGGERS), (name, text)
    return written


def _found(result: ValidationResult, extract: str) -> set[tuple[int, str, str, str]]:
    findings = result.findings.filter(pl.col("extract") == extract)
    return set(findings.select("row", "column", "rule", "severity").iter_rows())


# Exact decimals: compared as written, never rounded to a float first.


@pytest.mark.parametrize(
    ("text", "bound", "sign"),
    [
        ("1", 1, 0),
        ("1.000000000000000000", 1, 0),
        ("1.00000000000000001", 1, 1),
        ("0.99999999999999999999", 1, -1),
        ("+1", 1, 0),
        ("01.0", 1, 0),
        ("-0", 0, 0),
        ("-0.000", 0, 0),
        ("-0.0001", 0, -1),
        (".5", 0, 1),
        ("5.", 1, 1),
        ("0", 0, 0),
        ("12345678901234567890123", 1, 1),
        ("abc", 1, None),
        (None, 1, None),
    ],
)
def test_decimals_compare_exactly_as_written(
    text: str | None, bound: int, sign: int | None
) -> None:
    frame = pl.DataFrame({"n": [text]}, schema={"n": pl.String})
    assert frame.select(decimal_sign("n", bound)).item() == sign


FTE_CASES: list[tuple[str, set[str]]] = [
    ("1", set()),
    ("1.000000000000000000", set()),
    ("1.00000000000000001", {"fte_range"}),
    ("0.00000000000000001", set()),
    ("-0", {"fte_range"}),
    ("999999999.999", {"fte_range"}),
    ("1000000000", {"fte_range", "number_range"}),
    ("-1000000000.5", {"fte_range", "number_range"}),
    ("1e9", {"number_format"}),
]


def test_fte_range_and_number_size_boundaries(tmp_path: Path) -> None:
    drop = _rows_of(_drop(tmp_path), "staff", "fte", [fte for fte, _ in FTE_CASES])
    by_row = _rules_by_row(_validate(drop), "staff")
    for row, (fte, rules) in enumerate(FTE_CASES, start=2):
        assert by_row.get(row, set()) == rules, fte


def test_every_decimal_is_below_10_to_the_9_in_size(tmp_path: Path) -> None:
    huge = "1" + "0" * 23  # 1e23 written out: once a polars overflow in the metrics
    drop = _drop(tmp_path)
    for extract, column in (
        ("agency", "weekly_cost"),
        ("establishment", "funded_fte"),
        ("absence", "working_days_lost"),
    ):
        drop = _rows_of(drop, extract, column, ["999999999.999", huge])  # type: ignore[arg-type]
    result = _validate(drop)
    for extract, column in (
        ("agency", "weekly_cost"),
        ("establishment", "funded_fte"),
        ("absence", "working_days_lost"),
    ):
        assert _found(result, extract) == {(3, column, "number_range", E)}
        finding = result.findings.filter(
            (pl.col("extract") == extract) & (pl.col("rule") == "number_range")
        ).row(0, named=True)
        assert finding["value"] == huge
        assert finding["message"] == (
            f"{column} must be a number below 1,000,000,000 in size; got {huge}"
        )
        assert getattr(result.extracts, extract).get_column(SOURCE_ROW).to_list() == [2]


# Text length.


def test_a_value_may_be_1000_characters_but_not_1001(tmp_path: Path) -> None:
    drop = _edited(_drop(tmp_path), "staff", 2, team="T" * 1000)
    drop = _edited(drop, "staff", 3, team="T" * 1001)
    result = _validate(drop)
    assert _found(result, "staff") == {(3, "team", "text_length", E)}
    finding = result.findings.row(0, named=True)
    assert finding["value"] == "T" * 100 + "…"
    assert finding["message"] == (
        "team is 1001 characters long; a value may be at most 1,000 characters "
        "(the value is shown cut short)"
    )


# Control characters, NUL included, in every kind of column.


CONTROL_CASES: list[tuple[str, str, str, set[str]]] = [
    ("team", "Team\x00A", "Team\\x00A", set()),  # text
    ("role", "SW\x00", "SW\\x00", {"code_list"}),  # code
    ("leaving_reason", "1\x00", "1\\x00", {"code_list"}),  # reason code
    ("fte", "1\x00", "1\\x00", {"number_format"}),  # decimal
    ("end_date", "2025-01-31\x00", "2025-01-31\\x00", {"date_format"}),  # date
    ("job_title", "Social\x1bworker", "Social\\x1Bworker", set()),  # ESC
    ("team", "Team\x85A", "Team\\x85A", set()),  # a C1 control
    ("team", "Team\ufffe", "Team\\uFFFE", set()),  # not a character
]


def test_a_control_character_in_any_column_is_an_error_never_stripped(tmp_path: Path) -> None:
    drop = _drop(tmp_path)
    frame = pl.concat([drop.extracts["staff"].frame.head(1)] * len(CONTROL_CASES))
    frame = frame.with_columns(
        pl.int_range(2, len(CONTROL_CASES) + 2, dtype=pl.Int64).alias(SOURCE_ROW),
        pl.format("E{}", pl.int_range(len(CONTROL_CASES))).alias("employee_id"),
    )
    for row, (column, text, _, _) in enumerate(CONTROL_CASES, start=2):
        frame = frame.with_columns(
            pl.when(pl.col(SOURCE_ROW) == row).then(pl.lit(text)).otherwise(pl.col(column))
            .alias(column)
        )  # fmt: skip
    staff = dataclasses.replace(drop.extracts["staff"], frame=frame)
    result = _validate(dataclasses.replace(drop, extracts={**drop.extracts, "staff": staff}))
    found = _found(result, "staff")
    for row, (column, _, shown, also) in enumerate(CONTROL_CASES, start=2):
        expected = {(row, column, "control_character", E)} | {(row, column, r, E) for r in also}
        assert {f for f in found if f[0] == row} == expected, column
        control = result.findings.filter(
            (pl.col("row") == row) & (pl.col("rule") == "control_character")
        )
        assert control.get_column("value").to_list() == [shown]
    for finding in result.findings.iter_rows(named=True):
        assert "\x00" not in finding["message"]
        assert "\x00" not in (finding["value"] or "")
    assert result.extracts.staff.height == 0


def test_tabs_and_line_breaks_inside_a_value_are_text(tmp_path: Path) -> None:
    result = _validate(_edited(_drop(tmp_path), "staff", 2, job_title="Social\tworker\nsenior"))
    assert _found(result, "staff") == set()


def test_each_cell_breaking_a_cell_rule_is_its_own_finding(tmp_path: Path) -> None:
    drop = _edited(_drop(tmp_path), "staff", 2, team="A\x00", service_area="B\x01", fte="1\x02")
    result = _validate(drop)
    cells = result.findings.filter(pl.col("rule") == "control_character")
    assert cells.get_column("column").to_list() == ["team", "service_area", "fte"]
    assert cells.get_column("message").to_list()[0] == (
        "team contains a control character (shown as \\xNN or \\uNNNN in the value); "
        "remove it and export the extract again"
    )


def test_shown_text_keeps_ordinary_values_exactly() -> None:
    values = ["Team A", "  spaced  ", "=1+1", "é ü ß", None]
    frame = pl.DataFrame({"v": values}, schema={"v": pl.String})
    assert frame.select(shown_text(pl.col("v"))).to_series().to_list() == values


# The record a finding is about, and whether it touches the as-of date's figures.


def test_findings_name_the_record_and_whether_it_is_current(tmp_path: Path) -> None:
    drop = _drop(tmp_path)
    drop = _edited(drop, "staff", 2, fte="2")  # open spell from 2020: current
    drop = _edited(drop, "staff", 3, fte="2")  # ended 2023-05-31, within 12 months of D
    drop = _edited(drop, "agency", 2, fte="2", end_date="2023-03-31")  # ended a year before D
    drop = _edited(drop, "caseloads", 2, worker_kind="robot")
    drop = _edited(drop, "establishment", 2, funded_fte="0")  # 2020-01-01 to 2023-12-31
    drop = _edited(drop, "absence", 2, reason="XXX", start_date="2025-01-01", end_date=None)
    result = _validate(drop)
    details = {
        (f["extract"], f["row"]): (f["record_key"], f["current"])
        for f in result.findings.iter_rows(named=True)
    }
    assert details == {
        ("staff", 2): ("employee E1 (spell from 2020-01-01)", True),
        ("staff", 3): ("employee E2 (spell from 2021-06-01)", True),
        ("agency", 2): ("assignment A1", False),
        ("caseloads", 2): ("allocation C1", True),
        ("establishment", 2): ("team Team A / role SW from 2020-01-01", True),
        ("absence", 2): ("absence of employee E1 from 2025-01-01", False),  # after D
    }
    assert result.findings.schema == pl.Schema(REPORT_FINDINGS_SCHEMA)


def test_record_details_of_unreadable_dates_and_keys_are_null() -> None:
    raw = pl.DataFrame(
        {
            SOURCE_ROW: [2, 3, 4, 5],
            "employee_id": ["E1", None, "E3", "E4"],
            "start_date": ["2020-01-01", "2020-01-01", "01/01/2020", "2024-03-31"],
            "end_date": ["2023-04-01", None, None, "31/12/2024"],
        }
    )
    details = record_details("staff", raw, AS_OF)
    assert details.rows() == [
        (2, "employee E1 (spell from 2020-01-01)", True),  # ended the day after D - 1 year
        (3, None, True),
        (4, "employee E3 (spell from 01/01/2020)", None),
        (5, "employee E4 (spell from 2024-03-31)", None),
    ]
    ended_on_year_back = raw.with_columns(pl.lit("2023-03-31").alias("end_date")).head(1)
    assert record_details("staff", ended_on_year_back, AS_OF).item(0, "current") is False


def test_reader_findings_get_the_record_details_of_their_row(tmp_path: Path) -> None:
    drop = _drop(tmp_path)
    staff = drop.extracts["staff"]
    reader_finding = pl.DataFrame(
        {
            "extract": ["staff"],
            "row": [3],
            "column": ["team"],
            "rule": ["excel_error"],
            "severity": [E],
            "value": ["#REF!"],
            "message": ["team is an Excel error (#REF!)"],
        }
    )
    edited = dataclasses.replace(staff, findings=reader_finding)
    result = _validate(dataclasses.replace(drop, extracts={**drop.extracts, "staff": edited}))
    finding = result.findings.row(0, named=True)
    assert (finding["rule"], finding["record_key"], finding["current"]) == (
        "excel_error",
        "employee E2 (spell from 2021-06-01)",
        True,
    )
    assert result.extracts.staff.get_column(SOURCE_ROW).to_list() == [2]


# No child reference in any finding or message.


def test_caseloads_findings_never_show_a_child_reference(tmp_path: Path) -> None:
    drop = _edited(_drop(tmp_path), "caseloads", 2, child_ref="CH1\x00", worker_id="E1\x00")
    drop = _edited(drop, "caseloads", 3, child_ref="C" * 1001)
    result = _validate(drop)
    assert _found(result, "caseloads") == {
        (2, "child_ref", "control_character", E),
        (2, "worker_id", "control_character", E),
        (3, "child_ref", "text_length", E),
    }
    assert result.findings.get_column("value").to_list() == [None, None, None]
    text = " ".join(str(v) for row in result.findings.rows() for v in row)
    assert "CH1" not in text
    assert "CCC" not in text
    assert "allocation C1" in text  # the key HR can look up instead


def test_a_known_worker_id_is_shown(tmp_path: Path) -> None:
    result = _validate(_edited(_drop(tmp_path), "caseloads", 2, worker_id="E1" + "x" * 1000))
    # not a known worker (E1 followed by text): withheld
    assert result.findings.get_column("value").to_list() == [None]
    drop = _drop(tmp_path / "known")
    staff = drop.extracts["staff"]
    long_id = "E" + "9" * 1000
    drop = _edited(drop, "staff", 3, employee_id=long_id)
    drop = _edited(drop, "caseloads", 2, worker_id=long_id)
    shown = _validate(drop).findings.filter(pl.col("extract") == "caseloads")
    assert shown.get_column("value").to_list() == ["E" + "9" * 99 + "…"]
    assert staff.frame.height == 2


def test_caseloads_with_swapped_columns_are_refused_without_echoing_them(tmp_path: Path) -> None:
    drop = read_drop(drop_with(tmp_path, "caseloads_swapped"))
    with pytest.raises(RunFailure) as refusal:
        validate_drop(drop, AS_OF, 1.0)
    message = str(refusal.value)
    assert message == (
        "caseloads.csv: 2 of 2 allocations name a worker_id found in neither the staff nor "
        "the agency extract, so the file cannot be read as caseloads: its columns are "
        "probably swapped (child_ref and worker_id?); check its header and send it again"
    )
    assert "CH1" not in message
    assert "CH2" not in message


def test_caseloads_with_half_their_workers_unknown_are_read(tmp_path: Path) -> None:
    # The refusal is for more than half: one unknown of two is an uncounted allocation.
    result = _validate(_edited(_drop(tmp_path), "caseloads", 2, worker_id="E404"))
    assert _found(result, "caseloads") == set()
    assert result.extracts.caseloads is not None
    assert result.extracts.caseloads.height == 2


# data_quality.csv is safe to open in a spreadsheet; metrics.csv is untouched.


def test_data_quality_csv_neutralises_formulas(tmp_path: Path) -> None:
    values = ["=cmd|' /C calc'!A0", "@evil", "=1+1", "-5", "+44 1234", "\tx", "\rx", "Team A", None]
    findings = pl.DataFrame(
        {
            "extract": ["staff"] * len(values),
            "row": list(range(2, len(values) + 2)),
            "column": ["=team"] + ["team"] * (len(values) - 1),
            "rule": ["code_list"] * len(values),
            "severity": [E] * len(values),
            "value": values,
            "message": [f"got {v}" if v else "=HYPERLINK()" for v in values],
        }
    )
    path = tmp_path / "data_quality.csv"
    write_findings_csv(findings, path)
    written = pl.read_csv(path, infer_schema=False)
    assert written.get_column("value").to_list() == [
        "'=cmd|' /C calc'!A0", "'@evil", "'=1+1", "'-5", "'+44 1234", "'\tx", "'\rx", "Team A",
        None,
    ]  # fmt: skip
    assert written.get_column("column").to_list()[:2] == ["'=team", "team"]
    assert written.get_column("message").to_list()[-1] == "'=HYPERLINK()"
    assert written.get_column("message").to_list()[0] == "got =cmd|' /C calc'!A0"
    assert neutralised_for_csv(findings).get_column("row").to_list() == findings["row"].to_list()


# Bad-input cases whose harm was in the published files (issue 12): each publishes a
# workbook that opens, a data_quality.csv safe in a spreadsheet, one count of findings on
# the Summary and in the CSV, and no child reference anywhere.

_CHILD_REFERENCE = re.compile(rb"\bCH[0-9]+\b")


@pytest.mark.parametrize(
    "case",
    ["noncharacter", "number_size", "formula_injection", "uncounted_allocations",
     "xlsx_error_cells"],
)  # fmt: skip
def test_a_bad_input_publishes_safe_files_with_one_count(tmp_path: Path, case: str) -> None:
    drop = _drop(tmp_path, case)
    result = _validate(drop)
    published = _publish(drop, result, tmp_path / "out")
    written = _check_published(published)
    errors = written.filter(pl.col("severity") == E).select("extract", "row").unique()
    warnings = written.filter(pl.col("severity") == W).height
    (workbook,) = (path for name, path in published.items() if name.endswith(".xlsx"))
    book = openpyxl.load_workbook(workbook)
    summary = " ".join(
        str(cell) for row in book["Summary"].iter_rows(values_only=True) for cell in row if cell
    )
    rows = "row" if errors.height == 1 else "rows"
    warned = "warning" if warnings == 1 else "warnings"
    assert f"{errors.height} {rows} quarantined and {warnings} {warned}" in summary
    for path in published.values():
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as parts:
                content = b"".join(parts.read(name) for name in parts.namelist())
        else:
            content = path.read_bytes()
        assert not _CHILD_REFERENCE.search(content), path.name


def test_an_allocation_naming_an_unknown_worker_is_counted_without_its_id(
    tmp_path: Path,
) -> None:
    drop = _drop(tmp_path, "uncounted_allocations")
    written = _check_published(_publish(drop, _validate(drop), tmp_path / "out"))
    uncounted = written.filter(pl.col("rule") == "unknown_worker")
    assert uncounted.select("extract", "row", "severity", "value").rows() == [
        ("caseloads", "4", W, None)
    ]


# The column contract: an optional column needs no change to any extract file.


def test_an_optional_column_is_declared_once_and_generates_its_rules(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from transforms import rules

    optional = ColumnSpec("grade", "text", nullable=True, required_header=False)
    monkeypatch.setitem(EXTRACT_COLUMNS, "staff", (*EXTRACT_COLUMNS["staff"], optional))
    rules.extract_rules.cache_clear()
    try:
        suite = build_suite("staff")
        cells = {e["meta"]["rule"]: e["meta"].get("cells", []) for e in suite["expectations"]}
        assert "grade" in cells["control_character"]
        assert "grade" in cells["text_length"]
        assert not any(e["meta"]["column"] == "grade" for e in suite["expectations"])
        # End to end: the valid staff file has no grade column and is not touched.
        result = validate_drop(read_drop(drop_with(tmp_path)), AS_OF, 1.0)
        assert result.findings.is_empty()
        assert result.extracts.staff.get_column("grade").to_list() == [None, None]
    finally:
        rules.extract_rules.cache_clear()


# Property: whatever hostile values land in whatever cells, validation names every one of
# them, or refuses in one line; it never crashes, every row read is kept, quarantined or
# held back, and the run publishes a workbook that opens and a data_quality.csv that holds
# no formula.

_HOSTILE = st.sampled_from(
    [
        "1\x00",
        "\x00",
        "Team\x07",
        "x\ufffe",
        "9" * 10,
        "-" + "9" * 12 + ".5",
        "T" * 1001,
        "Team\uffff",
        "=cmd|' /C calc'!A0",
        "@SUM(1)",
    ]
)
_CELLS = [
    (extract, spec.name)
    for extract in ("staff", "agency", "caseloads", "establishment", "absence")
    for spec in EXTRACT_COLUMNS[extract]
]


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.tuples(st.sampled_from(_CELLS), st.integers(min_value=2, max_value=3), _HOSTILE),
        min_size=1,
        max_size=6,
    )
)
def test_hostile_values_are_named_or_refused_never_a_crash(
    tmp_path_factory: pytest.TempPathFactory,
    injected: list[tuple[tuple[str, str], int, str]],
) -> None:
    drop = _drop(tmp_path_factory.mktemp("hostile"))
    final: dict[tuple[str, int, str], str] = {}
    for (extract, column), row, text in injected:
        if row in drop.extracts[extract].frame.get_column(SOURCE_ROW).to_list():  # type: ignore[index]
            drop = _edited(drop, extract, row, **{column: text})  # type: ignore[arg-type]
            final[(extract, row, column)] = text
    refusal: str | None
    try:
        result = _validate(drop)
    except RunFailure as error:  # a refusal is one line
        refusal = str(error)
    else:
        refusal = None
    if refusal is not None:
        assert "\n" not in refusal
        return
    _check_published(_publish(drop, result, tmp_path_factory.mktemp("published")))
    named = set(result.findings.select("extract", "row", "column").iter_rows())
    for (extract, row, column), text in final.items():
        numeric = any(s.name == column and s.kind == "decimal" for s in EXTRACT_COLUMNS[extract])  # type: ignore[index]
        hostile = (
            any(ord(c) < 0x20 or c in "\ufffe\uffff" for c in text) or len(text) > 1000 or numeric
        )
        if hostile:
            assert (extract, row, column) in named, (extract, row, column, text)
    for summary in result.summaries:
        clean = getattr(result.extracts, summary.extract)
        assert summary.rows_read == (
            clean.height + summary.rows_quarantined + summary.rows_held_back
        )
