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
from tests.drops import dirty_sample_drop
from tests.locations import SAMPLE_DROP
from transforms.metrics import compute_metrics
from workforce.extract_io import read_drop
from workforce.validation import ValidationResult, validate_drop

AS_OF = dt.date(2026, 11, 20)
DATES = [dt.date(2023, 3, 31), dt.date(2024, 3, 31), dt.date(2025, 3, 31), AS_OF]

STAFF = "employee_id,swe_number,job_title,role,team,service_area,fte,contract_type,start_date,end_date,leaving_reason,start_origin"


def _validate(drop_dir: Path) -> ValidationResult:
    return validate_drop(read_drop(drop_dir, AS_OF), AS_OF, 0.05)


@pytest.fixture(scope="module")
def clean() -> ValidationResult:
    return _validate(SAMPLE_DROP)


def test_bad_rows_are_reported_exactly_and_metrics_are_the_clean_ones(
    tmp_path: Path, clean: ValidationResult
) -> None:
    drop, appended = dirty_sample_drop(tmp_path)
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
