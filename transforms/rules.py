"""Every rule of ``shared/spec/extracts.md`` as a polars flag column that Great
Expectations checks.

Grain: one row per source row of one extract (the raw text frame read from the file,
``source_row`` = the row number the user sees, header = row 1).

``extract_rules`` lists the rules of an extract, built from the column contract
(``transforms.schema.EXTRACT_COLUMNS``) plus the rules across rows (unique keys, periods
that must not overlap, absence of a known employee, missing leaving reasons). Each rule is
one boolean flag column (True where the row breaks it) checked by one expectation of the
extract's suite (``expectations/<extract>.json``, generated from these rules by
``python -m workforce.suites --write``).

``check_frame`` adds to the raw text columns the helper columns the rules read
(``<column>__date``: the ISO date or null; ``<column>__code``: the code in its canonical
case; ``overlap_rows``/``duplicate_rows``: the rows of a clash, for the message) and one
flag column per rule. ``clean_frame`` then turns the rows that passed into the typed frame
of ``transforms.schema.clean_schema``. Everything here is vectorised polars, no I/O.

Decimals are compared exactly as written (sign, whole digits, fraction), never rounded
to a float first: ``1.00000000000000001`` is more than 1.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Literal, TypeVar

import polars as pl

from transforms.periods import day_number, end_or_open, running_max_per_run
from transforms.schema import (
    EXTRACT_COLUMNS,
    LOWER_CASE_CODES,
    MAX_TEXT_CHARACTERS,
    NUMBER_LIMIT,
    SOCIAL_WORK_ROLES,
    SOURCE_ROW,
    UPPER_CASE_CODES,
    ColumnSpec,
    ExtractName,
    clean_schema,
)

Severity = Literal["error", "warning"]
FrameT = TypeVar("FrameT", pl.DataFrame, pl.LazyFrame)
ERROR: Severity = "error"  # the row is quarantined
WARNING: Severity = "warning"  # the row is kept (or, for a hold-back rule, left out unquarantined)

# A real calendar date written YYYY-MM-DD (leap years included, year 0000 excluded). ASCII
# digits only: both Python's and Rust's ``\d`` also match other scripts' digits.
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

# Characters no value may hold: the control characters (C0 and C1, NUL included, DEL)
# except tab and line breaks, which a quoted CSV value or a multi-line Excel cell may carry,
# and U+FFFE/U+FFFF, which are not text and cannot be written to a workbook.
CONTROL_CHARACTERS: tuple[str, ...] = tuple(
    chr(code)
    for code in [*range(0x00, 0x20), *range(0x7F, 0xA0), 0xFFFE, 0xFFFF]
    if chr(code) not in "\t\n\r"
)
CONTROL_CHARACTER_REGEX = (
    "[" + "".join(f"\\x{{{ord(character):04X}}}" for character in CONTROL_CHARACTERS) + "]"
)

DATE_SUFFIX = "__date"
CODE_SUFFIX = "__code"

OVERLAP = "overlap"
OVERLAP_ROWS = "overlap_rows"
DUPLICATE_ROWS = "duplicate_rows"
ENDED_BY_AS_OF = "ended_by_as_of"
UNKNOWN_EMPLOYEE = "unknown_employee"
EMPLOYEE_HELD_BACK = "employee_held_back"


def iso_date(column: str) -> pl.Expr:
    """The date written in ``column``, null unless it is a real ``YYYY-MM-DD`` date."""
    text = pl.col(column)
    return (
        pl.when(text.str.contains(ISO_DATE_REGEX))
        .then(text.str.to_date("%Y-%m-%d", strict=False))
        .otherwise(None)
    )


def decimal_number(column: str) -> pl.Expr:
    """The decimal written in ``column`` as a float, null unless it is a plain decimal
    number (for the clean frame: compare with ``decimal_sign`` first)."""
    text = pl.col(column)
    return (
        pl.when(text.str.contains(DECIMAL_REGEX))
        .then(text.cast(pl.Float64, strict=False))
        .otherwise(None)
    )


def _whole_digits(text: pl.Expr) -> pl.Expr:
    """The whole part of a plain decimal without sign and leading zeros ("" for 0.5)."""
    return text.str.extract(r"^[+-]?([0-9]*)", 1).str.strip_chars_start("0")


def decimal_sign(column: str, bound: int) -> pl.Expr:
    """Exactly compare the decimal written in ``column`` with the whole number ``bound``
    (>= 0): -1, 0 or 1 as it is below, equal to or above it; null unless a plain decimal.
    Only the whole part is ever turned into a number, so no digit is lost."""
    if bound < 0:
        raise ValueError("decimal_sign compares with a bound of 0 or more")
    text = pl.col(column)
    whole = _whole_digits(text)
    digits = whole.str.len_chars()
    fraction_nonzero = text.str.contains(r"\.[0-9]*[1-9]")
    zero = (digits == 0) & ~fraction_nonzero
    negative = text.str.starts_with("-") & ~zero
    whole_value = pl.when(digits == 0).then(0).otherwise(whole.cast(pl.Int64, strict=False))
    return (
        pl.when(~text.str.contains(DECIMAL_REGEX).fill_null(False))
        .then(None)
        .when(negative)
        .then(-1)
        .when(digits > len(str(bound)))
        .then(1)
        .when(whole_value > bound)
        .then(1)
        .when(whole_value < bound)
        .then(-1)
        .when(fraction_nonzero)
        .then(1)
        .otherwise(0)
        .cast(pl.Int8)
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
    key = pl.col(keys[0]) if len(keys) == 1 else pl.struct(keys)
    # Candidates first: rows whose key's 8-byte hash appears twice, found by sorting the
    # hashes (about 20 bytes a row; polars' is_duplicated on millions of keys builds a
    # hash table of about 100). The exact check (hashes can collide) runs on the few
    # candidates.
    present = frame.select(pl.all_horizontal(pl.col(keys).is_not_null())).to_series()
    hashes = frame.select(key.hash()).to_series()
    ordered = hashes.filter(present).sort()
    repeated = ordered.filter(ordered == ordered.shift(1))
    candidates = frame.select(SOURCE_ROW, *keys).filter(
        present & hashes.is_in(repeated.unique().implode())
    )
    listed = (
        candidates.lazy()
        .filter(key.is_duplicated())
        .select(
            SOURCE_ROW,
            _rows_text(pl.col(SOURCE_ROW))
            .over(keys, mapping_strategy="join")
            .alias(DUPLICATE_ROWS),
        )
        .collect()
    )
    rows = frame.get_column(SOURCE_ROW)
    if listed.is_empty():
        return pl.repeat(None, rows.len(), dtype=pl.String, eager=True).alias(DUPLICATE_ROWS)
    # Duplicates are few: looked up by row number, not joined by key.
    return rows.replace_strict(
        listed.get_column(SOURCE_ROW),
        listed.get_column(DUPLICATE_ROWS),
        default=None,
        return_dtype=pl.String,
    ).alias(DUPLICATE_ROWS)


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
# unique (both on the helper columns, so a date or code is compared once parsed), with
# what the finding says.
OVERLAP_KEYS: dict[ExtractName, tuple[str, ...]] = {
    "staff": ("employee_id",),
    "agency": ("worker_id",),
    "establishment": ("team", f"role{CODE_SUFFIX}"),
}
OVERLAP_MESSAGES: dict[ExtractName, str] = {
    "staff": "spells of employee_id {value} overlap (rows {overlap_rows}); "
    "spells of one employee must not overlap",
    "agency": "assignments of worker_id {value} overlap (rows {overlap_rows}); "
    "assignments of one worker must not overlap",
    "establishment": "establishment periods of team {value} and role {role} overlap "
    "(rows {overlap_rows}); periods of one team and role must not overlap",
}
UNIQUE_KEYS: dict[ExtractName, tuple[str, ...]] = {
    "staff": ("employee_id", f"start_date{DATE_SUFFIX}"),
    "agency": ("assignment_id",),
    "caseloads": ("allocation_id",),
}
UNIQUE_MESSAGES: dict[ExtractName, str] = {
    "staff": "employee_id {value} has more than one spell starting {start_date} "
    "(rows {duplicate_rows}); (employee_id, start_date) must be unique",
    "agency": "assignment_id {value} appears more than once (rows {duplicate_rows}); "
    "it must be unique",
    "caseloads": "allocation_id {value} appears more than once (rows {duplicate_rows}); "
    "it must be unique",
}
PERIOD_COLUMNS: dict[ExtractName, tuple[str, str]] = {
    "staff": ("start_date", "end_date"),
    "agency": ("start_date", "end_date"),
    "caseloads": ("allocated_from", "allocated_to"),
    "establishment": ("effective_from", "effective_to"),
    "absence": ("start_date", "end_date"),
}


def _column(key: str) -> str:
    """The extract column a helper column is derived from (``role__code`` -> ``role``)."""
    return key.split("__", 1)[0]


@dataclass(frozen=True)
class Rule:
    """One rule as Great Expectations checks it: the flag column ``flag`` (True where a row
    breaks the rule, never null) must be False on every row.

    ``column`` is the column a finding names (its raw text is the finding's value). A
    cell rule (``column`` None) applies to each column in ``cells`` and gives one finding
    per offending cell. A warning that ``holds_back`` leaves the row out of the clean
    frame without quarantining it."""

    rule: str
    column: str | None
    severity: Severity
    message: str  # {value}: the value; {name}: column ``name`` of the checked frame
    check: str  # what the flag tests, in words (written into the suite)
    broken: pl.Expr = field(compare=False, repr=False)
    cells: tuple[str, ...] = ()
    holds_back: bool = False

    @property
    def flag(self) -> str:
        return self.rule if self.column is None else f"{self.column}__{self.rule}"


def _present(column: str) -> pl.Expr:
    return pl.col(column).is_not_null()


def _row_rules(extract: ExtractName, specs: Sequence[ColumnSpec]) -> list[Rule]:
    """The rules about one value of a row, from the column contract, in the suite order:
    required values, patterns, codes, numbers, dates, reason codes."""
    rules = [
        Rule("required", s.name, ERROR, f"{s.name} is required but is empty",
             f"{s.name} is empty", pl.col(s.name).is_null())
        for s in specs if not s.nullable
    ]  # fmt: skip
    for s in specs:
        if s.pattern is not None:
            rules.append(
                Rule(s.pattern.rule, s.name, ERROR,
                     f"{s.name} must be {s.pattern.words}; got {{value}}",
                     f"{s.name} does not match {s.pattern.regex}",
                     _present(s.name) & ~pl.col(s.name).str.contains(s.pattern.regex))
            )  # fmt: skip
        if s.required_for_social_work:
            rules.append(
                Rule(f"{s.name}_required", s.name, ERROR,
                     f"{s.name} is required for a social-work role ({{role}}) but is empty",
                     f"{s.name} is empty and role is one of {', '.join(SOCIAL_WORK_ROLES)}",
                     pl.col(s.name).is_null()
                     & pl.col(f"role{CODE_SUFFIX}").is_in(SOCIAL_WORK_ROLES).fill_null(False))
            )  # fmt: skip
    for s in specs:
        if s.kind == "code" and s.codes is not None:
            codes = ", ".join(s.codes.codes)
            rules.append(
                Rule("code_list", s.name, ERROR,
                     f"{s.name} must be one of {codes} ({s.codes.label}, any case); got {{value}}",
                     f"{s.name} is not one of {codes} (any case)",
                     _present(s.name) & ~pl.col(s.name + CODE_SUFFIX).is_in(s.codes.codes))
            )  # fmt: skip
    for s in specs:
        if s.kind != "decimal":
            continue
        rules.append(
            Rule("number_format", s.name, ERROR,
                 f"{s.name} must be a plain number such as 0.5; got {{value}}",
                 f"{s.name} does not match {DECIMAL_REGEX}",
                 _present(s.name) & ~pl.col(s.name).str.contains(DECIMAL_REGEX))
        )  # fmt: skip
        if s.value_range is not None:
            rules.append(_range_rule(s))
    rules += [
        Rule("date_format", s.name, ERROR,
             f"{s.name} must be a real date written YYYY-MM-DD; got {{value}}",
             f"{s.name} is not a real date YYYY-MM-DD",
             _present(s.name) & pl.col(s.name + DATE_SUFFIX).is_null())
        for s in specs if s.kind == "date"
    ]  # fmt: skip
    start, end = PERIOD_COLUMNS[extract]
    rules.append(
        Rule("end_before_start", end, ERROR,
             f"{end} must be on or after {start} ({{{start}}}); got {{value}}",
             f"{end} is before {start}",
             (pl.col(end + DATE_SUFFIX) < pl.col(start + DATE_SUFFIX)).fill_null(False))
    )  # fmt: skip
    for s in specs:
        if s.kind == "int_code" and s.codes is not None:
            first, last = s.codes.codes[0], s.codes.codes[-1]
            rules.append(
                Rule("code_list", s.name, ERROR,
                     f"{s.name} must be a {s.codes.label} code from {first} to {last}, "
                     "or empty; got {value}",
                     f"{s.name} is not one of {', '.join(s.codes.codes)}",
                     _present(s.name) & ~pl.col(s.name).is_in(s.codes.codes))
            )  # fmt: skip
    return rules


def _range_rule(spec: ColumnSpec) -> Rule:
    bounds = spec.value_range
    assert bounds is not None
    broken = pl.lit(False)
    words: list[str] = []
    if bounds.minimum is not None:
        sign = decimal_sign(spec.name, bounds.minimum)
        broken = broken | (sign <= 0 if bounds.strict_minimum else sign < 0)
        words.append(f"{'<=' if bounds.strict_minimum else '<'} {bounds.minimum}")
    if bounds.maximum is not None:
        broken = broken | (decimal_sign(spec.name, bounds.maximum) > 0)
        words.append(f"> {bounds.maximum}")
    return Rule(
        bounds.rule,
        spec.name,
        ERROR,
        f"{spec.name} must be {bounds.words}; got {{value}}",
        f"{spec.name} is {' or '.join(words)} (compared exactly as written)",
        broken.fill_null(False),
    )


def _cross_row_rules(extract: ExtractName) -> list[Rule]:
    """Rules across rows (absence of a known employee, unique keys, overlapping periods)
    and the warnings, in the suite order."""
    rules: list[Rule] = []
    if extract == "absence":
        rules += [
            Rule(UNKNOWN_EMPLOYEE, "employee_id", ERROR,
                 "employee_id {value} does not match the employee_id of any staff row that "
                 "passed validation",
                 "employee_id is on no staff row", pl.col(UNKNOWN_EMPLOYEE)),
            Rule(EMPLOYEE_HELD_BACK, "employee_id", WARNING,
                 "every staff row of employee_id {value} was quarantined, so this absence is "
                 "held back: left out of the figures, not quarantined, until the staff rows "
                 "are fixed",
                 "every staff row of employee_id was quarantined",
                 pl.col(EMPLOYEE_HELD_BACK), holds_back=True),
        ]  # fmt: skip
    if extract in UNIQUE_KEYS:
        column = _column(UNIQUE_KEYS[extract][0])
        rules.append(
            Rule("duplicate_key", column, ERROR, UNIQUE_MESSAGES[extract],
                 f"({', '.join(map(_column, UNIQUE_KEYS[extract]))}) is on another row too",
                 pl.col(DUPLICATE_ROWS).is_not_null())
        )  # fmt: skip
    if extract in OVERLAP_KEYS:
        keys = ", ".join(map(_column, OVERLAP_KEYS[extract]))
        rules.append(
            Rule("overlap", _column(OVERLAP_KEYS[extract][0]), ERROR, OVERLAP_MESSAGES[extract],
                 f"the period shares a day with another period of the same ({keys})",
                 pl.col(OVERLAP))
        )  # fmt: skip
    if extract == "staff":
        rules.append(
            Rule("leaving_reason_missing", "leaving_reason", WARNING,
                 "leaving_reason is empty on a spell that ended on {end_date}, on or before the "
                 "as-of date; give a CSWW ReasonLeave code (9 not known, 10 not yet collected)",
                 "leaving_reason is empty on a spell ended by the as-of date",
                 pl.col("leaving_reason").is_null() & pl.col(ENDED_BY_AS_OF))
        )  # fmt: skip
    rules += [
        Rule(f"{s.name}_missing", s.name, WARNING, f"{s.name} is empty; {s.empty_warning}",
             f"{s.name} is empty", pl.col(s.name).is_null())
        for s in EXTRACT_COLUMNS[extract] if s.empty_warning is not None
    ]  # fmt: skip
    return rules


# Cell rules: a value no column may hold. Each is one flag per row (some cell breaks it);
# the finding names each offending cell.
CONTROL_CHARACTER = "control_character"
TEXT_LENGTH = "text_length"
NUMBER_RANGE = "number_range"
CELL_MESSAGES: dict[str, str] = {
    CONTROL_CHARACTER: "{column} contains a control character (shown as \\xNN or \\uNNNN in the "
    "value); remove it and export the extract again",
    TEXT_LENGTH: f"{{column}} is {{length}} characters long; a value may be at most "
    f"{MAX_TEXT_CHARACTERS:,} characters (the value is shown cut short)",
    NUMBER_RANGE: f"{{column}} must be a number below {NUMBER_LIMIT:,} in size; got {{value}}",
}


def cell_broken(rule: str, column: str) -> pl.Expr:
    """True where the value of ``column`` breaks the cell rule ``rule``."""
    text = pl.col(column)
    if rule == CONTROL_CHARACTER:
        return text.str.contains(CONTROL_CHARACTER_REGEX)
    if rule == TEXT_LENGTH:
        return text.str.len_chars() > MAX_TEXT_CHARACTERS
    if rule == NUMBER_RANGE:
        limit_digits = len(str(NUMBER_LIMIT)) - 1  # below 10^9: at most 9 whole digits
        return text.str.contains(DECIMAL_REGEX) & (
            _whole_digits(text).str.len_chars() > limit_digits
        )
    raise ValueError(f"unknown cell rule {rule!r}")


def _cell_rules(specs: Sequence[ColumnSpec]) -> list[Rule]:
    everything = tuple(s.name for s in specs)
    decimals = tuple(s.name for s in specs if s.kind == "decimal")
    checks = {
        CONTROL_CHARACTER: "some value contains a control character",
        TEXT_LENGTH: f"some value is longer than {MAX_TEXT_CHARACTERS:,} characters",
        NUMBER_RANGE: f"some decimal is {NUMBER_LIMIT:,} or more in size",
    }
    rules = []
    for rule, cells in ((CONTROL_CHARACTER, everything), (TEXT_LENGTH, everything),
                        (NUMBER_RANGE, decimals)):  # fmt: skip
        if cells:
            broken = pl.any_horizontal([cell_broken(rule, c) for c in cells]).fill_null(False)
            rules.append(
                Rule(rule, None, ERROR, CELL_MESSAGES[rule], checks[rule], broken, cells=cells)
            )
    return rules


@cache
def extract_rules(extract: ExtractName) -> tuple[Rule, ...]:
    """Every rule of ``extract``, in the order of its suite."""
    specs = EXTRACT_COLUMNS[extract]
    return (*_row_rules(extract, specs), *_cross_row_rules(extract), *_cell_rules(specs))


def _helpers(extract: ExtractName, columns: Sequence[str]) -> list[pl.Expr]:
    """The parsed dates and canonical codes of ``columns`` that the rules read."""
    helpers: list[pl.Expr] = []
    for spec in EXTRACT_COLUMNS[extract]:
        if spec.name not in columns:
            continue
        if spec.kind == "date":
            helpers.append(iso_date(spec.name).alias(spec.name + DATE_SUFFIX))
        elif spec.kind == "code":
            helpers.append(canonical_code(spec.name).alias(spec.name + CODE_SUFFIX))
    return helpers


def cross_row_columns(
    extract: ExtractName,
    raw: pl.DataFrame,
    *,
    valid_employee_ids: pl.Series | None = None,
    staff_employee_ids: pl.Series | None = None,
) -> pl.DataFrame:
    """The columns the rules across rows read, one row per row of ``raw`` in its order:
    ``duplicate_rows``; ``overlap`` and ``overlap_rows``; for absence ``unknown_employee``
    and ``employee_held_back``. Computed on the key and period columns only, over the
    whole extract (a clash can join any two rows).

    For ``absence`` only: ``staff_employee_ids`` are the ``employee_id`` of every staff row
    as read, ``valid_employee_ids`` those of staff rows that were not quarantined. An
    episode of an employee on no staff row breaks ``unknown_employee``; one of an employee
    whose staff rows were all quarantined is held back (``employee_held_back``). Without
    ``staff_employee_ids`` every employee not valid is unknown.
    """
    keys = {_column(key) for key in (*UNIQUE_KEYS.get(extract, ()), *OVERLAP_KEYS.get(extract, ()))}
    period = PERIOD_COLUMNS[extract] if extract in OVERLAP_KEYS else ()
    needed = [s.name for s in EXTRACT_COLUMNS[extract] if s.name in keys or s.name in period]
    narrow = raw.select(SOURCE_ROW, *needed).with_columns(_helpers(extract, needed))
    cross: list[str] = []
    if extract in UNIQUE_KEYS:
        narrow = narrow.with_columns(duplicate_rows(narrow, UNIQUE_KEYS[extract]))
        cross.append(DUPLICATE_ROWS)
    if extract in OVERLAP_KEYS:
        start, end = PERIOD_COLUMNS[extract]
        overlaps = overlapping_rows(
            narrow, OVERLAP_KEYS[extract], start + DATE_SUFFIX, end + DATE_SUFFIX, end
        )
        narrow = narrow.join(overlaps, on=SOURCE_ROW, how="left", maintain_order="left")
        cross += [OVERLAP, OVERLAP_ROWS]
    if extract == "absence":
        empty = pl.Series(values=[], dtype=pl.String)
        valid = valid_employee_ids if valid_employee_ids is not None else empty
        on_staff = staff_employee_ids if staff_employee_ids is not None else valid
        employee = raw.get_column("employee_id")
        narrow = narrow.with_columns(
            (employee.is_not_null() & ~employee.is_in(on_staff.implode()))
            .fill_null(False)
            .alias(UNKNOWN_EMPLOYEE),
            (employee.is_in(on_staff.implode()) & ~employee.is_in(valid.implode()))
            .fill_null(False)
            .alias(EMPLOYEE_HELD_BACK),
        )
        cross += [UNKNOWN_EMPLOYEE, EMPLOYEE_HELD_BACK]
    return narrow.select(SOURCE_ROW, *cross)


def row_checks(extract: ExtractName, frame: FrameT, *, as_of: dt.date) -> FrameT:
    """``frame`` (raw text plus ``cross_row_columns``) with the helper columns and one flag
    column per rule. Each row is checked on its own, so a large extract can be checked in
    chunks of rows."""
    checks = frame.with_columns(_helpers(extract, frame.collect_schema().names()))
    if extract == "staff":
        checks = checks.with_columns(
            (pl.col(f"end_date{DATE_SUFFIX}") <= as_of).fill_null(False).alias(ENDED_BY_AS_OF)
        )
    return checks.with_columns(rule.broken.alias(rule.flag) for rule in extract_rules(extract))


def check_frame(
    extract: ExtractName,
    raw: pl.DataFrame,
    *,
    as_of: dt.date,
    valid_employee_ids: pl.Series | None = None,
    staff_employee_ids: pl.Series | None = None,
) -> pl.DataFrame:
    """The raw text frame plus the cross-row columns, helper columns and one flag column
    per rule, in one piece (see ``cross_row_columns`` and ``row_checks``)."""
    cross = cross_row_columns(
        extract,
        raw,
        valid_employee_ids=valid_employee_ids,
        staff_employee_ids=staff_employee_ids,
    )
    return row_checks(extract, raw.hstack(cross.drop(SOURCE_ROW)), as_of=as_of)


def flag_frame(
    extract: ExtractName, frame: pl.DataFrame, *, as_of: dt.date, chunk_rows: int
) -> pl.DataFrame:
    """``source_row`` and the flag columns of ``frame`` (raw text plus
    ``cross_row_columns``), checked ``chunk_rows`` rows at a time: the helper columns of
    one chunk are all that is held at once."""
    flags = [SOURCE_ROW, *flag_columns(extract)]
    return pl.concat(
        [
            row_checks(extract, frame.slice(offset, chunk_rows).lazy(), as_of=as_of)
            .select(flags)
            .collect()
            for offset in range(0, max(frame.height, 1), chunk_rows)
        ],
        how="vertical",
    )


def flag_columns(extract: ExtractName) -> list[str]:
    """The flag columns of ``extract``'s rules: what its suite is handed."""
    return [rule.flag for rule in extract_rules(extract)]


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


def clean_frame(extract: ExtractName, checks: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    """The typed clean frame (``clean_schema(extract)``) of the rows of ``checks`` (raw
    text columns) that passed validation: dates and decimals parsed, codes in canonical
    case, reason codes as integers."""
    columns: list[pl.Expr] = [pl.col(SOURCE_ROW).cast(pl.Int64)]
    for spec in EXTRACT_COLUMNS[extract]:
        if spec.kind == "date":
            column = iso_date(spec.name)
        elif spec.kind == "decimal":
            column = decimal_number(spec.name)
        elif spec.kind == "code":
            column = canonical_code(spec.name)
        elif spec.kind == "int_code":
            column = pl.col(spec.name).cast(pl.Int64, strict=False)
        else:
            column = pl.col(spec.name)
        columns.append(column.alias(spec.name))
    typed = checks.lazy().select(columns).cast(clean_schema(extract))  # type: ignore[arg-type]
    return typed.collect()
