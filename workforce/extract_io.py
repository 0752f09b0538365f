"""Reading a drop of HR extracts (``shared/spec/extracts.md``) as text.

Grain: one ``RawExtract`` per extract file; its frame has one row per non-blank data row
of the file (``source_row`` = the row number the user sees, header = row 1; for ``.xlsx``
the sheet row), every known column as text exactly as it appeared once trimmed (empty ->
null), so validation can report an offending value as the user wrote it. Control
characters (NUL included) are kept: validation reports them.

The file's extension picks its reader from ``workforce.readers.READERS``; this module
finds the files, opens them, matches the header to the extract's columns and trims.
Anything that stops a file being read at all raises ``RunFailure`` with one line naming
the file and the reason, never quoting a value of the file.
"""

from __future__ import annotations

import datetime as dt
import errno
import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import polars as pl

from transforms.schema import (
    EXTRACT_COLUMNS,
    EXTRACT_NAMES,
    REQUIRED_EXTRACTS,
    SOURCE_ROW,
    ExtractName,
    empty_findings,
    findings_report,
)
from workforce.errors import RunFailure
from workforce.readers import READERS, ReadTable, UnreadableValue, reader_for, supported_formats
from workforce.readers.base import COLUMN_PLACEHOLDER

# Columns whose values no reader finding or message shows (a child reference is personal
# data about a child): their findings name the row and column only.
UNSHOWN_VALUES: dict[ExtractName, frozenset[str]] = {"caseloads": frozenset({"child_ref"})}

# What trimming removes from both ends of a value: spaces (Unicode's too, such as the
# no-break space Excel users paste), tabs and line breaks. Never another control character
# (NUL, vertical tab, form feed...): those must reach validation, which reports them.
TRIMMED_WHITESPACE = (
    " \t\n\r\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
    "\u200a\u2028\u2029\u202f\u205f\u3000"
)


_TRIMMED_CLASS = "[" + "".join(f"\\x{{{ord(mark):X}}}" for mark in TRIMMED_WHITESPACE) + "]"
# A value that trimming would change: empty, or starting or ending with whitespace.
_NEEDS_TRIMMING = f"^$|^{_TRIMMED_CLASS}|{_TRIMMED_CLASS}$"


@dataclass(frozen=True)
class RawExtract:
    """One extract as read: known columns as text, canonical lower-case names."""

    name: ExtractName
    path: Path
    frame: pl.DataFrame  # source_row (Int64) + every known column as pl.String
    ignored_columns: tuple[str, ...]  # extra columns, as written in the header (once each)
    # What the reader found wrong with single cells or the file (REPORT_FINDINGS_SCHEMA):
    # validation quarantines the rows of its error findings and keeps those of warnings.
    findings: pl.DataFrame = field(default_factory=empty_findings)

    @property
    def rows_read(self) -> int:
        return self.frame.height


@dataclass(frozen=True)
class Drop:
    """The extracts of one drop folder (only those present)."""

    path: Path
    drop_date: dt.date | None  # from an incoming/YYYY-MM-DD folder name, else None
    extracts: dict[ExtractName, RawExtract]


def _folder_date(name: str) -> dt.date | None:
    if len(name) != 10:
        return None
    try:
        return dt.date.fromisoformat(name)
    except ValueError:
        return None


def _extract_files(folder: Path) -> dict[ExtractName, list[Path]]:
    """Entries of ``folder`` named after an extract, by extract: with a readable extension
    whatever they are (a folder or a broken link named ``staff.csv`` is an extract that
    cannot be read, not a missing one), otherwise only regular files."""
    try:
        entries = sorted(folder.iterdir())
    except OSError as error:
        raise RunFailure(f"{folder}: the folder cannot be listed ({_reason(error)})") from None
    found: dict[ExtractName, list[Path]] = {}
    for entry in entries:
        stem = entry.stem.strip().lower()
        if stem in EXTRACT_NAMES and (reader_for(entry) is not None or entry.is_file()):
            found.setdefault(stem, []).append(entry)
    return found


def find_drop(input_dir: Path, as_of: dt.date) -> tuple[Path, dt.date | None]:
    """The drop to read for ``as_of``: ``input_dir`` itself when it holds a ``staff`` file,
    otherwise the newest ``YYYY-MM-DD`` subfolder dated on or before ``as_of``."""
    if not input_dir.is_dir():
        raise RunFailure(f"{input_dir}: input folder not found")
    if "staff" in _extract_files(input_dir):
        return input_dir, _folder_date(input_dir.name)
    dated = [
        (folder_date, entry)
        for entry in input_dir.iterdir()
        if entry.is_dir() and (folder_date := _folder_date(entry.name)) is not None
    ]
    eligible = [(folder_date, entry) for folder_date, entry in dated if folder_date <= as_of]
    if not eligible:
        newer = f" (the earliest is {min(dated)[0].isoformat()})" if dated else ""
        raise RunFailure(
            f"{input_dir}: no staff extract and no drop folder YYYY-MM-DD dated on or before "
            f"{as_of.isoformat()}{newer}"
        )
    drop_date, folder = max(eligible)
    return folder, drop_date


