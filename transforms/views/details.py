"""The detail tables of the theme sheets: the agency trend against target and glide path,
leaving reasons, caseload bands and case holders over the threshold, and establishment
cells with their role names.

Grains: ``agency_trend`` one row per trend date (month-ends, then the as-of date);
``trust_leaving_reasons`` one row per leaving reason; ``caseload_bands`` one row per band
of caseloads; ``over_threshold`` one row per case holder above the threshold;
``vacancy_cells`` one row per (team, role) establishment cell; ``extrapolation`` one row
(the straight-line extrapolation of the agency rate to the financial year-end).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import polars as pl

from transforms import calendar
from transforms.metrics.sweep import exact_sum, with_scopes
from transforms.scopes import SCOPE_KEYS
from transforms.views.history import month_end_trend
from transforms.views.labels import WORKER_KIND_WORDS, role_words

AGENCY_TREND_METRICS: tuple[str, ...] = (
    "agency_rate",
    "agency_fte",
    "employed_fte",
    "agency_to_permanent_ratio",
)
OVER_THRESHOLD = "Over threshold"


def agency_trend(
    history: pl.DataFrame, as_of: date, targets: Sequence[calendar.TargetPeriod]
) -> pl.DataFrame:
    """The agency rate on each month-end of the trend and the as-of date, with its target
    and status, the glide path between financial year-end targets, and the FTEs."""
    return month_end_trend(history, as_of, AGENCY_TREND_METRICS).with_columns(
        glide=calendar.glide_path("as_of", targets)
    )


def extrapolation(
    trend: pl.DataFrame, as_of: date, targets: Sequence[calendar.TargetPeriod]
) -> pl.DataFrame:
    """The least-squares straight line through the last month-end agency rates, read at the
    financial year-end: an extrapolation of the recent trend, not a plan (the committed
    outlook is the measure of what is agreed)."""
    line = calendar.project_to_year_end(
        trend.select("as_of", pl.col("agency_rate").alias("value")), as_of
    )
    return pl.DataFrame(
        {
            "year_end": [line.year_end],
            "value": [line.value],
            "target": [_target_on(targets, line.year_end)],
            "points": [line.points_used],
            "first": [line.first_date],
            "last": [line.last_date],
        },
        schema={
            "year_end": pl.Date,
            "value": pl.Float64,
            "target": pl.Float64,
            "points": pl.Int64,
            "first": pl.Date,
            "last": pl.Date,
        },
    )


def _target_on(targets: Sequence[calendar.TargetPeriod], day: date) -> float | None:
    covering = [
        target.target
        for target in targets
        if target.from_date <= day and (target.to_date is None or day <= target.to_date)
    ]
    return float(covering[0]) if covering else None


def trust_leaving_reasons(reasons: pl.DataFrame) -> pl.DataFrame:
    """Leaving reasons across the Trust, most frequent first, with their share."""
    return (
        reasons.group_by("leaving_reason", "leaving_reason_label")
        .agg(pl.col("leavers_headcount").sum(), pl.col("leavers_fte").sum())
        .with_columns(
            share=pl.col("leavers_headcount") / pl.col("leavers_headcount").sum().replace(0, None)
        )
        .sort("leavers_headcount", "leaving_reason", descending=[True, False], nulls_last=True)
    )


def caseload_bands(caseloads: pl.Series, threshold: int, width: int = 5) -> pl.DataFrame:
    """Case holders (caseload ≥ 1) counted in bands of ``width`` children, one band ending
    exactly at the threshold and two above it, then an open band; every band is listed,
    empty ones with 0."""
    uppers = [*range(threshold, 0, -width)][::-1]
    uppers += [threshold + width, threshold + 2 * width]
    uppers = [upper for upper in uppers if upper > 0]
    lowers = [1, *[upper + 1 for upper in uppers]]
    labels = [f"{low}–{high}" for low, high in zip(lowers, uppers, strict=False)]
    labels.append(f"{lowers[-1]}+")
    over = [low > threshold for low in lowers]
    holders = pl.DataFrame({"caseload": caseloads.cast(pl.Float64)}).filter(pl.col("caseload") >= 1)
    banded = holders.with_columns(
        band=pl.col("caseload")
        .cut([float(u) for u in uppers], labels=labels, left_closed=False)
        .cast(pl.String)
    )
    counts = banded.group_by("band").agg(pl.len().cast(pl.Int64).alias("case_holders"))
    skeleton = pl.DataFrame(
        {"band": labels, "order": list(range(len(labels))), "over_threshold": over}
    )
    total = holders.height
    return (
        skeleton.join(counts, on="band", how="left")
        .with_columns(pl.col("case_holders").fill_null(0))
        .with_columns(
            share=pl.col("case_holders") / total if total else pl.lit(None, pl.Float64),
            over_threshold=pl.when(pl.col("over_threshold"))
            .then(pl.lit(OVER_THRESHOLD))
            .otherwise(pl.lit("")),
        )
        .sort("order")
        .drop("order")
    )


def over_threshold(workers: pl.DataFrame, threshold: int) -> pl.DataFrame:
    """Case holders with more children than the threshold, largest caseload first (worker
    references only), with the role and worker kind in words."""
    return (
        workers.filter(pl.col("caseload") > threshold)
        .sort(["caseload", "worker_id"], descending=[True, False])
        .with_columns(
            worker_kind_word=pl.col("worker_kind").replace_strict(
                WORKER_KIND_WORDS, default=pl.col("worker_kind")
            ),
            role_name=role_words(),
        )
    )


def vacancy_cells(cells: pl.DataFrame) -> pl.DataFrame:
    """Establishment cells (in the engine's order: service area, team, role), with the role
    in words."""
    return cells.with_columns(role_name=role_words())


def funded_by_scope(cells: pl.DataFrame) -> pl.DataFrame:
    """Funded social-work FTE (establishment in force) of the Trust, each service area
    and each team: one row per (scope, scope_value) with ``funded_fte``."""
    return (
        with_scopes(cells.lazy())
        .group_by(SCOPE_KEYS)
        .agg(exact_sum(pl.col("funded_fte")).alias("funded_fte"))
        .collect()
    )
