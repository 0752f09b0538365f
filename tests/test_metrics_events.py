"""Leavers, starters, internal moves, the 12-month window, stability and starter flags:
small hand-checked cases of metrics.md."""

from __future__ import annotations

import pytest

from tests.builders import agency, extracts, metric_values, staff

D = "2023-12-31"  # W(D) = 2023-01-01 .. 2023-12-31


def test_window_includes_as_of_and_excludes_the_same_day_a_year_before() -> None:
    given = extracts(
        staff(
            {"employee_id": "ON_D", "end_date": "2023-12-31", "fte": 0.5},
            {"employee_id": "ON_YEAR_BEFORE", "end_date": "2022-12-31"},
            {"employee_id": "DAY_AFTER_YEAR_BEFORE", "end_date": "2023-01-01", "fte": 0.25},
            {"employee_id": "AFTER_D", "end_date": "2024-01-01"},
        )
    )
    values = metric_values(given, D)
    assert values["leavers_headcount"] == 2
    assert values["leavers_fte"] == pytest.approx(0.75)


def test_starters_window_edges() -> None:
    given = extracts(
        staff(
            {"employee_id": "ON_D", "start_date": "2023-12-31"},
            {"employee_id": "ON_YEAR_BEFORE", "start_date": "2022-12-31"},
            {"employee_id": "DAY_AFTER_YEAR_BEFORE", "start_date": "2023-01-01", "fte": 0.5},
            {"employee_id": "AFTER_D", "start_date": "2024-01-01"},
        )
    )
    values = metric_values(given, D)
    assert values["starters_headcount"] == 2
    assert values["starters_fte"] == pytest.approx(1.5)


def test_29_february_as_of_looks_back_to_28_february() -> None:
    # W(2024-02-29) = 2023-03-01 .. 2024-02-29 (D - 1 year = 2023-02-28 is excluded).
    given = extracts(
        staff(
            {"employee_id": "E1", "end_date": "2023-02-28"},
            {"employee_id": "E2", "end_date": "2023-03-01"},
            {"employee_id": "E3", "end_date": "2024-02-29"},
        )
    )
    assert metric_values(given, "2024-02-29")["leavers_headcount"] == 2


def test_window_from_28_february_after_a_leap_day() -> None:
    # W(2025-02-28) = 2024-02-29 .. 2025-02-28: the leap day itself is inside.
    given = extracts(
        staff(
            {"employee_id": "E1", "end_date": "2024-02-28"},
            {"employee_id": "E2", "end_date": "2024-02-29"},
        )
    )
    assert metric_values(given, "2025-02-28")["leavers_headcount"] == 1


@pytest.mark.parametrize(
    ("next_start", "is_move"),
    [("2023-07-01", True), ("2023-07-07", True), ("2023-07-08", False)],
    ids=["1 day after", "7 days after", "8 days after"],
)
def test_internal_move_is_a_next_spell_within_7_days(next_start: str, is_move: bool) -> None:
    given = extracts(
        staff(
            {"employee_id": "E1", "start_date": "2020-01-01", "end_date": "2023-06-30"},
            {"employee_id": "E1", "start_date": next_start},
        )
    )
    values = metric_values(given, D)
    expected = 0 if is_move else 1
    assert values["leavers_headcount"] == expected
    assert values["starters_headcount"] == expected


def test_internal_move_judged_on_a_spell_starting_after_the_as_of_date() -> None:
    given = extracts(
        staff(
            {"employee_id": "E1", "start_date": "2020-01-01", "end_date": "2023-12-29"},
            {"employee_id": "E1", "start_date": "2024-01-02"},
        )
    )
    values = metric_values(given, D)
    assert values["leavers_headcount"] == 0
    assert values["employed_headcount"] == 0


def test_rejoiner_after_a_longer_gap_is_a_leaver_then_a_starter() -> None:
    given = extracts(
        staff(
            {"employee_id": "E1", "start_date": "2020-01-01", "end_date": "2023-03-31"},
            {"employee_id": "E1", "start_date": "2023-06-01", "team": "T2"},
        )
    )
    assert metric_values(given, D, "team", "T1")["leavers_headcount"] == 1
    assert metric_values(given, D, "team", "T2")["starters_headcount"] == 1
    trust = metric_values(given, D)
    assert (trust["leavers_headcount"], trust["starters_headcount"]) == (1, 1)


def test_internal_move_across_teams_is_neither_leaver_nor_starter_at_any_scope() -> None:
    given = extracts(
        staff(
            {"employee_id": "E1", "start_date": "2020-01-01", "end_date": "2023-06-30"},
            {"employee_id": "E1", "start_date": "2023-07-01", "team": "T2", "service_area": "A2"},
        )
    )
    for scope, value in [
        ("trust", "all"),
        ("team", "T1"),
        ("team", "T2"),
        ("service_area", "A1"),
        ("service_area", "A2"),
    ]:
        try:
            values = metric_values(given, D, scope, value)
        except KeyError:
            continue  # a scope with nothing on D does not appear: nothing counted there
        assert values["leavers_headcount"] == 0, (scope, value)
        assert values["starters_headcount"] == 0, (scope, value)


def test_social_work_to_fsw_within_7_days_is_a_leaver_and_back_is_a_starter() -> None:
    given = extracts(
        staff(
            {"employee_id": "E1", "start_date": "2020-01-01", "end_date": "2023-03-31"},
            {
                "employee_id": "E1",
                "start_date": "2023-04-01",
                "end_date": "2023-05-31",
                "role": "FSW",
            },
            {"employee_id": "E1", "start_date": "2023-06-01"},
        )
    )
    values = metric_values(given, D)
    assert values["leavers_headcount"] == 1
    assert values["starters_headcount"] == 1


