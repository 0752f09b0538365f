"""Sweep building blocks of the metrics engine: stocks of intervals and sums of events in
the 12-month window, for many as-of dates at once, without pairing every date with every
row.

A *running table* has one row per (key..., ``change_date``): the running totals, per key,
of all changes dated on or before ``change_date``. Looking a date up in it (a backward
as-of join) gives the totals on that date; a total over the window W(D) is the lookup at D
minus the lookup at D - 1 year.

The dates frame (``as_of_frame``) has one row per as-of date: ``as_of`` and
``window_start`` (D - 1 year, the excluded lower end of W(D)).

What cannot be swept is paired: ``periods_in_force`` pairs dates with the periods in force
on them (one row per date and period), so callers keep the number of dates per call
bounded (see ``transforms.metrics.engine``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

import polars as pl

from transforms.calendar import one_year_before
from transforms.periods import end_or_open
from transforms.scopes import (
    SCOPE,
    SCOPE_KEYS,
    SCOPE_VALUE,
    SERVICE_AREA,
    TEAM,
    TRUST,
    TRUST_SCOPE_VALUE,
)

AS_OF = "as_of"
WINDOW_START = "window_start"
CHANGE_DATE = "change_date"

# FTE, costs and days are summed in exact decimal arithmetic and turned into floats only
# at the end. A float sum depends on the order of its terms, which polars' parallel
# aggregation does not fix: the same date could differ in its last digit between a nightly
# run and a backfill, and 62.5 FTE would print as 62.49999999999997.
EXACT = pl.Decimal(38, 12)


def exact_sum(expr: pl.Expr) -> pl.Expr:
    """The sum of a decimal column, exact and independent of order, as a float."""
    return expr.cast(EXACT).sum().cast(pl.Float64)


def _is_decimal_like(dtype: pl.DataType) -> bool:
    return dtype.is_float() or isinstance(dtype, pl.Decimal)


def day_after(day: pl.Expr) -> pl.Expr:
    return day.dt.offset_by("1d")


def in_window(event_date: pl.Expr) -> pl.Expr:
    """``event_date`` falls in W(as_of) = (window_start, as_of]."""
    return (event_date > pl.col(WINDOW_START)) & (event_date <= pl.col(AS_OF))


def as_of_frame(dates: Sequence[date]) -> pl.DataFrame:
    """One row per distinct as-of date, sorted: ``as_of``, ``window_start``."""
    return (
        pl.DataFrame({AS_OF: list(dates)}, schema={AS_OF: pl.Date})
        .unique()
        .sort(AS_OF)
        .with_columns(one_year_before(pl.col(AS_OF)).alias(WINDOW_START))
    )


def with_scopes(
    frame: pl.LazyFrame, *, team: str = "team", service_area: str = "service_area"
) -> pl.LazyFrame:
    """One copy of each row per scope it counts in: the trust ("all"), its service area
    and its team, as ``scope`` / ``scope_value`` columns."""
    return pl.concat(
        [
            frame.with_columns(
                pl.lit(TRUST).alias(SCOPE), pl.lit(TRUST_SCOPE_VALUE).alias(SCOPE_VALUE)
            ),
            frame.with_columns(
                pl.lit(SERVICE_AREA).alias(SCOPE), pl.col(service_area).alias(SCOPE_VALUE)
            ),
            frame.with_columns(pl.lit(TEAM).alias(SCOPE), pl.col(team).alias(SCOPE_VALUE)),
        ]
    )


def interval_changes(
    intervals: pl.LazyFrame,
    *,
    start: str,
    end: str,
    keys: Sequence[str],
    values: Mapping[str, pl.Expr],
) -> pl.LazyFrame:
    """Changes that make a stock of intervals: each value is added on the interval's first
    day and taken away on the day after its last (an open interval is never taken away)."""
    opening = intervals.select(
        *keys,
        pl.col(start).alias(CHANGE_DATE),
        *(expr.alias(name) for name, expr in values.items()),
    )
    closing = intervals.filter(pl.col(end).is_not_null()).select(
        *keys,
        day_after(pl.col(end)).alias(CHANGE_DATE),
        *((-expr).alias(name) for name, expr in values.items()),
    )
    return pl.concat([opening, closing])


def event_changes(
    events: pl.LazyFrame, *, on: str, keys: Sequence[str], values: Mapping[str, pl.Expr]
) -> pl.LazyFrame:
    """Changes that make a running count/sum of dated events."""
    return events.select(
        *keys, pl.col(on).alias(CHANGE_DATE), *(expr.alias(name) for name, expr in values.items())
    )


def running_totals(changes: pl.LazyFrame, keys: Sequence[str]) -> pl.DataFrame:
    """Running totals per key, one row per (key..., change_date), sorted by change_date."""
    schema = changes.collect_schema()
    value_columns = [name for name in schema.names() if name not in (*keys, CHANGE_DATE)]
    exact_columns = [name for name in value_columns if _is_decimal_like(schema[name])]
    summed = (
        changes.with_columns(pl.col(exact_columns).cast(EXACT))
        .group_by([*keys, CHANGE_DATE])
        .agg(pl.col(value_columns).sum())
    )
    if keys:
        running = summed.sort([*keys, CHANGE_DATE]).with_columns(
            pl.col(value_columns).cum_sum().over(list(keys))
        )
    else:
        running = summed.sort(CHANGE_DATE).with_columns(pl.col(value_columns).cum_sum())
    return running.sort(CHANGE_DATE).collect()


def totals_on(
    frame: pl.LazyFrame,
    running: pl.DataFrame,
    *,
    on: str,
    keys: Sequence[str],
    rename: Mapping[str, str] | None = None,
    exact: bool = False,
) -> pl.LazyFrame:
    """Adds the running totals on the date in column ``on`` of each row of ``frame``
    (0 before the first change of the row's key). ``rename`` names the added columns.
    Decimal totals stay exact decimals with ``exact`` (for further exact arithmetic),
    else they are returned as floats."""
    value_columns = [name for name in running.columns if name not in (*keys, CHANGE_DATE)]
    names = {name: (rename or {}).get(name, name) for name in value_columns}
    right = running.lazy().select(
        *keys, CHANGE_DATE, *(pl.col(old).alias(new) for old, new in names.items())
    )
    joined = frame.sort(on).join_asof(
        right,
        left_on=on,
        right_on=CHANGE_DATE,
        by=list(keys) if keys else None,
        strategy="backward",
        check_sortedness=False,
    )
    added = joined.drop(CHANGE_DATE).with_columns(pl.col(list(names.values())).fill_null(0))
    decimals = [names[n] for n in value_columns if isinstance(running.schema[n], pl.Decimal)]
    return added if exact else added.with_columns(pl.col(decimals).cast(pl.Float64))


def window_totals(
    frame: pl.LazyFrame, running: pl.DataFrame, *, keys: Sequence[str]
) -> pl.LazyFrame:
    """Adds, for each running column, its total over W(as_of): the running total on
    ``as_of`` minus the running total on ``window_start``."""
    value_columns = [name for name in running.columns if name not in (*keys, CHANGE_DATE)]
    before = {name: f"__before_{name}" for name in value_columns}
    decimals = [n for n in value_columns if isinstance(running.schema[n], pl.Decimal)]
    return (
        totals_on(frame, running, on=AS_OF, keys=keys, exact=True)
        .pipe(totals_on, running, on=WINDOW_START, keys=keys, rename=before, exact=True)
        .with_columns((pl.col(name) - pl.col(before[name])).alias(name) for name in value_columns)
        .with_columns(pl.col(decimals).cast(pl.Float64))
        .drop(list(before.values()))
    )


def zero_when_none(total: str, count: str) -> pl.Expr:
    """A sum of floats that cancels out (added then taken away) can leave 1e-16 of noise;
    where nothing is counted the sum is exactly 0, so a zero denominator stays zero."""
    return pl.when(pl.col(count) == 0).then(0.0).otherwise(pl.col(total)).alias(total)


def periods_in_force(
    dates: pl.DataFrame, periods: pl.LazyFrame, *, start: str, end: str, on: str = AS_OF
) -> pl.LazyFrame:
    """One row per (date, period in force on it): ``start <= on`` and (``end`` empty or
    ``end >= on``), with the dates' columns beside the period's. Periods that overlap none
    of the dates are cut first: the inequality join then sorts only what can pair."""
    days = dates.get_column(on)
    first, last = days.min(), days.max()
    overlapping = periods.with_columns(end_or_open(end).alias("__period_end")).filter(
        (pl.col(start) <= pl.lit(last)) & (pl.col("__period_end") >= pl.lit(first))
    )
    return (
        dates.lazy()
        .join_where(
            overlapping,
            pl.col(start) <= pl.col(on),
            pl.col("__period_end") >= pl.col(on),
        )
        .drop("__period_end")
    )


def with_paired_totals(
    wide: pl.LazyFrame, totals: pl.LazyFrame, fill: Sequence[str]
) -> pl.LazyFrame:
    """``wide`` with per-(date, scope) ``totals`` computed by pairing; a scope without a
    paired row gets 0 in the ``fill`` columns."""
    return wide.join(totals, on=[AS_OF, *SCOPE_KEYS], how="left").with_columns(
        pl.col(list(fill)).fill_null(0)
    )
