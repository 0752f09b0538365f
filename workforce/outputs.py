"""Writing the run's files: ``metrics.csv``, ``outlook.csv``, ``retention.csv``,
``data_quality.csv`` and the workbook.

The files of one folder are written together into a staging folder that is then swapped
in (``publish``), so a reader never sees half a file or a mix of two runs' files, and a
failed or killed run leaves the previous files untouched. Nothing here computes a metric.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import IO, cast

import polars as pl

from transforms.definitions import METRICS_CSV_COLUMNS
from transforms.findings import neutralised_for_csv
from transforms.retention import RETENTION_SCHEMA, in_contract_order
from transforms.schema import FINDING_COLUMNS
from workforce.atomic_folder import UMASK, replace_folder

_EMPTY_METRICS = pl.DataFrame(
    schema={column: pl.Date if column == "as_of" else pl.String for column in METRICS_CSV_COLUMNS}
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


def write_outlook_csv(outlook: pl.DataFrame, path: Path) -> None:
    """``outlook.csv``: the committed outlook in exactly the columns, formats and order of
    ``metrics.csv`` (outlook.md §1)."""
    write_metrics_csv(outlook, path)


RETENTION_CSV_COLUMNS: tuple[str, ...] = tuple(RETENTION_SCHEMA)


def retention_csv_frame(retention: pl.DataFrame) -> pl.DataFrame:
    """The ``retention.csv`` table: contract columns, ISO dates, sorted by as_of, route,
    cohort, horizon_days in plain character-code order."""
    return in_contract_order(retention.select(RETENTION_CSV_COLUMNS)).with_columns(
        pl.col("as_of").dt.strftime("%Y-%m-%d")
    )


def write_retention_csv(retention: pl.DataFrame, path: Path) -> None:
    # ``retained`` unrounded; empty (not 0) when nobody has been followed that long.
    retention_csv_frame(retention).write_csv(path, null_value="")


class MetricsCsvWriter:
    """``metrics.csv`` written in parts, for a backfill too large to hold at once: each
    part holds whole as-of dates, later dates than the part before, so the file is byte
    for byte what ``write_metrics_csv`` writes for all the parts together."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._file: IO[bytes] | None = None
        self._last_date: dt.date | None = None

    def __enter__(self) -> MetricsCsvWriter:
        self._file = self._path.open("wb")
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._file is not None:
            if self._last_date is None:  # no part at all: still a file with its header
                metrics_csv_frame(_EMPTY_METRICS).write_csv(self._file, null_value="")
            self._file.close()
            self._file = None

    def write(self, part: pl.DataFrame) -> None:
        if self._file is None:
            raise RuntimeError("MetricsCsvWriter.write outside its with block")
        if part.height == 0:
            return
        dates = part.get_column("as_of")
        first, last = cast(dt.date, dates.min()), cast(dt.date, dates.max())
        if self._last_date is not None and first <= self._last_date:
            raise ValueError(f"metrics.csv part from {first} follows one up to {self._last_date}")
        metrics_csv_frame(part).write_csv(
            self._file, null_value="", include_header=self._last_date is None
        )
        self._last_date = last


def write_metrics_csv_parts(parts: Iterable[pl.DataFrame], path: Path) -> None:
    """``metrics.csv`` from parts in date order (see ``MetricsCsvWriter``)."""
    with MetricsCsvWriter(path) as writer:
        for part in parts:
            writer.write(part)


def write_findings_csv(findings: pl.DataFrame, path: Path) -> None:
    """``data_quality.csv``: the contract's columns, text a spreadsheet would run as a
    formula neutralised (``transforms.findings.neutralised_for_csv``)."""
    neutralised_for_csv(findings.select(FINDING_COLUMNS)).write_csv(path, null_value="")


# Files written by a writer get the mode any new file would get (never mkstemp's
# owner-only mode), so colleagues on a shared folder can open the workbook.
PUBLISHED_FILE_MODE = 0o666 & ~UMASK


def publish(folder: Path, writers: Mapping[str, Callable[[Path], object]]) -> dict[str, Path]:
    """Write the named files into ``folder`` as one unit (``workforce.atomic_folder``).

    Every file is written into a staging folder beside ``folder``, which is swapped in
    only when all of them have been written: a reader sees the old set or the new set,
    never a mix, and a failure or kill while writing any of them leaves ``folder`` as it
    was. Files of ``folder`` not named in ``writers`` are kept. A disk error (full,
    read-only, no permission) raises ``PublishFailure`` with one line saying what to do.
    """

    def write_all(staging: Path) -> None:
        for name, write in writers.items():
            path = staging / name
            write(path)
            path.chmod(PUBLISHED_FILE_MODE)

    replace_folder(folder, write_all, names=list(writers))
    return {name: folder / name for name in writers}
