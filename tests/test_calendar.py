"""Date helpers: month-ends, a year earlier, trend dates, glide path, projection."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, timedelta

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from transforms.calendar import (
    financial_year_end,
    glide_path,
    glide_points,
    last_month_end,
    month_ends,
    project_to_year_end,
    trend_dates,
    year_earlier,
)
from workforce.settings import load_settings

dates = st.dates(min_value=date(2001, 1, 1), max_value=date(2099, 12, 31))


@dataclass(frozen=True)
class Period:
    from_date: date
    to_date: date | None
    target: float


def test_last_month_end_is_strictly_before() -> None:
    assert last_month_end(date(2025, 3, 31)) == date(2025, 2, 28)
    assert last_month_end(date(2024, 3, 1)) == date(2024, 2, 29)
    assert last_month_end(date(2025, 1, 15)) == date(2024, 12, 31)


def test_month_ends_oldest_first() -> None:
    assert month_ends(date(2024, 3, 15), 3) == [
        date(2023, 12, 31), date(2024, 1, 31), date(2024, 2, 29),
    ]  # fmt: skip
    assert month_ends(date(2024, 3, 15), 0) == []


def test_year_earlier_29_february() -> None:
    assert year_earlier(date(2024, 2, 29)) == date(2023, 2, 28)
    assert year_earlier(date(2025, 3, 1)) == date(2024, 3, 1)
    assert year_earlier(date(2025, 2, 28)) == date(2024, 2, 28)


def test_trend_dates_include_year_earlier_and_as_of() -> None:
    got = trend_dates(date(2024, 2, 29))
    assert got[-1] == date(2024, 2, 29)
    assert date(2023, 2, 28) in got
    assert len(got) == 25  # 24 month-ends; a year earlier is one of them; plus D
    mid_month = trend_dates(date(2025, 6, 15), months=3)
    assert mid_month == [date(2024, 6, 15), date(2025, 3, 31), date(2025, 4, 30),
                         date(2025, 5, 31), date(2025, 6, 15)]  # fmt: skip


@given(as_of=dates, n=st.integers(min_value=0, max_value=40))
def test_month_ends_properties(as_of: date, n: int) -> None:
    ends = month_ends(as_of, n)
    assert len(ends) == n
    for end in ends:
        assert end < as_of
        assert (end + timedelta(days=1)).day == 1
    for earlier, later in itertools.pairwise(ends):
        assert (earlier + timedelta(days=1)).month == later.month
    if ends:
        assert ends[-1] == last_month_end(as_of)


@given(as_of=dates)
def test_year_earlier_properties(as_of: date) -> None:
    earlier = year_earlier(as_of)
    assert (as_of - earlier).days in (365, 366)
    assert earlier.month == as_of.month


@given(as_of=dates, months=st.integers(min_value=0, max_value=30))
def test_trend_dates_sorted_unique(as_of: date, months: int) -> None:
    got = trend_dates(as_of, months)
    assert got == sorted(set(got))
    assert as_of in got
    assert year_earlier(as_of) in got
    assert set(month_ends(as_of, months)) <= set(got)


def test_financial_year_end() -> None:
    assert financial_year_end(date(2025, 3, 31)) == date(2025, 3, 31)
    assert financial_year_end(date(2025, 4, 1)) == date(2026, 3, 31)
    assert financial_year_end(date(2025, 1, 1)) == date(2025, 3, 31)


def test_glide_path_between_default_targets() -> None:
    targets = [t for t in load_settings().targets if t.metric == "agency_rate"]
    days = [date(2023, 3, 31), date(2023, 9, 30), date(2024, 3, 31), date(2024, 9, 30),
            date(2025, 3, 31), date(2026, 3, 31), date(2030, 1, 1)]  # fmt: skip
    frame = pl.DataFrame({"day": days}).with_columns(path=glide_path("day", targets))
    path = dict(zip(frame["day"], frame["path"], strict=True))
    assert path[date(2023, 3, 31)] is None  # before any target
    assert path[date(2023, 9, 30)] == pytest.approx(0.48)
    assert path[date(2024, 3, 31)] == pytest.approx(0.48)
    share = (date(2024, 9, 30) - date(2024, 3, 31)).days / 365
    assert path[date(2024, 9, 30)] == pytest.approx(0.48 + (0.30 - 0.48) * share)
    assert path[date(2025, 3, 31)] == pytest.approx(0.30)
    assert path[date(2026, 3, 31)] == pytest.approx(0.20)
    assert path[date(2030, 1, 1)] == pytest.approx(0.20)


def test_glide_points_same_year_end_keeps_later_target() -> None:
    periods = [Period(date(2025, 4, 1), date(2025, 9, 30), 0.3),
               Period(date(2025, 10, 1), date(2026, 3, 31), 0.25)]  # fmt: skip
    points = glide_points(periods)
    assert [(p.on, p.value) for p in points] == [(date(2026, 3, 31), 0.25)]
    frame = pl.DataFrame({"day": [date(2025, 5, 1)]}).with_columns(path=glide_path("day", periods))
    assert frame["path"][0] == pytest.approx(0.25)


def test_glide_path_without_targets_is_empty() -> None:
    frame = pl.DataFrame({"day": [date(2025, 5, 1)]}).with_columns(path=glide_path("day", []))
    assert frame["path"][0] is None


@given(
    slope=st.floats(min_value=-0.001, max_value=0.001),
    intercept=st.floats(min_value=0.0, max_value=1.0),
)
def test_projection_of_a_straight_line_is_exact(slope: float, intercept: float) -> None:
    as_of = date(2025, 10, 31)
    ends = [*month_ends(as_of, 8), as_of]
    origin = ends[0]
    trend = pl.DataFrame(
        {"as_of": ends, "value": [intercept + slope * (d - origin).days for d in ends]}
    )
    projection = project_to_year_end(trend, as_of)
    assert projection.year_end == date(2026, 3, 31)
    assert projection.points_used == 6
    assert projection.last_date == as_of
    expected = intercept + slope * (date(2026, 3, 31) - origin).days
    assert projection.value == pytest.approx(expected, abs=1e-9)


def test_projection_skips_gaps_and_needs_two_points() -> None:
    as_of = date(2025, 6, 30)
    trend = pl.DataFrame(
        {
            "as_of": [date(2025, 4, 30), date(2025, 5, 15), date(2025, 5, 31), as_of],
            "value": [0.30, 0.99, None, 0.28],
        }
    )
    projection = project_to_year_end(trend, as_of)
    # the mid-month date and the empty value are ignored: a line through two points
    assert projection.points_used == 2
    per_day = (0.28 - 0.30) / (as_of - date(2025, 4, 30)).days
    assert projection.value == pytest.approx(0.28 + per_day * (date(2026, 3, 31) - as_of).days)
    single = project_to_year_end(trend.head(1), as_of)
    assert single.value is None
    assert single.points_used == 1
    empty = project_to_year_end(trend.clear(), as_of)
    assert empty.value is None
    assert empty.points_used == 0
