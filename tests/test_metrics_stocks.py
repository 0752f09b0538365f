"""Stocks on a date, scopes, vacancies, caseloads, sickness and agency spend: small
hand-checked cases of metrics.md, and the shape of the metrics frame."""

from __future__ import annotations

from dataclasses import replace

import polars as pl
import pytest

import transforms.metrics.engine as metrics_module
from tests.builders import (
    DEFAULT_PARAMS,
    absence,
    agency,
    appearing,
    caseloads,
    d,
    establishment,
    extracts,
    metric_row,
    metric_values,
    staff,
)
from transforms.definitions import METRIC_NAMES, METRICS_BY_NAME, metrics_available
from transforms.metrics import METRIC_FRAME_SCHEMA, compute_metrics

D = "2023-12-31"


def test_in_post_includes_start_and_end_day() -> None:
    given = extracts(
        staff(
            {"employee_id": "STARTS_ON_D", "start_date": D, "fte": 0.5},
            {"employee_id": "ENDS_ON_D", "end_date": D, "fte": 0.25},
            {"employee_id": "ENDED_DAY_BEFORE", "end_date": "2023-12-30"},
            {"employee_id": "STARTS_DAY_AFTER", "start_date": "2024-01-01"},
        ),
        agency(
            {"worker_id": "G1", "start_date": D, "fte": 0.5},
            {"worker_id": "G2", "end_date": "2023-12-30"},
        ),
    )
    values = metric_values(given, D)
    assert values["employed_fte"] == 0.75
    assert values["employed_headcount"] == 2
    assert values["agency_fte"] == 0.5
    assert values["agency_headcount"] == 1


def test_agency_rates_by_scope() -> None:
    given = extracts(
        staff(
            {"employee_id": "E1", "fte": 1.0},
            {"employee_id": "E2", "fte": 0.5},
            {"employee_id": "E3", "role": "FSW"},
        ),
        agency(
            {"worker_id": "G1", "fte": 0.5},
            {"worker_id": "G2", "team": "T2", "fte": 1.0},
            {"worker_id": "G3", "team": "T2", "role": "OTHER"},
        ),
    )
    trust = metric_values(given, D)
    assert trust["agency_rate"] == 0.5  # 1.5 / (1.5 + 1.5)
    assert trust["agency_rate_headcount"] == 0.5  # 2 / (2 + 2)
    assert trust["agency_to_permanent_ratio"] == 1.0
    t1 = metric_values(given, D, "team", "T1")
    assert t1["agency_rate"] == pytest.approx(0.5 / 2.0)
    assert t1["agency_to_permanent_ratio"] == pytest.approx(0.5 / 1.5)
    # a team with agency workers only: rate 1, employed-based rates empty
    t2 = metric_values(given, D, "team", "T2")
    assert t2["agency_rate"] == 1.0
    assert t2["agency_to_permanent_ratio"] is None
    assert t2["turnover_rate"] is None
    assert t2["employed_fte"] == 0.0


def test_quotient_rows_carry_numerator_and_denominator_even_when_zero() -> None:
    given = extracts(staff({"employee_id": "E1"}), agency({"worker_id": "G1", "team": "T2"}))
    row = metric_row(given, D, "agency_to_permanent_ratio", "team", "T2")
    assert (row["value"], row["numerator"], row["denominator"]) == (None, 1.0, 0.0)
    row = metric_row(given, D, "employed_fte", "team", "T2")
    assert (row["value"], row["numerator"], row["denominator"]) == (0.0, None, None)


def test_scope_appearance() -> None:
    given = extracts(
        staff(
            {"employee_id": "E1", "team": "IN_POST"},
            {"employee_id": "E2", "team": "LEAVER_ONLY", "end_date": "2023-02-01"},
            {"employee_id": "E3", "team": "LEFT_LONG_AGO", "end_date": "2022-12-31"},
            {"employee_id": "E4", "team": "FSW_ONLY", "role": "FSW"},
            {"employee_id": "E5", "team": "FUTURE", "start_date": "2024-01-01"},
        ),
        agency({"worker_id": "G1", "team": "AGENCY_ONLY"}),
        establishment=establishment(
            {"team": "ESTABLISHMENT_ONLY"},
            {"team": "FSW_POSTS_ONLY", "role": "FSW"},
            {"team": "OLD_ESTABLISHMENT", "effective_to": "2023-12-30"},
        ),
        caseloads=caseloads({"worker_id": "E4", "child_ref": "C1"}),
    )
    assert appearing(given, D) == {"IN_POST", "LEAVER_ONLY", "AGENCY_ONLY", "ESTABLISHMENT_ONLY"}
    assert appearing(given, D, "trust") == {"all"}
    only_establishment = metric_values(given, D, "team", "ESTABLISHMENT_ONLY")
    assert only_establishment["employed_fte"] == 0.0
    assert only_establishment["vacancy_fte"] == 1.0
    assert only_establishment["vacancy_rate"] == 1.0
    for rate in ("turnover_rate", "turnover_rate_headcount", "agency_rate", "stability_index"):
        assert only_establishment[rate] is None, rate


