"""Seeded synthetic HR extracts of an invented children's services trust.

Writes the five extracts of ``shared/spec/extracts.md`` as they stand on a drop date:

- ``staff``: one row per employment spell of an employed worker;
- ``agency``: one row per agency assignment;
- ``caseloads``: one row per allocation of a child to a worker;
- ``establishment``: one row per funded-post period of a (team, role) cell;
- ``absence``: one row per absence episode of an employed worker.

The story: funded posts in 12 teams (3 service areas) are filled month by month, by
employed staff or agency workers. Whom a vacancy goes to is steered so that the
social-work agency rate, agency FTE / (agency + employed FTE), follows the Trust's path
(about 48% in spring 2023, 30% by March 2025, 20% by March 2026) as the Trust recruits
newly qualified and international social workers, converts agency workers to permanent
contracts and grows its establishment. Caseloads and absence episodes are laid over the
resulting spells and assignments with numpy, so ``--staff`` scales linearly.

Same arguments, same bytes: every random draw comes from one seeded generator, in a fixed
order. Nothing here is real personal data: ids, SWE numbers and child references are
generated numbers; team, service-area and agency names are invented.

    python -m sample_data.generate --out DIR [--staff N] [--seed S] [--format csv|xlsx]
        [--drop-date YYYY-MM-DD] [--start YYYY-MM-DD]
"""

from __future__ import annotations

import argparse
import io
import re
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import numpy as np
import numpy.typing as npt
import polars as pl
from openpyxl import Workbook

from transforms.schema import EXTRACT_COLUMNS, EXTRACT_NAMES, SOCIAL_WORK_ROLES

_T = TypeVar("_T")
IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

DEFAULT_STAFF = 600
DEFAULT_SEED = 20261120
DEFAULT_DROP_DATE = date(2026, 11, 20)
DEFAULT_START = date(2022, 4, 1)

_EPOCH = date(1970, 1, 1).toordinal()
_OPEN = 10**7  # a day number far beyond any drop date: "not ended"

# (service area, team, funded posts by role at the start for --staff 600, mean days a
# child stays allocated to one worker in this kind of team)
_TEAMS: tuple[tuple[str, str, dict[str, int], int], ...] = (
    ("Front Door", "Front Door MASH",
     {"SM": 1, "TM": 2, "PS": 1, "SP": 4, "SW": 20, "OTHER": 4}, 150),
    ("Front Door", "Assessment Team North",
     {"TM": 1, "PS": 2, "SP": 4, "SW": 24, "FSW": 2, "OTHER": 1}, 160),
    ("Front Door", "Assessment Team South",
     {"TM": 1, "PS": 2, "SP": 4, "SW": 24, "FSW": 2, "OTHER": 1}, 160),
    ("Children in Need and Child Protection", "Northgate CIN/CP",
     {"SM": 1, "TM": 2, "PS": 2, "SP": 5, "SW": 30, "FSW": 4, "OTHER": 2}, 270),
    ("Children in Need and Child Protection", "Eastbrook CIN/CP",
     {"TM": 2, "PS": 2, "SP": 5, "SW": 30, "FSW": 4, "OTHER": 2}, 270),
    ("Children in Need and Child Protection", "Westfield CIN/CP",
     {"TM": 2, "PS": 2, "SP": 5, "SW": 28, "FSW": 3, "OTHER": 2}, 270),
    ("Children in Need and Child Protection", "Court and Pre-Proceedings",
     {"TM": 1, "SP": 3, "SW": 12, "CC": 5, "OTHER": 2}, 300),
    ("Children in Need and Child Protection", "Child Protection Conference Service",
     {"TM": 1, "CPC": 10, "OTHER": 3}, 300),
    ("Children Looked After", "Millbank Looked After",
     {"SM": 1, "TM": 2, "PS": 2, "SP": 5, "SW": 28, "FSW": 3, "OTHER": 2}, 420),
    ("Children Looked After", "Riverside Looked After",
     {"TM": 2, "PS": 2, "SP": 4, "SW": 26, "FSW": 3, "OTHER": 2}, 420),
    ("Children Looked After", "Leaving Care 16+",
     {"TM": 1, "SP": 3, "SW": 16, "FSW": 5, "OTHER": 2}, 480),
    ("Children Looked After", "Independent Reviewing Service",
     {"TM": 1, "IRO": 12, "OTHER": 2}, 300),
)  # fmt: skip
# Social-work staff spells one template trust produces over 2022-04..2026-11 (measured).
_SPELLS_PER_TEMPLATE = 650.0
# Establishment growth: share of the starting posts added on each anniversary of the start.
_POST_GROWTH: tuple[float, ...] = (0.04, 0.10, 0.04)

# The agency-rate path the Trust's recruitment follows (Bradford: 45.7% Sept 2022, 49.9%
# Sept 2023, 31.8% Sept 2024, 22.2% Sept 2025); interpolated linearly, flat outside.
_AGENCY_RATE_PATH: tuple[tuple[date, float], ...] = (
    (date(2022, 4, 1), 0.445),
    (date(2022, 10, 1), 0.465),
    (date(2023, 6, 30), 0.485),
    (date(2024, 3, 31), 0.40),
    (date(2025, 3, 31), 0.295),
    (date(2026, 3, 31), 0.195),
    (date(2026, 12, 31), 0.175),
)
_NON_SOCIAL_WORK_AGENCY_RATE = 0.08
_INITIAL_OCCUPANCY = 0.92
_MONTHLY_FILL_PROBABILITY = 0.5
_INTERNAL_MOVE_SHARE = 0.12  # of employed spells that end
_FIXED_TERM_SHARE = 0.08
_FIXED_TERM_MADE_PERMANENT = 0.5
_REJOINER_SHARE = 0.04  # of employed hires
_POOL_CONVERSION_SHARE = 0.03  # of employed hires: an agency worker who left recently
_AGENCY_REUSE_SHARE = 0.2  # of agency fills: a worker between assignments
_MISSING_LEAVING_REASON = 0.04
_MISSING_WEEKLY_COST = 0.02
_COWORKED_SHARE = 0.015  # of allocations in CIN/CP and looked-after teams

