"""Writing the census return from extracts (csww.md "Writing the return"): one rule per
test, small hand-checked extracts, R = 30 September 2025, W(R) = 1 Oct 2024 .. 30 Sep 2025."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest

from tests.builders import (
    absence,
    agency,
    caseloads,
    d,
    establishment,
    extracts,
    metric_values,
    staff,
)
from transforms.census import (
    RETURN_WORKER_SCHEMA,
    LaLevelItems,
    census_indicators,
    census_year_of,
    la_level_items,
    reconciliation,
    reference_date,
    return_workers,
    structure_for_year,
)
from transforms.schema import Extracts

R = d("2025-09-30")
WORKING_DAYS = 253.0


def workers(given: Extracts) -> list[dict[str, Any]]:
    frame = return_workers(given, R)
    assert frame.schema == pl.Schema(RETURN_WORKER_SCHEMA)
    return frame.drop("worker").to_dicts()


def only(given: Extracts) -> dict[str, Any]:
    rows = workers(given)
    assert len(rows) == 1, rows
    return rows[0]


def indicators(given: Extracts) -> dict[str, float | None]:
    frame = census_indicators(return_workers(given, R), la_level_items(given, R), R, WORKING_DAYS)
    return dict(zip(frame["indicator"], frame["value"], strict=True))


EMPLOYED_IN_POST = {
    "employee_id": "E1",
    "swe_number": "SW1001",
    "start_date": "2020-01-01",
    "start_origin": 2,
}


def test_census_year_and_structures() -> None:
    assert reference_date(2025) == d("2025-09-30")
    assert census_year_of(d("2024-10-01")) == 2025
    assert census_year_of(d("2025-09-30")) == 2025
    assert census_year_of(d("2025-10-01")) == 2026
    assert [structure_for_year(y) for y in (2020, 2021, 2023, 2024, 2025, 2030)] == [
        None, "2021", "2021", "2024", "2025", "2025",
    ]  # fmt: skip


def test_employed_worker_in_post_carries_its_spell_on_r() -> None:
    given = extracts(
        staff({**EMPLOYED_IN_POST, "swe_number": " sw1001 ", "role": "TM", "fte": 0.8})
    )
    assert only(given) == {
        "agency_worker": 0,
        "swe_no": "SW1001",  # trimmed, upper-cased
        "fte": 0.8,
        "org_role": 3,  # TM: first-line manager
        "role_start_date": d("2020-01-01"),
        "start_origin": 2,
        "role_end_date": None,
        "reason_leave": None,
        "fte30": 0.8,
        "cases30": None,  # no caseloads extract: left out, not invented
        "working_days_lost": None,  # no absence extract
        "reason_absence": None,
    }


def test_internal_move_inside_the_year_is_one_worker() -> None:
    # SW in T1 until 31 March, SP in T2 from 3 April (2 days later): one chain.
    given = extracts(
        staff(
            {**EMPLOYED_IN_POST, "end_date": "2025-03-31", "fte": 1.0, "leaving_reason": 7},
            {**EMPLOYED_IN_POST, "start_date": "2025-04-03", "role": "SP", "team": "T2",
             "fte": 0.6, "start_origin": 9},
        )
    )  # fmt: skip
    worker = only(given)
    assert worker["role_start_date"] == d("2020-01-01")  # the chain's first start
    assert worker["start_origin"] == 2  # from the first spell
    assert (worker["fte"], worker["fte30"], worker["org_role"]) == (0.6, 0.6, 4)  # SP on R
    assert worker["role_end_date"] is None  # a move is not a leaver
    assert worker["reason_leave"] is None


def test_leaver_on_r_is_in_post_and_a_leaver() -> None:
    given = extracts(
        staff({**EMPLOYED_IN_POST, "end_date": "2025-09-30", "leaving_reason": 1, "fte": 0.5}),
        caseloads=caseloads({"worker_id": "E1", "allocated_from": "2025-01-01"}),
    )
    worker = only(given)
    assert worker["role_end_date"] == d("2025-09-30")
    assert worker["reason_leave"] == 1
    assert (worker["fte"], worker["fte30"], worker["cases30"]) == (0.5, 0.5, 1)
    values = indicators(given)
    assert values["employed_fte"] == 0.5
    assert values["leavers_fte"] == 0.5
    assert values["turnover_rate"] == 1.0


def test_leaver_before_r_has_no_fte30_nor_cases() -> None:
    given = extracts(
        staff({**EMPLOYED_IN_POST, "end_date": "2025-06-15", "leaving_reason": 5, "fte": 0.7}),
        caseloads=caseloads(),
    )
    worker = only(given)
    assert (worker["role_end_date"], worker["reason_leave"]) == (d("2025-06-15"), 5)
    assert (worker["fte"], worker["fte30"], worker["cases30"]) == (0.7, None, None)


def test_spell_ending_after_r_has_no_leaving_date() -> None:
    given = extracts(staff({**EMPLOYED_IN_POST, "end_date": "2025-10-15", "leaving_reason": 1}))
    worker = only(given)
    assert worker["role_end_date"] is None
    assert worker["reason_leave"] is None
    assert worker["fte30"] == 1.0


def test_rejoiner_is_two_workers_with_one_swe_number() -> None:
    given = extracts(
        staff(
            {**EMPLOYED_IN_POST, "end_date": "2024-12-31", "leaving_reason": 1},
            # 59 days later: a new starter, not an internal move.
            {**EMPLOYED_IN_POST, "start_date": "2025-03-01", "fte": 0.5, "start_origin": 5},
        )
    )
    first, second = workers(given)
    assert (first["swe_no"], second["swe_no"]) == ("SW1001", "SW1001")
    assert (first["role_start_date"], first["role_end_date"], first["fte30"]) == (
        d("2020-01-01"), d("2024-12-31"), None,
    )  # fmt: skip
    assert (second["role_start_date"], second["start_origin"], second["fte30"]) == (
        d("2025-03-01"), 5, 0.5,
    )  # fmt: skip


def test_chains_without_a_reason_to_be_returned_are_left_out() -> None:
    given = extracts(
        staff(
            {"employee_id": "OLD", "swe_number": "SW1", "end_date": "2024-09-30"},  # left before W
            {"employee_id": "NEW", "swe_number": "SW2", "start_date": "2025-10-01"},  # after R
            {"employee_id": "IN", "swe_number": "SW3"},
        )
    )
    assert [w["swe_no"] for w in workers(given)] == ["SW3"]


def test_fsw_spells_are_left_out_and_a_move_to_fsw_is_a_leaver() -> None:
    given = extracts(
        staff(
            {"employee_id": "F1", "role": "FSW", "swe_number": None},
            {**EMPLOYED_IN_POST, "end_date": "2025-05-31", "leaving_reason": 7},
            {**EMPLOYED_IN_POST, "start_date": "2025-06-01", "role": "FSW"},
        )
    )
    worker = only(given)
    assert (worker["swe_no"], worker["role_end_date"], worker["reason_leave"]) == (
        "SW1001", d("2025-05-31"), 7,
    )  # fmt: skip


def test_agency_assignments_in_post_on_r() -> None:
    given = extracts(
        staff({**EMPLOYED_IN_POST}),
        agency(
            {"worker_id": "G1", "swe_number": "sw2001", "role": "IRO", "fte": 0.4,
             "start_date": "2025-01-01", "end_date": "2025-09-30"},  # ends on R: in post
            {"worker_id": "G2", "swe_number": "SW2002", "end_date": "2025-09-29"},  # ended
            {"worker_id": "G3", "swe_number": "SW2003", "start_date": "2025-10-01"},  # later
            {"worker_id": "G4", "swe_number": "SW2004", "role": "OTHER"},  # not social work
        ),
        caseloads=caseloads(
            {"worker_id": "G1", "worker_kind": "agency", "child_ref": "C1"},
            {"worker_id": "G1", "worker_kind": "agency", "child_ref": "C2"},
        ),
    )  # fmt: skip
    employed, agency_worker = workers(given)
    assert employed["cases30"] == 0  # in post, no case
    assert agency_worker == {
        "agency_worker": 1,
        "swe_no": "SW2001",
        "fte": 0.4,
        "org_role": 6,  # IRO: qualified without cases
        "role_start_date": None,
        "start_origin": None,
        "role_end_date": None,  # never a leaving date for an agency worker
        "reason_leave": None,
        "fte30": 0.4,
        "cases30": 2,
        "working_days_lost": None,
        "reason_absence": None,
    }


def test_cases_on_r_are_the_engines_distinct_children() -> None:
    given = extracts(
        staff({**EMPLOYED_IN_POST}),
        caseloads=caseloads(
            {"child_ref": "C1", "allocated_from": "2025-01-01"},
            {"child_ref": "C1", "allocated_from": "2025-06-01"},  # the same child again
            {"child_ref": "C2", "allocated_from": "2025-01-01", "allocated_to": "2025-09-29"},
            {"child_ref": "C3", "allocated_from": "2025-09-30"},
        ),
    )
    assert only(given)["cases30"] == 2  # C1 once, C3; C2 ended the day before


def test_sickness_is_attributed_to_the_chain_in_post_on_the_episode_start() -> None:
    given = extracts(
        staff(
            {**EMPLOYED_IN_POST, "end_date": "2024-12-31", "leaving_reason": 1},
            {**EMPLOYED_IN_POST, "start_date": "2025-03-01"},
            {"employee_id": "E2", "swe_number": "SW1002"},
            {"employee_id": "E2", "role": "FSW", "start_date": "2018-01-01",
             "end_date": "2019-12-31"},
        ),
        absence=absence(
            {"start_date": "2024-11-01", "working_days_lost": 5.0},  # first chain
            {"start_date": "2025-04-01", "working_days_lost": 3.0},  # second chain
            {"start_date": "2025-04-10", "working_days_lost": 1.5, "reason": "TRN"},  # not SIC
            {"start_date": "2025-01-15", "working_days_lost": 2.0},  # between chains
            {"start_date": "2024-09-20", "working_days_lost": 4.0},  # before W(R)
            {"employee_id": "E2", "start_date": "2025-05-01", "working_days_lost": 0.125},
            {"employee_id": "E2", "start_date": "2025-05-05", "working_days_lost": 0.0},
        ),
    )  # fmt: skip
    days = [(w["swe_no"], w["working_days_lost"], w["reason_absence"]) for w in workers(given)]
    assert days == [
        ("SW1001", 5.0, ["SIC"]),
        ("SW1001", 3.0, ["SIC"]),
        ("SW1002", 0.13, ["SIC"]),  # 0.125 rounded half away from zero
    ]
    # metrics.md's sickness_days_lost counts the same episodes.
    assert metric_values(given, "2025-09-30")["sickness_days_lost"] == 8.125


def test_no_sickness_is_zero_days_without_a_reason() -> None:
    given = extracts(staff({**EMPLOYED_IN_POST}), absence=absence())
    worker = only(given)
    assert (worker["working_days_lost"], worker["reason_absence"]) == (0.0, None)


def test_fte_is_written_with_six_places_half_away_from_zero() -> None:
    given = extracts(staff({**EMPLOYED_IN_POST, "fte": 0.3333335}))
    assert only(given)["fte"] == 0.333334


def test_la_level_items_from_the_establishment_cells() -> None:
    given = extracts(
        staff(
            {**EMPLOYED_IN_POST, "fte": 1.0},
            {"employee_id": "E2", "swe_number": "SW1002", "team": "T2", "fte": 1.0},
        ),
        agency(
            {"worker_id": "G1", "swe_number": "SW2001", "fte": 0.5},
            {"worker_id": "G2", "swe_number": "SW2002", "fte": 0.5, "start_date": "2025-09-01"},
            {"worker_id": "G3", "swe_number": "SW2003", "team": "T2"},  # cell without vacancy
            {"worker_id": "G4", "swe_number": "SW2004", "team": "T3"},  # no cell at all
        ),
        establishment=establishment(
            {"team": "T1", "funded_fte": 3.125},  # vacancy 2.125, agency 1.0 covers 1.0
            {"team": "T2", "funded_fte": 0.5},  # overstaffed: vacancy 0, no offset
            {"team": "T4", "funded_fte": 1.0, "effective_to": "2025-09-29"},  # ended
        ),
    )
    assert la_level_items(given, R) == LaLevelItems(
        number_of_vacancies=2.13,  # 2.125 rounded half away from zero
        no_agency_fte=1.0,
        no_agency_headcount=2,  # G1 and G2 in T1's cell
    )
    values = metric_values(given, "2025-09-30")
    assert values["vacancy_fte"] == 2.125
    assert values["vacancy_agency_cover_rate"] == pytest.approx(1.0 / 2.125)


def test_no_establishment_leaves_the_vacancy_items_out() -> None:
    assert la_level_items(extracts(staff({**EMPLOYED_IN_POST})), R) == LaLevelItems()


# --- where csww.md's mapping departs from metrics.md -----------------------------------------


def test_starter_whose_fte_changes_at_an_internal_move_returns_the_fte_on_r() -> None:
    """csww.md: starters_fte sums the FTE the return carries (the spell in post on R);
    metrics.md sums the starting spell's FTE. The two differ by the change at the move."""
    given = extracts(
        staff(
            {**EMPLOYED_IN_POST, "start_date": "2025-01-06", "end_date": "2025-05-31",
             "fte": 0.5},
            {**EMPLOYED_IN_POST, "start_date": "2025-06-02", "fte": 1.0, "role": "SP"},
        )
    )  # fmt: skip
    assert only(given)["fte"] == 1.0
    assert indicators(given)["starters_fte"] == 1.0
    assert metric_values(given, "2025-09-30")["starters_fte"] == 0.5


