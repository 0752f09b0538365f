"""The extract contract of ``shared/spec/extracts.md`` as data.

Grain of each clean frame (after reading and validation), one row per source row:
- ``staff``: one row per employment spell of an employed worker;
- ``agency``: one row per agency assignment;
- ``caseloads``: one row per allocation of a child to a worker;
- ``establishment``: one row per funded-post period of a (team, role) cell;
- ``absence``: one row per absence episode of an employed worker.

Every clean frame also carries ``source_row``: the row number the user sees in the file
(header = row 1), so any finding can point back to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import polars as pl

SOURCE_ROW = "source_row"

SOCIAL_WORK_ROLES: tuple[str, ...] = ("SW", "SP", "PS", "TM", "SM", "CC", "CPC", "IRO")
NON_SOCIAL_WORK_ROLES: tuple[str, ...] = ("FSW", "OTHER")
ALL_ROLES: tuple[str, ...] = SOCIAL_WORK_ROLES + NON_SOCIAL_WORK_ROLES

ROLE_NAMES: dict[str, str] = {
    "SW": "Social worker (case holder, incl. newly qualified / ASYE)",
    "SP": "Senior or advanced practitioner",
    "PS": "Practice supervisor",
    "TM": "Team manager",
    "SM": "Service manager",
    "CC": "Court (work) consultant",
    "CPC": "Child protection conference chair",
    "IRO": "Independent reviewing officer",
    "FSW": "Family support worker (unqualified)",
    "OTHER": "Any other post",
}

CSWW_ORG_ROLE: dict[str, int] = {
    "SW": 5, "SP": 4, "PS": 3, "TM": 3, "SM": 2, "CC": 6, "CPC": 6, "IRO": 6,
}  # fmt: skip

CONTRACT_TYPES: tuple[str, ...] = ("permanent", "fixed_term")
WORKER_KINDS: tuple[str, ...] = ("employee", "agency")

LEAVING_REASONS: dict[int, str] = {
    1: "Resignation",
    2: "Voluntary redundancy",
    3: "Compulsory redundancy",
    4: "Dismissed",
    5: "Retired",
    6: "Deceased",
    7: "Moved to a non-children's social work role in the organisation",
    8: "Other",
    9: "Not known",
    10: "Not yet collected",
}

START_ORIGINS: dict[int, str] = {
    1: "Newly qualified",
    2: "Social work role in another English local authority",
    3: "Social work role outside England (international recruit)",
    4: "Agency or consultancy in England",
    5: "Other non-LA social work role",
    6: "Other social care role",
    7: "Non-social-care role / outside England / no employment",
    8: "Other",
    9: "Not known",
    10: "Not yet collected",
}
START_ORIGIN_NEWLY_QUALIFIED = 1
START_ORIGIN_INTERNATIONAL = 3

ABSENCE_REASONS: dict[str, str] = {
    "SIC": "Sickness",
    "MAT": "Maternity/paternity",
    "OTH": "Other paid",
    "PUB": "Public duties",
    "TRN": "Training",
    "UNA": "Unauthorised",
    "UNP": "Unpaid",
}
SICKNESS = "SIC"

SWE_NUMBER_PATTERN = r"^[A-Za-z]{2}\d{1,10}$"

ExtractName = Literal["staff", "agency", "caseloads", "establishment", "absence"]
EXTRACT_NAMES: tuple[ExtractName, ...] = (
    "staff",
    "agency",
    "caseloads",
    "establishment",
    "absence",
)
REQUIRED_EXTRACTS: tuple[ExtractName, ...] = ("staff", "agency")
EXTRACT_GRAINS: dict[ExtractName, str] = {
    "staff": "One row per employment spell of an employed (permanent or fixed-term) worker.",
    "agency": "One row per agency assignment.",
    "caseloads": "One row per allocation of a child to a worker.",
    "establishment": "One row per funded-post period of a (team, role) cell.",
    "absence": "One row per absence episode of an employed worker.",
}

ColumnKind = Literal["text", "code", "int_code", "decimal", "date"]

# Limits that keep a stray value from crashing the run, exhausting memory or making a cell
# Excel cannot hold: every text value at most this long, every decimal below this in size.
MAX_TEXT_CHARACTERS = 1_000
NUMBER_LIMIT = 10**9


@dataclass(frozen=True)
class CodeList:
    """The codes a ``code`` or ``int_code`` column may hold (codes match ignoring case)
    and what HR calls them, for the message ("role codes", "CSWW ReasonLeave")."""

    codes: tuple[str, ...]
    label: str


@dataclass(frozen=True)
class NumberRange:
    """The range a decimal column must lie in, with exact whole-number bounds (a decimal
    is compared as written, never rounded first), its rule id and the range in words."""

    rule: str
    minimum: int | None = None
    strict_minimum: bool = False  # True: more than ``minimum``; False: at least
    maximum: int | None = None  # at most
    words: str = ""  # "more than 0 and at most 1"


@dataclass(frozen=True)
class TextPattern:
    """A pattern a text value must match whenever present."""

    rule: str
    regex: str
    words: str  # what the pattern means, for the message


@dataclass(frozen=True)
class ColumnSpec:
    """One column of an extract and its single-value rules (the one declaration the GX
    suites are generated from: ``python -m workforce.suites``).

    - ``nullable``: a value may be empty (otherwise the ``required`` rule);
    - ``required_header``: the header must name the column (an optional column missing
      from the header reads as empty in every row);
    - ``codes``, ``value_range``, ``pattern``: what a present value must be;
    - ``required_for_social_work``: empty is an error on a social-work role's row;
    - ``empty_warning``: empty is a warning (``<name>_missing``) whose message ends with
      this consequence.
    """

    name: str
    kind: ColumnKind
    nullable: bool = False
    required_header: bool = True
    codes: CodeList | None = None
    value_range: NumberRange | None = None
    pattern: TextPattern | None = None
    required_for_social_work: bool = False
    empty_warning: str | None = None


_TEXT: ColumnKind = "text"
_CODE: ColumnKind = "code"
_REASON_CODES = tuple(str(code) for code in range(1, 11))

_ROLE = ColumnSpec("role", _CODE, codes=CodeList(ALL_ROLES, "role codes"))
_SWE_NUMBER = ColumnSpec(
    "swe_number",
    _TEXT,
    nullable=True,
    pattern=TextPattern(
        "swe_number_format",
        SWE_NUMBER_PATTERN.replace(r"\d", "[0-9]"),  # ASCII digits only
        "a Social Work England number: two letters then 1 to 10 digits (e.g. SW123456)",
    ),
    required_for_social_work=True,
)
_FTE = ColumnSpec(
    "fte",
    "decimal",
    value_range=NumberRange(
        "fte_range", minimum=0, strict_minimum=True, maximum=1, words="more than 0 and at most 1"
    ),
)

EXTRACT_COLUMNS: dict[ExtractName, tuple[ColumnSpec, ...]] = {
    "staff": (
        ColumnSpec("employee_id", _TEXT),
        _SWE_NUMBER,
        ColumnSpec("job_title", _TEXT),
        _ROLE,
        ColumnSpec("team", _TEXT),
        ColumnSpec("service_area", _TEXT),
        _FTE,
        ColumnSpec("contract_type", _CODE, codes=CodeList(CONTRACT_TYPES, "contract types")),
        ColumnSpec("start_date", "date"),
        ColumnSpec("end_date", "date", nullable=True),
        ColumnSpec(
            "leaving_reason",
            "int_code",
            nullable=True,
            codes=CodeList(_REASON_CODES, "CSWW ReasonLeave"),
        ),
        ColumnSpec(
            "start_origin",
            "int_code",
            nullable=True,
            codes=CodeList(_REASON_CODES, "CSWW StartOrigin"),
        ),
    ),
    "agency": (
        ColumnSpec("assignment_id", _TEXT),
        ColumnSpec("worker_id", _TEXT),
        _SWE_NUMBER,
        ColumnSpec("agency_name", _TEXT),
        _ROLE,
        ColumnSpec("team", _TEXT),
        ColumnSpec("service_area", _TEXT),
        _FTE,
        ColumnSpec("start_date", "date"),
        ColumnSpec("end_date", "date", nullable=True),
        ColumnSpec(
            "weekly_cost",
            "decimal",
            nullable=True,
            value_range=NumberRange(
                "weekly_cost_range", minimum=0, words="0 or more (GBP per week)"
            ),
            empty_warning="this assignment adds nothing to agency spend",
        ),
    ),
    "caseloads": (
        ColumnSpec("allocation_id", _TEXT),
        ColumnSpec("child_ref", _TEXT),
        ColumnSpec("worker_id", _TEXT),
        ColumnSpec("worker_kind", _CODE, codes=CodeList(WORKER_KINDS, "worker kinds")),
        ColumnSpec("allocated_from", "date"),
        ColumnSpec("allocated_to", "date", nullable=True),
    ),
    "establishment": (
        ColumnSpec("team", _TEXT),
        ColumnSpec("service_area", _TEXT),
        _ROLE,
        ColumnSpec(
            "funded_fte",
            "decimal",
            value_range=NumberRange(
                "funded_fte_range", minimum=0, strict_minimum=True, words="more than 0"
            ),
        ),
        ColumnSpec("effective_from", "date"),
        ColumnSpec("effective_to", "date", nullable=True),
    ),
    "absence": (
        ColumnSpec("employee_id", _TEXT),
        ColumnSpec("start_date", "date"),
        ColumnSpec("end_date", "date", nullable=True),
        ColumnSpec(
            "working_days_lost",
            "decimal",
            value_range=NumberRange("working_days_range", minimum=0, words="0 or more"),
        ),
        ColumnSpec(
            "reason",
            _CODE,
            codes=CodeList(tuple(ABSENCE_REASONS), "CSWW ReasonAbsence codes"),
        ),
    ),
}

# How codes are normalised once valid: roles and absence reasons upper-case, contract
# types and worker kinds lower-case (the spec matches codes ignoring case).
UPPER_CASE_CODES: frozenset[str] = frozenset({"role", "reason"})
LOWER_CASE_CODES: frozenset[str] = frozenset({"contract_type", "worker_kind"})

_POLARS_TYPES: dict[ColumnKind, pl.DataType] = {
    "text": pl.String(),
    "code": pl.String(),
    "int_code": pl.Int64(),
    "decimal": pl.Float64(),
    "date": pl.Date(),
}


def required_headers(extract: ExtractName) -> list[str]:
    """The columns a file of ``extract`` must name in its header, in contract order."""
    return [spec.name for spec in EXTRACT_COLUMNS[extract] if spec.required_header]


def clean_schema(extract: ExtractName) -> dict[str, pl.DataType]:
    """The polars schema of an extract's clean frame, ``source_row`` first."""
    schema: dict[str, pl.DataType] = {SOURCE_ROW: pl.Int64()}
    for column in EXTRACT_COLUMNS[extract]:
        schema[column.name] = _POLARS_TYPES[column.kind]
    return schema


