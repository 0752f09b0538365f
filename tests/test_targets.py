"""Targets and status ("Targets and status" of metrics.md)."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from transforms.targets import TARGETS_SCHEMA, apply_targets, targets_frame
from workforce.settings import Target, load_settings

DEFAULT_TARGETS = targets_frame(load_settings().targets)


def _metrics(*rows: tuple[str, str, float | None]) -> pl.DataFrame:
    """Rows of (as_of, metric, value) at trust scope."""
    return pl.DataFrame(
        [
            {
                "as_of": date.fromisoformat(as_of),
                "scope": "trust",
                "scope_value": "all",
                "metric": metric,
                "value": value,
                "numerator": None,
                "denominator": None,
            }
            for as_of, metric, value in rows
        ],
        schema={
            "as_of": pl.Date,
            "scope": pl.String,
            "scope_value": pl.String,
            "metric": pl.String,
            "value": pl.Float64,
            "numerator": pl.Float64,
            "denominator": pl.Float64,
        },
    )


def _status(as_of: str, value: float | None, metric: str = "agency_rate") -> tuple[object, ...]:
    row = apply_targets(_metrics((as_of, metric, value)), DEFAULT_TARGETS).row(0, named=True)
    return row["target"], row["tolerance"], row["status"]


def test_targets_frame_from_settings() -> None:
    assert DEFAULT_TARGETS.schema == pl.Schema(TARGETS_SCHEMA)
    assert DEFAULT_TARGETS.rows() == [
        ("agency_rate", date(2023, 4, 1), date(2024, 3, 31), "<", 0.48, 0.02),
        ("agency_rate", date(2024, 4, 1), date(2025, 3, 31), "<=", 0.30, 0.02),
        ("agency_rate", date(2025, 4, 1), date(2026, 3, 31), "<=", 0.20, 0.02),
        ("agency_rate", date(2026, 4, 1), None, "<=", 0.20, 0.02),
    ]
    assert targets_frame([]).schema == pl.Schema(TARGETS_SCHEMA)


@pytest.mark.parametrize(
    ("as_of", "value", "expected"),
    [
        # 2023-24: strictly below 0.48
        ("2024-03-31", 0.4799, (0.48, 0.02, "met")),
        ("2024-03-31", 0.48, (0.48, 0.02, "within_tolerance")),
        ("2024-03-31", 0.50, (0.48, 0.02, "within_tolerance")),
        ("2024-03-31", 0.5001, (0.48, 0.02, "missed")),
        # 2024-25 onwards: at or below the target
        ("2024-04-01", 0.30, (0.30, 0.02, "met")),
        ("2024-04-01", 0.32, (0.30, 0.02, "within_tolerance")),
        ("2025-04-01", 0.220000002, (0.20, 0.02, "missed")),
        ("2030-01-01", 0.21, (0.20, 0.02, "within_tolerance")),
        # floating-point noise never flips a status
        ("2024-04-01", 0.30000000000000004, (0.30, 0.02, "met")),
        ("2025-04-01", 0.22000000000000003, (0.20, 0.02, "within_tolerance")),
        ("2025-04-01", 0.2200000000004, (0.20, 0.02, "within_tolerance")),
        # first match: no_target before no_data
        ("2023-03-31", 0.9, (None, None, "no_target")),
        ("2023-03-31", None, (None, None, "no_target")),
        ("2024-04-01", None, (0.30, 0.02, "no_data")),
    ],
)
def test_status_of_the_default_agency_rate_targets(
    as_of: str, value: float | None, expected: tuple[object, ...]
) -> None:
    assert _status(as_of, value) == expected


def test_metric_without_targets_has_no_target() -> None:
    assert _status("2024-04-01", 5.0, metric="employed_fte") == (None, None, "no_target")


def test_rows_keep_their_order_and_every_scope_gets_the_target() -> None:
    metrics = pl.concat(
        [
            _metrics(("2025-01-01", "employed_fte", 3.0), ("2024-06-30", "agency_rate", 0.25)),
            _metrics(("2022-01-01", "agency_rate", 0.1)).with_columns(
                scope=pl.lit("team"), scope_value=pl.lit("T1")
            ),
            _metrics(("2024-06-30", "agency_rate", 0.4)).with_columns(
                scope=pl.lit("team"), scope_value=pl.lit("T2")
            ),
        ]
    )
    result = apply_targets(metrics, DEFAULT_TARGETS)
    assert result.drop("target", "tolerance", "status").equals(metrics)
    assert result["status"].to_list() == ["no_target", "met", "no_target", "missed"]


def test_first_covering_target_row_wins() -> None:
    targets = pl.DataFrame(
        [
            ("agency_rate", date(2024, 1, 1), None, "<=", 0.5, 0.0),
            ("agency_rate", date(2023, 1, 1), date(2024, 12, 31), "<=", 0.1, 0.05),
        ],
        schema=TARGETS_SCHEMA,
        orient="row",
    )
    result = apply_targets(_metrics(("2024-06-30", "agency_rate", 0.3)), targets)
    assert result.select("target", "tolerance", "status").row(0) == (0.5, 0.0, "met")
    result = apply_targets(_metrics(("2023-06-30", "agency_rate", 0.12)), targets)
    assert result.select("target", "tolerance", "status").row(0) == (0.1, 0.05, "within_tolerance")


def test_targets_from_a_settings_file_shape() -> None:
    target = Target.model_validate(
        {"metric": "turnover_rate", "from": "2024-01-01", "comparison": "<", "target": 0.15}
    )
    frame = targets_frame([target])
    assert frame.rows() == [("turnover_rate", date(2024, 1, 1), None, "<", 0.15, 0.0)]


@settings(max_examples=200, deadline=None)
@given(
    value=st.floats(min_value=0, max_value=2, allow_nan=False),
    target=st.sampled_from([0.2, 0.3, 0.48]),
    tolerance=st.sampled_from([0.0, 0.02, 0.05]),
    comparison=st.sampled_from(["<", "<="]),
)
def test_status_is_ordered_by_value(
    value: float, target: float, tolerance: float, comparison: str
) -> None:
    targets = pl.DataFrame(
        [("agency_rate", date(2020, 1, 1), None, comparison, target, tolerance)],
        schema=TARGETS_SCHEMA,
        orient="row",
    )
    status = apply_targets(_metrics(("2024-01-01", "agency_rate", value)), targets)["status"][0]
    if value < target - 1e-9:
        assert status == "met"
    elif value > target + tolerance + 1e-9:
        assert status == "missed"
    else:
        assert status in {"met", "within_tolerance"}