def test_internal_move_spanning_r_counts_as_in_post_in_the_return() -> None:
    """R falls in the gap of an internal move (ends 28 Sep, next starts 2 Oct): metrics.md
    has nobody in post and no leaver; the chain started in W(R), so the return holds it
    with no leaving date, and reading the return counts it as in post on R."""
    given = extracts(
        staff(
            {**EMPLOYED_IN_POST, "start_date": "2025-02-01", "end_date": "2025-09-28",
             "fte": 0.8},
            {**EMPLOYED_IN_POST, "start_date": "2025-10-02", "fte": 1.0},
        )
    )  # fmt: skip
    worker = only(given)
    assert (worker["fte"], worker["fte30"], worker["role_end_date"]) == (0.8, None, None)
    assert indicators(given)["employed_fte"] == 0.8
    engine = metric_values(given, "2025-09-30")
    assert (engine["employed_fte"], engine["leavers_fte"], engine["starters_fte"]) == (
        0.0, 0.0, 0.8,
    )  # fmt: skip


def test_sickness_of_a_chain_spanning_r_from_before_the_year_is_not_returned() -> None:
    """A chain started before W(R) and in the gap of an internal move on R has no reason to
    be in the return, so its sickness in W(R) (which metrics.md counts) is not returned."""
    given = extracts(
        staff(
            {**EMPLOYED_IN_POST, "end_date": "2025-09-28"},
            {**EMPLOYED_IN_POST, "start_date": "2025-10-02"},
        ),
        absence=absence({"start_date": "2025-03-03", "working_days_lost": 4.0}),
    )
    assert workers(given) == []
    assert metric_values(given, "2025-09-30")["sickness_days_lost"] == 4.0


