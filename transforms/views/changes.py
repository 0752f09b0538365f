"""Changes between two dates as people read them: in the precision the reports show (a
rate in percentage points), with a direction in words by the metric's polarity, and "No
change" when the shown change rounds to zero. Grain: expressions over any frame with one
row per metric value.
"""

from __future__ import annotations

import polars as pl

from transforms.definitions import MetricDefinition
from transforms.views.labels import (
    DIRECTION_DECREASING,
    DIRECTION_IMPROVING,
    DIRECTION_INCREASING,
    DIRECTION_WORSENING,
    NO_CHANGE,
)

# A rate is shown as a percentage with one decimal, so its change in points has one.
PERCENT_DECIMALS = 1
_DECIMALS_BY_UNIT: dict[str, int] = {
    "percent": PERCENT_DECIMALS,
    "ratio": 2,
    "fte": 1,
    "count": 0,
    "days": 1,
    "gbp": 0,
}


def display_decimals(definition: MetricDefinition) -> int:
    """Decimal places the reports show a metric's value with (for a rate: of its
    percentage); a caseload average has one, a count of cases none."""
    if definition.unit == "cases":
        return 1 if definition.kind == "quotient" else 0
    return _DECIMALS_BY_UNIT[definition.unit]


def display_scale(definition: MetricDefinition) -> float:
    """What a value is multiplied by to be shown: 100 for a rate (percent, points)."""
    return 100.0 if definition.unit == "percent" else 1.0


def shown_change(change: pl.Expr, scale: pl.Expr, decimals: pl.Expr) -> pl.Expr:
    """A change in shown units (points for rates), rounded to the shown precision; the
    expressions give each row's scale and decimals."""
    scaled = change * scale
    # round() takes a constant number of places; each row's precision is one of a few,
    # so the rows are rounded per precision.
    rounded = pl.lit(None, dtype=pl.Float64)
    for places in sorted(set(_DECIMALS_BY_UNIT.values())):
        rounded = pl.when(decimals == places).then(scaled.round(places)).otherwise(rounded)
    # -0.0 after rounding a tiny fall reads as a change: it is no change.
    return pl.when(rounded == 0).then(0.0).otherwise(rounded)


def change_direction(shown: pl.Expr, polarity: pl.Expr) -> pl.Expr:
    """The shown change in words: "Improving"/"Worsening" by the metric's polarity,
    "Increasing"/"Decreasing" where a metric has no good direction, "No change" when the
    shown change is zero, empty when either value is missing."""
    return (
        pl.when(shown.is_null())
        .then(pl.lit(None, pl.String))
        .when(shown == 0)
        .then(pl.lit(NO_CHANGE))
        .when(polarity == "neutral")
        .then(
            pl.when(shown > 0)
            .then(pl.lit(DIRECTION_INCREASING))
            .otherwise(pl.lit(DIRECTION_DECREASING))
        )
        .when((shown < 0) == (polarity == "lower_is_better"))
        .then(pl.lit(DIRECTION_IMPROVING))
        .otherwise(pl.lit(DIRECTION_WORSENING))
    )