@dataclass(frozen=True)
class Extracts:
    """The clean (validated, typed, normalised) extracts of one drop. Optional extracts
    are ``None`` when not supplied; the metrics that need them are then omitted."""

    staff: pl.DataFrame
    agency: pl.DataFrame
    caseloads: pl.DataFrame | None = None
    establishment: pl.DataFrame | None = None
    absence: pl.DataFrame | None = None

    def supplied(self) -> frozenset[ExtractName]:
        present: set[ExtractName] = {"staff", "agency"}
        if self.caseloads is not None:
            present.add("caseloads")
        if self.establishment is not None:
            present.add("establishment")
        if self.absence is not None:
            present.add("absence")
        return frozenset(present)


def is_social_work_role(role: pl.Expr | str = "role") -> pl.Expr:
    """True for the eight social-work role codes (input already upper-cased)."""
    expr = pl.col(role) if isinstance(role, str) else role
    return expr.is_in(SOCIAL_WORK_ROLES)


# The data-quality report (``data_quality.csv``): one row per finding.
FINDING_COLUMNS: tuple[str, ...] = (
    "extract",
    "row",
    "column",
    "rule",
    "severity",
    "value",
    "message",
)
FINDINGS_SCHEMA: dict[str, pl.DataType] = {
    "extract": pl.String(),  # empty for a finding about the whole drop
    "row": pl.Int64(),  # source row as the user sees it; empty for file/column findings
    "column": pl.String(),
    "rule": pl.String(),  # short stable identifier, e.g. fte_range
    "severity": pl.String(),  # "error" (row quarantined) or "warning" (row kept)
    "value": pl.String(),  # the offending value as it appeared
    "message": pl.String(),  # plain English
}


