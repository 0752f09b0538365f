"""The nightly flow: one as-of date, from the newest extract drop to published files.

Grain: one flow run per as-of date. Besides the files, the run posts its summary and
findings to the Prefect UI, and tells the ``[notify]`` URLs when it fails, is refused,
or the KPI's status differs from the previous published run's.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from prefect import flow

from flows.tasks import (
    compute_report,
    locate_drop,
    notify_failure,
    notify_status_change,
    post_nightly_artifacts,
    post_refused_artifacts,
    read_benchmarks,
    read_extracts,
    read_previous_kpi,
    validate_extracts,
    write_outputs,
    write_rejected_findings,
)
from transforms.schedule import as_of_for_scheduled_run
from workforce.settings import Settings, read_settings
from workforce.validation import QuarantineLimitExceeded


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
    drop: dt.date | None = None,
) -> dict[str, Path]:
    """Read the newest drop on or before ``as_of`` (or the drop dated ``drop``), validate
    it, compute the metrics and publish the workbook, ``metrics.csv`` and
    ``data_quality.csv`` under ``<output_dir>/<as_of>/``. Nothing is published there when
    any step fails; a run refused for too many quarantined rows leaves its findings in
    ``<output_dir>/rejected/<as_of>/data_quality.csv``.

    ``as_of`` defaults to the day before the run's scheduled start in UK time, so a late or
    retried scheduled run computes the same day."""
    settings = read_settings(config)
    as_of = as_of or _scheduled_as_of()
    try:
        return _run(input_dir, output_dir, as_of, settings, drop)
    except QuarantineLimitExceeded:
        raise  # told already, with where its findings are
    except Exception as error:
        notify_failure(settings, as_of, str(error))
        raise


def _run(
    input_dir: Path, output_dir: Path, as_of: dt.date, settings: Settings, drop: dt.date | None
) -> dict[str, Path]:
    drop_path, drop_date = locate_drop(input_dir, as_of, drop)
    extracts = read_extracts(drop_path, drop_date)
    try:
        validation = validate_extracts(extracts, as_of, settings)
    except QuarantineLimitExceeded as refused:
        findings_file = write_rejected_findings(output_dir, as_of, refused.result, drop_date)
        post_refused_artifacts(as_of, str(refused), refused.result, findings_file)
        notify_failure(settings, as_of, str(refused), findings_file)
        raise
    benchmarks = read_benchmarks(settings)
    report = compute_report(validation, extracts, as_of, settings, benchmarks)
    previous = read_previous_kpi(output_dir, as_of)
    published = write_outputs(output_dir, report, settings)
    post_nightly_artifacts(report, published)
    notify_status_change(settings, previous, report, published)
    return published
