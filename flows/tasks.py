"""Small typed Prefect tasks. Each one calls an I/O module (``workforce.*``) or a pure
transform (``transforms.*``); none holds logic of its own.

Results are passed in memory (``NO_CACHE``, not persisted): frames are neither hashed
for cache keys nor written to result storage.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import polars as pl
from prefect import task
from prefect.cache_policies import NO_CACHE

from transforms.findings import benchmark_file_finding, combine_findings, stale_drop_finding
from transforms.report import (
    RunReport,
    build_report,
    metrics_with_targets,
    series_in_chunks,
    trust_rows,
)
from transforms.schema import empty_findings
from transforms.targets import targets_frame
from workforce.errors import RunFailure
from workforce.extract_io import Drop, find_drop, read_drop
from workforce.outputs import (
    publish,
    write_findings_csv,
    write_metrics_csv,
    write_metrics_csv_parts,
)
from workforce.settings import Settings
from workforce.validation import ValidationResult, validate_drop


class Benchmarks(NamedTuple):
    indicators: pl.DataFrame | None  # the DfE file as read, None when not available
    findings: pl.DataFrame  # a warning when a configured file could not be read


@task(name="locate-drop", cache_policy=NO_CACHE, persist_result=False)
def locate_drop(input_dir: Path, as_of: dt.date) -> tuple[Path, dt.date | None]:
    return find_drop(input_dir, as_of)


@task(name="read-extracts", cache_policy=NO_CACHE, persist_result=False)
def read_extracts(drop_path: Path, drop_date: dt.date | None) -> Drop:
    return read_drop(drop_path, drop_date)


@task(name="validate-extracts", cache_policy=NO_CACHE, persist_result=False)
def validate_extracts(drop: Drop, as_of: dt.date, settings: Settings) -> ValidationResult:
    return validate_drop(drop, as_of, settings.validation.max_quarantine_share)


@task(name="compute-metrics", cache_policy=NO_CACHE, persist_result=False)
def compute_report(validation: ValidationResult, as_of: dt.date, settings: Settings) -> RunReport:
    return build_report(
        validation.extracts, as_of, settings.metric_params(), targets_frame(settings.targets)
    )


@task(name="load-benchmarks", cache_policy=NO_CACHE, persist_result=False)
def load_benchmarks(settings: Settings) -> Benchmarks:
    """The configured DfE indicator file. A missing or unreadable file does not stop the
    nightly run (its own figures are still right): it becomes a warning instead."""
    path = settings.benchmarks.dfe_indicator_file
    if path is None:
        return Benchmarks(None, empty_findings())
    from workforce.benchmarks_io import read_dfe_indicators

    try:
        return Benchmarks(read_dfe_indicators(path), empty_findings())
    except RunFailure as error:
        return Benchmarks(None, benchmark_file_finding(str(error)))


@task(name="write-outputs", cache_policy=NO_CACHE, persist_result=False)
def write_outputs(
    output_dir: Path,
    report: RunReport,
    validation: ValidationResult,
    drop: Drop,
    settings: Settings,
    benchmarks: Benchmarks,
) -> dict[str, Path]:
    return publish_report(output_dir, report, validation, drop, settings, benchmarks)


@task(name="write-date-outputs", cache_policy=NO_CACHE, persist_result=False)
def write_date_outputs(
    output_dir: Path,
    as_of: dt.date,
    trend: pl.DataFrame,
    validation: ValidationResult,
    drop: Drop,
    settings: Settings,
    benchmarks: Benchmarks,
) -> dict[str, Path]:
    """One backfilled date's folder, exactly as the nightly run writes it, from the
    trend rows the backfill already computed in its single pass."""
    report = build_report(
        validation.extracts,
        as_of,
        settings.metric_params(),
        targets_frame(settings.targets),
        trend=trend,
    )
    return publish_report(output_dir, report, validation, drop, settings, benchmarks)


def publish_report(
    output_dir: Path,
    report: RunReport,
    validation: ValidationResult,
    drop: Drop,
    settings: Settings,
    benchmarks: Benchmarks,
) -> dict[str, Path]:
    """Build the workbook and publish the three files of ``<output_dir>/<as_of>/``."""
    from workforce.workbook import WorkbookInputs, build_workbook, save_workbook

    as_of = report.as_of
    findings = combine_findings(
        [
            stale_drop_finding(drop.drop_date, as_of),
            validation.findings,
            report.allocation_findings,
            benchmarks.findings,
        ]
    )
    workbook = build_workbook(
        WorkbookInputs(
            as_of=as_of,
            extract_date=drop.drop_date,
            generated_at=dt.datetime.now().replace(microsecond=0),
            settings=settings,
            supplied=validation.extracts.supplied(),
            metrics=report.metrics,
            trend=report.trend,
            caseload_by_worker=report.caseload_by_worker,
            vacancy_by_cell=report.vacancy_by_cell,
            leaving_reasons=report.leaving_reasons,
            findings=findings,
            extract_summaries=summaries_frame(validation),
            benchmarks=benchmarks.indicators,
        )
    )
    return publish(
        output_dir / as_of.isoformat(),
        {
            f"workforce_stability_{as_of.isoformat()}.xlsx": lambda p: save_workbook(workbook, p),
            "metrics.csv": lambda p: write_metrics_csv(report.metrics, p),
            "data_quality.csv": lambda p: write_findings_csv(findings, p),
        },
    )


def summaries_frame(validation: ValidationResult) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "extract": s.extract,
                "rows_read": s.rows_read,
                "rows_quarantined": s.rows_quarantined,
                "warnings": s.warnings,
            }
            for s in validation.summaries
        ],
        schema={
            "extract": pl.String,
            "rows_read": pl.Int64,
            "rows_quarantined": pl.Int64,
            "warnings": pl.Int64,
        },
    )


@task(name="compute-series", cache_policy=NO_CACHE, persist_result=False)
def compute_series(
    validation: ValidationResult, as_of_dates: list[dt.date], settings: Settings
) -> pl.DataFrame:
    """Every requested date's metrics (with targets) in one vectorised pass."""
    return metrics_with_targets(
        validation.extracts, as_of_dates, settings.metric_params(), targets_frame(settings.targets)
    )


@task(name="write-series", cache_policy=NO_CACHE, persist_result=False)
def write_series(
    folder: Path,
    series: pl.DataFrame,
    findings: pl.DataFrame,
    settings: Settings,
    start: dt.date,
    end: dt.date,
) -> dict[str, Path]:
    from workforce.trend_workbook import build_trend_workbook
    from workforce.workbook import save_workbook

    workbook = build_trend_workbook(series, settings, start, end)
    return publish(
        folder,
        {
            trend_workbook_name(start, end): lambda p: save_workbook(workbook, p),
            "metrics.csv": lambda p: write_metrics_csv(series, p),
            "data_quality.csv": lambda p: write_findings_csv(findings, p),
        },
    )


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
            validation.extracts, dates, settings.metric_params(), targets_frame(settings.targets)
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
