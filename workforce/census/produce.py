"""``workforce census --input DIR --year Y --output DIR``: the census return of year Y
written from a drop (the newest of an ``incoming/`` folder) on R = 30 September Y.

Grain: one return (``csww_<Y>_<LEA>.xml``) per call, published atomically with the
drop's data-quality findings (``csww_<Y>_<LEA>_data_quality.csv``). Nothing is published
when the return would not be valid against the project's schema for year Y.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from transforms.census import (
    AGENCY,
    LEA_PATTERN,
    PAY_SETTINGS,
    STRUCTURE_LABELS,
    Structure,
    la_level_items,
    reference_date,
    return_workers,
    structure_for_year,
)
from transforms.findings import combine_findings, stale_drop_finding
from workforce.census.xml_io import invalid_against_schema, return_document
from workforce.drops import choose_drop
from workforce.errors import RunFailure
from workforce.extract_io import read_drop
from workforce.outputs import publish, write_findings_csv
from workforce.settings import Settings
from workforce.validation import validate_drop


@dataclass(frozen=True)
class WrittenReturn:
    published: dict[str, Path]
    reference: dt.date
    drop: Path
    employed_workers: int
    agency_workers: int
    findings: int


def return_file_name(year: int, lea: str) -> str:
    return f"csww_{year}_{lea}.xml"


def census_structure(year: int, today: dt.date) -> Structure:
    """The structure of census year ``year``; ``RunFailure`` for a year before the first
    known structure or after the next census."""
    structure = structure_for_year(year)
    if structure is None or year > today.year + 1:
        known = ", ".join(f"{label}" for label in STRUCTURE_LABELS.values())
        raise RunFailure(
            f"census year {year} is not one this tool knows (structures {known}; years from "
            f"2021 to {today.year + 1})"
        )
    return structure


def pay_items(settings: Settings, structure: Structure, year: int) -> dict[str, str] | None:
    """The 2025+ pay items from ``[census]``, by element name; ``RunFailure`` naming every
    setting HR has not stated. None before 2025 (the structure has no pay items)."""
    if structure != "2025":
        return None
    missing = settings.census.not_stated()
    if missing:
        raise RunFailure(
            f"the {year} census return needs the pay settings HR has not stated: "
            f"{', '.join(missing)}; add them to a [census] table in the --config file "
            "(each 0 no, 1 all eligible, 2 some eligible; other_allowances is text)"
        )
    stated = settings.census.model_dump()
    return {element: str(stated[setting]) for element, setting in PAY_SETTINGS.items()}


def checked_lea(settings: Settings) -> str:
    lea = settings.trust.la_code.strip()
    if not pl.select(pl.lit(lea).str.contains(LEA_PATTERN)).item():
        raise RunFailure(
            f"[trust] la_code {lea!r} is not a 3-digit old local-authority code (Bradford: "
            "380); the census return's LEA must be one"
        )
    return lea


def write_census_return(
    input_dir: Path,
    year: int,
    output_dir: Path,
    settings: Settings,
    now: dt.datetime | None = None,
) -> WrittenReturn:
    """Read and validate the drop (``input_dir`` itself, or the newest drop of an
    ``incoming/`` folder: every extract carries its history, and a later drop also holds
    the leavers keyed in after 30 September), map it to the return on R, check the XML
    against the year's schema and publish it with the drop's findings."""
    now = now or dt.datetime.now()
    structure = census_structure(year, now.date())
    pay = pay_items(settings, structure, year)
    lea = checked_lea(settings)
    reference = reference_date(year)
    drop_path, drop_date = choose_drop(input_dir, on_or_before=None)
    validation = validate_drop(
        read_drop(drop_path, drop_date), reference, settings.validation.max_quarantine_share
    )
    workers = return_workers(validation.extracts, reference)
    if workers.is_empty():
        raise RunFailure(
            f"{drop_path}: no social worker is in post on {reference.isoformat()} or starts "
            f"or leaves in the year to then: there is nothing to return"
        )
    document = return_document(
        workers,
        la_level_items(validation.extracts, reference),
        pay,
        structure=structure,
        year=year,
        reference=reference,
        lea=lea,
        generated_at=now,
    )
    problem = invalid_against_schema(document, structure)
    if problem is not None:
        raise RunFailure(
            f"the {year} return written from {drop_path} does not match the "
            f"{STRUCTURE_LABELS[structure]} schema ({problem}); nothing was published"
        )
    findings = combine_findings([stale_drop_finding(drop_date, reference), validation.findings])
    name = return_file_name(year, lea)
    published = publish(
        output_dir,
        {
            name: lambda path: path.write_bytes(document),
            name.removesuffix(".xml") + "_data_quality.csv": lambda path: write_findings_csv(
                findings, path
            ),
        },
    )
    agency = int(workers.filter(pl.col("agency_worker") == AGENCY).height)
    return WrittenReturn(
        published=published,
        reference=reference,
        drop=drop_path,
        employed_workers=workers.height - agency,
        agency_workers=agency,
        findings=findings.height,
    )
