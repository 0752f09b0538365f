"""Looking forward from the as-of date D (``shared/spec/outlook.md`` §1, §2 and §4).

Grains:
- ``select_outlook`` / ``committed_outlook``: one row per (as_of, scope, scope_value,
  metric) of the stock metrics on the 12 month-ends after D, in the columns of the metrics
  frame with targets (``outlook.csv``);
- ``what_it_takes``: one row per scope (trust, service area, team) appearing on the first
  financial year-end after D that has an ``agency_rate`` target: the committed rate, the
  target and the FTE each lever needs to bring the rate to the target;
- ``milestone_progress``: one row per configured recruitment milestone.

The outlook is the metrics engine run on future dates with today's rows (never a second
implementation): "if nothing else changes", not a forecast.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol

import polars as pl

from transforms.calendar import financial_year_end
from transforms.metrics import MetricParams
from transforms.retention import ALL, routed_starters
from transforms.schema import Extracts
from transforms.scopes import SCOPE, SCOPE_KEYS, SCOPE_LEVELS, SCOPE_VALUE
from transforms.targets import (
    COMPARISON_DECIMALS,
    MET,
    MISSED,
    metrics_with_targets,
    with_covering_target,
)

OUTLOOK_MONTHS = 12

# The stock metrics of outlook.md §1, in definition order. Flows (12-month windows),
# caseloads and absence are not projected.
OUTLOOK_METRICS: tuple[str, ...] = (
    "employed_fte",
    "employed_headcount",
    "agency_fte",
    "agency_headcount",
    "agency_rate",
    "agency_rate_headcount",
    "agency_to_permanent_ratio",
    "vacancy_fte",
    "vacancy_rate",
    "vacancy_agency_cover_rate",
)

# The KPI whose target "what it takes" is about, and the two stocks it is made of.
LEVER_METRIC = "agency_rate"
_AGENCY_FTE = "agency_fte"
_EMPLOYED_FTE = "employed_fte"

STRICT = "<"
IN_PROGRESS = "in_progress"

WHAT_IT_TAKES_SCHEMA: dict[str, pl.DataType] = {
    "year_end": pl.Date(),
    "scope": pl.String(),
    "scope_value": pl.String(),
    "agency_fte": pl.Float64(),
    "employed_fte": pl.Float64(),
    "committed_rate": pl.Float64(),  # null: no social-work FTE at all on the year-end
    "target": pl.Float64(),
    "tolerance": pl.Float64(),
    "comparison": pl.String(),
    "status": pl.String(),
    # FTE each lever alone needs: 0 when the committed rate meets the target; null when
    # there is no rate, or when that lever alone can never meet the target.
    "convert_fte": pl.Float64(),
    "end_agency_fte": pl.Float64(),
    "add_permanent_fte": pl.Float64(),
    # The comparison is strict: the need is "more than" the figure.
    "more_than": pl.Boolean(),
    # The figures rounded up to one decimal place of FTE, for display.
    "convert_fte_display": pl.Float64(),
    "end_agency_fte_display": pl.Float64(),
    "add_permanent_fte_display": pl.Float64(),
}
LEVERS: tuple[str, ...] = ("convert_fte", "end_agency_fte", "add_permanent_fte")

MILESTONES_SCHEMA: dict[str, pl.DataType] = {
    "route": pl.String(),
    "from_date": pl.Date(),
    "to_date": pl.Date(),
    "count": pl.Int64(),
}
MILESTONE_PROGRESS_SCHEMA: dict[str, pl.DataType] = {
    **MILESTONES_SCHEMA,
    "starters": pl.Int64(),  # starters of the route in the period, started on or before D
    "starters_booked": pl.Int64(),  # starters of the route in the period starting after D
    "status": pl.String(),  # met / missed once the period has ended, else in_progress
}

_SCOPE_ORDER = {level: rank for rank, level in enumerate(SCOPE_LEVELS)}


# --- the committed outlook (§1) -----------------------------------------------------------


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def outlook_dates(as_of: date, months: int = OUTLOOK_MONTHS) -> list[date]:
    """The ``months`` month-ends after ``as_of``, oldest first (``as_of`` itself is never
    one of them, even when it is a month-end)."""
    first = _month_end(as_of.year, as_of.month)
    year, month = as_of.year, as_of.month
    if first == as_of:
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    ends = []
    for _ in range(months):
        ends.append(_month_end(year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return ends


def target_year_end(as_of: date, targets: pl.DataFrame) -> date | None:
    """The first financial year-end (31 March) after ``as_of`` that an ``agency_rate``
    target period covers, or None when no later year-end has one."""
    periods = targets.filter(pl.col("metric") == LEVER_METRIC)
    if periods.is_empty():
        return None
    first = financial_year_end(as_of + timedelta(days=1))
    last_needed = max(
        financial_year_end(end if end is not None else start)
        for start, end in periods.select("from_date", "to_date").iter_rows()
    )
    candidates = [
        first.replace(year=year) for year in range(first.year, max(first, last_needed).year + 1)
    ]
    covered = with_covering_target(
        pl.DataFrame(
            {"as_of": candidates, "metric": [LEVER_METRIC] * len(candidates)},
            schema={"as_of": pl.Date, "metric": pl.String},
        ),
        targets,
    ).filter(pl.col("target").is_not_null())
    return None if covered.is_empty() else covered.get_column("as_of").min()  # type: ignore[return-value]


def forward_dates(as_of: date, targets: pl.DataFrame) -> list[date]:
    """Every date the forward view needs from the engine: the outlook dates and the target
    year-end of "what it takes" (beyond the outlook when the next year-end has no
    target)."""
    year_end = target_year_end(as_of, targets)
    return sorted({*outlook_dates(as_of), *([year_end] if year_end else [])})


def _rows_on(metrics: pl.DataFrame, dates: list[date]) -> pl.DataFrame:
    rows = metrics.filter(pl.col("as_of").is_in(dates))
    missing = sorted(set(dates) - set(rows.get_column("as_of").unique().to_list()))
    if missing:
        raise ValueError(
            "the metrics frame has no rows for " + ", ".join(day.isoformat() for day in missing)
        )
    return rows


def select_outlook(metrics: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """The committed outlook of ``as_of`` taken from a metrics frame with targets that the
    caller computed for a set of dates including ``outlook_dates(as_of)`` (a ValueError
    names any that is missing): rows and columns unchanged, sorted as ``metrics.csv``."""
    return (
        _rows_on(metrics, outlook_dates(as_of))
        .filter(pl.col("metric").is_in(OUTLOOK_METRICS))
        .sort(["as_of", "scope", "scope_value", "metric"])
    )


def committed_outlook(
    extracts: Extracts, as_of: date, params: MetricParams, targets: pl.DataFrame
) -> pl.DataFrame:
    """The committed outlook of ``as_of``, computed by the metrics engine."""
    return select_outlook(
        metrics_with_targets(extracts, outlook_dates(as_of), params, targets), as_of
    )


# --- what it takes (§2) -------------------------------------------------------------------


def round_up_to_tenth(value: pl.Expr) -> pl.Expr:
    """Rounded up to one decimal place, ignoring float noise below the comparison
    precision (so 0.30000000000000004 shows as 0.3, not 0.4)."""
    # The final round gives the shortest float of the tenth (7 / 10 can come out as
    # 0.7000000000000001 when polars multiplies by 0.1 instead).
    return ((value * 10).round(COMPARISON_DECIMALS - 1).ceil() / 10).round(1)


def lever_columns() -> list[pl.Expr]:
    """The three levers from ``agency_fte`` (A), ``employed_fte`` (E), ``target`` (t),
    ``comparison`` and ``status`` columns, and ``more_than``.

    Each alone brings the rate A / (A + E) to t: convert y = A − t·(A + E) agency FTE to
    permanent; end y = A − t·E / (1 − t) agency FTE; add z = A / t − A − E permanent FTE.
    0 when the status is met. Null when there is no rate (A + E = 0), and where the lever
    alone cannot meet the target: adding permanent staff when t = 0 (the rate never
    reaches 0 while there is agency); ending agency when E = 0 (the rate stays 1, or has
    no value once all agency has ended); converting or ending all agency when the target
    is strictly below 0 (``< 0``: no rate is)."""
    a, e, t = pl.col(_AGENCY_FTE), pl.col(_EMPLOYED_FTE), pl.col("target")
    strict = pl.col("comparison") == STRICT
    no_rate = (a + e) == 0
    met = pl.col("status") == MET
    unreachable_by_removing = (t == 0) & strict

    def lever(formula: pl.Expr, impossible: pl.Expr) -> pl.Expr:
        return (
            pl.when(no_rate | pl.col("target").is_null())
            .then(None)
            .when(met)
            .then(0.0)
            .when(impossible)
            .then(None)
            .otherwise(formula.clip(lower_bound=0.0))
        )

    return [
        lever(a - t * (a + e), unreachable_by_removing).alias("convert_fte"),
        lever(a - t * e / (1 - t), unreachable_by_removing | (e == 0)).alias("end_agency_fte"),
        lever(a / t - a - e, t == 0).alias("add_permanent_fte"),
        (strict & ~met & ~no_rate & pl.col("target").is_not_null()).alias("more_than"),
    ]


def what_it_takes(metrics: pl.DataFrame, as_of: date, targets: pl.DataFrame) -> pl.DataFrame:
    """What it takes to meet the ``agency_rate`` target on the first financial year-end Y
    after ``as_of`` that has one, for the trust and each service area and team appearing
    on Y, from a metrics frame with targets that includes Y (``forward_dates``). No rows
    when no later year-end has a target. Sorted trust, service areas, teams."""
    year_end = target_year_end(as_of, targets)
    if year_end is None:
        return pl.DataFrame(schema=WHAT_IT_TAKES_SCHEMA)
    on_year_end = _rows_on(metrics, [year_end])
    fte = on_year_end.filter(pl.col("metric").is_in([_AGENCY_FTE, _EMPLOYED_FTE])).pivot(
        on="metric", index=list(SCOPE_KEYS), values="value"
    )
    rates = with_covering_target(
        on_year_end.filter(pl.col("metric") == LEVER_METRIC).drop("target", "tolerance"),
        targets,
    ).select(
        pl.col("as_of").alias("year_end"),
        "scope",
        "scope_value",
        pl.col("value").alias("committed_rate"),
        "target",
        "tolerance",
        "comparison",
        "status",
    )
    scope_rank = pl.col(SCOPE).replace_strict(_SCOPE_ORDER, default=len(_SCOPE_ORDER))
    return (
        rates.join(fte, on=list(SCOPE_KEYS), how="left")
        .with_columns(lever_columns())
        .with_columns(round_up_to_tenth(pl.col(name)).alias(f"{name}_display") for name in LEVERS)
        .sort(scope_rank, SCOPE_VALUE)
        .select(list(WHAT_IT_TAKES_SCHEMA))
        .cast(WHAT_IT_TAKES_SCHEMA)  # type: ignore[arg-type]
    )


@dataclass(frozen=True)
class ForwardView:
    outlook: pl.DataFrame  # outlook.csv rows
    what_it_takes: pl.DataFrame


def forward_view(
    extracts: Extracts, as_of: date, params: MetricParams, targets: pl.DataFrame
) -> ForwardView:
    """The committed outlook and what it takes, from one engine pass over
    ``forward_dates``."""
    metrics = metrics_with_targets(extracts, forward_dates(as_of, targets), params, targets)
    return ForwardView(
        outlook=select_outlook(metrics, as_of),
        what_it_takes=what_it_takes(metrics, as_of, targets),
    )


# --- recruitment milestones (§4) ----------------------------------------------------------


class MilestoneLike(Protocol):
    """What ``workforce.settings.Milestone`` offers (read-only here)."""

    @property
    def route(self) -> str: ...
    @property
    def from_date(self) -> date: ...
    @property
    def to_date(self) -> date: ...
    @property
    def count(self) -> int: ...


def milestones_frame(milestones: Iterable[MilestoneLike]) -> pl.DataFrame:
    """The configured milestones as a frame, in configuration order."""
    rows = [
        {"route": m.route, "from_date": m.from_date, "to_date": m.to_date, "count": m.count}
        for m in milestones
    ]
    return pl.DataFrame(rows, schema=MILESTONES_SCHEMA)


def milestone_progress(extracts: Extracts, as_of: date, milestones: pl.DataFrame) -> pl.DataFrame:
    """Each milestone with its starters: starter events of its route (``all``: every route)
    whose ``start_date`` is in [from, to] and on or before ``as_of``, and those booked to
    start later in the period. A period has ended once its last day is on or before
    ``as_of`` (``to ≤ D``: every start in it is then in the extract as of D); it is then
    met when starters reach the count, else missed; before, in progress."""
    day = pl.lit(as_of)
    starters = routed_starters(extracts).select("route", "start_date")
    indexed = milestones.lazy().with_row_index("__milestone")
    in_period = (
        indexed.join(starters.rename({"route": "__route"}), how="cross")
        .filter(
            ((pl.col("route") == ALL) | (pl.col("route") == pl.col("__route")))
            & (pl.col("start_date") >= pl.col("from_date"))
            & (pl.col("start_date") <= pl.col("to_date"))
        )
        .group_by("__milestone")
        .agg(
            (pl.col("start_date") <= day).sum().cast(pl.Int64).alias("starters"),
            (pl.col("start_date") > day).sum().cast(pl.Int64).alias("starters_booked"),
        )
    )
    ended = pl.col("to_date") <= day
    return (
        indexed.join(in_period, on="__milestone", how="left")
        .sort("__milestone")
        .with_columns(pl.col("starters", "starters_booked").fill_null(0))
        .with_columns(
            pl.when(~ended)
            .then(pl.lit(IN_PROGRESS))
            .when(pl.col("starters") >= pl.col("count"))
            .then(pl.lit(MET))
            .otherwise(pl.lit(MISSED))
            .alias("status")
        )
        .select(list(MILESTONE_PROGRESS_SCHEMA))
        .collect()
        .cast(MILESTONE_PROGRESS_SCHEMA)  # type: ignore[arg-type]
    )
