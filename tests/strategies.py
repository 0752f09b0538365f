"""Hypothesis strategies for small, random, valid clean extracts ("drops") and as-of
dates, shared by the tests that check the engine against the spec oracle (no tests
here).

Grain of ``drops``: one drawn drop, its rows per extract, the as-of dates to compute and
the metric parameters.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import polars as pl
from hypothesis import strategies as st

from tests.spec_oracle import year_before
from transforms.metrics import MetricParams
from transforms.schema import ExtractName, Extracts, clean_schema

Row = dict[str, Any]
Draw = Callable[[st.SearchStrategy[Any]], Any]


TEAMS = {"Alpha": "North", "Beta": "North", "Gamma": "South", "South": "East"}
ROLES = ["SW", "SW", "SW", "SP", "TM", "IRO", "FSW", "OTHER"]
FTES = [0.1, 0.2, 0.3, 0.33, 0.5, 0.6, 0.67, 0.7, 0.8, 1.0]
FUNDED = [0.3, 0.6, 1.0, 1.01, 1.3, 2.0, 2.1]
WEEKLY_COSTS = [None, 0.0, 999.99, 1234.56, 1234.5678, 2100.35]
DAYS_LOST = [0.0, 0.5, 1.0, 3.5, 12.25]
FIRST_DAY, LAST_DAY = dt.date(2021, 1, 1), dt.date(2026, 12, 31)
INTERESTING_AS_OF = [
    dt.date(2024, 2, 29),
    dt.date(2025, 2, 28),
    dt.date(2024, 3, 1),
    dt.date(2023, 3, 31),
    dt.date(2024, 12, 31),
    dt.date(2025, 3, 31),
]
LEAP_DAYS = [dt.date(2024, 2, 28), dt.date(2024, 2, 29), dt.date(2024, 3, 1)]


def n_days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


def up_to_days_after(start: dt.date, most: int) -> st.SearchStrategy[dt.date]:
    return st.integers(0, most).map(lambda n: start + n_days(n))


def _not_before(start: dt.date, days: st.SearchStrategy[dt.date]) -> st.SearchStrategy[dt.date]:
    return days.map(lambda day: max(day, start))


def _overlaps(a: Row, b: Row, start: str, end: str) -> bool:
    a_end = a[end] or dt.date.max
    b_end = b[end] or dt.date.max
    return bool(a[start] <= b_end and b[start] <= a_end)


def _without_overlaps(candidates: list[Row], start: str, end: str) -> list[Row]:
    """Keeps candidates in start order, dropping any that overlaps one already kept."""
    kept: list[Row] = []
    for row in sorted(candidates, key=lambda r: r[start]):
        if not any(_overlaps(row, other, start, end) for other in kept):
            kept.append(row)
    return kept


def _swe_variant(draw: Draw, number: str) -> str:
    """The same SWE number as another extract might write it: other case, spaces."""
    cased: str = draw(st.sampled_from([number.upper(), number.lower(), number.capitalize()]))
    padding: str = draw(st.sampled_from(["", " ", "  "]))
    trailing: str = draw(st.sampled_from(["", " "]))
    return padding + cased + trailing


@st.composite
def as_of_dates(draw: Draw) -> list[dt.date]:
    picked = draw(
        st.lists(
            st.one_of(
                st.sampled_from(INTERESTING_AS_OF),
                st.dates(dt.date(2020, 6, 1), dt.date(2027, 6, 30)),
            ),
            min_size=2,
            max_size=5,
            unique=True,
        )
    )
    return sorted(picked)


def _anchor_date(dates: list[dt.date]) -> st.SearchStrategy[dt.date]:
    """A date, often on or beside an edge: an as-of date, a year before one, 29 Feb."""
    anchors = sorted(
        set(dates) | {year_before(d) for d in dates} | set(LEAP_DAYS),
    )
    near_anchor = st.builds(
        lambda anchor, offset: anchor + n_days(offset),
        st.sampled_from(anchors),
        st.sampled_from([-2, -1, 0, 0, 0, 1, 2]),
    )
    return st.one_of(st.dates(FIRST_DAY, LAST_DAY), near_anchor, near_anchor)


def _team(draw: Draw) -> tuple[str, str]:
    team = draw(st.sampled_from(sorted(TEAMS)))
    # A restructure: now and then a row names another service area for its team.
    area = draw(st.sampled_from([TEAMS[team]] * 5 + ["West"]))
    return team, area


@st.composite
def staff_rows(draw: Draw, dates: list[dt.date]) -> list[Row]:
    """Employees with 1-3 spells each: internal moves (gaps of 1..10 days, often across
    teams), rejoiners, open last spells, spells ending on edge dates."""
    rows: list[Row] = []
    for number in range(draw(st.integers(0, 9))):
        employee = f"E{number}"
        swe = f"sw{100 + number}"
        start = draw(_anchor_date(dates))
        spells = draw(st.integers(1, 3))
        for index in range(spells):
            role = draw(st.sampled_from(ROLES))
            team, area = _team(draw)
            last = index == spells - 1
            ending = draw(
                st.sampled_from(["anchor", "length", "open"] if last else ["anchor", "length"])
            )
            if ending == "open":
                end = None
            elif ending == "anchor":
                end = max(start, draw(_anchor_date(dates)))
            else:
                end = start + n_days(draw(st.one_of(st.integers(0, 3), st.integers(0, 500))))
            social_work = role not in ("FSW", "OTHER")
            rows.append(
                {
                    "employee_id": employee,
                    "swe_number": _swe_variant(draw, swe)
                    if social_work or draw(st.booleans())
                    else None,
                    "job_title": "Worker",
                    "role": role,
                    "team": team,
                    "service_area": area,
                    "fte": draw(st.sampled_from(FTES)),
                    "contract_type": draw(st.sampled_from(["permanent", "fixed_term"])),
                    "start_date": start,
                    "end_date": end,
                    "leaving_reason": draw(st.sampled_from([None, 1, 7, 9])),
                    "start_origin": draw(st.sampled_from([None, 1, 1, 3, 3, 4, 9])),
                }
            )
            if end is None:
                break
            gap = draw(
                st.one_of(
                    st.sampled_from([6, 7, 7, 8, 8]), st.integers(1, 10), st.integers(11, 700)
                )
            )
            start = end + n_days(gap)
    return rows


@st.composite
def agency_rows(draw: Draw, dates: list[dt.date], staff: list[Row]) -> list[Row]:
    """Agency workers with assignments; some share an employee's SWE number with
    assignments ending around 90 days before one of that employee's spells starts."""
    rows: list[Row] = []
    for number in range(draw(st.integers(0, 7))):
        # Agency references sometimes look like employee ids: the kind tells them apart.
        worker = f"{draw(st.sampled_from(['G', 'G', 'E']))}{number}"
        converts = bool(staff) and draw(st.booleans())
        employee = draw(st.sampled_from(staff)) if converts else None
        swe = employee["swe_number"] if employee and employee["swe_number"] else f"sw{900 + number}"
        swe = swe.strip().lower()
        candidates: list[Row] = []
        for _ in range(draw(st.integers(1, 3))):
            if employee is not None and draw(st.booleans()):
                spell_start = draw(
                    st.sampled_from(
                        [
                            s["start_date"]
                            for s in staff
                            if s["employee_id"] == employee["employee_id"]
                        ]
                    )
                )
                before = draw(st.sampled_from([-1, 0, 1, 89, 90, 90, 91, 91, 92, 200]))
                end = None if draw(st.integers(0, 5)) == 0 else spell_start - n_days(before)
                start = (end or spell_start) - n_days(draw(st.integers(0, 300)))
                if draw(st.integers(0, 6)) == 0:
                    start = spell_start + n_days(draw(st.integers(0, 2)))
                    end = None
            else:
                start = draw(_anchor_date(dates))
                end = draw(
                    st.one_of(
                        st.none(),
                        up_to_days_after(start, 600),
                        _not_before(start, _anchor_date(dates)),
                    )
                )
            team, area = _team(draw)
            role = draw(st.sampled_from(ROLES))
            candidates.append(
                {
                    "worker_id": worker,
                    "swe_number": _swe_variant(draw, swe),
                    "agency_name": "Agency Ltd",
                    "role": role,
                    "team": team,
                    "service_area": area,
                    "fte": draw(st.sampled_from(FTES)),
                    "start_date": start,
                    "end_date": end,
                    "weekly_cost": draw(st.sampled_from(WEEKLY_COSTS)),
                }
            )
        rows += _without_overlaps(candidates, "start_date", "end_date")
    for number, row in enumerate(rows):
        row["assignment_id"] = f"A{number}"
    return rows


