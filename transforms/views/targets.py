"""The configured targets as people read them. Grain of ``targets_table``: one row per
configured target period."""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from transforms.definitions import METRICS_BY_NAME
from transforms.targets import TargetLike

COMPARISON_WORDS: dict[str, str] = {"<": "below", "<=": "at most"}


def targets_table(targets: Iterable[TargetLike]) -> pl.DataFrame:
    """Measure (label), from, to (empty: open), "below"/"at most", the target, and the
    tolerance in points."""
    rows = [
        {
            "measure": METRICS_BY_NAME[target.metric].label,
            "from": target.from_date,
            "to": target.to_date,
            "comparison": COMPARISON_WORDS[target.comparison],
            "target": target.target,
            "tolerance_points": target.tolerance * 100,
        }
        for target in targets
    ]
    return pl.DataFrame(
        rows,
        schema={
            "measure": pl.String,
            "from": pl.Date,
            "to": pl.Date,
            "comparison": pl.String,
            "target": pl.Float64,
            "tolerance_points": pl.Float64,
        },
    )
