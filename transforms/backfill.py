"""As-of dates of a backfill: every day, every week-end (Sunday) or every month-end in a
range, inclusive. Pure date arithmetic over polars ranges, no I/O."""

from __future__ import annotations

import datetime as dt
from typing import Literal

import polars as pl

Every = Literal["day", "week", "month"]


def backfill_dates(start: dt.date, end: dt.date, every: Every = "month") -> list[dt.date]:
    """The as-of dates in ``[start, end]``: each day, each Sunday, or each month-end."""
    if end < start:
        raise ValueError(f"backfill end {end} is before its start {start}")
    days = pl.date_range(start, end, interval="1d", eager=True)
    if every == "week":
        days = days.filter(days.dt.weekday() == 7)
    elif every == "month":
        days = days.filter(days.dt.month_end() == days)
    return days.to_list()
