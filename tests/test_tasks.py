"""Task logic called directly with ``task.fn`` (no Prefect server needed)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from flows.tasks import locate_drop, read_benchmarks, validate_extracts
from tests.locations import SAMPLE_DROP, SAMPLE_INCOMING
from workforce.extract_io import read_drop
from workforce.settings import BenchmarkSettings, load_settings


def test_locate_drop_picks_the_newest_drop_on_or_before_the_date() -> None:
    path, drop_date = locate_drop.fn(SAMPLE_INCOMING, dt.date(2026, 11, 23))
    assert path == SAMPLE_DROP
    assert drop_date == dt.date(2026, 11, 20)


def test_no_benchmark_file_configured_means_no_comparison_and_no_warning() -> None:
    benchmarks = read_benchmarks.fn(load_settings())
    assert benchmarks.indicators is None
    assert benchmarks.findings.height == 0


def test_unreadable_benchmark_file_becomes_a_warning(tmp_path: Path) -> None:
    broken = tmp_path / "dfe.csv"
    broken.write_text("time_period,la_name\n2025,Bradford\n")
    settings = load_settings().model_copy(
        update={"benchmarks": BenchmarkSettings(dfe_indicator_file=broken)}
    )
    benchmarks = read_benchmarks.fn(settings)
    assert benchmarks.indicators is None
    assert benchmarks.findings["rule"].to_list() == ["benchmark_file"]


def test_validation_counts_rows_read_per_extract() -> None:
    as_of = dt.date(2026, 11, 20)
    validation = validate_extracts.fn(read_drop(SAMPLE_DROP, as_of), as_of, load_settings())
    rows_read = validation.rows_read
    assert list(rows_read) == ["staff", "agency", "caseloads", "establishment", "absence"]
    staff_rows = len((SAMPLE_DROP / "staff.csv").read_text().splitlines()) - 1
    assert rows_read["staff"] == staff_rows
