"""Reading a CSV extract (UTF-8, with or without BOM, comma separated, header row).

Grain: one ``ReadTable`` per file, one row per record of the file (a quoted value may span
lines; ``source_row`` counts records, header = row 1), every value as written, control
characters (NUL included) kept for validation to report.

Before polars parses the file, one blockwise numpy scan checks the records: a quoted value
never closed, a record over ``MAX_ROW_BYTES``, a record with another number of values than
the header. Lines may end with LF, CRLF or (old Mac exports) CR alone.
"""

from __future__ import annotations

import codecs
import os
import re
from typing import BinaryIO

import numpy as np
import numpy.typing as npt
import polars as pl

from transforms.schema import SOURCE_ROW
from workforce.errors import RunFailure
from workforce.readers.base import (
    MAX_ROW_BYTES,
    ReadTable,
    UnreadableValue,
    cell_findings,
    row_too_large,
)

_BOM = b"\xef\xbb\xbf"
# Any byte that ``bytes.strip`` would keep: a file without one is empty.
_NOT_BLANK = re.compile(rb"[^ \t\n\r\x0b\x0c]")
QUOTE, COMMA, LINE_FEED, CARRIAGE_RETURN = (ord(mark) for mark in '",\n\r')
# Bytes of a CSV file scanned at a time (UTF-8 check, record scan), so memory stays a small
# multiple of the block however large the extract is.
_SCAN_BLOCK_BYTES = 1 << 24


class CsvReader:
    suffix = ".csv"
    description = "CSV UTF-8 (.csv)"

    def read(self, source: BinaryIO, file_name: str) -> ReadTable:
        data = source.read()
        # The checks below see the byte-order mark as part of the first header cell, which
        # changes none of them; polars skips it. (Slicing it off would copy the file.)
        text_start = len(_BOM) if data.startswith(_BOM) else 0
        end_of_line = line_ending(data)
        _check_utf8(file_name, data, end_of_line)
        if _NOT_BLANK.search(data, text_start) is None:
            raise RunFailure(f"{file_name}: the file is empty (no header row)")
        _check_records(file_name, data, end_of_line)
        size = len(data)
        # Polars parses an open file by mapping it: with our copy of its bytes let go
        # first, a large extract is held in memory once, not twice.
        parsed: BinaryIO | bytes = data
        if _rewound(source):
            parsed = source
            del data
        try:
            cells = pl.read_csv(
                parsed,
                has_header=False,
                infer_schema=False,
                quote_char='"',
                eol_char=chr(end_of_line),
                raise_if_empty=True,
            )
        except (pl.exceptions.PolarsError, ValueError) as error:
            text = _bytes_of(parsed)[text_start:]
            raise _parse_failure(file_name, text, end_of_line, error) from None
        if parsed is source and os.fstat(source.fileno()).st_size != size:
            raise RunFailure(f"{file_name}: the file changed while it was read; run again")
        cells = cells.rename({old: f"c{index}" for index, old in enumerate(cells.columns)})
        header = tuple(cells.row(0))
        body = cells.slice(1).with_row_index(SOURCE_ROW, offset=2)
        return ReadTable(
            header=header,
            cells=body.with_columns(pl.col(SOURCE_ROW).cast(pl.Int64)),
            findings=cell_findings([]),
        )


def _rewound(source: BinaryIO) -> bool:
    """Whether ``source`` is a file on disk, now back at its start for polars to read."""
    try:
        source.fileno()
        source.seek(0)
    except (OSError, ValueError):  # io.UnsupportedOperation is both
        return False
    return True


def _bytes_of(parsed: BinaryIO | bytes) -> bytes:
    if isinstance(parsed, bytes):
        return parsed
    parsed.seek(0)
    return parsed.read()


def line_ending(data: bytes) -> int:
    """The byte that ends a record: a line feed (LF or CRLF files), or a carriage return
    in a file that has no line feed at all (CR-only line endings of old Mac exports)."""
    if LINE_FEED not in data and CARRIAGE_RETURN in data:
        return CARRIAGE_RETURN
    return LINE_FEED


def _check_utf8(file_name: str, data: bytes, end_of_line: int) -> None:
    """Fail naming the first byte that is not UTF-8 and its line, decoding block by block
    (no copy of the whole file as text)."""
    # A block ends with at most 3 bytes of an incomplete character, decoded with the next.
    block_bytes = max(_SCAN_BLOCK_BYTES, 4)
    offset = 0
    while offset < len(data):
        block = data[offset : offset + block_bytes]
        final = offset + len(block) >= len(data)
        try:
            _, consumed = codecs.utf_8_decode(block, "strict", final)
        except UnicodeDecodeError as error:
            position = offset + error.start
            line = data.count(end_of_line, 0, position) + 1
            raise RunFailure(
                f"{file_name}: not UTF-8 text (byte 0x{data[position]:02X} on line {line}); "
                "save it as CSV UTF-8"
            ) from None
        offset += consumed


