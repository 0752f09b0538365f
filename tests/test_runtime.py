"""The process around a run: telemetry off, and the embedded Prefect server bound to the
command's life (started like Prefect starts it; reaped when a killed command left it).

Grain: one process (or fake server process) per test.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.locations import REPO_ROOT
from workforce import runtime
from workforce.runtime import SERVER_RECORDS, reap_orphaned_servers, telemetry_off

linux_only = pytest.mark.skipif(sys.platform != "linux", reason="needs /proc and prctl")
SERVER_MARK = "prefect.server.api.server:create_app"


def test_telemetry_is_off_by_default_but_a_users_choice_stands(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("DO_NOT_TRACK", raising=False)
    telemetry_off()
    assert os.environ["DO_NOT_TRACK"] == "1"
    monkeypatch.setenv("DO_NOT_TRACK", "0")
    telemetry_off()
    assert os.environ["DO_NOT_TRACK"] == "0"


def _first_import_on_a_terminal(code: str, home: Path, extra: dict[str, str]) -> str:
    """What a first ``import`` prints on a terminal (Prefect shows its notice only there,
    once per Prefect home), in a clean environment: no CI variables, no DO_NOT_TRACK."""
    import pty

    from prefect._internal.analytics.ci_detection import CI_ENV_VARS

    env = {
        name: value
        for name, value in os.environ.items()
        if name not in CI_ENV_VARS and name != "DO_NOT_TRACK"
    }
    env.update({"PREFECT_HOME": str(home), **extra})
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-c", code], stdin=follower, stdout=follower, stderr=follower, env=env,
        cwd=REPO_ROOT,
    )  # fmt: skip
    os.close(follower)
    output = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the terminal closes when the process ends
            break
        if not chunk:
            break
        output += chunk
    os.close(leader)
    process.wait(timeout=120)
    return output.decode(errors="replace")


@linux_only
def test_importing_the_flows_shows_no_usage_data_notice(tmp_path: Path) -> None:
    notice = "collects anonymous usage data"
    # Prefect alone, first run on a terminal: the notice (so this test can see it).
    plain = _first_import_on_a_terminal("import prefect", tmp_path / "plain", {})
    assert notice in plain
    ours = _first_import_on_a_terminal("import flows.nightly", tmp_path / "ours", {})
    assert notice not in ours
    # A user who wants it keeps it.
    chosen = _first_import_on_a_terminal(
        "import flows.nightly", tmp_path / "chosen", {"DO_NOT_TRACK": "0"}
    )
    assert notice in chosen


@pytest.fixture
def prefect_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "prefect-home"
    monkeypatch.setenv("PREFECT_HOME", str(home))
    return home


class _Captured:
    def __init__(self, args: list[str], **kwargs: Any) -> None:
        self.args = args
        self.kwargs = kwargs
        self.pid = 4_000_000  # no such process


def test_the_server_starts_with_prefects_own_command_and_environment(
    prefect_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Our start of the embedded server mirrors prefect's _run_uvicorn_command (which we
    cannot give a preexec_fn): if Prefect changes it, this fails."""
    from prefect.server.api.server import SubprocessASGIServer

    started: list[_Captured] = []

    def capture(args: list[str], **kwargs: Any) -> _Captured:
        started.append(_Captured(args, **kwargs))
        return started[-1]

    monkeypatch.setattr(subprocess, "Popen", capture)
    port = 8_765
    try:
        SubprocessASGIServer(port=port)._run_uvicorn_command()
        ours = runtime._bound_server_class()(port=port + 1)
        ours.port = port
        ours._spawn()
    finally:
        for key in (port, port + 1):
            SubprocessASGIServer._instances.pop(key, None)
    prefects, mine = started
    assert mine.args == prefects.args
    assert mine.kwargs.pop("env") == prefects.kwargs.pop("env")
    preexec = mine.kwargs.pop("preexec_fn")
    assert mine.kwargs == prefects.kwargs == {}
    if sys.platform == "linux":
        assert callable(preexec)  # started on the main thread: bound to it
    record = json.loads((prefect_home / SERVER_RECORDS / "4000000.json").read_text())
    assert record["server"] == 4_000_000
    assert record["parent"] == os.getpid()


@pytest.fixture
def fake_server() -> Iterator[subprocess.Popen[bytes]]:
    """A process whose command line looks like Prefect's embedded server's."""
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)", SERVER_MARK])
    yield process
    process.kill()
    process.wait()


def _record(home: Path, server: int, parent: int, parent_start: str | None) -> Path:
    folder = home / SERVER_RECORDS
    folder.mkdir(parents=True, exist_ok=True)
    record = folder / f"{server}.json"
    record.write_text(
        json.dumps(
            {
                "server": server,
                "server_start": runtime._start_time(server),
                "parent": parent,
                "parent_start": parent_start,
            }
        )
    )
    return record


def _dead_pid() -> int:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    return gone.pid


@linux_only
def test_a_server_whose_command_was_killed_is_reaped_by_the_next_run(
    prefect_home: Path, fake_server: subprocess.Popen[bytes]
) -> None:
    record = _record(prefect_home, fake_server.pid, _dead_pid(), "1")
    assert reap_orphaned_servers() == [fake_server.pid]
    assert fake_server.wait(timeout=10) == -9
    assert not record.exists()


@linux_only
def test_a_server_of_a_running_command_is_left_alone(
    prefect_home: Path, fake_server: subprocess.Popen[bytes]
) -> None:
    record = _record(prefect_home, fake_server.pid, os.getpid(), runtime._start_time(os.getpid()))
    assert reap_orphaned_servers() == []
    assert fake_server.poll() is None
    assert record.exists()


@linux_only
def test_a_reused_pid_that_is_not_a_server_is_never_killed(prefect_home: Path) -> None:
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        record = _record(prefect_home, other.pid, _dead_pid(), "1")
        assert reap_orphaned_servers() == []
        assert other.poll() is None
        assert not record.exists()  # the record of a gone server is dropped
    finally:
        other.kill()
        other.wait()
