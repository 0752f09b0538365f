"""What the committed outlook, what it takes, retention and milestones add to a nightly run
(issue 11), at 1x the sample and at 100x (``python -m sample_data.generate --staff 60000``
into a temporary folder, never committed).

Each size is measured in a fresh child process without Prefect, on the clean extracts of
the drop 2026-11-20 (read and validated once, not timed as part of the addition):

- ``trend metrics`` (the baseline, measured in the same process): the nightly run's one
  engine pass over its trend dates (``trend_dates(D)``: 24 month-ends, a year earlier, D);
- ``+ forward dates``: the same pass with the outlook dates and the target year-end added
  (how the flow computes them, one pass), minus the baseline: the two are run
  alternately and this is the median of the paired differences (it can come out a
  little below 0 when the difference is within the noise of a shared machine);
- ``outlook + what it takes``: ``select_outlook`` and ``what_it_takes`` on that frame;
- ``retention``: ``retention_frame`` (Kaplan-Meier over the whole history);
- ``milestones``: ``milestone_progress`` for the configured milestones;
- ``write csv``: ``outlook.csv`` and ``retention.csv``;
- ``forward_view alone``: the convenience that runs its own engine pass (for reference).

Every figure is the median of ``--repeats`` runs after one warm-up run, as wall-clock
time and as CPU time of the measuring process (all its threads): on a shared machine the
wall clock also counts other work waiting for the cores, the CPU time much less so.

    .venv/bin/python benchmarks/outlook_retention.py                 # 1x and 100x
    .venv/bin/python benchmarks/outlook_retention.py --sizes 1       # 1x only

Target (issue 11): under 0.3 s added at 1x.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_DROP = ROOT / "sample_data" / "incoming" / "2026-11-20"
SAMPLE_STAFF = 600
DROP_DATE = dt.date(2026, 11, 20)
TARGET_SECONDS_AT_1X = 0.3
_RESULT_MARK = "RESULT "

ADDED_STEPS = (
    "+ forward dates",
    "outlook + what it takes",
    "retention",
    "milestones",
    "write csv",
)


Timing = tuple[float, float]  # (wall-clock seconds, CPU seconds of this process)


def _timed(work: Callable[[], object]) -> Timing:
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    return time.perf_counter() - wall, time.process_time() - cpu


def _medians(timings: list[Timing]) -> Timing:
    return (
        statistics.median(t[0] for t in timings),
        statistics.median(t[1] for t in timings),
    )


def _median_seconds(work: Callable[[], object], repeats: int) -> Timing:
    work()  # warm-up: first-call costs (polars plan building, imports) are not the steady state
    return _medians([_timed(work) for _ in range(repeats)])


def _paired_seconds(
    baseline: Callable[[], object], extended: Callable[[], object], repeats: int
) -> tuple[Timing, Timing, Timing]:
    """Medians of the two, run alternately (so a busy spell on a shared machine falls on
    both), and the median of the differences of each pair."""
    baseline()
    extended()
    first: list[Timing] = []
    second: list[Timing] = []
    for _ in range(repeats):
        first.append(_timed(baseline))
        second.append(_timed(extended))
    differences = [(b[0] - a[0], b[1] - a[1]) for a, b in zip(first, second, strict=True)]
    return _medians(first), _medians(second), _medians(differences)


def measure(drop_dir: Path, repeats: int) -> dict[str, Any]:
    """The timings of one drop, in this process."""
    from transforms.calendar import trend_dates
    from transforms.outlook import (
        forward_dates,
        forward_view,
        milestone_progress,
        milestones_frame,
        select_outlook,
        what_it_takes,
    )
    from transforms.retention import retention_frame
    from transforms.targets import metrics_with_targets, targets_frame
    from workforce.extract_io import read_drop
    from workforce.outputs import write_outlook_csv, write_retention_csv
    from workforce.settings import load_settings
    from workforce.validation import validate_drop

    settings = load_settings()
    params, targets = settings.metric_params(), targets_frame(settings.targets)
    milestones = milestones_frame(settings.milestones)
    started = time.perf_counter()
    extracts = validate_drop(
        read_drop(drop_dir, DROP_DATE), DROP_DATE, settings.validation.max_quarantine_share
    ).extracts
    read_and_validate = time.perf_counter() - started

    trend = trend_dates(DROP_DATE)
    together = sorted({*trend, *forward_dates(DROP_DATE, targets)})
    combined = metrics_with_targets(extracts, together, params, targets)
    outlook = select_outlook(combined, DROP_DATE)
    retention = retention_frame(extracts, DROP_DATE)

    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)

        def write_both() -> None:
            write_outlook_csv(outlook, folder / "outlook.csv")
            write_retention_csv(retention, folder / "retention.csv")

        baseline, with_forward, forward_cost = _paired_seconds(
            lambda: metrics_with_targets(extracts, trend, params, targets),
            lambda: metrics_with_targets(extracts, together, params, targets),
            repeats,
        )
        seconds = {
            "trend metrics": baseline,
            "trend + forward metrics": with_forward,
            "+ forward dates": forward_cost,
            "outlook + what it takes": _median_seconds(
                lambda: (
                    select_outlook(combined, DROP_DATE),
                    what_it_takes(combined, DROP_DATE, targets),
                ),
                repeats,
            ),
            "retention": _median_seconds(lambda: retention_frame(extracts, DROP_DATE), repeats),
            "milestones": _median_seconds(
                lambda: milestone_progress(extracts, DROP_DATE, milestones), repeats
            ),
            "write csv": _median_seconds(write_both, repeats),
            "forward_view alone": _median_seconds(
                lambda: forward_view(extracts, DROP_DATE, params, targets), repeats
            ),
        }
    return {
        "staff_rows": extracts.staff.height,
        "read_and_validate": read_and_validate,
        "trend_dates": len(trend),
        "dates_together": len(together),
        "outlook_rows": outlook.height,
        "retention_rows": retention.height,
        "seconds": seconds,
    }


def _measure_in_child(drop_dir: Path, repeats: int) -> dict[str, Any]:
    command = [sys.executable, __file__, "--measure", str(drop_dir), "--repeats", str(repeats)]
    done = subprocess.run(command, check=True, cwd=ROOT, capture_output=True, text=True)
    line = next(x for x in done.stdout.splitlines() if x.startswith(_RESULT_MARK))
    result: dict[str, Any] = json.loads(line.removeprefix(_RESULT_MARK))
    return result


def _generate(parent: Path, staff: int) -> Path:
    drop = parent / DROP_DATE.isoformat()
    subprocess.run(
        [sys.executable, "-m", "sample_data.generate", "--out", str(drop), "--staff", str(staff)],
        check=True,
        cwd=ROOT,
        capture_output=True,
    )
    return drop


def _table(results: dict[int, dict[str, Any]], column: int, title: str) -> dict[int, float]:
    sizes = sorted(results)
    print(title)
    print(f"{'step':<26}" + "".join(f"{f'{size}x':>12}" for size in sizes))

    def figure(size: int, name: str) -> float:
        value: float = results[size]["seconds"][name][column]
        return value

    for name in ["trend metrics", "trend + forward metrics", *ADDED_STEPS]:
        print(f"{name:<26}" + "".join(f"{figure(s, name):>12.3f}" for s in sizes))
    added = {s: sum(figure(s, name) for name in ADDED_STEPS) for s in sizes}
    print(f"{'added (sum of +)':<26}" + "".join(f"{added[s]:>12.3f}" for s in sizes))
    print(
        f"{'added / trend metrics':<26}"
        + "".join(f"{added[s] / figure(s, 'trend metrics'):>12.2f}" for s in sizes)
    )
    alone = "forward_view alone"
    print(f"{alone:<26}" + "".join(f"{figure(s, alone):>12.3f}" for s in sizes))
    return added


def _print(results: dict[int, dict[str, Any]]) -> None:
    added = _table(results, 0, "wall-clock seconds (median)")
    _table(results, 1, "CPU seconds of the measuring process, all threads (median)")
    for size in sorted(results):
        r = results[size]
        print(
            f"{size}x: {r['staff_rows']} staff rows, read + validate "
            f"{r['read_and_validate']:.1f} s, "
            f"{r['trend_dates']} trend dates -> {r['dates_together']} with the forward dates, "
            f"outlook.csv {r['outlook_rows']} rows, retention.csv {r['retention_rows']} rows"
        )
    if 1 in results:
        verdict = "MET" if added[1] < TARGET_SECONDS_AT_1X else "NOT MET"
        print(f"target (under {TARGET_SECONDS_AT_1X} s added at 1x): {verdict} -- {added[1]:.3f} s")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", default="1,100", help="multiples of the sample, e.g. 1,100")
    parser.add_argument("--repeats", type=int, default=0, help="default: 7 at 1x, 3 above")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure is not None:
        sys.path.insert(0, str(ROOT))
        print(_RESULT_MARK + json.dumps(measure(args.measure, args.repeats or 3)), flush=True)
        return
    results: dict[int, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="outlook-bench-") as scratch:
        for size in (int(s) for s in args.sizes.split(",")):
            drop = (
                SAMPLE_DROP
                if size == 1
                else _generate(Path(scratch) / f"{size}x", size * SAMPLE_STAFF)
            )
            repeats = args.repeats or (7 if size == 1 else 3)
            print(f"{size}x: measuring ({repeats} repeats)...", flush=True)
            results[size] = _measure_in_child(drop, repeats)
    _print(results)


if __name__ == "__main__":
    main()
