"""Process-wide runtime set-up for local runs: Prefect's embedded mode, quiet, offline and
never outliving the command that started it.

Grain: one process (the ``workforce`` command, or any process that imports ``flows``).
``configure_prefect_env`` and ``telemetry_off`` must run before ``prefect`` is imported
(Prefect reads its settings, and decides on telemetry, at import time).

The embedded Prefect server is a child process (``python -m uvicorn ...``) that Prefect's
``SubprocessASGIServer`` starts and stops at exit; a ``kill -9`` of the command skips that
exit, and the server used to run on. Here it is started with ``PR_SET_PDEATHSIG`` on Linux
(the kernel kills it when the thread that started it, the command's main thread, dies),
and every server started is recorded in ``<PREFECT_HOME>/workforce-servers/``, so the next
command reaps one whose parent is gone (the fallback where the kernel cannot do it).
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import json
import os
import signal
import subprocess
import sys
import threading
from functools import cache
from pathlib import Path
from typing import Any

# Prefect's embedded server takes ~10 s to start here and can exceed its default 20 s
# start-up timeout on a cold machine; analytics calls would try the network we do not have.
_PREFECT_DEFAULTS = {
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    "PREFECT_UI_ENABLED": "false",
}
# Usage data: extracts are personal data and the machines running this should not call
# out. DO_NOT_TRACK stops Prefect's client telemetry and its first-run "collects
# anonymous usage data" notice (prefect._internal.analytics); the server and Great
# Expectations have their own switches.
_TELEMETRY_OFF = {
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "GX_ANALYTICS_ENABLED": "false",
}
# Where the embedded server's process records live, under Prefect's home folder.
SERVER_RECORDS = "workforce-servers"
# What identifies Prefect's embedded server in a process's command line.
_SERVER_COMMAND_MARK = "prefect.server.api.server:create_app"


def telemetry_off() -> None:
    """Switch usage data off, unless the user has set these variables themselves (a
    user's ``DO_NOT_TRACK=0`` is respected)."""
    for name, value in _TELEMETRY_OFF.items():
        os.environ.setdefault(name, value)


def configure_prefect_env(log_level: str = "WARNING") -> None:
    """Set quiet, offline-safe defaults without overriding what the user exported."""
    telemetry_off()
    for name, value in {**_PREFECT_DEFAULTS, "PREFECT_LOGGING_LEVEL": log_level}.items():
        os.environ.setdefault(name, value)


def prewarm_great_expectations() -> threading.Thread:
    """Import great_expectations in a background thread.

    GX takes seconds to import; started before the flow, the import overlaps Prefect's
    embedded-server start-up instead of adding to it.
    """

    def _import() -> None:
        # A failed import is reported where GX is really used (the validation task).
        with contextlib.suppress(Exception):
            import great_expectations  # noqa: F401

    thread = threading.Thread(target=_import, name="gx-prewarm", daemon=True)
    thread.start()
    return thread


def start_embedded_server() -> threading.Thread | None:
    """Boot Prefect's embedded (ephemeral) server now; call from the main thread.

    A local run would otherwise start it at the flow's first API call and then sit idle
    for seconds while the server process boots. Started here, that boot overlaps the
    imports of GX, polars and openpyxl. The process is started on the calling thread (so
    it dies with it, see the module docstring) and a background thread waits until it
    answers: join the returned thread before running a flow. Nothing is started when a
    server is configured (PREFECT_API_URL) or the embedded one is disabled.
    """
    from prefect.settings import PREFECT_API_URL, PREFECT_SERVER_EPHEMERAL_ENABLED

    if PREFECT_API_URL.value() or not PREFECT_SERVER_EPHEMERAL_ENABLED.value():
        return None
    # Imported here, on the calling thread: a module import is not something to race.
    from prefect.server.api.server import SubprocessASGIServer

    # Prefect finds its embedded server through SubprocessASGIServer() (one instance per
    # port, None = the default): created first, ours is the one every client uses.
    server = _bound_server_class()()
    if isinstance(server, _bound_server_class()) and not server.running:
        server.spawn_now()

    def _start() -> None:
        # A failed start is retried, and reported, by the flow's own first API call.
        with contextlib.suppress(Exception):
            SubprocessASGIServer().start()

    thread = threading.Thread(target=_start, name="prefect-server-start", daemon=True)
    thread.start()
    return thread


@cache
def _bound_server_class() -> Any:  # a subclass of SubprocessASGIServer, made on first use
    """Prefect's ``SubprocessASGIServer``, its process bound to this one's life."""
    from prefect.server.api.server import SubprocessASGIServer

    class ServerBoundToThisProcess(SubprocessASGIServer):
        _spawned: subprocess.Popen[Any] | None = None

        def spawn_now(self) -> None:
            """Start the server process on this thread; ``start`` then waits for it."""
            self.port = self.find_available_port()
            self._spawned = self._spawn()

        def _run_uvicorn_command(self) -> subprocess.Popen[Any]:
            spawned, self._spawned = self._spawned, None
            return spawned if spawned is not None else self._spawn()

        def _spawn(self) -> subprocess.Popen[Any]:
            # The command and environment of prefect 3.8's SubprocessASGIServer.
            # _run_uvicorn_command (tests/test_runtime.py checks they stay the same),
            # started so that the kernel kills the server with the thread starting it.
            import prefect
            from prefect.settings import get_current_settings

            process = subprocess.Popen(
                args=[
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "--app-dir",
                    str(prefect.__module_path__.parent),
                    "--factory",
                    _SERVER_COMMAND_MARK,
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                    "--log-level",
                    "error",
                    "--lifespan",
                    "on",
                ],
                env={
                    **os.environ,
                    "PREFECT_UI_ENABLED": "0",
                    "PREFECT__SERVER_EPHEMERAL": "1",
                    "PREFECT__SERVER_FINAL": "1",
                    **get_current_settings().to_environment_variables(exclude_unset=True),
                },
                preexec_fn=_die_with_parent_thread(),
            )
            _record_server(process.pid)
            return process

    return ServerBoundToThisProcess


_PR_SET_PDEATHSIG = 1


def _die_with_parent_thread() -> Any:
    """A ``preexec_fn`` that makes the child receive SIGKILL when the thread starting it
    dies, or None where that is unavailable. Only on the main thread: the signal follows
    the starting *thread*, and a helper thread that ends would take the server with it.
    SIGKILL, not SIGTERM: certain, and the server holds nothing that needs a clean stop
    (its SQLite database survives a kill)."""
    if sys.platform != "linux" or threading.current_thread() is not threading.main_thread():
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    parent = os.getpid()

    def set_death_signal() -> None:  # runs in the child, between fork and exec
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before the call above
            os.kill(os.getpid(), signal.SIGKILL)

    return set_death_signal


def prefect_home() -> Path:
    """Prefect's home folder, as Prefect resolves it by default (read without importing
    Prefect, which takes seconds)."""
    return Path(os.environ.get("PREFECT_HOME") or Path.home() / ".prefect").expanduser()


def _start_time(pid: int) -> str | None:
    """A process's start time (clock ticks after boot; with the pid, it names one process
    even when pids are reused); None when it is not running or not knowable."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces; the fields after it do not.
    fields = stat.rpartition(")")[2].split()
    return fields[19] if len(fields) > 19 else None


def _record_server(server_pid: int) -> None:
    folder = prefect_home() / SERVER_RECORDS
    record = folder / f"{server_pid}.json"
    with contextlib.suppress(OSError):
        folder.mkdir(parents=True, exist_ok=True)
        record.write_text(
            json.dumps(
                {
                    "server": server_pid,
                    "server_start": _start_time(server_pid),
                    "parent": os.getpid(),
                    "parent_start": _start_time(os.getpid()),
                }
            )
        )
        atexit.register(_forget_server, record)


def _forget_server(record: Path) -> None:
    with contextlib.suppress(OSError):
        record.unlink()


def reap_orphaned_servers() -> list[int]:
    """Kill embedded servers whose command died without stopping them (recorded in
    ``<PREFECT_HOME>/workforce-servers/``); the pids killed. Linux only (it needs
    ``/proc``); a record whose server is gone is simply removed."""
    folder = prefect_home() / SERVER_RECORDS
    if not Path("/proc/self/stat").exists() or not folder.is_dir():
        return []
    killed: list[int] = []
    for record in folder.glob("*.json"):
        try:
            entry = json.loads(record.read_text())
            server, parent = int(entry["server"]), int(entry["parent"])
        except (OSError, ValueError, KeyError, TypeError):
            _forget_server(record)
            continue
        if entry.get("parent_start") is not None and _start_time(parent) == entry["parent_start"]:
            continue  # its command is still running
        if _start_time(server) == entry.get("server_start") and _is_embedded_server(server):
            with contextlib.suppress(OSError):
                os.kill(server, signal.SIGKILL)
                killed.append(server)
        _forget_server(record)
    return killed


def _is_embedded_server(pid: int) -> bool:
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return _SERVER_COMMAND_MARK.encode() in command
