"""Retention by recruitment route (outlook.md §3): given small hand-built extracts, expect
hand-worked starters, times in post and Kaplan–Meier rows. Every expectation is checked
against the engine (``transforms.retention``) and the spec oracle alike.

Grain: one small drop per test; rows of ``retention.csv`` (route, cohort, horizon).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.builders import agency, d, extracts, staff
from tests.oracle_checks import MAX_EXAMPLES
from tests.spec_oracle import oracle_retention
from tests.strategies import DrawnDrop, drops
from transforms.retention import (
    HORIZONS_DAYS,
    RETENTION_SCHEMA,
    financial_year_label,
    followed_starters,
    retention_frame,
)
from transforms.schema import Extracts

Rows = dict[tuple[str, str, int], tuple[Any, ...]]


def _both(given_extracts: Extracts, as_of: str) -> list[pl.DataFrame]:
    day = d(as_of)
    return [retention_frame(given_extracts, day), oracle_retention(given_extracts, day)]


def _rows(frame: pl.DataFrame, route: str = "all", cohort: str = "all") -> Rows:
    """(route, cohort, horizon) -> (starters, at_risk, leavers, retained) of one group."""
    chosen = frame.filter((pl.col("route") == route) & (pl.col("cohort") == cohort))
    return {
        (r["route"], r["cohort"], r["horizon_days"]): (
            r["starters"],
            r["at_risk"],
            r["leavers"],
            r["retained"],
        )
        for r in chosen.to_dicts()
    }


def _followed(given_extracts: Extracts, as_of: str) -> list[dict[str, Any]]:
    return (
        followed_starters(given_extracts, d(as_of))
        .collect()
        .sort("employee_id", "start_date")
        .select("employee_id", "start_date", "route", "cohort", "time_days", "left")
        .to_dicts()
    )


def test_internal_moves_are_followed_to_the_real_leaving_date() -> None:
    given_extracts = extracts(
        staff(
            {"employee_id": "E1", "start_date": "2022-01-01", "end_date": "2022-06-30"},
            # 5 days later, another team: an internal move, not a leaving.
            {
                "employee_id": "E1",
                "start_date": "2022-07-05",
                "end_date": "2022-09-30",
                "team": "T2",
            },
            # 7 days later: still a move; the real leaving is 2023-01-01.
            {"employee_id": "E1", "start_date": "2022-10-07", "end_date": "2023-01-01"},
        )
    )
    assert _followed(given_extracts, "2024-01-01") == [
        {
            "employee_id": "E1",
            "start_date": d("2022-01-01"),
            "route": "other",
            "cohort": "2021-22",
            "time_days": 365,
            "left": True,
        }
    ]
    for frame in _both(given_extracts, "2024-01-01"):
        assert _rows(frame) == {
            ("all", "all", 182): (1, 1, 0, 1.0),
            ("all", "all", 365): (1, 1, 1, 0.0),  # at risk at 365, left after exactly 365
            ("all", "all", 730): (1, 0, 1, None),
        }


def test_a_move_into_a_non_social_work_post_is_a_leaving() -> None:
    given_extracts = extracts(
        staff(
            {"employee_id": "E1", "start_date": "2022-01-01", "end_date": "2022-06-30"},
            {"employee_id": "E1", "start_date": "2022-07-01", "role": "FSW"},
        )
    )
    assert [(r["time_days"], r["left"]) for r in _followed(given_extracts, "2023-01-01")] == [
        (180, True)
    ]


def test_a_rejoiner_is_two_starters() -> None:
    given_extracts = extracts(
        staff(
            {"employee_id": "E2", "start_date": "2021-04-01", "end_date": "2021-12-31"},
            # 152 days later: not a move, a second starter.
            {"employee_id": "E2", "start_date": "2022-06-01"},
        )
    )
    assert [
        (r["cohort"], r["time_days"], r["left"]) for r in _followed(given_extracts, "2022-12-31")
    ] == [("2021-22", 274, True), ("2022-23", 213, False)]
    for frame in _both(given_extracts, "2022-12-31"):
        # τ = 274 > 182: S(182) = 1 with both at risk (213 and 274 days).
        assert _rows(frame)[("all", "all", 182)] == (2, 2, 0, 1.0)
        # S(365): one leaving at 274 with 1 at risk (213 < 274): 1 − 1/1 = 0; nobody at 365.
        assert _rows(frame)[("all", "all", 365)] == (2, 0, 1, None)
        assert _rows(frame, cohort="2022-23")[("all", "2022-23", 182)] == (1, 1, 0, 1.0)


def test_censoring_on_d_a_leaver_on_d_and_a_planned_end_after_d() -> None:
    given_extracts = extracts(
        staff(
            # Leaves on D: an event after D − start days.
            {"employee_id": "ON_D", "start_date": "2023-01-01", "end_date": "2024-01-01"},
            # Ends the day after D (a fixed-term end already known): censored at D.
            {"employee_id": "AFTER", "start_date": "2023-01-01", "end_date": "2024-01-02"},
            # Open: censored at D.
            {"employee_id": "OPEN", "start_date": "2023-01-01"},
            # Starts on D: followed for 0 days.
            {"employee_id": "TODAY", "start_date": "2024-01-01"},
            # Starts after D: not yet a starter.
            {"employee_id": "LATER", "start_date": "2024-01-02"},
        )
    )
    followed = {
        r["employee_id"]: (r["time_days"], r["left"])
        for r in _followed(given_extracts, "2024-01-01")
    }
    assert followed == {
        "ON_D": (365, True),
        "AFTER": (365, False),
        "OPEN": (365, False),
        "TODAY": (0, False),
    }
    for frame in _both(given_extracts, "2024-01-01"):
        # At 365: n = 3 (ON_D, AFTER, OPEN), d = 1: S = 2/3.
        assert _rows(frame)[("all", "all", 182)] == (4, 3, 0, 1.0)
        assert _rows(frame)[("all", "all", 365)] == (4, 3, 1, pytest.approx(2 / 3))
        assert _rows(frame)[("all", "all", 730)] == (4, 0, 1, None)


def test_ties_at_one_event_time_count_the_censored_as_at_risk() -> None:
    # Six starters of 2023-01-01, D = 2023-10-28 (300 days on): leavings after 100, 100
    # and 150 days; one censored at exactly 100 days (started D − 100); two at 300.
    start = {"start_date": "2023-01-01"}
    given_extracts = extracts(
        staff(
            {"employee_id": "L1", **start, "end_date": "2023-04-11"},
            {"employee_id": "L2", **start, "end_date": "2023-04-11"},
            {"employee_id": "C100", "start_date": "2023-07-20"},
            {"employee_id": "L3", **start, "end_date": "2023-05-31"},
            {"employee_id": "C300", **start},
            {"employee_id": "C300B", **start},
        )
    )
    times = sorted((r["time_days"], r["left"]) for r in _followed(given_extracts, "2023-10-28"))
    assert times == [
        (100, False),
        (100, True),
        (100, True),
        (150, True),
        (300, False),
        (300, False),
    ]
    for frame in _both(given_extracts, "2023-10-28"):
        # τ = 100: d = 2, n = 6 → 4/6; τ = 150: d = 1, n = 3 → 2/3; S = 4/9.
        assert _rows(frame)[("all", "all", 182)] == (6, 2, 3, pytest.approx(4 / 9))
        # Nobody followed for 365 days: retained is empty, not 0.
        assert _rows(frame)[("all", "all", 365)] == (6, 0, 3, None)
        # The 2022-23 cohort (five who started 2023-01-01): τ = 100: d = 2, n = 5 → 3/5;
        # τ = 150: d = 1, n = 3 → 2/3; S = 2/5.
        assert _rows(frame, cohort="2022-23")[("all", "2022-23", 182)] == (
            5,
            2,
            3,
            pytest.approx(2 / 5),
        )


def test_each_route_first_match_wins() -> None:
    given_extracts = extracts(
        staff(
            # Agency assignment ended 30 days before: a conversion, though also international.
            {
                "employee_id": "CONV_INT",
                "swe_number": "SW1",
                "start_date": "2024-05-01",
                "start_origin": 3,
            },
            {"employee_id": "CONV", "swe_number": "sw2 ", "start_date": "2024-05-01"},
            {
                "employee_id": "INT",
                "swe_number": "SW3",
                "start_date": "2024-05-01",
                "start_origin": 3,
            },
            {"employee_id": "NQ", "start_date": "2024-05-01", "start_origin": 1},
            {"employee_id": "OTHER", "start_date": "2024-05-01", "start_origin": 2},
            {"employee_id": "UNKNOWN", "start_date": "2024-05-01"},
            # Agency ended 91 days before: not a conversion, so newly qualified.
            {
                "employee_id": "LATE",
                "swe_number": "SW4",
                "start_date": "2024-05-01",
                "start_origin": 1,
            },
        ),
        agency(
            {
                "worker_id": "G1",
                "swe_number": "SW1",
                "start_date": "2023-01-01",
                "end_date": "2024-04-01",
            },
            {
                "worker_id": "G2",
                "swe_number": "SW2",
                "start_date": "2023-01-01",
                "end_date": "2024-04-01",
            },
            {
                "worker_id": "G4",
                "swe_number": "SW4",
                "start_date": "2023-01-01",
                "end_date": "2024-01-31",
            },
        ),
    )
    routes = {r["employee_id"]: r["route"] for r in _followed(given_extracts, "2024-12-31")}
    assert routes == {
        "CONV_INT": "agency_conversion",
        "CONV": "agency_conversion",
        "INT": "international",
        "NQ": "newly_qualified",
        "LATE": "newly_qualified",
        "OTHER": "other",
        "UNKNOWN": "other",
    }
    for frame in _both(given_extracts, "2024-12-31"):
        starters = {
            (r["route"], r["cohort"]): r["starters"]
            for r in frame.to_dicts()
            if r["horizon_days"] == 182
        }
        assert starters == {
            ("agency_conversion", "2024-25"): 2,
            ("agency_conversion", "all"): 2,
            ("all", "2024-25"): 7,
            ("all", "all"): 7,
            ("international", "2024-25"): 1,
            ("international", "all"): 1,
            ("newly_qualified", "2024-25"): 2,
            ("newly_qualified", "all"): 2,
            ("other", "2024-25"): 2,
            ("other", "all"): 2,
        }


def test_rows_columns_and_character_code_order() -> None:
    given_extracts = extracts(
        staff(
            {"employee_id": "A", "start_date": "2024-03-31", "start_origin": 3},
            {"employee_id": "B", "start_date": "2024-04-01", "start_origin": 1},
        )
    )
    for frame in _both(given_extracts, "2024-06-30"):
        assert frame.schema == pl.Schema(RETENTION_SCHEMA)
        keys = [(r["route"], r["cohort"]) for r in frame.to_dicts() if r["horizon_days"] == 182]
        # Only groups with a starter: no (international, 2024-25), no agency_conversion.
        assert keys == [
            ("all", "2023-24"),
            ("all", "2024-25"),
            ("all", "all"),
            ("international", "2023-24"),
            ("international", "all"),
            ("newly_qualified", "2024-25"),
            ("newly_qualified", "all"),
        ]
        assert frame.get_column("horizon_days").to_list()[:3] == list(HORIZONS_DAYS)
        assert set(frame.get_column("as_of")) == {d("2024-06-30")}


def test_no_social_work_starters_no_rows() -> None:
    given_extracts = extracts(
        staff({"employee_id": "F", "role": "FSW", "start_date": "2024-01-01"})
    )
    for frame in _both(given_extracts, "2024-06-30"):
        assert frame.is_empty()
        assert frame.schema == pl.Schema(RETENTION_SCHEMA)


@pytest.mark.parametrize(
    ("day", "label"),
    [
        ("2024-03-31", "2023-24"),
        ("2024-04-01", "2024-25"),
        ("2025-03-31", "2024-25"),
        ("1999-12-31", "1999-00"),
        ("2000-04-01", "2000-01"),
    ],
)
def test_financial_year_cohort_labels(day: str, label: str) -> None:
    frame = pl.DataFrame({"day": [d(day)]})
    assert frame.select(financial_year_label(pl.col("day"))).item() == label


@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(drops(), st.data())
def test_retained_is_a_share_that_never_rises_with_the_horizon(
    drop: DrawnDrop, data: st.DataObject
) -> None:
    as_of = data.draw(st.sampled_from(drop.dates), label="as_of")
    frame = retention_frame(drop.extracts(), as_of)
    for (_route, _cohort), group in frame.group_by("route", "cohort"):
        rows = group.sort("horizon_days").to_dicts()
        assert [r["horizon_days"] for r in rows] == list(HORIZONS_DAYS)
        retained = [r["retained"] for r in rows if r["retained"] is not None]
        assert all(0.0 <= value <= 1.0 for value in retained)
        assert retained == sorted(retained, reverse=True)
        # Empty from the first horizon nobody reaches on.
        assert [r["retained"] is None for r in rows] == [r["at_risk"] == 0 for r in rows]
        at_risk = [r["at_risk"] for r in rows]
        leavers = [r["leavers"] for r in rows]
        assert at_risk == sorted(at_risk, reverse=True)
        assert leavers == sorted(leavers)
        assert all(max(r["at_risk"], r["leavers"]) <= r["starters"] for r in rows)


def test_the_route_all_holds_every_starter_once() -> None:
    given_extracts = extracts(
        staff(
            {"employee_id": "A", "start_date": "2023-05-01", "start_origin": 3},
            {"employee_id": "B", "start_date": "2024-05-01", "start_origin": 1},
            {"employee_id": "C", "start_date": "2024-06-01", "end_date": "2024-07-01"},
        )
    )
    frame = retention_frame(given_extracts, dt.date(2024, 12, 31))
    by_route = frame.filter((pl.col("cohort") == "all") & (pl.col("horizon_days") == 182))
    totals = dict(zip(by_route["route"], by_route["starters"], strict=True))
    assert totals.pop("all") == sum(totals.values()) == 3
