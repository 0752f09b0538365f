"""The Teams heat-map: where the Trust is (or is not) on track.

Grain of ``teams_matrix``: one row per scope on the as-of date (Trust, each service area,
each team under its area) with a column per key measure (and the agency rate's target and
status); measures whose extracts were not supplied are left out.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from transforms.definitions import METRICS_BY_NAME
from transforms.schema import ExtractName
from transforms.views.history import by_scope

TEAM_MEASURES: tuple[str, ...] = (
    "agency_rate",
    "turnover_rate",
    "stability_index",
    "vacancy_rate",
    "average_caseload",
    "case_holders_over_threshold_rate",
    "absence_rate",
    "agency_spend_12m",
)


def team_measures(supplied: frozenset[ExtractName]) -> list[str]:
    """The key measures whose extracts were supplied, in heat-map order."""
    return [name for name in TEAM_MEASURES if set(METRICS_BY_NAME[name].needs) <= supplied]


def teams_matrix(
    history: pl.DataFrame, as_of: date, areas: pl.DataFrame, supplied: frozenset[ExtractName]
) -> pl.DataFrame:
    """One row per scope (see the module docstring); columns ``level``, ``name``,
    ``service_area``, ``team``, ``scope``, a value column per measure, and
    ``agency_rate__target`` / ``agency_rate__status``."""
    measures = team_measures(supplied)
    wide = by_scope(history, as_of, measures, areas)
    keep = ["level", "name", "service_area", "team", "scope", *measures]
    if "agency_rate" in measures:
        keep += ["agency_rate__target", "agency_rate__status"]
    return wide.select(keep)