def test_trust_appears_with_no_data() -> None:
    result = compute_metrics(extracts(), [d(D)], DEFAULT_PARAMS)
    assert set(result["scope"].to_list()) == {"trust"}
    assert result.height == len(metrics_available(frozenset({"staff", "agency"})))
    values = dict(zip(result["metric"], result["value"], strict=True))
    assert values["employed_fte"] == 0.0
    assert values["agency_rate"] is None


def test_every_appearing_scope_has_every_available_metric_and_no_other() -> None:
    given = extracts(
        staff({"employee_id": "E1"}, {"employee_id": "E2", "team": "T2", "service_area": "A2"}),
        agency({"worker_id": "G1", "team": "T3"}),
        absence=absence({"employee_id": "E1", "start_date": "2023-03-01"}),
    )
    result = compute_metrics(given, [d(D), d("2024-06-30")], DEFAULT_PARAMS)
    expected = set(metrics_available(frozenset({"staff", "agency", "absence"})))
    assert "vacancy_fte" not in expected
    assert "cases" not in expected
    per_scope = result.group_by("as_of", "scope", "scope_value").agg(pl.col("metric"))
    for metrics in per_scope["metric"].to_list():
        assert sorted(metrics) == sorted(expected)
    assert per_scope.height == 2 * (1 + 2 + 3)


def test_frame_schema_order_and_quotient_columns() -> None:
    given = extracts(
        staff({"employee_id": "E1", "team": "b"}, {"employee_id": "E2", "team": "B"}),
        agency({"worker_id": "G1", "team": "a"}),
        caseloads=caseloads({"worker_id": "E1"}),
        establishment=establishment({"team": "B"}),
        absence=absence({"employee_id": "E1", "start_date": "2023-03-01"}),
    )
    result = compute_metrics(given, [d("2024-01-31"), d(D)], DEFAULT_PARAMS)
    assert result.schema == pl.Schema(METRIC_FRAME_SCHEMA)
    assert set(result["metric"].to_list()) == set(METRIC_NAMES)
    keys = list(
        zip(result["as_of"], result["scope"], result["scope_value"], result["metric"], strict=True)
    )
    assert keys == sorted(keys)  # Python sorts str by code point, as the spec asks
    assert result.filter(pl.col("scope") == "team")["scope_value"].unique().sort().to_list() == [
        "B",
        "a",
        "b",
    ]
    quotients = [m for m in METRIC_NAMES if METRICS_BY_NAME[m].kind == "quotient"]
    is_quotient = pl.col("metric").is_in(quotients)
    assert result.filter(is_quotient)["numerator"].null_count() == 0
    assert result.filter(is_quotient)["denominator"].null_count() == 0
    assert (
        result.filter(~is_quotient)["numerator"].null_count() == result.filter(~is_quotient).height
    )
    assert (
        result.filter(~is_quotient)["denominator"].null_count()
        == result.filter(~is_quotient).height
    )


def test_vacancies_by_cell_do_not_offset_and_use_whole_employed_fte() -> None:
    given = extracts(
        staff(
            {"employee_id": "E1", "role": "SW", "fte": 0.5},
            {"employee_id": "E2", "role": "TM"},
            {"employee_id": "E3", "role": "TM"},
            {"employee_id": "E4", "role": "SP"},  # no establishment cell: still employed
            {"employee_id": "E5", "role": "FSW"},
        ),
        agency(
            {"worker_id": "G1", "role": "SW", "fte": 1.0},
            {"worker_id": "G2", "role": "SP", "fte": 1.0},  # no vacancy to cover
            {"worker_id": "G3", "role": "TM", "fte": 1.0},  # overstaffed cell: nothing to cover
        ),
        establishment=establishment(
            {"role": "SW", "funded_fte": 2.0},
            {"role": "TM", "funded_fte": 1.0},  # overstaffed by 1: does not offset
            {"role": "FSW", "funded_fte": 5.0},
            {"team": "T2", "role": "SW", "funded_fte": 3.0, "effective_to": "2023-12-30"},
        ),
    )
    values = metric_values(given, D)
    assert values["vacancy_fte"] == 1.5
    assert values["vacancy_rate"] == pytest.approx(1.5 / (1.5 + 3.5))
    assert values["vacancy_agency_cover_rate"] == pytest.approx(1.0 / 1.5)


