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

from transforms.outlook import milestones_frame
from transforms.report import (
    RunReport,
    build_report,
    run_findings,
    series_in_chunks,
    series_with_trends,
)
from transforms.targets import targets_frame
from workforce.dfe_indicators import Benchmarks, load_benchmarks
from workforce.extract_io import Drop, find_drop, read_drop
from workforce.report_files import write_backfill, write_report
from workforce.settings import Settings
from workforce.validation import ValidationResult, validate_drop

P = ParamSpec("P")
R = TypeVar("R")


def step(name: str) -> Callable[[Callable[P, R]], Task[P, R]]:
    """A task of these flows: named, never cached, its result kept in memory only."""
    return task(name=name, cache_policy=NO_CACHE, persist_result=False)


@step("locate-drop")
def locate_drop(input_dir: Path, as_of: dt.date) -> tuple[Path, dt.date | None]:
    return find_drop(input_dir, as_of)


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
    return write_report(output_dir, report, settings)


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
) -> dict[str, Path]:
    """The backfill's files, ``metrics.csv`` streamed as each chunk of dates is computed:
    the series of a long backfill is never in memory at once."""
    chunks = series_in_chunks(
        validation.extracts, dates, settings.metric_params(), targets_frame(settings.targets)
    )
    return write_backfill(folder, chunks, findings, settings, start, end)
