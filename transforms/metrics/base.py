"""What every family of metrics shares: the parameters, the rows every family starts from,
and the protocol a family implements.

A *family* is one module of ``transforms.metrics`` that measures one thing (stocks in post,
starters and leavers, stability, vacancies, caseloads, absence, spend). The engine
(``transforms.metrics.engine``) asks each family, for a batch of as-of dates, to add its
columns to the *wide frame*: one row per (as-of date, scope, scope value) that may appear,
one column per total the family's formulas read. Each family then names its metrics'
formulas over those columns: ``(value, None)`` for sums, counts and maxima,
``(numerator, denominator)`` for quotients.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

import polars as pl

from transforms.metrics.events import (
    leaver_events,
    social_work_rows,
    social_work_spells,
    starter_events,
)
from transforms.schema import Extracts

ONE = pl.lit(1, dtype=pl.Int64)
ZERO = pl.lit(0, dtype=pl.Int64)


@dataclass(frozen=True)
class MetricParams:
    """The configurable parameters of metrics.md (values from the settings, which hold
    their defaults)."""

    caseload_threshold: int
    working_days_per_year: float


@dataclass(frozen=True)
class Workforce:
    """The rows every family starts from, judged once over the whole extract (so a date's
    figures never depend on the other dates computed with it). Grains: one row per
    social-work staff spell (with its internal-move flags), per leaver event, per starter
    event, per social-work agency assignment."""

    extracts: Extracts
    spells: pl.DataFrame
    leavers: pl.DataFrame
    starters: pl.DataFrame
    agency: pl.DataFrame

    @classmethod
    def of(cls, extracts: Extracts) -> Workforce:
        spells = social_work_spells(extracts.staff).collect()
        return cls(
            extracts=extracts,
            spells=spells,
            leavers=leaver_events(spells.lazy()).collect(),
            starters=starter_events(spells.lazy(), extracts.agency).collect(),
            agency=social_work_rows(extracts.agency).collect(),
        )


Formula = tuple[pl.Expr, pl.Expr | None]


class Family(Protocol):
    """One family of metrics, prepared for one call of the engine (all its dates)."""

    def add_totals(self, wide: pl.LazyFrame, dates: pl.DataFrame) -> pl.LazyFrame:
        """``wide`` with this family's total columns for the batch of ``dates``."""
        ...

    def appears(self) -> pl.Expr | None:
        """When this family's totals make a team or service area appear (metrics.md's
        scope rule), or None when they never do."""
        ...

    def formulas(self) -> Mapping[str, Formula]:
        """Each metric of the family: its value (or numerator) and denominator over the
        wide frame's columns."""
        ...

    def pairing_load(self) -> tuple[pl.LazyFrame | None, pl.LazyFrame | None]:
        """Changes (``change_date``, ``pairs``) of the rows this family pairs with each
        date: with the date itself, and with the day a year before it (None: none)."""
        ...
