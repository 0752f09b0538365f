"""Shared test fixtures. Prefect runs against one temporary local server per session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

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