# --- indicators and reconciliation -----------------------------------------------------------


def test_indicators_by_hand() -> None:
    given = extracts(
        staff(
            {"employee_id": "E1", "swe_number": "SW1", "fte": 1.0},
            {"employee_id": "E2", "swe_number": "SW2", "fte": 0.5, "start_date": "2025-01-01"},
            {"employee_id": "E3", "swe_number": "SW3", "fte": 0.8, "end_date": "2025-03-31",
             "leaving_reason": 1},
        ),
        agency({"worker_id": "G1", "swe_number": "SW9", "fte": 0.5}),
        caseloads=caseloads(
            {"worker_id": "E1", "child_ref": "C1"},
            {"worker_id": "E1", "child_ref": "C2"},
            {"worker_id": "G1", "worker_kind": "agency", "child_ref": "C3"},
        ),
        establishment=establishment({"funded_fte": 3.0}),  # T1 SW: 3 - 1.5 = 1.5 vacant
        absence=absence({"employee_id": "E2", "start_date": "2025-02-03",
                         "working_days_lost": 3.0}),
    )  # fmt: skip
    values = indicators(given)
    # employed in post: E1 1.0 + E2 0.5 = 1.5; agency 0.5.
    assert values == pytest.approx(
        {
            "agency_rate": 0.5 / 2.0,
            "turnover_rate": 0.8 / 1.5,
            "vacancy_rate": 1.5 / 3.0,
            "vacancy_agency_cover_rate": 0.5 / 1.5,
            "average_caseload": 3 / 1.5,  # cases E1 2 + G1 1 over case holders' FTE
            "absence_rate": 3.0 / (1.5 * 253),
            "employed_fte": 1.5,
            "agency_fte": 0.5,
            "leavers_fte": 0.8,
            "starters_fte": 0.5,
            "employed_workers": 2.0,
            "agency_workers": 1.0,
        }
    )


