"""The text a run shows in the Prefect UI and sends as notifications
(``transforms.run_summary``): hand-built frames, hand-checked words.

Grain: one metrics frame (the Trust's KPI on a few dates) or findings frame per test.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

from transforms.findings import combine_findings
from transforms.run_summary import (
    FINDINGS_TABLE_ROWS,
    KpiReading,
    change_words,
    failure_message,
    findings_table,
    kpi_status_change,
    summary_markdown,
)
from transforms.schema import FINDINGS_SCHEMA
from workforce.notify import previous_kpi

D = dt.date


def _kpi(day: dt.date, value: float | None, status: str = "met") -> KpiReading:
    return KpiReading(as_of=day, value=value, target=0.2, tolerance=0.02, status=status)


def test_a_change_is_in_points_with_its_direction_by_polarity() -> None:
    now = _kpi(D(2026, 11, 20), 0.177)
    # Lower is better for the agency rate.
    assert change_words(now, _kpi(D(2026, 10, 31), 0.180)) == "−0.3 pts, Improving"
    assert change_words(now, _kpi(D(2025, 11, 20), 0.167)) == "+1.0 pt, Worsening"
    # 0.04 points rounds to 0.0 at one decimal: no change, never "−0.0 pts".
    assert change_words(now, _kpi(D(2026, 10, 31), 0.1774)) == "No change"
    assert change_words(now, None) == "no figure to compare"
    assert change_words(now, _kpi(D(2026, 10, 31), None, "no_data")) == "no figure to compare"


def _metrics(*rows: tuple[dt.date, float | None, str]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "as_of": [row[0] for row in rows],
            "scope": ["trust"] * len(rows),
            "scope_value": ["all"] * len(rows),
            "metric": ["agency_rate"] * len(rows),
            "value": [row[1] for row in rows],
            "target": [0.2] * len(rows),
            "tolerance": [0.02] * len(rows),
            "status": [row[2] for row in rows],
        }
    )


def test_the_summary_shows_the_kpi_its_changes_the_verdict_and_the_files() -> None:
    metrics = pl.concat(
        [
            _metrics(
                (D(2026, 11, 20), 0.215, "within_tolerance"),
                (D(2026, 10, 31), 0.19, "met"),
                (D(2025, 11, 20), 0.30, "missed"),
            ),
            # another scope and another metric on the date: not the KPI
            _metrics((D(2026, 11, 20), 0.9, "missed")).with_columns(pl.lit("team").alias("scope")),
        ]
    )
    text = summary_markdown(
        heading="Workforce stability on 2026-11-20",
        as_of=D(2026, 11, 20),
        extract_date=D(2026, 11, 20),
        metrics=metrics,
        verdict="Good: 10 rows read from 2 extracts; none quarantined, no warnings.",
        files=[Path("/out/2026-11-20/metrics.csv")],
    )
    assert text.splitlines()[0] == "# Workforce stability on 2026-11-20"
    assert (
        "**Agency rate (KPI 16) on 2026-11-20: 21.5%: Within tolerance** "
        "(target 20.0%, tolerance 2.0 pts)" in text
    )
    assert "| 2026-10-31 (last month-end) | 19.0% | Met | +2.5 pts, Worsening |" in text
    assert "| 2025-11-20 (a year earlier) | 30.0% | Missed | −8.5 pts, Improving |" in text
    assert "**Data quality:** Good: 10 rows read" in text
    assert "Extract drop: 2026-11-20." in text
    assert "- `/out/2026-11-20/metrics.csv`" in text


def test_a_summary_without_earlier_figures_says_so() -> None:
    text = summary_markdown(
        heading="h",
        as_of=D(2026, 11, 20),
        extract_date=None,
        metrics=_metrics((D(2026, 11, 20), None, "no_data")),
        verdict="v",
        files=[],
    )
    assert "on 2026-11-20: no value: No data** (target 20.0%" in text
    assert "| 2026-10-31 (last month-end) | not computed |  | no figure to compare |" in text
    assert "Extract drop" not in text


def _finding(extract: str, row: int, severity: str, value: str) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "extract": [extract],
            "row": [row],
            "column": ["fte"],
            "rule": ["fte_range"],
            "severity": [severity],
            "value": [value],
            "message": [f"message {row}"],
        },
        schema=FINDINGS_SCHEMA,
    )


def test_the_findings_table_puts_errors_first_leaves_values_out_and_is_capped() -> None:
    findings = combine_findings(
        [
            _finding("staff", row, "warning" if row % 2 else "error", f"v{row}")
            for row in range(2, 402)
        ]
    )
    rows, description = findings_table(findings)
    assert len(rows) == FINDINGS_TABLE_ROWS == 200
    assert {row["severity"] for row in rows} == {"error"}  # the 200 errors come first
    assert [row["row"] for row in rows[:3]] == ["2", "4", "6"]  # in the contract's order
    assert all("value" not in row for row in rows)
    assert description == (
        "400 findings (200 errors); the first 200 are shown, errors first. "
        "data_quality.csv lists them all."
    )
    few, few_description = findings_table(findings.head(3))
    assert [row["severity"] for row in few] == ["error", "error", "warning"]
    assert few_description == "3 findings (2 errors), errors first."
    assert findings_table(findings.head(0)) == ([], "No findings.")


def test_a_failure_message_names_the_date_the_reason_and_the_findings() -> None:
    assert failure_message(D(2026, 11, 20), "staff.csv: the file is empty (no header row).") == (
        "The nightly run for 2026-11-20 published nothing: staff.csv: the file is empty "
        "(no header row)."
    )
    assert failure_message(D(2026, 11, 20), "too many", Path("/out/rejected/x.csv")).endswith(
        "too many. Findings for HR: /out/rejected/x.csv"
    )


def test_a_kpi_status_change_is_told_once_and_only_when_it_changed() -> None:
    metrics = _metrics((D(2026, 11, 20), 0.215, "within_tolerance"))
    files = {"workforce_stability_2026-11-20.xlsx": Path("/out/2026-11-20/w.xlsx")}
    before = _kpi(D(2026, 10, 31), 0.19, "met")
    assert kpi_status_change(before, metrics, D(2026, 11, 20), files) == (
        "Agency rate (KPI 16) on 2026-11-20: Within tolerance (21.5%, target 20.0%, "
        "tolerance 2.0 pts); it was Met (19.0%) on 2026-10-31. Workbook: /out/2026-11-20/w.xlsx"
    )
    same = _kpi(D(2026, 10, 31), 0.21, "within_tolerance")
    assert kpi_status_change(same, metrics, D(2026, 11, 20), files) is None
    assert kpi_status_change(None, metrics, D(2026, 11, 20), files) is None


def test_the_previous_kpi_is_the_newest_published_run_before_the_date(tmp_path: Path) -> None:
    header = "as_of,scope,scope_value,metric,value,numerator,denominator,target,tolerance,status"
    for day, value, status in (
        ("2026-10-15", 0.15, "met"),
        ("2026-10-31", 0.25, "missed"),
        ("2026-11-20", 0.18, "met"),  # the date itself: a re-run, not a previous run
        ("2026-12-01", 0.15, "met"),  # later: a re-run of an earlier date happens
    ):
        (tmp_path / day).mkdir()
        (tmp_path / day / "metrics.csv").write_text(
            f"{header}\n{day},team,T1,agency_rate,0.9,,,0.2,0.02,missed\n"
            f"{day},trust,all,agency_rate,{value},,,0.2,0.02,{status}\n"
        )
    (tmp_path / "2026-11-01").mkdir()  # a folder without metrics.csv: not a run
    (tmp_path / "rejected").mkdir()
    assert previous_kpi(tmp_path, D(2026, 11, 20)) == KpiReading(
        as_of=D(2026, 10, 31), value=0.25, target=0.2, tolerance=0.02, status="missed"
    )
    assert previous_kpi(tmp_path, D(2026, 10, 15)) is None
    assert previous_kpi(tmp_path / "nowhere", D(2026, 10, 15)) is None
