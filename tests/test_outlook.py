"""The committed outlook, what it takes and recruitment milestones (outlook.md §1, §2, §4):
given small hand-built extracts, expect hand-worked rows; properties of the levers and of
the outlook against a run on each date; the outlook against a backfill of the sample.

Grain: one small drop per test (the sample drop for the backfill comparison).
"""

from __future__ import annotations

import datetime as dt
import math
from fractions import Fraction
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.builders import DEFAULT_PARAMS, agency, d, establishment, extracts, staff
from tests.locations import SAMPLE_DROP
from tests.oracle_checks import MAX_EXAMPLES
from tests.strategies import DrawnDrop, drops
from transforms.backfill import backfill_dates
from transforms.definitions import METRIC_NAMES, METRICS_BY_NAME
from transforms.outlook import (
    IN_PROGRESS,
    LEVERS,
    MILESTONE_PROGRESS_SCHEMA,
    OUTLOOK_METRICS,
    WHAT_IT_TAKES_SCHEMA,
    committed_outlook,
    forward_dates,
    forward_view,
    lever_columns,
    milestone_progress,
    milestones_frame,
    outlook_dates,
    round_up_to_tenth,
    select_outlook,
    target_year_end,
    what_it_takes,
)
from transforms.report import series_in_chunks
from transforms.schema import Extracts
from transforms.targets import MET, MISSED, metrics_with_targets, status_expr, targets_frame
from workforce.extract_io import read_drop
from workforce.outputs import write_metrics_csv, write_outlook_csv
from workforce.settings import Milestone, Target, load_settings
from workforce.validation import validate_drop

TARGETS = targets_frame(load_settings().targets)


def _targets(*rows: dict[str, Any]) -> pl.DataFrame:
    return targets_frame(Target.model_validate({"metric": "agency_rate", **row}) for row in rows)


# --- outlook dates -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("as_of", "first", "last"),
    [
        ("2026-11-20", "2026-11-30", "2027-10-31"),
        # D on a month-end is not one of its own outlook dates.
        ("2026-11-30", "2026-12-31", "2027-11-30"),
        ("2023-12-31", "2024-01-31", "2024-12-31"),
        # 29 February: a month-end of a leap year, excluded when it is D.
        ("2024-01-31", "2024-02-29", "2025-01-31"),
        ("2024-02-28", "2024-02-29", "2025-01-31"),
        ("2024-02-29", "2024-03-31", "2025-02-28"),
        ("2023-03-01", "2023-03-31", "2024-02-29"),
    ],
)
def test_outlook_dates_are_the_12_month_ends_after_d(as_of: str, first: str, last: str) -> None:
    dates = outlook_dates(d(as_of))
    assert (len(dates), dates[0], dates[-1]) == (12, d(first), d(last))
    assert d(as_of) not in dates
    assert all((day + dt.timedelta(days=1)).day == 1 for day in dates)
    assert dates == sorted(set(dates))


def test_the_outlook_metrics_are_the_stocks_of_the_spec_in_definition_order() -> None:
    assert list(OUTLOOK_METRICS) == [name for name in METRIC_NAMES if name in OUTLOOK_METRICS]
    for name in OUTLOOK_METRICS:
        definition = METRICS_BY_NAME[name]
        # Stocks on the date: no 12-month flow, no caseloads, no absence.
        assert "12 months" not in definition.label + definition.definition
        assert not {"caseloads", "absence"} & set(definition.needs)


# --- the committed outlook: one drop holding each thing the extracts already know --------

D = d("2026-11-20")


def _known_future() -> Extracts:
    return extracts(
        staff(
            {"employee_id": "E1", "team": "T1", "fte": 1.0, "start_date": "2020-01-01"},
            # A future starter.
            {"employee_id": "E2", "team": "T1", "fte": 0.5, "start_date": "2027-01-15"},
            # A fixed-term end already recorded.
            {
                "employee_id": "E3",
                "team": "T2",
                "fte": 0.8,
                "contract_type": "fixed_term",
                "start_date": "2025-06-01",
                "end_date": "2027-02-14",
            },
            # A future starter in a team that does not exist yet.
            {
                "employee_id": "E4",
                "team": "T4",
                "service_area": "A2",
                "start_date": "2027-09-10",
            },
        ),
        agency(
            # Planned assignment ends: on a month-end (in post that day), and mid-month.
            {"worker_id": "G1", "team": "T1", "start_date": "2026-01-01", "end_date": "2027-03-31"},
            {
                "worker_id": "G2",
                "team": "T2",
                "fte": 0.5,
                "start_date": "2026-06-01",
                "end_date": "2026-12-01",
            },
        ),
        establishment=establishment(
            # Establishment changes: T1 grows from 2 to 3 funded FTE on 1 April 2027, and a
            # new team T3 is funded from June 2027.
            {"team": "T1", "funded_fte": 2.0, "effective_to": "2027-03-31"},
            {"team": "T1", "funded_fte": 3.0, "effective_from": "2027-04-01"},
            {
                "team": "T3",
                "service_area": "A2",
                "funded_fte": 1.0,
                "effective_from": "2027-06-01",
            },
        ),
    )


