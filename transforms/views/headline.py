"""The Summary's headline: the Trust's key measures on the as-of date with their target,
status, change since the last month-end and since a year earlier (in shown units, with
directions), and the latest published England and statistical-neighbour figures.

Grain of ``headline_frame``: one row per headline metric, in ``HEADLINE_METRICS`` order.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import polars as pl

from transforms.calendar import last_month_end, year_earlier
from transforms.definitions import METRICS_BY_NAME
from transforms.dfe_comparison import latest_comparators
from transforms.schema import ExtractName
from transforms.scopes import SCOPE, TRUST
from transforms.targets import NO_DATA
from transforms.views.changes import (
    change_direction,
    display_decimals,
    display_scale,
    shown_change,
)
from transforms.views.labels import NOT_SUPPLIED

HEADLINE_METRICS: tuple[str, ...] = (
    "agency_rate",
    "agency_to_permanent_ratio",
    "employed_fte",
    "agency_fte",
    "turnover_rate",
    "stability_index",
    "vacancy_rate",
    "average_caseload",
    "absence_rate",
    "agency_spend_12m",
)

COMPARATORS_SCHEMA: dict[str, pl.DataType] = {
    "metric": pl.String(),
    "year": pl.Int64(),
    "england": pl.Float64(),
    "neighbours": pl.Float64(),
}


def definitions_frame(names: Sequence[str], supplied: frozenset[ExtractName]) -> pl.DataFrame:
    """One row per metric in ``names``: label, unit, kind, polarity, shown decimals and
    scale, whether its extracts were supplied, and its order."""
    definitions = [METRICS_BY_NAME[name] for name in names]
    return pl.DataFrame(
        {
            "metric": [d.name for d in definitions],
            "label": [d.label for d in definitions],
            "unit": [d.unit for d in definitions],
            "kind": [d.kind for d in definitions],
            "polarity": [d.polarity for d in definitions],
            "decimals": [display_decimals(d) for d in definitions],
            "scale": [display_scale(d) for d in definitions],
            "supplied": [set(d.needs) <= supplied for d in definitions],
            "order": list(range(len(definitions))),
        },
        schema={
            "metric": pl.String,
            "label": pl.String,
            "unit": pl.String,
            "kind": pl.String,
            "polarity": pl.String,
            "decimals": pl.Int64,
            "scale": pl.Float64,
            "supplied": pl.Boolean,
            "order": pl.Int64,
        },
    )


def comparators(
    dfe: pl.DataFrame | None, statistical_neighbours: Sequence[str], names: Sequence[str]
) -> pl.DataFrame:
    """Latest England and statistical-neighbour figures of the rates among ``names`` (a
    national total FTE or spend is no comparator for one Trust)."""
    if dfe is None:
        return pl.DataFrame(schema=COMPARATORS_SCHEMA)
    rates = [name for name in names if METRICS_BY_NAME[name].kind == "quotient"]
    return latest_comparators(dfe, statistical_neighbours, rates).select(list(COMPARATORS_SCHEMA))


def with_changes(frame: pl.DataFrame, since: dict[str, str]) -> pl.DataFrame:
    """For each ``value_<key>`` column named in ``since`` (key -> suffix), the shown change
    ``change_<suffix>`` from it to ``value`` and its ``direction_<suffix>``."""
    changes = {
        f"change_{suffix}": shown_change(
            pl.col("value") - pl.col(f"value_{key}"), pl.col("scale"), pl.col("decimals")
        )
        for key, suffix in since.items()
    }
    return frame.with_columns(**changes).with_columns(
        **{
            f"direction_{suffix}": change_direction(pl.col(f"change_{suffix}"), pl.col("polarity"))
            for suffix in since.values()
        }
    )


def headline_frame(
    history: pl.DataFrame,
    as_of: date,
    supplied: frozenset[ExtractName],
    comparator_figures: pl.DataFrame,
    names: Sequence[str] = HEADLINE_METRICS,
) -> pl.DataFrame:
    """One row per headline metric for the Trust (see the module docstring)."""
    trust = history.filter(pl.col(SCOPE) == TRUST)

    def values_on(day: date, alias: str) -> pl.DataFrame:
        return trust.filter(pl.col("as_of") == day).select("metric", pl.col("value").alias(alias))

    current = trust.filter(pl.col("as_of") == as_of).select(
        "metric", "value", "target", "tolerance", "status"
    )
    frame = (
        definitions_frame(names, supplied)
        .join(current, on="metric", how="left")
        .join(values_on(last_month_end(as_of), "value_month"), on="metric", how="left")
        .join(values_on(year_earlier(as_of), "value_year"), on="metric", how="left")
        .join(comparator_figures, on="metric", how="left")
        .pipe(with_changes, {"month": "month", "year": "year"})
        .with_columns(
            status=pl.when(~pl.col("supplied"))
            .then(pl.lit(NOT_SUPPLIED))
            .otherwise(pl.col("status").fill_null(NO_DATA)),
        )
        .sort("order")
    )
    return frame
