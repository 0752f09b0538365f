"""Reading extracts: the reader registry, CSV and xlsx as text, header matching, drop
discovery, read failures, and the reader cases of the bad-input corpus.

A corpus case folder ``tests/bad_inputs/<case>/`` whose ``expected.toml`` exists is checked
here: its extract files replace those of the valid drop, and the file says what reading
gives (``failure``: the exact one-line message; ``values``: cells as read; ``findings``:
the reader's findings; ``ignored``/``rows``: ignored columns and rows read per extract;
``never_shown``: text that must not appear in the message or findings). Cases that cannot
be plain files in the repository (special files, generated workbooks, a 10 MB value) are
built in ``tmp_path`` by the parametrised tests below.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO, Literal

import openpyxl
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import workforce.extract_io as extract_io
import workforce.readers.csv_reader as csv_reader
from transforms.schema import (
    EXTRACT_COLUMNS,
    EXTRACT_NAMES,
    SOURCE_ROW,
    ColumnSpec,
    required_headers,
)
from workforce.cli import app
from workforce.errors import RunFailure
from workforce.extract_io import TRIMMED_WHITESPACE, find_drop, read_drop, read_extract
from workforce.readers import READERS, ReadTable, reader_for, supported_formats
from workforce.readers.base import cell_findings
from workforce.readers.xlsx_reader import cell_text, number_text

BAD_INPUTS = Path(__file__).parent / "bad_inputs"
SheetState = Literal["visible", "hidden", "veryHidden"]
STAFF_HEADER = required_headers("staff")
STAFF_COLUMNS = [spec.name for spec in EXTRACT_COLUMNS["staff"]]
CASELOADS_HEADER = required_headers("caseloads")
STAFF_ROW: list[object] = [
    "E1", "SW1", "Social worker", "SW", "Team A", "North", 1, "permanent",
    dt.date(2020, 1, 6), None, None, None,
]  # fmt: skip


def _drop_with(tmp_path: Path, case: str | None = None) -> Path:
    """A drop folder holding the valid staff and agency extracts, overlaid with a case's
    extract files."""
    drop = tmp_path / "drop"
    drop.mkdir()
    for name in ("staff.csv", "agency.csv"):
        shutil.copy(BAD_INPUTS / "valid" / name, drop / name)
    if case is not None:
        for file in (BAD_INPUTS / case).iterdir():
            if file.stem.lower() not in EXTRACT_NAMES:
                continue  # e.g. expected.toml
            for replaced in drop.glob(f"{file.stem}.*"):
                replaced.unlink()
            shutil.copy(file, drop / file.name)
    return drop


def _failure(drop: Path) -> str:
    with pytest.raises(RunFailure) as failure:
        read_drop(drop)
    message = str(failure.value)
    assert "\n" not in message
    return message


# The corpus cases with an expected.toml.

EXPECTED_CASES = sorted(path.parent.name for path in BAD_INPUTS.glob("*/expected.toml"))


def test_the_corpus_has_reader_cases() -> None:
    assert len(EXPECTED_CASES) >= 6


@pytest.mark.parametrize("case", EXPECTED_CASES)
def test_bad_input_reads_as_expected(tmp_path: Path, case: str) -> None:
    expected: dict[str, Any] = tomllib.loads((BAD_INPUTS / case / "expected.toml").read_text())
    drop = _drop_with(tmp_path, case)
    shown: list[str] = []
    if "failure" in expected:
        message = _failure(drop)
        assert message == expected["failure"]
        shown.append(message)
    else:
        extracts = read_drop(drop).extracts
        for cell in expected.get("values", []):
            frame = extracts[cell["extract"]].frame
            row = frame.filter(pl.col(SOURCE_ROW) == cell["row"])
            assert row.get_column(cell["column"]).to_list() == [cell["value"]], cell
        for name, rows in expected.get("rows", {}).items():
            assert extracts[name].frame.get_column(SOURCE_ROW).to_list() == rows
        for name, columns in expected.get("ignored", {}).items():
            assert list(extracts[name].ignored_columns) == columns
        got = {
            (raw.name, *finding)
            for raw in extracts.values()
            for finding in raw.findings.select(
                "row", "column", "rule", "severity", "value"
            ).iter_rows()
        }
        want = {
            (f["extract"], f.get("row"), f.get("column"), f["rule"], f["severity"], f.get("value"))
            for f in expected.get("findings", [])
        }
        assert got == want
        shown.extend(str(raw.findings.to_dicts()) for raw in extracts.values())
    for text in expected.get("never_shown", []):
        assert all(text not in line for line in shown)


# The registry.


class _FakeReader:
    """A reader of ``.fake`` files: ``|``-separated text, to show a format plugs in."""

    suffix = ".fake"
    description = "Fake export (.fake)"

    def read(self, source: BinaryIO, file_name: str) -> ReadTable:
        lines = source.read().decode().splitlines()
        header, *rows = (line.split("|") for line in lines)
        cells = pl.DataFrame(
            {
                SOURCE_ROW: pl.Series(range(2, len(rows) + 2), dtype=pl.Int64),
                **{
                    f"c{index}": pl.Series([row[index] for row in rows], dtype=pl.String)
                    for index in range(len(header))
                },
            }
        )
        return ReadTable(header=tuple(header), cells=cells, findings=cell_findings([]))


def test_a_reader_registered_for_a_new_suffix_is_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(READERS, ".fake", _FakeReader())
    drop = _drop_with(tmp_path)
    (drop / "absence.FAKE").write_text(
        "employee_id|start_date|end_date|working_days_lost|reason\nE1|2024-01-08|| 2 |SIC\n"
    )
    absence = read_drop(drop).extracts["absence"]
    assert absence.path.name == "absence.FAKE"
    assert absence.frame.rows() == [(2, "E1", "2024-01-08", None, "2", "SIC")]
    assert "Fake export (.fake)" in supported_formats()


def test_registry_is_keyed_by_lower_case_suffix() -> None:
    assert reader_for(Path("staff.CSV")) is READERS[".csv"]
    assert reader_for(Path("staff.Xlsx")) is READERS[".xlsx"]
    assert reader_for(Path("staff.xls")) is None
    assert supported_formats() == "CSV UTF-8 (.csv) or Excel workbook (.xlsx)"


def test_unsupported_extension_fails_naming_the_registered_formats(tmp_path: Path) -> None:
    drop = _drop_with(tmp_path)
    (drop / "absence.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    assert _failure(drop) == (
        "absence.xls: unsupported file type; save it as CSV UTF-8 (.csv) or Excel workbook (.xlsx)"
    )


def test_an_optional_column_missing_from_the_header_reads_as_null(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    columns = dict(EXTRACT_COLUMNS)
    columns["absence"] = (
        *EXTRACT_COLUMNS["absence"],
        ColumnSpec("notes", "text", nullable=True, required_header=False),
    )
    monkeypatch.setattr(extract_io, "EXTRACT_COLUMNS", columns)
    path = tmp_path / "absence.csv"
    path.write_text(
        "employee_id,start_date,end_date,working_days_lost,reason\nE1,2024-01-08,,2,SIC\n"
    )
    raw = read_extract("absence", path)
    assert raw.frame.columns[-1] == "notes"
    assert raw.frame.get_column("notes").to_list() == [None]
    assert raw.findings.height == 0
    assert raw.ignored_columns == ()
    path.write_text(
        "notes,employee_id,start_date,end_date,working_days_lost,reason\n"
        " back pain ,E1,2024-01-08,,2,SIC\n"
    )
    assert read_extract("absence", path).frame.get_column("notes").to_list() == ["back pain"]


# CSV.


def test_csv_reads_every_known_column_as_trimmed_text(tmp_path: Path) -> None:
    path = tmp_path / "staff.csv"
    path.write_bytes(
        b"\xef\xbb\xbf Employee_ID ,SWE_Number,job_title,ROLE,team,service_area,fte,"
        b"contract_type,start_date,end_date,leaving_reason,start_origin,Line Manager \r\n"
        b'  E1 ,SW1,"Social worker, ASYE",sw,Team A,North,1.0,permanent,2020-01-01,,,01,X\r\n'
        b",,,,,,,,,,,,\r\n"
        b"E2,,Family support,FSW,Team A\xc2\xa0,North,0.50,fixed_term,2021-06-01, ,,,\r\n"
    )
    raw = read_extract("staff", path)
    assert raw.frame.columns == [SOURCE_ROW, *STAFF_COLUMNS]
    assert raw.frame.schema[SOURCE_ROW] == pl.Int64
    assert all(raw.frame.schema[name] == pl.String for name in STAFF_COLUMNS)
    # The blank row 3 is skipped but row numbers stay those of the file.
    assert raw.frame.get_column(SOURCE_ROW).to_list() == [2, 4]
    first = raw.frame.row(0, named=True)
    assert first["employee_id"] == "E1"
    assert first["job_title"] == "Social worker, ASYE"
    assert first["role"] == "sw"  # codes are normalised by validation, not by reading
    assert first["fte"] == "1.0"  # values stay as written
    assert first["start_origin"] == "01"
    assert first["end_date"] is None
    second = raw.frame.row(1, named=True)
    assert second["end_date"] is None  # " " is empty after trimming
    assert second["team"] == "Team A"  # a trailing no-break space is whitespace
    assert raw.ignored_columns == ("Line Manager",)
    assert raw.findings.height == 0


@pytest.mark.parametrize(
    ("written", "read"),
    [
        (" \t1 \r\n", "1"),
        ("\u00a0\u30001\u2003", "1"),  # Unicode spaces are spaces
        ("1\x00", "1\x00"),  # NUL is never trimmed
        ("\x001", "\x001"),
        (" \x00 ", "\x00"),  # ... and a NUL alone is a value, not an empty cell
        ("1\x0b", "1\x0b"),  # vertical tab, form feed, NEL, unit separator: control
        ("\x0c1", "\x0c1"),  # characters, kept for validation to report
        ("1\x85", "1\x85"),
        ("1\x1f", "1\x1f"),
        ("  ", None),
    ],
)
def test_trimming_removes_spaces_tabs_and_line_breaks_only(
    tmp_path: Path, written: str, read: str | None
) -> None:
    path = tmp_path / "absence.csv"
    quoted = '"' + written.replace('"', '""') + '"'
    path.write_text(
        f"employee_id,start_date,end_date,working_days_lost,reason\nE1,2024-01-08,,{quoted},SIC\n"
    )
    assert read_extract("absence", path).frame.get_column("working_days_lost").to_list() == [read]


_CELL_TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=12)


def _as_read(value: str) -> str | None:
    return value.strip(TRIMMED_WHITESPACE) or None


@given(
    rows=st.lists(st.lists(_CELL_TEXT, min_size=5, max_size=5), min_size=1, max_size=6),
    end_of_line=st.sampled_from(["\n", "\r\n", "\r"]),
)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_any_quoted_csv_value_reads_back_exactly(rows: list[list[str]], end_of_line: str) -> None:
    """Whatever the characters (quotes, commas, line breaks, NUL, control characters) and
    the line endings, a value written as a quoted CSV value reads back as written, trimmed
    of whitespace (a file with CR-only line endings has no line feed, in values either)."""
    if end_of_line == "\r":
        rows = [[value.replace("\n", "") for value in row] for row in rows]
    header = required_headers("absence")
    lines = [",".join(header)]
    lines += [",".join('"' + value.replace('"', '""') + '"' for value in row) for row in rows]
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "absence.csv"
        path.write_bytes((end_of_line.join(lines) + end_of_line).encode())
        frame = read_extract("absence", path).frame
    expected = [
        (number, *(_as_read(value) for value in row))
        for number, row in enumerate(rows, start=2)
        if any(_as_read(value) for value in row)
    ]
    assert frame.rows() == expected


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("truncated", r"staff\.csv: row 3 has 5 values but the header has 12 columns"),
        ("ragged", r"staff\.csv: row 2 has 13 values but the header has 12 columns"),
        ("unclosed_quote", r"staff\.csv: row 3 opens a quoted value that is never closed"),
        ("wrong_delimiter", r"staff\.csv: required columns missing: .*comma separated\?"),
        ("latin1", r"staff\.csv: not UTF-8 text \(byte 0xE9 on line 2\)"),
        ("empty_file", r"staff\.csv: the file is empty"),
        ("duplicated_header", r"staff\.csv: column team appears more than once"),
        ("missing_column", r"staff\.csv: required column missing: contract_type$"),
        ("corrupt_xlsx", r"staff\.xlsx: cannot be opened as an Excel workbook"),
    ],
)
def test_unreadable_files_fail_with_one_line_naming_file_and_reason(
    tmp_path: Path, case: str, message: str
) -> None:
    assert re.search(message, _failure(_drop_with(tmp_path, case)))


def test_header_only_csv_reads_zero_rows(tmp_path: Path) -> None:
    drop = _drop_with(tmp_path, "header_only")
    assert read_drop(drop).extracts["staff"].frame.height == 0


def test_bom_csv_reads_the_first_column_name(tmp_path: Path) -> None:
    drop = _drop_with(tmp_path, "bom")
    frame = read_drop(drop).extracts["staff"].frame
    assert frame.get_column("employee_id").to_list() == ["E1"]


@pytest.mark.parametrize("end_of_line", ["\n", "\r\n", "\r"])
def test_a_csv_reads_the_same_from_disk_and_from_memory(tmp_path: Path, end_of_line: str) -> None:
    # From disk polars maps the file; a stream without a file behind it is parsed from the
    # bytes read: the same table either way, byte-order mark and quoted line breaks included.
    rows = ["\ufeffa,b,c", f'1,"two{end_of_line}lines",3', '" x ",,"say ""hi"""', "", "4,5,6"]
    text = end_of_line.join(rows)
    path = tmp_path / "staff.csv"
    path.write_bytes(text.encode())
    with path.open("rb") as on_disk:
        from_disk = csv_reader.CsvReader().read(on_disk, path.name)
    from_memory = csv_reader.CsvReader().read(io.BytesIO(text.encode()), path.name)
    assert from_disk.header == from_memory.header == ("a", "b", "c")
    assert from_disk.cells.equals(from_memory.cells)
    assert from_disk.cells.row(0) == (2, "1", f"two{end_of_line}lines", "3")