def test_vacancy_cover_is_capped_by_the_cell_vacancy() -> None:
    given = extracts(
        staff({"employee_id": "E1", "fte": 0.6}),
        agency({"worker_id": "G1", "fte": 1.0}, {"worker_id": "G2", "fte": 1.0}),
        establishment=establishment({"funded_fte": 1.0}, {"team": "T2", "funded_fte": 1.0}),
    )
    values = metric_values(given, D)
    assert values["vacancy_fte"] == pytest.approx(1.4)
    assert values["vacancy_agency_cover_rate"] == pytest.approx(0.4 / 1.4)
    # no vacancy anywhere: cover rate empty, not 0
    full = extracts(staff({"employee_id": "E1"}), establishment=establishment({"funded_fte": 1.0}))
    assert metric_values(full, D)["vacancy_agency_cover_rate"] is None


def test_caseloads() -> None:
    given = extracts(
        staff(
            {"employee_id": "E1", "fte": 0.5},
            {"employee_id": "E2", "role": "FSW"},
            {"employee_id": "E3", "end_date": "2023-12-30"},
            {"employee_id": "E4", "team": "T2"},  # in post, no case: not a case holder
        ),
        agency({"worker_id": "G1", "fte": 1.0}),
        caseloads=caseloads(
            {"worker_id": "E1", "child_ref": "C1"},
            {"worker_id": "E1", "child_ref": "C1", "allocated_from": "2023-06-01"},
            {"worker_id": "E1", "child_ref": "C2", "allocated_to": D},
            {"worker_id": "E1", "child_ref": "C9", "allocated_to": "2023-12-30"},
            {"worker_id": "E1", "child_ref": "C8", "allocated_from": "2024-01-01"},
            {"worker_id": "G1", "worker_kind": "agency", "child_ref": "C1"},
            {
                "worker_id": "E1",
                "worker_kind": "agency",
                "child_ref": "C3",
            },  # no such agency worker
            {"worker_id": "E2", "child_ref": "C4"},
            {"worker_id": "E3", "child_ref": "C5"},
            {"worker_id": "NOBODY", "child_ref": "C6"},
        ),
    )
    values = metric_values(given, D, params=replace(DEFAULT_PARAMS, caseload_threshold=1))
    assert values["cases"] == 3
    assert values["case_holders_headcount"] == 2
    assert values["case_holders_fte"] == 1.5
    assert values["average_caseload"] == 2.0
    assert values["caseload_per_case_holder"] == 1.5
    assert values["max_caseload"] == 2
    assert values["case_holders_over_threshold_rate"] == 0.5  # 2 > 1; 1 is not > 1
    t2 = metric_values(given, D, "team", "T2")
    assert t2["max_caseload"] is None
    assert t2["cases"] == 0.0
    assert t2["average_caseload"] is None


def test_sickness_days_and_absence_rate() -> None:
    given = extracts(
        staff(
            {"employee_id": "E1", "fte": 0.5},
            {"employee_id": "E2", "end_date": "2023-05-31"},
            {"employee_id": "E2", "start_date": "2023-06-01", "team": "T2"},
            {"employee_id": "E3", "role": "FSW"},
            {"employee_id": "E4", "start_date": "2023-03-01"},
        ),
        absence=absence(
            {
                "employee_id": "E1",
                "start_date": "2023-12-31",
                "end_date": None,
                "working_days_lost": 2.5,
            },
            {"employee_id": "E1", "start_date": "2022-12-31", "working_days_lost": 100.0},
            {
                "employee_id": "E1",
                "start_date": "2023-02-01",
                "reason": "MAT",
                "working_days_lost": 50.0,
            },
            # started in T1 before the move: counted in T1, in full
            {
                "employee_id": "E2",
                "start_date": "2023-05-20",
                "end_date": "2023-06-20",
                "working_days_lost": 20.0,
            },
            {"employee_id": "E3", "start_date": "2023-02-01", "working_days_lost": 7.0},
            {"employee_id": "E4", "start_date": "2023-02-01", "working_days_lost": 9.0},
        ),
    )
    trust = metric_values(given, D)
    assert trust["sickness_days_lost"] == 22.5
    assert trust["absence_rate"] == pytest.approx(22.5 / (2.5 * 253))
    assert metric_values(given, D, "team", "T1")["sickness_days_lost"] == 22.5
    assert metric_values(given, D, "team", "T2")["sickness_days_lost"] == 0.0
    custom = metric_values(given, D, params=replace(DEFAULT_PARAMS, working_days_per_year=200))
    assert custom["absence_rate"] == pytest.approx(22.5 / (2.5 * 200))


