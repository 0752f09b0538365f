"""A bare two-task Prefect flow in embedded mode: the yardstick for ``workforce run``.

It pays what every Prefect run here pays (interpreter, Prefect import, embedded server
start-up, flow and task run bookkeeping) and nothing of ours.
"""

from __future__ import annotations

from workforce.runtime import configure_prefect_env

configure_prefect_env(log_level="CRITICAL")  # as quiet as `workforce run`

from prefect import flow, task  # noqa: E402


@task
def first() -> int:
    return 1


@task
def second(value: int) -> int:
    return value + 1


@flow(name="bare")
def bare() -> int:
    return second(first())


if __name__ == "__main__":
    bare()