def _values(outlook: pl.DataFrame, metric: str, scope_value: str = "all") -> list[Any]:
    """The metric's value on each outlook date, None where the scope does not appear."""
    rows = outlook.filter((pl.col("metric") == metric) & (pl.col("scope_value") == scope_value))
    by_date = dict(zip(rows["as_of"], rows["value"], strict=True))
    return [by_date.get(day, "absent") for day in outlook_dates(D)]


@pytest.fixture(scope="module")
def known_outlook() -> pl.DataFrame:
    return committed_outlook(_known_future(), D, DEFAULT_PARAMS, TARGETS)


def test_future_starters_and_fixed_term_ends_move_employed_fte(known_outlook: pl.DataFrame) -> None:
    # Nov, Dec: E1 + E3; Jan: + E2 (15 Jan); Feb-Aug: E3 gone (14 Feb); Sep, Oct: + E4.
    assert _values(known_outlook, "employed_fte") == pytest.approx(
        [1.8, 1.8, 2.3, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5, 2.5, 2.5]
    )
    assert _values(known_outlook, "employed_headcount") == [2, 2, 3, 2, 2, 2, 2, 2, 2, 2, 3, 3]


def test_planned_assignment_ends_move_agency_fte_and_the_rate(known_outlook: pl.DataFrame) -> None:
    # G2 ends 1 December; G1 ends on 31 March and is in post that day.
    assert _values(known_outlook, "agency_fte") == [1.5] + [1.0] * 4 + [0.0] * 7
    rates = known_outlook.filter(
        (pl.col("metric") == "agency_rate") & (pl.col("scope") == "trust")
    ).to_dicts()
    assert [r["numerator"] for r in rates[:5]] == [1.5, 1.0, 1.0, 1.0, 1.0]
    assert [r["denominator"] for r in rates[:5]] == pytest.approx([3.3, 2.8, 3.3, 2.5, 2.5])
    # Every date is in the open-ended 2026-27 target period: <= 0.2, tolerance 0.02.
    assert {(r["target"], r["tolerance"]) for r in rates} == {(0.2, 0.02)}
    assert [r["status"] for r in rates] == [MISSED] * 5 + [MET] * 7


def test_establishment_changes_move_vacancies(known_outlook: pl.DataFrame) -> None:
    # T1 funded 2 to 31 March then 3; T3 funded 1 from June with nobody in post.
    assert _values(known_outlook, "vacancy_fte") == pytest.approx(
        [1.0, 1.0, 0.5, 0.5, 0.5, 1.5, 1.5, 2.5, 2.5, 2.5, 2.5, 2.5]
    )
    # Agency in the T1 SW cell covers min(agency, vacancy) until G1 ends.
    assert _values(known_outlook, "vacancy_agency_cover_rate")[:6] == pytest.approx(
        [1.0, 1.0, 1.0, 1.0, 1.0, 0.0]
    )


def test_a_team_appears_only_from_the_date_it_exists(known_outlook: pl.DataFrame) -> None:
    absent = "absent"
    # T3: an establishment period in force from June; T4: a starter in September.
    assert _values(known_outlook, "vacancy_fte", "T3") == [absent] * 7 + [1.0] * 5
    assert _values(known_outlook, "employed_fte", "T4") == [absent] * 10 + [1.0, 1.0]
    assert _values(known_outlook, "employed_fte", "A2")[6:8] == [absent, 0.0]
    # T2 keeps appearing for a year after E3's leaving, with an empty rate once empty.
    assert _values(known_outlook, "agency_rate", "T2")[-1] is None


