"""Validating drops with the GX suites: the bad-input corpus, quarantine, clean frames."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from tests.drops import drop_with
from transforms.rules import check_frame, extract_rules
from transforms.schema import (
    EXTRACT_COLUMNS,
    EXTRACT_NAMES,
    REPORT_FINDINGS_SCHEMA,
    SOURCE_ROW,
    ExtractName,
    clean_schema,
    required_headers,
    sort_findings,
)
from workforce.errors import RunFailure
from workforce.extract_io import read_drop
from workforce.suites import main as suites_main
from workforce.suites import stale_suites
from workforce.validation import (
    FindingSpec,
    QuarantineLimitExceeded,
    ValidationResult,
    load_suite,
    validate_drop,
)

AS_OF = dt.date(2024, 3, 31)
STAFF_HEADER = ",".join(required_headers("staff"))
ABSENCE_HEADER = ",".join(required_headers("absence"))

Finding = tuple[str | None, int | None, str | None, str, str]


def _validate(drop: Path, share: float = 1.0, as_of: dt.date = AS_OF) -> ValidationResult:
    return validate_drop(read_drop(drop), as_of, share)


def _findings(result: ValidationResult) -> set[Finding]:
    return set(result.findings.select("extract", "row", "column", "rule", "severity").iter_rows())


def _clean_rows(result: ValidationResult, extract: ExtractName) -> list[int]:
    frame = getattr(result.extracts, extract)
    return sorted(frame.get_column(SOURCE_ROW).to_list())


E, W = "error", "warning"

CORPUS: list[tuple[str, set[Finding]]] = [
    ("required", {("staff", 3, "team", "required", E)}),
    ("date_format", {("staff", 3, "start_date", "date_format", E)}),
    ("date_not_in_calendar", {("staff", 3, "end_date", "date_format", E)}),
    ("fte_range", {("staff", 3, "fte", "fte_range", E), ("staff", 4, "fte", "fte_range", E)}),
    ("number_format", {("staff", 3, "fte", "number_format", E)}),
    ("end_before_start", {("staff", 3, "end_date", "end_before_start", E)}),
    (
        "code_list",
        {
            ("staff", 3, "role", "code_list", E),
            ("staff", 3, "contract_type", "code_list", E),
            ("staff", 3, "leaving_reason", "code_list", E),
            ("staff", 3, "start_origin", "code_list", E),
        },
    ),
    ("swe_number_format", {("staff", 3, "swe_number", "swe_number_format", E)}),
    ("swe_number_required", {("staff", 3, "swe_number", "swe_number_required", E)}),
    (
        "duplicate_key",
        {
            ("staff", 2, "employee_id", "duplicate_key", E),
            ("staff", 3, "employee_id", "duplicate_key", E),
            ("staff", 2, "employee_id", "overlap", E),
            ("staff", 3, "employee_id", "overlap", E),
        },
    ),
    (
        "overlap",
        {("staff", 2, "employee_id", "overlap", E), ("staff", 4, "employee_id", "overlap", E)},
    ),
    ("leaving_reason_missing", {("staff", 3, "leaving_reason", "leaving_reason_missing", W)}),
    ("ignored_column", {("staff", None, "Line manager", "ignored_column", W)}),
    (
        "agency_duplicate_key",
        {
            ("agency", 2, "assignment_id", "duplicate_key", E),
            ("agency", 3, "assignment_id", "duplicate_key", E),
        },
    ),
    (
        "agency_overlap",
        {("agency", 2, "worker_id", "overlap", E), ("agency", 3, "worker_id", "overlap", E)},
    ),
    ("weekly_cost_range", {("agency", 3, "weekly_cost", "weekly_cost_range", E)}),
    ("weekly_cost_missing", {("agency", 3, "weekly_cost", "weekly_cost_missing", W)}),
    (
        "caseloads_rules",
        {
            ("caseloads", 2, "allocation_id", "duplicate_key", E),
            ("caseloads", 3, "allocation_id", "duplicate_key", E),
            ("caseloads", 4, "worker_kind", "code_list", E),
            ("caseloads", 4, "allocated_to", "end_before_start", E),
        },
    ),
    ("funded_fte_range", {("establishment", 2, "funded_fte", "funded_fte_range", E)}),
    (
        "establishment_overlap",
        {("establishment", 2, "team", "overlap", E), ("establishment", 3, "team", "overlap", E)},
    ),
    (
        "absence_rules",
        {
            ("absence", 3, "employee_id", "unknown_employee", E),
            ("absence", 4, "working_days_lost", "working_days_range", E),
            ("absence", 4, "reason", "code_list", E),
        },
    ),
    (
        "absence_held_back",
        {
            ("staff", 3, "fte", "fte_range", E),
            ("staff", 4, "fte", "fte_range", E),
            ("absence", 3, "employee_id", "employee_held_back", W),
            ("absence", 4, "employee_id", "employee_held_back", W),
        },
    ),
    (
        "control_character",
        {
            ("staff", 3, "team", "control_character", E),
            ("staff", 3, "fte", "control_character", E),
            ("staff", 3, "end_date", "control_character", E),
            ("staff", 3, "fte", "number_format", E),
            ("staff", 3, "end_date", "date_format", E),
        },
    ),
    ("number_range", {("agency", 3, "weekly_cost", "number_range", E)}),
    ("decimal_exact", {("staff", 3, "fte", "fte_range", E)}),
    ("text_length", {("staff", 3, "team", "text_length", E)}),
    (
        "noncharacter",  # U+FFFE and U+FFFF, which XML (so a workbook) cannot carry
        {
            ("staff", 2, "team", "control_character", E),
            ("staff", 3, "job_title", "control_character", E),
        },
    ),
    (
        "number_size",  # sizes that once overflowed the metrics after passing validation
        {
            ("establishment", 2, "funded_fte", "number_range", E),
            ("absence", 2, "working_days_lost", "number_range", E),
        },
    ),
    (
        "formula_injection",  # values a spreadsheet would run: named, and quoted in the CSV
        {
            ("staff", 2, "fte", "number_format", E),
            ("staff", 3, "role", "code_list", E),
            ("staff", 3, "leaving_reason", "code_list", E),
            ("staff", 3, "start_date", "date_format", E),
        },
    ),
    (
        "xlsx_formula_without_value",
        {
            ("staff", 2, "team", "formula_without_value", E),
            ("staff", 2, "team", "required", E),
            ("staff", 3, "fte", "formula_without_value", E),
            ("staff", 3, "fte", "required", E),
        },
    ),
    (
        "xlsx_error_cells",
        {
            ("staff", 2, "team", "excel_error", E),
            ("staff", 2, "team", "required", E),
            ("staff", 3, "team", "excel_error", E),
            ("staff", 3, "team", "required", E),
        },
    ),
    ("xlsx_hidden_first_sheet", {("staff", None, None, "hidden_sheet", W)}),
]


@pytest.mark.parametrize(("case", "expected"), CORPUS, ids=[case for case, _ in CORPUS])
def test_bad_input_gives_exactly_the_expected_findings(
    tmp_path: Path, case: str, expected: set[Finding]
) -> None:
    drop = read_drop(drop_with(tmp_path, case))
    result = validate_drop(drop, AS_OF, 1.0)
    assert _findings(result) == expected
    # Error rows, and only those, are missing from the clean frames.
    for summary in result.summaries:
        extract: ExtractName = summary.extract  # type: ignore[assignment]
        errors = {row for ext, row, _, _, sev in expected if ext == extract and sev == E}
        held_back = {
            row for ext, row, _, rule, _ in expected
            if ext == extract and rule == "employee_held_back"
        }  # fmt: skip
        read = drop.extracts[extract].frame.get_column(SOURCE_ROW).to_list()
        assert _clean_rows(result, extract) == sorted(set(read) - errors - held_back)
        assert summary.rows_quarantined == len(errors)
        assert summary.rows_held_back == len(held_back)


def test_findings_name_the_value_as_it_appeared_in_plain_english(tmp_path: Path) -> None:
    result = _validate(drop_with(tmp_path, "fte_range"))
    by_row = {(row["row"], row["rule"]): row for row in result.findings.iter_rows(named=True)}
    assert by_row[(3, "fte_range")]["value"] == "1.5"
    assert by_row[(3, "fte_range")]["message"] == "fte must be more than 0 and at most 1; got 1.5"
    assert by_row[(4, "fte_range")]["value"] == "0"


def test_duplicate_key_message_lists_both_rows(tmp_path: Path) -> None:
    result = _validate(drop_with(tmp_path, "duplicate_key"))
    messages = result.findings.filter(pl.col("rule") == "duplicate_key").get_column("message")
    assert (
        messages.to_list()
        == [
            "employee_id E1 has more than one spell starting 2020-01-01 (rows 2, 3); "
            "(employee_id, start_date) must be unique"
        ]
        * 2
    )
    assert _clean_rows(result, "staff") == []


def test_valid_drop_gives_typed_normalised_clean_frames(tmp_path: Path) -> None:
    drop = drop_with(tmp_path, extracts=("caseloads", "establishment", "absence"))
    (drop / "absence.csv").write_text(f"{ABSENCE_HEADER}\n E1 ,2024-01-08,,2.5, sic \n")
    result = _validate(drop)
    assert result.findings.height == 0
    for name in EXTRACT_NAMES:
        frame = getattr(result.extracts, name)
        assert frame.schema == pl.Schema(clean_schema(name)), name
    staff = result.extracts.staff
    assert staff.get_column("role").to_list() == ["SW", "FSW"]
    assert staff.get_column("leaving_reason").to_list() == [None, 1]
    assert staff.get_column("end_date").to_list() == [None, dt.date(2023, 5, 31)]
    absence = result.extracts.absence
    assert absence is not None
    assert absence.row(0) == (2, "E1", dt.date(2024, 1, 8), None, 2.5, "SIC")
    assert [s.rows_read for s in result.summaries] == [2, 1, 2, 2, 1]


def test_optional_extracts_absent_are_none(tmp_path: Path) -> None:
    result = _validate(drop_with(tmp_path))
    assert result.extracts.caseloads is None
    assert result.extracts.establishment is None
    assert result.extracts.absence is None
    assert [summary.extract for summary in result.summaries] == ["staff", "agency"]


def test_codes_match_ignoring_case(tmp_path: Path) -> None:
    result = _validate(drop_with(tmp_path, "caseloads_rules", "establishment_overlap"))
    caseloads = result.extracts.caseloads
    assert caseloads is not None
    assert caseloads.get_column("worker_kind").to_list() == []  # rows 2, 3 clash; 4 invalid
    establishment = result.extracts.establishment
    assert establishment is not None
    assert establishment.get_column("role").to_list() == ["SW"]  # "sw" clashed with "SW"


def test_a_row_invalid_for_another_reason_still_clashes(tmp_path: Path) -> None:
    drop = drop_with(tmp_path)
    (drop / "staff.csv").write_text(
        f"{STAFF_HEADER}\n"
        "E1,SW1,Social worker,SW,Team A,North,1.5,permanent,2020-01-01,,,\n"
        "E1,SW1,Social worker,SW,Team A,North,1,permanent,2022-01-01,,,\n"
        "E1,SW1,Social worker,SW,Team A,North,1,permanent,2023-13-01,,,\n"
    )
    findings = _findings(_validate(drop))
    assert findings == {
        ("staff", 2, "fte", "fte_range", E),
        ("staff", 2, "employee_id", "overlap", E),
        ("staff", 3, "employee_id", "overlap", E),
        # its period cannot be read, so it clashes with nothing
        ("staff", 4, "start_date", "date_format", E),
    }


def test_absence_of_an_employee_whose_staff_rows_were_all_quarantined_is_held_back(
    tmp_path: Path,
) -> None:
    # E2's only staff row is quarantined (fte 1.5): its absence is left out of the figures
    # with a warning, is not quarantined and does not count towards the absence limit;
    # E9 is on no staff row at all: an error, as before.
    drop = drop_with(tmp_path, "fte_range", extracts=("absence",))
    (drop / "absence.csv").write_text(
        f"{ABSENCE_HEADER}\nE1,2024-01-08,,2,SIC\nE2,2024-01-08,,2,SIC\nE9,2024-01-08,,2,SIC\n"
    )
    result = _validate(drop, share=0.7)  # staff: 2 of 3 quarantined
    findings = {f for f in _findings(result) if f[0] == "absence"}
    assert findings == {
        ("absence", 3, "employee_id", "employee_held_back", W),
        ("absence", 4, "employee_id", "unknown_employee", E),
    }
    assert _clean_rows(result, "absence") == [2]
    absence = result.summaries[-1]
    assert (absence.rows_read, absence.rows_quarantined, absence.rows_held_back) == (3, 1, 1)
    assert absence.warnings == 1
    held_back = result.findings.filter(pl.col("rule") == "employee_held_back").row(0, named=True)
    assert held_back["value"] == "E2"
    assert held_back["record_key"] == "absence of employee E2 from 2024-01-08"
    assert held_back["message"].startswith("every staff row of employee_id E2 was quarantined")


@pytest.mark.parametrize(
    ("as_of", "warned"), [(dt.date(2024, 3, 30), False), (dt.date(2024, 3, 31), True)]
)
def test_missing_leaving_reason_warns_once_the_spell_has_ended(
    tmp_path: Path, as_of: dt.date, warned: bool
) -> None:
    result = _validate(drop_with(tmp_path, "leaving_reason_missing"), as_of=as_of)
    assert (result.findings.height == 1) is warned
    assert _clean_rows(result, "staff") == [2, 3]  # a warning keeps the row


def test_quarantine_above_the_limit_fails_the_run(tmp_path: Path) -> None:
    drop = drop_with(tmp_path, "required")  # 1 of 2 staff rows quarantined
    assert _validate(drop, share=0.5).summaries[0].rows_quarantined == 1  # at the limit
    with pytest.raises(QuarantineLimitExceeded) as failure:
        _validate(drop, share=0.05)
    assert isinstance(failure.value, RunFailure)
    assert str(failure.value) == (
        "staff.csv: 1 of 2 rows (50.0%) failed validation, more than the 5% allowed; "
        "see the data-quality findings, mostly required (1 rows)"
    )
    assert failure.value.result.findings.height == 1


def test_header_only_extract_validates_to_an_empty_frame(tmp_path: Path) -> None:
    result = _validate(drop_with(tmp_path, "header_only"), share=0.0)
    assert result.extracts.staff.height == 0
    assert result.summaries[0].rows_read == 0


def test_xlsx_dates_typed_as_text(tmp_path: Path) -> None:
    drop = drop_with(tmp_path)
    (drop / "staff.csv").unlink()
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(STAFF_HEADER.split(","))
    row = ["E1", "SW1", "Social worker", "SW", "Team A", "North", 1, "permanent"]
    sheet.append([*row, dt.date(2020, 1, 1), "2021-03-31", 1, None])  # ISO text: accepted
    sheet.append([*row, "01/04/2021", None, None, None])  # other text: a date_format error
    workbook.save(drop / "staff.xlsx")
    result = _validate(drop)
    assert _findings(result) == {("staff", 3, "start_date", "date_format", E)}
    assert result.findings.get_column("value").to_list() == ["01/04/2021"]
    assert result.extracts.staff.get_column("end_date").to_list() == [dt.date(2021, 3, 31)]


def test_findings_have_the_report_schema_and_order(tmp_path: Path) -> None:
    result = _validate(drop_with(tmp_path, "code_list", "agency_overlap", "ignored_column"))
    assert result.findings.schema == pl.Schema(REPORT_FINDINGS_SCHEMA)
    assert result.findings.equals(sort_findings(result.findings))
    assert result.findings.get_column("extract").to_list()[0] == "agency"


# The suites themselves: readable JSON whose meta drives every finding.

RULE_IDS = {
    "required", "date_format", "number_format", "fte_range", "end_before_start",
    "code_list", "swe_number_format", "swe_number_required", "duplicate_key", "overlap",
    "weekly_cost_range", "funded_fte_range", "working_days_range", "unknown_employee",
    "leaving_reason_missing", "weekly_cost_missing", "employee_held_back",
    "control_character", "text_length", "number_range",
}  # fmt: skip


def _expectations(extract: ExtractName) -> list[dict[str, object]]:
    expectations: list[dict[str, object]] = load_suite(extract)["expectations"]
    return expectations


def test_every_expectation_names_its_rule_column_severity_and_message() -> None:
    rules: set[str] = set()
    for extract in EXTRACT_NAMES:
        columns = {column.name for column in EXTRACT_COLUMNS[extract]}
        for expectation in _expectations(extract):
            spec = FindingSpec.from_meta(extract, expectation["meta"])  # type: ignore[arg-type]
            assert {spec.column} <= columns if spec.column else set(spec.cells) <= columns
            rules.add(spec.rule)
    assert rules == RULE_IDS


def test_every_required_column_has_a_required_expectation() -> None:
    for extract in EXTRACT_NAMES:
        required = {
            expectation["meta"]["column"]  # type: ignore[index]
            for expectation in _expectations(extract)
            if expectation["meta"]["rule"] == "required"  # type: ignore[index]
        }
        assert required == {c.name for c in EXTRACT_COLUMNS[extract] if not c.nullable}


def test_the_suites_on_disk_are_generated_from_the_rules() -> None:
    assert stale_suites() == [], "run: python -m workforce.suites --write"
    assert suites_main(["--check"]) == 0


def test_every_expectation_checks_one_flag_that_check_frame_computes(tmp_path: Path) -> None:
    drop = read_drop(drop_with(tmp_path, extracts=("caseloads", "establishment", "absence")))
    for extract in EXTRACT_NAMES:
        checks = check_frame(extract, drop.extracts[extract].frame, as_of=AS_OF)
        for expectation, rule in zip(_expectations(extract), extract_rules(extract), strict=True):
            assert expectation["type"] == "expect_column_values_to_be_in_set"
            assert expectation["kwargs"] == {"column": rule.flag, "value_set": [False]}
            assert checks.get_column(rule.flag).dtype == pl.Boolean
            assert checks.get_column(rule.flag).null_count() == 0


def test_messages_name_only_columns_of_the_checked_frame(tmp_path: Path) -> None:
    drop = read_drop(drop_with(tmp_path, extracts=("caseloads", "establishment", "absence")))
    for extract in EXTRACT_NAMES:
        checks = check_frame(extract, drop.extracts[extract].frame, as_of=AS_OF)
        for expectation in _expectations(extract):
            placeholders = re.findall(r"\{(\w+)\}", expectation["meta"]["message"])  # type: ignore[index]
            extra = {"value", "column", "length"}
            assert set(placeholders) - extra <= set(checks.columns), expectation
