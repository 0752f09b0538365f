"""Caseloads as step functions (``caseload_pieces``): hand-checked pieces, and a property
test that the pieces covering any date give exactly what pairing the date with every
allocation in post (``worker_caseloads``, the simple path) gives."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.builders import agency, caseloads, d, staff
from transforms.metrics.caseloads import (
    caseload_pieces,
    counted_worker_rows,
    worker_caseloads,
    worker_rows,
)
from transforms.metrics.sweep import as_of_frame

FIRST_DAY = d("2023-01-01")
DAYS = 40


def _pieces(
    staff_frame: pl.DataFrame, agency_frame: pl.DataFrame, allocations: pl.DataFrame
) -> pl.DataFrame:
    pieces: pl.DataFrame = (
        caseload_pieces(allocations, worker_rows(staff_frame, agency_frame))
        .sort("worker_row", "piece_from")
        .collect()
    )
    return pieces


def test_overlapping_and_adjacent_allocations_of_one_child_count_once() -> None:
    spells = staff(
        {"employee_id": "E1", "start_date": "2023-01-01", "end_date": "2023-01-31"},
        {"employee_id": "E1", "team": "T2", "fte": 0.5, "start_date": "2023-02-01"},
    )
    allocations = caseloads(
        {"child_ref": "C1", "allocated_from": "2023-01-10", "allocated_to": "2023-01-20"},
        {"child_ref": "C1", "allocated_from": "2023-01-15", "allocated_to": "2023-01-25"},
        {"child_ref": "C1", "allocated_from": "2023-01-26", "allocated_to": "2023-02-05"},
        {"child_ref": "C2", "allocated_from": "2023-01-20", "allocated_to": "2023-02-02"},
        {"child_ref": "C3", "allocated_from": "2023-02-10"},
    )
    pieces = _pieces(spells, agency(), allocations)
    assert pieces.select("team", "fte", "piece_from", "piece_to", "caseload").to_dicts() == [
        _piece("T1", 1.0, "2023-01-10", "2023-01-19", 1),
        _piece("T1", 1.0, "2023-01-20", "2023-01-31", 2),
        _piece("T2", 0.5, "2023-02-01", "2023-02-02", 2),
        _piece("T2", 0.5, "2023-02-03", "2023-02-05", 1),
        _piece("T2", 0.5, "2023-02-10", None, 1),
    ]


def test_only_social_work_rows_in_post_carry_pieces_and_a_new_row_cuts_the_last() -> None:
    spells = staff(
        {"employee_id": "E1", "start_date": "2023-01-01", "end_date": "2023-01-09"},
        {"employee_id": "E1", "role": "FSW", "start_date": "2023-01-20"},
    )
    allocations = caseloads(
        {"child_ref": "C1", "allocated_from": "2023-01-05"},
        {"child_ref": "C2", "worker_id": "GHOST", "allocated_from": "2023-01-05"},
        {"child_ref": "C3", "worker_kind": "agency", "allocated_from": "2023-01-05"},
    )
    pieces = _pieces(spells, agency({"worker_id": "G1"}), allocations)
    assert pieces.select("team", "fte", "piece_from", "piece_to", "caseload").to_dicts() == [
        _piece("T1", 1.0, "2023-01-05", "2023-01-09", 1),
    ]


def _piece(team: str, fte: float, first: str, last: str | None, caseload: int) -> dict[str, Any]:
    return {
        "team": team,
        "fte": fte,
        "piece_from": d(first),
        "piece_to": d(last) if last else None,
        "caseload": caseload,
    }


def _day(offset: int) -> dt.date:
    return FIRST_DAY + dt.timedelta(days=offset)


@st.composite
def worker_spells(draw: st.DrawFn, id_column: str, worker_id: str) -> list[dict[str, Any]]:
    """Non-overlapping rows of one worker, some open, some not social work."""
    rows: list[dict[str, Any]] = []
    start = draw(st.integers(0, 10))
    while start < DAYS and len(rows) < 3:
        length = draw(st.none() | st.integers(0, 15))
        rows.append(
            {
                id_column: worker_id,
                "team": draw(st.sampled_from(["T1", "T2"])),
                "role": draw(st.sampled_from(["SW", "SW", "TM", "FSW"])),
                "fte": draw(st.sampled_from([0.5, 1.0])),
                "start_date": _day(start),
                "end_date": None if length is None else _day(start + length),
            }
        )
        if length is None:
            break
        start += length + draw(st.integers(1, 5))
    return rows


@st.composite
def allocation_rows(draw: st.DrawFn) -> list[dict[str, Any]]:
    rows = []
    for _ in range(draw(st.integers(0, 25))):
        first = draw(st.integers(0, DAYS))
        length = draw(st.none() | st.integers(-1, 15))
        worker_kind, worker_id = draw(
            st.sampled_from(
                [("employee", "E1"), ("employee", "E2"), ("agency", "G1"), ("agency", "E1")]
            )
        )
        rows.append(
            {
                "child_ref": draw(st.sampled_from(["C1", "C2", "C3"])),
                "worker_id": worker_id,
                "worker_kind": worker_kind,
                "allocated_from": _day(first),
                "allocated_to": None if length is None else _day(first + length),
            }
        )
    return rows


@settings(max_examples=200, deadline=None)
@given(
    e1=worker_spells("employee_id", "E1"),
    e2=worker_spells("employee_id", "E2"),
    g1=worker_spells("worker_id", "G1"),
    allocations=allocation_rows(),
)
def test_pieces_give_each_workers_caseload_on_every_date(
    e1: list[dict[str, Any]],
    e2: list[dict[str, Any]],
    g1: list[dict[str, Any]],
    allocations: list[dict[str, Any]],
) -> None:
    staff_frame = staff(*e1, *e2) if e1 or e2 else staff().clear()
    agency_frame = agency(*g1) if g1 else agency().clear()
    allocation_frame = caseloads(*allocations) if allocations else caseloads().clear()
    workers = worker_rows(staff_frame, agency_frame)
    dates = as_of_frame([_day(offset) for offset in range(DAYS + 20)])
    pieces = caseload_pieces(allocation_frame, workers).collect()
    keys = counted_worker_rows(workers).select("worker_row", "worker_kind", "worker_id")
    columns = ["as_of", "worker_kind", "worker_id", "team", "fte", "caseload"]

    from_pieces = (
        dates.join_where(
            pieces,
            pl.col("piece_from") <= pl.col("as_of"),
            pl.col("piece_to").is_null() | (pl.col("piece_to") >= pl.col("as_of")),
        )
        .join(keys.collect(), on="worker_row")
        .select(columns)
        .sort(columns)
    )
    paired = worker_caseloads(dates, allocation_frame, workers).select(columns).collect()

    assert from_pieces.equals(paired.sort(columns))
    # A worker has one piece a day, and consecutive pieces of a row differ in caseload.
    assert from_pieces.select("as_of", "worker_kind", "worker_id").is_unique().all()
    steps = pieces.sort("worker_row", "piece_from").with_columns(
        pl.col("piece_from").shift(-1).over("worker_row").alias("next_from"),
        pl.col("caseload").shift(-1).over("worker_row").alias("next_caseload"),
    )
    touching = steps.filter(pl.col("next_from") == pl.col("piece_to") + dt.timedelta(days=1))
    assert (touching.get_column("caseload") != touching.get_column("next_caseload")).all()
    assert steps.filter(pl.col("next_from") <= pl.col("piece_to")).is_empty()