_JOB_TITLES: dict[str, tuple[tuple[str, float], ...]] = {
    "SW": (("Social Worker", 1.0),),
    "SP": (("Senior Practitioner", 0.8), ("Advanced Practitioner", 0.2)),
    "PS": (("Practice Supervisor", 1.0),),
    "TM": (("Team Manager", 1.0),),
    "SM": (("Service Manager", 1.0),),
    "CC": (("Court Consultant", 1.0),),
    "CPC": (("Child Protection Conference Chair", 1.0),),
    "IRO": (("Independent Reviewing Officer", 1.0),),
    "FSW": (("Family Support Worker", 0.85), ("Senior Family Support Worker", 0.15)),
    "OTHER": (("Business Support Officer", 0.6), ("Team Administrator", 0.4)),
}
_ASYE_TITLE = "Social Worker (ASYE)"
_AGENCY_NAMES: tuple[str, ...] = (
    "Pennine Social Work Solutions Ltd",
    "Castlegate Locums",
    "Brightpath Professional Staffing",
    "Northern Lights Care Recruitment",
    "Keystone Children's Services Agency",
    "Meadowgate Interim Professionals",
)
# Weekly charge for a full-time assignment: (low, high) in GBP, by role.
_WEEKLY_COST: dict[str, tuple[int, int]] = {
    "SW": (1800, 2400), "SP": (2050, 2600), "PS": (2300, 2800), "TM": (2600, 3200),
    "SM": (3200, 3800), "CC": (2300, 2800), "CPC": (2300, 2800), "IRO": (2200, 2700),
    "FSW": (850, 1150), "OTHER": (700, 950),
}  # fmt: skip
_PART_TIME_FTES: tuple[float, ...] = (0.5, 0.6, 0.7, 0.8, 0.9)
_LEAVING_REASONS: tuple[tuple[int, float], ...] = (
    (1, 0.70), (2, 0.01), (4, 0.03), (5, 0.08), (7, 0.05), (8, 0.08), (9, 0.05),
)  # fmt: skip
_INTERNAL_MOVE_REASON = 8  # "other": an internal move is not a leaver, but HR records an end
# Start origins of ordinary (not newly qualified, not international) hires.
_OTHER_ORIGINS: tuple[tuple[int | None, float], ...] = (
    (2, 0.52), (4, 0.10), (5, 0.08), (6, 0.08), (7, 0.04), (8, 0.03), (9, 0.08), (None, 0.07),
)  # fmt: skip
_INITIAL_ORIGINS: tuple[tuple[int | None, float], ...] = (
    (1, 0.15), (2, 0.35), (4, 0.05), (5, 0.05), (6, 0.05), (9, 0.15), (10, 0.05), (None, 0.15),
)  # fmt: skip
# Absence reasons: (code, share of episodes).
_ABSENCE_REASONS: tuple[tuple[str, float], ...] = (
    ("SIC", 0.47), ("TRN", 0.33), ("OTH", 0.12), ("MAT", 0.02), ("PUB", 0.02),
    ("UNA", 0.02), ("UNP", 0.02),
)  # fmt: skip
_ABSENCE_GAP_MEAN_DAYS = 125.0


def _day(value: date) -> int:
    return value.toordinal() - _EPOCH


def _date(day: int) -> date:
    return date.fromordinal(day + _EPOCH)


def _anniversary(value: date, years: int) -> date:
    try:
        return value.replace(year=value.year + years)
    except ValueError:  # 29 February
        return value.replace(year=value.year + years, day=28)


def _pick(rng: np.random.Generator, options: tuple[tuple[_T, float], ...]) -> _T:
    weights = np.array([weight for _, weight in options])
    return options[int(rng.choice(len(options), p=weights / weights.sum()))][0]


def _target_agency_rate(day: int) -> float:
    days = [_day(when) for when, _ in _AGENCY_RATE_PATH]
    rates = [rate for _, rate in _AGENCY_RATE_PATH]
    return float(np.interp(day, days, rates))


def _employed_exit_hazard(day: int) -> float:
    """Yearly chance an employed spell ends (leavers and internal moves): falls as the
    Trust stabilises (Bradford's turnover fell from 22% in 2022 to 9% in 2025)."""
    return float(np.interp(day, [_day(date(2022, 4, 1)), _day(date(2025, 9, 30))], [0.24, 0.16]))


def _conversion_chance(day: int) -> float:
    """Chance an ending agency assignment turns into a permanent post for the worker."""
    return float(
        np.interp(
            day,
            [_day(date(2022, 4, 1)), _day(date(2023, 9, 1)), _day(date(2025, 3, 1)),
             _day(date(2026, 6, 1))],
            [0.03, 0.09, 0.10, 0.06],
        )
    )  # fmt: skip


def _international_share(day: int) -> float:
    """Share of ordinary social-work hires recruited from abroad (a 2023-24 campaign)."""
    if _day(date(2023, 1, 1)) <= day <= _day(date(2024, 12, 31)):
        return 0.30
    return 0.07


def _newly_qualified_share(day: int) -> float:
    """Share of social-worker (SW) hires who are newly qualified: mostly an autumn cohort."""
    return 0.45 if _date(day).month in (8, 9, 10) else 0.12


@dataclass
class _Posts:
    """One row per funded post (1.0 FTE) with the day it becomes funded."""

    team: IntArray
    role: list[str]
    social_work: BoolArray
    funded_from: IntArray
    team_names: list[str]
    team_areas: list[str]
    team_case_days: list[int]


@dataclass
class _Spells:
    """Employment spells, one entry per spell (``end`` is ``_OPEN`` while open)."""

    person: list[int] = field(default_factory=list)
    post: list[int] = field(default_factory=list)
    start: list[int] = field(default_factory=list)
    end: list[int] = field(default_factory=list)
    contract: list[str] = field(default_factory=list)
    origin: list[int | None] = field(default_factory=list)
    reason: list[int | None] = field(default_factory=list)
    title: list[str] = field(default_factory=list)
    fte: list[float] = field(default_factory=list)


@dataclass
class _Assignments:
    """Agency assignments, one entry per assignment (``end`` is ``_OPEN`` while open)."""

    worker: list[int] = field(default_factory=list)
    post: list[int] = field(default_factory=list)
    start: list[int] = field(default_factory=list)
    end: list[int] = field(default_factory=list)
    fte: list[float] = field(default_factory=list)
    weekly_cost: list[float | None] = field(default_factory=list)


@dataclass
class _Employee:
    swe: int | None
    fte: float
    origin: int | None
    in_post: bool = False
    last_end: int = -_OPEN


@dataclass
class _AgencyWorker:
    swe: int | None
    agency: int
    fte: float
    on_assignment: bool = False
    last_end: int = -_OPEN
    converted: bool = False


def _build_posts(staff: int, start: date, history: date, rng: np.random.Generator) -> _Posts:
    """Posts of the template trust scaled to ``staff``, funded from ``history`` and grown on
    the anniversaries of ``start``; a large trust gets more teams (numbered copies of the
    template teams) rather than giant teams."""
    scale = staff / _SPELLS_PER_TEMPLATE
    copies = 1 if scale <= 1.5 else round(scale)
    per_copy = scale / copies
    growth_days = [_day(_anniversary(start, years + 1)) for years in range(len(_POST_GROWTH))]
    growth_weights = np.array(_POST_GROWTH) / sum(_POST_GROWTH)
    team: list[int] = []
    role: list[str] = []
    funded_from: list[int] = []
    team_names: list[str] = []
    team_areas: list[str] = []
    team_case_days: list[int] = []
    for copy in range(copies):
        for area, name, roles, case_days in _TEAMS:
            team_index = len(team_names)
            team_names.append(name if copies == 1 else f"{name} {copy + 1}")
            team_areas.append(area)
            team_case_days.append(case_days)
            for role_code, base in roles.items():
                minimum = 1 if role_code in ("TM", "SM", "SW") else 0
                initial = max(minimum, round(base * per_copy))
                added = round(initial * sum(_POST_GROWTH))
                added_on = rng.choice(len(growth_days), size=added, p=growth_weights)
                days = [_day(history)] * initial + [growth_days[int(k)] for k in added_on]
                team.extend([team_index] * len(days))
                role.extend([role_code] * len(days))
                funded_from.extend(days)
    return _Posts(
        team=np.array(team, dtype=np.int64),
        role=role,
        social_work=np.array([code in SOCIAL_WORK_ROLES for code in role]),
        funded_from=np.array(funded_from, dtype=np.int64),
        team_names=team_names,
        team_areas=team_areas,
        team_case_days=team_case_days,
    )