@st.composite
def establishment_rows(draw: Draw, dates: list[dt.date]) -> list[Row]:
    rows: list[Row] = []
    for team in sorted(TEAMS):
        for role in ("SW", "SP", "TM", "FSW"):
            candidates = []
            for _ in range(draw(st.integers(0, 2))):
                start = draw(_anchor_date(dates))
                end = draw(st.one_of(st.none(), _not_before(start, _anchor_date(dates))))
                _, area = _team(draw)
                candidates.append(
                    {
                        "team": team,
                        "service_area": TEAMS[team] if draw(st.integers(0, 4)) else area,
                        "role": role,
                        "funded_fte": draw(st.sampled_from(FUNDED)),
                        "effective_from": start,
                        "effective_to": end,
                    }
                )
            rows += _without_overlaps(candidates, "effective_from", "effective_to")
    return rows


@st.composite
def caseload_rows(
    draw: Draw, dates: list[dt.date], staff: list[Row], agency: list[Row]
) -> list[Row]:
    """Allocations to employees, agency workers, unknown ids and the wrong kind; the same
    child often twice to one worker and to two workers."""
    workers = sorted({("employee", r["employee_id"]) for r in staff})
    workers += sorted({("agency", r["worker_id"]) for r in agency})
    workers += [("employee", "NOBODY"), ("agency", "E0"), ("employee", "G0")]
    rows: list[Row] = []
    for number in range(draw(st.integers(0, 25))):
        kind, worker = draw(st.sampled_from(workers))
        start = draw(_anchor_date(dates))
        end = draw(st.one_of(st.none(), up_to_days_after(start, 400)))
        rows.append(
            {
                "allocation_id": f"L{number}",
                "child_ref": draw(st.sampled_from(["C1", "C2", "C3", "C4", "C5"])),
                "worker_id": worker,
                "worker_kind": kind,
                "allocated_from": start,
                "allocated_to": end,
            }
        )
    return rows