def test_a_csv_that_changes_while_it_is_read_fails_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    drop = _drop_with(tmp_path)
    rewound = csv_reader._rewound

    def rewound_after_another_row_arrives(source: BinaryIO) -> bool:
        with (drop / "staff.csv").open("a") as growing:
            growing.write("E9,SW100009,Social worker,SW,Team A,North,1,permanent,2020-01-01,,,2\n")
        return rewound(source)

    monkeypatch.setattr(csv_reader, "_rewound", rewound_after_another_row_arrives)
    assert _failure(drop) == "staff.csv: the file changed while it was read; run again"


def test_a_10_mb_value_is_refused_naming_its_row(tmp_path: Path) -> None:
    drop = _drop_with(tmp_path)
    lines = (drop / "agency.csv").read_text().splitlines()
    huge = lines[1].replace("Agency Ltd", "A" * 10_000_000)
    (drop / "agency.csv").write_text("\n".join([lines[0], lines[1], huge]) + "\n")
    size = len(huge.encode())
    assert _failure(drop) == (
        f"agency.csv: row 3 cannot be read within 1 MB (it is {size:,} bytes); check it for "
        "a value pasted by mistake or a quote mark that is never closed"
    )


def test_badly_quoted_value_of_an_unknown_header_is_named_by_position(tmp_path: Path) -> None:
    drop = _drop_with(tmp_path)
    (drop / "agency.csv").write_text(
        "assignment_id,worker_id,swe_number,agency_name,role,team,service_area,fte,"
        "start_date,end_date,weekly_cost,Contact\n"
        'A1,W1,SW200001,"Agency" Ltd,SW,Team A,North,1,2023-01-01,,950.00,x\n'
        'A2,W2,SW200002,Agency Ltd,SW,Team A,North,1,2023-01-01,,950.00,"Jo" Bloggs\n'
    )
    assert _failure(drop) == (
        "agency.csv: row 2, column agency_name: a quoted value has text after its closing "
        'quote; a quote mark inside a value must be doubled ("")'
    )
    (drop / "agency.csv").write_text(
        (drop / "agency.csv").read_text().replace('"Agency" Ltd', "Agency Ltd")
    )
    assert _failure(drop).startswith("agency.csv: row 3, column 12: a quoted value")


