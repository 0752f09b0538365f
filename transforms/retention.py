"""Retention by recruitment route (``shared/spec/outlook.md`` §3): Kaplan–Meier survival
of starters over the whole history of the extract, vectorised in polars.

Grains:
- ``routed_starters``: one row per starter event of ``metrics.md`` anywhere in the extract
  (trust scope), with its route and the date it left the Trust (the end of the last spell
  of its chain of internal moves; null while that spell is open);
- ``followed_starters``: the starters with ``start_date ≤ D``, each with its cohort, its
  time in post in days and whether that time is a leaving (an event) or a censoring at D;
- ``retention_frame``: one row per (route, cohort, horizon) of ``retention.csv``.

Starter events, internal moves and agency conversions are the engine's own
(``transforms.metrics.events``), so a starter here is exactly a starter there.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from transforms.calendar import FINANCIAL_YEAR_END_MONTH
from transforms.metrics.events import EVENT_DATE, social_work_spells, starter_events
from transforms.schema import Extracts

# Routes, in the order they are tried: the first that applies is the starter's route.
AGENCY_CONVERSION = "agency_conversion"
INTERNATIONAL = "international"
NEWLY_QUALIFIED = "newly_qualified"
OTHER = "other"
ROUTES: tuple[str, ...] = (AGENCY_CONVERSION, INTERNATIONAL, NEWLY_QUALIFIED, OTHER)
# The route and the cohort that hold every starter.
ALL = "all"

# Kaplan–Meier horizons: about 6, 12 and 24 months after starting.
HORIZONS_DAYS: tuple[int, ...] = (182, 365, 730)

RETENTION_SCHEMA: dict[str, pl.DataType] = {
    "as_of": pl.Date(),
    "route": pl.String(),
    "cohort": pl.String(),
    "horizon_days": pl.Int64(),
    "starters": pl.Int64(),
    "at_risk": pl.Int64(),
    "leavers": pl.Int64(),
    "retained": pl.Float64(),
}


def in_contract_order(retention: pl.DataFrame) -> pl.DataFrame:
    """Sorted by as_of, route, cohort, horizon_days in plain character-code order (the
    horizon as written, so 1095 would sort before 182)."""
    return retention.sort(
        pl.col("as_of"),
        pl.col("route"),
        pl.col("cohort"),
        pl.col("horizon_days").cast(pl.String),
        maintain_order=True,
    )


FOLLOWED_SCHEMA: dict[str, pl.DataType] = {
    "employee_id": pl.String(),
    "start_date": pl.Date(),
    "route": pl.String(),
    "cohort": pl.String(),
    "left_on": pl.Date(),  # null: still in post on D (censored)
    "time_days": pl.Int64(),
    "left": pl.Boolean(),
}

_GROUP = ("route", "cohort")


def route_expr() -> pl.Expr:
    """The route of a starter event (columns of ``starter_events``), first match wins."""
    return (
        pl.when(pl.col("is_conversion"))
        .then(pl.lit(AGENCY_CONVERSION))
        .when(pl.col("is_international"))
        .then(pl.lit(INTERNATIONAL))
        .when(pl.col("is_newly_qualified"))
        .then(pl.lit(NEWLY_QUALIFIED))
        .otherwise(pl.lit(OTHER))
    )


def financial_year_label(day: pl.Expr) -> pl.Expr:
    """The financial year holding ``day``, written ``2024-25`` (1 April 2024 to 31 March
    2025)."""
    first_year = day.dt.year() - (day.dt.month() <= FINANCIAL_YEAR_END_MONTH).cast(pl.Int32)
    return pl.format(
        "{}-{}",
        first_year,
        ((first_year + 1) % 100).cast(pl.String).str.zfill(2),
    )


def routed_starters(extracts: Extracts) -> pl.LazyFrame:
    """Every starter event of the extract with ``route`` and ``left_on``.

    A starter's spell and the social-work spells that follow it by internal moves form a
    chain (each spell of the chain but the first starts by a move); the chain ends at the
    first spell end that is not a move, which is a leaver event, or runs on while that
    spell is open."""
    spells = social_work_spells(extracts.staff).with_columns(
        (~pl.col("moved_in")).cast(pl.Int64).cum_sum().alias("__chain")
    )
    chains = spells.group_by("__chain").agg(
        pl.col("employee_id").first(),
        pl.col("start_date").min().alias(EVENT_DATE),
        pl.col("end_date").sort_by("start_date").last().alias("left_on"),
    )
    # (employee_id, start_date) is the key of a staff row, so this pairs each starter event
    # with its own chain.
    return (
        starter_events(spells, extracts.agency)
        .join(chains, on=["employee_id", EVENT_DATE], how="inner")
        .select(
            "employee_id",
            "team",
            "service_area",
            pl.col(EVENT_DATE).alias("start_date"),
            route_expr().alias("route"),
            "left_on",
        )
    )


def followed_starters(extracts: Extracts, as_of: date) -> pl.LazyFrame:
    """Starters with ``start_date ≤ as_of``: time in post to their leaving when it is on or
    before ``as_of`` (``left``), else to ``as_of`` (censored)."""
    day = pl.lit(as_of)
    left = pl.col("left_on").is_not_null() & (pl.col("left_on") <= day)
    until = pl.when(left).then(pl.col("left_on")).otherwise(day)
    return (
        routed_starters(extracts)
        .filter(pl.col("start_date") <= day)
        .select(
            "employee_id",
            "start_date",
            "route",
            financial_year_label(pl.col("start_date")).alias("cohort"),
            pl.when(left).then(pl.col("left_on")).alias("left_on"),
            (until - pl.col("start_date")).dt.total_days().cast(pl.Int64).alias("time_days"),
            left.alias("left"),
        )
        .cast(FOLLOWED_SCHEMA)  # type: ignore[arg-type]
    )


def _in_every_group(followed: pl.LazyFrame) -> pl.LazyFrame:
    """Each starter once in its own (route, cohort), and in ``all`` of either or both."""
    own = followed.select(*_GROUP, "time_days", "left")
    return pl.concat(
        [
            own,
            own.with_columns(pl.lit(ALL).alias("route")),
            own.with_columns(pl.lit(ALL).alias("cohort")),
            own.with_columns(pl.lit(ALL).alias("route"), pl.lit(ALL).alias("cohort")),
        ]
    )


def kaplan_meier(
    followed: pl.LazyFrame, as_of: date, horizons: tuple[int, ...] = HORIZONS_DAYS
) -> pl.DataFrame:
    """``retention.csv`` rows from followed starters (columns route, cohort, time_days,
    left). Per group and distinct time τ: d_τ leavings at τ and n_τ = starters whose time
    is at least τ (a reverse running count), the survival S as the running product of
    (1 − d_τ / n_τ); each horizon h then reads S and the leavings at the last time ≤ h and
    the number at risk at the first time ≥ h."""
    grouped = _in_every_group(followed)
    by_time = (
        grouped.group_by(*_GROUP, "time_days")
        .agg(
            pl.col("left").sum().cast(pl.Int64).alias("__left"),
            pl.len().cast(pl.Int64).alias("__followed"),
        )
        .sort(*_GROUP, "time_days")
        .with_columns(
            pl.col("__followed").cum_sum(reverse=True).over(_GROUP).alias("__at_risk"),
            pl.col("__left").cum_sum().over(_GROUP).alias("__leavers"),
        )
        .with_columns(
            (1.0 - pl.col("__left") / pl.col("__at_risk"))
            .cum_prod()
            .over(_GROUP)
            .alias("__survival")
        )
        .sort("time_days")
        .collect()
    )
    horizon_frame = pl.LazyFrame(
        {"horizon_days": list(horizons)}, schema={"horizon_days": pl.Int64}
    )
    grid = (
        grouped.group_by(_GROUP)
        .agg(pl.len().cast(pl.Int64).alias("starters"))
        .join(horizon_frame, how="cross")
        .sort("horizon_days")
    )
    so_far = by_time.lazy().select(*_GROUP, "time_days", "__leavers", "__survival")
    still_followed = by_time.lazy().select(*_GROUP, "time_days", "__at_risk")
    at_risk = pl.col("__at_risk").fill_null(0)
    return (
        grid.join_asof(
            so_far,
            left_on="horizon_days",
            right_on="time_days",
            by=list(_GROUP),
            strategy="backward",
            check_sortedness=False,
        )
        .drop("time_days")
        .join_asof(
            still_followed,
            left_on="horizon_days",
            right_on="time_days",
            by=list(_GROUP),
            strategy="forward",
            check_sortedness=False,
        )
        .select(
            pl.lit(as_of).alias("as_of"),
            *_GROUP,
            "horizon_days",
            "starters",
            at_risk.alias("at_risk"),
            pl.col("__leavers").fill_null(0).alias("leavers"),
            # No time on or before h: nothing has happened yet, S(h) = 1 (empty product).
            pl.when(at_risk > 0).then(pl.col("__survival").fill_null(1.0)).alias("retained"),
        )
        .collect()
        .cast(RETENTION_SCHEMA)  # type: ignore[arg-type]
        .pipe(in_contract_order)
    )


def retention_frame(extracts: Extracts, as_of: date) -> pl.DataFrame:
    """The rows of ``retention.csv`` for ``as_of`` (in ``RETENTION_SCHEMA``, sorted by
    as_of, route, cohort, horizon_days in plain character-code order)."""
    return kaplan_meier(followed_starters(extracts, as_of), as_of)
