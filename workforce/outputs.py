"""Writing the run's files: ``metrics.csv``, ``data_quality.csv`` and the workbook.

Every file is first written to a temporary name in its destination folder and then
renamed into place, so a reader never sees half a file and a failed run leaves the
previous files untouched. Nothing here computes a metric.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

import polars as pl

from transforms.schema import FINDING_COLUMNS

METRICS_CSV_COLUMNS: tuple[str, ...] = (
    "as_of",
    "scope",
    "scope_value",
    "metric",
    "value",
    "numerator",
    "denominator",
    "target",
    "tolerance",
    "status",
)


def metrics_csv_frame(metrics: pl.DataFrame) -> pl.DataFrame:
    """The ``metrics.csv`` table: contract columns, ISO dates, sorted by
    as_of, scope, scope_value, metric in plain character-code order."""
    return (
        metrics.select(METRICS_CSV_COLUMNS)
        .with_columns(pl.col("as_of").dt.strftime("%Y-%m-%d"))
        .sort(["as_of", "scope", "scope_value", "metric"])
    )


def write_metrics_csv(metrics: pl.DataFrame, path: Path) -> None:
    # Floats are written unrounded (shortest representation that round-trips); an
    # undefined value is an empty cell, never 0 or NaN.
    metrics_csv_frame(metrics).write_csv(path, null_value="")


def write_findings_csv(findings: pl.DataFrame, path: Path) -> None:
    findings.select(FINDING_COLUMNS).write_csv(path, null_value="")


def publish(folder: Path, writers: Mapping[str, Callable[[Path], object]]) -> dict[str, Path]:
    """Write each named file into ``folder`` atomically.

    All files are written to temporary names first; only when every one has been
    written are they renamed into place, so a failure while writing any of them leaves
    the folder exactly as it was.
    """
    folder.mkdir(parents=True, exist_ok=True)
    staged: dict[str, Path] = {}
    try:
        for name, write in writers.items():
            handle, temp_name = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
            os.close(handle)
            staged[name] = Path(temp_name)
            write(staged[name])
        published: dict[str, Path] = {}
        for name, temp_path in staged.items():
            final = folder / name
            os.replace(temp_path, final)
            published[name] = final
        return published
    finally:
        for temp_path in staged.values():
            with contextlib.suppress(FileNotFoundError):
                temp_path.unlink()
