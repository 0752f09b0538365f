"""Which extract drop a run reads. Grain: one drop folder per run.

``--input`` is either one drop folder (it holds the extracts) or an ``incoming/`` folder
of drops named ``YYYY-MM-DD`` (the date each was taken; ``shared/spec/extracts.md``).
A nightly run takes the newest drop dated on or before its as-of date; a backfill takes
the newest drop of all, since every extract carries its history; either takes the drop
``--drop DATE`` names instead.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from workforce.errors import RunFailure
from workforce.extract_io import find_drop


def choose_drop(
    input_dir: Path, *, on_or_before: dt.date | None, drop: dt.date | None = None
) -> tuple[Path, dt.date | None]:
    """The drop folder and its date (None for a drop folder not named by date): ``drop``
    when given, else the newest drop dated on or before ``on_or_before`` (None: the
    newest of all). ``RunFailure`` with one line when there is none."""
    if drop is None and on_or_before is not None:
        return find_drop(input_dir, on_or_before)
    try:
        newest_path, newest_date = find_drop(input_dir, drop or dt.date.max)
    except RunFailure:
        if drop is None:
            raise RunFailure(
                f"{input_dir}: no staff extract and no drop folder named YYYY-MM-DD"
            ) from None
        newest = choose_drop(input_dir, on_or_before=None)[1]
        shown = f" (the newest is {newest.isoformat()})" if newest else ""
        raise RunFailure(f"{input_dir}: no drop folder {drop.isoformat()}{shown}") from None
    if drop is None:
        return newest_path, newest_date
    if newest_path == input_dir:
        raise RunFailure(
            f"--drop {drop.isoformat()}: {input_dir} is one drop folder, not an incoming/ "
            "folder of dated drops; leave out --drop or give the incoming/ folder"
        )
    if newest_date != drop:
        before = f" (the newest before it is {newest_date.isoformat()})" if newest_date else ""
        raise RunFailure(f"{input_dir}: no drop folder {drop.isoformat()}{before}")
    return newest_path, newest_date
