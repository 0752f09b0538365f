"""Everything one as-of date's outputs need, computed from clean extracts.

Grain of ``RunReport.metrics``: one row per (scope, scope value, metric) on the as-of
date; ``trend``: the same for every trend date (month-ends, a year earlier, the date).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import polars as pl

from transforms.backfill import SERIES_ROWS_PER_CHUNK, date_chunks, rows_per_date_bound
from transforms.calendar import trend_dates
from transforms.metrics import (
    MetricParams,
    caseload_by_worker,
    compute_metrics,
    leaving_reasons,
    uncounted_allocations,
    vacancy_by_cell,
)
from transforms.schema import Extracts
from transforms.targets import apply_targets


@dataclass(frozen=True)
class RunReport:
    as_of: dt.date
    metrics: pl.DataFrame  # metrics.csv rows for as_of, with target and status
    trend: pl.DataFrame  # the same columns for every trend date
    caseload_by_worker: pl.DataFrame | None
    vacancy_by_cell: pl.DataFrame | None
    leaving_reasons: pl.DataFrame
    allocation_findings: pl.DataFrame  # warnings: allocations that could not be counted


def metrics_with_targets(
    extracts: Extracts,
    as_of_dates: list[dt.date],
    params: MetricParams,
    targets: pl.DataFrame,
) -> pl.DataFrame:
    """Metrics for many dates in one vectorised pass, with target and status."""
    return apply_targets(compute_metrics(extracts, as_of_dates, params), targets)


def build_report(
    extracts: Extracts,
    as_of: dt.date,
    params: MetricParams,
    targets: pl.DataFrame,
    trend: pl.DataFrame | None = None,
) -> RunReport:
    """The as-of date's report. ``trend`` may be passed in when a backfill has already
    computed the trend dates in its own pass; otherwise it is computed here."""
    if trend is None:
        trend = metrics_with_targets(extracts, trend_dates(as_of), params, targets)
    supplied = extracts.supplied()
    return RunReport(
        as_of=as_of,
        metrics=trend.filter(pl.col("as_of") == as_of),
        trend=trend,
        caseload_by_worker=(
            caseload_by_worker(extracts, as_of) if "caseloads" in supplied else None
        ),
        vacancy_by_cell=(vacancy_by_cell(extracts, as_of) if "establishment" in supplied else None),
        leaving_reasons=leaving_reasons(extracts, as_of),
        allocation_findings=uncounted_allocations(extracts, as_of),
    )


def series_in_chunks(
    extracts: Extracts,
    dates: list[dt.date],
    params: MetricParams,
    targets: pl.DataFrame,
    rows_per_chunk: int = SERIES_ROWS_PER_CHUNK,
) -> Iterator[pl.DataFrame]:
    """Metrics with targets for ``dates``, one chunk of consecutive dates at a time, in
    date order; each chunk is computed only when asked for."""
    for chunk in date_chunks(dates, rows_per_date_bound(extracts), rows_per_chunk):
        yield metrics_with_targets(extracts, chunk, params, targets)


def trust_rows(series: pl.DataFrame) -> pl.DataFrame:
    """The Trust-wide rows: all the trend workbook shows."""
    return series.filter(pl.col("scope") == "trust")
