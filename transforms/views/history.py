"""A run's metrics as the reports read them: every date's rows in one frame, pivoted wide,
laid out by scope, and the month-end trend.

Grains: ``metric_history`` one row per (as-of date, scope, scope value, metric) for the
as-of date and every trend date; ``wide_metrics`` one row per index value with a column
per metric (plus ``<metric>__target``/``__status``); ``by_scope`` one row per scope on one
date, Trust first, then each service area followed by its teams; ``month_end_trend`` one
row per month-end of the trend, then the as-of date (never another day).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import polars as pl

from transforms.definitions import METRICS, METRICS_CSV_COLUMNS
from transforms.metrics.events import social_work_rows
from transforms.schema import Extracts
from transforms.scopes import SCOPE, SCOPE_VALUE, SERVICE_AREA, TEAM, TRUST
from transforms.views.labels import LEVEL_WORDS

TEAM_AREAS_SCHEMA: dict[str, pl.DataType] = {"team": pl.String(), "service_area": pl.String()}


def metric_history(metrics: pl.DataFrame, trend: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """Metrics rows for every date; the as-of date's rows come from ``metrics``."""
    columns = [pl.col(name) for name in METRICS_CSV_COLUMNS]
    current = metrics.select(columns)
    earlier = trend.select(columns).filter(pl.col("as_of") != as_of)
    if current.height == 0:
        earlier = trend.select(columns)
    combined = pl.concat([current, earlier], how="vertical_relaxed")
    return combined.with_columns(
        pl.col("value", "numerator", "denominator", "target", "tolerance").cast(pl.Float64),
        pl.col("as_of").cast(pl.Date),
    ).unique(["as_of", "scope", "scope_value", "metric"], keep="first", maintain_order=True)


def wide_metrics(long: pl.DataFrame, index: list[str], names: Sequence[str]) -> pl.DataFrame:
    """Pivot long metric rows: a value column per metric, plus ``<metric>__target`` and
    ``<metric>__status``; metrics absent from ``long`` are empty columns."""
    base = long.select(index).unique(maintain_order=True)
    for name in names:
        part = long.filter(pl.col("metric") == name).select(
            *index,
            pl.col("value").alias(name),
            pl.col("target").alias(f"{name}__target"),
            pl.col("status").alias(f"{name}__status"),
        )
        base = base.join(part, on=index, how="left", nulls_equal=True)
    return base


def team_areas(extracts: Extracts) -> pl.DataFrame:
    """Each team named by a social-work row of the staff, agency or establishment extract,
    with its service area (two areas joined with ", " when the extracts disagree)."""
    frames = [
        social_work_rows(frame).select("team", "service_area")
        for frame in (extracts.staff, extracts.agency, extracts.establishment)
        if frame is not None
    ]
    return (
        pl.concat(frames)
        .drop_nulls()
        .unique()
        .group_by("team")
        .agg(pl.col("service_area").sort().str.join(", "))
        .sort("team")
        .collect()
        .cast(TEAM_AREAS_SCHEMA)  # type: ignore[arg-type]
    )


def by_scope(
    history: pl.DataFrame, as_of: date, names: Sequence[str], areas: pl.DataFrame
) -> pl.DataFrame:
    """One row per scope on ``as_of`` with a column per metric in ``names``, and ``level``
    (in words), ``service_area``, ``team`` and ``name`` (the Trust, the area or the team):
    the Trust first, then each service area followed by its teams (so a team reads under
    its area)."""
    on_date = history.filter(pl.col("as_of") == as_of)
    wide = wide_metrics(on_date, [SCOPE, SCOPE_VALUE], names)
    scope = pl.col(SCOPE)
    area_of_team = areas.rename({"team": "__team", "service_area": "__area"})
    return (
        wide.join(area_of_team, left_on=SCOPE_VALUE, right_on="__team", how="left")
        .with_columns(
            level=scope.replace_strict(LEVEL_WORDS, default=scope),
            service_area=pl.when(scope == SERVICE_AREA)
            .then(pl.col(SCOPE_VALUE))
            .when(scope == TEAM)
            .then(pl.col("__area")),
            team=pl.when(scope == TEAM).then(pl.col(SCOPE_VALUE)),
            name=pl.when(scope == TRUST)
            .then(pl.lit(LEVEL_WORDS[TRUST]))
            .otherwise(pl.col(SCOPE_VALUE)),
            __is_trust=scope != TRUST,
            __is_team=scope == TEAM,
        )
        .sort("__is_trust", "service_area", "__is_team", "team", nulls_last=True)
        .drop("__area", "__is_trust", "__is_team")
    )


def is_month_end_or(day: date) -> pl.Expr:
    """True for a month-end or ``day`` itself."""
    as_of = pl.col("as_of")
    return (as_of.dt.month_end() == as_of) | (as_of == pl.lit(day))


def month_end_trend(history: pl.DataFrame, as_of: date, names: Sequence[str]) -> pl.DataFrame:
    """The Trust's metrics in ``names`` on each month-end of the trend, then ``as_of``,
    oldest first (one row per date)."""
    trust = history.filter(
        (pl.col(SCOPE) == TRUST) & is_month_end_or(as_of) & (pl.col("as_of") <= as_of)
    )
    return wide_metrics(trust, ["as_of"], names).sort("as_of")


def metrics_listing(metrics: pl.DataFrame) -> pl.DataFrame:
    """``metrics.csv`` rows as the Metrics sheet lists them (one row per scope and metric):
    the level in words, the Trust named "Trust" (the CSV's ``all``), the measure's label
    beside its id, the tolerance in points; the Trust first, then service areas, then
    teams, each by name and metric."""
    level_rank = {level: rank for rank, level in enumerate((TRUST, SERVICE_AREA, TEAM))}
    labels = {definition.name: definition.label for definition in METRICS}
    scope = pl.col(SCOPE)
    return (
        metrics.with_columns(
            pl.col("as_of").cast(pl.Date),
            pl.col("value", "numerator", "denominator", "target", "tolerance").cast(pl.Float64),
            level=scope.replace_strict(LEVEL_WORDS, default=scope),
            name=pl.when(scope == TRUST)
            .then(pl.lit(LEVEL_WORDS[TRUST]))
            .otherwise(pl.col(SCOPE_VALUE)),
            label=pl.col("metric").replace_strict(labels, default=pl.col("metric")),
            tolerance_points=pl.col("tolerance").cast(pl.Float64) * 100,
            _level=scope.replace_strict(level_rank, default=len(level_rank), return_dtype=pl.Int64),
        )
        .sort("as_of", "_level", SCOPE_VALUE, "metric")
        .drop("_level")
    )
