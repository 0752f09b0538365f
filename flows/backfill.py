"""The backfill flow: many as-of dates from one drop, read and validated once.

The dates are computed in vectorised passes over consecutive chunks of dates, each chunk
appended to ``metrics.csv`` as soon as it is computed, so memory is bounded by the chunk
(``SERIES_ROWS_PER_CHUNK``), not by the length of the backfill times the size of the trust;
only the Trust-wide rows are kept for the trend workbook. A date's figures never depend on
the other dates computed with it, so the file is the same whatever the chunks. With
per-date workbooks every trend date those need is computed in one pass and the per-date
folders are written in parallel through the configured task runner (threads by default,
or an existing Dask cluster).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import polars as pl
from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import PrefectFuture, as_completed
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

from flows.tasks import (
    compute_series,
    load_benchmarks,
    locate_drop,
    metric_params,
    read_extracts,
    validate_extracts,
    write_date_outputs,
    write_series,
)
from transforms.backfill import Every, backfill_dates
from transforms.calendar import trend_dates
from transforms.definitions import metrics_available
from transforms.findings import combine_findings, stale_drop_finding
from transforms.metrics import MetricParams
from transforms.report import metrics_with_targets
from transforms.schema import Extracts
from transforms.targets import targets_frame
from workforce.extract_io import Drop
from workforce.outputs import publish, write_findings_csv, write_metrics_csv_parts
from workforce.settings import RunSettings, Settings, load_settings
from workforce.validation import ValidationResult

# Metrics rows computed at once. Computing them with targets peaks at about 200 bytes a
# row, so a chunk stays well under 1 GiB; the sample trust's daily backfill (about 0.8M
# rows) is one chunk, a trust 100 times larger takes about 80 dates a chunk.
SERIES_ROWS_PER_CHUNK = 3_000_000


def task_runner_for(run: RunSettings) -> TaskRunner[PrefectFuture[object]]:
    """Threads by default; a DaskTaskRunner pointed at an existing cluster when asked."""
    if run.task_runner == "dask":
        from prefect_dask import DaskTaskRunner

        if not run.dask_address:
            raise ValueError("run.task_runner is 'dask' but run.dask_address is empty")
        return DaskTaskRunner(address=run.dask_address)  # type: ignore[return-value]
    return ThreadPoolTaskRunner(max_workers=2)  # type: ignore[return-value]


def rows_per_date_bound(extracts: Extracts) -> int:
    """At most this many metrics rows per as-of date: every available metric at the
    Trust, at each service area and at each team named in the extracts."""
    named = pl.concat(
        [
            frame.select("team", "service_area")
            for frame in (extracts.staff, extracts.agency, extracts.establishment)
            if frame is not None
        ]
    )
    scopes = 1 + named.get_column("service_area").n_unique() + named.get_column("team").n_unique()
    return scopes * len(metrics_available(extracts.supplied()))


def date_chunks(
    dates: list[dt.date], rows_per_date: int, rows_per_chunk: int = SERIES_ROWS_PER_CHUNK
) -> list[list[dt.date]]:
    """The distinct dates in order, cut into consecutive chunks of at most
    ``rows_per_chunk // rows_per_date`` dates (at least one date a chunk)."""
    ordered = sorted(set(dates))
    size = max(1, rows_per_chunk // max(1, rows_per_date))
    return [ordered[index : index + size] for index in range(0, len(ordered), size)]


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


def trend_workbook_name(start: dt.date, end: dt.date) -> str:
    return f"workforce_stability_trend_{start.isoformat()}_{end.isoformat()}.xlsx"


@task(name="compute-and-write-series", cache_policy=NO_CACHE, persist_result=False)
def compute_and_write_series(
    folder: Path,
    validation: ValidationResult,
    dates: list[dt.date],
    findings: pl.DataFrame,
    settings: Settings,
    start: dt.date,
    end: dt.date,
) -> dict[str, Path]:
    """``metrics.csv`` chunk by chunk as the dates are computed, then the trend workbook
    from the Trust-wide rows and ``data_quality.csv``, published together."""
    from workforce.trend_workbook import build_trend_workbook
    from workforce.workbook import save_workbook

    trust_parts: list[pl.DataFrame] = []

    def keeping_trust_rows(parts: Iterator[pl.DataFrame]) -> Iterator[pl.DataFrame]:
        for part in parts:
            trust_parts.append(trust_rows(part))
            yield part

    def write_csv(path: Path) -> None:
        parts = series_in_chunks(
            validation.extracts, dates, metric_params(settings), targets_frame(settings.targets)
        )
        write_metrics_csv_parts(keeping_trust_rows(parts), path)

    def write_trend(path: Path) -> None:
        save_workbook(build_trend_workbook(pl.concat(trust_parts), settings, start, end), path)

    workbook_name = trend_workbook_name(start, end)
    published = publish(
        folder,
        {
            # metrics.csv first: computing it collects the rows the workbook shows
            "metrics.csv": write_csv,
            workbook_name: write_trend,
            "data_quality.csv": lambda path: write_findings_csv(findings, path),
        },
    )
    return {name: published[name] for name in (workbook_name, "metrics.csv", "data_quality.csv")}


def backfill_folder(output_dir: Path, start: dt.date, end: dt.date) -> Path:
    return output_dir / f"backfill_{start.isoformat()}_{end.isoformat()}"


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

    findings = combine_findings([stale_drop_finding(drop_date, end), validation.findings])
    folder = backfill_folder(output_dir, start, end)
    if not workbooks:
        return compute_and_write_series(folder, validation, dates, findings, settings, start, end)
    # Per-date folders need each date's trend dates too: one pass over all of them, held
    # in memory while the folders are written.
    needed = sorted({d for as_of in dates for d in trend_dates(as_of)})
    series = compute_series(validation, needed, settings)
    published = write_series(
        folder, series.filter(pl.col("as_of").is_in(dates)), findings, settings, start, end
    )
    _write_date_folders(output_dir, dates, series, validation, drop, settings, progress)
    return published


def _write_date_folders(
    output_dir: Path,
    dates: list[dt.date],
    series: pl.DataFrame,
    validation: ValidationResult,
    drop: Drop,
    settings: Settings,
    progress: bool,
) -> None:
    benchmarks = load_benchmarks(settings)
    runner = task_runner_for(settings.run)
    with runner.duplicate() as task_runner:
        futures = [
            task_runner.submit(
                write_date_outputs,
                parameters={
                    "output_dir": output_dir,
                    "as_of": as_of,
                    "trend": series.filter(pl.col("as_of").is_in(trend_dates(as_of))),
                    "validation": validation,
                    "drop": drop,
                    "settings": settings,
                    "benchmarks": benchmarks,
                },
            )
            for as_of in dates
        ]
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
