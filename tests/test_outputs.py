"""Atomic publishing and the metrics.csv / data_quality.csv contracts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from transforms.definitions import METRICS_CSV_COLUMNS
from transforms.findings import combine_findings, stale_drop_finding
from transforms.retention import RETENTION_SCHEMA
from transforms.schema import FINDING_COLUMNS, FINDINGS_SCHEMA
from workforce.outputs import (
    RETENTION_CSV_COLUMNS,
    publish,
    write_findings_csv,
    write_metrics_csv,
    write_outlook_csv,
    write_retention_csv,
)


def _metrics() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "as_of": [dt.date(2025, 3, 31)] * 3,
            "scope": ["team", "trust", "team"],
            "scope_value": ["b", "all", "B"],
            "metric": ["agency_rate", "agency_rate", "agency_fte"],
            "value": [None, 1 / 3, 2.0],
            "numerator": [0.0, 1.0, None],
            "denominator": [0.0, 3.0, None],
            "target": [0.3, 0.3, None],
            "tolerance": [0.02, 0.02, None],
            "status": ["no_data", "missed", "no_target"],
        }
    )


def test_metrics_csv_has_contract_columns_order_and_empty_not_zero(tmp_path: Path) -> None:
    path = tmp_path / "metrics.csv"
    write_metrics_csv(_metrics(), path)
    lines = path.read_text().splitlines()
    assert lines[0] == ",".join(METRICS_CSV_COLUMNS)
    # sorted by as_of, scope, scope_value, metric in character-code order ("B" < "b")
    assert lines[1:] == [
        "2025-03-31,team,B,agency_fte,2.0,,,,,no_target",
        "2025-03-31,team,b,agency_rate,,0.0,0.0,0.3,0.02,no_data",
        "2025-03-31,trust,all,agency_rate,0.3333333333333333,1.0,3.0,0.3,0.02,missed",
    ]


def test_findings_csv_has_contract_columns(tmp_path: Path) -> None:
    path = tmp_path / "data_quality.csv"
    write_findings_csv(stale_drop_finding(dt.date(2026, 11, 20), dt.date(2026, 11, 23)), path)
    header, row = path.read_text().splitlines()
    assert header == ",".join(FINDING_COLUMNS)
    assert row.startswith(",,,stale_drop,warning,2026-11-20,")
    assert "3 days older" in row


def test_no_stale_finding_when_drop_is_as_fresh_as_the_date() -> None:
    assert stale_drop_finding(dt.date(2026, 11, 20), dt.date(2026, 11, 20)).height == 0
    assert stale_drop_finding(None, dt.date(2026, 11, 20)).height == 0


def test_combined_findings_are_sorted_by_extract_row_then_rule() -> None:
    def finding(extract: str | None, row: int | None, rule: str) -> pl.DataFrame:
        return pl.DataFrame(
            {
                "extract": [extract],
                "row": [row],
                "column": [None],
                "rule": [rule],
                "severity": ["error"],
                "value": [None],
                "message": ["m"],
            },
            schema=FINDINGS_SCHEMA,
        )

    combined = combine_findings(
        [
            finding("staff", 10, "fte_range"),
            finding("agency", 3, "overlap"),
            finding("staff", 9, "required"),
            finding(None, None, "stale_drop"),
            finding("staff", 10, "end_before_start"),
        ]
    )
    assert combined.select("extract", "row", "rule").rows() == [
        (None, None, "stale_drop"),
        ("agency", 3, "overlap"),
        ("staff", 9, "required"),
        ("staff", 10, "end_before_start"),
        ("staff", 10, "fte_range"),
    ]


def test_publish_replaces_files_whole_and_leaves_no_temporary_files(tmp_path: Path) -> None:
    folder = tmp_path / "2025-03-31"
    publish(
        folder, {"a.csv": lambda p: p.write_text("old a"), "b.csv": lambda p: p.write_text("b")}
    )
    publish(folder, {"a.csv": lambda p: p.write_text("new a")})
    assert (folder / "a.csv").read_text() == "new a"
    assert (folder / "b.csv").read_text() == "b"
    assert sorted(p.name for p in folder.iterdir()) == ["a.csv", "b.csv"]


def test_failed_publish_leaves_previous_files_untouched(tmp_path: Path) -> None:
    folder = tmp_path / "2025-03-31"
    publish(
        folder, {"a.csv": lambda p: p.write_text("good a"), "b.csv": lambda p: p.write_text("b")}
    )

    def half_written_then_crash(path: Path) -> None:
        path.write_text("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        publish(
            folder,
            {"a.csv": lambda p: p.write_text("new a"), "b.csv": half_written_then_crash},
        )
    # a.csv was written fine but not published: the set is replaced all or nothing.
    assert (folder / "a.csv").read_text() == "good a"
    assert (folder / "b.csv").read_text() == "b"
    assert sorted(p.name for p in folder.iterdir()) == ["a.csv", "b.csv"]


def test_published_files_are_readable_as_any_new_file_would_be(tmp_path: Path) -> None:
    import os
    import stat

    publish(tmp_path, {"a.csv": lambda p: p.write_text("a")})
    mask = os.umask(0)
    os.umask(mask)
    mode = stat.S_IMODE((tmp_path / "a.csv").stat().st_mode)
    assert mode == 0o666 & ~mask  # not mkstemp's owner-only 0600


def test_outlook_csv_is_written_exactly_as_metrics_csv(tmp_path: Path) -> None:
    write_outlook_csv(_metrics(), tmp_path / "outlook.csv")
    write_metrics_csv(_metrics(), tmp_path / "metrics.csv")
    assert (tmp_path / "outlook.csv").read_bytes() == (tmp_path / "metrics.csv").read_bytes()


def test_retention_csv_has_contract_columns_order_and_empty_retained(tmp_path: Path) -> None:
    day = dt.date(2026, 11, 20)
    retention = pl.DataFrame(
        [
            (day, "other", "all", 730, 3, 0, 1, None),
            (day, "all", "all", 182, 5, 4, 1, 0.8),
            (day, "all", "2025-26", 182, 2, 1, 0, 1.0),
            (day, "agency_conversion", "all", 365, 1, 1, 0, 1.0),
            (day, "all", "all", 1095, 5, 0, 2, None),
        ],
        schema=RETENTION_SCHEMA,
        orient="row",
    )
    path = tmp_path / "retention.csv"
    write_retention_csv(retention, path)
    lines = path.read_text().splitlines()
    assert lines[0] == ",".join(RETENTION_CSV_COLUMNS)
    assert RETENTION_CSV_COLUMNS == (
        "as_of",
        "route",
        "cohort",
        "horizon_days",
        "starters",
        "at_risk",
        "leavers",
        "retained",
    )
    # Character-code order: "2025-26" < "all", and a horizon "1095" before "182".
    assert lines[1:] == [
        "2026-11-20,agency_conversion,all,365,1,1,0,1.0",
        "2026-11-20,all,2025-26,182,2,1,0,1.0",
        "2026-11-20,all,all,1095,5,0,2,",
        "2026-11-20,all,all,182,5,4,1,0.8",
        "2026-11-20,other,all,730,3,0,1,",
    ]
