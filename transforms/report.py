"""Everything one as-of date's outputs show, computed from clean extracts, and the series
a backfill computes.

Grains of ``RunReport``: ``metrics`` one row per (scope, scope value, metric) on the as-of
date; ``trend`` the same for every trend date (month-ends, a year earlier, the date);
``outlook`` the same for the stock metrics on the 12 month-ends after the date;
``retention`` one row per (route, cohort, horizon); ``what_it_takes`` one row per scope;
``findings`` one row per finding of the run (validation, uncounted allocations, the drop
and the benchmark file; ``REPORT_FINDINGS_SCHEMA``); ``extract_summaries`` one row per
extract supplied.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

import polars as pl

from transforms.backfill import SERIES_ROWS_PER_CHUNK, date_chunks, rows_per_date_bound
from transforms.calendar import trend_dates
from transforms.findings import combine_findings, stale_drop_finding
from transforms.metrics import (
    METRIC_FRAME_SCHEMA,
    MetricParams,
    caseload_by_worker,
    leaving_reasons,
    uncounted_allocations,
    vacancy_by_cell,
)
from transforms.outlook import forward_dates, milestone_progress, select_outlook, what_it_takes
from transforms.retention import retention_frame
from transforms.rules import EMPLOYEE_HELD_BACK, ERROR, WARNING
from transforms.schema import EXTRACT_NAMES, ExtractName, Extracts
from transforms.scopes import SCOPE, TRUST
from transforms.targets import metrics_with_targets
from transforms.views.history import team_areas

EXTRACT_SUMMARY_SCHEMA: dict[str, pl.DataType] = {
    "extract": pl.String(),
    "rows_read": pl.Int64(),
    "rows_quarantined": pl.Int64(),
    "rows_held_back": pl.Int64(),
    "warnings": pl.Int64(),
}


@dataclass(frozen=True)
class RunReport:
    as_of: dt.date
    extract_date: dt.date | None  # the drop's date, when known
    supplied: frozenset[ExtractName]
    metrics: pl.DataFrame  # metrics.csv rows for as_of, with target and status
    trend: pl.DataFrame  # the same columns for every trend date
    caseload_by_worker: pl.DataFrame | None
    vacancy_by_cell: pl.DataFrame | None
    leaving_reasons: pl.DataFrame
    findings: pl.DataFrame  # every finding of the run, sorted (REPORT_FINDINGS_SCHEMA)
    extract_summaries: pl.DataFrame  # EXTRACT_SUMMARY_SCHEMA, counted from ``findings``
    benchmarks: pl.DataFrame | None  # the DfE indicator file as read, when available
    team_areas: pl.DataFrame  # one row per team: its service area (TEAM_AREAS_SCHEMA)
    outlook: pl.DataFrame  # outlook.csv rows: the committed outlook (outlook.md §1)
    what_it_takes: pl.DataFrame  # the levers per scope (outlook.md §2)
    retention: pl.DataFrame  # retention.csv rows (outlook.md §3)
    milestones: pl.DataFrame  # recruitment milestones and their progress (outlook.md §4)


def run_findings(
    extract_date: dt.date | None, as_of: dt.date, findings: Iterable[pl.DataFrame]
) -> pl.DataFrame:
    """Every finding of a run in one report: ``findings`` and, when the drop is older
    than the as-of date, a warning saying so."""
    return combine_findings([stale_drop_finding(extract_date, as_of), *findings])


def extract_summaries(rows_read: Mapping[str, int], findings: pl.DataFrame) -> pl.DataFrame:
    """Per extract supplied (in the contract's order): rows read, rows quarantined (rows
    with an error finding), rows held back (kept out of the figures with a warning, e.g. the
    absence of an employee whose staff rows were all quarantined) and warnings, counted
    from the run's findings, so the workbook's figures and ``data_quality.csv`` agree."""
    counts = (
        findings.filter(pl.col("extract").is_not_null())
        .group_by("extract")
        .agg(
            pl.col("row")
            .filter((pl.col("severity") == ERROR) & pl.col("row").is_not_null())
            .n_unique()
            .cast(pl.Int64)
            .alias("rows_quarantined"),
            pl.col("row")
            .filter(pl.col("rule") == EMPLOYEE_HELD_BACK)
            .n_unique()
            .cast(pl.Int64)
            .alias("rows_held_back"),
            (pl.col("severity") == WARNING).sum().cast(pl.Int64).alias("warnings"),
        )
    )
    order = [name for name in EXTRACT_NAMES if name in rows_read]
    read = pl.DataFrame(
        {"extract": order, "rows_read": [rows_read[name] for name in order]},
        schema={"extract": pl.String(), "rows_read": pl.Int64()},
    )
    return (
        read.join(counts, on="extract", how="left", maintain_order="left")
        .with_columns(pl.col("rows_quarantined", "rows_held_back", "warnings").fill_null(0))
        .select(list(EXTRACT_SUMMARY_SCHEMA))
    )


def build_report(
    extracts: Extracts,
    as_of: dt.date,
    params: MetricParams,
    targets: pl.DataFrame,
    *,
    extract_date: dt.date | None,
    rows_read: Mapping[str, int],
    findings: Iterable[pl.DataFrame],
    benchmarks: pl.DataFrame | None,
    milestones: pl.DataFrame,
    series: pl.DataFrame | None = None,
) -> RunReport:
    """The as-of date's report. ``findings``: those found before the metrics (validation,
    the benchmark file); the drop's age and the allocations that cannot be counted on the
    date are added here. ``series`` may hold a backfill's metrics for every date the report
    reads already (``series_with_trends``); otherwise they are computed here, trend and
    forward dates in one engine pass."""
    if series is None:
        series = metrics_with_targets(extracts, report_dates(as_of, targets), params, targets)
    trend = trend_rows(series, as_of)
    supplied = extracts.supplied()
    all_findings = run_findings(
        extract_date, as_of, [*findings, uncounted_allocations(extracts, as_of)]
    )
    return RunReport(
        as_of=as_of,
        extract_date=extract_date,
        supplied=supplied,
        metrics=trend.filter(pl.col("as_of") == as_of),
        trend=trend,
        caseload_by_worker=(
            caseload_by_worker(extracts, as_of) if "caseloads" in supplied else None
        ),
        vacancy_by_cell=(vacancy_by_cell(extracts, as_of) if "establishment" in supplied else None),
        leaving_reasons=leaving_reasons(extracts, as_of),
        findings=all_findings,
        extract_summaries=extract_summaries(rows_read, all_findings),
        benchmarks=benchmarks,
        team_areas=team_areas(extracts),
        outlook=select_outlook(series, as_of),
        what_it_takes=what_it_takes(series, as_of, targets),
        retention=retention_frame(extracts, as_of),
        milestones=milestone_progress(extracts, as_of, milestones),
    )


def series_with_trends(
    extracts: Extracts,
    dates: list[dt.date],
    params: MetricParams,
    targets: pl.DataFrame,
) -> pl.DataFrame:
    """The metrics of ``dates`` and of every date their reports read (trend and forward
    dates), in one pass."""
    needed = sorted({day for as_of in dates for day in report_dates(as_of, targets)})
    return metrics_with_targets(extracts, needed, params, targets)


def report_dates(as_of: dt.date, targets: pl.DataFrame) -> list[dt.date]:
    """Every date one report reads from the engine: its trend dates (month-ends, a year
    earlier, the date) and its forward dates (the outlook's month-ends and the year-end of
    what it takes)."""
    return sorted({*trend_dates(as_of), *forward_dates(as_of, targets)})


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


SERIES_SCHEMA: dict[str, pl.DataType] = METRIC_FRAME_SCHEMA | {
    "target": pl.Float64(),
    "tolerance": pl.Float64(),
    "status": pl.String(),
}


def concat_series(parts: list[pl.DataFrame]) -> pl.DataFrame:
    """Metrics-with-targets frames as one (no parts: no rows, same columns)."""
    return pl.concat(parts) if parts else pl.DataFrame(schema=SERIES_SCHEMA)


def trust_rows(series: pl.DataFrame) -> pl.DataFrame:
    """The Trust-wide rows: all the trend workbook shows."""
    return series.filter(pl.col(SCOPE) == TRUST)


def rows_on(series: pl.DataFrame, dates: Iterable[dt.date]) -> pl.DataFrame:
    """The rows of ``series`` dated on one of ``dates``."""
    return series.filter(pl.col("as_of").is_in(list(dates)))


def trend_rows(series: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
    """The rows of ``series`` a report for ``as_of`` shows as its trend."""
    return rows_on(series, trend_dates(as_of))


def data_quality_verdict(extract_summaries: pl.DataFrame, findings: pl.DataFrame) -> str:
    """One line on the run's data quality: rows read, quarantined and warnings across the
    extracts (``extract_summaries``), and findings about the whole drop."""
    totals = extract_summaries.select(
        pl.col("rows_read").sum().alias("read"),
        pl.col("rows_quarantined").sum().alias("quarantined"),
        pl.col("warnings").sum().alias("warnings"),
    ).row(0, named=True)
    read = int(totals["read"] or 0)
    quarantined = int(totals["quarantined"] or 0)
    warnings = int(totals["warnings"] or 0)
    drop_findings = findings.filter(pl.col("extract").is_null()).height
    extracts = extract_summaries.height
    if quarantined == 0 and warnings == 0 and drop_findings == 0:
        return f"Good: {read:,} rows read from {extracts} extracts; none quarantined, no warnings."
    share = f" ({quarantined / read:.1%})" if read else ""
    parts = [
        f"{quarantined:,} of {read:,} rows quarantined{share}",
        plural(warnings, "warning"),
    ]
    if drop_findings:
        parts.append(f"{plural(drop_findings, 'finding')} about the whole drop")
    return "Check: " + ", ".join(parts) + ". See the Data quality sheet."


def plural(count: int, noun: str) -> str:
    """``count`` and ``noun``, with an s unless the count is 1 ("1 warning", "3 warnings")."""
    return f"{count:,} {noun}" + ("" if count == 1 else "s")
