"""Checks of a command before Prefect starts (it takes seconds to start, and a mistake
should not): the dates, the settings file, the input and output folders. Grain: one
command line. Nothing here imports Prefect.

Every problem is one line naming the option or file, the problem and the fix:
``UsageProblem`` for an option value that cannot be right (exit status 2, as for any
wrong argument), ``RunFailure`` for a folder or file the run cannot use (exit status 1).
"""

from __future__ import annotations

import calendar
import datetime as dt
import os
import re
import shutil
import tempfile
from pathlib import Path

from transforms.schema import REQUIRED_EXTRACTS
from workforce.atomic_folder import clean_leftovers, disk_error_words
from workforce.drops import choose_drop
from workforce.errors import RunFailure
from workforce.readers import READERS, reader_for
from workforce.settings import Settings

# As-of dates a run accepts: none of the extracts' history starts before 1990 (the
# Children Act), and a date after 2099 is a typo.
EARLIEST_DATE = dt.date(1990, 1, 1)
LATEST_DATE = dt.date(2099, 12, 31)
# Free space a run needs on the output's disk: a nightly folder of a trust 100 times the
# sample's is about 10 MB, and a disk with less than this free is about to fail anyway.
MIN_FREE_BYTES = 32 * 1024 * 1024

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class UsageProblem(RunFailure):
    """An option's value cannot be right; the command does not start (exit status 2)."""


def parse_date(option: str, text: str) -> dt.date:
    """A YYYY-MM-DD option value as a date; ``UsageProblem`` saying why it is not one."""
    text = text.strip()
    if not _ISO_DATE.match(text):
        raise UsageProblem(f"{option} {text!r}: not a date in YYYY-MM-DD form (e.g. 2026-11-20)")
    year, month, day = (int(part) for part in text.split("-"))
    if year < 1:
        raise UsageProblem(f"{option} {text}: there is no year 0; give a real date")
    if not 1 <= month <= 12:
        raise UsageProblem(f"{option} {text}: there is no month {month}; give a real date")
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        raise UsageProblem(
            f"{option} {text}: {calendar.month_name[month]} {year} has {days} days; "
            "give a real date"
        )
    return dt.date(year, month, day)


def check_date(option: str, day: dt.date, *, today: dt.date, allow_future: bool) -> dt.date:
    """``day`` when a run can compute it: from ``EARLIEST_DATE``, and up to today unless
    ``allow_future`` (then up to ``LATEST_DATE``)."""
    if day < EARLIEST_DATE:
        raise UsageProblem(
            f"{option} {day}: before {EARLIEST_DATE}, earlier than any HR history this "
            f"reads; give a date from {EARLIEST_DATE} on"
        )
    if day > LATEST_DATE:
        raise UsageProblem(
            f"{option} {day}: after {LATEST_DATE}, the last date this computes; give an "
            "earlier date"
        )
    if day > today and not allow_future:
        raise UsageProblem(
            f"{option} {day}: after today ({today}); figures for a future date would only "
            "repeat the newest extract as if nothing changed. Give a date up to today, or "
            "add --allow-future to compute it anyway"
        )
    return day


def date_option(
    option: str, text: str | None, *, today: dt.date, allow_future: bool, default: dt.date
) -> dt.date:
    """A date option's value, checked (``default`` when not given)."""
    day = default if text is None else parse_date(option, text)
    return check_date(option, day, today=today, allow_future=allow_future)


def check_input(input_dir: Path) -> None:
    """``--input`` is a readable folder with something in it."""
    if not input_dir.exists():
        raise RunFailure(
            f"--input {input_dir}: folder not found; give the folder of the extracts or "
            "the incoming/ folder of dated drops"
        )
    if not input_dir.is_dir():
        raise RunFailure(
            f"--input {input_dir}: is a file, not a folder; give the folder of the extracts "
            "or the incoming/ folder of dated drops"
        )
    try:
        entries = [entry for entry in input_dir.iterdir() if not entry.name.startswith(".")]
    except PermissionError:
        raise RunFailure(
            f"--input {input_dir}: cannot be read (permission denied); give this user read "
            "permission on it"
        ) from None
    if not entries:
        raise RunFailure(
            f"--input {input_dir}: the folder is empty; it must hold the extracts "
            "(staff.csv, agency.csv, ...) or drop folders named YYYY-MM-DD"
        )


def check_drop(
    input_dir: Path, *, on_or_before: dt.date | None, drop: dt.date | None
) -> tuple[Path, dt.date | None]:
    """The drop the run will read, with its required extracts present."""
    folder, drop_date = choose_drop(input_dir, on_or_before=on_or_before, drop=drop)
    stems = {entry.stem.strip().lower() for entry in folder.iterdir() if reader_for(entry)}
    for required in REQUIRED_EXTRACTS:
        if required not in stems:
            expected = " or ".join(f"{required}{suffix}" for suffix in READERS)
            raise RunFailure(
                f"{folder}: required extract {required} is missing (expected {expected})"
            )
    return folder, drop_date


def check_output(output_dir: Path, input_dir: Path | None = None) -> None:
    """``--output`` is, or can be made, a folder this user can write, with some space."""
    if input_dir is not None and output_dir.resolve() == input_dir.resolve():
        raise RunFailure(
            f"--output {output_dir}: is the --input folder; write the reports to another folder"
        )
    existing = output_dir
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        where = "is a file" if existing == output_dir else f"is under {existing}, a file"
        raise RunFailure(
            f"--output {output_dir}: {where}, not a folder; give a folder (it is created "
            "if missing)"
        )
    try:
        handle, probe = tempfile.mkstemp(prefix=".workforce-probe-", dir=existing)
        os.close(handle)
        Path(probe).unlink()
    except OSError as error:
        words = disk_error_words(error) or (error.strerror or str(error)).lower()
        raise RunFailure(f"--output {output_dir}: cannot write in {existing}: {words}") from None
    free = shutil.disk_usage(existing).free
    if free < MIN_FREE_BYTES:
        raise RunFailure(
            f"--output {output_dir}: only {free / 2**20:.1f} MB free on its disk, less than "
            f"the {MIN_FREE_BYTES // 2**20} MB a run needs; free some space or choose "
            "another --output folder"
        )


def check_notify(settings: Settings, config: Path | None) -> None:
    """Every ``[notify]`` URL is one Apprise can use (nothing is sent here)."""
    if not settings.notify.urls:
        return
    from workforce.notify import unusable_urls

    bad = unusable_urls(settings.notify.urls)
    if bad:
        shown = config or "the settings"
        raise RunFailure(
            f"{shown}: [notify] urls #{bad[0] + 1} is not a URL Apprise can use; write it "
            "as the Apprise documentation shows for the service (mailtos://, json://, ...)"
        )


def tidy_output(output_dir: Path) -> None:
    """Remove what killed runs left in ``output_dir``, and reap an embedded Prefect server
    a killed command left running."""
    from workforce.runtime import reap_orphaned_servers

    clean_leftovers(output_dir)
    clean_leftovers(output_dir / "rejected")
    reap_orphaned_servers()
