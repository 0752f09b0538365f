"""The record-length check of CSV extracts (``workforce.extract_io._check_record_lengths``):
hand-checked files, and agreement with a plain line-by-line reference on any text."""

from __future__ import annotations

import re
from unittest.mock import patch

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import workforce.extract_io as extract_io
from workforce.errors import RunFailure

_QUOTED_VALUE = re.compile(r'"(?:[^"]|"")*"')


def reference_verdict(text: str) -> str | None:
    """The rule spelled out record by record: lines are joined while a quote is open, a
    record's values are its commas outside quoted values plus one, blank records pass."""
    records: list[str] = []
    open_quotes = False
    for line in text.split("\n"):
        if open_quotes:
            records[-1] += "\n" + line
        else:
            records.append(line)
        open_quotes ^= line.count('"') % 2 == 1
    if open_quotes:
        return f"row {len(records)} opens a quoted value that is never closed"
    counts = [_QUOTED_VALUE.sub("", record).count(",") + 1 for record in records]
    for row, (record, values) in enumerate(zip(records, counts, strict=True), start=1):
        if record.strip() and values != counts[0]:
            return f"row {row} has {values} values but the header has {counts[0]} columns"
    return None


def verdict(text: str) -> str | None:
    try:
        extract_io._check_record_lengths("x.csv", text.encode("utf-8"))
    except RunFailure as failure:
        return str(failure).removeprefix("x.csv: ").split(";")[0]
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
        ("a,b\n1,2,3\n", "row 2 has 3 values but the header has 2 columns"),
        ('a,b\n"x\ny",2\n3\n', "row 3 has 1 values but the header has 2 columns"),
        ('a,b\n1,2\n"open,3\n4,5\n', "row 3 opens a quoted value that is never closed"),
    ],
)
def test_hand_checked_files(text: str, expected: str | None) -> None:
    assert verdict(text) == expected
    assert reference_verdict(text) == expected


@given(st.text(alphabet='ab ,"\n\r\u00e9', max_size=200))
@settings(max_examples=400, deadline=None)
def test_agrees_with_the_line_by_line_rule(text: str) -> None:
    assert verdict(text) == reference_verdict(text)


@given(text=st.text(alphabet='a,"\n', min_size=1, max_size=120), block=st.integers(1, 16))
@settings(max_examples=200, deadline=None)
def test_block_size_does_not_change_the_verdict(text: str, block: int) -> None:
    expected = verdict(text)
    with patch.object(extract_io, "_SCAN_BLOCK_BYTES", block):
        assert verdict(text) == expected
