"""``workforce census check FILE.xml --output DIR [--against DROP] [--as-of R]``: read a
return of any year's structure, report its problems, compute the DfE's indicators from it
and, against a drop, reconcile it with the extracts.

Grain: one checked return per call; publishes ``census_findings.csv`` (one row per
finding, the ``data_quality.csv`` columns with extract ``census``),
``census_indicators.csv`` (one row per indicator) and, with ``--against``,
``census_reconciliation.csv`` (one row per difference).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from transforms.census import (
    census_indicators,
    census_year_of,
    la_level_items,
    reconciliation,
    return_workers,
)
from transforms.census_check import (
    WARNING,
    check_return,
    header_findings,
    reference_date_of,
    schema_findings,
)
from transforms.findings import combine_findings
from workforce.census.produce import census_structure
from workforce.census.xml_io import read_return, schema_errors
from workforce.drops import choose_drop
from workforce.errors import RunFailure
from workforce.extract_io import read_drop
from workforce.outputs import publish, write_findings_csv
from workforce.settings import Settings
from workforce.validation import validate_drop

FINDINGS_FILE = "census_findings.csv"
INDICATORS_FILE = "census_indicators.csv"
RECONCILIATION_FILE = "census_reconciliation.csv"


@dataclass(frozen=True)
class CheckedFile:
    published: dict[str, Path]
    reference: dt.date
    year: int
    workers_read: int
    workers_quarantined: int
    warnings: int
    differences: int | None  # None without --against


def _census_year(header: dict[str, str | None], as_of: dt.date | None, name: str) -> int:
    """The census year from the header's Year (else its ReferenceDate, else ``--as-of``);
    ``RunFailure`` when none can be read."""
    written = header.get("Year")
    if written is not None:
        text = written.strip()
        if not text.isascii() or not text.isdigit() or len(text) != 4:
            raise RunFailure(f"{name}: unknown census year {written!r} in the Header")
        return int(text)
    reference = header.get("ReferenceDate")
    if reference is not None:
        try:
            return census_year_of(dt.date.fromisoformat(reference.strip()))
        except ValueError:
            pass
    if as_of is not None:
        return census_year_of(as_of)
    raise RunFailure(
        f"{name}: the return names no census year (no Header Year or ReferenceDate); "
        "pass --as-of with its reference date"
    )


def check_census_file(
    file: Path,
    output_dir: Path,
    settings: Settings,
    against: Path | None = None,
    as_of: dt.date | None = None,
    today: dt.date | None = None,
) -> CheckedFile:
    document = read_return(file)
    year = _census_year(document.header, as_of, file.name)
    try:
        structure = census_structure(year, today or dt.date.today())
    except RunFailure as error:
        raise RunFailure(f"{file.name}: {error}") from None
    reference, reference_finding = reference_date_of(as_of, document.header, year)
    checked = check_return(
        document.worker_items,
        document.worker_count,
        document.la_items,
        document.la_element,
        structure,
        extra_findings=[*header_findings(document.header, year), reference_finding],
    )
    findings = combine_findings(
        [
            checked.findings,
            schema_findings(schema_errors(document.tree, structure), checked.findings),
        ]
    )
    working_days = settings.metrics.working_days_per_year
    indicators = census_indicators(checked.workers, checked.la_level, reference, working_days)
    writers = {
        FINDINGS_FILE: lambda path: write_findings_csv(findings, path),
        INDICATORS_FILE: lambda path: indicators.write_csv(path, null_value=""),
    }
    differences: pl.DataFrame | None = None
    if against is not None:
        drop_path, drop_date = choose_drop(against, on_or_before=None)
        extracts = validate_drop(
            read_drop(drop_path, drop_date), reference, settings.validation.max_quarantine_share
        ).extracts
        differences = reconciliation(
            checked.workers,
            checked.la_level,
            return_workers(extracts, reference),
            la_level_items(extracts, reference),
            reference,
            working_days,
        )
        found = differences
        writers[RECONCILIATION_FILE] = lambda path: found.write_csv(path, null_value="")
    published = publish(output_dir, writers)
    return CheckedFile(
        published=published,
        reference=reference,
        year=year,
        workers_read=checked.workers_read,
        workers_quarantined=checked.workers_quarantined,
        warnings=findings.filter(pl.col("severity") == WARNING).height,
        differences=None if differences is None else differences.height,
    )
