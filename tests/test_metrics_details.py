"""The per-date detail frames of the workbook: caseloads by worker, vacancies by cell,
leaving reasons and the allocations no metric counts."""

from __future__ import annotations

import polars as pl

from tests.builders import agency, caseloads, d, establishment, extracts, staff
from transforms.metrics import (
    caseload_by_worker,
    leaving_reasons,
    uncounted_allocations,
    vacancy_by_cell,
)
from transforms.schema import REPORT_FINDINGS_SCHEMA, Extracts

D = d("2023-12-31")


def _caseload_extracts() -> Extracts:
    return extracts(
        staff(
            {"employee_id": "E1", "fte": 0.5},
            {"employee_id": "E2", "role": "FSW"},
            {"employee_id": "E3", "end_date": "2023-12-30"},
            {"employee_id": "E4", "team": "T2", "role": "TM"},
        ),
        agency({"worker_id": "G1", "team": "T2", "service_area": "A2"}),
        caseloads=caseloads(
            {"worker_id": "E1", "child_ref": "CHILD-1"},
            {"worker_id": "E1", "child_ref": "CHILD-1"},
            {"worker_id": "E1", "child_ref": "CHILD-2"},
            {"worker_id": "G1", "worker_kind": "agency", "child_ref": "CHILD-1"},
            {"worker_id": "E2", "child_ref": "CHILD-3"},
            {"worker_id": "E3", "child_ref": "CHILD-4"},
            {"worker_id": "GHOST", "child_ref": "CHILD-5"},
            {"worker_id": "E1", "worker_kind": "agency", "child_ref": "CHILD-6"},
            {"worker_id": "GHOST", "child_ref": "CHILD-7", "allocated_to": "2023-01-01"},
        ),
    )


def test_caseload_by_worker() -> None:
    given = _caseload_extracts()
    result = caseload_by_worker(given, D)
    assert result.to_dicts() == [
        {
            "worker_id": "E1",
            "worker_kind": "employee",
            "team": "T1",
            "service_area": "A1",
            "role": "SW",
            "fte": 0.5,
            "caseload": 2,
        },
        {
            "worker_id": "G1",
            "worker_kind": "agency",
            "team": "T2",
            "service_area": "A2",
            "role": "SW",
            "fte": 1.0,
            "caseload": 1,
        },
    ]
    assert result.schema["caseload"] == pl.Int64
    assert not any("child" in column for column in result.columns)


def test_uncounted_allocations() -> None:
    given = _caseload_extracts()
    findings = uncounted_allocations(given, D)
    assert findings.schema == pl.Schema(REPORT_FINDINGS_SCHEMA)
    assert findings.select("row", "rule", "value").rows() == [
        (6, "worker_not_social_work", "E2"),
        (7, "worker_not_in_post", "E3"),
        (8, "unknown_worker", None),  # an id no extract knows is not repeated: it may be a child's
        (9, "unknown_worker", "E1"),  # E1 is an employee, not an agency worker
    ]
    assert findings["record_key"].str.starts_with("allocation ").all()
    assert findings["current"].all()
    assert set(findings["extract"]) == {"caseloads"}
    assert set(findings["column"]) == {"worker_id"}
    assert set(findings["severity"]) == {"warning"}
    text = " ".join(findings["message"].to_list() + findings["value"].drop_nulls().to_list())
    assert "CHILD" not in text
    assert "FSW" in findings.filter(pl.col("rule") == "worker_not_social_work")["message"][0]


def test_detail_frames_without_their_extract_are_empty() -> None:
    given = extracts(staff({"employee_id": "E1"}))
    assert caseload_by_worker(given, D).is_empty()
    assert uncounted_allocations(given, D).is_empty()
    assert vacancy_by_cell(given, D).is_empty()
    assert uncounted_allocations(given, D).schema == pl.Schema(REPORT_FINDINGS_SCHEMA)


def test_vacancy_by_cell() -> None:
    given = extracts(
        staff(
            {"employee_id": "E1", "fte": 0.5},
            {"employee_id": "E2", "role": "TM"},
            {"employee_id": "E3", "role": "TM"},
        ),
        agency({"worker_id": "G1", "fte": 1.0}, {"worker_id": "G2", "role": "TM", "fte": 0.5}),
        establishment=establishment(
            {"role": "TM", "funded_fte": 1.0},
            {"role": "SW", "funded_fte": 2.0},
            {"role": "FSW", "funded_fte": 2.0},
            {"team": "T0", "role": "SW", "effective_from": "2024-01-01"},
        ),
    )
    assert vacancy_by_cell(given, D).rows() == [
        ("T1", "A1", "SW", 2.0, 0.5, 1.0, 1.5, 1.0),
        ("T1", "A1", "TM", 1.0, 2.0, 0.5, 0.0, 0.0),
    ]


def test_leaving_reasons() -> None:
    given = extracts(
        staff(
            {"employee_id": "E1", "end_date": "2023-03-31", "leaving_reason": 1, "fte": 0.5},
            {"employee_id": "E2", "end_date": "2023-04-30", "leaving_reason": 1},
            {"employee_id": "E3", "end_date": "2023-05-31", "leaving_reason": None},
            {"employee_id": "E4", "end_date": "2023-05-31", "leaving_reason": 5, "team": "T2"},
            # internal move and a leaver outside the window: not listed
            {"employee_id": "E5", "end_date": "2023-05-31", "leaving_reason": 7},
            {"employee_id": "E5", "start_date": "2023-06-01"},
            {"employee_id": "E6", "end_date": "2022-12-31", "leaving_reason": 1},
        )
    )
    assert leaving_reasons(given, D).rows() == [
        ("T1", "A1", 1, "Resignation", 2, 1.5),
        ("T1", "A1", None, "Not recorded", 1, 1.0),
        ("T2", "A1", 5, "Retired", 1, 1.0),
    ]
