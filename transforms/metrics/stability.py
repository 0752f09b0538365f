"""The stability index: of the employees in post a year before the as-of date, the share
still in post on it with no leaver event in between.

Grain of the totals added to the wide frame: one row per (as-of date, scope, scope value):
``stability_base_n`` employees in post on D − 1 year (counted in the team of the spell in
post then) and ``stable_n`` of them stable, "in post on D" and "no leaver event in W(D)"
being judged trust-wide (an internal move to another team keeps a person stable). Dates are
paired with the spells in force a year before them.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from transforms.metrics.base import ONE, Formula, Workforce
from transforms.metrics.events import EVENT_DATE
from transforms.metrics.sweep import (
    AS_OF,
    WINDOW_START,
    interval_changes,
    periods_in_force,
    with_paired_totals,
    with_scopes,
)
from transforms.scopes import SCOPE_KEYS


def stability_totals(
    dates: pl.DataFrame, spells: pl.LazyFrame, leavers: pl.LazyFrame
) -> pl.LazyFrame:
    """Employees in post on D - 1 year and how many of them are stable, per scope."""
    spell_rows = spells.select("employee_id", "team", "service_area", "start_date", "end_date")
    base = periods_in_force(
        dates, spell_rows, start="start_date", end="end_date", on=WINDOW_START
    ).select(AS_OF, WINDOW_START, "employee_id", "team", "service_area")
    spell_on_as_of = spell_rows.select(
        "employee_id",
        pl.col("start_date").alias("__now_start"),
        pl.col("end_date").alias("__now_end"),
    ).sort("__now_start")
    last_leaving = leavers.select("employee_id", pl.col(EVENT_DATE).alias("__left")).sort("__left")
    # Spells of one employee never overlap: the latest started by D is the only one that
    # can be in post on D, and the latest leaving by D is the one that can fall in W(D).
    still_in_post = pl.col("__now_start").is_not_null() & (
        pl.col("__now_end").is_null() | (pl.col("__now_end") >= pl.col(AS_OF))
    )
    left_in_window = pl.col("__left").is_not_null() & (pl.col("__left") > pl.col(WINDOW_START))
    judged = (
        base.sort(AS_OF)
        .join_asof(
            spell_on_as_of,
            left_on=AS_OF,
            right_on="__now_start",
            by="employee_id",
            strategy="backward",
            check_sortedness=False,
        )
        .join_asof(
            last_leaving,
            left_on=AS_OF,
            right_on="__left",
            by="employee_id",
            strategy="backward",
            check_sortedness=False,
        )
        .with_columns((still_in_post & ~left_in_window).alias("stable"))
    )
    by_team = judged.group_by(AS_OF, "team", "service_area").agg(
        pl.col("stable").sum().cast(pl.Int64).alias("stable_n"),
        pl.len().cast(pl.Int64).alias("stability_base_n"),
    )
    return (
        with_scopes(by_team)
        .group_by(AS_OF, *SCOPE_KEYS)
        .agg(pl.col("stable_n", "stability_base_n").sum())
    )


class Stability:
    """Who of those in post a year before each date is still in post on it."""

    def __init__(self, workforce: Workforce) -> None:
        self._spells = workforce.spells
        self._leavers = workforce.leavers

    def add_totals(self, wide: pl.LazyFrame, dates: pl.DataFrame) -> pl.LazyFrame:
        totals = stability_totals(dates, self._spells.lazy(), self._leavers.lazy())
        return with_paired_totals(wide, totals, ("stable_n", "stability_base_n"))

    def appears(self) -> None:
        return None

    def formulas(self) -> Mapping[str, Formula]:
        return {"stability_index": (pl.col("stable_n"), pl.col("stability_base_n"))}

    def pairing_load(self) -> tuple[pl.LazyFrame | None, pl.LazyFrame | None]:
        spells = interval_changes(
            self._spells.lazy(), start="start_date", end="end_date", keys=(), values={"pairs": ONE}
        )
        return None, spells
