"""The Summary's plain-English lines on what changed, generated from the numbers.

Grain of ``what_changed``: three to six sentences, most important first: the KPI, teams
whose agency-rate status changed since the last month-end, teams missing the target, the
largest team movements, turnover and stability, data quality (and the committed outlook
when one is given).
"""

from __future__ import annotations

from datetime import date

import polars as pl

from transforms.calendar import last_month_end
from transforms.rules import WARNING
from transforms.scopes import SCOPE, SCOPE_VALUE, TEAM
from transforms.targets import MISSED
from transforms.views.changes import shown_change
from transforms.views.labels import RAG_STATUSES, STATUS_WORDS
from transforms.views.text import day, listing, percent, points

KPI = "agency_rate"
# A team's agency rate moving less than this many points is not news.
MOVEMENT_POINTS = 0.1
MOST_LINES = 6


def _headline_row(headline: pl.DataFrame, metric: str) -> dict[str, object] | None:
    rows = headline.filter(pl.col("metric") == metric)
    return rows.row(0, named=True) if rows.height else None


def _texts(frame: pl.DataFrame, text: pl.Expr) -> list[str]:
    """One sentence fragment per row of a (short) frame."""
    return [str(value) for value in frame.select(text).to_series().to_list()]


def _moved(change: object, when: str) -> str:
    """A change in points in words: "down 0.3 pts since 31 Oct 2026"."""
    if not isinstance(change, int | float):
        return ""
    if change == 0:
        return f"no change {when}"
    return f"{'down' if change < 0 else 'up'} {points(float(change))} {when}"


def kpi_line(headline: pl.DataFrame, as_of: date) -> str | None:
    row = _headline_row(headline, KPI)
    if row is None or row["value"] is None:
        return None
    value = row["value"]
    assert isinstance(value, float)
    target = row["target"]
    status = STATUS_WORDS.get(str(row["status"]), str(row["status"])).lower()
    against = (
        f"{status} against the target of {percent(float(target))}"
        if isinstance(target, float)
        else "no target covers this date"
    )
    month = _moved(row["change_month"], f"since {day(last_month_end(as_of))}")
    year = _moved(row["change_year"], "on a year earlier")
    changes = "; ".join(part for part in (month, year) if part)
    return f"Agency rate {percent(value)}: {against}" + (f" ({changes})." if changes else ".")


def _team_rates(history: pl.DataFrame, on: date) -> pl.DataFrame:
    return history.filter(
        (pl.col(SCOPE) == TEAM) & (pl.col("metric") == KPI) & (pl.col("as_of") == on)
    ).select(pl.col(SCOPE_VALUE).alias("team"), "value", "status")


def status_change_line(history: pl.DataFrame, as_of: date) -> str | None:
    """Teams whose agency-rate status changed since the last month-end."""
    since = last_month_end(as_of)
    now, before = _team_rates(history, as_of), _team_rates(history, since)
    if now.height == 0 or before.height == 0:
        return None
    rag = list(RAG_STATUSES)
    changed = (
        now.join(before, on="team", suffix="_before")
        .filter(
            pl.col("status").is_in(rag)
            & pl.col("status_before").is_in(rag)
            & (pl.col("status") != pl.col("status_before"))
        )
        .sort("team")
    )
    if changed.height == 0:
        return f"No team's agency-rate status changed since {day(since)}."
    described = _texts(
        changed,
        pl.format(
            "{} ({} → {})",
            "team",
            pl.col("status_before").replace_strict(STATUS_WORDS),
            pl.col("status").replace_strict(STATUS_WORDS),
        ),
    )
    teams = "team" if changed.height == 1 else "teams"
    return (
        f"{changed.height} {teams} changed agency-rate status since {day(since)}: "
        f"{listing(described)}."
    )