# xlsx.


def _write_staff_xlsx(
    path: Path,
    rows: list[list[object]],
    header: list[str] = STAFF_HEADER,
    first_sheet_state: SheetState = "visible",
) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Staff"
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    workbook.create_sheet("Notes").append(["ignored", "sheet"])
    sheet.sheet_state = first_sheet_state
    if first_sheet_state != "visible":
        workbook.active = 1
    workbook.save(path)


def _edit_sheet_xml(path: Path, replace: Callable[[str], str]) -> None:
    """Rewrite the first sheet's XML (to store what openpyxl cannot write: cached values)."""
    with zipfile.ZipFile(path) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    # openpyxl writes an empty cached value as <v /> without lxml and <v></v> with it
    # (lxml is installed for the census return): edits see one form.
    parts[sheet] = replace(parts[sheet].decode().replace("<v></v>", "<v />")).encode()
    with zipfile.ZipFile(path, "w") as target:
        for name, content in parts.items():
            target.writestr(name, content)


def test_xlsx_cells_read_as_the_text_a_user_would_type(tmp_path: Path) -> None:
    path = tmp_path / "staff.xlsx"
    header = [name.upper() if name == "role" else name for name in STAFF_HEADER]
    _write_staff_xlsx(
        path,
        [
            # date cell, midnight datetime cell, whole-number float code, float fte
            ["E1", "SW1", "Social worker", "SW", "Team A", "North", 0.5, "permanent",
             dt.date(2020, 1, 6), dt.datetime(2023, 5, 31, 0, 0), 1.0, 2],
            [None] * 12,  # a blank sheet row is skipped, numbering is kept
            # dates typed as text: ISO accepted as is, other text kept for validation
            [" E2 ", None, "Team manager", "tm", "Team A", "North", 1, "permanent",
             "2021-02-01", "31/12/2023", None, None],
            ["E3", "SW3", "Social worker", "SW", "Team A", "North", 0.125, "permanent",
             dt.datetime(2021, 2, 1, 13, 30), None, True, 1e-05],
        ],
        header,
    )  # fmt: skip
    raw = read_extract("staff", path)
    assert raw.frame.get_column(SOURCE_ROW).to_list() == [2, 4, 5]
    first, second, third = raw.frame.iter_rows(named=True)
    assert (first["fte"], first["start_date"], first["end_date"]) == (
        "0.5",
        "2020-01-06",
        "2023-05-31",
    )
    assert (first["leaving_reason"], first["start_origin"]) == ("1", "2")
    assert (second["employee_id"], second["fte"]) == ("E2", "1")
    assert (second["start_date"], second["end_date"]) == ("2021-02-01", "31/12/2023")
    assert third["fte"] == "0.125"
    assert third["start_date"] == "2021-02-01 13:30:00"  # not a date: validation says so
    assert third["leaving_reason"] == "TRUE"
    assert third["start_origin"] == "0.00001"
    assert raw.ignored_columns == ()
    assert raw.findings.height == 0


