"""Stocks in post on the as-of date: employed and agency FTE and headcount, the agency rate
(KPI 16), its headcount form and the agency-to-permanent ratio.

Grain of the totals added to the wide frame: one row per (as-of date, scope, scope value);
``employed_n``/``employed_fte`` count social-work staff spells in post, ``agency_n``/
``agency_fte`` social-work agency assignments in post (running totals of interval starts
and ends, looked up on each date).
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from transforms.metrics.base import ONE, Formula, Workforce
from transforms.metrics.sweep import (
    AS_OF,
    interval_changes,
    running_totals,
    totals_on,
    with_scopes,
    zero_when_none,
)
from transforms.scopes import SCOPE_KEYS


def in_post_stock(rows: pl.LazyFrame, count: str, fte: str) -> pl.DataFrame:
    """Running headcount and FTE of ``rows`` in post, per scope."""
    return running_totals(
        interval_changes(
            with_scopes(rows),
            start="start_date",
            end="end_date",
            keys=SCOPE_KEYS,
            values={count: ONE, fte: pl.col("fte")},
        ),
        SCOPE_KEYS,
    )


class Stocks:
    """Employed and agency staff in post on each date."""

    def __init__(self, workforce: Workforce) -> None:
        self._employed = in_post_stock(workforce.spells.lazy(), "employed_n", "employed_fte")
        self._agency = in_post_stock(workforce.agency.lazy(), "agency_n", "agency_fte")

    def add_totals(self, wide: pl.LazyFrame, dates: pl.DataFrame) -> pl.LazyFrame:
        return (
            wide.pipe(totals_on, self._employed, on=AS_OF, keys=SCOPE_KEYS)
            .pipe(totals_on, self._agency, on=AS_OF, keys=SCOPE_KEYS)
            .with_columns(
                zero_when_none("employed_fte", "employed_n"),
                zero_when_none("agency_fte", "agency_n"),
            )
        )

    def appears(self) -> pl.Expr:
        return (pl.col("employed_n") > 0) | (pl.col("agency_n") > 0)

    def formulas(self) -> Mapping[str, Formula]:
        c = pl.col
        return {
            "employed_fte": (c("employed_fte"), None),
            "employed_headcount": (c("employed_n"), None),
            "agency_fte": (c("agency_fte"), None),
            "agency_headcount": (c("agency_n"), None),
            "agency_rate": (c("agency_fte"), c("agency_fte") + c("employed_fte")),
            "agency_rate_headcount": (c("agency_n"), c("agency_n") + c("employed_n")),
            "agency_to_permanent_ratio": (c("agency_fte"), c("employed_fte")),
        }

    def pairing_load(self) -> tuple[pl.LazyFrame | None, pl.LazyFrame | None]:
        return None, None
