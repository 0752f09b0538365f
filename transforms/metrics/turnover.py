"""Starters and leavers in the 12 months to the as-of date, turnover, agency conversions,
international and newly qualified starters, and leaving reasons.

Grain of the totals added to the wide frame: one row per (as-of date, scope, scope value);
each ``*_n``/``*_fte`` column counts or sums the leaver or starter events (see
``transforms.metrics.events``) dated in the window W(D), the team being that of the
ending or starting spell. ``leaving_reasons``: one row per (team, leaving reason) with a
leaver event in W(D).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import polars as pl

from transforms.metrics.base import ONE, Formula, Workforce
from transforms.metrics.events import EVENT_DATE, leaver_events, social_work_spells
from transforms.metrics.sweep import (
    as_of_frame,
    event_changes,
    exact_sum,
    in_window,
    running_totals,
    window_totals,
    with_scopes,
    zero_when_none,
)
from transforms.schema import LEAVING_REASONS, Extracts
from transforms.scopes import SCOPE_KEYS

LEAVING_REASONS_SCHEMA: dict[str, pl.DataType] = {
    "team": pl.String(),
    "service_area": pl.String(),
    "leaving_reason": pl.Int64(),
    "leaving_reason_label": pl.String(),
    "leavers_headcount": pl.Int64(),
    "leavers_fte": pl.Float64(),
}
NOT_RECORDED = "Not recorded"


class Turnover:
    """Leaver and starter events in each date's window."""

    def __init__(self, workforce: Workforce) -> None:
        self._leavers = running_totals(
            event_changes(
                with_scopes(workforce.leavers.lazy()),
                on=EVENT_DATE,
                keys=SCOPE_KEYS,
                values={"leavers_n": ONE, "leavers_fte": pl.col("fte")},
            ),
            SCOPE_KEYS,
        )
        self._starters = running_totals(
            event_changes(
                with_scopes(workforce.starters.lazy()),
                on=EVENT_DATE,
                keys=SCOPE_KEYS,
                values={
                    "starters_n": ONE,
                    "starters_fte": pl.col("fte"),
                    "conversions_n": pl.col("is_conversion").cast(pl.Int64),
                    "international_n": pl.col("is_international").cast(pl.Int64),
                    "nqsw_n": pl.col("is_newly_qualified").cast(pl.Int64),
                },
            ),
            SCOPE_KEYS,
        )

    def add_totals(self, wide: pl.LazyFrame, dates: pl.DataFrame) -> pl.LazyFrame:
        return (
            wide.pipe(window_totals, self._leavers, keys=SCOPE_KEYS)
            .pipe(window_totals, self._starters, keys=SCOPE_KEYS)
            .with_columns(
                zero_when_none("leavers_fte", "leavers_n"),
                zero_when_none("starters_fte", "starters_n"),
            )
        )

    def appears(self) -> pl.Expr:
        return (pl.col("leavers_n") > 0) | (pl.col("starters_n") > 0)

    def formulas(self) -> Mapping[str, Formula]:
        c = pl.col
        return {
            "leavers_fte": (c("leavers_fte"), None),
            "leavers_headcount": (c("leavers_n"), None),
            "starters_fte": (c("starters_fte"), None),
            "starters_headcount": (c("starters_n"), None),
            "turnover_rate": (c("leavers_fte"), c("employed_fte")),
            "turnover_rate_headcount": (c("leavers_n"), c("employed_n")),
            "agency_conversions": (c("conversions_n"), None),
            "international_starters": (c("international_n"), None),
            "nqsw_starters": (c("nqsw_n"), None),
        }

    def pairing_load(self) -> tuple[pl.LazyFrame | None, pl.LazyFrame | None]:
        return None, None


def leaving_reasons(extracts: Extracts, as_of: date) -> pl.DataFrame:
    """Leaver events in W(as_of) by team and leaving reason (null = not recorded)."""
    window = as_of_frame([as_of])
    leavers = leaver_events(social_work_spells(extracts.staff)).join(window.lazy(), how="cross")
    label = (
        pl.col("leaving_reason")
        .replace_strict(LEAVING_REASONS, default=None, return_dtype=pl.String)
        .fill_null(NOT_RECORDED)
    )
    return (
        leavers.filter(in_window(pl.col(EVENT_DATE)))
        .group_by("team", "service_area", "leaving_reason")
        .agg(
            pl.len().cast(pl.Int64).alias("leavers_headcount"),
            exact_sum(pl.col("fte")).alias("leavers_fte"),
        )
        .with_columns(label.alias("leaving_reason_label"))
        .sort(["service_area", "team", "leaving_reason"], nulls_last=True)
        .select(list(LEAVING_REASONS_SCHEMA))
        .collect()
        .cast(LEAVING_REASONS_SCHEMA)  # type: ignore[arg-type]
    )
