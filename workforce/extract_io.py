"""Reading a drop of HR extracts (``shared/spec/extracts.md``) as text.

Grain: one ``RawExtract`` per extract file; its frame has one row per non-blank data row
of the file (``source_row`` = the row number the user sees, header = row 1; for ``.xlsx``
the sheet row), every known column as text exactly as it appeared once trimmed (empty ->
null), so validation can report an offending value as the user wrote it.

Anything that stops the file being read at all raises ``RunFailure`` with one line naming
the file and the reason.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import numpy as np
import numpy.typing as npt
import polars as pl

from transforms.schema import (
    EXTRACT_COLUMNS,
    EXTRACT_NAMES,
    REQUIRED_EXTRACTS,
    SOURCE_ROW,
    ExtractName,
    empty_findings,
)
from workforce.errors import RunFailure

SUPPORTED_SUFFIXES: tuple[str, ...] = (".csv", ".xlsx")
_BOM = b"\xef\xbb\xbf"
# Bytes of a CSV file scanned at a time when checking its record lengths.
_SCAN_BLOCK_BYTES = 1 << 24


@dataclass(frozen=True)
class RawExtract:
    """One extract as read: known columns as text, canonical lower-case names."""

    name: ExtractName
    path: Path
    frame: pl.DataFrame  # source_row (Int64) + every known column as pl.String
    ignored_columns: tuple[str, ...]  # extra columns, as written in the header
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
    """Files in ``folder`` named after an extract (any extension), by extract."""
    found: dict[ExtractName, list[Path]] = {}
    for entry in sorted(folder.iterdir()):
        stem = entry.stem.strip().lower()
        if entry.is_file() and stem in EXTRACT_NAMES:
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
    is missing, a name has both a ``.csv`` and an ``.xlsx`` file, or a file cannot be read."""
    if not drop_dir.is_dir():
        raise RunFailure(f"{drop_dir}: drop folder not found")
    files = _extract_files(drop_dir)
    extracts: dict[ExtractName, RawExtract] = {}
    for name in EXTRACT_NAMES:
        candidates = files.get(name, [])
        readable = [path for path in candidates if path.suffix.lower() in SUPPORTED_SUFFIXES]
        if len(readable) > 1:
            both = " and ".join(path.name for path in readable)
            raise RunFailure(f"{drop_dir}: both {both} found; keep only one {name} file")
        if not readable and candidates:
            raise RunFailure(
                f"{candidates[0].name}: unsupported file type; save it as CSV UTF-8 (.csv) "
                "or Excel workbook (.xlsx)"
            )
        if not readable:
            if name in REQUIRED_EXTRACTS:
                raise RunFailure(
                    f"{drop_dir}: required extract {name} is missing "
                    f"(expected {name}.csv or {name}.xlsx)"
                )
            continue
        extracts[name] = read_extract(name, readable[0])
    return Drop(path=drop_dir, drop_date=drop_date, extracts=extracts)


def read_extract(name: ExtractName, path: Path) -> RawExtract:
    """Read one extract file; the extension picks the reader."""
    if path.suffix.lower() == ".xlsx":
        header, cells = _read_xlsx(path)
    else:
        header, cells = _read_csv(path)
    return _raw_extract(name, path, header, cells)