class _Simulation:
    """Month-by-month filling of posts. Per post: who holds it (nobody, an employee or an
    agency worker), since when and until when (the planned end is drawn at the start)."""

    VACANT, EMPLOYED, AGENCY, UNFUNDED = 0, 1, 2, -1

    def __init__(self, posts: _Posts, start: date, drop: date, rng: np.random.Generator):
        self.posts = posts
        self.rng = rng
        self.start = _day(start)
        self.drop = _day(drop)
        n = len(posts.role)
        self.holder_kind = np.full(n, self.UNFUNDED, dtype=np.int64)
        self.holder_record = np.full(n, -1, dtype=np.int64)
        self.holder_end = np.full(n, _OPEN, dtype=np.int64)
        self.holder_fte = np.zeros(n, dtype=np.float64)
        self.vacant_from = np.zeros(n, dtype=np.int64)
        role_array = np.array(posts.role)
        self.posts_by_role = {
            role: np.flatnonzero(role_array == role) for role in sorted(set(posts.role))
        }
        self.spells = _Spells()
        self.assignments = _Assignments()
        self.employees: list[_Employee] = []
        self.workers: list[_AgencyWorker] = []
        self.swe_count = 0
        self.rejoin_pool: list[int] = []  # employees who resigned (may come back)
        self.between_assignments: list[int] = []  # agency workers recently finished

    # -- people -------------------------------------------------------------------------
    def _new_swe(self, post: int) -> int | None:
        if not self.posts.social_work[post]:
            return None
        self.swe_count += 1
        return self.swe_count - 1

    def _part_time_fte(self, full_time_share: float) -> float:
        if self.rng.random() < full_time_share:
            return 1.0
        return float(self.rng.choice(_PART_TIME_FTES))

    def _new_employee(self, post: int, origin: int | None, swe: int | None = None) -> int:
        if swe is None:
            swe = self._new_swe(post)
        self.employees.append(_Employee(swe=swe, fte=self._part_time_fte(0.8), origin=origin))
        return len(self.employees) - 1

    def _new_worker(self, post: int) -> int:
        agency = int(self.rng.integers(len(_AGENCY_NAMES)))
        fte = self._part_time_fte(0.95)
        self.workers.append(_AgencyWorker(swe=self._new_swe(post), agency=agency, fte=fte))
        return len(self.workers) - 1

    # -- holders ------------------------------------------------------------------------
    def _employ(self, post: int, person: int, first_day: int, contract: str | None = None) -> None:
        rng = self.rng
        employee = self.employees[person]
        if contract is None:
            contract = "fixed_term" if rng.random() < _FIXED_TERM_SHARE else "permanent"
        if contract == "fixed_term":
            end = first_day + int(rng.integers(180, 540))
        else:
            years = rng.exponential(1.0 / _employed_exit_hazard(first_day))
            end = first_day + max(60, int(years * 365.25))
        role = self.posts.role[post]
        title = _pick(rng, _JOB_TITLES[role])
        if role == "SW" and employee.origin == 1 and first_day >= self.start:
            title = _ASYE_TITLE
        spells = self.spells
        spells.person.append(person)
        spells.post.append(post)
        spells.start.append(first_day)
        spells.end.append(end)
        spells.contract.append(contract)
        spells.origin.append(employee.origin)
        spells.reason.append(None)
        spells.title.append(title)
        spells.fte.append(employee.fte)
        employee.in_post = True
        self._hold(post, self.EMPLOYED, len(spells.start) - 1, end, employee.fte)

    def _assign(self, post: int, worker: int, first_day: int, cost: float | None = None) -> None:
        rng = self.rng
        agent = self.workers[worker]
        weeks = float(rng.choice([13, 26, 39, 52], p=[0.35, 0.4, 0.15, 0.1]))
        end = first_day + int(weeks * 7) + int(rng.integers(-10, 11)) - 1
        if cost is None:
            low, high = _WEEKLY_COST[self.posts.role[post]]
            cost = round(float(rng.uniform(low, high)) * agent.fte / 5) * 5.0
        recorded_cost = None if rng.random() < _MISSING_WEEKLY_COST else cost
        table = self.assignments
        table.worker.append(worker)
        table.post.append(post)
        table.start.append(first_day)
        table.end.append(end)
        table.fte.append(agent.fte)
        table.weekly_cost.append(recorded_cost)
        agent.on_assignment = True
        self._hold(post, self.AGENCY, len(table.start) - 1, end, agent.fte)

    def _hold(self, post: int, kind: int, record: int, end: int, fte: float) -> None:
        self.holder_kind[post] = kind
        self.holder_record[post] = record
        self.holder_end[post] = end
        self.holder_fte[post] = fte

    def _keep_open(self, post: int) -> None:
        """A follow-on would start after the drop date: as the extract stands, the current
        holder is still in post."""
        if self.holder_kind[post] == self.EMPLOYED:
            self.spells.end[int(self.holder_record[post])] = _OPEN
        else:
            self.assignments.end[int(self.holder_record[post])] = _OPEN
        self.holder_end[post] = _OPEN

    def _vacate(self, post: int, last_day: int) -> None:
        self.holder_kind[post] = self.VACANT
        self.holder_end[post] = _OPEN
        self.holder_fte[post] = 0.0
        self.vacant_from[post] = last_day + 1

    # -- the story ----------------------------------------------------------------------
    def initial_state(self) -> None:
        """Posts funded on the start date, held by people who started before it."""
        rng = self.rng
        for post in np.flatnonzero(self.posts.funded_from <= self.start).tolist():
            self.holder_kind[post] = self.VACANT
            self.vacant_from[post] = self.start
            if rng.random() > _INITIAL_OCCUPANCY:
                continue
            agency_rate = (
                _target_agency_rate(self.start)
                if self.posts.social_work[post]
                else _NON_SOCIAL_WORK_AGENCY_RATE
            )
            if rng.random() < agency_rate:
                worker = self._new_worker(post)
                self._assign(post, worker, self.start - int(rng.integers(0, 240)))
                # Started before the story: pretend the assignment was drawn to end in it.
                remaining = int(rng.integers(1, 200))
                self.assignments.end[-1] = self.start + remaining
                self.holder_end[post] = self.start + remaining
            else:
                origin = _pick(rng, _INITIAL_ORIGINS)
                person = self._new_employee(post, origin)
                tenure_years = min(25.0, float(rng.exponential(5.0)))
                first_day = self.start - 1 - int(tenure_years * 365.25)
                self._employ(post, person, first_day, contract="permanent")
                years_left = rng.exponential(1.0 / _employed_exit_hazard(self.start))
                end = self.start + int(years_left * 365.25)
                self.spells.end[-1] = end
                self.holder_end[post] = end

    def run(self) -> None:
        self.initial_state()
        month = _date(self.start).replace(day=1)
        drop = _date(self.drop)
        while month <= drop:
            following = (month + timedelta(days=32)).replace(day=1)
            first = max(_day(month), self.start)
            last = min(_day(following) - 1, self.drop)
            self._month(first, last)
            month = following

    def _current_agency_rate(self) -> float:
        social_work = self.posts.social_work
        agency = self.holder_fte[social_work & (self.holder_kind == self.AGENCY)].sum()
        employed = self.holder_fte[social_work & (self.holder_kind == self.EMPLOYED)].sum()
        total = agency + employed
        return float(agency / total) if total > 0 else 0.0

    def _month(self, first: int, last: int) -> None:
        rng = self.rng
        newly_funded = (self.holder_kind == self.UNFUNDED) & (self.posts.funded_from <= last)
        self.holder_kind[newly_funded] = self.VACANT
        self.vacant_from[newly_funded] = self.posts.funded_from[newly_funded]

        target = _target_agency_rate(last + 15)
        gap = target - self._current_agency_rate()
        extension_chance = float(np.clip(0.55 + 6.0 * gap, 0.1, 0.85))
        ending = np.flatnonzero((self.holder_kind > 0) & (self.holder_end <= last))
        for post in ending[np.argsort(self.holder_end[ending], kind="stable")]:
            if self.holder_kind[post] == self.EMPLOYED:
                self._end_spell(int(post))
            else:
                self._end_assignment(int(post), extension_chance)

        vacant = np.flatnonzero((self.holder_kind == self.VACANT) & (self.vacant_from <= last))
        filled = vacant[rng.random(len(vacant)) < _MONTHLY_FILL_PROBABILITY]
        earliest = np.maximum(self.vacant_from[filled], first)
        fill_days = earliest + (rng.random(len(filled)) * (last - earliest + 1)).astype(np.int64)
        social_work = self.posts.social_work[filled]
        to_agency = rng.random(len(filled)) < _NON_SOCIAL_WORK_AGENCY_RATE
        # Social-work vacancies: as many go to agency as keep the rate on the Trust's path.
        sw_filled = np.flatnonzero(social_work)
        sw = self.posts.social_work
        agency_fte = self.holder_fte[sw & (self.holder_kind == self.AGENCY)].sum()
        employed_fte = self.holder_fte[sw & (self.holder_kind == self.EMPLOYED)].sum()
        wanted = target * (agency_fte + employed_fte + len(sw_filled)) - agency_fte
        n_agency = int(np.clip(round(wanted), 0, len(sw_filled)))
        to_agency[sw_filled] = False
        to_agency[rng.permutation(sw_filled)[:n_agency]] = True
        for post, day, agency in zip(filled, fill_days, to_agency, strict=True):
            if agency:
                self._fill_with_agency(int(post), int(day))
            else:
                self._fill_with_employee(int(post), int(day))

    def _end_spell(self, post: int) -> None:
        rng = self.rng
        record = int(self.holder_record[post])
        last_day = int(self.holder_end[post])
        person = self.spells.person[record]
        employee = self.employees[person]
        if (
            self.spells.contract[record] == "fixed_term"
            and rng.random() < _FIXED_TERM_MADE_PERMANENT
        ):
            if last_day + 1 > self.drop:
                self._keep_open(post)
                return
            self.spells.reason[record] = _INTERNAL_MOVE_REASON
            self._employ(post, person, last_day + 1, contract="permanent")
            return
        if rng.random() < _INTERNAL_MOVE_SHARE:
            first_day = last_day + int(rng.integers(1, 8))
            destination = self._move_destination(post, first_day)
            if destination is not None:
                if first_day > self.drop:
                    self._keep_open(post)
                    return
                self.spells.reason[record] = _INTERNAL_MOVE_REASON
                self._vacate(post, last_day)
                self._employ(destination, person, first_day, contract="permanent")
                return
        reason: int | None = _pick(rng, _LEAVING_REASONS)
        if rng.random() < _MISSING_LEAVING_REASON:
            reason = None
        elif self.drop - last_day < 30 and rng.random() < 0.5:
            reason = 10  # not yet collected
        self.spells.reason[record] = reason
        employee.in_post = False
        employee.last_end = last_day
        if reason == 1 and employee.swe is not None:
            self.rejoin_pool.append(person)
        self._vacate(post, last_day)

    def _move_destination(self, post: int, first_day: int) -> int | None:
        """A vacant post in another team, same role (a social worker is sometimes promoted
        to senior practitioner)."""
        role = self.posts.role[post]
        if role == "SW" and self.rng.random() < 0.2:
            role = "SP"
        same_role = self.posts_by_role.get(role, np.zeros(0, dtype=np.int64))
        candidates = same_role[
            (self.holder_kind[same_role] == self.VACANT)
            & (self.vacant_from[same_role] <= first_day)
            & (self.posts.team[same_role] != self.posts.team[post])
        ]
        if len(candidates) == 0:
            return None
        return int(self.rng.choice(candidates))

    def _end_assignment(self, post: int, extension_chance: float) -> None:
        rng = self.rng
        record = int(self.holder_record[post])
        last_day = int(self.holder_end[post])
        worker = self.assignments.worker[record]
        agent = self.workers[worker]
        if agent.swe is not None and rng.random() < _conversion_chance(last_day):
            first_day = last_day + int(rng.integers(1, 29))
            if first_day > self.drop:
                self._keep_open(post)
                return
            agent.on_assignment = False
            agent.converted = True
            agent.last_end = last_day
            person = self._new_employee(post, origin=4, swe=agent.swe)
            self.employees[person].fte = agent.fte
            self._vacate(post, last_day)
            self._employ(post, person, first_day, contract="permanent")
            return
        if rng.random() < extension_chance:
            if last_day + 1 > self.drop:
                self._keep_open(post)
                return
            cost = self.assignments.weekly_cost[record]
            self._assign(post, worker, last_day + 1, cost)
            return
        agent.on_assignment = False
        agent.last_end = last_day
        self.between_assignments.append(worker)
        self._vacate(post, last_day)

    def _from_pool(self, pool: list[int], usable: Callable[[int], bool | None]) -> int | None:
        """Draw someone usable from a pool; ``usable`` says True (take), False (try later)
        or None (never again: drop from the pool)."""
        for _ in range(3):
            if not pool:
                return None
            index = int(self.rng.integers(len(pool)))
            candidate = pool[index]
            verdict = usable(candidate)
            if verdict is None or verdict:
                pool[index] = pool[-1]
                pool.pop()
            if verdict:
                return candidate
        return None

    def _fill_with_agency(self, post: int, day: int) -> None:
        worker: int | None = None
        if self.rng.random() < _AGENCY_REUSE_SHARE:

            def between(candidate: int) -> bool | None:
                agent = self.workers[candidate]
                if agent.on_assignment or agent.converted or day - agent.last_end > 120:
                    return None
                fits = (agent.swe is None) == (not self.posts.social_work[post])
                return fits and agent.last_end < day

            worker = self._from_pool(self.between_assignments, between)
        if worker is None:
            worker = self._new_worker(post)
        self._assign(post, worker, day)

    def _fill_with_employee(self, post: int, day: int) -> None:
        rng = self.rng
        social_work = bool(self.posts.social_work[post])
        person: int | None = None
        draw = rng.random()
        if social_work and draw < _POOL_CONVERSION_SHARE:

            def recently_agency(candidate: int) -> bool | None:
                agent = self.workers[candidate]
                if agent.on_assignment or agent.converted or day - agent.last_end > 80:
                    return None
                return agent.swe is not None and agent.last_end < day

            worker = self._from_pool(self.between_assignments, recently_agency)
            if worker is not None:
                agent = self.workers[worker]
                agent.converted = True
                person = self._new_employee(post, origin=4, swe=agent.swe)
        elif social_work and draw < _POOL_CONVERSION_SHARE + _REJOINER_SHARE:

            def returner(candidate: int) -> bool | None:
                employee = self.employees[candidate]
                if employee.in_post:
                    return None
                return day - employee.last_end > 120

            person = self._from_pool(self.rejoin_pool, returner)
            if person is not None:
                employee = self.employees[person]
                employee.origin = _pick(rng, ((2, 0.7), (5, 0.3)))
        if person is None:
            origin: int | None
            if not social_work:
                origin = None if rng.random() < 0.5 else int(rng.choice([6, 7, 9]))
            elif self.posts.role[post] == "SW" and rng.random() < _newly_qualified_share(day):
                origin = 1
            elif rng.random() < _international_share(day):
                origin = 3
            else:
                origin = _pick(rng, _OTHER_ORIGINS)
            person = self._new_employee(post, origin)
        self._employ(post, person, day)


