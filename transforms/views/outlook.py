"""The Outlook and Retention sheets' frames, and the Summary's outlook sentence.

Grains: ``outlook_trend`` one row per date: the as-of date (measured) then the 12
month-ends after it (committed: if nothing else changes, not a forecast); ``levers`` one
row per scope shown in "what it takes": the Trust and every service area and team that
would not meet the target; ``retention_by_horizon`` one row per horizon with a column per
route (the share still in post); ``retention_table`` one row per (route, cohort, horizon);
``milestones_view`` one row per configured milestone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import polars as pl

from transforms import calendar
from transforms.outlook import OUTLOOK_METRICS
from transforms.retention import (
    AGENCY_CONVERSION,
    ALL,
    HORIZONS_DAYS,
    INTERNATIONAL,
    NEWLY_QUALIFIED,
    OTHER,
)
from transforms.scopes import SCOPE, SCOPE_VALUE, TRUST
from transforms.targets import MET
from transforms.views.history import wide_metrics
from transforms.views.labels import LEVEL_WORDS, STATUS_WORDS
from transforms.views.text import day, percent

MEASURED = "Measured"
COMMITTED = "Committed (if nothing else changes)"
IN_PROGRESS_WORD = "In progress"

ROUTE_WORDS: dict[str, str] = {
    AGENCY_CONVERSION: "Agency conversion",
    INTERNATIONAL: "International recruit",
    NEWLY_QUALIFIED: "Newly qualified",
    OTHER: "Other",
    ALL: "All starters",
}
ROUTE_ORDER: tuple[str, ...] = (AGENCY_CONVERSION, INTERNATIONAL, NEWLY_QUALIFIED, OTHER, ALL)


def horizon_words(days: int) -> str:
    """182 -> "6 months (182 days)"."""
    months = round(days / 30.4)
    return f"{months} months ({days} days)"


def _horizon_words(days: pl.Expr) -> pl.Expr:
    words = {horizon: horizon_words(horizon) for horizon in HORIZONS_DAYS}
    return days.replace_strict(words, default=days.cast(pl.String) + " days")


def outlook_trend(
    history: pl.DataFrame,
    outlook: pl.DataFrame,
    as_of: date,
    targets: Sequence[calendar.TargetPeriod],
) -> pl.DataFrame:
    """The Trust's stock metrics measured on the as-of date, then committed on each
    outlook month-end, with the glide path and ``basis`` saying which is which."""
    now = history.filter(
        (pl.col(SCOPE) == TRUST)
        & (pl.col("as_of") == as_of)
        & pl.col("metric").is_in(OUTLOOK_METRICS)
    )
    ahead = outlook.filter(pl.col(SCOPE) == TRUST)
    rows = pl.concat([now.select(ahead.columns), ahead], how="vertical_relaxed")
    return (
        wide_metrics(rows, ["as_of"], OUTLOOK_METRICS)
        .sort("as_of")
        .with_columns(
            basis=pl.when(pl.col("as_of") == as_of)
            .then(pl.lit(MEASURED))
            .otherwise(pl.lit(COMMITTED)),
            glide=calendar.glide_path("as_of", targets),
        )
    )


def levers(what_it_takes: pl.DataFrame) -> pl.DataFrame:
    """The Trust, service areas and teams whose committed rate would not meet the target
    (those that would meet it need nothing), with the level in words and "more than" where
    the comparison is strict."""
    return what_it_takes.filter(pl.col("status") != MET).with_columns(
        level=pl.col(SCOPE).replace_strict(LEVEL_WORDS, default=pl.col(SCOPE)),
        name=pl.when(pl.col(SCOPE) == TRUST)
        .then(pl.lit(LEVEL_WORDS[TRUST]))
        .otherwise(pl.col(SCOPE_VALUE)),
        need=pl.when(pl.col("more_than")).then(pl.lit("More than")).otherwise(pl.lit("At least")),
    )


@dataclass(frozen=True)
class CommittedKpi:
    """The Trust's committed agency rate on the year-end of "what it takes"."""

    year_end: date
    rate: float
    status: str
    what_it_takes: str  # in words: the three levers, or that none is needed


