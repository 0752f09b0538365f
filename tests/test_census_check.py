"""Reading and checking a census return (csww.md "Reading a return"): each year's
structure, findings per worker and item, quarantine, the project's XML Schemas, and
whole-file problems refused in one line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from lxml import etree

from tests.builders import CSWW_PAY_ITEMS, CswwItems, csww_xml, d
from transforms.census import (
    LA_ITEMS,
    STRUCTURES,
    WORKER_ITEMS,
    LaLevelItems,
    Structure,
    census_indicators,
    items_of,
)
from transforms.census_check import (
    CheckedReturn,
    check_return,
    header_findings,
    reference_date_of,
    schema_findings,
)
from workforce.census.check import check_census_file
from workforce.census.xml_io import SCHEMA_DIR, read_return, schema_errors, schema_for
from workforce.errors import RunFailure
from workforce.settings import load_settings

E, W = "error", "warning"
EMPLOYED: CswwItems = {
    "AgencyWorker": "0",
    "SWENo": "SW123456",
    "FTE": "0.8",
    "OrgRole": "5",
    "RoleStartDate": "2024-11-04",
    "StartOrigin": "1",
    "FTE30": "0.8",
    "Cases30": "14",
    "WorkingDaysLost": "2.5",
    "ReasonAbsence": "SIC",
}
AGENCY: CswwItems = {
    "AgencyWorker": "1",
    "SWENo": "SW654321",
    "FTE": "1",
    "OrgRole": "5",
    "FTE30": "1",
    "Cases30": "16",
}
LA_2025: CswwItems = {
    "NumberOfVacancies": "3.5",
    "NoAgencyFTE": "1",
    "NoAgencyHeadcount": "1",
    **CSWW_PAY_ITEMS,
}


def checked(tmp_path: Path, xml: bytes, structure: Structure = "2025") -> CheckedReturn:
    """The return's check, schema warnings included."""
    path = tmp_path / "return.xml"
    path.write_bytes(xml)
    document = read_return(path)
    result = check_return(
        document.worker_items,
        document.worker_count,
        document.la_items,
        document.la_element,
        structure,
    )
    schema = schema_findings(schema_errors(document.tree, structure), result.findings)
    return CheckedReturn(
        workers=result.workers,
        la_level=result.la_level,
        findings=pl.concat([result.findings, schema]),
        workers_read=result.workers_read,
        workers_quarantined=result.workers_quarantined,
    )


def found(result: CheckedReturn) -> set[tuple[int | None, str | None, str, str]]:
    return {
        (row["row"], row["column"], row["rule"], row["severity"])
        for row in result.findings.to_dicts()
    }


def test_a_valid_2025_return_has_no_finding(tmp_path: Path) -> None:
    result = checked(tmp_path, csww_xml(EMPLOYED, AGENCY, la_items=LA_2025))
    assert found(result) == set()
    assert result.la_level == LaLevelItems(3.5, 1.0, 1)
    assert result.workers.drop("worker").to_dicts() == [
        {
            "agency_worker": 0,
            "swe_no": "SW123456",
            "fte": 0.8,
            "org_role": 5,
            "role_start_date": d("2024-11-04"),
            "start_origin": 1,
            "role_end_date": None,
            "reason_leave": None,
            "fte30": 0.8,
            "cases30": 14,
            "working_days_lost": 2.5,
            "reason_absence": ["SIC"],
        },
        {
            "agency_worker": 1,
            "swe_no": "SW654321",
            "fte": 1.0,
            "org_role": 5,
            "role_start_date": None,
            "start_origin": None,
            "role_end_date": None,
            "reason_leave": None,
            "fte30": 1.0,
            "cases30": 16,
            "working_days_lost": None,
            "reason_absence": None,
        },
    ]


