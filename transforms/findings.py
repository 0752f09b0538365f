"""Findings about a run as a whole, and merging findings into the data-quality report.

Grain: one row per finding (``transforms.schema.FINDINGS_SCHEMA``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import polars as pl

from transforms.schema import FINDINGS_SCHEMA, empty_findings, findings_report, sort_findings


def stale_drop_finding(drop_date: dt.date | None, as_of: dt.date) -> pl.DataFrame:
    """A warning when the drop used was taken before the as-of date: its figures can
    only be as fresh as the drop, so the report says so instead of hiding it."""
    if drop_date is None or drop_date >= as_of:
        return empty_findings()
    days = (as_of - drop_date).days
    return pl.DataFrame(
        {
            "extract": [None],
            "row": [None],
            "column": [None],
            "rule": ["stale_drop"],
            "severity": ["warning"],
            "value": [drop_date.isoformat()],
            "message": [
                f"The newest extract drop ({drop_date.isoformat()}) is {days} day"
                f"{'s' if days != 1 else ''} older than the as-of date "
                f"({as_of.isoformat()}): changes after {drop_date.isoformat()} are not "
                "in these figures."
            ],
        },
        schema=FINDINGS_SCHEMA,
    ).pipe(findings_report)


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
        },
        schema=FINDINGS_SCHEMA,
    ).pipe(findings_report)


def combine_findings(parts: Iterable[pl.DataFrame]) -> pl.DataFrame:
    """All findings in one report, in the contract's order."""
    frames = [findings_report(part) for part in parts]
    if not frames:
        return empty_findings()
    return sort_findings(pl.concat(frames, how="vertical"))
