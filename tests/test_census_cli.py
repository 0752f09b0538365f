"""``workforce census`` end to end on the sample drop: the 2025 return written, read back
and reconciled (the issue's round trip), the 2024 structure, and one-line failures."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import polars as pl
import pytest
from lxml import etree
from typer.testing import CliRunner

from tests.builders import CENSUS_PAY_CONFIG, DEFAULT_PARAMS, csww_xml
from tests.locations import SAMPLE_DROP
from transforms.census import METRIC_OF_INDICATOR
from transforms.metrics import compute_metrics
from workforce.census import produce
from workforce.cli import app
from workforce.errors import RunFailure
from workforce.extract_io import read_drop
from workforce.settings import load_settings
from workforce.validation import validate_drop

runner = CliRunner()
R = dt.date(2025, 9, 30)
ONE_LINE_FAILURE = re.compile(r"^workforce: census failed: [^\n]+\n$")
# Items csww.md says the extracts do not carry: never written.
NOT_CARRIED = ("PersonBirthDate", "Sex", "GenderCurrent", "Ethnicity", "QualInst",
               "QualLevel", "LeaverDestination", "BaseSalary", "RRPayments", "OtherPayments")  # fmt: skip


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("config") / "census.toml"
    path.write_text(CENSUS_PAY_CONFIG)
    return path


@pytest.fixture(scope="module")
def written_2025(tmp_path_factory: pytest.TempPathFactory, config: Path) -> Path:
    out = tmp_path_factory.mktemp("census")
    result = runner.invoke(
        app,
        ["census", "--input", str(SAMPLE_DROP), "--year", "2025", "--output", str(out),
         "--config", str(config)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert f"wrote {out / 'csww_2025_380.xml'}" in result.output
    return out / "csww_2025_380.xml"


def test_the_written_return_holds_only_what_the_extracts_carry(written_2025: Path) -> None:
    tree = etree.parse(str(written_2025))
    root = tree.getroot()
    assert root.findtext("Header/CollectionDetails/Year") == "2025"
    assert root.findtext("Header/CollectionDetails/ReferenceDate") == "2025-09-30"
    assert root.findtext("Header/Source/LEA") == "380"
    assert root.findtext("LALevel/CarAllowance") == "2"  # from the [census] settings
    assert root.find("LALevelVacancies") is None
    for name in NOT_CARRIED:
        assert root.find(f"CSWWWorker/{name}") is None, name
    data_quality = written_2025.with_name("csww_2025_380_data_quality.csv")
    assert data_quality.read_text().startswith("extract,row,column,rule,severity,value,message")


def test_round_trip_gives_the_metrics_of_the_drop(written_2025: Path, tmp_path: Path) -> None:
    """The sample drop's 2025 return, read back, gives metrics.md's trust-scope values on
    30 September 2025, and --against the same drop shows no difference."""
    result = runner.invoke(
        app,
        ["census", "check", str(written_2025), "--output", str(tmp_path),
         "--against", str(SAMPLE_DROP)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "0 quarantined, 0 warnings; 0 differences with the extracts" in result.output
    assert pl.read_csv(tmp_path / "census_findings.csv").is_empty()
    assert pl.read_csv(tmp_path / "census_reconciliation.csv").is_empty()

    indicators = pl.read_csv(tmp_path / "census_indicators.csv")
    assert indicators["indicator"].to_list() == list(METRIC_OF_INDICATOR)
    extracts = validate_drop(read_drop(SAMPLE_DROP), R, 0.05).extracts
    engine = compute_metrics(extracts, [R], DEFAULT_PARAMS).filter(pl.col("scope") == "trust")
    expected = {row["metric"]: row for row in engine.to_dicts()}
    # Each 2-place item may differ from the engine's unrounded figure by 0.005: vacancy and
    # cover are one item each; days lost one per employed worker.
    workers = len(etree.parse(str(written_2025)).getroot().findall("CSWWWorker"))
    rounding = {"vacancy_rate": 0.005, "vacancy_agency_cover_rate": 0.005,
                "absence_rate": 0.005 * workers}  # fmt: skip
    for row in indicators.to_dicts():
        metric = expected[METRIC_OF_INDICATOR[row["indicator"]]]
        if row["indicator"] in rounding:
            assert row["numerator"] == pytest.approx(
                metric["numerator"], abs=rounding[row["indicator"]]
            )
            assert row["denominator"] == pytest.approx(metric["denominator"], abs=1e-9)
        else:
            assert row["value"] == pytest.approx(metric["value"], abs=1e-12), row
    assert indicators.filter(pl.col("value").is_null()).is_empty()  # every extract supplied


def test_a_2024_return_needs_no_pay_settings_and_reads_back(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["census", "--input", str(SAMPLE_DROP), "--year", "2024", "--output", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    written = tmp_path / "csww_2024_380.xml"
    root = etree.parse(str(written)).getroot()
    assert root.find("LALevelVacancies/NumberOfVacancies") is not None
    assert root.find("LALevel") is None
    checked = runner.invoke(app, ["census", "check", str(written), "--output", str(tmp_path)])
    assert checked.exit_code == 0, checked.output
    assert "0 quarantined, 0 warnings" in checked.output
    assert not (tmp_path / "census_reconciliation.csv").exists()


def test_a_2025_return_without_pay_settings_is_refused_naming_them(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["census", "--input", str(SAMPLE_DROP), "--year", "2025", "--output", str(tmp_path)]
    )
    assert result.exit_code == 1
    assert ONE_LINE_FAILURE.match(result.output), result.output
    for setting in ("recruitment_bonus", "cost_dbs", "other_allowances", "[census]"):
        assert setting in result.output
    assert not any(tmp_path.iterdir())


def test_a_partly_stated_census_table_names_only_what_is_missing(tmp_path: Path) -> None:
    config = tmp_path / "partial.toml"
    config.write_text(CENSUS_PAY_CONFIG.replace("cost_swe = 1\n", ""))
    result = runner.invoke(
        app,
        ["census", "--input", str(SAMPLE_DROP), "--year", "2025", "--output",
         str(tmp_path / "out"), "--config", str(config)],
    )  # fmt: skip
    assert result.exit_code == 1
    assert "not stated: cost_swe;" in result.output


@pytest.mark.parametrize(
    ("setting", "says"),
    [("recruitment_bonus = 3", "census.recruitment_bonus"),
     ("recruitment_bonus = true", "census.recruitment_bonus"),
     ('la_code = "E08000032"', "not a 3-digit old local-authority code")],
)  # fmt: skip
def test_bad_settings_are_one_line(tmp_path: Path, setting: str, says: str) -> None:
    config = tmp_path / "bad.toml"
    name = setting.split(" ")[0]
    text = CENSUS_PAY_CONFIG.replace(f"{name} = 1\n", "")
    if name == "la_code":
        text += f"\n[trust]\n{setting}\n"
    else:
        text = text.replace("[census]\n", f"[census]\n{setting}\n")
    config.write_text(text)
    result = runner.invoke(
        app,
        ["census", "--input", str(SAMPLE_DROP), "--year", "2025", "--output",
         str(tmp_path / "out"), "--config", str(config)],
    )  # fmt: skip
    assert result.exit_code == 1
    assert ONE_LINE_FAILURE.match(result.output), result.output
    assert says in result.output


def test_an_unknown_year_is_refused_in_one_line(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["census", "--input", str(SAMPLE_DROP), "--year", "2019", "--output", str(tmp_path)]
    )
    assert result.exit_code == 1
    assert ONE_LINE_FAILURE.match(result.output), result.output
    assert "census year 2019" in result.output


def test_missing_options_are_a_usage_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["census", "--input", str(SAMPLE_DROP), "--year", "2025"])
    assert result.exit_code == 2
    assert "--output" in result.output
    assert runner.invoke(app, ["census"]).exit_code == 0  # help


def test_nothing_is_published_when_the_return_would_not_match_its_schema(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(produce, "return_document", lambda *_a, **_k: b"<Message/>")
    with pytest.raises(RunFailure, match="does not match the 2024 schema"):
        produce.write_census_return(SAMPLE_DROP, 2024, tmp_path / "out", load_settings())
    assert not (tmp_path / "out").exists()


def test_check_of_a_malformed_file_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "csww_2025_380.xml"
    bad.write_bytes(b"<Message><CSWWWorker><AgencyWorker>0</Agency")
    result = runner.invoke(app, ["census", "check", str(bad), "--output", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert ONE_LINE_FAILURE.match(result.output), result.output
    assert "csww_2025_380.xml" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "o").exists()


def test_check_reports_quarantine_and_keeps_going(tmp_path: Path) -> None:
    path = tmp_path / "return.xml"
    path.write_bytes(
        csww_xml(
            {"AgencyWorker": "0", "SWENo": "SW1", "FTE": "1", "RoleStartDate": "2020-01-01"},
            {"AgencyWorker": "1", "SWENo": "SW2", "FTE": "1.5"},
            year=2024,
            la_items={"NumberOfVacancies": "2"},
        )
    )
    result = runner.invoke(
        app, ["census", "check", str(path), "--output", str(tmp_path), "--as-of", "2024-09-30"]
    )
    assert result.exit_code == 0, result.output
    assert "2 workers read for 2024-09-30, 1 quarantined" in result.output
    findings = pl.read_csv(tmp_path / "census_findings.csv")
    assert findings.select("extract", "row", "column", "rule", "severity").rows() == [
        ("census", 2, "FTE", "fte_range", "error")
    ]
    indicators = dict(pl.read_csv(tmp_path / "census_indicators.csv").select(
        "indicator", "value").rows())  # fmt: skip
    assert indicators["agency_workers"] == 0.0
    assert indicators["vacancy_rate"] == pytest.approx(2 / 3)


def test_check_refuses_a_bad_as_of(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["census", "check", "x.xml", "--output", str(tmp_path), "--as-of", "30/09/2025"]
    )
    assert result.exit_code == 2
    assert "YYYY-MM-DD" in result.output