@pytest.mark.parametrize(
    ("year", "structure", "la_element", "personal"),
    [
        (2022, "2021", "LALevelVacancies",
         {"GenderCurrent": "1", "QualInst": "University of Bradford", "CFKSSstatus": "1"}),
        (2024, "2024", "LALevelVacancies",
         {"Sex": "F", "QualInst": "University of Leeds", "CFKSSstatus": "0"}),
        (2025, "2025", "LALevel", {"Sex": "M", "BaseSalary": "41000"}),
    ],
)  # fmt: skip
def test_each_years_structure_reads_without_finding(
    tmp_path: Path, year: int, structure: Structure, la_element: str, personal: CswwItems
) -> None:
    order = [item.name for item in items_of(WORKER_ITEMS, structure)]
    worker = {**EMPLOYED, "PersonBirthDate": "1990-02-28", "Ethnicity": "WBRI", **personal}
    in_order = {name: worker[name] for name in order if name in worker}
    la: CswwItems = {"NumberOfVacancies": "2.25", "NoAgencyFTE": "0.5", "NoAgencyHeadcount": "1"}
    if structure == "2025":
        la = {**la, **CSWW_PAY_ITEMS}
    result = checked(
        tmp_path,
        csww_xml(in_order, year=year, la_element=la_element, la_items=la),
        structure,
    )
    assert found(result) == set()
    assert result.la_level == LaLevelItems(2.25, 0.5, 1)
    assert result.workers["fte"].to_list() == [0.8]


def test_items_of_another_years_structure_are_read_with_a_warning(tmp_path: Path) -> None:
    # A 2025 return with 2023's names: LALevelVacancies, GenderCurrent, QualInst.
    worker = {**EMPLOYED, "GenderCurrent": "1", "QualInst": "X"}
    result = checked(
        tmp_path,
        csww_xml(worker, la_element="LALevelVacancies", la_items={"NumberOfVacancies": "2"}),
    )
    rules = found(result)
    assert (None, "LALevelVacancies", "item_not_in_year", W) in rules
    assert (1, "GenderCurrent", "item_not_in_year", W) in rules
    assert (1, "QualInst", "item_not_in_year", W) in rules
    assert result.la_level.number_of_vacancies == 2.0  # read anyway
    assert result.workers_quarantined == 0


def test_sex_in_a_2023_return_is_a_warning(tmp_path: Path) -> None:
    result = checked(tmp_path, csww_xml({**EMPLOYED, "Sex": "F"}, year=2023), "2021")
    assert (1, "Sex", "item_not_in_year", W) in found(result)
    assert result.workers.height == 1


def test_repeated_items(tmp_path: Path) -> None:
    result = checked(
        tmp_path,
        csww_xml(
            {**EMPLOYED, "ReasonAbsence": ["SIC", "MAT"]},
            {**AGENCY, "FTE": ["1", "0.5"]},
        ),
    )
    assert result.workers["reason_absence"].to_list() == [["SIC", "MAT"]]
    assert (2, "FTE", "repeated_item", E) in found(result)


