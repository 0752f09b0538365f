"""The nightly schedule: 02:00 UK time across clock changes, and the as-of date it takes."""

from __future__ import annotations

import asyncio
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from transforms.schedule import NIGHTLY_CRON, TRUST_TIMEZONE, as_of_for_scheduled_run

UTC = dt.UTC
LONDON = ZoneInfo("Europe/London")


@pytest.mark.parametrize(
    ("start_utc", "clock_change"),
    [
        (dt.datetime(2026, 10, 22, 12, tzinfo=UTC), dt.date(2026, 10, 25)),  # BST -> GMT
        (dt.datetime(2027, 3, 25, 12, tzinfo=UTC), dt.date(2027, 3, 28)),  # GMT -> BST
    ],
)
def test_next_runs_are_at_two_in_the_morning_uk_time_across_clock_changes(
    start_utc: dt.datetime, clock_change: dt.date
) -> None:
    from prefect.server.schemas.schedules import CronSchedule

    from flows.deployments import nightly_schedule

    schedule = nightly_schedule()
    assert (schedule.cron, schedule.timezone) == (NIGHTLY_CRON, "Europe/London")
    server_schedule = CronSchedule(cron=NIGHTLY_CRON, timezone="Europe/London")
    # the server's own computation of upcoming runs (what its scheduler uses)
    runs = list(asyncio.run(server_schedule.get_dates(n=7, start=start_utc)))
    local: list[dt.datetime] = [run.astimezone(LONDON) for run in runs]
    assert [(t.hour, t.minute) for t in local] == [(2, 0)] * 7
    assert [t.date() for t in local] == [
        start_utc.date() + dt.timedelta(days=i) for i in range(1, 8)
    ]
    offsets: dict[dt.date, dt.timedelta | None] = {t.date(): t.utcoffset() for t in local}
    before = offsets[clock_change - dt.timedelta(days=1)]
    after = offsets[clock_change + dt.timedelta(days=1)]
    assert before != after  # the run really crossed a clock change and stayed at 02:00


def test_scheduled_run_reports_the_day_before_its_scheduled_start_in_uk_time() -> None:
    # 02:00 BST on 1 July is 01:00 UTC: still 1 July in London, so the as-of is 30 June.
    assert as_of_for_scheduled_run(dt.datetime(2026, 7, 1, 1, 0, tzinfo=UTC)) == dt.date(
        2026, 6, 30
    )
    # 23:30 UTC on 31 March 2026 is 00:30 BST on 1 April.
    assert as_of_for_scheduled_run(dt.datetime(2026, 3, 31, 23, 30, tzinfo=UTC)) == dt.date(
        2026, 3, 31
    )


def test_a_late_or_retried_run_computes_the_same_day() -> None:
    scheduled = dt.datetime(2026, 11, 24, 2, 0, tzinfo=TRUST_TIMEZONE)
    # The date comes from the scheduled time, whatever the clock says when it finally runs.
    assert as_of_for_scheduled_run(scheduled) == dt.date(2026, 11, 23)


def test_naive_scheduled_time_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        as_of_for_scheduled_run(dt.datetime(2026, 11, 24, 2, 0))
