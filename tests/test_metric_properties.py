"""Property tests of the metrics engine on generated extracts: bounds, identities between
metrics, trust = sum of teams, independence from other dates and from later rows, and
agreement with a deliberately naive row-by-row reading of metrics.md on small data."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from tests.builders import DEFAULT_PARAMS, frame
from transforms.metrics import compute_metrics
from transforms.schema import SOCIAL_WORK_ROLES, Extracts

DAY0 = date(2020, 1, 1)
HORIZON = 1600  # days after DAY0 that generated rows and dates reach
TEAMS = ("T1", "T2", "T3")
SERVICE_AREAS = ("A1", "A2")
ROLES = ("SW", "SW", "SP", "TM", "FSW", "OTHER")
FTES = (0.2, 0.5, 0.6, 0.8, 1.0)
PARAMS = replace(DEFAULT_PARAMS, caseload_threshold=1)

SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _day(offset: int) -> date:
    return DAY0 + timedelta(days=offset)


@st.composite
def _chains(draw: st.DrawFn, prefix: str, people: int, max_gap: int) -> list[dict[str, Any]]:
    """Non-overlapping rows per person: start, end (None = open) and the shared columns."""
    rows: list[dict[str, Any]] = []
    for person in range(draw(st.integers(0, people))):
        cursor = draw(st.integers(0, HORIZON))
        for _ in range(draw(st.integers(1, 3))):
            length = draw(st.integers(0, 500))
            is_open = draw(st.integers(0, 4)) == 0
            rows.append(
                {
                    "id": f"{prefix}{person}",
                    "start_date": _day(cursor),
                    "end_date": None if is_open else _day(cursor + length),
                    "role": draw(st.sampled_from(ROLES)),
                    "team": draw(st.sampled_from(TEAMS)),
                    "service_area": draw(st.sampled_from(SERVICE_AREAS)),
                    "fte": draw(st.sampled_from(FTES)),
                    "swe_number": draw(st.sampled_from(["SW1", " sw2", "SW3", None])),
                }
            )
            if is_open:
                break
            cursor += length + draw(st.integers(1, max_gap))
    return rows


@dataclass(frozen=True)
class DrawnExtracts:
    """The rows of drawn extracts. Frames are built in the test, not while drawing: a
    strategy must not touch global state (building frames can), or hypothesis replays a
    failing example differently and reports the strategy as flaky."""

    rows: dict[str, list[dict[str, Any]]]

    def build(self) -> Extracts:
        return Extracts(
            staff=frame("staff", *self.rows["staff"]),
            agency=frame("agency", *self.rows["agency"]),
            caseloads=frame("caseloads", *self.rows["caseloads"]),
            establishment=frame("establishment", *self.rows["establishment"]),
            absence=frame("absence", *self.rows["absence"]),
        )


@st.composite
def _extracts(draw: st.DrawFn) -> DrawnExtracts:
    staff_rows = [
        {
            "employee_id": row.pop("id"),
            "start_origin": draw(st.sampled_from([None, 1, 2, 3])),
            **row,
        }
        for row in draw(_chains("E", 6, 12))
    ]
    agency_rows = [
        {
            "worker_id": row.pop("id"),
            "weekly_cost": draw(st.sampled_from([None, 0.0, 700.0, 1234.56])),
            **row,
        }
        for row in draw(_chains("G", 4, 60))
    ]
    staff_ids = sorted({row["employee_id"] for row in staff_rows}) or ["E0"]
    agency_ids = sorted({row["worker_id"] for row in agency_rows}) or ["G0"]
    allocations = []
    for _ in range(draw(st.integers(0, 12))):
        kind = draw(st.sampled_from(["employee", "agency"]))
        start = draw(st.integers(0, HORIZON))
        allocations.append(
            {
                "worker_kind": kind,
                "worker_id": draw(st.sampled_from(staff_ids if kind == "employee" else agency_ids)),
                "child_ref": draw(st.sampled_from(["C1", "C2", "C3"])),
                "allocated_from": _day(start),
                "allocated_to": draw(
                    st.one_of(st.none(), st.integers(start, start + 400).map(_day))
                ),
            }
        )
    cells = []
    for team in TEAMS:
        for role in ("SW", "TM", "FSW"):
            if draw(st.booleans()):
                start = draw(st.integers(0, HORIZON))
                cells.append(
                    {
                        "team": team,
                        "role": role,
                        "service_area": draw(st.sampled_from(SERVICE_AREAS)),
                        "funded_fte": draw(st.sampled_from([0.5, 1.0, 2.6])),
                        "effective_from": _day(start),
                        "effective_to": draw(st.sampled_from([None, _day(start + 300)])),
                    }
                )
    episodes = [
        {
            "employee_id": draw(st.sampled_from(staff_ids)),
            "start_date": _day(draw(st.integers(0, HORIZON))),
            "working_days_lost": draw(st.sampled_from([0.0, 1.0, 2.5])),
            "reason": draw(st.sampled_from(["SIC", "SIC", "MAT"])),
        }
        for _ in range(draw(st.integers(0, 5)))
    ]
    return DrawnExtracts(
        {
            "staff": staff_rows,
            "agency": agency_rows,
            "caseloads": allocations,
            "establishment": cells,
            "absence": episodes,
        }
    )


_dates = st.lists(st.integers(0, HORIZON + 200).map(_day), min_size=1, max_size=3, unique=True)


def _by_key(result: pl.DataFrame) -> dict[tuple[Any, ...], float | None]:
    return {
        (row["as_of"], row["scope"], row["scope_value"], row["metric"]): row["value"]
        for row in result.iter_rows(named=True)
    }


@SETTINGS
@given(drawn=_extracts(), dates=_dates)
def test_rates_are_bounded_and_ratio_follows_the_rate(
    drawn: DrawnExtracts, dates: list[date]
) -> None:
    extracts = drawn.build()
    values = _by_key(compute_metrics(extracts, dates, PARAMS))
    shares = (
        "agency_rate",
        "agency_rate_headcount",
        "stability_index",
        "vacancy_rate",
        "vacancy_agency_cover_rate",
        "case_holders_over_threshold_rate",
    )
    for (as_of, scope, scope_value, metric), value in values.items():
        if metric in shares and value is not None:
            assert 0.0 <= value <= 1.0, (metric, value)
        if metric == "agency_rate" and value is not None and value < 1.0:
            ratio = values[(as_of, scope, scope_value, "agency_to_permanent_ratio")]
            assert ratio is not None
            assert abs(ratio - value / (1.0 - value)) <= 1e-9 * max(1.0, ratio)


ADDITIVE = (
    "employed_fte",
    "employed_headcount",
    "agency_fte",
    "agency_headcount",
    "leavers_fte",
    "leavers_headcount",
    "starters_fte",
    "starters_headcount",
    "agency_conversions",
    "international_starters",
    "nqsw_starters",
    "vacancy_fte",
    "cases",
    "case_holders_headcount",
    "case_holders_fte",
)


@SETTINGS
@given(drawn=_extracts(), dates=_dates)
def test_trust_totals_are_the_sum_of_teams_and_of_service_areas(
    drawn: DrawnExtracts, dates: list[date]
) -> None:
    extracts = drawn.build()
    result = compute_metrics(extracts, dates, PARAMS).filter(pl.col("metric").is_in(ADDITIVE))
    trust = result.filter(pl.col("scope") == "trust").select("as_of", "metric", "value")
    for scope in ("team", "service_area"):
        summed = (
            result.filter(pl.col("scope") == scope)
            .group_by("as_of", "metric")
            .agg(pl.col("value").sum().alias("summed"))
        )
        joined = trust.join(summed, on=["as_of", "metric"], how="left").with_columns(
            pl.col("summed").fill_null(0.0)
        )
        for row in joined.iter_rows(named=True):
            assert abs(row["value"] - row["summed"]) <= 1e-9, (scope, row)


@SETTINGS
@given(drawn=_extracts(), dates=_dates)
def test_a_date_does_not_depend_on_the_other_dates(drawn: DrawnExtracts, dates: list[date]) -> None:
    extracts = drawn.build()
    together = compute_metrics(extracts, dates, PARAMS)
    alone = pl.concat([compute_metrics(extracts, [day], PARAMS) for day in dates])
    assert_frame_equal(together, alone.sort("as_of", "scope", "scope_value", "metric"))


def _later_rows(extracts: Extracts, as_of: date) -> Extracts:
    """Rows starting after ``as_of`` that cannot change its figures: new employees and
    agency workers (so no earlier spell becomes an internal move), allocations, absence
    episodes and establishment periods of a new team."""
    after = as_of + timedelta(days=1)
    more_staff = frame(
        "staff",
        {"employee_id": "LATE1", "start_date": after, "team": "T1", "swe_number": "SW1"},
        {"employee_id": "LATE2", "start_date": after + timedelta(days=40), "role": "TM"},
    )
    more_agency = frame(
        "agency",
        {"worker_id": "LATE_G", "start_date": after, "weekly_cost": 999.0, "team": "T2"},
    )
    more_allocations = frame(
        "caseloads",
        {"worker_id": "E0", "child_ref": "C1", "allocated_from": after},
        {"worker_id": "LATE1", "child_ref": "C9", "allocated_from": after},
    )
    more_cells = frame("establishment", {"team": "LATE_TEAM", "effective_from": after})
    more_episodes = frame(
        "absence", {"employee_id": "E0", "start_date": after, "working_days_lost": 5.0}
    )

    def grown(old: pl.DataFrame | None, new: pl.DataFrame) -> pl.DataFrame:
        assert old is not None
        return pl.concat([old, new.with_columns(pl.col("source_row") + old.height)])

    return replace(
        extracts,
        staff=grown(extracts.staff, more_staff),
        agency=grown(extracts.agency, more_agency),
        caseloads=grown(extracts.caseloads, more_allocations),
        establishment=grown(extracts.establishment, more_cells),
        absence=grown(extracts.absence, more_episodes),
    )


@SETTINGS
@given(drawn=_extracts(), dates=_dates)
def test_rows_starting_after_the_date_change_nothing(
    drawn: DrawnExtracts, dates: list[date]
) -> None:
    extracts = drawn.build()
    as_of = dates[0]
    before = compute_metrics(extracts, [as_of], PARAMS)
    after = compute_metrics(_later_rows(extracts, as_of), [as_of], PARAMS)
    assert_frame_equal(before, after, check_exact=False, rel_tol=1e-12, abs_tol=1e-9)


# --- a naive reading of metrics.md, row by row, for the trust on one date ---------------


def _year_before(day: date) -> date:
    if day.month == 2 and day.day == 29:
        return date(day.year - 1, 2, 28)
    return day.replace(year=day.year - 1)


def _in_post(
    row: dict[str, Any], day: date, start: str = "start_date", end: str = "end_date"
) -> bool:
    return bool(row[start] <= day and (row[end] is None or row[end] >= day))


def _naive_trust(extracts: Extracts, as_of: date) -> dict[str, float | None]:
    year_before = _year_before(as_of)

    def in_window(day: date | None) -> bool:
        return day is not None and year_before < day <= as_of

    spells = [r for r in extracts.staff.to_dicts() if r["role"] in SOCIAL_WORK_ROLES]
    by_employee: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for spell in spells:
        by_employee[spell["employee_id"]].append(spell)

    def moves_on(spell: dict[str, Any]) -> bool:
        end = spell["end_date"]
        return end is not None and any(
            other["start_date"] > end and (other["start_date"] - end).days <= 7
            for other in by_employee[spell["employee_id"]]
        )

    def moved_in(spell: dict[str, Any]) -> bool:
        return any(
            other["end_date"] is not None
            and other["end_date"] < spell["start_date"]
            and (spell["start_date"] - other["end_date"]).days <= 7
            for other in by_employee[spell["employee_id"]]
        )

    leavers = [s for s in spells if in_window(s["end_date"]) and not moves_on(s)]
    starters = [s for s in spells if in_window(s["start_date"]) and not moved_in(s)]
    employed = [s for s in spells if _in_post(s, as_of)]
    assignments = [r for r in extracts.agency.to_dicts() if r["role"] in SOCIAL_WORK_ROLES]
    agency_now = [a for a in assignments if _in_post(a, as_of)]
    base = [s for s in spells if _in_post(s, year_before)]
    left = {s["employee_id"] for s in leavers}
    stable = [
        s
        for s in base
        if any(_in_post(o, as_of) for o in by_employee[s["employee_id"]])
        and s["employee_id"] not in left
    ]
    spend = 0.0
    for assignment in assignments:
        if assignment["weekly_cost"] is None or assignment["start_date"] > as_of:
            continue
        last = min(assignment["end_date"] or as_of, as_of)
        first = max(assignment["start_date"], year_before + timedelta(days=1))
        spend += assignment["weekly_cost"] * max((last - first).days + 1, 0) / 7
    assert extracts.caseloads is not None
    children: dict[tuple[str, str], set[str]] = defaultdict(set)
    for allocation in extracts.caseloads.to_dicts():
        if _in_post(allocation, as_of, "allocated_from", "allocated_to"):
            children[(allocation["worker_kind"], allocation["worker_id"])].add(
                allocation["child_ref"]
            )
    workers = {("employee", s["employee_id"]): s for s in employed}
    workers.update({("agency", a["worker_id"]): a for a in agency_now})
    caseloads = [len(c) for worker, c in children.items() if worker in workers]
    employed_fte = sum(s["fte"] for s in employed)
    assert extracts.absence is not None
    sickness = sum(
        episode["working_days_lost"]
        for episode in extracts.absence.to_dicts()
        if episode["reason"] == "SIC"
        and in_window(episode["start_date"])
        and any(_in_post(s, episode["start_date"]) for s in by_employee[episode["employee_id"]])
    )
    return {
        "employed_fte": employed_fte,
        "employed_headcount": len(employed),
        "agency_fte": sum(a["fte"] for a in agency_now),
        "leavers_fte": sum(s["fte"] for s in leavers),
        "leavers_headcount": len(leavers),
        "starters_headcount": len(starters),
        "international_starters": sum(s["start_origin"] == 3 for s in starters),
        "stability_index": len(stable) / len(base) if base else None,
        "agency_spend_12m": spend,
        "cases": sum(caseloads),
        "max_caseload": max(caseloads) if caseloads else None,
        "sickness_days_lost": sickness,
    }


@SETTINGS
@given(drawn=_extracts(), dates=_dates)
def test_trust_figures_match_a_naive_reading_of_the_spec(
    drawn: DrawnExtracts, dates: list[date]
) -> None:
    extracts = drawn.build()
    values = _by_key(compute_metrics(extracts, dates, PARAMS))
    for as_of in dates:
        for metric, expected in _naive_trust(extracts, as_of).items():
            actual = values[(as_of, "trust", "all", metric)]
            if expected is None:
                assert actual is None, (as_of, metric, actual)
            else:
                assert actual is not None, (as_of, metric)
                assert abs(actual - expected) <= 1e-9 * max(1.0, abs(expected)), (
                    as_of,
                    metric,
                    actual,
                    expected,
                )