@pytest.mark.parametrize(
    ("change", "column", "rule", "severity"),
    [
        ({"AgencyWorker": None}, "AgencyWorker", "missing_item", E),
        ({"AgencyWorker": "2"}, "AgencyWorker", "code_list", E),
        ({"SWENo": None}, "SWENo", "missing_item", E),
        ({"SWENo": "SW123456$"}, "SWENo", "swe_number_format", E),
        ({"SWENo": "123456"}, "SWENo", "swe_number_format", E),
        ({"FTE": "-0.1"}, "FTE", "fte_range", E),
        ({"FTE": "1.5"}, "FTE", "fte_range", E),
        ({"FTE": "full"}, "FTE", "number_format", E),
        ({"FTE": "0.1234567"}, "FTE", "decimal_places", E),
        ({"FTE30": "2"}, "FTE30", "fte_range", E),
        ({"RoleStartDate": "2025-02-30"}, "RoleStartDate", "date_format", E),
        ({"RoleStartDate": "30/09/2025"}, "RoleStartDate", "date_format", E),
        ({"RoleEndDate": "2024-11-03", "ReasonLeave": "1"}, "RoleEndDate", "end_before_start",
         E),
        ({"RoleEndDate": "2025-06-31"}, "RoleEndDate", "date_format", E),
        ({"Cases30": "-1"}, "Cases30", "value_range", E),
        ({"Cases30": "2.5"}, "Cases30", "number_format", E),
        ({"WorkingDaysLost": "1.234"}, "WorkingDaysLost", "decimal_places", E),
        ({"WorkingDaysLost": "-2"}, "WorkingDaysLost", "value_range", E),
        ({"OrgRole": "7"}, "OrgRole", "code_list", W),
        ({"StartOrigin": "11"}, "StartOrigin", "code_list", W),
        ({"PersonBirthDate": "1990-13-01"}, "PersonBirthDate", "date_format", W),
        ({"ReasonAbsence": ["SIC", "XYZ"]}, "ReasonAbsence", "code_list", W),
        ({"Foo": "bar"}, "Foo", "unknown_item", W),
    ],
)  # fmt: skip
def test_bad_items_are_findings_naming_the_worker_and_item(
    tmp_path: Path, change: CswwItems, column: str, rule: str, severity: str
) -> None:
    worker = {**EMPLOYED, **change}
    result = checked(tmp_path, csww_xml(AGENCY, worker))
    rows = result.findings.filter(pl.col("row") == 2)
    assert (2, column, rule, severity) in found(result)
    assert rows.filter(pl.col("rule") == rule)["message"].str.contains("Worker 2").all()
    assert set(rows["row"].to_list()) == {2}  # the good worker has no finding
    kept = result.workers["worker"].to_list()
    assert kept == ([1] if severity == E else [1, 2])


def test_findings_keep_the_value_as_written(tmp_path: Path) -> None:
    result = checked(tmp_path, csww_xml({**EMPLOYED, "FTE": " 1.50 "}))
    (finding,) = result.findings.filter(pl.col("rule") == "fte_range").to_dicts()
    assert finding["value"] == "1.50"  # trimmed of the element's spaces
    assert finding["extract"] == "census"
    assert "Worker 1 (SW123456): FTE" in finding["message"]
    assert "from 0 to 1" in finding["message"]


def test_an_agency_worker_with_a_leaving_date_is_quarantined(tmp_path: Path) -> None:
    result = checked(
        tmp_path, csww_xml(EMPLOYED, {**AGENCY, "RoleEndDate": "2025-08-31"}, la_items=LA_2025)
    )
    assert found(result) == {(2, "RoleEndDate", "agency_leaving_date", E)}
    assert result.workers["worker"].to_list() == [1]


def test_duplicate_swe_numbers_that_overlap_quarantine_every_record(tmp_path: Path) -> None:
    leaver = {**EMPLOYED, "SWENo": "SW777", "RoleStartDate": "2020-01-01",
              "RoleEndDate": "2024-12-31", "FTE30": None, "Cases30": None}  # fmt: skip
    rejoiner = {**EMPLOYED, "SWENo": "SW777", "RoleStartDate": "2025-03-01"}
    result = checked(
        tmp_path,
        csww_xml(
            leaver,
            rejoiner,  # a leaver who came back: two good records
            {**AGENCY, "SWENo": "SW888"},
            {**AGENCY, "SWENo": "sw888"},  # the same number, lower case
            {**EMPLOYED, "SWENo": "SW999"},
            {**AGENCY, "SWENo": "SW999"},  # employed and agency on R at once
            la_items=LA_2025,
        ),
    )
    assert found(result) == {(row, "SWENo", "duplicate_swe_number", E) for row in (3, 4, 5, 6)}
    message = result.findings.filter(pl.col("row") == 3)["message"][0]
    assert "workers 3, 4" in message
    assert result.workers["worker"].to_list() == [1, 2]


