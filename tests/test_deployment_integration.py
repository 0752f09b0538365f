"""Integration: a real Prefect server on loopback, the served deployments, a backfill
triggered through its deployment with parameters, and the Dask task-runner path.

Everything runs as separate processes, as it would in production; each process and the
server are stopped by the test itself.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import polars as pl
import pytest

from tests.locations import SAMPLE_DROP

BIN = Path(sys.executable).parent
SERVER_START_TIMEOUT = 180


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(predicate: object, timeout: float, what: str) -> object:
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            result = predicate()  # type: ignore[operator]
            if result:
                return result
        except (httpx.HTTPError, OSError) as error:
            last_error = error
        time.sleep(1)
    raise AssertionError(f"timed out waiting for {what} ({last_error})")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture(scope="module")
def prefect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """`prefect server start` on loopback with its own PREFECT_HOME (SQLite)."""
    home = tmp_path_factory.mktemp("prefect-home")
    port = _free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    env = {
        **os.environ,
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_UI_ENABLED": "false",
        "PREFECT_LOGGING_LEVEL": "WARNING",
    }
    env.pop("PREFECT_API_URL", None)
    log = (home / "server.log").open("wb")
    server = subprocess.Popen(
        [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        _wait_for(
            lambda: httpx.get(f"{api_url}/health", timeout=5).status_code == 200,
            SERVER_START_TIMEOUT,
            "the Prefect server",
        )
        yield {**env, "PREFECT_API_URL": api_url}
    finally:
        _stop(server)
        log.close()


def _deployment(api_url: str, name: str) -> dict[str, object] | None:
    response = httpx.get(f"{api_url}/deployments/name/{name}", timeout=10)
    return response.json() if response.status_code == 200 else None


def test_serve_schedules_nightly_at_two_and_runs_a_backfill_with_parameters(
    prefect_server: dict[str, str], tmp_path: Path
) -> None:
    api_url = prefect_server["PREFECT_API_URL"]
    output = tmp_path / "out"
    serve_log = (tmp_path / "serve.log").open("wb")
    served = subprocess.Popen(
        [str(BIN / "workforce"), "serve", "--input", str(SAMPLE_DROP), "--output", str(output)],
        env=prefect_server,
        stdout=serve_log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        nightly = _wait_for(
            lambda: _deployment(api_url, "nightly/nightly"), 120, "the nightly deployment"
        )
        assert isinstance(nightly, dict)
        scheduled = _wait_for(
            lambda: httpx.post(
                f"{api_url}/flow_runs/filter",
                json={"deployments": {"id": {"any_": [nightly["id"]]}}, "limit": 10},
                timeout=10,
            ).json(),
            60,
            "scheduled nightly runs",
        )
        assert isinstance(scheduled, list)
        london = ZoneInfo("Europe/London")
        starts = [
            dt.datetime.fromisoformat(run["expected_start_time"]).astimezone(london)
            for run in scheduled
        ]
        assert starts
        assert all((s.hour, s.minute) == (2, 0) for s in starts)

        triggered = subprocess.run(
            [
                str(BIN / "prefect"),
                "deployment",
                "run",
                "backfill/backfill",
                "--param",
                "start=2025-01-31",
                "--param",
                "end=2025-03-31",
                "--watch",
            ],
            env=prefect_server,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert triggered.returncode == 0, triggered.stdout + triggered.stderr
        metrics = pl.read_csv(output / "backfill_2025-01-31_2025-03-31" / "metrics.csv")
        assert sorted(metrics["as_of"].unique().to_list()) == [
            "2025-01-31",
            "2025-02-28",
            "2025-03-31",
        ]
    finally:
        _stop(served)
        serve_log.close()


def test_serve_without_a_server_says_how_to_start_one(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    result = subprocess.run(
        [str(BIN / "workforce"), "serve", "--input", str(SAMPLE_DROP), "--output", str(tmp_path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "PREFECT_API_URL is not set" in result.stderr
    assert "prefect server start" in result.stderr


def test_backfill_workbooks_fan_out_on_a_dask_cluster(
    prefect_server: dict[str, str], tmp_path: Path
) -> None:
    distributed = pytest.importorskip("distributed")
    config = tmp_path / "config.toml"
    defaults = (Path(__file__).parents[1] / "workforce" / "defaults.toml").read_text()
    with distributed.LocalCluster(
        host="127.0.0.1",
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
    ) as cluster:
        config.write_text(
            defaults.replace('task_runner = "threads"', 'task_runner = "dask"').replace(
                'dask_address = ""', f'dask_address = "{cluster.scheduler_address}"'
            )
        )
        output = tmp_path / "out"
        result = subprocess.run(
            [
                str(BIN / "workforce"),
                "backfill",
                "--input",
                str(SAMPLE_DROP),
                "--output",
                str(output),
                "--start",
                "2025-01-31",
                "--end",
                "2025-03-31",
                "--workbooks",
                "--config",
                str(config),
            ],
            env=prefect_server,
            capture_output=True,
            text=True,
            timeout=600,
        )
    assert result.returncode == 0, result.stdout + result.stderr
    for as_of in ("2025-01-31", "2025-02-28", "2025-03-31"):
        assert (output / as_of / f"workforce_stability_{as_of}.xlsx").stat().st_size > 0
        assert (output / as_of / "metrics.csv").exists()