def test_xlsx_numbers_are_read_as_written_not_through_a_float(tmp_path: Path) -> None:
    path = tmp_path / "staff.xlsx"
    _write_staff_xlsx(path, [STAFF_ROW])
    _edit_sheet_xml(
        path,
        lambda xml: xml.replace(
            '<c r="G2" t="n"><v>1</v>', '<c r="G2" t="n"><v>1.00000000000000001</v>'
        ),
    )
    assert read_extract("staff", path).frame.get_column("fte").to_list() == ["1.00000000000000001"]


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("1", "1"),
        ("1.0", "1"),
        ("-0", "0"),
        ("0.5", "0.5"),
        ("1E-05", "0.00001"),
        ("1e+23", "100000000000000000000000"),
        ("1.00000000000000001", "1.00000000000000001"),
        ("1E+999", "1E+999"),  # hundreds of digits written out: kept as written
        ("NaN", "NaN"),
        ("x1", "x1"),
    ],
)
def test_number_text_hand_checked(written: str, read: str) -> None:
    assert number_text(written) == read


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_xlsx_numbers_read_back_to_the_same_number_without_exponent(value: float) -> None:
    for written in (repr(value), str(value), f"{value:E}"):
        text = number_text(written)
        assert "e" not in text.lower()
        assert float(text) == float(written)
        assert not text.endswith(".0")


