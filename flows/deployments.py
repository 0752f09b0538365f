"""Deployments of the flows: the nightly run at 02:00 Europe/London, and an unscheduled
backfill that engineers trigger with parameters (``prefect deployment run``).

The schedule lives here, in the repository, so it is reviewed like code.
"""

from __future__ import annotations

from pathlib import Path

from prefect.deployments.runner import RunnerDeployment
from prefect.schedules import Cron, Schedule

from flows.backfill import backfill
from flows.nightly import nightly
from transforms.schedule import NIGHTLY_CRON, TRUST_TIMEZONE

NIGHTLY_DEPLOYMENT = "nightly"
BACKFILL_DEPLOYMENT = "backfill"


def nightly_schedule() -> Schedule:
    return Cron(NIGHTLY_CRON, timezone=TRUST_TIMEZONE.key)


def build_deployments(
    input_dir: Path, output_dir: Path, config: Path | None = None
) -> list[RunnerDeployment]:
    common = {"input_dir": str(input_dir), "output_dir": str(output_dir)}
    if config is not None:
        common["config"] = str(config)
    deployments = [
        # as_of is left out on purpose: a scheduled run takes the day before its
        # scheduled start (UK time), so late or retried runs compute the same day.
        nightly.to_deployment(
            name=NIGHTLY_DEPLOYMENT,
            schedule=nightly_schedule(),
            parameters=common,
            description="Nightly workforce-stability run for the last complete day.",
        ),
        backfill.to_deployment(
            name=BACKFILL_DEPLOYMENT,
            parameters=common,
            description="Backfill: pass start, end and optionally every / workbooks.",
        ),
    ]
    # to_deployment is sync-compatible: called outside an event loop it returns the
    # deployment itself, not a coroutine.
    return [d for d in deployments if isinstance(d, RunnerDeployment)]


def serve_deployments(input_dir: Path, output_dir: Path, config: Path | None = None) -> None:
    """Serve both deployments from this process until interrupted (needs a Prefect server)."""
    from prefect import serve

    serve(*build_deployments(input_dir, output_dir, config))
