"""The `workforce` command line, in-process (commands that need no Prefect server)."""

from __future__ import annotations

import shutil
from pathlib import Path

from typer.testing import CliRunner

from tests.builders import drop_over_quarantine_limit
from tests.locations import SAMPLE_DROP, SAMPLE_INCOMING
from workforce.cli import app

runner = CliRunner()


def test_validate_prints_a_summary_per_extract() -> None:
    result = runner.invoke(
        app, ["validate", "--input", str(SAMPLE_INCOMING), "--as-of", "2026-11-20"]
    )
    assert result.exit_code == 0, result.output
    for extract in ("staff", "agency", "caseloads", "establishment", "absence"):
        assert extract in result.output
    assert "weekly_cost_missing" in result.output  # the sample's known warnings, by rule


def test_validate_lists_quarantined_rows_by_rule(tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    shutil.copytree(SAMPLE_DROP, drop)
    staff = drop / "staff.csv"
    lines = staff.read_text().splitlines()
    bad = "E900001,SW900001,Social Worker,SW,Ghost Team,Ghost Area,1.5,permanent,2024-01-01,,,1"
    staff.write_text("\n".join([*lines, bad]) + "\n")
    result = runner.invoke(app, ["validate", "--input", str(drop), "--as-of", "2026-11-20"])
    assert result.exit_code == 0, result.output
    assert "fte_range" in result.output
    assert "error" in result.output


def test_validate_of_an_unreadable_drop_fails_with_one_line(tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    shutil.copytree(SAMPLE_DROP, drop)
    (drop / "staff.csv").write_bytes("employee_id;role\nE1;SW\n".encode("latin-1"))
    result = runner.invoke(app, ["validate", "--input", str(drop), "--as-of", "2026-11-20"])
    assert result.exit_code == 1
    assert "run failed" in result.output
    assert "staff.csv" in result.output


def test_bad_as_of_date_is_refused_before_anything_runs(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        ["run", "--input", str(SAMPLE_DROP), "--output", str(tmp_path), "--as-of", "20/11/2026"],
    )
    assert result.exit_code == 2
    assert "YYYY-MM-DD" in result.output
    assert not any(tmp_path.iterdir())


def test_backfill_refuses_an_end_before_its_start(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "backfill",
            "--input",
            str(SAMPLE_DROP),
            "--output",
            str(tmp_path),
            "--start",
            "2025-03-31",
            "--end",
            "2025-01-31",
        ],
    )
    assert result.exit_code == 2
    assert "before --start" in result.output


def test_validate_of_a_drop_over_the_quarantine_limit_shows_the_findings_and_fails(
    tmp_path: Path,
) -> None:
    drop = drop_over_quarantine_limit(tmp_path / "drop")
    result = runner.invoke(app, ["validate", "--input", str(drop), "--as-of", "2026-11-20"])
    assert result.exit_code == 1
    assert "Findings by rule" in result.output  # HR still sees what to fix
    assert "fte_range" in result.output
    assert "a run would be refused: staff.csv: 60 of 785 rows (7.6%)" in result.output