@given(st.dates())
def test_xlsx_dates_and_midnight_datetimes_read_as_iso(day: dt.date) -> None:
    midnight = dt.datetime.combine(day, dt.time(0))
    assert cell_text(day) == cell_text(midnight) == day.isoformat()


EXCEL_ERRORS = ("#N/A", "#REF!", "#DIV/0!", "#VALUE!", "#NAME?", "#NULL!", "#NUM!")


def test_xlsx_error_cells_are_error_findings_never_values(tmp_path: Path) -> None:
    path = tmp_path / "staff.xlsx"
    rows = [
        [f"E{index}", *STAFF_ROW[1:4], error, *STAFF_ROW[5:]]
        for index, error in enumerate(EXCEL_ERRORS)
    ]
    _write_staff_xlsx(path, rows)
    raw = read_extract("staff", path)
    assert raw.frame.get_column("team").to_list() == [None] * len(EXCEL_ERRORS)
    assert raw.findings.select("row", "column", "rule", "severity", "value").rows() == [
        (row, "team", "excel_error", "error", error)
        for row, error in enumerate(EXCEL_ERRORS, start=2)
    ]
    assert raw.findings.get_column("message")[0] == (
        "team holds an Excel error value instead of data; correct the cell (or the formula "
        "that gives the error) in the workbook"
    )
    assert raw.findings.get_column("extract").unique().to_list() == ["staff"]