# -- laying caseloads and absence over spells -------------------------------------------
def _chains(
    rng: np.random.Generator,
    first_day: IntArray,
    last_day: IntArray,
    gap_mean: FloatArray,
    draw: Callable[[IntArray], tuple[IntArray, IntArray]],
) -> tuple[IntArray, IntArray, IntArray, IntArray, BoolArray]:
    """Back-to-back intervals inside each owner's ``[first_day, last_day]``: a gap, an
    interval, a gap, ... ``draw(owners)`` gives each new interval's length in days and a
    payload code. Returns owner, from, to (clipped to the owner's last day), payload and
    whether the interval is the owner's first."""
    owners: list[IntArray] = []
    starts: list[IntArray] = []
    ends: list[IntArray] = []
    payloads: list[IntArray] = []
    firsts: list[BoolArray] = []
    active = np.arange(len(first_day), dtype=np.int64)
    cursor = first_day.copy()
    link = 0
    while len(active):
        lengths, payload = draw(active)
        ends_here = np.minimum(cursor + lengths - 1, last_day[active])
        owners.append(active)
        starts.append(cursor)
        ends.append(ends_here)
        payloads.append(payload)
        firsts.append(np.full(len(active), link == 0))
        gaps = rng.exponential(gap_mean[active]).astype(np.int64) + 1
        cursor = ends_here + gaps
        keep = cursor <= last_day[active]
        active = active[keep]
        cursor = cursor[keep]
        link += 1
    if not owners:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty, empty, np.zeros(0, dtype=np.bool_)
    return (
        np.concatenate(owners),
        np.concatenate(starts),
        np.concatenate(ends),
        np.concatenate(payloads),
        np.concatenate(firsts),
    )