def committed_kpi(what_it_takes: pl.DataFrame) -> CommittedKpi | None:
    trust = what_it_takes.filter(pl.col(SCOPE) == TRUST)
    if trust.height == 0 or trust.get_column("committed_rate")[0] is None:
        return None
    row = trust.row(0, named=True)
    if row["status"] == MET:
        words = f"Meets the target of {percent(row['target'])}: no lever needed."
    else:
        need = "more than " if row["more_than"] else ""
        parts = [
            f"convert {need}{row['convert_fte_display']:.1f} FTE of agency to permanent"
            if row["convert_fte_display"] is not None
            else None,
            f"end {need}{row['end_agency_fte_display']:.1f} FTE of agency without replacing"
            if row["end_agency_fte_display"] is not None
            else None,
            f"add {need}{row['add_permanent_fte_display']:.1f} FTE of permanent starters"
            if row["add_permanent_fte_display"] is not None
            else None,
        ]
        levers_text = ", or ".join(part for part in parts if part)
        words = f"To meet {percent(row['target'])}: {levers_text} (see Outlook)."
    return CommittedKpi(row["year_end"], row["committed_rate"], row["status"], words)


def outlook_sentence(what_it_takes: pl.DataFrame) -> str | None:
    """One line for the Summary: the Trust's committed rate on the year-end and, if it
    would not meet the target, the headline lever (converting agency to permanent)."""
    committed = committed_kpi(what_it_takes)
    if committed is None:
        return None
    row = what_it_takes.filter(pl.col(SCOPE) == TRUST).row(0, named=True)
    start = (
        f"If nothing else changes, the agency rate will be {percent(committed.rate)} on "
        f"{day(committed.year_end)}"
    )
    if committed.status == MET:
        return (
            f"{start}, meeting the target of {percent(row['target'])} (the committed "
            "outlook, not a forecast)."
        )
    status = STATUS_WORDS.get(committed.status, committed.status).lower()
    lever = ""
    if row["convert_fte_display"] is not None:
        need = "more than " if row["more_than"] else ""
        lever = (
            f"; meeting it takes converting {need}{row['convert_fte_display']:.1f} FTE of "
            "agency to permanent"
        )
    return f"{start} ({status} against {percent(row['target'])}){lever} (see Outlook)."


def retention_by_horizon(retention: pl.DataFrame) -> pl.DataFrame:
    """Share still in post at each horizon (rows) for each route (columns), all cohorts
    together; a route with nobody followed that long is empty."""
    every_cohort = retention.filter(pl.col("cohort") == ALL)
    frame = pl.DataFrame({"horizon_days": list(HORIZONS_DAYS)}, schema={"horizon_days": pl.Int64})
    for route in ROUTE_ORDER:
        part = every_cohort.filter(pl.col("route") == route).select(
            "horizon_days", pl.col("retained").alias(route)
        )
        frame = frame.join(part, on="horizon_days", how="left")
    return frame.with_columns(horizon=_horizon_words(pl.col("horizon_days")))


def retention_table(retention: pl.DataFrame) -> pl.DataFrame:
    """One row per (route, cohort) with the share still in post and the number followed
    that long at each horizon (``retained_<h>``, ``at_risk_<h>``), the route in words,
    routes in their order and each route's cohorts oldest first (every cohort together
    last)."""
    route_rank = {route: rank for rank, route in enumerate(ROUTE_ORDER)}
    groups = retention.select("route", "cohort", "starters").unique(maintain_order=True)
    for horizon in HORIZONS_DAYS:
        at = retention.filter(pl.col("horizon_days") == horizon).select(
            "route",
            "cohort",
            pl.col("retained").alias(f"retained_{horizon}"),
            pl.col("at_risk").alias(f"at_risk_{horizon}"),
        )
        groups = groups.join(at, on=["route", "cohort"], how="left")
    return (
        groups.with_columns(
            route_word=pl.col("route").replace_strict(ROUTE_WORDS, default=pl.col("route")),
            cohort_word=pl.when(pl.col("cohort") == ALL)
            .then(pl.lit("All years"))
            .otherwise(pl.col("cohort")),
            _route=pl.col("route").replace_strict(route_rank, default=len(route_rank)),
            _all=pl.col("cohort") == ALL,
        )
        .sort("_route", "_all", "cohort")
        .drop("_route", "_all")
    )


def milestones_view(milestones: pl.DataFrame) -> pl.DataFrame:
    """Milestones with the route and status in words."""
    status_words = {**STATUS_WORDS, "in_progress": IN_PROGRESS_WORD}
    return milestones.with_columns(
        route_word=pl.col("route").replace_strict(ROUTE_WORDS, default=pl.col("route")),
        status_word=pl.col("status").replace_strict(status_words, default=pl.col("status")),
    )
