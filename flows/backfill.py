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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import polars as pl
from prefect import flow
from prefect.futures import PrefectFuture, as_completed
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

from flows.tasks import (
    collect_findings,
    compute_and_write_series,
    compute_report,
    compute_series,
    locate_drop,
    read_benchmarks,
    read_extracts,
    validate_extracts,
    write_outputs,
)
from transforms.backfill import Every, backfill_dates
from workforce.dfe_indicators import Benchmarks
from workforce.extract_io import Drop
from workforce.report_files import backfill_folder
from workforce.settings import RunSettings, Settings, load_settings
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
) -> dict[str, Path]:
    """Metrics for every as-of date in ``[start, end]`` (day / week-end / month-end) into
    ``<output_dir>/backfill_<start>_<end>/``; with ``workbooks`` also each date's folder
    exactly as the nightly run writes it, with a progress bar when ``progress``. Safe to
    re-run: files are replaced whole."""
    settings = load_settings(config)
    dates = backfill_dates(start, end, every)
    drop_path, drop_date = locate_drop(input_dir, end)
    drop = read_extracts(drop_path, drop_date)
    validation = validate_extracts(drop, end, settings)
    findings = collect_findings(validation, drop, end)
    published = compute_and_write_series(
        backfill_folder(output_dir, start, end), validation, dates, findings, settings, start, end
    )
    if workbooks:
        series = compute_series(validation, dates, settings)
        benchmarks = read_benchmarks(settings)
        _write_date_folders(
            output_dir, dates, series, validation, drop, settings, benchmarks, progress
        )
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
        with _progress_bar(len(futures), enabled=progress) as advance:
            for future in as_completed(futures):
                future.result()  # re-raises the first failure: the flow fails, no half file
                advance()


@contextmanager
def _progress_bar(total: int, enabled: bool) -> Iterator[Callable[[], None]]:
    """A console progress bar of dates written (a no-op when not wanted)."""
    if not enabled:
        yield lambda: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task_id = bar.add_task("dates written", total=total)
        yield lambda: bar.advance(task_id)