def _stints(holdings: pl.DataFrame) -> pl.DataFrame:
    """Consecutive holdings of one post by one worker (an agency extension, a fixed-term
    contract made permanent) merged into one stint: one row per stint."""
    return (
        holdings.sort(["worker_kind", "worker_id", "start"])
        .with_columns(
            new_stint=(
                (pl.col("start") != pl.col("end").shift(1) + 1)
                | (pl.col("post") != pl.col("post").shift(1))
            )
            .over(["worker_kind", "worker_id"])
            .fill_null(True)
        )
        .with_columns(stint=pl.col("new_stint").cum_sum())
        .group_by("stint", maintain_order=True)
        .agg(
            pl.col("worker_kind", "worker_id", "post", "role", "team", "start", "origin").first(),
            pl.col("end").last(),
            pl.col("fte").last(),
        )
        .drop("stint")
    )


def _caseloads(
    rng: np.random.Generator, stints: pl.DataFrame, posts: _Posts, start: int, drop: int
) -> pl.DataFrame:
    """Allocations of children to case-holding stints; a child whose worker leaves moves to
    the next worker who starts in the team; a few children are co-worked."""
    n = stints.height
    role = stints["role"].to_numpy()
    fte = stints["fte"].to_numpy()
    team = stints["team"].to_numpy().astype(np.int64)
    asye = (role == "SW") & (stints["origin"].fill_null(0).to_numpy() == 1)
    # Social workers and senior practitioners hold the cases; practice supervisors a few;
    # a team manager now and then (a negative mean: most round to none).
    mean_cases = np.select(
        [role == "SW", role == "SP", role == "PS", role == "TM"], [18.0, 15.0, 4.0, -0.8], 0.0
    )
    spread = np.select([role == "SW", role == "SP"], [2.6, 2.2], 1.5)
    cases = rng.normal(mean_cases, spread, n) * fte * np.where(asye, 0.7, 1.0)
    cases = np.where(mean_cases != 0, np.maximum(np.rint(cases), 0), 0).astype(np.int64)
    stint_first = np.maximum(stints["start"].to_numpy(), start - 400)
    stint_last = np.minimum(stints["end"].to_numpy(), drop + 1)  # drop+1 = still open
    slot_stint = np.repeat(np.arange(n, dtype=np.int64), cases)
    case_days = np.array(posts.team_case_days, dtype=np.float64)[team]
    # New workers build their caseload over their first weeks.
    slot_first = stint_first[slot_stint] + rng.integers(0, 35, len(slot_stint))
    slot_last = stint_last[slot_stint]
    slot_mean = case_days[slot_stint]

    def draw(owners: IntArray) -> tuple[IntArray, IntArray]:
        lengths = rng.gamma(1.6, slot_mean[owners] / 1.6).astype(np.int64) + 7
        return lengths, np.zeros(len(owners), dtype=np.int64)

    slot, first, last, _, opening = _chains(
        rng, slot_first, slot_last, np.full(len(slot_stint), 12.0), draw
    )
    keep = first <= np.minimum(last, drop)
    slot, first, last, opening = slot[keep], first[keep], last[keep], opening[keep]
    owner = slot_stint[slot]
    owner_team = team[owner]
    # A worker's leaving cuts allocations short: that child passes to a new worker.
    cut = (last == stint_last[owner]) & (last <= drop)
    child = np.arange(len(first), dtype=np.int64)
    handed_all = np.flatnonzero(cut)
    handed_all = handed_all[np.lexsort((last[handed_all], owner_team[handed_all]))]
    taken_all = np.flatnonzero(opening & (first >= start))
    taken_all = taken_all[np.lexsort((first[taken_all], owner_team[taken_all]))]
    teams = np.arange(len(posts.team_names))
    handed_bounds = np.searchsorted(owner_team[handed_all], teams, side="left")
    handed_ends = np.searchsorted(owner_team[handed_all], teams, side="right")
    taken_bounds = np.searchsorted(owner_team[taken_all], teams, side="left")
    taken_ends = np.searchsorted(owner_team[taken_all], teams, side="right")
    for team_index in teams.tolist():
        handed = handed_all[handed_bounds[team_index] : handed_ends[team_index]]
        taken = taken_all[taken_bounds[team_index] : taken_ends[team_index]]
        if len(handed) == 0 or len(taken) == 0:
            continue
        ranks = np.searchsorted(first[taken], last[handed] + 1)
        # The i-th handover (by date) takes the first opening on or after the day after
        # it that no earlier handover took.
        step = np.arange(len(handed))
        ranks = step + np.maximum.accumulate(ranks - step)
        ok = ranks < len(taken)
        handed, ranks = handed[ok], ranks[ok]
        ok = first[taken[ranks]] - last[handed] <= 60
        child[taken[ranks[ok]]] = handed[ok]
    while True:  # follow handover chains to the first allocation of each child
        deeper = child[child]
        if np.array_equal(deeper, child):
            break
        child = deeper
    frame = pl.DataFrame(
        {
            "child": child,
            "stint": owner,
            "allocated_from": first,
            "allocated_to": last,
        }
    )
    frame = frame.filter(pl.col("allocated_to") >= start)
    frame = pl.concat([frame, _coworked(rng, frame, stints, posts, drop)])
    # History before the start is not needed for month-end figures from the start on.
    return frame.filter(pl.col("allocated_to") >= start)