def test_agency_spend_over_the_window() -> None:
    given = extracts(
        agency_frame=agency(
            {"worker_id": "G1", "start_date": "2023-06-01", "weekly_cost": 700.0},
            {
                "worker_id": "G2",
                "start_date": "2022-01-01",
                "end_date": "2023-01-10",
                "weekly_cost": 350.0,
            },
            {"worker_id": "G3", "start_date": "2023-01-01", "weekly_cost": None},
            {"worker_id": "G4", "start_date": "2024-03-01", "weekly_cost": 7000.0},
            {"worker_id": "G5", "role": "FSW", "weekly_cost": 7000.0},
            {"worker_id": "G6", "end_date": "2022-12-31", "weekly_cost": 7000.0},
        ),
    )
    # G1: 214 days (1 Jun - 31 Dec) x 100/day; G2: 10 days (1 - 10 Jan) x 50/day
    assert metric_values(given, D)["agency_spend_12m"] == pytest.approx(21_400 + 500)
    # the window of 29 Feb 2024 runs from 1 Mar 2023: G1 274 days, G2 none
    assert metric_values(given, "2024-02-29")["agency_spend_12m"] == pytest.approx(27_400)
    assert metric_values(given, "2019-12-31")["agency_spend_12m"] == 0.0


def test_spend_of_a_team_whose_assignments_ended_is_exactly_zero() -> None:
    given = extracts(
        staff({"employee_id": "E1", "team": "T2"}),
        agency(
            {"worker_id": "G1", "team": "T2", "end_date": "2021-03-03", "weekly_cost": 1234.567},
            {
                "worker_id": "G2",
                "team": "T2",
                "start_date": "2021-02-01",
                "end_date": "2021-09-09",
                "weekly_cost": 999.99,
            },
        ),
    )
    assert metric_values(given, D, "team", "T2")["agency_spend_12m"] == 0.0


def test_optional_extracts_absent_leave_their_metrics_out() -> None:
    given = extracts(staff({"employee_id": "E1"}), agency({"worker_id": "G1"}))
    metrics = set(compute_metrics(given, [d(D)], DEFAULT_PARAMS)["metric"].to_list())
    assert metrics == set(metrics_available(frozenset({"staff", "agency"})))
    assert not metrics & {"cases", "vacancy_fte", "vacancy_agency_cover_rate", "absence_rate"}


def test_a_date_does_not_depend_on_the_other_dates_in_the_call(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    given = extracts(
        staff(
            {"employee_id": "E1", "end_date": "2023-05-31"},
            {"employee_id": "E1", "start_date": "2023-06-01", "team": "T2"},
            {"employee_id": "E2", "start_date": "2023-02-01", "end_date": "2024-02-01"},
        ),
        agency({"worker_id": "G1", "start_date": "2023-03-01", "weekly_cost": 500.0}),
        caseloads=caseloads({"worker_id": "E1"}, {"worker_id": "G1", "worker_kind": "agency"}),
        establishment=establishment({"funded_fte": 3.0}),
        absence=absence({"employee_id": "E2", "start_date": "2023-04-01"}),
    )
    dates = [d("2023-06-30"), d("2024-02-29"), d("2023-01-15")]
    together = compute_metrics(given, dates, DEFAULT_PARAMS)
    alone = pl.concat([compute_metrics(given, [day], DEFAULT_PARAMS) for day in dates]).sort(
        "as_of", "scope", "scope_value", "metric"
    )
    assert together.equals(alone)
    # one date per batch gives the same figures as one batch for all
    monkeypatch.setattr(metrics_module, "MAX_PAIRS_PER_BATCH", 1)
    assert compute_metrics(given, dates, DEFAULT_PARAMS).equals(together)


def test_no_dates_gives_an_empty_frame() -> None:
    result = compute_metrics(extracts(staff({"employee_id": "E1"})), [], DEFAULT_PARAMS)
    assert result.is_empty()
    assert result.schema == pl.Schema(METRIC_FRAME_SCHEMA)


def test_supplied_but_empty_optional_extracts_give_all_metrics_for_the_trust() -> None:
    given = extracts(caseloads=caseloads(), establishment=establishment(), absence=absence())
    result = compute_metrics(given, [d(D)], DEFAULT_PARAMS)
    assert sorted(result["metric"].to_list()) == sorted(METRIC_NAMES)
    values = dict(zip(result["metric"], result["value"], strict=True))
    assert values["cases"] == 0.0
    assert values["max_caseload"] is None
    assert values["vacancy_rate"] is None
    assert values["absence_rate"] is None
