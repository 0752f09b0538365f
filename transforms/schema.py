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
OPTIONAL_EXTRACTS: tuple[ExtractName, ...] = ("caseloads", "establishment", "absence")

ColumnKind = Literal["text", "code", "int_code", "decimal", "date"]


@dataclass(frozen=True)
class ColumnSpec:
    """One column of an extract: its name, how it is read, whether a value may be empty
    (``nullable``) and whether the header must name it (``required_header``; an optional
    column missing from the header reads as empty in every row)."""

    name: str
    kind: ColumnKind
    nullable: bool = False
    required_header: bool = True


_TEXT: ColumnKind = "text"
_CODE: ColumnKind = "code"

EXTRACT_COLUMNS: dict[ExtractName, tuple[ColumnSpec, ...]] = {
    "staff": (
        ColumnSpec("employee_id", _TEXT),
        ColumnSpec("swe_number", _TEXT, nullable=True),
        ColumnSpec("job_title", _TEXT),
        ColumnSpec("role", _CODE),
        ColumnSpec("team", _TEXT),
        ColumnSpec("service_area", _TEXT),
        ColumnSpec("fte", "decimal"),
        ColumnSpec("contract_type", _CODE),
        ColumnSpec("start_date", "date"),
        ColumnSpec("end_date", "date", nullable=True),
        ColumnSpec("leaving_reason", "int_code", nullable=True),
        ColumnSpec("start_origin", "int_code", nullable=True),
    ),
    "agency": (
        ColumnSpec("assignment_id", _TEXT),
        ColumnSpec("worker_id", _TEXT),
        ColumnSpec("swe_number", _TEXT, nullable=True),
        ColumnSpec("agency_name", _TEXT),
        ColumnSpec("role", _CODE),
        ColumnSpec("team", _TEXT),
        ColumnSpec("service_area", _TEXT),
        ColumnSpec("fte", "decimal"),
        ColumnSpec("start_date", "date"),
        ColumnSpec("end_date", "date", nullable=True),
        ColumnSpec("weekly_cost", "decimal", nullable=True),
    ),
    "caseloads": (
        ColumnSpec("allocation_id", _TEXT),
        ColumnSpec("child_ref", _TEXT),
        ColumnSpec("worker_id", _TEXT),
        ColumnSpec("worker_kind", _CODE),
        ColumnSpec("allocated_from", "date"),
        ColumnSpec("allocated_to", "date", nullable=True),
    ),
    "establishment": (
        ColumnSpec("team", _TEXT),
        ColumnSpec("service_area", _TEXT),
        ColumnSpec("role", _CODE),
        ColumnSpec("funded_fte", "decimal"),
        ColumnSpec("effective_from", "date"),
        ColumnSpec("effective_to", "date", nullable=True),
    ),
    "absence": (
        ColumnSpec("employee_id", _TEXT),
        ColumnSpec("start_date", "date"),
        ColumnSpec("end_date", "date", nullable=True),
        ColumnSpec("working_days_lost", "decimal"),
        ColumnSpec("reason", _CODE),
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


def clean_schema(extract: ExtractName) -> dict[str, pl.DataType]:
    """The polars schema of an extract's clean frame, ``source_row`` first."""
    schema: dict[str, pl.DataType] = {SOURCE_ROW: pl.Int64()}
    for column in EXTRACT_COLUMNS[extract]:
        schema[column.name] = _POLARS_TYPES[column.kind]
    return schema


def empty_frame(extract: ExtractName) -> pl.DataFrame:
    """A clean frame with no rows (used where an optional extract is absent in tests)."""
    return pl.DataFrame(schema=clean_schema(extract))


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
