"""The record checks of CSV extracts (``workforce.readers.csv_reader._check_records``):
hand-checked files, and agreement with a plain line-by-line reference on any text."""

from __future__ import annotations

import re
from unittest.mock import patch

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workforce.errors import RunFailure
from workforce.readers import csv_reader
from workforce.readers.base import MAX_ROW_BYTES

_QUOTED_VALUE = re.compile(r'"(?:[^"]|"")*"')


def reference_verdict(text: str, max_row_bytes: int) -> str | None:
    """The rules spelled out record by record: a file without a line feed but with a
    carriage return has CR-only line endings; lines are joined while a quote is open; the
    first of: a quote never closed, a record over ``max_row_bytes`` bytes, a non-blank
    record whose values (commas outside quoted values plus one) differ from the header's."""
    end = "\r" if "\n" not in text and "\r" in text else "\n"
    records: list[str] = []
    open_quotes = False
    for line in text.split(end):
        if open_quotes:
            records[-1] += end + line
        else:
            records.append(line)
        open_quotes ^= line.count('"') % 2 == 1
    if open_quotes:
        return f"row {len(records)} opens a quoted value that is never closed"
    for row, record in enumerate(records, start=1):
        if len(record.encode("utf-8")) > max_row_bytes:
            return f"row {row} is too large"
    counts = [_QUOTED_VALUE.sub("", record).count(",") + 1 for record in records]
    for row, (record, values) in enumerate(zip(records, counts, strict=True), start=1):
        if record.strip() and values != counts[0]:
            return f"row {row} has {values} values but the header has {counts[0]} columns"
    return None


def verdict(text: str) -> str | None:
    data = text.encode("utf-8")
    try:
        csv_reader._check_records("x.csv", data, csv_reader.line_ending(data))
    except RunFailure as failure:
        message = str(failure).removeprefix("x.csv: ").split(";")[0]
        return re.sub(r" cannot be read within .*", " is too large", message)
    return None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a,b\n1,2\n", None),
        ("a,b\n1,2", None),
        ("a,b\r\n1,2\r\n\r\n  \n3,4\n", None),  # blank records pass
        ('a,b\n"x,y",2\n', None),  # a comma inside quotes is not a separator
        ('a,b\n"line\none",2\n3,4\n', None),  # a line feed inside quotes joins lines
        ('a,b\n"say ""hi"", then",2\n', None),  # escaped quotes
        ("a,b\r1,2\r3,4\r", None),  # CR-only line endings (old Mac export)
        ('a,b\r"x\ry",2\r', None),  # ... with a line break inside a quoted value
        ("a,b\n1,2,3\n", "row 2 has 3 values but the header has 2 columns"),
        ("a,b\r1,2,3\r", "row 2 has 3 values but the header has 2 columns"),
        ('a,b\n"x\ny",2\n3\n', "row 3 has 1 values but the header has 2 columns"),
        ('a,b\n1,2\n"open,3\n4,5\n', "row 3 opens a quoted value that is never closed"),
        # A lone CR in a file with line feeds is not a line end: the record is ragged.
        ("a,b\n1,2\r3,4\n", "row 2 has 3 values but the header has 2 columns"),
    ],
)
def test_hand_checked_files(text: str, expected: str | None) -> None:
    assert verdict(text) == expected
    assert reference_verdict(text, MAX_ROW_BYTES) == expected


def test_a_record_over_one_megabyte_is_refused_naming_its_row() -> None:
    within = "a,b\n" + "x" * 999_998 + ",2\n"  # 1,000,000 bytes: the limit itself
    assert verdict(within) is None
    data = ("a,b\n1,2\n" + "x" * 999_999 + ",2\n").encode()
    with pytest.raises(RunFailure) as failure:
        csv_reader._check_records("staff.csv", data, csv_reader.line_ending(data))
    assert str(failure.value) == (
        "staff.csv: row 3 cannot be read within 1 MB (it is 1,000,001 bytes); check it "
        "for a value pasted by mistake or a quote mark that is never closed"
    )


@given(text=st.text(alphabet='ab ,"\n\r\u00e9', max_size=200), max_row_bytes=st.integers(1, 40))
@settings(max_examples=400, deadline=None)
def test_agrees_with_the_line_by_line_rule(text: str, max_row_bytes: int) -> None:
    with patch.object(csv_reader, "MAX_ROW_BYTES", max_row_bytes):
        assert verdict(text) == reference_verdict(text, max_row_bytes)


@given(text=st.text(alphabet='a,"\n\r', min_size=1, max_size=120), block=st.integers(1, 16))
@settings(max_examples=200, deadline=None)
def test_block_size_does_not_change_the_verdict(text: str, block: int) -> None:
    expected = verdict(text)
    with patch.object(csv_reader, "_SCAN_BLOCK_BYTES", block):
        assert verdict(text) == expected


@given(data=st.binary(max_size=60), block=st.integers(1, 16))
@settings(max_examples=300, deadline=None)
def test_utf8_check_agrees_with_python_at_any_block_size(data: bytes, block: int) -> None:
    """The blockwise UTF-8 check fails exactly when Python cannot decode the file, naming
    the same first bad byte."""
    try:
        data.decode("utf-8")
        expected = None
    except UnicodeDecodeError as error:
        expected = f"byte 0x{data[error.start]:02X}"
    with patch.object(csv_reader, "_SCAN_BLOCK_BYTES", block):
        try:
            csv_reader._check_utf8("x.csv", data, csv_reader.line_ending(data))
            got = None
        except RunFailure as failure:
            found = re.search(r"byte 0x[0-9A-F]{2}", str(failure))
            assert found is not None
            got = found.group(0)
    assert got == expected
