"""Helpers for tests that run a command in a subprocess and stop or kill it (no tests
here): the fault-injection environment (``tests/fault_hooks/sitecustomize.py``), waiting
for a pause point, ``kill -9``, and the processes left in a process group."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

from tests.locations import REPO_ROOT

FAULT_HOOKS = Path(__file__).resolve().parent / "fault_hooks"


def with_fault_hooks(env: dict[str, str]) -> dict[str, str]:
    """``env`` with the fault hooks on its PYTHONPATH."""
    path = os.pathsep.join(filter(None, [str(FAULT_HOOKS), env.get("PYTHONPATH")]))
    return {**env, "PYTHONPATH": path}


def fault_env(
    pause: str, marker: Path, *, no_exchange: bool = False, base: dict[str, str] | None = None
) -> dict[str, str]:
    """The environment of a command that stops at ``pause`` (see the hooks' docstring)."""
    env = with_fault_hooks(dict(os.environ if base is None else base))
    env["WORKFORCE_TEST_PAUSE"] = pause
    env["WORKFORCE_TEST_MARKER"] = str(marker)
    if no_exchange:
        env["WORKFORCE_TEST_NO_EXCHANGE"] = "1"
    return env


def run_until_paused(
    command: list[str], env: dict[str, str], marker: Path, timeout: float
) -> subprocess.Popen[bytes]:
    """Start ``command`` in its own process group; return once it has paused."""
    process = subprocess.Popen(
        command,
        env=env,
        cwd=REPO_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    deadline = time.monotonic() + timeout
    while not marker.exists():
        if process.poll() is not None:
            error = process.stderr.read().decode() if process.stderr else ""
            raise AssertionError(f"ended before pausing: {error}")
        if time.monotonic() > deadline:
            os.killpg(process.pid, signal.SIGKILL)
            raise AssertionError("never reached the pause point")
        time.sleep(0.05)
    return process


def kill_hard(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL the command itself, not its group: what ``kill -9 PID`` does."""
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=10)
    if process.stderr is not None:
        process.stderr.close()


def live_members(group: int) -> list[int]:
    """Processes of a process group still running (a zombie is dead); Linux /proc."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if int(fields[2]) == group and fields[0] != "Z":
            members.append(int(entry.name))
    return members


def wait_until_gone(group: int, seconds: float = 15) -> list[int]:
    """The group's live processes once none is left or ``seconds`` have passed."""
    deadline = time.monotonic() + seconds
    while live_members(group) and time.monotonic() < deadline:
        time.sleep(0.1)
    return live_members(group)


def kill_group_if_alive(group: int) -> None:
    """Clean-up after a failed test: SIGKILL what is left of a group the test started."""
    if live_members(group):
        os.killpg(group, signal.SIGKILL)
