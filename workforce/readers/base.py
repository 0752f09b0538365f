"""The seam between a file format and the extract contract: what a reader returns.

Grain: one ``ReadTable`` per extract file; ``cells`` has one row per data row of the file
(``source_row`` = the row number the user sees, header = row 1; for ``.xlsx`` the sheet
row) and one text column per column of the file (``c0``, ``c1``, ... in file order), each
value exactly as written (not trimmed); ``findings`` has one row per problem the reader
found in a cell or in the file as a whole.

A reader knows nothing of the extract's columns: ``workforce.extract_io`` matches the header
to them, trims the values and names the columns of the findings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO, Literal, Protocol

import polars as pl

from transforms.schema import SOURCE_ROW
from workforce.errors import RunFailure

Severity = Literal["error", "warning"]

# A row (a record of a CSV file, the cells of a sheet row) is read only while it fits in
# this many bytes (spec, "Bad input": 1 MB, taken as 10^6 bytes), so one stray value cannot
# exhaust memory.
MAX_ROW_BYTES = 1_000_000

# In a message of a cell finding, replaced by the name of the column (known only once the
# header has been matched to the extract's columns).
COLUMN_PLACEHOLDER = "{column}"

CELL_FINDINGS_SCHEMA: dict[str, pl.DataType] = {
    SOURCE_ROW: pl.Int64(),  # null for a finding about the whole file
    "column_index": pl.Int64(),  # 0-based position in the file; null for the whole file
    "rule": pl.String(),
    "severity": pl.String(),
    "value": pl.String(),
    "message": pl.String(),  # plain English; may hold COLUMN_PLACEHOLDER
}


# (row, column index, rule, severity, value, message) of one finding.
CellFinding = tuple[int | None, int | None, str, Severity, str | None, str]


def cell_findings(rows: list[CellFinding]) -> pl.DataFrame:
    """Findings in ``CELL_FINDINGS_SCHEMA`` from (row, column index, rule, severity, value,
    message) tuples."""
    return pl.DataFrame(rows, schema=CELL_FINDINGS_SCHEMA, orient="row")


def row_too_large(file_name: str, row: int, size: int, likely_cause: str) -> str:
    """The one line for a row larger than ``MAX_ROW_BYTES``."""
    return (
        f"{file_name}: row {row} cannot be read within {MAX_ROW_BYTES / 1_000_000:g} MB "
        f"(it is {size:,} bytes); check it for {likely_cause}"
    )


class UnreadableValue(RunFailure):
    """A value that stops the whole file being read (e.g. badly quoted). The message names
    the row and the column, never the value (it may be a child reference);
    ``workforce.extract_io`` names the column by its header only when that header is one
    of the extract's columns (in a file without a header row, the first row's cells are
    values)."""

    def __init__(
        self, file_name: str, row: int, column_index: int, header_cell: str | None, reason: str
    ) -> None:
        self.file_name = file_name
        self.row = row
        self.column_index = column_index
        self.header_cell = header_cell
        self.reason = reason
        super().__init__(self.message(f"column {column_index + 1}"))

    def message(self, column_label: str) -> str:
        return f"{self.file_name}: row {self.row}, {column_label}: {self.reason}"


@dataclass(frozen=True)
class ReadTable:
    """One file as read: its header cells and data cells as written, and what was wrong."""

    header: tuple[str | None, ...]  # the header row's cells as written (None: empty)
    cells: pl.DataFrame  # source_row (Int64) + c0..c{n-1} (String), untrimmed
    findings: pl.DataFrame  # CELL_FINDINGS_SCHEMA

    def __post_init__(self) -> None:
        if self.cells.columns[:1] != [SOURCE_ROW]:
            raise ValueError(f"ReadTable.cells must start with {SOURCE_ROW}")


class ExtractReader(Protocol):
    """Reads one file format. ``read`` gets the opened file (a regular file, positioned at
    its start) and the file's name for messages; it returns a ``ReadTable`` or raises
    ``workforce.errors.RunFailure`` with one line naming the file when the file cannot be
    read at all. Messages never quote a value of the file (a value may be a child
    reference): they name the row and column instead."""

    @property
    def suffix(self) -> str:
        """The file name extension this reader reads, lower case with its dot (``.csv``)."""
        ...

    @property
    def description(self) -> str:
        """How a user saves a file in this format, e.g. ``CSV UTF-8 (.csv)``."""
        ...

    def read(self, source: BinaryIO, file_name: str) -> ReadTable: ...
