"""What a run tells people beyond its files: Prefect artifacts (summary and findings),
notifications to the ``[notify]`` URLs (a loopback receiver here), and a refused run's
findings under ``rejected/<as_of>/``.

Grain: one flow run per test, in Prefect's local mode (the session's temporary server).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import shutil
from pathlib import Path
from typing import Any
from uuid import UUID

import polars as pl
import pytest

from flows.backfill import backfill
from flows.nightly import nightly
from tests.builders import drop_over_quarantine_limit
from tests.conftest import NotificationReceiver
from tests.locations import SAMPLE_DROP
from workforce.artifacts import FINDINGS_KEY, SUMMARY_KEY
from workforce.errors import RunFailure
from workforce.validation import QuarantineLimitExceeded

AS_OF = dt.date(2026, 11, 20)
pytestmark = pytest.mark.usefixtures("prefect_harness")
METRICS_HEADER = (
    "as_of,scope,scope_value,metric,value,numerator,denominator,target,tolerance,status"
)


def _artifacts(flow_run_id: UUID | None) -> dict[str, Any]:
    """The artifacts of one flow run, by key."""
    assert flow_run_id is not None
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    with get_client(sync_client=True) as client:
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]))
        )
    return {artifact.key: artifact for artifact in found if artifact.key}


def _config(tmp_path: Path, *urls: str) -> Path:
    config = tmp_path / "config.toml"
    config.write_text(f"[notify]\nurls = {json.dumps(list(urls))}\n")
    return config


def _published_run(output: Path, *, status: str, value: float, as_of: str) -> None:
    """A previous run's folder holding only what matters here: the Trust's KPI row."""
    folder = output / as_of
    folder.mkdir(parents=True)
    (folder / "metrics.csv").write_text(
        f"{METRICS_HEADER}\n{as_of},trust,all,agency_rate,{value},,,0.2,0.02,{status}\n"
    )


def test_a_nightly_run_posts_its_summary_and_tells_of_a_kpi_status_change(
    tmp_path: Path, notification_receiver: NotificationReceiver, caplog: pytest.LogCaptureFixture
) -> None:
    output = tmp_path / "out"
    # The newest published run before the as-of date decides the previous status; a
    # later one (a re-run of an old date happens) and an older one do not.
    _published_run(output, status="met", value=0.15, as_of="2026-10-15")
    _published_run(output, status="missed", value=0.25, as_of="2026-10-31")
    _published_run(output, status="met", value=0.15, as_of="2026-12-01")
    # One URL that works, one that refuses connections: the run still publishes.
    config = _config(tmp_path, notification_receiver.url, "json://127.0.0.1:9/nobody")
    with caplog.at_level(logging.WARNING, logger="workforce"):
        state = nightly(
            input_dir=SAMPLE_DROP, output_dir=output, as_of=AS_OF, config=config, return_state=True
        )
    published = state.result()
    assert state.is_completed()
    assert any("notification to json://" in record.getMessage() for record in caplog.records)
    assert "nobody" not in caplog.text  # a URL may hold a secret: only its scheme is shown

    # The sample's agency rate on 2026-11-20 is 62.5 / 353.3 FTE = 17.7%: met (<= 20%).
    (message,) = notification_receiver.texts()
    assert message.startswith(
        "Agency rate (KPI 16) on 2026-11-20: Met (17.7%, target 20.0%, tolerance 2.0 pts); "
        "it was Missed (25.0%) on 2026-10-31."
    )
    assert str(published["workforce_stability_2026-11-20.xlsx"]) in message

    artifacts = _artifacts(state.state_details.flow_run_id)
    summary = artifacts[SUMMARY_KEY].data
    assert "**Agency rate (KPI 16) on 2026-11-20: 17.7%: Met** (target 20.0%" in summary
    assert "| 2026-10-31 (last month-end) |" in summary
    assert "| 2025-11-20 (a year earlier) |" in summary
    assert "**Data quality:** " in summary
    for path in published.values():
        assert f"`{path}`" in summary
    findings = pl.read_csv(published["data_quality.csv"], infer_schema=False)
    table = json.loads(artifacts[FINDINGS_KEY].data)
    assert len(table) == findings.height  # the sample has fewer than the cap
    assert set(table[0]) == {"extract", "row", "column", "rule", "severity", "message"}
    assert f"{findings.height} findings" in artifacts[FINDINGS_KEY].description


def test_a_refused_run_leaves_hr_its_findings_and_says_so(
    tmp_path: Path, notification_receiver: NotificationReceiver
) -> None:
    drop = drop_over_quarantine_limit(tmp_path / "incoming" / AS_OF.isoformat())
    output = tmp_path / "out"
    good = output / AS_OF.isoformat()
    good.mkdir(parents=True)
    (good / "metrics.csv").write_text("the last good run's file\n")
    state = nightly(
        input_dir=drop,
        output_dir=output,
        as_of=AS_OF,
        config=_config(tmp_path, notification_receiver.url),
        return_state=True,
    )
    assert state.is_failed()
    with pytest.raises(QuarantineLimitExceeded, match=r"staff\.csv: 60 of 785 rows"):
        state.result()
    # Nothing under <output>/<as_of>/ changed.
    assert [p.name for p in good.iterdir()] == ["metrics.csv"]
    assert (good / "metrics.csv").read_text() == "the last good run's file\n"
    rejected = output / "rejected" / AS_OF.isoformat() / "data_quality.csv"
    findings = pl.read_csv(rejected, infer_schema=False)
    bad = findings.filter((pl.col("extract") == "staff") & (pl.col("rule") == "fte_range"))
    assert bad.height == 60
    assert sorted(bad["row"].cast(pl.Int64).to_list())[0] == 727  # 725 sample rows + header + 1
    (message,) = notification_receiver.texts()
    assert message.startswith("The nightly run for 2026-11-20 published nothing: staff.csv: 60 of")
    assert message.endswith(f"Findings for HR: {rejected}")
    artifacts = _artifacts(state.state_details.flow_run_id)
    assert "refused" in artifacts[SUMMARY_KEY].data
    assert str(rejected) in artifacts[SUMMARY_KEY].data
    table = json.loads(artifacts[FINDINGS_KEY].data)
    assert len(table) == findings.height  # 60 errors and the sample's warnings: under the cap
    assert [row["severity"] for row in table[:60]] == ["error"] * 60  # errors first
    assert {row["severity"] for row in table[60:]} == {"warning"}

    # Fixed and run again: published, and the refusal no longer stands.
    fixed = tmp_path / "fixed"
    shutil.copytree(SAMPLE_DROP, fixed)
    nightly(input_dir=fixed, output_dir=output, as_of=AS_OF)
    assert not (output / "rejected").exists()


def test_a_failed_run_is_told(tmp_path: Path, notification_receiver: NotificationReceiver) -> None:
    drop = tmp_path / "drop"
    shutil.copytree(SAMPLE_DROP, drop)
    (drop / "agency.csv").unlink()
    with pytest.raises(RunFailure, match="agency"):
        nightly(
            input_dir=drop,
            output_dir=tmp_path / "out",
            as_of=AS_OF,
            config=_config(tmp_path, notification_receiver.url),
        )
    (message,) = notification_receiver.texts()
    assert message.startswith("The nightly run for 2026-11-20 published nothing: ")
    assert "required extract agency is missing" in message


def test_a_backfill_posts_its_summary_from_the_newest_drop(tmp_path: Path) -> None:
    incoming = tmp_path / "incoming"
    shutil.copytree(SAMPLE_DROP, incoming / "2026-11-20")
    (incoming / "2025-01-31").mkdir()  # an older drop, empty: never read
    state = backfill(
        input_dir=incoming,
        output_dir=tmp_path / "out",
        start=dt.date(2024, 1, 31),
        end=dt.date(2024, 3, 31),
        return_state=True,
    )
    published = state.result()
    summary = _artifacts(state.state_details.flow_run_id)[SUMMARY_KEY].data
    assert summary.startswith("# Backfill 2024-01-31 to 2024-03-31: the last date")
    assert "Agency rate (KPI 16) on 2024-03-31: " in summary
    assert "Extract drop: 2026-11-20." in summary
    assert f"`{published['metrics.csv']}`" in summary
