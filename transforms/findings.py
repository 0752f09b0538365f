"""Findings about a run as a whole, how a finding shows a value, which record it is about,
and merging findings into the data-quality report.

Grain: one row per finding (``transforms.schema.REPORT_FINDINGS_SCHEMA``); the record
details of ``record_details`` are one row per source row of one extract.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import polars as pl

from transforms.rules import CONTROL_CHARACTERS, PERIOD_COLUMNS, iso_date
from transforms.schema import (
    MAX_TEXT_CHARACTERS,
    REPORT_FINDINGS_SCHEMA,
    SOURCE_ROW,
    ExtractName,
    empty_findings,
    findings_report,
    sort_findings,
)

# A value longer than the text limit is shown cut to this many characters.
SHOWN_CHARACTERS = 100


def _escaped(character: str) -> str:
    code = ord(character)
    return f"\\x{code:02X}" if code <= 0xFF else f"\\u{code:04X}"


def shown_text(text: pl.Expr) -> pl.Expr:
    r"""A value as a finding shows it: control characters written out (``\x00``), so a
    report never carries a byte a spreadsheet or CSV reader chokes on, and a value over the
    text limit cut short (``…``). Any other value is shown exactly as it appeared."""
    escaped = text.str.replace_many(
        list(CONTROL_CHARACTERS), [_escaped(character) for character in CONTROL_CHARACTERS]
    )
    return (
        pl.when(escaped.str.len_chars() > MAX_TEXT_CHARACTERS)
        .then(pl.concat_str(escaped.str.slice(0, SHOWN_CHARACTERS), pl.lit("…")))
        .otherwise(escaped)
    )


# The record a row is, as HR knows it: parts (text before, column, text after); the first
# part names the record (no key, no record_key), a later one is left out when its column
# is empty. Never a child reference.
RECORD_KEYS: dict[ExtractName, tuple[tuple[str, str, str], ...]] = {
    "staff": (("employee ", "employee_id", ""), (" (spell from ", "start_date", ")")),
    "agency": (("assignment ", "assignment_id", ""),),
    "caseloads": (("allocation ", "allocation_id", ""),),
    "establishment": (
        ("team ", "team", ""),
        (" / role ", "role", ""),
        (" from ", "effective_from", ""),
    ),
    "absence": (("absence of employee ", "employee_id", ""), (" from ", "start_date", "")),
}


def _record_key(extract: ExtractName) -> pl.Expr:
    parts = [
        pl.concat_str(pl.lit(before), shown_text(pl.col(column)), pl.lit(after))
        for before, column, after in RECORD_KEYS[extract]
    ]
    return pl.concat_str(parts[0], *(part.fill_null("") for part in parts[1:]))


def record_details(extract: ExtractName, raw: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
    """For each source row of ``raw`` (the extract as read): ``record_key``, the record as
    HR knows it (null when its key is empty), and ``current``: True when the record's
    period touches the 12 months to ``as_of`` (it starts on or before ``as_of`` and ends
    after the same day a year earlier, or is open), False for a historic or future
    record, null when its dates cannot be read."""
    start, end = PERIOD_COLUMNS[extract]
    start_day, end_day = iso_date(start), iso_date(end)
    year_back = pl.lit(as_of).dt.offset_by("-1y")
    current = (
        pl.when(start_day.is_null() | (pl.col(end).is_not_null() & end_day.is_null()))
        .then(None)
        .otherwise((start_day <= as_of) & (end_day.is_null() | (end_day > year_back)))
    )
    return raw.select(
        SOURCE_ROW,
        _record_key(extract).alias("record_key"),
        current.alias("current"),
    )


def with_record_details(findings: pl.DataFrame, details: pl.DataFrame) -> pl.DataFrame:
    """``findings`` of one extract with ``record_key`` and ``current`` of their row
    (null for a finding about the whole file or a column)."""
    return findings_report(
        findings.drop("record_key", "current", strict=False).join(
            details.rename({SOURCE_ROW: "row"}), on="row", how="left", maintain_order="left"
        )
    )


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


# A spreadsheet opening a CSV treats a cell starting with one of these as a formula
# (= + - @) or strips it (tab, CR) and looks again: such a cell gets a leading apostrophe.
FORMULA_TRIGGERS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")


def neutralised_for_csv(findings: pl.DataFrame) -> pl.DataFrame:
    """``findings`` with every text cell that a spreadsheet would read as a formula
    prefixed with ``'`` (OWASP's CSV-injection advice): Excel and LibreOffice then show
    it as text, e.g. ``'=1+1`` or ``'-5``. Only the human-facing ``data_quality.csv`` is
    neutralised; ``metrics.csv`` keeps its values exactly."""
    starts_like_a_formula = "^[" + "".join(FORMULA_TRIGGERS).replace("-", "\\-") + "]"
    return findings.with_columns(
        pl.when(pl.col(name).str.contains(starts_like_a_formula))
        .then(pl.concat_str(pl.lit("'"), pl.col(name)))
        .otherwise(pl.col(name))
        .alias(name)
        for name, dtype in findings.schema.items()
        if dtype == pl.String()
    )