def test_the_outlook_holds_the_stock_metrics_only_and_sorts_like_metrics_csv(
    known_outlook: pl.DataFrame,
) -> None:
    assert set(known_outlook["metric"]) == set(OUTLOOK_METRICS)
    keys = known_outlook.select("as_of", "scope", "scope_value", "metric").rows()
    assert keys == sorted(keys)
    # Without an establishment extract there are no vacancy rows.
    without = committed_outlook(extracts(staff({"employee_id": "E1"})), D, DEFAULT_PARAMS, TARGETS)
    assert set(without["metric"]) == set(OUTLOOK_METRICS) - {
        "vacancy_fte",
        "vacancy_rate",
        "vacancy_agency_cover_rate",
    }


def test_select_outlook_names_a_missing_date() -> None:
    metrics = metrics_with_targets(
        extracts(staff({"employee_id": "E1"})), outlook_dates(D)[:11], DEFAULT_PARAMS, TARGETS
    )
    with pytest.raises(ValueError, match="2027-10-31"):
        select_outlook(metrics, D)


def test_select_outlook_takes_its_rows_from_a_wider_frame() -> None:
    given_extracts = _known_future()
    dates = sorted({D, *outlook_dates(D), d("2025-11-30")})
    wide = metrics_with_targets(given_extracts, dates, DEFAULT_PARAMS, TARGETS)
    assert select_outlook(wide, D).equals(
        committed_outlook(given_extracts, D, DEFAULT_PARAMS, TARGETS)
    )


