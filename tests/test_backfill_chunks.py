"""A backfill computed and written in chunks of dates gives the same metrics.csv as one
pass, and the chunks partition the dates in order."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from transforms.backfill import backfill_dates, date_chunks, rows_per_date_bound
from transforms.report import series_in_chunks, trust_rows
from transforms.targets import metrics_with_targets, targets_frame
from workforce.extract_io import read_drop
from workforce.outputs import MetricsCsvWriter, write_metrics_csv, write_metrics_csv_parts
from workforce.settings import load_settings
from workforce.validation import ValidationResult, validate_drop

SAMPLE_DROP = Path(__file__).resolve().parents[1] / "sample_data" / "incoming" / "2026-11-20"
D = dt.date


@pytest.fixture(scope="module")
def sample() -> ValidationResult:
    return validate_drop(read_drop(SAMPLE_DROP, D(2026, 11, 20)), D(2026, 11, 20), 0.05)


def test_chunked_metrics_csv_is_byte_identical(sample: ValidationResult, tmp_path: Path) -> None:
    settings_ = load_settings(None)
    params, targets = settings_.metric_params(), targets_frame(settings_.targets)
    dates = backfill_dates(D(2024, 2, 20), D(2024, 3, 10), "day")  # across 29 February
    whole = metrics_with_targets(sample.extracts, dates, params, targets)
    write_metrics_csv(whole, tmp_path / "whole.csv")

    per_date = rows_per_date_bound(sample.extracts)
    assert per_date >= whole.group_by("as_of").len().get_column("len").max()  # type: ignore[operator]
    # about three dates a chunk: seven chunks, the last one shorter
    parts = list(series_in_chunks(sample.extracts, dates, params, targets, 3 * per_date))
    assert [part.get_column("as_of").n_unique() for part in parts] == [3] * 6 + [2]
    write_metrics_csv_parts(iter(parts), tmp_path / "parts.csv")
    assert (tmp_path / "parts.csv").read_bytes() == (tmp_path / "whole.csv").read_bytes()
    assert pl.concat([trust_rows(part) for part in parts]).equals(
        whole.filter(pl.col("scope") == "trust")
    )


@given(
    st.lists(st.dates(D(2020, 1, 1), D(2026, 12, 31)), max_size=60),
    st.integers(1, 500),
    st.integers(1, 2_000),
)
@settings(max_examples=150, deadline=None)
def test_date_chunks_partition_the_dates_in_order(
    dates: list[dt.date], rows_per_date: int, rows_per_chunk: int
) -> None:
    chunks = date_chunks(dates, rows_per_date, rows_per_chunk)
    assert [day for chunk in chunks for day in chunk] == sorted(set(dates))
    size = max(1, rows_per_chunk // rows_per_date)
    assert all(1 <= len(chunk) <= size for chunk in chunks)
    assert all(len(chunk) == size for chunk in chunks[:-1])


def test_writer_refuses_parts_out_of_date_order(tmp_path: Path) -> None:
    def part(day: dt.date) -> pl.DataFrame:
        return pl.DataFrame(
            {
                "as_of": [day],
                "scope": ["trust"],
                "scope_value": ["all"],
                "metric": ["agency_rate"],
                "value": [0.25],
                "numerator": [1.0],
                "denominator": [4.0],
                "target": [None],
                "tolerance": [None],
                "status": ["no_target"],
            }
        )

    with MetricsCsvWriter(tmp_path / "m.csv") as writer:
        writer.write(part(D(2025, 1, 2)))
        with pytest.raises(ValueError, match="follows one up to 2025-01-02"):
            writer.write(part(D(2025, 1, 2)))
        writer.write(part(D(2025, 1, 3)))
    lines = (tmp_path / "m.csv").read_text().splitlines()
    assert lines[0].startswith("as_of,scope,")
    assert [line[:10] for line in lines[1:]] == ["2025-01-02", "2025-01-03"]


def test_writer_with_no_parts_writes_the_header(tmp_path: Path) -> None:
    write_metrics_csv_parts(iter([]), tmp_path / "m.csv")
    assert (tmp_path / "m.csv").read_text() == (
        "as_of,scope,scope_value,metric,value,numerator,denominator,target,tolerance,status\n"
    )
