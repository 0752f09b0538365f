"""Row checks of ``shared/spec/extracts.md`` that Great Expectations cannot express alone.

Grain: one row per source row of one extract (the raw text frame read from the file,
``source_row`` = the row number the user sees, header = row 1).

``check_frame`` adds to the raw text columns the derived columns that the extract's GX
suite (``expectations/<extract>.json``) checks:

- ``<column>__date``: the ISO date, or null when the text is not a real ``YYYY-MM-DD`` date;
- ``<column>__number``: the decimal, or null when the text is not a plain decimal number;
- ``<column>__code``: the code in its canonical case (roles upper, contract types lower...);
- ``overlap`` (bool) and ``overlap_rows`` (text): rows whose period clashes with another
  period of the same key (employee, worker or (team, role));
- ``duplicate_rows`` (text): the rows sharing a key that must be unique;
- ``ended_by_as_of`` (bool, staff): the spell ended on or before the as-of date;
- ``unknown_employee`` (bool, absence): the employee is not on a valid staff row.

``clean_frame`` then turns the rows that passed into the typed frame of
``transforms.schema.clean_schema``. Everything here is vectorised polars, no I/O.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

import polars as pl

from transforms.periods import day_number, end_or_open, running_max_per_run
from transforms.schema import (
    EXTRACT_COLUMNS,
    LOWER_CASE_CODES,
    SOURCE_ROW,
    UPPER_CASE_CODES,
    ExtractName,
    clean_schema,
)

# A real calendar date written YYYY-MM-DD (leap years included, year 0000 excluded). ASCII
# digits only: both Python's and Rust's ``\d`` also match other scripts' digits. Every
# suite's date_format expectation uses this same pattern (a test keeps them equal).
_YEAR = r"(?:[1-9][0-9]{3}|0[1-9][0-9]{2}|00[1-9][0-9]|000[1-9])"
_NOT_FEB_29 = (
    r"(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])"
    r"|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)"
    r"|02-(?:0[1-9]|1[0-9]|2[0-8])"
)
_LEAP_YEAR = r"(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:0[48]|[2468][048]|[13579][26])00)"
ISO_DATE_REGEX = rf"^(?:{_YEAR}-(?:{_NOT_FEB_29})|{_LEAP_YEAR}-02-29)$"

# A plain decimal: optional sign, digits with an optional fraction (no exponent, no
# thousands separators, no currency symbol, no NaN or infinity).
DECIMAL_REGEX = r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$"

DATE_SUFFIX = "__date"
NUMBER_SUFFIX = "__number"
CODE_SUFFIX = "__code"

OVERLAP = "overlap"
OVERLAP_ROWS = "overlap_rows"
DUPLICATE_ROWS = "duplicate_rows"
ENDED_BY_AS_OF = "ended_by_as_of"
UNKNOWN_EMPLOYEE = "unknown_employee"


def iso_date(column: str) -> pl.Expr:
    """The date written in ``column``, null unless it is a real ``YYYY-MM-DD`` date."""
    text = pl.col(column)
    return (
        pl.when(text.str.contains(ISO_DATE_REGEX))
        .then(text.str.to_date("%Y-%m-%d", strict=False))
        .otherwise(None)
    )


def decimal_number(column: str) -> pl.Expr:
    """The decimal written in ``column``, null unless it is a plain decimal number."""
    text = pl.col(column)
    return (
        pl.when(text.str.contains(DECIMAL_REGEX))
        .then(text.cast(pl.Float64, strict=False))
        .otherwise(None)
    )


def canonical_code(column: str) -> pl.Expr:
    """The code in ``column`` in its canonical case (codes are matched ignoring case)."""
    text = pl.col(column)
    if column in UPPER_CASE_CODES:
        return text.str.to_uppercase()
    if column in LOWER_CASE_CODES:
        return text.str.to_lowercase()
    return text


def _rows_text(rows: pl.Expr) -> pl.Expr:
    """Source rows as "2, 5, 9" for a message."""
    return rows.sort().cast(pl.String).str.join(", ")


def duplicate_rows(frame: pl.DataFrame, keys: Sequence[str]) -> pl.Series:
    """For each row, the rows sharing its key when the key is read in full and appears
    more than once ("2, 5"); null otherwise."""
    keyed = frame.select(SOURCE_ROW, *keys).filter(
        pl.all_horizontal(pl.col(keys).is_not_null()) & pl.struct(keys).is_duplicated()
    )
    groups = keyed.group_by(keys).agg(_rows_text(pl.col(SOURCE_ROW)).alias(DUPLICATE_ROWS))
    joined = frame.select(SOURCE_ROW, *keys).join(
        groups, on=list(keys), how="left", nulls_equal=False, maintain_order="left"
    )
    return joined.get_column(DUPLICATE_ROWS)


def overlapping_rows(
    frame: pl.DataFrame, keys: Sequence[str], start: str, end: str, end_text: str
) -> pl.DataFrame:
    """Rows whose period [start, end] (inclusive; empty end = open) shares a day with
    another period of the same key: one row per ``source_row`` of ``frame`` with
    ``overlap`` (bool) and ``overlap_rows`` (every overlapping row of that key, "2, 5").

    A period is read when the key and start are present and the end is empty or a date
    (``end_text`` is the end as written: a written end that is not a date cannot be read).
    A period is compared as written even when its end is before its start.
    """
    periods = (
        frame.select(
            SOURCE_ROW,
            *keys,
            pl.col(start).alias("_start"),
            end_or_open(end).alias("_end"),
            (pl.col(end_text).is_null() | pl.col(end).is_not_null()).alias("_end_read"),
        )
        .filter(
            pl.all_horizontal(pl.col(keys).is_not_null())
            & pl.col("_start").is_not_null()
            & pl.col("_end_read")
        )
        .drop("_end_read")
        # A key with one period cannot clash; most keys have one, so drop them early.
        .filter(pl.struct(keys).is_duplicated())
        .sort([*keys, "_start", SOURCE_ROW])
    )
    # Periods in start order: a well-formed period overlaps an earlier one exactly when it
    # starts on or before the latest end so far of its key, and a later one exactly when
    # the next start of its key is on or before its own end.
    same_key_as_previous = pl.all_horizontal(
        [pl.col(key) == pl.col(key).shift(1) for key in keys]
    ).fill_null(False)
    same_key_as_next = pl.all_horizontal(
        [pl.col(key) == pl.col(key).shift(-1) for key in keys]
    ).fill_null(False)
    latest_end_before = pl.when(same_key_as_previous).then(
        running_max_per_run(day_number(pl.col("_end")), keys).shift(1)
    )
    swept = (
        periods.filter(pl.col("_end") >= pl.col("_start"))
        .with_columns(
            (
                (day_number(pl.col("_start")) <= latest_end_before)
                | (same_key_as_next & (pl.col("_start").shift(-1) <= pl.col("_end")))
            )
            .fill_null(False)
            .alias(OVERLAP)
        )
        .filter(pl.col(OVERLAP))
    )
    # A period whose end is before its start breaks the sweep; compare it with every
    # period of its key directly (such rows are rare, so the join stays small).
    inverted = periods.filter(pl.col("_end") < pl.col("_start"))
    pairs = inverted.join(periods, on=list(keys), suffix="_other").filter(
        (pl.col(SOURCE_ROW) != pl.col(f"{SOURCE_ROW}_other"))
        & (pl.col("_start") <= pl.col("_end_other"))
        & (pl.col("_start_other") <= pl.col("_end"))
    )
    clashing = pl.concat(
        [
            swept.select(SOURCE_ROW, *keys),
            pairs.select(SOURCE_ROW, *keys),
            pairs.select(pl.col(f"{SOURCE_ROW}_other").alias(SOURCE_ROW), *keys),
        ]
    ).unique(SOURCE_ROW)
    rows_by_key = clashing.group_by(keys).agg(_rows_text(pl.col(SOURCE_ROW)).alias(OVERLAP_ROWS))
    flagged = clashing.join(rows_by_key, on=list(keys)).select(
        SOURCE_ROW, pl.lit(True).alias(OVERLAP), OVERLAP_ROWS
    )
    return (
        frame.select(SOURCE_ROW)
        .join(flagged, on=SOURCE_ROW, how="left", maintain_order="left")
        .with_columns(pl.col(OVERLAP).fill_null(False))
    )


# The key of each extract whose periods must not overlap, and of the keys that must be
# unique (both on the derived columns, so a date or code is compared once parsed).
OVERLAP_KEYS: dict[ExtractName, tuple[str, ...]] = {
    "staff": ("employee_id",),
    "agency": ("worker_id",),
    "establishment": ("team", f"role{CODE_SUFFIX}"),
}
UNIQUE_KEYS: dict[ExtractName, tuple[str, ...]] = {
    "staff": ("employee_id", f"start_date{DATE_SUFFIX}"),
    "agency": ("assignment_id",),
    "caseloads": ("allocation_id",),
}
PERIOD_COLUMNS: dict[ExtractName, tuple[str, str]] = {
    "staff": ("start_date", "end_date"),
    "agency": ("start_date", "end_date"),
    "caseloads": ("allocated_from", "allocated_to"),
    "establishment": ("effective_from", "effective_to"),
    "absence": ("start_date", "end_date"),
}


def check_frame(
    extract: ExtractName,
    raw: pl.DataFrame,
    *,
    as_of: dt.date,
    valid_employee_ids: pl.Series | None = None,
) -> pl.DataFrame:
    """The raw text frame plus every derived column its GX suite checks (see module doc).

    ``valid_employee_ids``: the ``employee_id`` of staff rows that were not quarantined
    (needed for ``absence`` only).
    """
    derived: list[pl.Expr] = []
    for spec in EXTRACT_COLUMNS[extract]:
        if spec.kind == "date":
            derived.append(iso_date(spec.name).alias(spec.name + DATE_SUFFIX))
        elif spec.kind == "decimal":
            derived.append(decimal_number(spec.name).alias(spec.name + NUMBER_SUFFIX))
        elif spec.kind == "code":
            derived.append(canonical_code(spec.name).alias(spec.name + CODE_SUFFIX))
    checks = raw.with_columns(derived)

    if extract in UNIQUE_KEYS:
        checks = checks.with_columns(duplicate_rows(checks, UNIQUE_KEYS[extract]))
    if extract in OVERLAP_KEYS:
        start, end = PERIOD_COLUMNS[extract]
        overlaps = overlapping_rows(
            checks, OVERLAP_KEYS[extract], start + DATE_SUFFIX, end + DATE_SUFFIX, end
        )
        checks = checks.join(overlaps, on=SOURCE_ROW, how="left", maintain_order="left")
    if extract == "staff":
        checks = checks.with_columns(
            (pl.col(f"end_date{DATE_SUFFIX}") <= as_of).fill_null(False).alias(ENDED_BY_AS_OF)
        )
    if extract == "absence":
        known = (
            valid_employee_ids
            if valid_employee_ids is not None
            else pl.Series(values=[], dtype=pl.String)
        )
        checks = checks.with_columns(
            (pl.col("employee_id").is_not_null() & ~pl.col("employee_id").is_in(known.implode()))
            .fill_null(False)
            .alias(UNKNOWN_EMPLOYEE)
        )
    return checks


_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def message_expr(template: str) -> pl.Expr:
    """A plain-English message from ``template``: ``{name}`` is replaced by the frame's
    column ``name`` (empty when null), e.g. "fte must be at most 1; got {value}"."""
    parts: list[pl.Expr] = []
    position = 0
    for placeholder in _PLACEHOLDER.finditer(template):
        parts.append(pl.lit(template[position : placeholder.start()]))
        parts.append(pl.col(placeholder.group(1)).cast(pl.String).fill_null(""))
        position = placeholder.end()
    parts.append(pl.lit(template[position:]))
    return pl.concat_str(parts)


def message_columns(template: str) -> tuple[str, ...]:
    """The column names a message template refers to."""
    return tuple(dict.fromkeys(_PLACEHOLDER.findall(template)))


def clean_frame(extract: ExtractName, checks: pl.DataFrame) -> pl.DataFrame:
    """The typed clean frame (``clean_schema(extract)``) of rows that passed validation:
    dates and decimals parsed, codes in canonical case, reason codes as integers."""
    columns: list[pl.Expr] = [pl.col(SOURCE_ROW).cast(pl.Int64)]
    for spec in EXTRACT_COLUMNS[extract]:
        if spec.kind == "date":
            column = pl.col(spec.name + DATE_SUFFIX)
        elif spec.kind == "decimal":
            column = pl.col(spec.name + NUMBER_SUFFIX)
        elif spec.kind == "code":
            column = pl.col(spec.name + CODE_SUFFIX)
        elif spec.kind == "int_code":
            column = pl.col(spec.name).cast(pl.Int64, strict=False)
        else:
            column = pl.col(spec.name)
        columns.append(column.alias(spec.name))
    return checks.select(columns).cast(clean_schema(extract))  # type: ignore[arg-type]