@settings(
    max_examples=max(10, MAX_EXAMPLES // 3),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(drops(), st.data())
def test_the_outlook_on_each_date_equals_a_run_on_that_date(
    drop: DrawnDrop, data: st.DataObject
) -> None:
    as_of = data.draw(st.sampled_from(drop.dates), label="as_of")
    month = data.draw(st.sampled_from(outlook_dates(as_of)), label="month")
    given_extracts = drop.extracts()
    outlook = committed_outlook(given_extracts, as_of, drop.params, TARGETS)
    run = metrics_with_targets(given_extracts, [month], drop.params, TARGETS)
    assert outlook.filter(pl.col("as_of") == month).equals(
        run.filter(pl.col("metric").is_in(OUTLOOK_METRICS))
    )


def test_the_outlook_equals_the_backfill_of_its_12_dates_on_the_sample(tmp_path: Path) -> None:
    as_of = d("2026-11-20")
    clean = validate_drop(read_drop(SAMPLE_DROP, as_of), as_of, 0.05).extracts
    dates = outlook_dates(as_of)
    assert backfill_dates(dates[0], dates[-1], "month") == dates
    # The backfill's own entry point, cut into several chunks of dates.
    backfill = pl.concat(
        series_in_chunks(clean, dates, DEFAULT_PARAMS, TARGETS, rows_per_chunk=2_000)
    )
    outlook = committed_outlook(clean, as_of, DEFAULT_PARAMS, TARGETS)
    assert outlook.equals(backfill.filter(pl.col("metric").is_in(OUTLOOK_METRICS)))
    write_outlook_csv(outlook, tmp_path / "outlook.csv")
    write_metrics_csv(
        backfill.filter(pl.col("metric").is_in(OUTLOOK_METRICS)), tmp_path / "backfill.csv"
    )
    assert (tmp_path / "outlook.csv").read_bytes() == (tmp_path / "backfill.csv").read_bytes()


# --- what it takes -----------------------------------------------------------------------


def _levers(table: pl.DataFrame, scope_value: str = "all") -> dict[str, Any]:
    rows = table.filter(pl.col("scope_value") == scope_value).to_dicts()
    assert len(rows) == 1, rows
    return rows[0]


def test_what_it_takes_hand_worked_on_the_year_end() -> None:
    view = forward_view(_known_future(), D, DEFAULT_PARAMS, TARGETS)
    table = view.what_it_takes
    assert table.schema == pl.Schema(WHAT_IT_TAKES_SCHEMA)
    assert set(table["year_end"]) == {d("2027-03-31")}
    # Trust on 31 March 2027: A = 1.0 (G1), E = 1.5 (E1 + E2); rate 0.4 against <= 0.2.
    trust = _levers(table)
    assert (trust["agency_fte"], trust["employed_fte"]) == pytest.approx((1.0, 1.5))
    assert (trust["committed_rate"], trust["target"], trust["comparison"], trust["status"]) == (
        pytest.approx(0.4),
        0.2,
        "<=",
        MISSED,
    )
    # Convert 1 − 0.2 × 2.5 = 0.5; end 1 − 0.2 × 1.5 / 0.8 = 0.625; add 1 / 0.2 − 2.5 = 2.5.
    assert [trust[name] for name in LEVERS] == pytest.approx([0.5, 0.625, 2.5])
    assert [trust[f"{name}_display"] for name in LEVERS] == [0.5, 0.7, 2.5]
    assert trust["more_than"] is False
    # T2 appears on the year-end (E3's leaving) with nobody in post: no rate, no levers.
    empty = _levers(table, "T2")
    assert (empty["committed_rate"], empty["status"]) == (None, "no_data")
    assert [empty[name] for name in LEVERS] == [None, None, None]
    # Trust first, then service areas, then teams.
    assert table["scope"].to_list() == ["trust", "service_area", "team", "team"]


def test_a_rate_that_meets_the_target_needs_nothing() -> None:
    table = forward_view(
        _known_future(),
        D,
        DEFAULT_PARAMS,
        _targets({"from": "2026-04-01", "comparison": "<=", "target": 0.4}),
    ).what_it_takes
    trust = _levers(table)
    assert trust["status"] == MET  # 0.4 <= 0.4
    assert [trust[name] for name in LEVERS] == [0.0, 0.0, 0.0]
    assert trust["more_than"] is False


def test_a_strict_target_needs_more_than_the_figure() -> None:
    table = forward_view(
        _known_future(),
        D,
        DEFAULT_PARAMS,
        _targets({"from": "2026-04-01", "comparison": "<", "target": 0.4, "tolerance": 0.0}),
    ).what_it_takes
    trust = _levers(table)
    assert trust["status"] == "within_tolerance"  # 0.4 is not < 0.4
    # Exactly at the target: the need is "more than 0".
    assert [trust[name] for name in LEVERS] == pytest.approx([0.0, 0.0, 0.0], abs=1e-12)
    assert trust["more_than"] is True


def _agency_only() -> Extracts:
    return extracts(
        staff({"employee_id": "E1", "team": "T1", "fte": 1.0}),
        agency(
            {"worker_id": "G1", "team": "T1", "fte": 1.0},
            {"worker_id": "G5", "team": "T5", "fte": 1.0},
        ),
    )


def test_a_team_with_agency_only_cannot_reach_the_target_by_ending_agency() -> None:
    table = forward_view(_agency_only(), D, DEFAULT_PARAMS, TARGETS).what_it_takes
    team = _levers(table, "T5")  # A = 1, E = 0: rate 1
    # Convert 1 − 0.2 = 0.8 (0.2 / 1); add 1 / 0.2 − 1 = 4 (1 / 5); ending agency leaves
    # the rate at 1 until none is left, then there is no rate at all.
    assert [team[name] for name in LEVERS] == pytest.approx([0.8, None, 4.0])


@pytest.mark.parametrize(
    ("comparison", "expected"),
    [
        # Trust: A = 2, E = 1. Converting or ending all agency brings the rate to 0.
        ("<=", [2.0, 2.0, None]),
        # No rate is below 0: no lever alone can do it.
        ("<", [None, None, None]),
    ],
)
def test_a_target_of_zero(comparison: str, expected: list[float | None]) -> None:
    table = forward_view(
        _agency_only(),
        D,
        DEFAULT_PARAMS,
        _targets({"from": "2026-04-01", "comparison": comparison, "target": 0.0}),
    ).what_it_takes
    assert [_levers(table)[name] for name in LEVERS] == expected


def test_a_target_of_one() -> None:
    strict = _targets({"from": "2026-04-01", "comparison": "<", "target": 1.0})
    table = forward_view(_agency_only(), D, DEFAULT_PARAMS, strict).what_it_takes
    # The trust (2/3) meets < 1; T5 (rate exactly 1) needs more than 0 converted or added.
    assert _levers(table)["status"] == MET
    team = _levers(table, "T5")
    assert ([team[name] for name in LEVERS], team["more_than"]) == ([0.0, None, 0.0], True)
    lenient = _targets({"from": "2026-04-01", "comparison": "<=", "target": 1.0})
    team = _levers(forward_view(_agency_only(), D, DEFAULT_PARAMS, lenient).what_it_takes, "T5")
    assert (team["status"], [team[name] for name in LEVERS]) == (MET, [0.0, 0.0, 0.0])


def test_the_year_end_is_the_first_after_d_with_a_target() -> None:
    # Default targets start 2023-04-01: from D = 2022-11-20 the next year-end (31 March
    # 2023) has none, so the year-end is 31 March 2024, beyond the 12-month outlook.
    as_of = d("2022-11-20")
    assert target_year_end(as_of, TARGETS) == d("2024-03-31")
    assert forward_dates(as_of, TARGETS) == [*outlook_dates(as_of), d("2024-03-31")]
    given_extracts = extracts(
        staff({"employee_id": "E1", "fte": 1.0}), agency({"worker_id": "G1", "fte": 1.0})
    )
    view = forward_view(given_extracts, as_of, DEFAULT_PARAMS, TARGETS)
    assert view.outlook["as_of"].max() == d("2023-10-31")
    trust = _levers(view.what_it_takes)
    # 0.5 against < 0.48: convert 1 − 0.96 = 0.04, end 1 − 0.48 / 0.52, add 1 / 0.48 − 2.
    assert (trust["year_end"], trust["comparison"], trust["more_than"]) == (
        d("2024-03-31"),
        "<",
        True,
    )
    assert [trust[name] for name in LEVERS] == pytest.approx([0.04, 1 - 0.48 / 0.52, 1 / 0.48 - 2])
    assert [trust[f"{name}_display"] for name in LEVERS] == [0.1, 0.1, 0.1]
    # D on 31 March: the year-end is the next one, not D.
    assert target_year_end(d("2025-03-31"), TARGETS) == d("2026-03-31")


def test_no_year_end_target_no_rows() -> None:
    past_only = _targets(
        {"from": "2020-04-01", "to": "2021-03-31", "comparison": "<", "target": 0.3}
    )
    for targets in (past_only, targets_frame([])):
        assert target_year_end(D, targets) is None
        assert forward_dates(D, targets) == outlook_dates(D)
        view = forward_view(_known_future(), D, DEFAULT_PARAMS, targets)
        assert view.what_it_takes.is_empty()
        assert view.what_it_takes.schema == pl.Schema(WHAT_IT_TAKES_SCHEMA)


def test_what_it_takes_names_a_missing_year_end() -> None:
    metrics = metrics_with_targets(_known_future(), outlook_dates(D), DEFAULT_PARAMS, TARGETS)
    assert what_it_takes(metrics, D, TARGETS).height > 0  # 31 March 2027 is an outlook date
    with pytest.raises(ValueError, match="2027-03-31"):
        what_it_takes(metrics.filter(pl.col("as_of") != d("2027-03-31")), D, TARGETS)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (0.0, 0.0),
        (0.3, 0.3),
        (0.1 + 0.2, 0.3),
        (0.31, 0.4),
        (0.625, 0.7),
        (2.275, 2.3),
        (0.000001, 0.1),
        (12.0, 12.0),
    ],
)
def test_round_up_to_one_decimal_place(value: float, shown: float) -> None:
    assert pl.select(round_up_to_tenth(pl.lit(value))).item() == shown


