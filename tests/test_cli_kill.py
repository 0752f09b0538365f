"""``kill -9`` of a real ``workforce run``: no process of it is left behind (its embedded
Prefect server dies with it), the published folder is the old or the new complete set,
and the next run leaves nothing temporary. Grain: one command per kill, in a subprocess
of its own process group, with its own Prefect home. Linux only (/proc, prctl).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest

from tests.locations import SAMPLE_INCOMING
from tests.processes import (
    fault_env,
    kill_group_if_alive,
    kill_hard,
    live_members,
    run_until_paused,
    wait_until_gone,
)
from transforms.definitions import METRICS_CSV_COLUMNS
from workforce.atomic_folder import OLD_MARK
from workforce.runtime import SERVER_RECORDS

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="needs /proc and prctl")
WORKFORCE = Path(sys.executable).parent / "workforce"
AS_OF = "2026-11-20"
# The files of a date's folder (workbook.md, "Where runs write").
NAMES = (
    f"workforce_stability_{AS_OF}.xlsx",
    "metrics.csv",
    "outlook.csv",
    "retention.csv",
    "data_quality.csv",
)


@pytest.fixture
def user_env(tmp_path: Path) -> dict[str, str]:
    """A user's environment: embedded Prefect in a home of its own, default log level."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("PREFECT_")}
    env["PREFECT_HOME"] = str(tmp_path / "prefect-home")
    return env


def _run(output: Path) -> list[str]:
    return [str(WORKFORCE), "run", "--input", str(SAMPLE_INCOMING), "--output", str(output),
            "--as-of", AS_OF]  # fmt: skip


def test_killed_while_its_prefect_server_starts_leaves_no_process(
    tmp_path: Path, user_env: dict[str, str]
) -> None:
    process = subprocess.Popen(
        _run(tmp_path / "out"),
        env=user_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while len(live_members(process.pid)) < 2:  # the command and its server
            assert process.poll() is None, "the command ended before starting its server"
            assert time.monotonic() < deadline, "the server never started"
            time.sleep(0.05)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        assert wait_until_gone(process.pid) == []
    finally:
        kill_group_if_alive(process.pid)


@pytest.mark.usefixtures("prefect_harness")
def test_killed_between_renames_then_run_again(tmp_path: Path, user_env: dict[str, str]) -> None:
    output = tmp_path / "out"
    folder = output / AS_OF
    folder.mkdir(parents=True)
    for name in NAMES:
        (folder / name).write_text(f"old {name}")
    marker = tmp_path / "paused"
    env = fault_env("between-renames", marker, no_exchange=True, base=user_env)
    process = run_until_paused(_run(output), env, marker, timeout=240)
    try:
        kill_hard(process)
        assert wait_until_gone(process.pid) == []  # the command and its Prefect server
    finally:
        kill_group_if_alive(process.pid)
    # The instant between the renames: no folder, and the old set complete beside it.
    assert not folder.exists()
    (aside,) = output.glob(f".{AS_OF}{OLD_MARK}*")
    assert {p.name: p.read_text() for p in aside.iterdir()} == {n: f"old {n}" for n in NAMES}

    # The next run (on the session's Prefect server, to save the embedded one's start-up).
    from prefect.settings import PREFECT_API_URL

    next_env = {**user_env, "PREFECT_API_URL": str(PREFECT_API_URL.value())}
    again = subprocess.run(_run(output), env=next_env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert sorted(p.name for p in folder.iterdir()) == sorted(NAMES)
    assert tuple(pl.read_csv(folder / "metrics.csv").columns) == METRICS_CSV_COLUMNS
    assert (folder / NAMES[0]).read_bytes()[:2] == b"PK"  # a workbook, not the old text
    assert [p.name for p in output.iterdir()] == [AS_OF]  # nothing temporary
    records = Path(user_env["PREFECT_HOME"]) / SERVER_RECORDS
    assert list(records.glob("*.json")) == []  # the killed run's server record reaped
