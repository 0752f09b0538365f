"""Progress on the console for long runs (backfills): a bar on stderr when it is a
terminal, nothing otherwise. Grain: one bar per stage of a run."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")


@contextmanager
def progress_bar(description: str, total: int, enabled: bool) -> Iterator[Callable[[int], None]]:
    """A bar of ``total`` steps; yields ``advance(steps)`` (a no-op when not wanted)."""
    if not enabled:
        yield lambda _steps: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task_id = bar.add_task(description, total=total)
        yield lambda steps: bar.advance(task_id, steps)


def advancing(
    parts: Iterable[T], advance: Callable[[int], None], size: Callable[[T], int]
) -> Iterator[T]:
    """``parts`` unchanged, advancing the bar by each part's ``size`` once it is used."""
    for part in parts:
        yield part
        advance(size(part))
