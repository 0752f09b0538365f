"""Sickness absence: working days lost to sickness episodes that started in the 12 months
to the as-of date, and the absence rate.

Grain of the totals added to the wide frame: one row per (as-of date, scope, scope value)
with ``sickness_n`` episodes and ``sickness_days_lost`` (each episode's whole
``working_days_lost``, in the team of the social-work spell in post on its start date).
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from transforms.metrics.base import ONE, Formula, MetricParams, Workforce
from transforms.metrics.events import EVENT_DATE, sickness_episodes
from transforms.metrics.sweep import (
    event_changes,
    running_totals,
    window_totals,
    with_scopes,
    zero_when_none,
)
from transforms.scopes import SCOPE_KEYS


class Absence:
    """Sickness episodes in each date's window (needs the absence extract)."""

    def __init__(self, workforce: Workforce, absence: pl.DataFrame, params: MetricParams) -> None:
        self._working_days = params.working_days_per_year
        self._flow = running_totals(
            event_changes(
                with_scopes(sickness_episodes(absence, workforce.spells.lazy())),
                on=EVENT_DATE,
                keys=SCOPE_KEYS,
                values={"sickness_n": ONE, "sickness_days_lost": pl.col("days_lost")},
            ),
            SCOPE_KEYS,
        )

    def add_totals(self, wide: pl.LazyFrame, dates: pl.DataFrame) -> pl.LazyFrame:
        return wide.pipe(window_totals, self._flow, keys=SCOPE_KEYS).with_columns(
            zero_when_none("sickness_days_lost", "sickness_n")
        )

    def appears(self) -> None:
        return None

    def formulas(self) -> Mapping[str, Formula]:
        c = pl.col
        return {
            "sickness_days_lost": (c("sickness_days_lost"), None),
            "absence_rate": (
                c("sickness_days_lost"),
                c("employed_fte") * self._working_days,
            ),
        }

    def pairing_load(self) -> tuple[pl.LazyFrame | None, pl.LazyFrame | None]:
        return None, None
