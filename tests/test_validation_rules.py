"""The polars rule checks behind the GX suites (transforms/rules.py)."""

from __future__ import annotations

import datetime as dt
import re

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from transforms.rules import (
    DECIMAL_REGEX,
    DUPLICATE_ROWS,
    ENDED_BY_AS_OF,
    ISO_DATE_REGEX,
    OVERLAP,
    OVERLAP_ROWS,
    UNKNOWN_EMPLOYEE,
    check_frame,
    decimal_number,
    duplicate_rows,
    iso_date,
    message_expr,
    overlapping_rows,
)
from transforms.schema import SOURCE_ROW

D = dt.date


def _periods(rows: list[tuple[str | None, D | None, D | None, str | None]]) -> pl.DataFrame:
    """(key, start, end, end as written) per row, source rows from 2."""
    return pl.DataFrame(
        {
            SOURCE_ROW: list(range(2, len(rows) + 2)),
            "key": [row[0] for row in rows],
            "start": [row[1] for row in rows],
            "end": [row[2] for row in rows],
            "end_text": [row[3] for row in rows],
        },
        schema={
            SOURCE_ROW: pl.Int64,
            "key": pl.String,
            "start": pl.Date,
            "end": pl.Date,
            "end_text": pl.String,
        },
    )


def _overlaps(frame: pl.DataFrame) -> dict[int, str | None]:
    result = overlapping_rows(frame, ["key"], "start", "end", "end_text")
    assert result.get_column(SOURCE_ROW).to_list() == frame.get_column(SOURCE_ROW).to_list()
    return {
        row[SOURCE_ROW]: row[OVERLAP_ROWS] if row[OVERLAP] else None
        for row in result.iter_rows(named=True)
    }


def test_periods_sharing_a_day_overlap_and_consecutive_ones_do_not() -> None:
    frame = _periods(
        [
            ("E1", D(2020, 1, 1), D(2020, 12, 31), "2020-12-31"),
            ("E1", D(2021, 1, 1), D(2021, 6, 30), "2021-06-30"),  # starts the day after
            ("E1", D(2021, 6, 30), None, None),  # starts on the last day of row 3: clash
            ("E2", D(2019, 1, 1), None, None),  # open, contains row 6
            ("E2", D(2020, 3, 1), D(2020, 3, 31), "2020-03-31"),
            ("E3", D(2020, 1, 1), None, "not a date"),  # end unreadable: no clash
            ("E3", D(2020, 1, 1), None, None),
            (None, D(2020, 1, 1), None, None),  # no key: no clash
            (None, D(2020, 1, 1), None, None),
        ]
    )
    assert _overlaps(frame) == {
        2: None,
        3: "3, 4",
        4: "3, 4",
        5: "5, 6",
        6: "5, 6",
        7: None,
        8: None,
        9: None,
        10: None,
    }


def test_a_period_ending_before_it_starts_is_compared_as_written() -> None:
    frame = _periods(
        [
            ("E1", D(2020, 1, 1), D(2020, 12, 31), "2020-12-31"),
            ("E1", D(2020, 6, 1), D(2020, 5, 1), "2020-05-01"),  # inverted, inside row 2
            ("E1", D(2022, 6, 1), D(2022, 5, 1), "2022-05-01"),  # inverted, touches nothing
        ]
    )
    assert _overlaps(frame) == {2: "2, 3", 3: "2, 3", 4: None}


_day = st.integers(min_value=0, max_value=40).map(lambda n: D(2020, 1, 1) + dt.timedelta(n))


@st.composite
def _period_rows(draw: st.DrawFn) -> tuple[str | None, D | None, D | None, str | None]:
    key = draw(st.sampled_from(["a", "b", None]))
    start = draw(st.none() | _day)
    end_kind = draw(st.sampled_from(["open", "date", "unreadable"]))
    if end_kind == "open":
        return key, start, None, None
    if end_kind == "unreadable":
        return key, start, None, "31/12/2020"
    end = draw(_day)
    return key, start, end, end.isoformat()


@settings(max_examples=200, deadline=None)
@given(st.lists(_period_rows(), max_size=12))
def test_overlaps_match_comparing_every_pair(
    rows: list[tuple[str | None, D | None, D | None, str | None]],
) -> None:
    readable = {
        index: (key, start, end or D.max)
        for index, (key, start, end, end_text) in enumerate(rows, start=2)
        if key is not None and start is not None and (end_text is None or end is not None)
    }
    clashing = {
        i
        for i, (key_i, start_i, end_i) in readable.items()
        for j, (key_j, start_j, end_j) in readable.items()
        if i != j and key_i == key_j and start_i <= end_j and start_j <= end_i
    }
    expected = {
        index: ", ".join(
            str(other) for other in sorted(clashing) if readable[other][0] == readable[index][0]
        )
        if index in clashing
        else None
        for index in range(2, len(rows) + 2)
    }
    assert _overlaps(_periods(rows)) == expected


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["a", "b", None]), st.sampled_from([1, 2])), max_size=10))
def test_duplicate_rows_lists_every_row_sharing_a_complete_key(
    keys: list[tuple[str | None, int]],
) -> None:
    frame = pl.DataFrame(
        {
            SOURCE_ROW: list(range(2, len(keys) + 2)),
            "id": [key for key, _ in keys],
            "n": [n for _, n in keys],
        },
        schema={SOURCE_ROW: pl.Int64, "id": pl.String, "n": pl.Int64},
    )
    expected = []
    for key in keys:
        rows = [index for index, other in enumerate(keys, start=2) if other == key]
        complete = key[0] is not None and len(rows) > 1
        expected.append(", ".join(map(str, rows)) if complete else None)
    assert duplicate_rows(frame, ["id", "n"]).to_list() == expected