def test_xlsx_formula_without_a_stored_value_is_an_error_finding(tmp_path: Path) -> None:
    path = tmp_path / "staff.xlsx"
    _write_staff_xlsx(
        path,
        [
            [*STAFF_ROW[:4], '="Team "&"A"', *STAFF_ROW[5:]],  # as scripts write them
            ["E2", *STAFF_ROW[1:6], "=1/2", *STAFF_ROW[7:]],  # cached below: a value
            ["E3", *STAFF_ROW[1:6], "=1/0", *STAFF_ROW[7:]],  # cached error: an error
            ["E4", *STAFF_ROW[1:9], '=IF(1,"","x")', *STAFF_ROW[10:], "=A2"],  # "" cached
            ["=B2"],  # a row holding only a formula is not blank: it is kept with its finding
        ],
        header=[*STAFF_HEADER, "check"],
    )
    _edit_sheet_xml(
        path,
        lambda xml: (
            xml.replace("<f>1/2</f><v />", "<f>1/2</f><v>0.5</v>")
            .replace('<c r="G4"><f>1/0</f><v />', '<c r="G4" t="e"><f>1/0</f><v>#DIV/0!</v>')
            .replace(
                '<c r="J5"><f>IF(1,"","x")</f><v />', '<c r="J5" t="str"><f>IF(1,"","x")</f><v></v>'
            )
        ),
    )
    raw = read_extract("staff", path)
    assert raw.frame.select("team", "fte", "end_date").rows() == [
        (None, "1", None),
        ("Team A", "0.5", None),
        ("Team A", None, None),
        ("Team A", "1", None),
        (None, None, None),
    ]
    assert raw.frame.get_column(SOURCE_ROW).to_list() == [2, 3, 4, 5, 6]
    # The formula of the ignored "check" column does not matter.
    assert raw.findings.select("row", "column", "rule", "value").rows() == [
        (2, "team", "formula_without_value", '="Team "&"A"'),
        (4, "fte", "excel_error", "#DIV/0!"),
        (6, "employee_id", "formula_without_value", "=B2"),
    ]
    assert raw.findings.get_column("message")[0] == (
        "team holds a formula with no stored value (the file was not saved by Excel after it "
        "was calculated); open it in Excel and save it, or paste the values over the formulas"
    )


def test_xlsx_formula_in_a_child_reference_is_reported_without_its_text(tmp_path: Path) -> None:
    drop = _drop_with(tmp_path)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(CASELOADS_HEADER)
    sheet.append(["C1", '="CHILD-"&"7731"', "E1", "employee", dt.date(2024, 1, 1), None])
    workbook.save(drop / "caseloads.xlsx")
    raw = read_drop(drop).extracts["caseloads"]
    assert raw.findings.select("row", "column", "rule", "value").rows() == [
        (2, "child_ref", "formula_without_value", None)
    ]
    assert "CHILD-" not in str(raw.findings.to_dicts())


@pytest.mark.parametrize(("state", "kind"), [("hidden", "hidden"), ("veryHidden", "very hidden")])
def test_xlsx_hidden_first_sheet_is_read_with_a_warning_naming_it(
    tmp_path: Path, state: SheetState, kind: str
) -> None:
    path = tmp_path / "staff.xlsx"
    _write_staff_xlsx(path, [STAFF_ROW], first_sheet_state=state)
    raw = read_extract("staff", path)
    assert raw.frame.get_column("employee_id").to_list() == ["E1"]
    assert raw.findings.rows() == [
        (
            "staff", None, None, "hidden_sheet", "warning", "Staff",
            f"the first sheet of the workbook, 'Staff', is {kind} in Excel; it is the sheet "
            "that was read. If the data is on another sheet, move that sheet first (or "
            "delete the hidden one)",
            None, None,
        )
    ]  # fmt: skip


