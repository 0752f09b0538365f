"""The as-of date of a scheduled nightly run. Pure date arithmetic."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

TRUST_TIMEZONE = ZoneInfo("Europe/London")
NIGHTLY_CRON = "0 2 * * *"  # 02:00 every night, in TRUST_TIMEZONE


def as_of_for_scheduled_run(scheduled_start: dt.datetime) -> dt.date:
    """The last complete day before a run scheduled at ``scheduled_start``, in UK time.

    Taken from the scheduled time, not the clock, so a late or retried run computes the
    same day as an on-time one.
    """
    if scheduled_start.tzinfo is None:
        raise ValueError("scheduled start time must be timezone-aware")
    return scheduled_start.astimezone(TRUST_TIMEZONE).date() - dt.timedelta(days=1)
