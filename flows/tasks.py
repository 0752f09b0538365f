"""The steps of the flows, each a Prefect task that calls one function of an I/O module
(``workforce.*``) or a pure transform (``transforms.*``); none holds logic of its own.

Results are passed in memory (``step``: no cache key, nothing persisted): frames are
neither hashed for cache keys nor written to result storage.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import ParamSpec, TypeVar

import polars as pl
from prefect import Task, task
from prefect.cache_policies import NO_CACHE

from transforms.calendar import last_month_end, year_earlier
from transforms.outlook import milestones_frame
from transforms.report import (
    RunReport,
    build_report,
    data_quality_verdict,
    extract_summaries,
    run_findings,
    series_in_chunks,
    series_with_trends,
)
from transforms.run_summary import (
    KpiReading,
    failure_message,
    kpi_status_change,
    refused_markdown,
    report_summary_markdown,
    summary_markdown,
)
from transforms.targets import metrics_with_targets, targets_frame
from workforce import notify
from workforce.artifacts import post_run_artifacts
from workforce.dfe_indicators import Benchmarks, load_benchmarks
from workforce.drops import choose_drop
from workforce.extract_io import Drop, read_drop
from workforce.progress import advancing, progress_bar
from workforce.report_files import forget_rejected, write_backfill, write_rejected, write_report
from workforce.settings import Settings
from workforce.validation import ValidationResult, validate_drop

P = ParamSpec("P")
R = TypeVar("R")


def step(name: str) -> Callable[[Callable[P, R]], Task[P, R]]:
    """A task of these flows: named, never cached, its result kept in memory only."""
    return task(name=name, cache_policy=NO_CACHE, persist_result=False)


@step("locate-drop")
def locate_drop(
    input_dir: Path, as_of: dt.date | None, drop: dt.date | None = None
) -> tuple[Path, dt.date | None]:
    """``drop`` when given, else the newest drop on or before ``as_of`` (None: newest)."""
    return choose_drop(input_dir, on_or_before=as_of, drop=drop)


@step("read-extracts")
def read_extracts(drop_path: Path, drop_date: dt.date | None) -> Drop:
    return read_drop(drop_path, drop_date)


@step("validate-extracts")
def validate_extracts(drop: Drop, as_of: dt.date, settings: Settings) -> ValidationResult:
    return validate_drop(drop, as_of, settings.validation.max_quarantine_share)


@step("load-benchmarks")
def read_benchmarks(settings: Settings) -> Benchmarks:
    return load_benchmarks(settings)


@step("compute-report")
def compute_report(
    validation: ValidationResult,
    drop: Drop,
    as_of: dt.date,
    settings: Settings,
    benchmarks: Benchmarks,
    series: pl.DataFrame | None = None,
) -> RunReport:
    return build_report(
        validation.extracts,
        as_of,
        settings.metric_params(),
        targets_frame(settings.targets),
        extract_date=drop.drop_date,
        rows_read=validation.rows_read,
        findings=[validation.findings, benchmarks.findings],
        benchmarks=benchmarks.indicators,
        milestones=milestones_frame(settings.milestones),
        series=series,
    )


@step("write-outputs")
def write_outputs(output_dir: Path, report: RunReport, settings: Settings) -> dict[str, Path]:
    published = write_report(output_dir, report, settings)
    forget_rejected(output_dir, report.as_of)
    return published


@step("write-rejected-findings")
def write_rejected_findings(
    output_dir: Path, as_of: dt.date, validation: ValidationResult, drop_date: dt.date | None
) -> Path:
    """A refused run's findings for HR, under ``rejected/<as_of>/``."""
    return write_rejected(output_dir, as_of, run_findings(drop_date, as_of, [validation.findings]))


