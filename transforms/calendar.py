"""Date helpers for as-of dates: month-ends, the same day a year earlier, trend dates,
the glide path between financial year-end targets and a straight-line projection of a
trend to the financial year-end.

Pure: no I/O. The glide path is a polars expression over a date column (one value per
row of whatever frame it is applied to); the projection reduces a trend frame (one row
per as-of date) to one number.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol

import polars as pl

FINANCIAL_YEAR_END_MONTH = 3
FINANCIAL_YEAR_END_DAY = 31
PROJECTION_POINTS = 6


def last_month_end(as_of: date) -> date:
    """The latest month-end strictly before ``as_of`` (so 31 Mar -> 28/29 Feb)."""
    return as_of.replace(day=1) - timedelta(days=1)


def month_ends(as_of: date, n: int) -> list[date]:
    """The ``n`` month-ends strictly before ``as_of``, oldest first."""
    if n < 0:
        raise ValueError("n must not be negative")
    ends: list[date] = []
    current = as_of
    for _ in range(n):
        current = last_month_end(current)
        ends.append(current)
    ends.reverse()
    return ends


def one_year_before(day: pl.Expr) -> pl.Expr:
    """The same day a year earlier (the lower end of the window W(D) of metrics.md);
    29 February falls back to 28 February."""
    return day.dt.offset_by("-1y")


def year_earlier(as_of: date) -> date:
    """``one_year_before`` of one date."""
    earlier: date = pl.select(one_year_before(pl.lit(as_of))).item()
    return earlier


def trend_dates(as_of: date, months: int = 24) -> list[date]:
    """Every date a trend needs: the ``months`` month-ends before ``as_of``, the day a year
    earlier and ``as_of`` itself; sorted, without duplicates."""
    return sorted({*month_ends(as_of, months), year_earlier(as_of), as_of})


def financial_year_end(day: date) -> date:
    """The 31 March that closes the financial year containing ``day``."""
    closing = date(day.year, FINANCIAL_YEAR_END_MONTH, FINANCIAL_YEAR_END_DAY)
    return closing if day <= closing else closing.replace(year=day.year + 1)


class TargetPeriod(Protocol):
    """A target over an inclusive period (``to_date`` None = open-ended); the settings'
    ``Target`` model satisfies it."""

    @property
    def from_date(self) -> date: ...

    @property
    def to_date(self) -> date | None: ...

    @property
    def target(self) -> float: ...


@dataclass(frozen=True)
class GlidePoint:
    """The value the glide path reaches on a financial year-end."""

    on: date
    value: float


def glide_points(targets: Sequence[TargetPeriod]) -> list[GlidePoint]:
    """One point per target period, at the financial year-end that closes it (for an
    open-ended period, the year-end of its first year), oldest first."""
    by_year_end: dict[date, float] = {}
    for period in sorted(targets, key=lambda t: t.from_date):
        # Two periods closing in the same financial year: the later one's target stands.
        by_year_end[financial_year_end(period.to_date or period.from_date)] = period.target
    return [GlidePoint(on, float(value)) for on, value in sorted(by_year_end.items())]


def glide_path(date_column: str | pl.Expr, targets: Sequence[TargetPeriod]) -> pl.Expr:
    """Straight lines between the year-end targets: on a year-end the path is that year's
    target; between two year-ends it is interpolated by day. From the start of the first
    target period up to its year-end it holds the first target, after the last year-end
    it holds the last target, and before any target period it is empty."""
    day = pl.col(date_column) if isinstance(date_column, str) else date_column
    points = glide_points(targets)
    if not points:
        return pl.lit(None, dtype=pl.Float64)
    first_start = min(t.from_date for t in targets)
    day_number = day.cast(pl.Date).cast(pl.Int64)
    # Built from the last segment backwards so each step is a plain when/then/otherwise.
    path: pl.Expr = pl.lit(points[-1].value, dtype=pl.Float64)
    for earlier, later in reversed(list(itertools.pairwise(points))):
        start = _epoch_days(earlier.on)
        slope = (later.value - earlier.value) / (_epoch_days(later.on) - start)
        path = (
            pl.when(day <= pl.lit(later.on))
            .then(pl.lit(earlier.value) + (day_number - start) * slope)
            .otherwise(path)
        )
    path = pl.when(day <= pl.lit(points[0].on)).then(pl.lit(points[0].value)).otherwise(path)
    return (
        pl.when(day < pl.lit(first_start))
        .then(pl.lit(None, dtype=pl.Float64))
        .otherwise(path)
        .cast(pl.Float64)
    )


def _epoch_days(day: date) -> int:
    return (day - date(1970, 1, 1)).days


@dataclass(frozen=True)
class Projection:
    """A projection (not a measurement) of a metric at a financial year-end from a
    least-squares straight line through recent month-end values."""

    year_end: date
    value: float | None
    points_used: int
    first_date: date | None
    last_date: date | None


def project_to_year_end(
    trend: pl.DataFrame,
    as_of: date,
    *,
    date_column: str = "as_of",
    value_column: str = "value",
    points: int = PROJECTION_POINTS,
) -> Projection:
    """Fit a least-squares line through the last ``points`` month-end values on or before
    ``as_of`` (rows with an empty value are skipped) and read it at the financial year-end
    of ``as_of``. Needs at least two distinct dates; otherwise the value is empty."""
    year_end = financial_year_end(as_of)
    is_month_end = pl.col(date_column).dt.month_end() == pl.col(date_column)
    recent = (
        trend.filter(
            is_month_end,
            pl.col(date_column) <= as_of,
            pl.col(value_column).is_not_null() & pl.col(value_column).is_finite(),
        )
        .sort(date_column)
        .tail(points)
        .select(
            pl.col(date_column),
            pl.col(date_column).cast(pl.Int64).cast(pl.Float64).alias("_x"),
            pl.col(value_column).cast(pl.Float64).alias("_y"),
        )
    )
    if recent.height == 0:
        return Projection(year_end, None, 0, None, None)
    first_date: date = recent[date_column].min()  # type: ignore[assignment]
    last_date: date = recent[date_column].max()  # type: ignore[assignment]
    if recent["_x"].n_unique() < 2:
        return Projection(year_end, None, recent.height, first_date, last_date)
    fit = recent.select(
        slope=((pl.col("_x") - pl.col("_x").mean()) * (pl.col("_y") - pl.col("_y").mean())).sum()
        / ((pl.col("_x") - pl.col("_x").mean()) ** 2).sum(),
        x_mean=pl.col("_x").mean(),
        y_mean=pl.col("_y").mean(),
    ).row(0, named=True)
    value = fit["y_mean"] + fit["slope"] * (_epoch_days(year_end) - fit["x_mean"])
    return Projection(year_end, float(value), recent.height, first_date, last_date)