@given(st.integers(0, 10**7))
def test_rounding_up_shows_the_least_tenth_not_below_the_need(ten_thousandths: int) -> None:
    need = Fraction(ten_thousandths, 10_000)
    shown = pl.select(round_up_to_tenth(pl.lit(float(need)))).item()
    assert shown == float(Fraction(math.ceil(need * 10), 10))
    assert repr(shown) == repr(round(shown, 1))


FTE = st.integers(0, 4000).map(lambda n: n / 100)


@settings(max_examples=300, deadline=None)
@given(
    agency_fte=FTE,
    employed_fte=FTE,
    target=st.one_of(st.sampled_from([0.0, 0.2, 0.3, 0.48, 1.0]), st.floats(0, 1)),
    comparison=st.sampled_from(["<", "<="]),
)
def test_each_lever_alone_brings_the_rate_exactly_to_the_target(
    agency_fte: float, employed_fte: float, target: float, comparison: str
) -> None:
    a, e, t = agency_fte, employed_fte, target
    rate = a / (a + e) if a + e else None
    frame = pl.DataFrame(
        {
            "agency_fte": [a],
            "employed_fte": [e],
            "value": [rate],
            "target": [t],
            "tolerance": [0.02],
            "comparison": [comparison],
        },
        schema_overrides={"value": pl.Float64},
    ).with_columns(
        status_expr(
            pl.col("value"), pl.col("comparison"), pl.col("target"), pl.col("tolerance")
        ).alias("status")
    )
    row = frame.with_columns(lever_columns()).row(0, named=True)
    convert, end, add = (row[name] for name in LEVERS)
    if rate is None:
        assert (convert, end, add) == (None, None, None)
        return
    if row["status"] == MET:
        assert (convert, end, add) == (0.0, 0.0, 0.0)
        assert row["more_than"] is False
        return
    assert row["more_than"] is (comparison == "<")
    for value in (convert, end, add):
        assert value is None or value >= 0
    if convert is not None:
        assert convert <= a
        assert math.isclose((a - convert) / (a + e), t, rel_tol=1e-9, abs_tol=1e-12)
    if end is not None:
        assert end <= a
        assert math.isclose((a - end) / (a - end + e), t, rel_tol=1e-9, abs_tol=1e-12)
    if add is not None:
        assert math.isclose(a / (a + e + add), t, rel_tol=1e-9, abs_tol=1e-12)
    # A lever is missing only where the spec's algebra has no answer.
    assert (convert is None) == (t == 0 and comparison == "<")
    assert (end is None) == (e == 0 or (t == 0 and comparison == "<"))
    assert (add is None) == (t == 0)


