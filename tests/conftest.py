"""Shared test fixtures. Prefect runs against one temporary local server per session;
notifications go to a loopback HTTP receiver a test starts and stops."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.locations import DFE_INDICATOR_FILE
from workforce.runtime import configure_prefect_env

configure_prefect_env(log_level="WARNING")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that run flows in this process go last. Prefect's background workers (its
    embedded server, log and event workers) stay alive for the rest of the session and
    use the ``random`` module; a Hypothesis test running after them sees the global random
    state change while it draws and fails as flaky."""
    uses_prefect = [
        item for item in items if "prefect_harness" in getattr(item, "fixturenames", ())
    ]
    others = [item for item in items if item not in uses_prefect]
    items[:] = others + uses_prefect


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """A temporary Prefect server and database for the whole session (starting one per
    test would cost ~10 s each)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture
def dfe_indicator_file() -> Path:
    if not DFE_INDICATOR_FILE.exists():
        pytest.skip(f"DfE reference file not found at {DFE_INDICATOR_FILE}")
    return DFE_INDICATOR_FILE


@dataclass
class NotificationReceiver:
    """A loopback HTTP server standing in for a webhook: ``url`` is the Apprise URL that
    posts to it, ``messages`` the JSON bodies received."""

    url: str
    messages: list[dict[str, Any]] = field(default_factory=list)

    def texts(self) -> list[str]:
        return [str(message.get("message", "")) for message in self.messages]


@pytest.fixture
def notification_receiver() -> Iterator[NotificationReceiver]:
    received: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            received.append(json.loads(body))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *_: object) -> None:  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield NotificationReceiver(
            url=f"json://127.0.0.1:{server.server_address[1]}/workforce", messages=received
        )
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
