"""Vacancies: funded social-work posts (establishment) not filled by employed staff, and
how much of that gap agency workers cover.

Grains: ``vacancy_cells`` one row per (as-of date, social-work (team, role) establishment
cell in force on it) with the employed and agency FTE in the same cell, its vacancy and
agency cover; totals added to the wide frame: one row per (as-of date, scope, scope value)
with ``cells_n``, ``vacancy_fte`` and ``agency_cover_fte``; ``vacancy_by_cell``: one row
per cell in force on one date.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import polars as pl

from transforms.metrics.base import ONE, Formula
from transforms.metrics.events import social_work_rows
from transforms.metrics.sweep import (
    AS_OF,
    EXACT,
    as_of_frame,
    exact_sum,
    interval_changes,
    periods_in_force,
    running_totals,
    totals_on,
    with_paired_totals,
    with_scopes,
)
from transforms.schema import SOCIAL_WORK_ROLES, Extracts
from transforms.scopes import SCOPE_KEYS

CELL_KEYS: tuple[str, str] = ("team", "role")
# Funded minus employed FTE closer to 0 than this is float noise of equal sums, not a
# vacancy (FTE is recorded to a few decimal places).
FTE_NOISE = 1e-9

VACANCY_BY_CELL_SCHEMA: dict[str, pl.DataType] = {
    "team": pl.String(),
    "service_area": pl.String(),
    "role": pl.String(),
    "funded_fte": pl.Float64(),
    "employed_fte": pl.Float64(),
    "agency_fte": pl.Float64(),
    "vacancy_fte": pl.Float64(),
    "agency_cover_fte": pl.Float64(),
}
_ROLE_ORDER = {role: rank for rank, role in enumerate(SOCIAL_WORK_ROLES)}


def social_work_cell_stock(rows: pl.DataFrame, prefix: str) -> pl.LazyFrame:
    """Changes of the headcount and FTE of social-work rows in post, per (team, role)."""
    return interval_changes(
        social_work_rows(rows),
        start="start_date",
        end="end_date",
        keys=CELL_KEYS,
        values={
            f"{prefix}_n": pl.lit(1, dtype=pl.Int64),
            f"{prefix}_fte": pl.col("fte"),
        },
    )


def vacancy_cells(
    dates: pl.DataFrame,
    establishment: pl.DataFrame,
    employed_by_cell: pl.DataFrame,
    agency_by_cell: pl.DataFrame,
) -> pl.LazyFrame:
    """Social-work establishment cells in force on each date, with the employed and agency
    FTE in the same (team, role) and the cell's vacancy and agency cover. An overstaffed
    cell has vacancy 0: it does not offset another cell."""
    cells = periods_in_force(
        dates, social_work_rows(establishment), start="effective_from", end="effective_to"
    ).select(AS_OF, "team", "service_area", "role", "funded_fte")
    employed = {"employed_n": "__employed_n", "employed_fte": "employed_fte"}
    agency = {"agency_n": "__agency_n", "agency_fte": "agency_fte"}
    shortfall = (pl.col("funded_fte").cast(EXACT) - pl.col("employed_fte").cast(EXACT)).cast(
        pl.Float64
    )
    return (
        cells.pipe(totals_on, employed_by_cell, on=AS_OF, keys=CELL_KEYS, rename=employed)
        .pipe(totals_on, agency_by_cell, on=AS_OF, keys=CELL_KEYS, rename=agency)
        .with_columns(
            pl.when(pl.col("__employed_n") == 0)
            .then(0.0)
            .otherwise("employed_fte")
            .alias("employed_fte"),
            pl.when(pl.col("__agency_n") == 0)
            .then(0.0)
            .otherwise("agency_fte")
            .alias("agency_fte"),
        )
        .with_columns(
            pl.when(shortfall > FTE_NOISE).then(shortfall).otherwise(0.0).alias("vacancy_fte")
        )
        .with_columns(
            pl.when(pl.col("agency_fte") < pl.col("vacancy_fte"))
            .then(pl.col("agency_fte"))
            .otherwise(pl.col("vacancy_fte"))
            .alias("agency_cover_fte")
        )
        .drop("__employed_n", "__agency_n")
    )


def vacancy_totals(cells: pl.LazyFrame) -> pl.LazyFrame:
    return (
        with_scopes(cells)
        .group_by(AS_OF, *SCOPE_KEYS)
        .agg(
            pl.len().cast(pl.Int64).alias("cells_n"),
            exact_sum(pl.col("vacancy_fte")),
            exact_sum(pl.col("agency_cover_fte")),
        )
    )


class Vacancies:
    """Establishment cells in force on each date (needs the establishment extract)."""

    def __init__(self, extracts: Extracts, establishment: pl.DataFrame) -> None:
        self._establishment = social_work_rows(establishment).collect()
        self._employed_by_cell = running_totals(
            social_work_cell_stock(extracts.staff, "employed"), CELL_KEYS
        )
        self._agency_by_cell = running_totals(
            social_work_cell_stock(extracts.agency, "agency"), CELL_KEYS
        )

    def add_totals(self, wide: pl.LazyFrame, dates: pl.DataFrame) -> pl.LazyFrame:
        cells = vacancy_cells(
            dates, self._establishment, self._employed_by_cell, self._agency_by_cell
        )
        return with_paired_totals(
            wide, vacancy_totals(cells), ("cells_n", "vacancy_fte", "agency_cover_fte")
        )

    def appears(self) -> pl.Expr:
        return pl.col("cells_n") > 0

    def formulas(self) -> Mapping[str, Formula]:
        c = pl.col
        return {
            "vacancy_fte": (c("vacancy_fte"), None),
            "vacancy_rate": (c("vacancy_fte"), c("vacancy_fte") + c("employed_fte")),
            "vacancy_agency_cover_rate": (c("agency_cover_fte"), c("vacancy_fte")),
        }

    def pairing_load(self) -> tuple[pl.LazyFrame | None, pl.LazyFrame | None]:
        periods = interval_changes(
            self._establishment.lazy(),
            start="effective_from",
            end="effective_to",
            keys=(),
            values={"pairs": ONE},
        )
        return periods, None


def vacancy_by_cell(extracts: Extracts, as_of: date) -> pl.DataFrame:
    """One row per social-work (team, role) establishment cell in force on ``as_of``."""
    if extracts.establishment is None:
        return pl.DataFrame(schema=VACANCY_BY_CELL_SCHEMA)
    cells = vacancy_cells(
        as_of_frame([as_of]),
        extracts.establishment,
        running_totals(social_work_cell_stock(extracts.staff, "employed"), CELL_KEYS),
        running_totals(social_work_cell_stock(extracts.agency, "agency"), CELL_KEYS),
    )
    role_rank = pl.col("role").replace_strict(_ROLE_ORDER, default=len(_ROLE_ORDER))
    return (
        cells.sort(["service_area", "team", role_rank])
        .select(list(VACANCY_BY_CELL_SCHEMA))
        .collect()
        .cast(VACANCY_BY_CELL_SCHEMA)  # type: ignore[arg-type]
    )
