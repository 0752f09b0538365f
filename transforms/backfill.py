"""As-of dates of a backfill (every day, every week-end (Sunday) or every month-end in a
range, inclusive) and how they are cut into chunks that bound memory. No I/O."""

from __future__ import annotations

import datetime as dt
from typing import Literal

import polars as pl

from transforms.definitions import metrics_available
from transforms.schema import Extracts

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


# Metrics rows computed at once. Computing them with targets peaks at about 200 bytes a
# row, so a chunk stays well under 1 GiB; the sample trust's daily backfill (about 0.8M
# rows) is one chunk, a trust 100 times larger takes about 80 dates a chunk.
SERIES_ROWS_PER_CHUNK = 3_000_000


def rows_per_date_bound(extracts: Extracts) -> int:
    """At most this many metrics rows per as-of date: every available metric at the
    Trust, at each service area and at each team named in the extracts."""
    named = pl.concat(
        [
            frame.select("team", "service_area")
            for frame in (extracts.staff, extracts.agency, extracts.establishment)
            if frame is not None
        ]
    )
    scopes = 1 + named.get_column("service_area").n_unique() + named.get_column("team").n_unique()
    return scopes * len(metrics_available(extracts.supplied()))


def date_chunks(
    dates: list[dt.date], rows_per_date: int, rows_per_chunk: int = SERIES_ROWS_PER_CHUNK
) -> list[list[dt.date]]:
    """The distinct dates in order, cut into consecutive chunks of at most
    ``rows_per_chunk // rows_per_date`` dates (at least one date a chunk)."""
    ordered = sorted(set(dates))
    size = max(1, rows_per_chunk // max(1, rows_per_date))
    return [ordered[index : index + size] for index in range(0, len(ordered), size)]