_date_shaped = st.from_regex(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")


def _iso(text: str) -> D | None:
    try:
        return D.fromisoformat(text)
    except ValueError:
        return None


@settings(deadline=None)  # polars' first call of a regex can be slow on a busy machine
@given(st.lists(_date_shaped | st.text(max_size=12) | st.dates().map(D.isoformat), max_size=20))
def test_dates_are_read_only_when_they_are_real_iso_dates(texts: list[str]) -> None:
    parsed = pl.DataFrame({"d": texts}, schema={"d": pl.String}).select(iso_date("d"))
    for text, day in zip(texts, parsed.get_column("d").to_list(), strict=True):
        shaped = re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text) is not None
        expected = _iso(text) if shaped else None
        assert day == expected, text
        assert (re.search(ISO_DATE_REGEX, text) is not None) == (expected is not None), text


@settings(deadline=None)
@given(st.lists(st.from_regex(DECIMAL_REGEX, fullmatch=True) | st.text(max_size=8), max_size=20))
def test_numbers_are_read_only_when_plain_decimals(texts: list[str]) -> None:
    parsed = pl.DataFrame({"n": texts}, schema={"n": pl.String}).select(decimal_number("n"))
    for text, number in zip(texts, parsed.get_column("n").to_list(), strict=True):
        if re.search(DECIMAL_REGEX, text):
            assert number == float(text), text
        else:
            assert number is None, text


def test_message_templates_fill_columns_and_leave_nulls_empty() -> None:
    frame = pl.DataFrame({"value": ["1.5", None], "start_date": ["2020-01-01", "x"]})
    messages = frame.select(message_expr("got {value} (from {start_date}); {literal")).to_series()
    assert messages.to_list() == [
        "got 1.5 (from 2020-01-01); {literal",
        "got  (from x); {literal",
    ]


def _staff_text(**columns: list[str | None]) -> pl.DataFrame:
    names = [
        "employee_id", "swe_number", "job_title", "role", "team", "service_area", "fte",
        "contract_type", "start_date", "end_date", "leaving_reason", "start_origin",
    ]  # fmt: skip
    height = len(next(iter(columns.values())))
    data: dict[str, list[str | None]] = {name: [None] * height for name in names}
    data.update(columns)
    return pl.DataFrame(
        {SOURCE_ROW: list(range(2, height + 2)), **data},
        schema={SOURCE_ROW: pl.Int64, **dict.fromkeys(names, pl.String)},
    )


def test_check_frame_flags_spells_ended_by_the_as_of_date() -> None:
    raw = _staff_text(
        employee_id=["E1", "E2", "E3", "E4"],
        start_date=["2020-01-01"] * 4,
        end_date=["2024-03-30", "2024-03-31", "2024-04-01", None],
        role=["sw", "Fsw", "xx", None],
        fte=["1", "0.5", "abc", None],
    )
    checks = check_frame("staff", raw, as_of=D(2024, 3, 31))
    assert checks.get_column(ENDED_BY_AS_OF).to_list() == [True, True, False, False]
    assert checks.get_column("role__code").to_list() == ["SW", "FSW", "XX", None]
    assert checks.get_column("fte__number_format").to_list() == [False, False, True, False]
    assert checks.get_column("fte__fte_range").to_list() == [False, False, False, False]
    assert checks.get_column(DUPLICATE_ROWS).to_list() == [None] * 4


def test_check_frame_flags_absence_of_unknown_employees() -> None:
    raw = pl.DataFrame(
        {
            SOURCE_ROW: [2, 3, 4],
            "employee_id": ["E1", "e1", None],
            "start_date": ["2024-01-01"] * 3,
            "end_date": [None] * 3,
            "working_days_lost": ["1"] * 3,
            "reason": ["SIC"] * 3,
        },
        schema_overrides={"end_date": pl.String},
    )
    checks = check_frame("absence", raw, as_of=D(2024, 3, 31), valid_employee_ids=pl.Series(["E1"]))
    # Identifiers are case-sensitive; a missing id is a "required" finding instead.
    assert checks.get_column(UNKNOWN_EMPLOYEE).to_list() == [False, True, False]