def _coworked(
    rng: np.random.Generator,
    allocations: pl.DataFrame,
    stints: pl.DataFrame,
    posts: _Posts,
    drop: int,
) -> pl.DataFrame:
    """Second allocations of a few children to another case holder in the same team."""
    long_cases = np.array(posts.team_case_days) >= 200
    eligible = stints.with_row_index("stint").with_columns(
        pl.col("stint").cast(pl.Int64),
        long_team=pl.Series(long_cases[stints["team"].to_numpy()]),
    )
    picked = allocations.filter(pl.col("allocated_to") - pl.col("allocated_from") >= 45)
    picked = picked.filter(pl.Series(rng.random(picked.height) < _COWORKED_SHARE))
    picked = picked.join(
        eligible.select("stint", "team", "long_team"), on="stint", maintain_order="left"
    )
    picked = picked.filter(pl.col("long_team"))
    picked = picked.with_columns(
        pl.col("allocated_from") + pl.Series(rng.integers(0, 15, picked.height)),
        pair=pl.int_range(pl.len(), dtype=pl.Int64),
    )
    holders = eligible.filter(pl.col("role").is_in(["SW", "SP"])).select(
        pl.col("stint").alias("other"), "team", "worker_id", "start", "end"
    )
    picked = picked.filter(pl.col("allocated_from") <= drop)
    candidates = picked.join(holders, on="team", maintain_order="left_right").filter(
        (pl.col("other") != pl.col("stint"))
        & (pl.col("start") <= pl.col("allocated_from"))
        & (pl.col("end") >= pl.col("allocated_from"))
    )
    candidates = candidates.with_columns(rank=pl.Series(rng.random(candidates.height)))
    chosen = candidates.sort(["pair", "rank"]).unique("pair", keep="first", maintain_order=True)
    length = pl.Series(rng.integers(30, 180, chosen.height))
    return chosen.select(
        "child",
        pl.col("other").alias("stint"),
        "allocated_from",
        pl.min_horizontal(
            "allocated_to", pl.col("end"), pl.col("allocated_from") + length, pl.lit(drop + 1)
        ).alias("allocated_to"),
    )


def _absence(rng: np.random.Generator, stints: pl.DataFrame, start: int, drop: int) -> pl.DataFrame:
    """Absence episodes inside employed stints, from a year before the start."""
    fte = stints["fte"].to_numpy()
    first_day = np.maximum(stints["start"].to_numpy(), start - 365)
    last_day = np.minimum(stints["end"].to_numpy(), drop + 1)
    reasons = np.array([code for code, _ in _ABSENCE_REASONS])
    weights = np.array([weight for _, weight in _ABSENCE_REASONS])
    first_gap = rng.exponential(_ABSENCE_GAP_MEAN_DAYS, len(first_day)).astype(np.int64)

    def draw(owners: IntArray) -> tuple[IntArray, IntArray]:
        n = len(owners)
        reason = rng.choice(len(reasons), size=n, p=weights / weights.sum())
        short = rng.integers(1, 6, n)
        sickness = np.where(
            rng.random(n) < 0.78,
            short,
            np.where(rng.random(n) < 0.75, rng.integers(6, 22, n), rng.integers(22, 150, n)),
        )
        lengths = np.select(
            [reasons[reason] == "SIC", reasons[reason] == "MAT", reasons[reason] == "TRN"],
            [sickness, rng.integers(180, 330, n), rng.integers(1, 4, n)],
            rng.integers(1, 3, n),
        )
        return lengths.astype(np.int64), reason.astype(np.int64)

    owner, first, last, reason, _ = _chains(
        rng,
        first_day + first_gap,
        last_day,
        np.full(len(first_day), _ABSENCE_GAP_MEAN_DAYS),
        draw,
    )
    # Episodes begin on a working day (1970-01-01 was a Thursday).
    weekday = (first + 3) % 7
    first = first + np.where(weekday >= 5, 7 - weekday, 0)
    keep = (first <= np.minimum(last, drop)) & (first <= last)
    owner, first, last, reason = owner[keep], first[keep], last[keep], reason[keep]
    counted_to = np.minimum(last, drop) + 1
    weekdays = np.busday_count(
        first.astype("datetime64[D]"), counted_to.astype("datetime64[D]")
    ).astype(np.float64)
    days_lost = np.rint(weekdays * fte[owner] * 2) / 2
    return pl.DataFrame(
        {
            "stint": owner,
            "start_date": first,
            "end_date": last,
            "working_days_lost": days_lost,
            "reason": reasons[reason],
        }
    )