def _read_csv(path: Path) -> tuple[list[str | None], pl.DataFrame]:
    """Header cells and the data cells (columns ``c0..``, plus ``source_row``) of a CSV."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise RunFailure(
            f"{path.name}: not UTF-8 text (byte 0x{data[error.start]:02X} on line {line}); "
            "save it as CSV UTF-8"
        ) from None
    if data.startswith(_BOM):
        data = data[len(_BOM) :]
        text = text[1:]
    if not text.strip():
        raise RunFailure(f"{path.name}: the file is empty (no header row)")
    del text  # as large as the file, and no longer needed
    _check_record_lengths(path.name, data)
    try:
        cells = pl.read_csv(
            data, has_header=False, infer_schema=False, quote_char='"', raise_if_empty=True
        )
    except (pl.exceptions.PolarsError, ValueError) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise RunFailure(f"{path.name}: cannot be read as CSV ({reason})") from None
    cells = cells.rename({old: f"c{index}" for index, old in enumerate(cells.columns)})
    header = list(cells.row(0))
    body = cells.slice(1).with_row_index(SOURCE_ROW, offset=2)
    return header, body.with_columns(pl.col(SOURCE_ROW).cast(pl.Int64))


def _check_record_lengths(file_name: str, data: bytes) -> None:
    """Fail when a record has a different number of values than the header (a truncated
    or ragged file) or a quoted value is never closed. A record ends at a line feed that
    is outside quotes (an even number of quote marks before it: an escaped ``""`` keeps
    the count even) and its values are the commas outside quotes plus one; blank records
    are allowed (they are skipped later).

    The file is scanned in blocks of ``_SCAN_BLOCK_BYTES`` with numpy, so memory stays a
    small multiple of the block however large the extract is."""
    quote, line_feed, comma = (ord(mark) for mark in '"\n,')
    scanned = np.frombuffer(data, dtype=np.uint8)
    record_ends: list[npt.NDArray[np.int64]] = []
    commas_before_end: list[npt.NDArray[np.int64]] = []
    quotes_so_far = commas_so_far = 0
    for offset in range(0, len(scanned), _SCAN_BLOCK_BYTES):
        block = scanned[offset : offset + _SCAN_BLOCK_BYTES]
        quotes = np.flatnonzero(block == quote)
        feeds = np.flatnonzero(block == line_feed)
        commas = np.flatnonzero(block == comma)
        outside = commas[(quotes_so_far + np.searchsorted(quotes, commas)) % 2 == 0]
        ends = feeds[(quotes_so_far + np.searchsorted(quotes, feeds)) % 2 == 0]
        record_ends.append(ends + offset)
        commas_before_end.append(commas_so_far + np.searchsorted(outside, ends))
        quotes_so_far += len(quotes)
        commas_so_far += len(outside)
    # The last record runs from the last record-ending line feed to the end of the file.
    ends = np.concatenate([*record_ends, np.array([len(data)], dtype=np.int64)])
    commas_before = np.concatenate([*commas_before_end, np.array([commas_so_far])])
    values = np.diff(commas_before, prepend=0) + 1
    if quotes_so_far % 2 == 1:
        raise RunFailure(
            f"{file_name}: row {len(ends)} opens a quoted value that is never closed; "
            "the file looks truncated"
        )
    starts = np.concatenate([np.array([0], dtype=np.int64), ends[:-1] + 1])
    expected = int(values[0])
    # Records with another count are few: each is either blank (allowed) or the error.
    for record in np.flatnonzero(values != expected).tolist():
        if data[starts[record] : ends[record]].decode("utf-8").strip():
            raise RunFailure(
                f"{file_name}: row {record + 1} has {values[record]} values but the header "
                f"has {expected} columns; the file looks truncated or ragged"
            )


def _read_xlsx(path: Path) -> tuple[list[str | None], pl.DataFrame]:
    """Header cells and data cells (columns ``c0..``, plus ``source_row`` = sheet row) of
    the first sheet of a workbook."""
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise RunFailure(
            f"{path.name}: cannot be opened as an Excel workbook ({type(error).__name__})"
        ) from None
    try:
        sheet = workbook.worksheets[0]
        # Some writers record wrong sheet dimensions; read every cell actually stored.
        sheet.reset_dimensions()
        rows = list(sheet.iter_rows(min_row=1, values_only=True))
    except Exception as error:
        raise RunFailure(
            f"{path.name}: cannot be read as an Excel workbook ({type(error).__name__})"
        ) from None
    finally:
        workbook.close()
    if not rows or all(value is None for value in rows[0]):
        raise RunFailure(f"{path.name}: the first sheet has no header in row 1")
    # openpyxl hands cells over one Python object at a time (there is no columnar xlsx
    # reader here), so turning each cell into text is one pass over the cells.
    columns = list(itertools.zip_longest(*rows))
    data = {
        f"c{index}": pl.Series(list(map(_cell_text, column[1:])), dtype=pl.String)
        for index, column in enumerate(columns)
    }
    header = [_cell_text(column[0]) for column in columns]
    body = pl.DataFrame(data).with_row_index(SOURCE_ROW, offset=2)
    return header, body.with_columns(pl.col(SOURCE_ROW).cast(pl.Int64))


def _cell_text(value: object) -> str | None:
    """An Excel cell as the text a user would type: dates ISO, whole numbers without
    ".0", decimals without exponent."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return format(Decimal(repr(value)), "f")
    return str(value)


def _raw_extract(
    name: ExtractName, path: Path, header: Sequence[str | None], cells: pl.DataFrame
) -> RawExtract:
    """Match the header to the extract's columns, trim every value, drop blank rows."""
    canonical = [(cell or "").strip().lower() for cell in header]
    seen: set[str] = set()
    for column in canonical:
        if column and column in seen:
            raise RunFailure(f"{path.name}: column {column} appears more than once in the header")
        seen.add(column)
    known = [spec.name for spec in EXTRACT_COLUMNS[name]]
    missing = [column for column in known if column not in seen]
    if missing:
        hint = ""
        if len(header) == 1 and any(mark in (header[0] or "") for mark in (";", "\t", "|")):
            hint = " (the header has one column: is the file comma separated?)"
        raise RunFailure(
            f"{path.name}: required column{'s' if len(missing) > 1 else ''} missing: "
            f"{', '.join(missing)}{hint}"
        )
    position = {column: index for index, column in enumerate(canonical) if column}
    trimmed = cells.select(
        SOURCE_ROW,
        *(
            pl.col(f"c{index}").str.strip_chars().replace("", None).alias(f"c{index}")
            for index in range(len(header))
        ),
    )
    frame = trimmed.select(
        SOURCE_ROW, *(pl.col(f"c{position[column]}").alias(column) for column in known)
    ).filter(~pl.all_horizontal(pl.col(known).is_null()))
    ignored: list[str] = []
    for index, cell in enumerate(header):
        if canonical[index] in known:
            continue
        if canonical[index]:
            ignored.append((cell or "").strip())
        elif trimmed.get_column(f"c{index}").null_count() < trimmed.height:
            ignored.append(f"(unnamed column {index + 1})")
    return RawExtract(name=name, path=path, frame=frame, ignored_columns=tuple(ignored))
