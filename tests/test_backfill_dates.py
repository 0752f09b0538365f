"""As-of dates of a backfill."""

from __future__ import annotations

import datetime as dt

import pytest

from transforms.backfill import backfill_dates

D = dt.date


def test_month_ends_include_leap_day_and_both_ends_of_the_range() -> None:
    assert backfill_dates(D(2024, 1, 31), D(2024, 4, 30)) == [
        D(2024, 1, 31),
        D(2024, 2, 29),
        D(2024, 3, 31),
        D(2024, 4, 30),
    ]


def test_month_ends_skip_a_partial_last_month() -> None:
    assert backfill_dates(D(2024, 1, 15), D(2024, 3, 30)) == [D(2024, 1, 31), D(2024, 2, 29)]


def test_weeks_are_sundays() -> None:
    dates = backfill_dates(D(2024, 2, 26), D(2024, 3, 17), "week")
    assert dates == [D(2024, 3, 3), D(2024, 3, 10), D(2024, 3, 17)]
    assert all(d.isoweekday() == 7 for d in dates)


def test_every_day_of_the_sample_history() -> None:
    dates = backfill_dates(D(2022, 4, 1), D(2026, 11, 20), "day")
    assert len(dates) == (D(2026, 11, 20) - D(2022, 4, 1)).days + 1
    assert dates[0] == D(2022, 4, 1)
    assert dates[-1] == D(2026, 11, 20)


def test_end_before_start_is_refused() -> None:
    with pytest.raises(ValueError, match="before its start"):
        backfill_dates(D(2024, 3, 1), D(2024, 2, 1))
