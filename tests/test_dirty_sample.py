"""The clean sample plus bad rows: the bad rows are quarantined and reported, and the
metrics are exactly those of the clean sample (issue: validation HR can act on).

Grain: one validated drop per test; metrics for a handful of month-ends.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import polars as pl
import pytest

from tests.builders import DEFAULT_PARAMS
from tests.locations import SAMPLE_DROP
from transforms.metrics import compute_metrics
from workforce.extract_io import read_drop
from workforce.validation import ValidationResult, validate_drop

AS_OF = dt.date(2026, 11, 20)
DATES = [dt.date(2023, 3, 31), dt.date(2024, 3, 31), dt.date(2025, 3, 31), AS_OF]

STAFF = "employee_id,swe_number,job_title,role,team,service_area,fte,contract_type,start_date,end_date,leaving_reason,start_origin"
# Bad rows that share no key or period with any clean row: each must be quarantined alone.
BAD_ROWS: dict[str, list[tuple[str, str]]] = {
    "staff": [
        (
            "E900001,SW900001,Social Worker,SW,Ghost Team,Ghost Area,1.5,permanent,2024-01-01,,,1",
            "fte_range",
        ),
        (
            "E900002,SW900002,Social Worker,SW,Ghost Team,Ghost Area,1,permanent,2024-01-01,2023-01-01,1,1",
            "end_before_start",
        ),
        (
            "E900003,SW900003,Social Worker,XYZ,Ghost Team,Ghost Area,1,permanent,2024-01-01,,,1",
            "code_list",
        ),
        (
            "E900004,,Social Worker,SW,Ghost Team,Ghost Area,1,permanent,2024-01-01,,,1",
            "swe_number_required",
        ),
        (
            "E900005,SW900005,Social Worker,SW,Ghost Team,Ghost Area,1,permanent,31/01/2024,,,1",
            "date_format",
        ),
    ],
    "agency": [
        (
            "ASG900001,AGW900001,SW900011,Ghost Agency,SW,Ghost Team,Ghost Area,1,2024-01-01,,-5",
            "weekly_cost_range",
        ),
        (
            "ASG900002,AGW900002,SW900012,Ghost Agency,SW,Ghost Team,Ghost Area,1,2024-01-01,2024-06-30,2000",
            "overlap",
        ),
        (
            "ASG900003,AGW900002,SW900012,Ghost Agency,SW,Ghost Team,Ghost Area,1,2024-06-01,,2000",
            "overlap",
        ),
    ],
    "caseloads": [
        ("AL9000001,C900001,E000376,contractor,2024-01-01,", "code_list"),
        ("AL9000002,C900002,E000376,employee,2024-01-01,2023-01-01", "end_before_start"),
    ],
    "establishment": [
        ("Ghost Team,Ghost Area,SW,0,2024-01-01,", "funded_fte_range"),
    ],
    "absence": [
        ("E999999,2024-01-10,2024-01-12,3,SIC", "unknown_employee"),
        ("E000376,2021-09-20,2021-09-21,1,XXX", "code_list"),
    ],
}


def _validate(drop_dir: Path) -> ValidationResult:
    return validate_drop(read_drop(drop_dir, AS_OF), AS_OF, 0.05)


@pytest.fixture(scope="module")
def clean() -> ValidationResult:
    return _validate(SAMPLE_DROP)


def _dirty_drop(tmp_path: Path) -> tuple[Path, dict[str, dict[int, str]]]:
    """Copy the sample and append the bad rows; return their source row numbers."""
    drop = tmp_path / "drop"
    shutil.copytree(SAMPLE_DROP, drop)
    appended: dict[str, dict[int, str]] = {}
    for extract, rows in BAD_ROWS.items():
        path = drop / f"{extract}.csv"
        existing = path.read_text().splitlines()
        first_row = len(existing) + 1  # header is row 1
        path.write_text("\n".join(existing + [line for line, _ in rows]) + "\n")
        appended[extract] = {first_row + i: rule for i, (_, rule) in enumerate(rows)}
    return drop, appended


def test_bad_rows_are_reported_exactly_and_metrics_are_the_clean_ones(
    tmp_path: Path, clean: ValidationResult
) -> None:
    drop, appended = _dirty_drop(tmp_path)
    dirty = _validate(drop)

    errors = dirty.findings.filter(pl.col("severity") == "error")
    reported = {(e, r) for e, r in errors.select("extract", "row").iter_rows()}
    expected = {(extract, row) for extract, rows in appended.items() for row in rows}
    assert reported == expected
    for extract, rows in appended.items():
        for row, rule in rows.items():
            rules = errors.filter((pl.col("extract") == extract) & (pl.col("row") == row))
            assert rule in rules["rule"].to_list(), (extract, row, rules)
    # warnings of the clean rows are unchanged; no clean row became an error
    clean_warnings = clean.findings.filter(pl.col("severity") == "warning")
    assert dirty.findings.filter(pl.col("severity") == "warning").equals(clean_warnings)
    assert clean.findings.filter(pl.col("severity") == "error").height == 0

    params = DEFAULT_PARAMS
    assert compute_metrics(dirty.extracts, DATES, params).equals(
        compute_metrics(clean.extracts, DATES, params)
    )


def test_a_bad_row_duplicating_a_clean_key_quarantines_both(tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    shutil.copytree(SAMPLE_DROP, drop)
    staff = drop / "staff.csv"
    lines = staff.read_text().splitlines()
    assert lines[0] == STAFF
    clean_line = lines[1]  # source row 2
    key = clean_line.split(",")
    duplicate = ",".join([*key[:4], "Ghost Team", *key[5:]])  # same employee_id and start_date
    staff.write_text("\n".join([*lines, duplicate]) + "\n")
    duplicate_row = len(lines) + 1

    result = _validate(drop)
    clashing = result.findings.filter(pl.col("rule") == "duplicate_key")
    assert set(clashing["row"].to_list()) == {2, duplicate_row}
    assert set(clashing["severity"].to_list()) == {"error"}
    kept_rows = set(result.extracts.staff["source_row"].to_list())
    assert 2 not in kept_rows
    assert duplicate_row not in kept_rows
