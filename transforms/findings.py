"""Findings about a run as a whole, and merging findings into the data-quality report.

Grain: one row per finding (``transforms.schema.FINDINGS_SCHEMA``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import polars as pl

from transforms.schema import REPORT_FINDINGS_SCHEMA, empty_findings, findings_report, sort_findings


def stale_drop_message(drop_date: dt.date | None, as_of: dt.date) -> str | None:
    """What to say when the drop used was taken before the as-of date (its figures can
    only be as fresh as the drop); None when it was not."""
    if drop_date is None or drop_date >= as_of:
        return None
    days = (as_of - drop_date).days
    return (
        f"The newest extract drop ({drop_date.isoformat()}) is {days} day"
        f"{'s' if days != 1 else ''} older than the as-of date ({as_of.isoformat()}): "
        f"changes after {drop_date.isoformat()} are not in these figures."
    )


def stale_drop_finding(drop_date: dt.date | None, as_of: dt.date) -> pl.DataFrame:
    """A warning when the drop used was taken before the as-of date, instead of hiding
    it; it affects every figure of the date."""
    message = stale_drop_message(drop_date, as_of)
    if message is None or drop_date is None:
        return empty_findings()
    return pl.DataFrame(
        {
            "extract": [None],
            "row": [None],
            "column": [None],
            "rule": ["stale_drop"],
            "severity": ["warning"],
            "value": [drop_date.isoformat()],
            "message": [message],
            "record_key": [None],
            "current": [True],
        },
        schema=REPORT_FINDINGS_SCHEMA,
    )


def benchmark_file_finding(reason: str) -> pl.DataFrame:
    """A warning that the configured DfE benchmark file could not be used."""
    return pl.DataFrame(
        {
            "extract": [None],
            "row": [None],
            "column": [None],
            "rule": ["benchmark_file"],
            "severity": ["warning"],
            "value": [None],
            "message": [f"No DfE comparison in this workbook: {reason}"],
            "record_key": [None],
            "current": [False],
        },
        schema=REPORT_FINDINGS_SCHEMA,
    )


def combine_findings(parts: Iterable[pl.DataFrame]) -> pl.DataFrame:
    """All findings in one report, in the contract's order."""
    frames = [findings_report(part) for part in parts]
    if not frames:
        return empty_findings()
    return sort_findings(pl.concat(frames, how="vertical"))
