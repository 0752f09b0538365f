"""The metrics engine against the naive spec oracle (``tests/spec_oracle.py``).

Grain: one generated drop (small, random, valid clean extracts) or the committed sample
drop per test, compared on every (as_of, scope, scope_value, metric) row: same set of
rows, nulls in the same places, values, numerators and denominators equal to 1e-9.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any
from unittest import mock

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.builders import (
    DEFAULT_PARAMS,
    absence,
    agency,
    caseloads,
    establishment,
    extracts,
    staff,
)
from tests.locations import SAMPLE_DROP
from tests.spec_oracle import (
    OracleTarget,
    oracle_metrics,
    oracle_status,
    oracle_targets,
    year_before,
)
from transforms.definitions import METRIC_NAMES
from transforms.metrics import METRIC_FRAME_SCHEMA, MetricParams, compute_metrics
from transforms.metrics import engine as metrics_engine
from transforms.schema import ExtractName, Extracts, clean_schema
from transforms.targets import apply_targets, targets_frame
from workforce.extract_io import read_drop
from workforce.validation import validate_drop

KEYS = ["as_of", "scope", "scope_value", "metric"]
NUMBERS = ["value", "numerator", "denominator"]
MAX_EXAMPLES = int(os.environ.get("SPEC_ORACLE_MAX_EXAMPLES", "100"))
RELATIVE_TOLERANCE = 1e-9

Row = dict[str, Any]
Draw = Callable[[st.SearchStrategy[Any]], Any]


# --- comparing the engine to the oracle ---------------------------------------------------


def _close(engine: float | None, oracle: float | None) -> bool:
    if engine is None or oracle is None:
        return engine is None and oracle is None
    return math.isclose(engine, oracle, rel_tol=RELATIVE_TOLERANCE, abs_tol=0.0)


def differences(engine: pl.DataFrame, oracle: pl.DataFrame) -> list[str]:
    """Every row present on one side only, and every number that differs, as text."""
    engine_rows = {tuple(r[k] for k in KEYS): r for r in engine.to_dicts()}
    oracle_rows = {tuple(r[k] for k in KEYS): r for r in oracle.to_dicts()}
    problems = [f"engine only: {key}" for key in sorted(engine_rows.keys() - oracle_rows)]
    problems += [f"oracle only: {key}" for key in sorted(oracle_rows.keys() - engine_rows)]
    for key in sorted(engine_rows.keys() & oracle_rows.keys()):
        for column in NUMBERS:
            got, want = engine_rows[key][column], oracle_rows[key][column]
            if not _close(got, want):
                problems.append(f"{key} {column}: engine {got!r}, oracle {want!r}")
    if len(engine_rows) != engine.height:
        problems.append("engine has duplicated (as_of, scope, scope_value, metric) rows")
    return problems


def assert_engine_matches_oracle(
    given_extracts: Extracts, dates: Sequence[dt.date], params: MetricParams
) -> None:
    engine = compute_metrics(given_extracts, dates, params)
    oracle = oracle_metrics(
        given_extracts, dates, params.caseload_threshold, params.working_days_per_year
    )
    problems = differences(engine, oracle)
    assert not problems, "\n".join(problems[:40])


# --- generating small valid clean extracts --------------------------------------------------

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


def _days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


def _up_to_days_after(start: dt.date, most: int) -> st.SearchStrategy[dt.date]:
    return st.integers(0, most).map(lambda n: start + _days(n))


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
        lambda anchor, offset: anchor + _days(offset),
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
                end = start + _days(draw(st.one_of(st.integers(0, 3), st.integers(0, 500))))
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
            start = end + _days(gap)
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
                end = None if draw(st.integers(0, 5)) == 0 else spell_start - _days(before)
                start = (end or spell_start) - _days(draw(st.integers(0, 300)))
                if draw(st.integers(0, 6)) == 0:
                    start = spell_start + _days(draw(st.integers(0, 2)))
                    end = None
            else:
                start = draw(_anchor_date(dates))
                end = draw(
                    st.one_of(
                        st.none(),
                        _up_to_days_after(start, 600),
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
        end = draw(st.one_of(st.none(), _up_to_days_after(start, 400)))
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
        edges = [spell["start_date"], spell["start_date"] - _days(1)]
        if spell["end_date"] is not None:
            edges += [spell["end_date"], spell["end_date"] + _days(1)]
        start = draw(st.one_of(st.sampled_from(edges), _anchor_date(dates)))
        end = draw(st.one_of(st.none(), _up_to_days_after(start, 30)))
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


@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(drops(), st.sampled_from([metrics_engine.MAX_PAIRS_PER_BATCH, 1, 7, 40]))
def test_engine_matches_the_spec_oracle_on_random_drops(
    drop: DrawnDrop, pairs_per_batch: int
) -> None:
    given_extracts, dates, params = drop.extracts(), drop.dates, drop.params
    # Small batches make a handful of rows take the path a long daily backfill takes.
    with mock.patch.object(metrics_engine, "MAX_PAIRS_PER_BATCH", pairs_per_batch):
        assert_engine_matches_oracle(given_extracts, dates, params)


def test_engine_matches_the_spec_oracle_on_every_listed_edge() -> None:
    """One drop holding each edge of the spec once, so none depends on a lucky draw."""
    sw = {"role": "SW"}
    given_extracts = extracts(
        staff(
            # Gaps of 6, 7 and 8 days between social-work spells, moving team.
            {"employee_id": "GAP6", "start_date": "2020-01-01", "end_date": "2023-06-01"},
            {"employee_id": "GAP6", "start_date": "2023-06-07", "team": "T2", **sw},
            {"employee_id": "GAP7", "start_date": "2020-01-01", "end_date": "2023-06-01"},
            {"employee_id": "GAP7", "start_date": "2023-06-08", "team": "T2", "fte": 0.7},
            {"employee_id": "GAP8", "start_date": "2020-01-01", "end_date": "2023-06-01"},
            {"employee_id": "GAP8", "start_date": "2023-06-09", "team": "T2", "fte": 0.3},
            # Moves into and out of a family-support post are a starter and a leaver.
            {
                "employee_id": "FSW_IN",
                "role": "FSW",
                "start_date": "2020-01-01",
                "end_date": "2023-09-01",
            },
            {"employee_id": "FSW_IN", "start_date": "2023-09-03", "swe_number": " sw77 "},
            {"employee_id": "FSW_OUT", "start_date": "2020-01-01", "end_date": "2023-09-01"},
            {"employee_id": "FSW_OUT", "role": "FSW", "start_date": "2023-09-03"},
            # Ends on D, on D - 1 year and the day after it (D = 29 Feb 2024).
            {"employee_id": "END_D", "start_date": "2019-01-01", "end_date": "2024-02-29"},
            {"employee_id": "END_D1Y", "start_date": "2019-01-01", "end_date": "2023-02-28"},
            {"employee_id": "END_NEXT", "start_date": "2019-01-01", "end_date": "2023-03-01"},
            # Agency conversions: agency ended 89, 90, 91 days before, started after, open.
            {
                "employee_id": "CONV89",
                "swe_number": "SW89",
                "start_date": "2023-12-01",
                "start_origin": 4,
            },
            {
                "employee_id": "CONV90",
                "swe_number": "sw90",
                "start_date": "2023-12-01",
                "start_origin": 3,
            },
            {
                "employee_id": "CONV91",
                "swe_number": "SW91",
                "start_date": "2023-12-01",
                "start_origin": 1,
            },
            {"employee_id": "CONV_LATE", "swe_number": "SW92", "start_date": "2023-12-01"},
            {
                "employee_id": "CONV_OPEN",
                "swe_number": "SW93",
                "start_date": "2023-12-01",
                "team": "T2",
            },
            {
                "employee_id": "CONV_FSW",
                "swe_number": "SW94",
                "start_date": "2023-12-01",
                "team": "T2",
            },
            # A rejoiner, and a worker holding cases.
            {"employee_id": "BACK", "start_date": "2018-01-01", "end_date": "2022-12-31"},
            {"employee_id": "BACK", "start_date": "2023-10-01", "team": "T3", "service_area": "A2"},
            {
                "employee_id": "HOLDER",
                "start_date": "2018-01-01",
                "fte": 0.6,
                "team": "T3",
                "service_area": "A2",
            },
            {"employee_id": "FAMILY", "role": "FSW", "start_date": "2018-01-01", "team": "T3"},
        ),
        agency(
            {
                "worker_id": "G89",
                "swe_number": "sw89 ",
                "start_date": "2023-01-01",
                "end_date": "2023-09-03",
                "weekly_cost": 1000.0,
            },
            {
                "worker_id": "G90",
                "swe_number": " SW90",
                "start_date": "2023-01-01",
                "end_date": "2023-09-02",
                "weekly_cost": None,
            },
            {
                "worker_id": "G91",
                "swe_number": "SW91",
                "start_date": "2023-01-01",
                "end_date": "2023-09-01",
                "weekly_cost": 700.0,
            },
            {
                "worker_id": "G92",
                "swe_number": "SW92",
                "start_date": "2023-12-02",
                "end_date": "2024-01-31",
                "weekly_cost": 350.0,
            },
            {
                "worker_id": "G93",
                "swe_number": "Sw93",
                "start_date": "2022-01-01",
                "weekly_cost": 1234.56,
                "team": "T2",
            },
            {
                "worker_id": "G94",
                "swe_number": "SW94",
                "role": "FSW",
                "start_date": "2023-01-01",
                "weekly_cost": 500.0,
            },
            {
                "worker_id": "HOLDER",
                "swe_number": "SW95",
                "start_date": "2022-03-01",
                "end_date": "2023-03-05",
                "weekly_cost": 800.0,
            },
        ),
        caseloads=caseloads(
            {"child_ref": "C1", "worker_id": "HOLDER"},
            {"child_ref": "C1", "worker_id": "HOLDER", "allocated_from": "2023-06-01"},
            {"child_ref": "C2", "worker_id": "HOLDER", "allocated_to": "2024-02-29"},
            {"child_ref": "C1", "worker_id": "G93", "worker_kind": "agency"},
            {"child_ref": "C3", "worker_id": "FAMILY"},
            {"child_ref": "C4", "worker_id": "NOBODY"},
            {"child_ref": "C5", "worker_id": "HOLDER", "worker_kind": "agency"},
            {"child_ref": "C6", "worker_id": "END_D1Y"},
        ),
        establishment=establishment(
            {"team": "T1", "role": "SW", "funded_fte": 9.01},
            {"team": "T2", "role": "SW", "funded_fte": 1.0, "effective_to": "2024-02-29"},
            {"team": "T3", "service_area": "A2", "role": "SW", "funded_fte": 0.61},
            {"team": "T3", "service_area": "A2", "role": "FSW", "funded_fte": 5.0},
            {
                "team": "T4",
                "service_area": "A2",
                "role": "TM",
                "funded_fte": 1.0,
                "effective_from": "2024-03-01",
            },
        ),
        absence=absence(
            {"employee_id": "END_D", "start_date": "2024-02-29", "working_days_lost": 2.5},
            {"employee_id": "BACK", "start_date": "2023-10-01", "working_days_lost": 4.0},
            {"employee_id": "BACK", "start_date": "2023-09-30", "working_days_lost": 8.0},
            {"employee_id": "FSW_OUT", "start_date": "2023-09-01", "working_days_lost": 16.0},
            {"employee_id": "FSW_OUT", "start_date": "2023-09-02", "working_days_lost": 32.0},
            {
                "employee_id": "HOLDER",
                "start_date": "2023-03-01",
                "working_days_lost": 1.0,
                "reason": "MAT",
            },
        ),
    )
    dates = [dt.date(2023, 2, 28), dt.date(2024, 2, 29), dt.date(2024, 3, 1), dt.date(2025, 2, 28)]
    assert_engine_matches_oracle(
        given_extracts, dates, replace(DEFAULT_PARAMS, caseload_threshold=1)
    )


def test_engine_matches_the_spec_oracle_on_the_sample_drop() -> None:
    as_of = dt.date(2026, 11, 20)
    result = validate_drop(read_drop(SAMPLE_DROP, as_of), as_of, 0.05)
    month_ends = [
        dt.date(2024, 2, 29),
        dt.date(2024, 9, 30),
        dt.date(2025, 3, 31),
        dt.date(2025, 8, 31),
        dt.date(2026, 2, 28),
        dt.date(2026, 10, 31),
    ]
    assert_engine_matches_oracle(result.extracts, month_ends, DEFAULT_PARAMS)


# --- the oracle itself, hand-checked on the spec's edges -----------------------------------


def _oracle_values(
    given_extracts: Extracts, as_of: str, scope_value: str = "all"
) -> dict[str, Any]:
    frame = oracle_metrics(given_extracts, [dt.date.fromisoformat(as_of)])
    rows = frame.filter(pl.col("scope_value") == scope_value)
    return dict(zip(rows["metric"], rows["value"], strict=True))


def test_oracle_internal_move_is_a_gap_of_at_most_7_days() -> None:
    given_extracts = extracts(
        staff(
            {"employee_id": "MOVE7", "start_date": "2022-01-01", "end_date": "2023-06-01"},
            {"employee_id": "MOVE7", "start_date": "2023-06-08", "team": "T2"},
            {"employee_id": "GAP8", "start_date": "2022-01-01", "end_date": "2023-06-01"},
            {"employee_id": "GAP8", "start_date": "2023-06-09", "fte": 0.5},
        )
    )
    values = _oracle_values(given_extracts, "2023-12-31")
    assert (values["leavers_headcount"], values["starters_headcount"]) == (1, 1)
    assert values["starters_fte"] == 0.5
    # Both were in post a year before; the one who left and came back is not stable.
    assert values["stability_index"] == 0.5


def test_oracle_conversion_counts_agency_ending_up_to_90_days_before() -> None:
    given_extracts = extracts(
        staff(
            {"employee_id": "E1", "swe_number": "SW1", "start_date": "2023-06-01"},
            {"employee_id": "E2", "swe_number": "SW2", "start_date": "2023-06-01"},
        ),
        agency(
            {
                "worker_id": "G1",
                "swe_number": " sw1",
                "start_date": "2023-01-01",
                "end_date": "2023-03-03",
            },
            {
                "worker_id": "G2",
                "swe_number": "SW2",
                "start_date": "2023-01-01",
                "end_date": "2023-03-02",
            },
        ),
    )
    assert _oracle_values(given_extracts, "2023-12-31")["agency_conversions"] == 1


def test_oracle_vacancy_is_exact_and_overstaffing_does_not_offset() -> None:
    given_extracts = extracts(
        staff(
            {"employee_id": "E1", "fte": 0.1},
            {"employee_id": "E2", "fte": 0.2},
            {"employee_id": "E3", "fte": 1.0, "role": "SP"},
        ),
        agency({"worker_id": "G1", "fte": 0.5}),
        establishment=establishment(
            {"role": "SW", "funded_fte": 0.3},
            {"role": "SP", "funded_fte": 0.6},
            {"role": "TM", "funded_fte": 1.0},
        ),
    )
    values = _oracle_values(given_extracts, "2023-12-31")
    assert values["vacancy_fte"] == 1.0
    assert values["vacancy_agency_cover_rate"] == 0.0
    assert values["vacancy_rate"] == pytest.approx(1.0 / 2.3)


def test_oracle_counts_children_once_per_worker_and_skips_workers_not_in_post() -> None:
    given_extracts = extracts(
        staff(
            {"employee_id": "E1", "fte": 0.5},
            {"employee_id": "F1", "role": "FSW"},
        ),
        caseloads=caseloads(
            {"child_ref": "C1", "worker_id": "E1"},
            {"child_ref": "C1", "worker_id": "E1"},
            {"child_ref": "C2", "worker_id": "E1"},
            {"child_ref": "C1", "worker_id": "F1"},
            {"child_ref": "C1", "worker_id": "G9", "worker_kind": "agency"},
        ),
    )
    values = _oracle_values(given_extracts, "2023-12-31")
    assert (values["cases"], values["case_holders_headcount"], values["average_caseload"]) == (
        2,
        1,
        4.0,
    )


# --- targets and status ------------------------------------------------------------------

TARGET_VALUES = [0.18, 0.2, 0.22, 0.29, 0.3, 0.32, 0.48, 0.5]


@st.composite
def target_cases(draw: Draw) -> tuple[pl.DataFrame, list[OracleTarget]]:
    targets: list[OracleTarget] = []
    for _ in range(draw(st.integers(0, 4))):
        start = draw(st.dates(dt.date(2023, 1, 1), dt.date(2025, 12, 31)))
        end = draw(st.one_of(st.none(), _up_to_days_after(start, 400)))
        targets.append(
            OracleTarget(
                metric=draw(st.sampled_from(["agency_rate", "agency_rate", "turnover_rate"])),
                from_date=start,
                to_date=end,
                comparison=draw(st.sampled_from(["<", "<="])),
                target=draw(st.sampled_from(TARGET_VALUES)),
                tolerance=draw(st.sampled_from([0.0, 0.02, 0.1])),
            )
        )
    # Values on, just under and just over each target and tolerance limit in play.
    limits = [t.target for t in targets] + [t.target + t.tolerance for t in targets]
    near_edge = st.builds(
        lambda base, noise: base + noise,
        st.sampled_from(limits or TARGET_VALUES),
        st.sampled_from([0.0, 0.0, 1e-12, -1e-12, 1e-10, -1e-10, 1e-8, -1e-8]),
    )
    values = st.one_of(st.none(), near_edge, near_edge, near_edge, st.floats(0, 1))
    # Days on, just before and just after each period's ends.
    edges = [
        day + _days(shift)
        for t in targets
        for day in (t.from_date, t.to_date or t.from_date)
        for shift in (-1, 0, 1)
    ]
    any_day = st.dates(dt.date(2022, 12, 1), dt.date(2026, 12, 31))
    days = st.one_of(any_day, st.sampled_from(edges), st.sampled_from(edges)) if edges else any_day
    rows = [
        {
            "as_of": draw(days),
            "scope": "trust",
            "scope_value": "all",
            "metric": draw(
                st.sampled_from(["agency_rate", "agency_rate", "turnover_rate", "employed_fte"])
            ),
            "value": draw(values),
            "numerator": None,
            "denominator": None,
        }
        for _ in range(draw(st.integers(1, 12)))
    ]
    return pl.DataFrame(rows, schema=METRIC_FRAME_SCHEMA), targets


@settings(max_examples=MAX_EXAMPLES, deadline=None)
@given(target_cases())
def test_apply_targets_matches_the_spec_oracle(
    case: tuple[pl.DataFrame, list[OracleTarget]],
) -> None:
    metrics, targets = case
    engine = apply_targets(metrics, targets_frame(targets))
    oracle = oracle_targets(metrics, targets)
    assert engine.select(oracle.columns).to_dicts() == oracle.to_dicts()


def test_oracle_status_rounds_to_9_places() -> None:
    target = OracleTarget("agency_rate", dt.date(2024, 4, 1), None, "<=", 0.30, 0.02)
    assert oracle_status(0.30000000000000004, target) == "met"
    assert oracle_status(0.3 + 0.02 + 1e-12, target) == "within_tolerance"
    assert oracle_status(0.3200000011, target) == "missed"
    assert oracle_status(None, target) == "no_data"
    assert oracle_status(0.1, None) == "no_target"


def test_every_metric_is_known_to_the_oracle() -> None:
    given_extracts = extracts(
        staff({"employee_id": "E1"}),
        caseloads=caseloads({"worker_id": "E1"}),
        establishment=establishment({"role": "SW"}),
        absence=pl.DataFrame(schema=clean_schema("absence")),
    )
    frame = oracle_metrics(given_extracts, [dt.date(2023, 12, 31)])
    assert set(frame["metric"]) == set(METRIC_NAMES)