@st.composite
def absence_rows(draw: Draw, dates: list[dt.date], staff: list[Row]) -> list[Row]:
    """Episodes of known employees, often starting on a spell's first or last day."""
    if not staff:
        return []
    rows: list[Row] = []
    for _ in range(draw(st.integers(0, 10))):
        spell = draw(st.sampled_from(staff))
        edges = [spell["start_date"], spell["start_date"] - n_days(1)]
        if spell["end_date"] is not None:
            edges += [spell["end_date"], spell["end_date"] + n_days(1)]
        start = draw(st.one_of(st.sampled_from(edges), _anchor_date(dates)))
        end = draw(st.one_of(st.none(), up_to_days_after(start, 30)))
        rows.append(
            {
                "employee_id": spell["employee_id"],
                "start_date": start,
                "end_date": end,
                "working_days_lost": draw(st.sampled_from(DAYS_LOST)),
                "reason": draw(st.sampled_from(["SIC", "SIC", "SIC", "MAT", "OTH"])),
            }
        )
    return rows


def _clean(extract: ExtractName, rows: list[Row]) -> pl.DataFrame:
    numbered = [{"source_row": index + 2, **row} for index, row in enumerate(rows)]
    schema = clean_schema(extract)
    return pl.DataFrame(numbered, schema=schema) if numbered else pl.DataFrame(schema=schema)


@dataclass(frozen=True)
class DrawnDrop:
    """The rows of a drawn drop. Frames are built from them in the test, not while drawing:
    a strategy must not touch global state (hypothesis fails a draw that imports a module
    which seeds ``random``)."""

    rows: dict[ExtractName, list[Row] | None]
    dates: list[dt.date]
    params: MetricParams

    def extracts(self) -> Extracts:
        frames = {
            name: None if rows is None else _clean(name, rows) for name, rows in self.rows.items()
        }
        staff, agency = frames.pop("staff"), frames.pop("agency")
        assert staff is not None
        assert agency is not None
        return Extracts(staff=staff, agency=agency, **frames)


@st.composite
def drops(draw: Draw) -> DrawnDrop:
    dates = draw(as_of_dates())
    staff_list = draw(staff_rows(dates))
    agency_list = draw(agency_rows(dates, staff_list))
    optional = st.booleans()
    rows: dict[ExtractName, list[Row] | None] = {
        "staff": staff_list,
        "agency": agency_list,
        "caseloads": draw(caseload_rows(dates, staff_list, agency_list))
        if draw(optional)
        else None,
        "establishment": draw(establishment_rows(dates)) if draw(optional) else None,
        "absence": draw(absence_rows(dates, staff_list)) if draw(optional) else None,
    }
    params = MetricParams(
        caseload_threshold=draw(st.sampled_from([0, 1, 2, 20])),
        working_days_per_year=draw(st.sampled_from([253.0, 250.5])),
    )
    return DrawnDrop(rows, dates, params)