def read_drop(drop_dir: Path, drop_date: dt.date | None = None) -> Drop:
    """Read every extract present in ``drop_dir``; ``RunFailure`` when a required extract
    is missing, a name has files in two readable formats, or a file cannot be read."""
    if not drop_dir.is_dir():
        raise RunFailure(f"{drop_dir}: drop folder not found")
    files = _extract_files(drop_dir)
    extracts: dict[ExtractName, RawExtract] = {}
    for name in EXTRACT_NAMES:
        candidates = files.get(name, [])
        readable = [path for path in candidates if reader_for(path) is not None]
        if len(readable) > 1:
            both = " and ".join(path.name for path in readable)
            raise RunFailure(f"{drop_dir}: both {both} found; keep only one {name} file")
        if not readable and candidates:
            raise RunFailure(
                f"{candidates[0].name}: unsupported file type; save it as {supported_formats()}"
            )
        if not readable:
            if name in REQUIRED_EXTRACTS:
                expected = " or ".join(f"{name}{suffix}" for suffix in READERS)
                raise RunFailure(
                    f"{drop_dir}: required extract {name} is missing (expected {expected})"
                )
            continue
        extracts[name] = read_extract(name, readable[0])
    return Drop(path=drop_dir, drop_date=drop_date, extracts=extracts)


def read_extract(name: ExtractName, path: Path) -> RawExtract:
    """Read one extract file with the reader its extension picks."""
    reader = reader_for(path)
    if reader is None:
        raise RunFailure(f"{path.name}: unsupported file type; save it as {supported_formats()}")
    with open_extract_file(path) as source:
        try:
            table = reader.read(source, path.name)
        except UnreadableValue as failure:
            label = _column_label(name, failure.column_index, failure.header_cell)
            raise RunFailure(failure.message(label)) from None
        except OSError as error:  # e.g. an I/O error half way through the file
            raise RunFailure(f"{path.name}: cannot be read ({_reason(error)})") from None
    return _raw_extract(name, path, table)


