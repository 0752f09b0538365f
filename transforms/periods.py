"""Periods with an inclusive start and an inclusive, possibly open, end: the shape of staff
spells, agency assignments, allocations and establishment periods. Pure polars expressions,
no I/O; grain: whatever frame they are applied to (one row per period).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import polars as pl

# An open period (empty end date: still running) runs to the end of time.
OPEN_END = date(9999, 12, 31)

# Day numbers (days since 1970-01-01) of every date polars can hold as a pl.Date from
# 0001-01-01 (day -719162) to 9999-12-31 (day 2932896) lie in [_EARLIEST_DAY,
# _EARLIEST_DAY + _RUN_STRIDE).
_EARLIEST_DAY = -719_163
_RUN_STRIDE = 4_000_000


def day_number(day: pl.Expr) -> pl.Expr:
    """Days since 1970-01-01 (Int32; negative before 1970)."""
    return day.cast(pl.Int32)


def end_or_open(end: str) -> pl.Expr:
    """The end date, with an open (empty) end read as ``OPEN_END``."""
    return pl.col(end).fill_null(OPEN_END)


def first_of_run(keys: Sequence[str]) -> pl.Expr:
    """True on the first row of each run of equal keys (in a frame sorted by the keys)."""
    changed = pl.lit(False)
    for key in keys:
        changed = changed | (pl.col(key) != pl.col(key).shift(1)).fill_null(True)
    return (pl.int_range(pl.len()) == 0) | changed


def running_max_per_run(day_numbers: pl.Expr, keys: Sequence[str]) -> pl.Expr:
    """The largest day number so far (this row included) within each run of equal keys,
    in a frame sorted by the keys (then by whatever order the running maximum follows).

    One cumulative maximum over the whole frame, not one window per key: each run's day
    numbers are lifted above every earlier run's, so a maximum never carries over from one
    key into the next. The day numbers must be those of ``day_number`` (Int32 range)."""
    run = first_of_run(keys).cum_sum().cast(pl.Int64)
    lifted = run * _RUN_STRIDE + (day_numbers.cast(pl.Int64) - _EARLIEST_DAY)
    return lifted.cum_max() - run * _RUN_STRIDE + _EARLIEST_DAY
