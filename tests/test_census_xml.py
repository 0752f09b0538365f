"""The census return as XML: numbers as the structure writes them, and the writer and
reader as inverses (any valid return frame, written and read back, is the same frame with
no error and no schema error)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from transforms.census import (
    RETURN_WORKER_SCHEMA,
    STRUCTURES,
    LaLevelItems,
    Structure,
)
from transforms.census_check import check_return
from transforms.schema import ABSENCE_REASONS
from workforce.census.xml_io import (
    decimal_text,
    invalid_against_schema,
    read_return,
    return_document,
    schema_errors,
)

PAY = {
    "RecruitmentBonus": "0",
    "RetentionBonus": "1",
    "PerformanceAward": "2",
    "CarAllowance": "0",
    "RelocationPackage": "0",
    "RegionalWeighting": "1",
    "CostSWE": "1",
    "CostDBS": "0",
    "OtherAllowances": "Essential car user & <other> allowances",
}


@pytest.mark.parametrize(
    ("value", "places", "text"),
    [(0.6, 6, "0.6"), (10.0, 6, "10"), (0.0, 2, "0"), (1e-6, 6, "0.000001"),
     (2.35, 2, "2.35"), (112.6, 2, "112.6"), (1234567.5, 2, "1234567.5")],
)  # fmt: skip
def test_decimals_are_written_plainly(value: float, places: int, text: str) -> None:
    assert pl.select(decimal_text(pl.lit(value), places)).item() == text


def _document(frame: pl.DataFrame, la: LaLevelItems, structure: Structure) -> bytes:
    year = {"2021": 2022, "2024": 2024, "2025": 2025}[structure]
    return return_document(
        frame,
        la,
        PAY if structure == "2025" else None,
        structure=structure,
        year=year,
        reference=dt.date(year, 9, 30),
        lea="380",
        generated_at=dt.datetime(2025, 10, 2, 9, 30, 15),
    )


def test_a_return_missing_a_required_item_is_not_valid() -> None:
    frame = pl.DataFrame(
        [{"worker": 1, "agency_worker": 0, "swe_no": None}],
        schema=RETURN_WORKER_SCHEMA,
    )
    problem = invalid_against_schema(_document(frame, LaLevelItems(), "2024"), "2024")
    assert problem is not None
    assert "SWENo" in problem


def test_the_pay_items_are_escaped_text(tmp_path: Path) -> None:
    frame = pl.DataFrame(
        [{"worker": 1, "agency_worker": 1, "swe_no": "SW1", "fte": 1.0}],
        schema=RETURN_WORKER_SCHEMA,
    )
    document = _document(frame, LaLevelItems(1.25, 1.0, 1), "2025")
    assert invalid_against_schema(document, "2025") is None
    path = tmp_path / "r.xml"
    path.write_bytes(document)
    read = read_return(path)
    items = dict(zip(read.la_items["item"], read.la_items["text"], strict=True))
    assert items["OtherAllowances"] == PAY["OtherAllowances"]
    assert items["NumberOfVacancies"] == "1.25"
    assert read.header["LEA"] == "380"
    assert read.header["DateTime"] == "2025-10-02T09:30:15"


def _dates() -> st.SearchStrategy[dt.date]:
    return st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2030, 12, 31))


@st.composite
def _worker(draw: st.DrawFn, number: int) -> dict[str, Any]:
    agency = draw(st.booleans())
    start = None if agency else draw(st.none() | _dates())
    end = None
    if not agency and start is not None and draw(st.booleans()):
        end = start + dt.timedelta(days=draw(st.integers(0, 4000)))

    def maybe(strategy: st.SearchStrategy[Any]) -> Any:
        return draw(st.none() | strategy)

    fte = maybe(st.integers(0, 1_000_000).map(lambda micro: micro / 1_000_000))
    reasons = draw(st.lists(st.sampled_from(sorted(ABSENCE_REASONS)), max_size=3))
    return {
        "worker": number,
        "agency_worker": int(agency),
        "swe_no": f"{draw(st.sampled_from(['SW', 'AB', 'XY']))}{number}{draw(st.integers(0, 99))}",
        "fte": fte,
        "org_role": maybe(st.integers(1, 6)),
        "role_start_date": start,
        "start_origin": None if agency else maybe(st.integers(1, 10)),
        "role_end_date": end,
        "reason_leave": None if end is None else maybe(st.integers(1, 10)),
        "fte30": maybe(st.integers(0, 100).map(lambda hundredths: hundredths / 100)),
        "cases30": maybe(st.integers(0, 60)),
        "working_days_lost": maybe(st.integers(0, 30_000).map(lambda cents: cents / 100)),
        "reason_absence": reasons or None,
    }


@st.composite
def _returns(draw: st.DrawFn) -> tuple[pl.DataFrame, LaLevelItems, Structure]:
    count = draw(st.integers(1, 6))
    rows = [draw(_worker(number)) for number in range(1, count + 1)]
    la = LaLevelItems(
        number_of_vacancies=draw(st.none() | st.integers(0, 9999).map(lambda c: c / 100)),
        no_agency_fte=draw(st.none() | st.integers(0, 999).map(lambda c: c / 100)),
        no_agency_headcount=draw(st.none() | st.integers(0, 50)),
    )
    return (
        pl.DataFrame(rows, schema=RETURN_WORKER_SCHEMA),
        la,
        draw(st.sampled_from(STRUCTURES)),
    )


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(case=_returns())
def test_written_then_read_is_the_same_return(
    tmp_path: Path, case: tuple[pl.DataFrame, LaLevelItems, Structure]
) -> None:
    frame, la, structure = case
    document = _document(frame, la, structure)
    path = tmp_path / "return.xml"
    path.write_bytes(document)
    read = read_return(path)
    assert schema_errors(read.tree, structure).is_empty()
    checked = check_return(
        read.worker_items, read.worker_count, read.la_items, read.la_element, structure
    )
    # Only the warnings about a missing FTE or employed start (counted as 0 / as started).
    assert set(checked.findings["rule"]) <= {"missing_item"}, checked.findings.to_dicts()
    assert set(checked.findings["severity"]) <= {"warning"}
    assert checked.workers.equals(frame)
    assert checked.la_level == la
