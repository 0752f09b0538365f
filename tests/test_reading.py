"""Reading extracts: CSV and xlsx as text, header matching, drop discovery, read failures."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from transforms.schema import EXTRACT_COLUMNS, SOURCE_ROW
from workforce.errors import RunFailure
from workforce.extract_io import _cell_text, find_drop, read_drop, read_extract

BAD_INPUTS = Path(__file__).parent / "bad_inputs"
STAFF_HEADER = [spec.name for spec in EXTRACT_COLUMNS["staff"]]


def _drop_with(tmp_path: Path, case: str | None = None) -> Path:
    """A drop folder holding the valid staff and agency extracts, overlaid with a case's."""
    drop = tmp_path / "drop"
    drop.mkdir()
    for name in ("staff.csv", "agency.csv"):
        shutil.copy(BAD_INPUTS / "valid" / name, drop / name)
    if case is not None:
        for file in (BAD_INPUTS / case).iterdir():
            for replaced in drop.glob(f"{file.stem}.*"):
                replaced.unlink()
            shutil.copy(file, drop / file.name)
    return drop


def test_csv_reads_every_known_column_as_trimmed_text(tmp_path: Path) -> None:
    path = tmp_path / "staff.csv"
    path.write_bytes(
        b"\xef\xbb\xbf Employee_ID ,SWE_Number,job_title,ROLE,team,service_area,fte,"
        b"contract_type,start_date,end_date,leaving_reason,start_origin,Line Manager \r\n"
        b'  E1 ,SW1,"Social worker, ASYE",sw,Team A,North,1.0,permanent,2020-01-01,,,01,X\r\n'
        b",,,,,,,,,,,,\r\n"
        b"E2,,Family support,FSW,Team A,North,0.50,fixed_term,2021-06-01, ,,,\r\n"
    )
    raw = read_extract("staff", path)
    assert raw.frame.columns == [SOURCE_ROW, *STAFF_HEADER]
    assert raw.frame.schema[SOURCE_ROW] == pl.Int64
    assert all(raw.frame.schema[name] == pl.String for name in STAFF_HEADER)
    # The blank row 3 is skipped but row numbers stay those of the file.
    assert raw.frame.get_column(SOURCE_ROW).to_list() == [2, 4]
    first = raw.frame.row(0, named=True)
    assert first["employee_id"] == "E1"
    assert first["job_title"] == "Social worker, ASYE"
    assert first["role"] == "sw"  # codes are normalised by validation, not by reading
    assert first["fte"] == "1.0"  # values stay as written
    assert first["start_origin"] == "01"
    assert first["end_date"] is None
    assert raw.frame.row(1, named=True)["end_date"] is None  # " " is empty after trimming
    assert raw.ignored_columns == ("Line Manager",)


def test_header_only_csv_reads_zero_rows(tmp_path: Path) -> None:
    drop = _drop_with(tmp_path, "header_only")
    assert read_drop(drop).extracts["staff"].frame.height == 0


def test_bom_csv_reads_the_first_column_name(tmp_path: Path) -> None:
    drop = _drop_with(tmp_path, "bom")
    frame = read_drop(drop).extracts["staff"].frame
    assert frame.get_column("employee_id").to_list() == ["E1"]


def _write_staff_xlsx(path: Path, rows: list[list[object]], header: list[str]) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Staff"
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    workbook.create_sheet("Notes").append(["ignored", "sheet"])
    workbook.save(path)


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
             dt.datetime(2021, 2, 1, 13, 30), None, None, 1e-05],
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
    assert third["start_origin"] == "0.00001"
    assert raw.ignored_columns == ()


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_xlsx_numbers_read_back_to_the_same_number_without_exponent(value: float) -> None:
    text = _cell_text(value)
    assert text is not None
    assert "e" not in text.lower()
    assert float(text) == value
    assert text.endswith(".0") is False


@given(st.dates())
def test_xlsx_dates_and_midnight_datetimes_read_as_iso(day: dt.date) -> None:
    midnight = dt.datetime.combine(day, dt.time(0))
    assert _cell_text(day) == _cell_text(midnight) == day.isoformat()


def test_required_extract_missing_fails(tmp_path: Path) -> None:
    drop = _drop_with(tmp_path)
    (drop / "agency.csv").unlink()
    with pytest.raises(RunFailure, match=r"required extract agency is missing"):
        read_drop(drop)


def test_both_csv_and_xlsx_fail_naming_both(tmp_path: Path) -> None:
    drop = _drop_with(tmp_path)
    _write_staff_xlsx(drop / "staff.xlsx", [], STAFF_HEADER)
    with pytest.raises(RunFailure, match=r"both staff\.csv and staff\.xlsx found"):
        read_drop(drop)


def test_optional_extracts_are_read_only_when_present(tmp_path: Path) -> None:
    drop = _drop_with(tmp_path)
    shutil.copy(BAD_INPUTS / "valid" / "absence.csv", drop / "absence.csv")
    assert set(read_drop(drop).extracts) == {"staff", "agency", "absence"}


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
    drop = _drop_with(tmp_path, case)
    with pytest.raises(RunFailure, match=message) as failure:
        read_drop(drop)
    assert "\n" not in str(failure.value)


def test_unsupported_extension_fails(tmp_path: Path) -> None:
    drop = _drop_with(tmp_path)
    (drop / "absence.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(RunFailure, match=r"absence\.xls: unsupported file type"):
        read_drop(drop)


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
