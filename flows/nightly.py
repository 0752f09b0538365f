"""The nightly flow: one as-of date, from the newest extract drop to published files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from prefect import flow

from flows.tasks import (
    compute_report,
    locate_drop,
    read_benchmarks,
    read_extracts,
    validate_extracts,
    write_outputs,
)
from transforms.schedule import as_of_for_scheduled_run
from workforce.settings import load_settings


def _scheduled_as_of() -> dt.date:
    from prefect.runtime import flow_run

    scheduled = flow_run.scheduled_start_time
    if isinstance(scheduled, dt.datetime) and scheduled.tzinfo is not None:
        return as_of_for_scheduled_run(scheduled)
    return as_of_for_scheduled_run(dt.datetime.now(dt.UTC))


@flow(name="nightly", log_prints=False)
def nightly(
    input_dir: Path,
    output_dir: Path,
    as_of: dt.date | None = None,
    config: Path | None = None,
) -> dict[str, Path]:
    """Read the newest drop on or before ``as_of``, validate it, compute the metrics and
    publish the workbook, ``metrics.csv`` and ``data_quality.csv`` under
    ``<output_dir>/<as_of>/``. Nothing is published when any step fails.

    ``as_of`` defaults to the day before the run's scheduled start in UK time, so a late or
    retried scheduled run computes the same day."""
    settings = load_settings(config)
    as_of = as_of or _scheduled_as_of()
    drop_path, drop_date = locate_drop(input_dir, as_of)
    drop = read_extracts(drop_path, drop_date)
    validation = validate_extracts(drop, as_of, settings)
    benchmarks = read_benchmarks(settings)
    report = compute_report(validation, drop, as_of, settings, benchmarks)
    return write_outputs(output_dir, report, settings)