# --- milestones --------------------------------------------------------------------------


def _milestones(*rows: tuple[str, int]) -> pl.DataFrame:
    return milestones_frame(
        Milestone.model_validate(
            {"route": route, "from": "2022-11-01", "to": "2023-01-31", "count": count}
        )
        for route, count in rows
    )


def _recruits() -> Extracts:
    return extracts(
        staff(
            {"employee_id": "S1", "start_date": "2022-11-01", "start_origin": 3},  # first day
            {"employee_id": "S2", "start_date": "2023-01-31", "start_origin": 3},  # last day
            {"employee_id": "S3", "start_date": "2023-02-01", "start_origin": 3},  # after
            {"employee_id": "S4", "start_date": "2022-10-31", "start_origin": 1},  # before
            # An agency conversion who is also an international recruit: route conversion.
            {
                "employee_id": "S5",
                "swe_number": "SW5",
                "start_date": "2022-12-01",
                "start_origin": 3,
            },
            # An internal move inside the period is not a starter.
            {"employee_id": "S6", "start_date": "2020-01-01", "end_date": "2022-11-10"},
            {"employee_id": "S6", "start_date": "2022-11-15", "start_origin": 1},
            # Not a social-work post.
            {"employee_id": "S7", "role": "FSW", "start_date": "2022-12-01", "start_origin": 1},
        ),
        agency(
            {
                "worker_id": "G5",
                "swe_number": "SW5",
                "start_date": "2022-01-01",
                "end_date": "2022-11-30",
            }
        ),
    )


def _progress(as_of: str) -> list[tuple[Any, ...]]:
    table = milestone_progress(
        _recruits(),
        d(as_of),
        _milestones(
            ("international", 2), ("newly_qualified", 1), ("all", 3), ("agency_conversion", 2)
        ),
    )
    assert table.schema == pl.Schema(MILESTONE_PROGRESS_SCHEMA)
    return table.select("route", "starters", "starters_booked", "status").rows()


def test_milestones_once_the_period_has_ended() -> None:
    # D = the last day of the period: every start in it is known, so it has ended.
    assert _progress("2023-01-31") == [
        ("international", 2, 0, MET),
        ("newly_qualified", 0, 0, MISSED),
        ("all", 3, 0, MET),
        ("agency_conversion", 1, 0, MISSED),
    ]
    assert _progress("2026-11-20") == _progress("2023-01-31")


def test_milestones_in_progress_count_starts_so_far_and_those_booked() -> None:
    assert _progress("2023-01-30") == [
        ("international", 1, 1, IN_PROGRESS),
        ("newly_qualified", 0, 0, IN_PROGRESS),
        ("all", 2, 1, IN_PROGRESS),
        ("agency_conversion", 1, 0, IN_PROGRESS),
    ]
    assert _progress("2022-10-01") == [
        ("international", 0, 2, IN_PROGRESS),
        ("newly_qualified", 0, 0, IN_PROGRESS),
        ("all", 0, 3, IN_PROGRESS),
        ("agency_conversion", 0, 1, IN_PROGRESS),
    ]


def test_the_default_milestones_are_the_improvement_plan_january_2023() -> None:
    table = milestones_frame(load_settings().milestones)
    assert table.rows() == [
        ("international", d("2022-11-01"), d("2023-01-31"), 40),
        ("newly_qualified", d("2022-11-01"), d("2023-01-31"), 15),
    ]
    assert milestone_progress(_recruits(), D, milestones_frame([])).is_empty()
