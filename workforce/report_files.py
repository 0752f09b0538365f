"""Publishing a run's files: one as-of date's folder (workbook, ``metrics.csv``,
``data_quality.csv``), a backfill's folder (trend workbook, ``metrics.csv`` for every
date, ``data_quality.csv``) and a refused run's ``rejected/<as_of>/data_quality.csv``.
Builds nothing it shows: the figures come from ``transforms.report``; each folder is
published as one unit through ``workforce.outputs.publish``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path

import polars as pl

from transforms.report import RunReport, concat_series, trust_rows
from workforce.outputs import (
    publish,
    write_findings_csv,
    write_metrics_csv,
    write_metrics_csv_parts,
    write_outlook_csv,
    write_retention_csv,
)
from workforce.settings import Settings


def date_folder(output_dir: Path, as_of: dt.date) -> Path:
    return output_dir / as_of.isoformat()


def rejected_folder(output_dir: Path, as_of: dt.date) -> Path:
    """Where a run refused for too many quarantined rows leaves its findings for HR."""
    return output_dir / "rejected" / as_of.isoformat()


def workbook_name(as_of: dt.date) -> str:
    return f"workforce_stability_{as_of.isoformat()}.xlsx"


def backfill_folder(output_dir: Path, start: dt.date, end: dt.date) -> Path:
    return output_dir / f"backfill_{start.isoformat()}_{end.isoformat()}"


def trend_workbook_name(start: dt.date, end: dt.date) -> str:
    return f"workforce_stability_trend_{start.isoformat()}_{end.isoformat()}.xlsx"


def write_report(
    output_dir: Path,
    report: RunReport,
    settings: Settings,
    generated_at: dt.datetime | None = None,
) -> dict[str, Path]:
    """Build the workbook and publish the files of ``<output_dir>/<as_of>/`` together: the
    workbook, ``metrics.csv``, ``outlook.csv``, ``retention.csv`` and ``data_quality.csv``."""
    from workforce.workbook import build_workbook, save_workbook

    stamp = generated_at or dt.datetime.now().replace(microsecond=0)
    workbook = build_workbook(report, settings, stamp)
    return publish(
        date_folder(output_dir, report.as_of),
        {
            workbook_name(report.as_of): lambda path: save_workbook(workbook, path),
            "metrics.csv": lambda path: write_metrics_csv(report.metrics, path),
            "outlook.csv": lambda path: write_outlook_csv(report.outlook, path),
            "retention.csv": lambda path: write_retention_csv(report.retention, path),
            "data_quality.csv": lambda path: write_findings_csv(report.findings, path),
        },
    )


def write_backfill(
    folder: Path,
    series: Iterable[pl.DataFrame],
    findings: pl.DataFrame,
    settings: Settings,
    start: dt.date,
    end: dt.date,
) -> dict[str, Path]:
    """Publish a backfill's files together: ``metrics.csv`` part by part as ``series``
    yields its chunks of dates (so a long backfill is never held in memory), then the
    trend workbook from the Trust-wide rows it collected, and ``data_quality.csv``."""
    from workforce.workbook import save_workbook
    from workforce.workbook.trend import build_trend_workbook

    trust_parts: list[pl.DataFrame] = []

    def keeping_trust_rows(parts: Iterable[pl.DataFrame]) -> Iterator[pl.DataFrame]:
        for part in parts:
            trust_parts.append(trust_rows(part))
            yield part

    def write_trend(path: Path) -> None:
        save_workbook(build_trend_workbook(concat_series(trust_parts), settings, start, end), path)

    workbook = trend_workbook_name(start, end)
    published = publish(
        folder,
        {
            # metrics.csv first: writing it collects the rows the workbook shows
            "metrics.csv": lambda path: write_metrics_csv_parts(keeping_trust_rows(series), path),
            workbook: write_trend,
            "data_quality.csv": lambda path: write_findings_csv(findings, path),
        },
    )
    return {name: published[name] for name in (workbook, "metrics.csv", "data_quality.csv")}


def write_rejected(output_dir: Path, as_of: dt.date, findings: pl.DataFrame) -> Path:
    """Publish a refused run's ``data_quality.csv`` under ``rejected/<as_of>/``
    (``<output_dir>/<as_of>/`` is not touched); its path."""
    published = publish(
        rejected_folder(output_dir, as_of),
        {"data_quality.csv": lambda path: write_findings_csv(findings, path)},
    )
    return published["data_quality.csv"]


def forget_rejected(output_dir: Path, as_of: dt.date) -> None:
    """Remove the findings of an earlier refused run for ``as_of`` once a run for that
    date is published: the refusal no longer stands."""
    folder = rejected_folder(output_dir, as_of)
    if folder.is_dir():
        shutil.rmtree(folder, ignore_errors=True)
        with contextlib.suppress(OSError):
            folder.parent.rmdir()  # only when no other date was refused
