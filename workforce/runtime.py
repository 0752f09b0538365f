"""Process-wide runtime set-up for local runs: Prefect's embedded mode, quiet and robust.

Must run before ``prefect`` is imported (Prefect reads its settings at import time).
"""

from __future__ import annotations

import contextlib
import os
import threading

# Prefect's embedded server takes ~10 s to start here and can exceed its default 20 s
# start-up timeout on a cold machine; analytics calls would try the network we do not have.
_PREFECT_DEFAULTS = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    "PREFECT_UI_ENABLED": "false",
    # Great Expectations: no usage statistics, no progress bars on the console.
    "GX_ANALYTICS_ENABLED": "false",
}


def configure_prefect_env(log_level: str = "WARNING") -> None:
    """Set quiet, offline-safe defaults without overriding what the user exported."""
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
    """Boot Prefect's embedded (ephemeral) server now, from a background thread.

    A local run would otherwise start it at the flow's first API call and then sit idle
    for seconds while the server process boots. Started here, that boot overlaps the
    imports of GX, polars and openpyxl. Join the returned thread before running a flow:
    the server counts as running before it answers. Nothing is started when a server is
    configured (PREFECT_API_URL) or the embedded one is disabled.
    """
    from prefect.settings import PREFECT_API_URL, PREFECT_SERVER_EPHEMERAL_ENABLED

    if PREFECT_API_URL.value() or not PREFECT_SERVER_EPHEMERAL_ENABLED.value():
        return None
    # Imported here, on the calling thread: a module import is not something to race.
    from prefect.server.api.server import SubprocessASGIServer

    def _start() -> None:
        # A failed start is retried, and reported, by the flow's own first API call.
        with contextlib.suppress(Exception):
            SubprocessASGIServer().start()

    thread = threading.Thread(target=_start, name="prefect-server-start", daemon=True)
    thread.start()
    return thread