def test_xlsx_escaped_control_characters_are_decoded_and_kept(tmp_path: Path) -> None:
    path = tmp_path / "staff.xlsx"
    # Excel stores characters XML cannot carry as _xHHHH_; openpyxl writes text as is.
    _write_staff_xlsx(path, [[*STAFF_ROW[:4], "Team A_x0000_", *STAFF_ROW[5:]]])
    frame = read_extract("staff", path).frame
    assert frame.get_column("team").to_list() == ["Team A\x00"]


def test_xlsx_row_over_one_megabyte_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "staff.xlsx"
    _write_staff_xlsx(path, [STAFF_ROW, [*STAFF_ROW[:2], "HUGE", *STAFF_ROW[3:]]])
    # openpyxl cuts text at Excel's 32,767 characters when writing; other writers do not.
    _edit_sheet_xml(path, lambda xml: xml.replace(">HUGE<", f">{'x' * 1_000_000}<"))
    with pytest.raises(RunFailure) as failure:
        read_extract("staff", path)
    size = 1_000_000 + len("E1SW1SW") + len("Team ANorth1permanent2020-01-06")
    assert str(failure.value) == (
        f"staff.xlsx: row 3 cannot be read within 1 MB (it is {size:,} bytes); check it for "
        "a value pasted by mistake"
    )


def test_xlsx_without_header_in_row_1_fails(tmp_path: Path) -> None:
    path = tmp_path / "staff.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet["A2"] = "employee_id"
    workbook.save(path)
    with pytest.raises(RunFailure, match=r"^staff\.xlsx: the first sheet has no header in row 1$"):
        read_extract("staff", path)


# The drop.


def test_required_extract_missing_fails(tmp_path: Path) -> None:
    drop = _drop_with(tmp_path)
    (drop / "agency.csv").unlink()
    assert _failure(drop) == (
        f"{drop}: required extract agency is missing (expected agency.csv or agency.xlsx)"
    )


def test_both_csv_and_xlsx_fail_naming_both(tmp_path: Path) -> None:
    drop = _drop_with(tmp_path)
    _write_staff_xlsx(drop / "staff.xlsx", [])
    with pytest.raises(RunFailure, match=r"both staff\.csv and staff\.xlsx found"):
        read_drop(drop)


def test_optional_extracts_are_read_only_when_present(tmp_path: Path) -> None:
    drop = _drop_with(tmp_path)
    shutil.copy(BAD_INPUTS / "valid" / "absence.csv", drop / "absence.csv")
    (drop / "caseloads").mkdir()  # a folder without a readable extension is not an extract
    assert set(read_drop(drop).extracts) == {"staff", "agency", "absence"}


def _folder(path: Path) -> None:
    path.mkdir()
    (path / "caseloads.csv").write_text("allocation_id\n")


def _symlink_loop(path: Path) -> None:
    path.symlink_to(path.name)


def _broken_symlink(path: Path) -> None:
    path.symlink_to("exported_caseloads.csv")


def _device(path: Path) -> None:
    path.symlink_to("/dev/null")


def _fifo(path: Path) -> None:
    os.mkfifo(path)