# What the workbook's data-quality list adds to a finding (never written to the CSV, whose
# columns are the contract): the record's own key as HR knows it ("employee E123"; never a
# child reference), and whether the finding affects the as-of date's figures (null: not
# known, e.g. a finding about a whole file).
FINDING_DETAIL_SCHEMA: dict[str, pl.DataType] = {
    "record_key": pl.String(),
    "current": pl.Boolean(),
}
REPORT_FINDINGS_SCHEMA: dict[str, pl.DataType] = FINDINGS_SCHEMA | FINDING_DETAIL_SCHEMA


def findings_report(findings: pl.DataFrame) -> pl.DataFrame:
    """Findings in ``REPORT_FINDINGS_SCHEMA``: detail columns a producer did not fill are
    added as nulls."""
    missing = [
        pl.lit(None, dtype).alias(name)
        for name, dtype in FINDING_DETAIL_SCHEMA.items()
        if name not in findings.columns
    ]
    return (
        findings.with_columns(missing)
        .select(list(REPORT_FINDINGS_SCHEMA))
        .cast(pl.Schema(REPORT_FINDINGS_SCHEMA))
    )


def empty_findings() -> pl.DataFrame:
    return pl.DataFrame(schema=REPORT_FINDINGS_SCHEMA)


def sort_findings(findings: pl.DataFrame) -> pl.DataFrame:
    """Sorted by extract, then row as a number, then rule (whole-drop findings first)."""
    return findings_report(findings).sort(
        ["extract", "row", "rule"], nulls_last=False, maintain_order=True
    )
