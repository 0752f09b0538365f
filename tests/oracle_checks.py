"""Comparing a frame of the metrics engine with the spec oracle's (no tests here).

Grain: one row per (as_of, scope, scope_value, metric) on both sides; rows must match as
a set, nulls must be in the same places and numbers agree to a relative 1e-9.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from collections.abc import Sequence

import polars as pl

from tests.spec_oracle import oracle_metrics
from transforms.metrics import MetricParams, compute_metrics
from transforms.schema import Extracts

KEYS = ["as_of", "scope", "scope_value", "metric"]
NUMBERS = ["value", "numerator", "denominator"]
MAX_EXAMPLES = int(os.environ.get("SPEC_ORACLE_MAX_EXAMPLES", "100"))
RELATIVE_TOLERANCE = 1e-9


def close(engine: float | None, oracle: float | None) -> bool:
    if engine is None or oracle is None:
        return engine is None and oracle is None
    return math.isclose(engine, oracle, rel_tol=RELATIVE_TOLERANCE, abs_tol=0.0)


def differences(
    engine: pl.DataFrame,
    oracle: pl.DataFrame,
    keys: Sequence[str] = KEYS,
    numbers: Sequence[str] = NUMBERS,
    equal: Sequence[str] = (),
) -> list[str]:
    """Every row present on one side only, every number that differs (``numbers``, to a
    relative 1e-9) and every other value that differs (``equal``), as text."""
    engine_rows = {tuple(r[k] for k in keys): r for r in engine.to_dicts()}
    oracle_rows = {tuple(r[k] for k in keys): r for r in oracle.to_dicts()}
    problems = [f"engine only: {key}" for key in sorted(engine_rows.keys() - oracle_rows)]
    problems += [f"oracle only: {key}" for key in sorted(oracle_rows.keys() - engine_rows)]
    for key in sorted(engine_rows.keys() & oracle_rows.keys()):
        for column in numbers:
            got, want = engine_rows[key][column], oracle_rows[key][column]
            if not close(got, want):
                problems.append(f"{key} {column}: engine {got!r}, oracle {want!r}")
        for column in equal:
            got, want = engine_rows[key][column], oracle_rows[key][column]
            if got != want:
                problems.append(f"{key} {column}: engine {got!r}, oracle {want!r}")
    if len(engine_rows) != engine.height:
        problems.append(f"engine has duplicated ({', '.join(keys)}) rows")
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
