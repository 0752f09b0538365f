"""The backfill flow: many as-of dates from one drop, read and validated once.

The dates are computed in vectorised passes over consecutive chunks of dates, each chunk
appended to ``metrics.csv`` as soon as it is computed, so memory is bounded by the chunk
(``SERIES_ROWS_PER_CHUNK``), not by the length of the backfill times the size of the trust;
only the Trust-wide rows are kept for the trend workbook. A date's figures never depend on
the other dates computed with it, so the file is the same whatever the chunks. With
per-date workbooks the dates and every trend date their reports show are computed in one
more pass, and each date's report is built and written through the configured task runner
(threads by default, or an existing Dask cluster).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
from prefect import flow
from prefect.futures import PrefectFuture, as_completed
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

from flows.tasks import (
    collect_findings,
    compute_and_write_series,
    compute_kpi,
    compute_report,
    compute_series,
    locate_drop,
    post_backfill_artifacts,
    read_benchmarks,
    read_extracts,
    validate_extracts,
    write_outputs,
)
from transforms.backfill import Every, backfill_dates
from workforce.dfe_indicators import Benchmarks
from workforce.extract_io import Drop
from workforce.progress import progress_bar
from workforce.report_files import backfill_folder
from workforce.settings import RunSettings, Settings, read_settings
from workforce.validation import ValidationResult


def task_runner_for(run: RunSettings) -> TaskRunner[PrefectFuture[object]]:
    """Threads by default; a DaskTaskRunner pointed at an existing cluster when asked."""
    if run.task_runner == "dask":
        from prefect_dask.task_runners import DaskTaskRunner

        if not run.dask_address:
            raise ValueError("run.task_runner is 'dask' but run.dask_address is empty")
        return DaskTaskRunner(address=run.dask_address)  # type: ignore[return-value]
    return ThreadPoolTaskRunner(max_workers=2)  # type: ignore[return-value]


@flow(name="backfill", log_prints=False)
def backfill(
    input_dir: Path,
    output_dir: Path,
    start: dt.date,
    end: dt.date,
    every: Every = "month",
    workbooks: bool = False,
    config: Path | None = None,
    progress: bool = False,
    drop: dt.date | None = None,
) -> dict[str, Path]:
    """Metrics for every as-of date in ``[start, end]`` (day / week-end / month-end) into
    ``<output_dir>/backfill_<start>_<end>/``, from the newest drop of ``input_dir`` (every
    extract carries its history) or the drop dated ``drop``; with ``workbooks`` also each
    date's folder exactly as the nightly run writes it. ``progress``: bars of the dates
    computed and written. Safe to re-run: folders are replaced whole."""
    settings = read_settings(config)
    dates = backfill_dates(start, end, every)
    drop_path, drop_date = locate_drop(input_dir, None, drop)
    extracts = read_extracts(drop_path, drop_date)
    validation = validate_extracts(extracts, end, settings)
    findings = collect_findings(validation, extracts, end)
    published = compute_and_write_series(
        backfill_folder(output_dir, start, end),
        validation,
        dates,
        findings,
        settings,
        start,
        end,
        progress,
    )
    if workbooks:
        series = compute_series(validation, dates, settings)
        benchmarks = read_benchmarks(settings)
        _write_date_folders(
            output_dir, dates, series, validation, extracts, settings, benchmarks, progress
        )
    kpi = compute_kpi(validation, end, settings)
    post_backfill_artifacts(kpi, validation, findings, drop_date, start, end, published)
    return published


def _write_date_folders(
    output_dir: Path,
    dates: list[dt.date],
    series: pl.DataFrame,
    validation: ValidationResult,
    drop: Drop,
    settings: Settings,
    benchmarks: Benchmarks,
    progress: bool,
) -> None:
    """Each date's folder, as the nightly run writes it, through the configured runner."""
    runner = task_runner_for(settings.run)
    with runner.duplicate() as task_runner:
        futures = []
        for as_of in dates:
            report = task_runner.submit(
                compute_report,
                parameters={
                    "validation": validation,
                    "drop": drop,
                    "as_of": as_of,
                    "settings": settings,
                    "benchmarks": benchmarks,
                    "series": series,
                },
            )
            futures.append(
                task_runner.submit(
                    write_outputs,
                    parameters={"output_dir": output_dir, "report": report, "settings": settings},
                )
            )
        with progress_bar("date folders written", len(futures), progress) as advance:
            for future in as_completed(futures):
                future.result()  # re-raises the first failure: the flow fails, no half file
                advance(1)