def test_events_are_counted_not_people() -> None:
    given = extracts(
        staff(
            {"employee_id": "E1", "start_date": "2020-01-01", "end_date": "2023-02-28"},
            {"employee_id": "E1", "start_date": "2023-05-01", "end_date": "2023-09-30"},
        )
    )
    values = metric_values(given, D)
    assert values["leavers_headcount"] == 2
    assert values["starters_headcount"] == 1


def test_fsw_and_other_spells_are_never_counted() -> None:
    given = extracts(
        staff(
            {"employee_id": "E1", "role": "FSW", "start_date": "2023-02-01"},
            {"employee_id": "E2", "role": "OTHER", "end_date": "2023-02-01"},
        )
    )
    values = metric_values(given, D)
    assert values["starters_headcount"] == 0
    assert values["leavers_headcount"] == 0
    assert values["employed_headcount"] == 0


def test_stability_index() -> None:
    given = extracts(
        staff(
            {"employee_id": "STAYS"},
            {"employee_id": "LEAVES", "end_date": "2023-05-31"},
            # moves team inside the Trust: stays stable, counted in the year-ago team
            {"employee_id": "MOVES", "end_date": "2023-05-31"},
            {"employee_id": "MOVES", "start_date": "2023-06-01", "team": "T2"},
            # a spell ending exactly on D is a leaver event in W(D)
            {"employee_id": "ENDS_ON_D", "end_date": "2023-12-31"},
            # not in post a year before: outside the index
            {"employee_id": "NEW", "start_date": "2023-01-01"},
            {"employee_id": "FSW", "role": "FSW"},
        )
    )
    trust = metric_values(given, D)
    assert trust["stability_index"] == 0.5
    assert metric_values(given, D, "team", "T1")["stability_index"] == 0.5
    assert metric_values(given, D, "team", "T2")["stability_index"] is None


def test_stability_leaver_who_rejoined_is_not_stable() -> None:
    given = extracts(
        staff(
            {"employee_id": "E1", "end_date": "2023-03-31"},
            {"employee_id": "E1", "start_date": "2023-05-01"},
            {"employee_id": "E2"},
        )
    )
    assert metric_values(given, D)["stability_index"] == 0.5


def test_stability_leaver_event_on_the_year_before_is_outside_the_window() -> None:
    # In post on D - 1 year (its last day), rejoins later, in post on D: its leaver event
    # falls on D - 1 year, which W(D) excludes, so the literal rule counts it stable.
    given = extracts(
        staff(
            {"employee_id": "E1", "end_date": "2022-12-31"},
            {"employee_id": "E1", "start_date": "2023-03-01"},
            {"employee_id": "E2", "end_date": "2023-01-01"},
        )
    )
    assert metric_values(given, D)["stability_index"] == 0.5


def _conversion_case(agency_end: str | None, agency_start: str = "2022-01-01") -> int:
    given = extracts(
        staff({"employee_id": "E1", "start_date": "2023-06-01", "swe_number": " sw123 "}),
        agency(
            {
                "worker_id": "G1",
                "swe_number": "SW123",
                "start_date": agency_start,
                "end_date": agency_end,
            }
        ),
    )
    value = metric_values(given, D)["agency_conversions"]
    assert value is not None
    return int(value)


def test_agency_conversion_gap_edges() -> None:
    assert _conversion_case("2023-03-03") == 1  # ended 90 days before the start
    assert _conversion_case("2023-03-02") == 0  # ended 91 days before
    assert _conversion_case(None) == 1  # still open
    assert _conversion_case("2023-06-30") == 1  # ended after the start


def test_agency_conversion_needs_the_assignment_started_by_the_start_date() -> None:
    assert _conversion_case(None, agency_start="2023-06-01") == 1
    assert _conversion_case(None, agency_start="2023-06-02") == 0


def test_agency_conversions_count_starter_events_not_matches() -> None:
    given = extracts(
        staff(
            {"employee_id": "E1", "start_date": "2023-06-01", "swe_number": "SW1"},
            {"employee_id": "E2", "start_date": "2023-07-01", "swe_number": "sw2"},
            # an internal move is not a starter, so never a conversion
            {"employee_id": "E3", "end_date": "2023-06-30", "swe_number": "SW3"},
            {"employee_id": "E3", "start_date": "2023-07-01", "swe_number": "SW3"},
        ),
        agency(
            {"worker_id": "G1", "swe_number": "SW1", "end_date": "2023-01-31"},
            {"worker_id": "G1", "swe_number": "SW1", "start_date": "2023-02-01"},
            {"worker_id": "G2", "swe_number": "SW2", "role": "FSW"},
            {"worker_id": "G3", "swe_number": "SW3"},
        ),
    )
    assert metric_values(given, D)["agency_conversions"] == 1


def test_international_and_newly_qualified_starters() -> None:
    given = extracts(
        staff(
            {"employee_id": "E1", "start_date": "2023-02-01", "start_origin": 3},
            {"employee_id": "E2", "start_date": "2023-02-01", "start_origin": 1},
            {"employee_id": "E3", "start_date": "2023-02-01", "start_origin": 1},
            {"employee_id": "E4", "start_date": "2023-02-01", "start_origin": None},
            {"employee_id": "E5", "start_date": "2022-02-01", "start_origin": 3},
            # an internal move keeps its origin but is no starter
            {"employee_id": "E6", "end_date": "2023-03-31", "start_origin": 2},
            {"employee_id": "E6", "start_date": "2023-04-01", "start_origin": 3},
        )
    )
    values = metric_values(given, D)
    assert values["international_starters"] == 1
    assert values["nqsw_starters"] == 2
    assert values["starters_headcount"] == 4
