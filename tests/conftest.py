"""Shared test fixtures. Prefect runs against one temporary local server per session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.locations import DFE_INDICATOR_FILE
from workforce.runtime import configure_prefect_env

configure_prefect_env(log_level="WARNING")


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