def _scan(
    data: bytes, end_of_line: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], bool]:
    """Record ends, the number of values of each record (commas outside quotes plus one)
    and whether the file ends inside a quoted value; blockwise with numpy."""
    scanned = np.frombuffer(data, dtype=np.uint8)
    record_ends: list[npt.NDArray[np.int64]] = []
    commas_before_end: list[npt.NDArray[np.int64]] = []
    quotes_so_far = commas_so_far = 0
    for offset in range(0, len(scanned), _SCAN_BLOCK_BYTES):
        block = scanned[offset : offset + _SCAN_BLOCK_BYTES]
        quotes = np.flatnonzero(block == QUOTE)
        feeds = np.flatnonzero(block == end_of_line)
        commas = np.flatnonzero(block == COMMA)
        outside = commas[(quotes_so_far + np.searchsorted(quotes, commas)) % 2 == 0]
        ends = feeds[(quotes_so_far + np.searchsorted(quotes, feeds)) % 2 == 0]
        record_ends.append(ends + offset)
        commas_before_end.append(commas_so_far + np.searchsorted(outside, ends))
        quotes_so_far += len(quotes)
        commas_so_far += len(outside)
    # The last record runs from the last record-ending byte to the end of the file.
    all_ends = np.concatenate([*record_ends, np.array([len(data)], dtype=np.int64)])
    commas_before = np.concatenate([*commas_before_end, np.array([commas_so_far])])
    values = np.diff(commas_before, prepend=0) + 1
    return all_ends.astype(np.int64), values.astype(np.int64), quotes_so_far % 2 == 1


def _check_records(file_name: str, data: bytes, end_of_line: int) -> None:
    """Fail, naming the row, when a quoted value is never closed, a record is larger than
    ``MAX_ROW_BYTES``, or a record has a different number of values than the header (a
    truncated or ragged file). Blank records are allowed (they are skipped later)."""
    ends, values, unclosed = _scan(data, end_of_line)
    if unclosed:
        raise RunFailure(
            f"{file_name}: row {len(ends)} opens a quoted value that is never closed; "
            "the file looks truncated"
        )
    starts = np.concatenate([np.array([0], dtype=np.int64), ends[:-1] + 1])
    oversized = np.flatnonzero(ends - starts > MAX_ROW_BYTES)
    if len(oversized):
        record = int(oversized[0])
        size = int(ends[record] - starts[record])
        raise RunFailure(
            row_too_large(
                file_name,
                record + 1,
                size,
                "a value pasted by mistake or a quote mark that is never closed",
            )
        )
    expected = int(values[0])
    # Records with another count are few: each is either blank (allowed) or the error.
    for record in np.flatnonzero(values != expected).tolist():
        if data[starts[record] : ends[record]].strip():
            raise RunFailure(
                f"{file_name}: row {record + 1} has {values[record]} values but the header "
                f"has {expected} columns; the file looks truncated or ragged"
            )


def _parse_failure(file_name: str, data: bytes, end_of_line: int, error: Exception) -> RunFailure:
    """The failure for a file polars cannot parse: the row and column of a badly quoted
    value when one is found, never the value itself (it may be a child reference)."""
    found = malformed_quote(data, end_of_line)
    if found is None:
        return RunFailure(
            f"{file_name}: cannot be read as CSV ({type(error).__name__}); "
            "save it as CSV UTF-8, comma separated"
        )
    row, column = found
    return UnreadableValue(
        file_name,
        row,
        column,
        _header_cell(data, end_of_line, column),
        "a quoted value has text after its closing quote; a quote mark inside a value "
        'must be doubled ("")',
    )


def malformed_quote(data: bytes, end_of_line: int) -> tuple[int, int] | None:
    """(row, 0-based value index) of the first value that starts with a quote mark and has
    text after its closing quote (``"ab"c``), which polars refuses; ``None`` if none.

    Quote marks pair up in order (the file has an even number). A pair opens a quoted
    value when its opening mark starts a value (file start, after a comma or a line end, or
    right after the previous pair's closing mark: an escaped ``""``); its closing mark must
    then end the value (before a comma, a line end or another quote mark)."""
    scanned = np.frombuffer(data, dtype=np.uint8)
    quotes = np.flatnonzero(scanned == QUOTE)
    if len(quotes) < 2 or len(quotes) % 2:
        return None
    opening, closing = quotes[0::2], quotes[1::2]
    boundaries = np.array([COMMA, end_of_line, CARRIAGE_RETURN, QUOTE], dtype=np.uint8)
    before = np.where(opening > 0, scanned[np.maximum(opening - 1, 0)], end_of_line)
    after_position = closing + 1
    after = np.where(
        after_position < len(scanned),
        scanned[np.minimum(after_position, len(scanned) - 1)],
        end_of_line,
    )
    bad = np.isin(before, boundaries) & ~np.isin(after, boundaries)
    if not bad.any():
        return None
    first = int(np.flatnonzero(bad)[0])
    ends, _, _ = _scan(data, end_of_line)
    record = int(np.searchsorted(ends, opening[first]))
    start = 0 if record == 0 else int(ends[record - 1]) + 1
    commas = np.flatnonzero(scanned[start : opening[first]] == COMMA) + start
    inside = (np.searchsorted(quotes, commas) % 2) == 1
    return record + 1, int((~inside).sum())


def _header_cell(data: bytes, end_of_line: int, column: int) -> str | None:
    """The header's cell at ``column`` as written, or ``None`` when it cannot be told (the
    header itself is the malformed record, or is shorter)."""
    header_end = data.find(end_of_line)
    header = data if header_end < 0 else data[:header_end]
    try:
        cells = pl.read_csv(
            header, has_header=False, infer_schema=False, eol_char=chr(end_of_line)
        ).row(0)
    except (pl.exceptions.PolarsError, ValueError):
        return None
    cell: str | None = cells[column] if column < len(cells) else None
    return cell
