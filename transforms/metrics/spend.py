"""Agency spend in the 12 months to the as-of date: each social-work assignment's weekly
charge times the days it ran inside W(D), divided by 7.

Grain of the totals added to the wide frame: one row per (as-of date, scope, scope value)
with ``agency_spend_12m``. Spend is a sweep of exact decimal running totals (see
``spend_changes``), so it is never rounded before the last division.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import polars as pl

from transforms.metrics.base import ONE, ZERO, Formula, Workforce
from transforms.metrics.sweep import (
    AS_OF,
    CHANGE_DATE,
    EXACT,
    WINDOW_START,
    day_after,
    running_totals,
    totals_on,
    with_scopes,
)
from transforms.scopes import SCOPE_KEYS

# Used only when there is no assignment at all (any day would do).
_FALLBACK_EPOCH = date(2000, 1, 1)


def spend_epoch(agency: pl.DataFrame) -> date:
    """Day 0 for spend arithmetic: the earliest assignment start, so day counts (and the
    size of the running products) stay small."""
    earliest = agency.get_column("start_date").min() if agency.height else None
    return earliest if isinstance(earliest, date) else _FALLBACK_EPOCH


def days_since(day: pl.Expr, epoch: date) -> pl.Expr:
    """Whole days from ``epoch`` to ``day`` (Int64)."""
    return (day - pl.lit(epoch)).dt.total_days().cast(pl.Int64)


def spend_changes(agency: pl.LazyFrame, epoch: date) -> pl.LazyFrame:
    """Spend as a sweep: an assignment adds weekly_cost / 7 per day from its start to its
    end. With running totals R(t) = sum of weekly costs and P(t) = sum of weekly cost x
    change day, seven times the spend of all days up to t is (t + 1) x R(t) - P(t), so the
    spend in W(D) is that on D minus that on D - 1 year, divided by 7 once at the end (all
    in exact decimals until then). ``spend_started_n`` and ``spend_stopped_n`` count
    assignments, so a window that no costed assignment touches is exactly 0."""
    costed = with_scopes(agency.filter(pl.col("weekly_cost") > 0)).with_columns(
        pl.col("weekly_cost").cast(EXACT).alias("__rate")
    )
    opening = costed.select(
        *SCOPE_KEYS,
        pl.col("start_date").alias(CHANGE_DATE),
        pl.col("__rate").alias("spend_rate"),
        (pl.col("__rate") * days_since(pl.col("start_date"), epoch)).alias("spend_rate_day"),
        ONE.alias("spend_started_n"),
        ZERO.alias("spend_stopped_n"),
    )
    stop = day_after(pl.col("end_date"))
    closing = costed.filter(pl.col("end_date").is_not_null()).select(
        *SCOPE_KEYS,
        stop.alias(CHANGE_DATE),
        (-pl.col("__rate")).alias("spend_rate"),
        (-pl.col("__rate") * days_since(stop, epoch)).alias("spend_rate_day"),
        ZERO.alias("spend_started_n"),
        ONE.alias("spend_stopped_n"),
    )
    return pl.concat([opening, closing])


class Spend:
    """Agency spend in each date's window."""

    def __init__(self, workforce: Workforce) -> None:
        self._epoch = spend_epoch(workforce.extracts.agency)
        self._flow = running_totals(spend_changes(workforce.agency.lazy(), self._epoch), SCOPE_KEYS)

    def add_totals(self, wide: pl.LazyFrame, dates: pl.DataFrame) -> pl.LazyFrame:
        flow, epoch = self._flow, self._epoch

        def spent_to(day: str, rate: str, rate_day: str) -> pl.Expr:
            return (days_since(pl.col(day), epoch) + 1) * pl.col(rate) - pl.col(rate_day)

        now = {
            "spend_rate": "__rate_now",
            "spend_rate_day": "__rate_day_now",
            "spend_started_n": "__started_now",
            "spend_stopped_n": "__stopped_now",
        }
        before = {name: f"{alias}_before" for name, alias in now.items()}
        first_day = {name: f"{alias}_first" for name, alias in now.items()}
        temporary = [*now.values(), *before.values(), *first_day.values(), "__window_first_day"]
        touching = pl.col("__started_now") - pl.col("__stopped_now_first")
        spend_times_seven = spent_to(AS_OF, "__rate_now", "__rate_day_now") - spent_to(
            WINDOW_START, "__rate_now_before", "__rate_day_now_before"
        )
        spend = spend_times_seven.cast(pl.Float64) / 7.0
        return (
            wide.pipe(totals_on, flow, on=AS_OF, keys=SCOPE_KEYS, rename=now, exact=True)
            .pipe(totals_on, flow, on=WINDOW_START, keys=SCOPE_KEYS, rename=before, exact=True)
            .with_columns(day_after(pl.col(WINDOW_START)).alias("__window_first_day"))
            .pipe(
                totals_on,
                flow,
                on="__window_first_day",
                keys=SCOPE_KEYS,
                rename=first_day,
                exact=True,
            )
            .with_columns(
                pl.when(touching == 0).then(0.0).otherwise(spend).alias("agency_spend_12m")
            )
            .drop(temporary)
        )

    def appears(self) -> None:
        return None

    def formulas(self) -> Mapping[str, Formula]:
        return {"agency_spend_12m": (pl.col("agency_spend_12m"), None)}

    def pairing_load(self) -> tuple[pl.LazyFrame | None, pl.LazyFrame | None]:
        return None, None