def test_indicators_of_items_not_carried_are_empty_not_zero() -> None:
    values = indicators(extracts(staff({**EMPLOYED_IN_POST})))
    for name in ("vacancy_rate", "vacancy_agency_cover_rate", "average_caseload", "absence_rate"):
        assert values[name] is None, name
    assert values["employed_fte"] == 1.0


def test_reconciliation_of_equal_returns_is_empty_and_names_each_difference() -> None:
    given = extracts(
        staff({**EMPLOYED_IN_POST}, {"employee_id": "E2", "swe_number": "SW1002", "fte": 0.5}),
        agency({"worker_id": "G1", "swe_number": "SW2001"}),
    )
    frame = return_workers(given, R)
    la = la_level_items(given, R)
    assert reconciliation(frame, la, frame, la, R, WORKING_DAYS).is_empty()
    edited = frame.with_columns(
        pl.when(pl.col("swe_no") == "SW1002").then(0.6).otherwise(pl.col("fte")).alias("fte")
    ).filter(pl.col("swe_no") != "SW2001")
    differences = reconciliation(edited, LaLevelItems(1.0), frame, la, R, WORKING_DAYS)
    rows = {
        (row["level"], row["indicator"], row["swe_no"], row["item"]): (
            row["in_return"], row["in_extracts"]
        )
        for row in differences.to_dicts()
    }  # fmt: skip
    assert rows[("worker", None, "SW1002", "FTE")] == ("0.6", "0.5")
    assert rows[("worker", None, "SW2001", None)] == ("absent", "present")
    assert rows[("la_level", None, None, "NumberOfVacancies")] == ("1.0", None)
    assert rows[("indicator", "employed_fte", None, "value")] == ("1.6", "1.5")
    assert rows[("indicator", "agency_workers", None, "value")] == ("0.0", "1.0")
    assert ("indicator", "turnover_rate", None, "value") not in rows  # both empty (0 / x)
