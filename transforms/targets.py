"""Targets and RAG status of ``shared/spec/metrics.md`` ("Targets and status").

Grains:
- ``targets_frame``: one row per configured target period of a metric;
- ``apply_targets``: the metrics frame unchanged in rows and order (one row per as_of,
  scope, scope_value, metric), with ``target``, ``tolerance`` and ``status`` added;
- ``with_covering_target``: any frame with ``as_of`` and ``metric``, unchanged in rows and
  order, with the covering period's ``comparison``, ``target`` and ``tolerance`` added.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Protocol

import polars as pl

from transforms.metrics import MetricParams, compute_metrics
from transforms.schema import Extracts

TARGETS_SCHEMA: dict[str, pl.DataType] = {
    "metric": pl.String(),
    "from_date": pl.Date(),
    "to_date": pl.Date(),  # null: open-ended
    "comparison": pl.String(),  # "<" or "<="
    "target": pl.Float64(),
    "tolerance": pl.Float64(),
}

NO_TARGET = "no_target"
NO_DATA = "no_data"
MET = "met"
WITHIN_TOLERANCE = "within_tolerance"
MISSED = "missed"

# Floating-point noise must never flip a status: comparisons are made on values rounded
# to this many decimal places.
COMPARISON_DECIMALS = 9


class TargetLike(Protocol):
    """What ``workforce.settings.Target`` offers (read-only here)."""

    @property
    def metric(self) -> str: ...
    @property
    def from_date(self) -> date: ...
    @property
    def to_date(self) -> date | None: ...
    @property
    def comparison(self) -> str: ...
    @property
    def target(self) -> float: ...
    @property
    def tolerance(self) -> float: ...


def targets_frame(targets: Iterable[TargetLike]) -> pl.DataFrame:
    """The configured targets as a frame, in configuration order (which decides the
    winner if two periods of one metric ever cover the same date)."""
    rows = [
        {
            "metric": target.metric,
            "from_date": target.from_date,
            "to_date": target.to_date,
            "comparison": target.comparison,
            "target": float(target.target),
            "tolerance": float(target.tolerance),
        }
        for target in targets
    ]
    return pl.DataFrame(rows, schema=TARGETS_SCHEMA)


def status_expr(
    value: pl.Expr, comparison: pl.Expr, target: pl.Expr, tolerance: pl.Expr
) -> pl.Expr:
    """Status of one row, first match wins: no_target, no_data, met, within_tolerance,
    missed. ``comparison`` is "<" or "<="."""
    rounded = value.round(COMPARISON_DECIMALS)
    goal = target.round(COMPARISON_DECIMALS)
    limit = (target + tolerance).round(COMPARISON_DECIMALS)
    met = pl.when(comparison == "<").then(rounded < goal).otherwise(rounded <= goal)
    return (
        pl.when(target.is_null())
        .then(pl.lit(NO_TARGET))
        .when(value.is_null())
        .then(pl.lit(NO_DATA))
        .when(met)
        .then(pl.lit(MET))
        .when(rounded <= limit)
        .then(pl.lit(WITHIN_TOLERANCE))
        .otherwise(pl.lit(MISSED))
    )


def with_covering_target(frame: pl.DataFrame, targets: pl.DataFrame) -> pl.DataFrame:
    """Adds ``comparison``, ``target`` and ``tolerance`` of the target period covering each
    row's ``as_of`` for its ``metric`` (null where none does) to a frame with those two
    columns at least; rows and order unchanged. When two periods of one metric cover a
    date, the first in configuration order wins."""
    periods = targets.select(list(TARGETS_SCHEMA)).with_row_index("__period")
    indexed = frame.with_row_index("__row")
    covering = (
        indexed.select("__row", "as_of", "metric")
        .join(periods, on="metric", how="inner")
        .filter(
            (pl.col("from_date") <= pl.col("as_of"))
            & (pl.col("to_date").is_null() | (pl.col("to_date") >= pl.col("as_of")))
        )
        .sort("__period")
        .unique(subset="__row", keep="first")
        .select("__row", "comparison", "target", "tolerance")
    )
    return indexed.join(covering, on="__row", how="left").sort("__row").drop("__row")


def apply_targets(metrics: pl.DataFrame, targets: pl.DataFrame) -> pl.DataFrame:
    """Adds ``target``, ``tolerance`` (Float64, null where no target period covers the
    row's as_of) and ``status`` to a metrics frame (columns as_of, metric, value at
    least). Targets apply at every scope."""
    return (
        with_covering_target(metrics, targets)
        .with_columns(
            status_expr(
                pl.col("value"), pl.col("comparison"), pl.col("target"), pl.col("tolerance")
            ).alias("status")
        )
        .drop("comparison")
    )


def metrics_with_targets(
    extracts: Extracts,
    as_of_dates: Sequence[date],
    params: MetricParams,
    targets: pl.DataFrame,
) -> pl.DataFrame:
    """Metrics for many dates in one vectorised pass (``compute_metrics``), with target
    and status."""
    return apply_targets(compute_metrics(extracts, as_of_dates, params), targets)