def test_quarantined_workers_are_left_out_of_the_indicators(tmp_path: Path) -> None:
    result = checked(
        tmp_path, csww_xml(EMPLOYED, {**EMPLOYED, "SWENo": "SW2", "FTE": "1.5"}, AGENCY)
    )
    values = census_indicators(result.workers, result.la_level, d("2025-09-30"), 253.0)
    employed = values.filter(pl.col("indicator") == "employed_fte")["value"][0]
    assert employed == 0.8


def test_a_2025_return_without_la_level_is_one_warning(tmp_path: Path) -> None:
    result = checked(tmp_path, csww_xml(EMPLOYED))
    # The schema says it where it expected the element: before the first worker.
    assert found(result) == {(None, "LALevel", "missing_item", W), (1, None, "schema", W)}
    assert result.la_level == LaLevelItems()


def test_la_level_problems(tmp_path: Path) -> None:
    la = {**LA_2025, "NumberOfVacancies": "-1", "CarAllowance": None, "CostDBS": "3"}
    result = checked(tmp_path, csww_xml(EMPLOYED, la_items=la))
    assert {
        (None, "NumberOfVacancies", "value_range", E),
        (None, "CarAllowance", "missing_item", W),
        (None, "CostDBS", "code_list", W),
    } <= found(result)
    assert result.la_level.number_of_vacancies is None  # left out of the indicators
    assert result.workers_quarantined == 0


def test_items_out_of_order_are_a_schema_warning_naming_the_worker(tmp_path: Path) -> None:
    swapped: CswwItems = {"SWENo": "SW2", "AgencyWorker": "0", "FTE": "0.8"}
    result = checked(tmp_path, csww_xml(EMPLOYED, swapped, la_items=LA_2025, in_order=False))
    schema = result.findings.filter(pl.col("rule") == "schema").to_dicts()
    assert [(f["row"], f["column"], f["severity"]) for f in schema] == [(2, "SWENo", W)]
    assert "not expected" in schema[0]["message"]
    assert result.workers.height == 2  # order is a warning: both kept


def test_a_bad_value_is_one_finding_not_one_more_from_the_schema(tmp_path: Path) -> None:
    result = checked(
        tmp_path, csww_xml({**EMPLOYED, "FTE": "1.5", "OrgRole": "9"}, la_items=LA_2025)
    )
    assert found(result) == {(1, "FTE", "fte_range", E), (1, "OrgRole", "code_list", W)}


def test_header_findings_and_the_reference_date() -> None:
    header = {
        "Collection": "SWF",
        "Year": "2025",
        "ReferenceDate": "2025-09-29",
        "SourceLevel": "L",
        "LEA": "38",
        "SoftwareCode": None,
        "DateTime": None,
    }
    rules = {
        (f["column"], f["rule"]) for part in header_findings(header, 2025) for f in part.to_dicts()
    }
    assert rules == {
        ("Collection", "code_list"),
        ("LEA", "code_list"),
        ("ReferenceDate", "reference_date"),
    }
    assert reference_date_of(None, header, 2025)[0] == d("2025-09-29")  # as written
    assert reference_date_of(d("2025-09-30"), header, 2025)[0] == d("2025-09-30")  # --as-of
    day, finding = reference_date_of(None, {**header, "ReferenceDate": "2025-09-31"}, 2025)
    assert day == d("2025-09-30")
    assert finding["rule"].to_list() == ["date_format"]
    assert reference_date_of(None, {**header, "ReferenceDate": None}, 2024)[0] == d("2024-09-30")