def open_extract_file(path: Path) -> BinaryIO:
    """``path`` opened for reading; ``RunFailure`` naming the file when it exists but is
    not a readable regular file (a folder, a broken or looping link, a device or pipe, no
    permission). Opened without blocking, so a pipe cannot hang the run."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        descriptor = os.open(path, flags)
    except OSError as error:
        raise RunFailure(f"{path.name}: cannot be read: {_open_problem(path, error)}") from None
    try:
        mode = os.fstat(descriptor).st_mode
    except OSError as error:
        os.close(descriptor)
        raise RunFailure(f"{path.name}: cannot be read: {_reason(error)}") from None
    if stat.S_ISREG(mode):
        return os.fdopen(descriptor, "rb")
    os.close(descriptor)
    kind = "a folder, not a file" if stat.S_ISDIR(mode) else _NOT_REGULAR
    raise RunFailure(f"{path.name}: cannot be read: it is {kind}{_REPLACE}")


_NOT_REGULAR = "not a regular file (a device, pipe or socket)"
_REPLACE = "; replace it with the extract file"


def _open_problem(path: Path, error: OSError) -> str:
    if error.errno == errno.ELOOP:
        return f"it is a symbolic link that loops back on itself{_REPLACE}"
    if isinstance(error, FileNotFoundError) and path.is_symlink():
        return f"it is a symbolic link to a file that does not exist{_REPLACE}"
    if isinstance(error, IsADirectoryError):
        return f"it is a folder, not a file{_REPLACE}"
    if isinstance(error, PermissionError):
        return "permission denied; give the account running the pipeline read access"
    return _reason(error)


def _reason(error: OSError) -> str:
    return (error.strerror or type(error).__name__).lower()


def _canonical(cell: str | None) -> str:
    return (cell or "").strip(TRIMMED_WHITESPACE).lower()


def _column_label(name: ExtractName, index: int, header_cell: str | None) -> str:
    """``column child_ref`` when the header cell names one of the extract's columns, else
    ``column 3`` (a header cell that is not a known name may be a value of the file)."""
    known = {spec.name for spec in EXTRACT_COLUMNS[name]}
    canonical = _canonical(header_cell)
    return f"column {canonical}" if canonical in known else f"column {index + 1}"


def _raw_extract(name: ExtractName, path: Path, table: ReadTable) -> RawExtract:
    """Match the header to the extract's columns, trim every value, drop blank rows, name
    the columns of the reader's findings."""
    header = table.header
    canonical = [_canonical(cell) for cell in header]
    specs = EXTRACT_COLUMNS[name]
    known = [spec.name for spec in specs]
    for column in known:
        if canonical.count(column) > 1:
            raise RunFailure(f"{path.name}: column {column} appears more than once in the header")
    present = set(canonical)
    missing = [spec.name for spec in specs if spec.required_header and spec.name not in present]
    if missing:
        raise RunFailure(
            f"{path.name}: required column{'s' if len(missing) > 1 else ''} missing: "
            f"{', '.join(missing)}{_delimiter_hint(header)}"
        )
    position = {column: index for index, column in enumerate(canonical) if column in known}
    cells = table.cells
    trimmed = pl.DataFrame(
        [
            cells.get_column(SOURCE_ROW),
            *(_trimmed(cells.get_column(f"c{i}")) for i in range(len(header))),
        ]
    )
    frame = trimmed.select(
        SOURCE_ROW,
        *(
            pl.col(f"c{position[column]}").alias(column)
            if column in position
            else pl.lit(None, pl.String).alias(column)  # an optional column not supplied
            for column in known
        ),
    )
    findings = _named_findings(name, table.findings, canonical, position)
    flagged = findings.filter(pl.col("row").is_not_null()).get_column("row")
    kept = frame.select(
        ~pl.all_horizontal(pl.col(known).is_null()) | pl.col(SOURCE_ROW).is_in(flagged.implode())
    ).to_series()
    if not kept.all():  # blank rows are rare: no copy of a large extract without them
        frame = frame.filter(kept)
    return RawExtract(
        name=name,
        path=path,
        frame=frame,
        ignored_columns=_ignored_columns(header, canonical, known, trimmed),
        findings=findings,
    )


def _trimmed(values: pl.Series) -> pl.Series:
    """``values`` trimmed of ``TRIMMED_WHITESPACE``, empty values as null; ``values``
    itself (no copy of a large column) when no value needs either, as is usual."""
    if not values.str.contains(_NEEDS_TRIMMING).any():
        return values
    return values.str.strip_chars(TRIMMED_WHITESPACE).replace("", None)


def _delimiter_hint(header: Sequence[str | None]) -> str:
    if len(header) == 1 and any(mark in (header[0] or "") for mark in (";", "\t", "|")):
        return " (the header has one column: is the file comma separated?)"
    return ""


def _ignored_columns(
    header: Sequence[str | None], canonical: list[str], known: list[str], trimmed: pl.DataFrame
) -> tuple[str, ...]:
    """Extra columns as written in the header, each name once (two ``notes`` columns are
    one ignored column); a column without a header is listed only if it holds a value."""
    ignored: list[str] = []
    seen: set[str] = set()
    for index, cell in enumerate(header):
        column = canonical[index]
        if column in known or column in seen:
            continue
        if column:
            seen.add(column)
            ignored.append((cell or "").strip(TRIMMED_WHITESPACE))
        elif trimmed.get_column(f"c{index}").null_count() < trimmed.height:
            ignored.append(f"(unnamed column {index + 1})")
    return tuple(ignored)


def _named_findings(
    name: ExtractName, findings: pl.DataFrame, canonical: list[str], position: dict[str, int]
) -> pl.DataFrame:
    """The reader's findings in the report's schema: cell findings of the extract's columns
    named after them (those of ignored columns do not matter and are dropped)."""
    by_index = pl.DataFrame(
        {"column_index": list(position.values()), "column": list(position)},
        schema={"column_index": pl.Int64, "column": pl.String},
    )
    named = findings.join(by_index, on="column_index", how="left").filter(
        pl.col("column_index").is_null() | pl.col("column").is_not_null()
    )
    return findings_report(
        named.select(
            pl.lit(name, pl.String).alias("extract"),
            pl.col(SOURCE_ROW).alias("row"),
            "column",
            "rule",
            "severity",
            pl.when(pl.col("column").is_in(sorted(UNSHOWN_VALUES.get(name, ()))))
            .then(None)
            .otherwise(pl.col("value"))
            .alias("value"),
            pl.col("message").str.replace_all(
                COLUMN_PLACEHOLDER, pl.col("column").fill_null(""), literal=True
            ),
        )
    )
