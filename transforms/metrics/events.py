"""Events of the metrics engine, judged once over the whole extract (independent of any
as-of date, so a date's metrics never depend on which other dates are computed).

Grains:
- ``social_work_spells``: one row per social-work ``staff`` spell, with ``moves_on`` (it
  ends in an internal move) and ``moved_in`` (it starts by an internal move);
- ``leaver_events``: one row per leaver event (``event_date`` = the spell's end_date);
- ``starter_events``: one row per starter event (``event_date`` = the spell's start_date),
  flagged as agency conversion, international recruit, newly qualified;
- ``sickness_episodes``: one row per SIC absence episode of an employee in a social-work
  spell on the episode's start date (``event_date``), with that spell's team.
"""

from __future__ import annotations

import polars as pl

from transforms.schema import (
    SICKNESS,
    START_ORIGIN_INTERNATIONAL,
    START_ORIGIN_NEWLY_QUALIFIED,
    is_social_work_role,
)

EVENT_DATE = "event_date"
# A social-work spell followed by another within this many days is an internal move.
INTERNAL_MOVE_MAX_GAP_DAYS = 7
# An agency assignment ended at most this many days before a starter's start still
# makes the starter an agency conversion.
CONVERSION_MAX_GAP_DAYS = 90


def social_work_rows(frame: pl.DataFrame | pl.LazyFrame) -> pl.LazyFrame:
    """Rows of an extract whose role is a social-work role (FSW and OTHER left out)."""
    return frame.lazy().filter(is_social_work_role())


def normalised_swe_number(column: str = "swe_number") -> pl.Expr:
    return pl.col(column).str.strip_chars().str.to_uppercase()


def social_work_spells(staff: pl.DataFrame) -> pl.LazyFrame:
    """Social-work spells with their internal-move flags. The neighbouring spell is the
    employee's previous/next *social-work* spell anywhere in the extract (even after the
    as-of date): a move into an FSW or OTHER post is a leaver, not an internal move."""
    next_start = pl.col("start_date").shift(-1).over("employee_id")
    previous_end = pl.col("end_date").shift(1).over("employee_id")
    return (
        social_work_rows(staff)
        .sort(["employee_id", "start_date"])
        .with_columns(
            (
                pl.col("end_date").is_not_null()
                & ((next_start - pl.col("end_date")).dt.total_days() <= INTERNAL_MOVE_MAX_GAP_DAYS)
            )
            .fill_null(False)
            .alias("moves_on"),
            ((pl.col("start_date") - previous_end).dt.total_days() <= INTERNAL_MOVE_MAX_GAP_DAYS)
            .fill_null(False)
            .alias("moved_in"),
        )
    )


def leaver_events(spells: pl.LazyFrame) -> pl.LazyFrame:
    return spells.filter(pl.col("end_date").is_not_null() & ~pl.col("moves_on")).select(
        "employee_id",
        "team",
        "service_area",
        "role",
        "fte",
        "leaving_reason",
        pl.col("end_date").alias(EVENT_DATE),
    )


def starter_events(spells: pl.LazyFrame, agency: pl.DataFrame) -> pl.LazyFrame:
    """Starter events, with ``is_conversion`` (an event counts once however many agency
    assignments match it), ``is_international`` and ``is_newly_qualified``."""
    starters = (
        spells.filter(~pl.col("moved_in"))
        .select(
            "employee_id",
            "team",
            "service_area",
            "role",
            "fte",
            "start_origin",
            normalised_swe_number().alias("swe"),
            pl.col("start_date").alias(EVENT_DATE),
        )
        .with_row_index("__event")
    )
    assignments = (
        social_work_rows(agency)
        .select(
            normalised_swe_number().alias("swe"),
            pl.col("start_date").alias("assignment_start"),
            pl.col("end_date").alias("assignment_end"),
        )
        .filter(pl.col("swe").is_not_null() & (pl.col("swe") != ""))
    )
    earliest_end = pl.col(EVENT_DATE).dt.offset_by(f"-{CONVERSION_MAX_GAP_DAYS}d")
    converted = (
        starters.select("__event", "swe", EVENT_DATE)
        .join(assignments, on="swe", how="inner")
        .filter(
            (pl.col("assignment_start") <= pl.col(EVENT_DATE))
            & (pl.col("assignment_end").is_null() | (pl.col("assignment_end") >= earliest_end))
        )
        .select("__event")
        .unique()
        .with_columns(pl.lit(True).alias("is_conversion"))
    )
    return (
        starters.join(converted, on="__event", how="left")
        .with_columns(
            pl.col("is_conversion").fill_null(False),
            (pl.col("start_origin") == START_ORIGIN_INTERNATIONAL)
            .fill_null(False)
            .alias("is_international"),
            (pl.col("start_origin") == START_ORIGIN_NEWLY_QUALIFIED)
            .fill_null(False)
            .alias("is_newly_qualified"),
        )
        .drop("__event", "swe")
    )


def sickness_episodes(absence: pl.DataFrame, spells: pl.LazyFrame) -> pl.LazyFrame:
    """SIC episodes of employees in a social-work spell on the episode's start date. Spells
    of one employee never overlap, so the latest spell started by that date is the only
    one that can be in post on it."""
    episodes = (
        absence.lazy()
        .filter(pl.col("reason") == SICKNESS)
        .select(
            "employee_id",
            pl.col("start_date").alias(EVENT_DATE),
            pl.col("working_days_lost").alias("days_lost"),
        )
        .sort(EVENT_DATE)
    )
    spell_starts = spells.select(
        "employee_id",
        "team",
        "service_area",
        pl.col("start_date").alias("spell_start"),
        pl.col("end_date").alias("spell_end"),
    ).sort("spell_start")
    return (
        episodes.join_asof(
            spell_starts,
            left_on=EVENT_DATE,
            right_on="spell_start",
            by="employee_id",
            strategy="backward",
            check_sortedness=False,
        )
        .filter(
            pl.col("spell_start").is_not_null()
            & (pl.col("spell_end").is_null() | (pl.col("spell_end") >= pl.col(EVENT_DATE)))
        )
        .drop("spell_start", "spell_end")
    )