# -- assembling the extracts ------------------------------------------------------------
def _identifiers(prefix: str, count: int, salt: int, pad: bool = True) -> list[str]:
    """Unique, unordered-looking numbers: an affine map of 0..count-1 modulo a power of ten."""
    width = max(6, len(str(count * 10)))
    modulus = 10**width
    numbers = (np.arange(count, dtype=np.int64) * 7919 + salt) % modulus
    if pad:
        return [f"{prefix}{number:0{width}d}" for number in numbers.tolist()]
    return [f"{prefix}{number + 10 ** (width - 1)}" for number in numbers.tolist()]


def _day_column(name: str, days: pl.Expr, drop: int) -> pl.Expr:
    """Day numbers as dates; anything after the drop date is not yet known (empty)."""
    return pl.when(days <= drop).then(days).otherwise(None).cast(pl.Date).alias(name)


def _planned_end_column(name: str, days: pl.Expr, drop: int, planned: pl.Expr) -> pl.Expr:
    """End dates as the extract knows them on the drop date: those passed, and the planned
    ends that are agreed in advance (``planned``: a fixed-term contract's end, an agency
    assignment's end); an unplanned future end (a resignation to come) is not yet known."""
    known = (days <= drop) | (planned & (days < _OPEN))
    return pl.when(known).then(days).otherwise(None).cast(pl.Date).alias(name)


def _text_series(values: npt.NDArray[np.object_]) -> pl.Series:
    """Text (or None) from a numpy object array. Built from a list: given the array itself,
    polars infers an Object series when the first value is None, and cannot cast that."""
    return pl.Series(values.tolist(), dtype=pl.String)


def _extracts(staff: int, seed: int, drop_date: date, start: date) -> dict[str, pl.DataFrame]:
    rng = np.random.default_rng(seed)
    # A year of history before the start, so that 12-month flows (leavers, starters,
    # stability) are complete from the first month-end of the story.
    history = _anniversary(start, -1)
    posts = _build_posts(staff, start, history, rng)
    sim = _Simulation(posts, history, drop_date, rng)
    sim.run()
    drop = _day(drop_date)
    start_day = _day(start)

    roles = np.array(posts.role, dtype=object)
    team_names = np.array(posts.team_names, dtype=object)
    team_areas = np.array(posts.team_areas, dtype=object)
    # Index 0 is "no SWE number" (family support and other staff).
    swe_numbers = np.array(
        [None, *_identifiers("SW", max(sim.swe_count, 1), salt=48611, pad=False)], dtype=object
    )
    employee_ids = np.array(_identifiers("E", max(len(sim.employees), 1), salt=271828))
    worker_ids = np.array(_identifiers("AGW", max(len(sim.workers), 1), salt=314159))
    employee_swe = np.array([0 if e.swe is None else e.swe + 1 for e in sim.employees] or [0])
    worker_swe = np.array([0 if w.swe is None else w.swe + 1 for w in sim.workers] or [0])
    worker_agency = np.array([w.agency for w in sim.workers] or [0])

    person = np.array(sim.spells.person, dtype=np.int64)
    spell_post = np.array(sim.spells.post, dtype=np.int64)
    spells = pl.DataFrame(
        {
            "worker_kind": "employee",
            "worker_id": employee_ids[person],
            "swe_number": _text_series(swe_numbers[employee_swe[person]]),
            "job_title": sim.spells.title,
            "post": spell_post,
            "role": roles[spell_post],
            "team": posts.team[spell_post],
            "fte": pl.Series(sim.spells.fte, dtype=pl.Float64),
            "contract_type": sim.spells.contract,
            "start": np.array(sim.spells.start, dtype=np.int64),
            "end": np.array(sim.spells.end, dtype=np.int64),
            "leaving_reason": pl.Series(sim.spells.reason, dtype=pl.Int64),
            "origin": pl.Series(sim.spells.origin, dtype=pl.Int64),
        }
    )
    worker = np.array(sim.assignments.worker, dtype=np.int64)
    assignment_post = np.array(sim.assignments.post, dtype=np.int64)
    assignments = pl.DataFrame(
        {
            "worker_kind": "agency",
            "worker_id": worker_ids[worker],
            "swe_number": _text_series(swe_numbers[worker_swe[worker]]),
            "agency_name": np.array(_AGENCY_NAMES)[worker_agency[worker]],
            "post": assignment_post,
            "role": roles[assignment_post],
            "team": posts.team[assignment_post],
            "fte": pl.Series(sim.assignments.fte, dtype=pl.Float64),
            "start": np.array(sim.assignments.start, dtype=np.int64),
            "end": np.array(sim.assignments.end, dtype=np.int64),
            "weekly_cost": pl.Series(sim.assignments.weekly_cost, dtype=pl.Float64),
            "origin": pl.Series([None] * len(worker), dtype=pl.Int64),
        }
    )

    holding_columns = ["worker_kind", "worker_id", "post", "role", "team", "start", "end",
                       "fte", "origin"]  # fmt: skip
    stints = _stints(
        pl.concat([spells.select(holding_columns), assignments.select(holding_columns)])
    )
    case_holding = stints.filter(pl.col("role").is_in(["SW", "SP", "PS", "TM"]))
    allocations = _caseloads(rng, case_holding, posts, start_day, drop)
    employed_stints = stints.filter(pl.col("worker_kind") == "employee")
    absence = _absence(rng, employed_stints, start_day, drop)

    def place(frame: pl.DataFrame) -> pl.DataFrame:
        team = frame["team"].to_numpy()
        return frame.with_columns(
            team=_text_series(team_names[team]),
            service_area=_text_series(team_areas[team]),
        )

    staff_out = (
        place(spells)
        .select(
            pl.col("worker_id").alias("employee_id"),
            "swe_number",
            "job_title",
            "role",
            "team",
            "service_area",
            "fte",
            "contract_type",
            _day_column("start_date", pl.col("start"), drop),
            _planned_end_column(
                "end_date", pl.col("end"), drop, pl.col("contract_type") == "fixed_term"
            ),
            pl.when(pl.col("end") <= drop).then(pl.col("leaving_reason")).alias("leaving_reason"),
            pl.col("origin").alias("start_origin"),
        )
        .sort(["employee_id", "start_date"])
    )
    agency_out = (
        place(assignments)
        .sort(["start", "worker_id"])
        .with_columns(
            assignment_id=pl.format(
                "ASG{}", pl.int_range(1, pl.len() + 1).cast(pl.String).str.zfill(6)
            )
        )
        .select(
            "assignment_id",
            "worker_id",
            "swe_number",
            "agency_name",
            "role",
            "team",
            "service_area",
            "fte",
            _day_column("start_date", pl.col("start"), drop),
            _planned_end_column("end_date", pl.col("end"), drop, pl.lit(True)),
            "weekly_cost",
        )
    )
    child = allocations["child"].to_numpy()
    child_numbers, child_index = np.unique(child, return_inverse=True)
    child_refs = np.array(_identifiers("C", max(len(child_numbers), 1), salt=161803))
    stint_index = allocations["stint"].to_numpy()
    caseloads_out = (
        allocations.with_columns(
            child_ref=pl.Series(child_refs[child_index], dtype=pl.String),
            worker_id=pl.Series(case_holding["worker_id"].to_numpy()[stint_index], dtype=pl.String),
            worker_kind=pl.Series(
                case_holding["worker_kind"].to_numpy()[stint_index], dtype=pl.String
            ),
        )
        .sort(["allocated_from", "child_ref", "worker_id"])
        .select(
            pl.format("AL{}", pl.int_range(1, pl.len() + 1).cast(pl.String).str.zfill(7)).alias(
                "allocation_id"
            ),
            "child_ref",
            "worker_id",
            "worker_kind",
            _day_column("allocated_from", pl.col("allocated_from"), drop),
            _day_column("allocated_to", pl.col("allocated_to"), drop),
        )
    )
    absence_owner = absence["stint"].to_numpy()
    absence_out = (
        absence.with_columns(
            employee_id=pl.Series(
                employed_stints["worker_id"].to_numpy()[absence_owner], dtype=pl.String
            )
        )
        .select(
            "employee_id",
            _day_column("start_date", pl.col("start_date"), drop),
            _day_column("end_date", pl.col("end_date"), drop),
            "working_days_lost",
            "reason",
        )
        .sort(["employee_id", "start_date", "reason"])
    )
    establishment_out = _establishment(posts, _day(history), drop)
    return {
        "staff": staff_out,
        "agency": agency_out,
        "caseloads": caseloads_out,
        "establishment": establishment_out,
        "absence": absence_out,
    }