def missing_line(history: pl.DataFrame, as_of: date) -> str | None:
    """Teams missing the agency-rate target now, worst first."""
    now = _team_rates(history, as_of).filter(pl.col("status").is_not_null())
    rated = now.filter(pl.col("status").is_in(list(RAG_STATUSES)))
    if rated.height == 0:
        return None
    missing = rated.filter(pl.col("status") == MISSED).sort(
        ["value", "team"], descending=[True, False]
    )
    if missing.height == 0:
        return f"Every team ({rated.height}) meets the agency-rate target or is within tolerance."
    named = _texts(missing, pl.format("{} ({}%)", "team", (pl.col("value") * 100).round(1)))
    teams = "team misses" if missing.height == 1 else "teams miss"
    return f"{missing.height} {teams} the agency-rate target: {listing(named)} (see Teams)."


def movement_line(history: pl.DataFrame, as_of: date) -> str | None:
    """The two largest movements of a team's agency rate since the last month-end."""
    since = last_month_end(as_of)
    now, before = _team_rates(history, as_of), _team_rates(history, since)
    moves = (
        now.join(before, on="team", suffix="_before")
        .with_columns(
            change=shown_change(
                pl.col("value") - pl.col("value_before"), pl.lit(100.0), pl.lit(1, pl.Int64)
            )
        )
        .filter(pl.col("change").abs() >= MOVEMENT_POINTS)
        .sort([pl.col("change").abs(), "team"], descending=[True, False])
        .head(2)
    )
    if moves.height == 0:
        return None
    described = _texts(
        moves,
        pl.format(
            "{} {} {} pts",
            "team",
            pl.when(pl.col("change") > 0).then(pl.lit("up")).otherwise(pl.lit("down")),
            pl.col("change").abs().round(1),
        ),
    )
    return f"Largest agency-rate movements since {day(since)}: {listing(described)}."


def turnover_line(headline: pl.DataFrame) -> str | None:
    turnover = _headline_row(headline, "turnover_rate")
    if turnover is None or not isinstance(turnover["value"], float):
        return None
    year = _moved(turnover["change_year"], "on a year earlier")
    line = f"Turnover (12 months) {percent(turnover['value'])}" + (f", {year}" if year else "")
    stability = _headline_row(headline, "stability_index")
    if stability is not None and isinstance(stability["value"], float):
        line += f"; stability index {percent(stability['value'])}"
    return line + "."


def data_quality_line(extract_summaries: pl.DataFrame, findings: pl.DataFrame) -> str:
    quarantined = int(extract_summaries.get_column("rows_quarantined").sum())
    warnings = findings.filter(pl.col("severity") == WARNING).height
    current = findings.filter(pl.col("current").fill_null(False)).height
    if quarantined == 0 and warnings == 0:
        return "Data quality: no row quarantined and no warning."
    rows = "row" if quarantined == 1 else "rows"
    warned = "warning" if warnings == 1 else "warnings"
    return (
        f"Data quality: {quarantined} {rows} quarantined and {warnings} {warned}; "
        f"{current} of the findings affect this date's figures (see Data quality)."
    )


def what_changed(
    history: pl.DataFrame,
    as_of: date,
    headline: pl.DataFrame,
    extract_summaries: pl.DataFrame,
    findings: pl.DataFrame,
    outlook: str | None = None,
) -> list[str]:
    """The Summary's lines (see the module docstring), at most ``MOST_LINES``."""
    lines = [
        kpi_line(headline, as_of),
        outlook,
        status_change_line(history, as_of),
        missing_line(history, as_of),
        movement_line(history, as_of),
        turnover_line(headline),
        data_quality_line(extract_summaries, findings),
    ]
    present = [line for line in lines if line]
    if len(present) > MOST_LINES:
        # Drop the least important news first: the movements, then turnover.
        for optional in (movement_line(history, as_of), turnover_line(headline)):
            if len(present) > MOST_LINES and optional in present:
                present.remove(optional)
    return present[:MOST_LINES]