@step("collect-findings")
def collect_findings(
    validation: ValidationResult, drop: Drop, as_of: dt.date, benchmarks: Benchmarks | None = None
) -> pl.DataFrame:
    return run_findings(
        drop.drop_date,
        as_of,
        [validation.findings, *([benchmarks.findings] if benchmarks is not None else [])],
    )


@step("compute-series")
def compute_series(
    validation: ValidationResult, as_of_dates: list[dt.date], settings: Settings
) -> pl.DataFrame:
    """The metrics (with targets) of every date and of every date its report shows as
    trend, in one vectorised pass."""
    return series_with_trends(
        validation.extracts, as_of_dates, settings.metric_params(), targets_frame(settings.targets)
    )


@step("compute-and-write-backfill")
def compute_and_write_series(
    folder: Path,
    validation: ValidationResult,
    dates: list[dt.date],
    findings: pl.DataFrame,
    settings: Settings,
    start: dt.date,
    end: dt.date,
    progress: bool = False,
) -> dict[str, Path]:
    """The backfill's files, ``metrics.csv`` streamed as each chunk of dates is computed:
    the series of a long backfill is never in memory at once. ``progress``: a bar of the
    dates computed and written."""
    chunks = series_in_chunks(
        validation.extracts, dates, settings.metric_params(), targets_frame(settings.targets)
    )
    with progress_bar("dates computed and written", len(dates), progress) as advance:
        counted = advancing(chunks, advance, size=lambda chunk: chunk["as_of"].n_unique())
        return write_backfill(folder, counted, findings, settings, start, end)


@step("compute-kpi")
def compute_kpi(validation: ValidationResult, as_of: dt.date, settings: Settings) -> pl.DataFrame:
    """Metrics with targets on ``as_of``, its last month-end and a year earlier: what a
    backfill's summary shows for its last date."""
    dates = sorted({as_of, last_month_end(as_of), year_earlier(as_of)})
    return metrics_with_targets(
        validation.extracts, dates, settings.metric_params(), targets_frame(settings.targets)
    )


@step("post-run-summary")
def post_nightly_artifacts(report: RunReport, published: dict[str, Path]) -> None:
    post_run_artifacts(
        report_summary_markdown(report, published.values()),
        report.findings,
        f"Nightly run for {report.as_of.isoformat()}",
    )


@step("post-backfill-summary")
def post_backfill_artifacts(
    metrics: pl.DataFrame,
    validation: ValidationResult,
    findings: pl.DataFrame,
    drop_date: dt.date | None,
    start: dt.date,
    end: dt.date,
    published: dict[str, Path],
) -> None:
    title = f"Backfill {start.isoformat()} to {end.isoformat()}"
    summary = summary_markdown(
        heading=f"{title}: the last date",
        as_of=end,
        extract_date=drop_date,
        metrics=metrics,
        verdict=data_quality_verdict(extract_summaries(validation.rows_read, findings), findings),
        files=published.values(),
    )
    post_run_artifacts(summary, findings, title)


@step("post-refused-summary")
def post_refused_artifacts(
    as_of: dt.date, reason: str, validation: ValidationResult, findings_file: Path
) -> None:
    post_run_artifacts(
        refused_markdown(as_of, reason, findings_file),
        validation.findings,
        f"Refused nightly run for {as_of.isoformat()}",
    )


@step("read-previous-kpi")
def read_previous_kpi(output_dir: Path, as_of: dt.date) -> KpiReading | None:
    return notify.previous_kpi(output_dir, as_of)


@step("notify-status-change")
def notify_status_change(
    settings: Settings,
    previous: KpiReading | None,
    report: RunReport,
    published: dict[str, Path],
) -> None:
    message = kpi_status_change(previous, report.metrics, report.as_of, published)
    if message is not None:
        notify.send(settings.notify.urls, message)


@step("notify-failure")
def notify_failure(
    settings: Settings, as_of: dt.date, reason: str, findings_file: Path | None = None
) -> None:
    notify.send(settings.notify.urls, failure_message(as_of, reason, findings_file))