CANNOT_READ = "caseloads.csv: cannot be read: "
REPLACE = "; replace it with the extract file"
UNREADABLE_ENTRIES = [
    ("folder", _folder, f"{CANNOT_READ}it is a folder, not a file{REPLACE}"),
    ("symlink_loop", _symlink_loop, f"{CANNOT_READ}it is a symbolic link that loops back on itself{REPLACE}"),
    ("broken_symlink", _broken_symlink, f"{CANNOT_READ}it is a symbolic link to a file that does not exist{REPLACE}"),
    ("device", _device, f"{CANNOT_READ}it is not a regular file (a device, pipe or socket){REPLACE}"),
    ("fifo", _fifo, f"{CANNOT_READ}it is not a regular file (a device, pipe or socket){REPLACE}"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("make", "message"),
    [(make, message) for _, make, message in UNREADABLE_ENTRIES],
    ids=[case for case, _, _ in UNREADABLE_ENTRIES],
)
def test_an_extract_that_exists_but_cannot_be_read_fails_the_run(
    tmp_path: Path, make: Callable[[Path], None], message: str
) -> None:
    drop = _drop_with(tmp_path)
    make(drop / "caseloads.csv")
    assert _failure(drop) == message


def test_an_extract_without_read_permission_fails_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    drop = _drop_with(tmp_path)
    shutil.copy(BAD_INPUTS / "valid" / "caseloads.csv", drop / "caseloads.csv")
    (drop / "caseloads.csv").chmod(0)
    if os.geteuid() == 0:  # root reads any file: refuse the open as the kernel would
        real_open = os.open

        def refuse(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
            if Path(path).name == "caseloads.csv":
                raise PermissionError(13, "Permission denied", str(path))
            return real_open(path, flags, *args, **kwargs)

        monkeypatch.setattr(os, "open", refuse)
    assert _failure(drop) == (
        "caseloads.csv: cannot be read: permission denied; give the account running the "
        "pipeline read access"
    )


def test_find_drop_picks_newest_dated_folder_on_or_before_as_of(tmp_path: Path) -> None:
    incoming = tmp_path / "incoming"
    for name in ("2024-03-29", "2024-03-31", "2024-04-02", "not-a-date"):
        (incoming / name).mkdir(parents=True)
    assert find_drop(incoming, dt.date(2024, 4, 1)) == (
        incoming / "2024-03-31",
        dt.date(2024, 3, 31),
    )
    assert find_drop(incoming, dt.date(2024, 3, 30))[1] == dt.date(2024, 3, 29)
    with pytest.raises(RunFailure, match=r"on or before 2024-03-28 \(the earliest is 2024-03-29\)"):
        find_drop(incoming, dt.date(2024, 3, 28))


def test_find_drop_accepts_a_drop_folder_itself(tmp_path: Path) -> None:
    drop = _drop_with(tmp_path)
    assert find_drop(drop, dt.date(2024, 3, 31)) == (drop, None)
    with pytest.raises(RunFailure, match="input folder not found"):
        find_drop(tmp_path / "missing", dt.date(2024, 3, 31))


def test_cli_validate_of_an_unreadable_extract_is_one_line_without_child_reference(
    tmp_path: Path,
) -> None:
    drop = _drop_with(tmp_path, "caseloads_malformed_quote")
    result = CliRunner().invoke(app, ["validate", "--input", str(drop), "--as-of", "2024-03-31"])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert lines[0].startswith("workforce: run failed: caseloads.csv: row 3, column child_ref")
    assert "CHILD-" not in result.output


def test_xlsx_rich_text_inline_strings_read_as_their_plain_text(tmp_path: Path) -> None:
    path = tmp_path / "staff.xlsx"
    _write_staff_xlsx(path, [[*STAFF_ROW[:4], "RICH", *STAFF_ROW[5:]]])
    rich = '<is><r><t xml:space="preserve">Team </t></r><r><rPr><b/></rPr><t>A</t></r></is>'
    _edit_sheet_xml(path, lambda xml: xml.replace("<is><t>RICH</t></is>", rich))
    assert read_extract("staff", path).frame.get_column("team").to_list() == ["Team A"]


def test_duplicate_ignored_columns_are_one_warning_not_a_refusal(tmp_path: Path) -> None:
    from workforce.validation import validate_drop

    result = validate_drop(
        read_drop(_drop_with(tmp_path, "duplicate_ignored_columns")), dt.date(2024, 3, 31), 1.0
    )
    assert result.findings.select("extract", "column", "rule", "severity").rows() == [
        ("staff", "notes", "ignored_column", "warning")
    ]


def test_a_read_failure_fails_the_run_in_one_line_and_publishes_nothing(tmp_path: Path) -> None:
    """As a user runs it (a separate process: the command, its embedded Prefect server):
    exit status 1, one line naming the file, row and column, no child reference, nothing
    published."""
    drop = _drop_with(tmp_path, "caseloads_malformed_quote")
    output = tmp_path / "out"
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "workforce"),
            "run",
            "--input",
            str(drop),
            "--output",
            str(output),
            "--as-of",
            "2024-03-31",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        # as a user runs it: the test session's own Prefect log level is not exported
        env={k: v for k, v in os.environ.items() if k != "PREFECT_LOGGING_LEVEL"},
    )
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines == [
        "workforce: run failed: caseloads.csv: row 3, column child_ref: a quoted value has "
        'text after its closing quote; a quote mark inside a value must be doubled ("")'
    ], result.stderr
    assert "CHILD-" not in result.stdout + result.stderr
    assert not output.exists()
