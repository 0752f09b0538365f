"""The metrics engine against the naive spec oracle (``tests/spec_oracle.py``).

Grain: one generated drop (small, random, valid clean extracts) or the committed sample
drop per test, compared on every (as_of, scope, scope_value, metric) row: same set of
rows, nulls in the same places, values, numerators and denominators equal to 1e-9.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace
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
from tests.oracle_checks import MAX_EXAMPLES, assert_engine_matches_oracle
from tests.spec_oracle import (
    OracleTarget,
    oracle_metrics,
    oracle_status,
    oracle_targets,
)
from tests.strategies import DrawnDrop, drops, n_days, up_to_days_after
from transforms.definitions import METRIC_NAMES
from transforms.metrics import METRIC_FRAME_SCHEMA
from transforms.metrics import engine as metrics_engine
from transforms.schema import Extracts, clean_schema
from transforms.targets import apply_targets, targets_frame
from workforce.extract_io import read_drop
from workforce.validation import validate_drop

Draw = Callable[[st.SearchStrategy[Any]], Any]


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
        end = draw(st.one_of(st.none(), up_to_days_after(start, 400)))
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
        day + n_days(shift)
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