def _establishment(posts: _Posts, start: int, drop: int) -> pl.DataFrame:
    """Funded FTE per (team, role), one period per change of funding."""
    changes = (
        pl.DataFrame({"team": posts.team, "role": posts.role, "day": posts.funded_from})
        .with_columns(pl.col("day").clip(lower_bound=start))
        .filter(pl.col("day") <= drop)
        .group_by(["team", "role", "day"])
        .agg(added=pl.len())
        .sort(["team", "role", "day"])
        .with_columns(funded=pl.col("added").cum_sum().over(["team", "role"]))
        .with_columns(next_day=pl.col("day").shift(-1).over(["team", "role"]))
    )
    return (
        changes.with_columns(
            team_name=pl.Series(np.array(posts.team_names)[changes["team"].to_numpy()]),
            service_area=pl.Series(np.array(posts.team_areas)[changes["team"].to_numpy()]),
        )
        .select(
            pl.col("team_name").alias("team"),
            "service_area",
            "role",
            pl.col("funded").cast(pl.Float64).alias("funded_fte"),
            _day_column("effective_from", pl.col("day"), drop),
            _day_column("effective_to", pl.col("next_day") - 1, drop),
        )
        .sort(["service_area", "team", "role", "effective_from"])
    )


def _check_columns(frames: dict[str, pl.DataFrame]) -> None:
    """Every required column, in contract order (an optional column the generator does not
    know of is left out, as an extract may)."""
    for name in EXTRACT_NAMES:
        required = [column.name for column in EXTRACT_COLUMNS[name] if column.required_header]
        written = [c for c in frames[name].columns if c in {s.name for s in EXTRACT_COLUMNS[name]}]
        if written != frames[name].columns or not set(required) <= set(written):
            raise AssertionError(f"{name}: columns {frames[name].columns}; need {required}")


def _write_xlsx(frame: pl.DataFrame, path: Path, stamp: datetime) -> None:
    """First sheet, header in row 1, dates as date cells; fixed timestamps (document
    properties and zip entries) so the same data gives the same bytes. A normal (not
    write-only) workbook, so the sheet records its dimension and readers see full rows."""
    workbook = Workbook()
    workbook.properties.created = stamp
    workbook.properties.modified = stamp
    sheet = workbook.active
    assert sheet is not None
    sheet.title = path.stem
    sheet.append(frame.columns)
    for row in frame.iter_rows():
        sheet.append(row)
    for index, dtype in enumerate(frame.dtypes, start=1):
        if dtype == pl.Date:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = "yyyy-mm-dd"
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    with (
        zipfile.ZipFile(buffer) as source,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps "modified" on save
                content = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*",
                    rb"\g<1>" + stamp.strftime("%Y-%m-%dT%H:%M:%SZ").encode(),
                    content,
                )
            fixed = zipfile.ZipInfo(info.filename, date_time=stamp.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(fixed, content)


def generate(
    out_dir: Path,
    *,
    staff: int = DEFAULT_STAFF,
    seed: int = DEFAULT_SEED,
    fmt: str = "csv",
    drop_date: date = DEFAULT_DROP_DATE,
    start: date = DEFAULT_START,
) -> dict[str, Path]:
    """Write the five extracts into ``out_dir`` (created if needed) as they stand on
    ``drop_date``; ``staff`` is about the number of social-work staff spells. Returns the
    path written for each extract."""
    if fmt not in ("csv", "xlsx"):
        raise ValueError(f"format must be csv or xlsx, not {fmt!r}")
    if staff < 1:
        raise ValueError("staff must be at least 1")
    if drop_date <= start:
        raise ValueError("the drop date must be after the start date")
    frames = _extracts(staff, seed, drop_date, start)
    _check_columns(frames)
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.combine(drop_date, datetime.min.time())
    written: dict[str, Path] = {}
    for name in EXTRACT_NAMES:
        path = out_dir / f"{name}.{fmt}"
        if fmt == "csv":
            frames[name].write_csv(path, date_format="%Y-%m-%d")
        else:
            _write_xlsx(frames[name], path, stamp)
        written[name] = path
    return written


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m sample_data.generate",
        description="Write a synthetic drop of the five HR extracts (no real data).",
    )
    parser.add_argument("--out", type=Path, required=True, help="folder to write into")
    parser.add_argument(
        "--staff",
        type=int,
        default=DEFAULT_STAFF,
        help="about how many social-work staff spells (default 600)",
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--format", choices=("csv", "xlsx"), default="csv", dest="fmt")
    parser.add_argument("--drop-date", type=date.fromisoformat, default=DEFAULT_DROP_DATE)
    parser.add_argument("--start", type=date.fromisoformat, default=DEFAULT_START,
                        help="first day of the story (default 2022-04-01)")  # fmt: skip
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = _parse_args(argv)
    began = time.perf_counter()
    written = generate(
        args.out,
        staff=args.staff,
        seed=args.seed,
        fmt=args.fmt,
        drop_date=args.drop_date,
        start=args.start,
    )
    elapsed = time.perf_counter() - began
    for name, path in written.items():
        print(f"{name:14} {path}  {path.stat().st_size / 1e6:8.2f} MB")
    print(f"generated in {elapsed:.1f} s")


if __name__ == "__main__":
    main()