# --- whole-file problems: one line, nothing published --------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE Message [
 <!ENTITY a "aaaaaaaaaa">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
 <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
 <!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
 <!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;">
 <!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;">
]>
<Message><CSWWWorker><AgencyWorker>0</AgencyWorker><SWENo>&h;</SWENo></CSWWWorker></Message>
"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE Message [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<Message><CSWWWorker><AgencyWorker>0</AgencyWorker><SWENo>&secret;</SWENo></CSWWWorker></Message>
"""
VALID = csww_xml(EMPLOYED)


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"", "the file is empty"),
        (b"employee_id,role\nE1,SW\n", "not an XML file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "not an XML file"),
        (b"<Return><CSWWWorker/></Return>", "the root element is Return, not Message"),
        (b'<Message xmlns="urn:x"><CSWWWorker/></Message>', "has no XML namespace"),
        (VALID[: len(VALID) // 2], "looks truncated"),
        (BILLION_LAUGHS, "entity expansion is not allowed"),
        (EXTERNAL_ENTITY, "entity expansion is not allowed"),
        (csww_xml(EMPLOYED, year=2019), "census year 2019 is not one this tool knows"),
        (csww_xml(EMPLOYED, year=2999), "census year 2999 is not one this tool knows"),
        (VALID.replace(b"<Year>2025</Year>", b"<Year>twenty</Year>"), "unknown census year"),
        (csww_xml(EMPLOYED, header=False), "pass --as-of"),
    ],
)
def test_whole_file_problems_are_refused_in_one_line(
    tmp_path: Path, content: bytes, says: str
) -> None:
    path = tmp_path / "csww_2025_380.xml"
    path.write_bytes(content)
    out = tmp_path / "out"
    with pytest.raises(RunFailure) as refused:
        check_census_file(path, out, load_settings(), today=dt.date(2026, 11, 20))
    message = str(refused.value)
    assert says in message
    assert "\n" not in message
    assert "csww_2025_380.xml" in message
    assert not out.exists()


def test_a_return_without_header_is_read_with_as_of(tmp_path: Path) -> None:
    path = tmp_path / "return.xml"
    path.write_bytes(csww_xml(EMPLOYED, header=False))
    result = check_census_file(
        path, tmp_path / "out", load_settings(), as_of=d("2025-09-30"), today=d("2026-11-20")
    )
    assert (result.year, result.reference, result.workers_read) == (2025, d("2025-09-30"), 1)
    findings = pl.read_csv(result.published["census_findings.csv"])
    assert findings.filter(pl.col("column") == "Header")["rule"].to_list() == ["missing_item"]


# --- the project's XML Schemas ----------------------------------------------------------------


def _sequence(schema: Path, type_name: str) -> list[str]:
    tree = etree.parse(str(schema))
    ns = {"xs": "http://www.w3.org/2001/XMLSchema"}
    names: list[str] = []
    for element in tree.iterfind(
        f"xs:complexType[@name='{type_name}']/xs:sequence/*", namespaces=ns
    ):
        if str(element.tag).endswith("group"):
            names += ["NumberOfVacancies", "NoAgencyFTE", "NoAgencyHeadcount"]
        else:
            names.append(str(element.get("name")))
    return names


@pytest.mark.parametrize("structure", STRUCTURES)
def test_schema_item_order_is_the_structures(structure: Structure) -> None:
    path = SCHEMA_DIR / f"csww_{structure}.xsd"
    assert _sequence(path, "CSWWWorker") == [i.name for i in items_of(WORKER_ITEMS, structure)]
    la = "LALevel" if structure == "2025" else "LALevelVacancies"
    assert _sequence(path, la) == [i.name for i in items_of(LA_ITEMS, structure)]


@pytest.mark.parametrize(
    ("swe", "valid"),
    [("SW123456", True), ("sw1", True), ("AB1234567890", True), ("SW12345678901", False),
     ("SW123456$", False), ("S1234", False), ("SW", False)],
)  # fmt: skip
def test_schema_swe_number_pattern_accepts_real_numbers(swe: str, valid: bool) -> None:
    tree = etree.fromstring(csww_xml({**EMPLOYED, "SWENo": swe}, la_items=LA_2025))
    assert schema_for("2025").validate(tree.getroottree()) is valid
