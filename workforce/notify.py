"""Telling people about nightly runs through Apprise (e-mail, Teams, Slack, JSON
webhooks...), to the URLs of the ``[notify]`` settings; nothing is sent when there are
none. Grain: one message per event (a run failed or was refused, the KPI's status
changed), sent to every URL.

A notification never fails a run: a URL that cannot be used or a send that fails is one
warning line in the log (logger ``workforce.notify``), and the run goes on.

The previous status of the KPI is read from the newest published run dated before the
run's as-of date: ``<output>/<YYYY-MM-DD>/metrics.csv`` (the folders ``publish`` swaps in
whole, so a file there is always a complete run's).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from pathlib import Path

import polars as pl

from transforms.run_summary import KpiReading, kpi_readings

log = logging.getLogger("workforce.notify")
TITLE = "Workforce stability"


def _scheme(url: str) -> str:
    # URLs carry secrets (passwords, webhook tokens): a message names the scheme only.
    return url.partition("://")[0] + "://…" if "://" in url else "(not a URL)"


def unusable_urls(urls: Sequence[str]) -> list[int]:
    """Positions (from 0) of the URLs Apprise cannot use."""
    import apprise

    return [index for index, url in enumerate(urls) if not apprise.Apprise().add(url)]


def send(urls: Sequence[str], body: str, title: str = TITLE) -> bool:
    """Send ``body`` to every URL; True when every one took it. Never raises."""
    if not urls:
        return True
    try:
        import apprise

        # Apprise logs each failure in its own words (with the URL); ours is one line.
        logging.getLogger("apprise").setLevel(logging.CRITICAL)
        sender = apprise.Apprise()
        for url in urls:
            if not sender.add(url):
                log.warning("notification URL %s cannot be used; check [notify] urls", _scheme(url))
        sent = bool(len(sender)) and bool(sender.notify(title=title, body=body))
    except Exception as error:  # a notification must never fail the run
        log.warning(
            "notification not sent (%s); the run itself is unaffected", type(error).__name__
        )
        return False
    if not sent:
        schemes = ", ".join(_scheme(url) for url in urls)
        log.warning("notification to %s failed; the run itself is unaffected", schemes)
    return sent


def previous_kpi(output_dir: Path, as_of: dt.date) -> KpiReading | None:
    """The KPI of the newest published run dated before ``as_of`` (None if there is none
    or its ``metrics.csv`` cannot be read)."""
    if not output_dir.is_dir():
        return None
    dated = sorted(
        (day, folder)
        for folder in output_dir.iterdir()
        if (day := _folder_date(folder.name)) is not None
        and day < as_of
        and (folder / "metrics.csv").is_file()
    )
    if not dated:
        return None
    day, folder = dated[-1]
    try:
        metrics = pl.read_csv(
            folder / "metrics.csv",
            schema_overrides={"as_of": pl.Date, "value": pl.Float64, "target": pl.Float64},
        )
    except (OSError, pl.exceptions.PolarsError) as error:
        log.warning("cannot read %s (%s): no status change is notified", folder, error)
        return None
    return kpi_readings(metrics).get(day)


def _folder_date(name: str) -> dt.date | None:
    if len(name) != len("YYYY-MM-DD"):
        return None
    try:
        return dt.date.fromisoformat(name)
    except ValueError:
        return None
