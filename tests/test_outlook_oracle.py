"""``outlook.csv`` and ``retention.csv`` against the naive spec oracle
(``tests/spec_oracle.py``).

Grain: one generated drop (``tests/strategies.py``) or the committed sample drop per test;
outlook rows compared per (as_of, scope, scope_value, metric), retention rows per (route,
cohort, horizon_days), both as sets of rows and in file order.
"""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.builders import DEFAULT_PARAMS
from tests.locations import SAMPLE_DROP
from tests.oracle_checks import KEYS, MAX_EXAMPLES, NUMBERS, differences
from tests.spec_oracle import OracleTarget, oracle_outlook, oracle_retention
from tests.strategies import DrawnDrop, drops
from transforms.metrics import MetricParams
from transforms.outlook import committed_outlook
from transforms.retention import retention_frame
from transforms.schema import Extracts
from transforms.targets import targets_frame
from workforce.extract_io import read_drop
from workforce.settings import load_settings
from workforce.validation import validate_drop

SETTINGS = load_settings()
TARGETS = targets_frame(SETTINGS.targets)
ORACLE_TARGETS = [
    OracleTarget(t.metric, t.from_date, t.to_date, t.comparison, t.target, t.tolerance)
    for t in SETTINGS.targets
]
RETENTION_KEYS = ["as_of", "route", "cohort", "horizon_days"]
# Each example runs the engine and the oracle on 12 dates: fewer examples than the
# metrics oracle test, which runs 2-5.
OUTLOOK_EXAMPLES = max(10, MAX_EXAMPLES // 3)


def _assert_outlook_matches(given_extracts: Extracts, as_of: dt.date, params: MetricParams) -> None:
    engine = committed_outlook(given_extracts, as_of, params, TARGETS)
    oracle = oracle_outlook(
        given_extracts,
        as_of,
        ORACLE_TARGETS,
        params.caseload_threshold,
        params.working_days_per_year,
    )
    problems = differences(
        engine, oracle, KEYS, [*NUMBERS, "target", "tolerance"], equal=["status"]
    )
    assert not problems, "\n".join(problems[:40])
    # outlook.csv order: as_of, scope, scope_value, metric.
    assert engine.select(KEYS).rows() == sorted(oracle.select(KEYS).rows())


def _assert_retention_matches(given_extracts: Extracts, as_of: dt.date) -> None:
    engine = retention_frame(given_extracts, as_of)
    oracle = oracle_retention(given_extracts, as_of)
    problems = differences(
        engine, oracle, RETENTION_KEYS, ["retained"], equal=["starters", "at_risk", "leavers"]
    )
    assert not problems, "\n".join(problems[:40])
    assert engine.select(RETENTION_KEYS).rows() == oracle.select(RETENTION_KEYS).rows()


@settings(
    max_examples=OUTLOOK_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(drops(), st.data())
def test_outlook_matches_the_spec_oracle_on_random_drops(
    drop: DrawnDrop, data: st.DataObject
) -> None:
    as_of = data.draw(st.sampled_from(drop.dates), label="as_of")
    _assert_outlook_matches(drop.extracts(), as_of, drop.params)


@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(drops(), st.data())
def test_retention_matches_the_spec_oracle_on_random_drops(
    drop: DrawnDrop, data: st.DataObject
) -> None:
    as_of = data.draw(st.sampled_from(drop.dates), label="as_of")
    _assert_retention_matches(drop.extracts(), as_of)


def test_outlook_and_retention_match_the_spec_oracle_on_the_sample_drop() -> None:
    as_of = dt.date(2026, 11, 20)
    clean = validate_drop(read_drop(SAMPLE_DROP, as_of), as_of, 0.05).extracts
    _assert_outlook_matches(clean, as_of, DEFAULT_PARAMS)
    _assert_retention_matches(clean, as_of)


def test_outlook_matches_the_spec_oracle_across_29_february_and_two_target_periods() -> None:
    as_of = dt.date(2023, 5, 31)  # outlook 30 June 2023 .. 31 May 2024
    clean = validate_drop(read_drop(SAMPLE_DROP, as_of), as_of, 0.05).extracts
    _assert_outlook_matches(clean, as_of, DEFAULT_PARAMS)
    _assert_retention_matches(clean, as_of)
