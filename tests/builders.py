"""Builders of small clean extract frames for the metrics tests, and of drops for the
run tests (no tests here).

Each builder takes rows as dicts holding only the columns a test cares about; the other
columns get neutral defaults, dates may be ISO strings, and ``source_row`` is numbered
from 2 (the header is row 1), as the reader does.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from tests.locations import SAMPLE_DROP
from transforms.metrics import MetricParams, compute_metrics
from transforms.schema import ExtractName, Extracts, clean_schema
from workforce.settings import load_settings

DEFAULTS: dict[ExtractName, dict[str, Any]] = {
    "staff": {
        "employee_id": "E1",
        "swe_number": None,
        "job_title": "Social worker",
        "role": "SW",
        "team": "T1",
        "service_area": "A1",
        "fte": 1.0,
        "contract_type": "permanent",
        "start_date": "2020-01-01",
        "end_date": None,
        "leaving_reason": None,
        "start_origin": None,
    },
    "agency": {
        "assignment_id": None,
        "worker_id": "G1",
        "swe_number": None,
        "agency_name": "Agency Ltd",
        "role": "SW",
        "team": "T1",
        "service_area": "A1",
        "fte": 1.0,
        "start_date": "2020-01-01",
        "end_date": None,
        "weekly_cost": None,
    },
    "caseloads": {
        "allocation_id": None,
        "child_ref": "C1",
        "worker_id": "E1",
        "worker_kind": "employee",
        "allocated_from": "2020-01-01",
        "allocated_to": None,
    },
    "establishment": {
        "team": "T1",
        "service_area": "A1",
        "role": "SW",
        "funded_fte": 1.0,
        "effective_from": "2020-01-01",
        "effective_to": None,
    },
    "absence": {
        "employee_id": "E1",
        "start_date": "2020-01-01",
        "end_date": None,
        "working_days_lost": 1.0,
        "reason": "SIC",
    },
}
# The metric parameters a run uses when the configuration does not change them.
DEFAULT_PARAMS = load_settings().metric_params()

_GENERATED_KEYS = {"agency": "assignment_id", "caseloads": "allocation_id"}


def _value(kind: pl.DataType, value: Any) -> Any:
    if isinstance(value, str) and kind == pl.Date():
        return date.fromisoformat(value)
    return value


def frame(extract: ExtractName, *rows: dict[str, Any]) -> pl.DataFrame:
    schema = clean_schema(extract)
    unknown = {name for row in rows for name in row} - set(schema)
    assert not unknown, f"unknown columns for {extract}: {unknown}"
    records = []
    for index, row in enumerate(rows):
        record: dict[str, Any] = {"source_row": index + 2, **DEFAULTS[extract], **row}
        key = _GENERATED_KEYS.get(extract)
        if key is not None and record[key] is None:
            record[key] = f"{key}-{index + 2}"
        # A column without a default (an optional one added later) is empty.
        records.append({name: _value(schema[name], record.get(name)) for name in schema})
    return pl.DataFrame(records, schema=schema, orient="row")


def staff(*rows: dict[str, Any]) -> pl.DataFrame:
    return frame("staff", *rows)


def agency(*rows: dict[str, Any]) -> pl.DataFrame:
    return frame("agency", *rows)


def caseloads(*rows: dict[str, Any]) -> pl.DataFrame:
    return frame("caseloads", *rows)


def establishment(*rows: dict[str, Any]) -> pl.DataFrame:
    return frame("establishment", *rows)


def absence(*rows: dict[str, Any]) -> pl.DataFrame:
    return frame("absence", *rows)


def extracts(
    staff_frame: pl.DataFrame | None = None,
    agency_frame: pl.DataFrame | None = None,
    **optional: pl.DataFrame | None,
) -> Extracts:
    return Extracts(
        staff=staff_frame if staff_frame is not None else frame("staff"),
        agency=agency_frame if agency_frame is not None else frame("agency"),
        **optional,
    )


def d(iso: str) -> date:
    return date.fromisoformat(iso)


def metric_values(
    given: Extracts,
    as_of: str,
    scope: str = "trust",
    scope_value: str = "all",
    params: MetricParams | None = None,
) -> dict[str, float | None]:
    """Metric -> value of one scope on one date (KeyError if the scope does not appear)."""
    rows = compute_metrics(given, [d(as_of)], params or DEFAULT_PARAMS).filter(
        (pl.col("scope") == scope) & (pl.col("scope_value") == scope_value)
    )
    if rows.is_empty():
        raise KeyError(f"{scope}={scope_value} does not appear on {as_of}")
    return dict(zip(rows["metric"].to_list(), rows["value"].to_list(), strict=True))


def metric_row(
    given: Extracts, as_of: str, metric: str, scope: str = "trust", scope_value: str = "all"
) -> dict[str, Any]:
    rows = compute_metrics(given, [d(as_of)], DEFAULT_PARAMS).filter(
        (pl.col("scope") == scope)
        & (pl.col("scope_value") == scope_value)
        & (pl.col("metric") == metric)
    )
    assert rows.height == 1, rows
    return rows.row(0, named=True)


def appearing(given: Extracts, as_of: str, scope: str = "team") -> set[str]:
    rows = compute_metrics(given, [d(as_of)], DEFAULT_PARAMS).filter(pl.col("scope") == scope)
    return set(rows["scope_value"].to_list())


# --- the DfE census return (CSWW) ----------------------------------------------------------

# Every pay setting a 2025+ census return needs, stated (as HR would in its settings file).
CENSUS_PAY_CONFIG = """[census]
recruitment_bonus = 1
retention_bonus = 0
performance_award = 0
car_allowance = 2
relocation_package = 1
regional_weighting = 0
cost_swe = 1
cost_dbs = 1
other_allowances = "Market supplement for hard-to-fill teams"
"""

CswwItems = Mapping[str, str | list[str] | None]


def csww_xml(
    *workers: CswwItems,
    year: int | None = 2025,
    reference_date: str | None = None,
    la_element: str | None = None,
    la_items: CswwItems | None = None,
    header: bool = True,
    in_order: bool = True,
) -> bytes:
    """A census return as XML text: each worker's items in the structure's order (or as
    given with ``in_order`` False; unknown items last), a list value repeating the
    element, None leaving it out. ``la_element`` defaults to the year's name (LALevel from
    2025, else LALevelVacancies); ``la_items`` None leaves it out."""
    from transforms.census import WORKER_ITEMS

    rank = {item.name: position for position, item in enumerate(WORKER_ITEMS)}

    def elements(items: CswwItems, indent: str) -> str:
        lines = []
        for name, value in items.items():
            for text in value if isinstance(value, list) else [value]:
                if text is not None:
                    lines.append(f"{indent}<{name}>{text}</{name}>")
        return "\n".join(lines)

    parts = ['<?xml version="1.0" encoding="UTF-8"?>', "<Message>"]
    if header:
        details: CswwItems = {
            "Collection": "CSWW",
            "Year": None if year is None else str(year),
            "ReferenceDate": reference_date or (f"{year}-09-30" if year else None),
        }
        source: CswwItems = {
            "SourceLevel": "L",
            "LEA": "380",
            "SoftwareCode": "tests",
            "DateTime": "2025-10-01T09:00:00",
        }
        parts += [
            "  <Header>",
            "    <CollectionDetails>",
            elements(details, "      "),
            "    </CollectionDetails>",
            "    <Source>",
            elements(source, "      "),
            "    </Source>",
            "  </Header>",
        ]
    if la_items is not None:
        name = la_element or ("LALevel" if (year or 0) >= 2025 else "LALevelVacancies")
        parts += [f"  <{name}>", elements(la_items, "    "), f"  </{name}>"]
    for worker in workers:
        items = (
            dict(sorted(worker.items(), key=lambda pair: rank.get(pair[0], len(rank))))
            if in_order
            else worker
        )
        parts += ["  <CSWWWorker>", elements(items, "    "), "  </CSWWWorker>"]
    parts.append("</Message>")
    return ("\n".join(part for part in parts if part) + "\n").encode("utf-8")


# The 2025+ LA-level pay items, stated.
CSWW_PAY_ITEMS: CswwItems = {
    "RecruitmentBonus": "1",
    "RetentionBonus": "0",
    "PerformanceAward": "0",
    "CarAllowance": "2",
    "RelocationPackage": "1",
    "RegionalWeighting": "0",
    "CostSWE": "1",
    "CostDBS": "1",
    "OtherAllowances": "None",
}


def drop_over_quarantine_limit(destination: Path, bad_rows: int = 60) -> Path:
    """A copy of the sample drop at ``destination`` with ``bad_rows`` new staff rows whose
    fte is 1.5 (``fte_range``): more than the default 5% of the staff rows are
    quarantined, so a run is refused. The new rows share no key with the sample's."""
    shutil.copytree(SAMPLE_DROP, destination)
    staff = destination / "staff.csv"
    bad = [
        f"E9{number:05d},SW9{number:05d},Social Worker,SW,Ghost Team,Ghost Area,1.5,"
        "permanent,2024-01-01,,,1"
        for number in range(bad_rows)
    ]
    staff.write_text(staff.read_text().rstrip("\n") + "\n" + "\n".join(bad) + "\n")
    return destination
