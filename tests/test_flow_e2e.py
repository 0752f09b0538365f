"""End to end: the nightly and backfill flows on the sample drop, in Prefect's local mode.

Grain: one flow run per test (they share one temporary Prefect server for the session).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import openpyxl
import polars as pl
import pytest

from flows.backfill import backfill
from flows.nightly import nightly
from tests.locations import SAMPLE_DROP, SAMPLE_INCOMING
from transforms.definitions import METRICS_CSV_COLUMNS
from workforce.errors import RunFailure
from workforce.workbook import SHEET_NAMES

AS_OF = dt.date(2026, 11, 20)
BIN = Path(sys.executable).parent
pytestmark = pytest.mark.usefixtures("prefect_harness")


@pytest.fixture(scope="module")
def nightly_outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    output = tmp_path_factory.mktemp("nightly")
    return nightly(input_dir=SAMPLE_INCOMING, output_dir=output, as_of=AS_OF)


def test_nightly_publishes_workbook_and_csvs_under_the_as_of_folder(
    nightly_outputs: dict[str, Path],
) -> None:
    folder = next(iter(nightly_outputs.values())).parent
    assert folder.name == AS_OF.isoformat()
    assert sorted(p.name for p in folder.iterdir()) == [
        "data_quality.csv",
        "metrics.csv",
        "outlook.csv",
        "retention.csv",
        f"workforce_stability_{AS_OF.isoformat()}.xlsx",
    ]


def test_nightly_metrics_csv_follows_the_contract(nightly_outputs: dict[str, Path]) -> None:
    metrics = pl.read_csv(nightly_outputs["metrics.csv"], infer_schema=False)
    assert tuple(metrics.columns) == METRICS_CSV_COLUMNS
    assert metrics["as_of"].unique().to_list() == [AS_OF.isoformat()]
    trust = {
        row["metric"]: row
        for row in metrics.filter(pl.col("scope") == "trust").iter_rows(named=True)
    }
    # every metric is present at trust scope: the sample supplies all five extracts
    assert len(trust) == 30
    rate = trust["agency_rate"]
    assert rate["status"] in {"met", "within_tolerance", "missed"}
    assert rate["target"] == "0.2"
    assert rate["tolerance"] == "0.02"
    numerator, denominator = float(rate["numerator"]), float(rate["denominator"])
    assert float(rate["value"]) == pytest.approx(numerator / denominator)
    assert numerator == pytest.approx(float(trust["agency_fte"]["value"]))
    # sorted in plain character-code order
    keys = metrics.select("as_of", "scope", "scope_value", "metric").rows()
    assert keys == sorted(keys)


def test_nightly_workbook_reads_back_with_all_sheets(nightly_outputs: dict[str, Path]) -> None:
    path = nightly_outputs[f"workforce_stability_{AS_OF.isoformat()}.xlsx"]
    book = openpyxl.load_workbook(path)
    assert tuple(book.sheetnames) == SHEET_NAMES
    summary = book["Summary"]
    texts = [c.value for row in summary.iter_rows() for c in row if isinstance(c.value, str)]
    assert any("Bradford Children and Families Trust" in t for t in texts)
    metrics_sheet = book["Metrics"]
    metrics_csv = pl.read_csv(nightly_outputs["metrics.csv"])
    (table,) = metrics_sheet.tables.values()
    assert len(metrics_sheet[table.ref]) == metrics_csv.height + 1  # header + every row
    assert len(book["Agency"]._charts) >= 1  # type: ignore[attr-defined]  # openpyxl keeps charts here


def test_stale_drop_is_reported_not_hidden(tmp_path: Path) -> None:
    later = AS_OF + dt.timedelta(days=3)
    outputs = nightly(input_dir=SAMPLE_INCOMING, output_dir=tmp_path, as_of=later)
    findings = pl.read_csv(outputs["data_quality.csv"], infer_schema=False)
    stale = findings.filter(pl.col("rule") == "stale_drop")
    assert stale.height == 1
    assert stale["value"][0] == AS_OF.isoformat()


def test_failed_run_publishes_nothing_and_keeps_the_last_good_files(tmp_path: Path) -> None:
    drop = tmp_path / "incoming" / AS_OF.isoformat()
    shutil.copytree(SAMPLE_DROP, drop)
    output = tmp_path / "out"
    good = nightly(input_dir=drop, output_dir=output, as_of=AS_OF)
    before = {name: path.read_bytes() for name, path in good.items()}

    (drop / "staff.csv").unlink()  # a required extract goes missing
    with pytest.raises(RunFailure, match="staff"):
        nightly(input_dir=drop, output_dir=output, as_of=AS_OF)
    after = {p.name: p.read_bytes() for p in (output / AS_OF.isoformat()).iterdir()}
    assert after == before


def test_crash_while_writing_leaves_previous_outputs_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = nightly(input_dir=SAMPLE_DROP, output_dir=tmp_path, as_of=AS_OF)
    before = {name: path.read_bytes() for name, path in good.items()}

    def crash(*_: object) -> None:
        raise OSError("disk full while writing the workbook")

    monkeypatch.setattr("workforce.workbook.save_workbook", crash)
    with pytest.raises(OSError, match="disk full"):
        nightly(input_dir=SAMPLE_DROP, output_dir=tmp_path, as_of=AS_OF)
    folder = tmp_path / AS_OF.isoformat()
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


BACKFILL_START, BACKFILL_END = dt.date(2024, 1, 31), dt.date(2024, 4, 30)


def test_backfill_equals_nightly_runs_and_reruns_byte_identical(tmp_path: Path) -> None:
    output = tmp_path / "out"
    first = backfill(
        input_dir=SAMPLE_DROP,
        output_dir=output,
        start=BACKFILL_START,
        end=BACKFILL_END,
        every="month",
        workbooks=True,
    )
    first_bytes = first["metrics.csv"].read_bytes()
    series = pl.read_csv(first["metrics.csv"], infer_schema=False)
    dates = ["2024-01-31", "2024-02-29", "2024-03-31", "2024-04-30"]
    assert sorted(series["as_of"].unique().to_list()) == dates

    for as_of in dates:
        single = nightly(
            input_dir=SAMPLE_DROP,
            output_dir=tmp_path / "nightly",
            as_of=dt.date.fromisoformat(as_of),
        )
        nightly_rows = pl.read_csv(single["metrics.csv"], infer_schema=False)
        backfill_rows = series.filter(pl.col("as_of") == as_of)
        assert backfill_rows.equals(nightly_rows), as_of
        # --workbooks wrote the same folder a nightly run writes
        per_date = output / as_of / "metrics.csv"
        assert per_date.read_bytes() == single["metrics.csv"].read_bytes()

    again = backfill(
        input_dir=SAMPLE_DROP,
        output_dir=output,
        start=BACKFILL_START,
        end=BACKFILL_END,
        every="month",
    )
    assert again["metrics.csv"].read_bytes() == first_bytes
    trend = openpyxl.load_workbook(next(p for k, p in again.items() if k.endswith(".xlsx")))
    assert trend.sheetnames[0] == "Agency"
    (table,) = trend["Agency"].tables.values()
    assert len(trend["Agency"][table.ref]) == len(dates) + 1  # a row per backfilled date


def test_interrupted_backfill_leaves_previous_outputs_and_can_be_rerun(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    arguments: dict[str, Any] = {
        "input_dir": SAMPLE_DROP,
        "output_dir": tmp_path,
        "start": BACKFILL_START,
        "end": BACKFILL_END,
        "workbooks": True,
    }
    good = backfill(**arguments)
    snapshot = {p: p.read_bytes() for p in tmp_path.rglob("*.csv")}
    assert good["metrics.csv"] in snapshot

    from workforce.report_files import write_report as real_publish

    calls = {"n": 0}

    def crash_on_third(output_dir: Path, report: Any, settings: Any) -> dict[str, Path]:
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("killed mid-way")
        return real_publish(output_dir, report, settings)

    monkeypatch.setattr("flows.tasks.write_report", crash_on_third)
    with pytest.raises(RuntimeError, match="killed mid-way"):
        backfill(**arguments)
    assert {p: p.read_bytes() for p in tmp_path.rglob("*.csv")} == snapshot
    assert not [p for p in tmp_path.rglob("*") if p.name.endswith(".tmp")]

    monkeypatch.setattr("flows.tasks.write_report", real_publish)
    rerun = backfill(**arguments)
    assert rerun["metrics.csv"].read_bytes() == snapshot[good["metrics.csv"]]


def test_cli_failure_is_one_clear_line_and_non_zero(tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    shutil.copytree(SAMPLE_DROP, drop)
    (drop / "agency.csv").unlink()
    result = subprocess.run(
        [
            str(BIN / "workforce"),
            "run",
            "--input",
            str(drop),
            "--output",
            str(tmp_path / "out"),
            "--as-of",
            AS_OF.isoformat(),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        # as a user runs it: the test session's own Prefect log level is not exported
        env={k: v for k, v in os.environ.items() if k != "PREFECT_LOGGING_LEVEL"},
    )
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "run failed" in lines[0]
    assert "agency" in lines[0]
    assert not (tmp_path / "out").exists()


def test_missing_benchmark_file_is_a_warning_not_a_failure(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[benchmarks]\ndfe_indicator_file = "no_such_file.csv"\n')
    outputs = nightly(
        input_dir=SAMPLE_DROP, output_dir=tmp_path / "out", as_of=AS_OF, config=config
    )
    findings = pl.read_csv(outputs["data_quality.csv"], infer_schema=False)
    warning = findings.filter(pl.col("rule") == "benchmark_file")
    assert warning["severity"].to_list() == ["warning"]
    assert "no_such_file.csv" in warning["message"][0]


def test_sample_config_shows_the_dfe_benchmarks(tmp_path: Path, dfe_indicator_file: Path) -> None:
    from tests.locations import REPO_ROOT

    outputs = nightly(
        input_dir=SAMPLE_DROP,
        output_dir=tmp_path,
        as_of=AS_OF,
        config=REPO_ROOT / "sample_data" / "sample.toml",
    )
    book = openpyxl.load_workbook(outputs[f"workforce_stability_{AS_OF.isoformat()}.xlsx"])
    texts = {c.value for row in book["Benchmarks"].iter_rows() for c in row}
    assert "England" in texts
    assert "Bradford" in texts


def test_no_child_reference_in_any_output(nightly_outputs: dict[str, Path]) -> None:
    child_refs = set(
        pl.read_csv(SAMPLE_DROP / "caseloads.csv", columns=["child_ref"], infer_schema=False)[
            "child_ref"
        ].to_list()
    )
    assert child_refs
    for name, path in nightly_outputs.items():
        if name.endswith(".csv"):
            text = path.read_text()
            assert not [ref for ref in child_refs if ref in text], name
        else:
            book = openpyxl.load_workbook(path)
            cells = {
                str(cell.value)
                for sheet in book.worksheets
                for row in sheet.iter_rows()
                for cell in row
                if cell.value is not None
            }
            assert not cells & child_refs, name


def test_optional_extracts_absent_still_publish_with_those_metrics_left_out(
    tmp_path: Path,
) -> None:
    drop = tmp_path / "drop"
    drop.mkdir()
    for extract in ("staff", "agency"):
        shutil.copy(SAMPLE_DROP / f"{extract}.csv", drop)
    outputs = nightly(input_dir=drop, output_dir=tmp_path / "out", as_of=AS_OF)
    metrics = set(pl.read_csv(outputs["metrics.csv"])["metric"].unique().to_list())
    assert "agency_rate" in metrics
    assert "turnover_rate" in metrics
    assert not metrics & {"vacancy_rate", "average_caseload", "absence_rate", "cases"}
    book = openpyxl.load_workbook(outputs[f"workforce_stability_{AS_OF.isoformat()}.xlsx"])
    for sheet in ("Caseloads", "Vacancies"):
        texts = " ".join(
            str(c.value) for row in book[sheet].iter_rows() for c in row if c.value is not None
        )
        assert "not supplied" in texts, sheet
