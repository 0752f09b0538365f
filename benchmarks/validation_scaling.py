"""Validation at 1x, 10x and 100x against the floor, and the nightly run against a bare flow.

For each size (``python -m sample_data.generate --staff`` 600, 6,000, 60,000 into a
temporary folder, never committed) and each repeat, two fresh processes:

- **floor**: import Great Expectations and read the five CSVs with ``polars.read_csv``
  (every column as text), nothing else;
- **validate**: ``workforce validate --input DIR --as-of 2026-11-20`` (read, check every
  rule, print the summary), the command HR runs.

Each is measured by the kernel for that process alone (``os.wait4``): wall time, CPU time
(user + system, every thread) and peak resident memory (``ru_maxrss``). Reported: medians,
and the ratios validate / floor of the same run.

Then the nightly run on the sample (``workforce run``) against ``benchmarks/bare_flow.py``
(a two-task Prefect flow, same embedded Prefect), alternating, warm (a shared
``PREFECT_HOME`` created first): medians of CPU time and wall time, and their ratios.

    .venv/bin/python benchmarks/validation_scaling.py                  # 1x, 10x, 100x: ~10 min
    .venv/bin/python benchmarks/validation_scaling.py --sizes 1,10 --repeats 5 --nightly-runs 5

Targets (issue 16): at 100x validation <= 3x the floor's time and peak <= 1.5 GiB; the
nightly run <= 1.3x the bare flow's CPU.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
STAFF_PER_SIZE = 600
AS_OF = "2026-11-20"
GIB = 1 << 30

FLOOR_CODE = """
import sys
from pathlib import Path
import great_expectations
import polars as pl
for path in sorted(Path(sys.argv[1]).glob("*.csv")):
    pl.read_csv(path, infer_schema=False)
"""


@dataclass(frozen=True)
class Measure:
    wall: float  # seconds
    cpu: float  # seconds of user + system time, every thread
    peak: float  # GiB, largest resident set


def _measured(command: list[str], env: dict[str, str] | None = None) -> Measure:
    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    if status != 0:
        error = process.stderr.read().decode() if process.stderr else ""
        raise SystemExit(f"{' '.join(command)} failed:\n{error}")
    return Measure(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024 / GIB)


def _median(measures: list[Measure]) -> Measure:
    return Measure(
        statistics.median(m.wall for m in measures),
        statistics.median(m.cpu for m in measures),
        statistics.median(m.peak for m in measures),
    )


def _validate_command(drop: Path) -> list[str]:
    return [str(BIN / "workforce"), "validate", "--input", str(drop), "--as-of", AS_OF]


def _sizes(scratch: Path, sizes: list[int], repeats: int) -> None:
    print(
        "size  rows     | floor: wall   cpu  peak | validate: wall   cpu  peak "
        "| ratio: wall   cpu  peak"
    )
    for size in sizes:
        drop = scratch / f"x{size}"
        subprocess.run(
            [sys.executable, "-m", "sample_data.generate", "--out", str(drop),
             "--staff", str(STAFF_PER_SIZE * size)],
            cwd=ROOT, check=True, capture_output=True,
        )  # fmt: skip
        rows = sum(max(0, len(p.read_bytes().splitlines()) - 1) for p in drop.glob("*.csv"))
        floors, validations = [], []
        for _ in range(repeats):
            floors.append(_measured([sys.executable, "-c", FLOOR_CODE, str(drop)]))
            validations.append(_measured(_validate_command(drop)))
        floor, ours = _median(floors), _median(validations)
        print(
            f"{size:4}x {rows:9,} | {floor.wall:10.1f} {floor.cpu:5.1f} {floor.peak:5.2f} "
            f"| {ours.wall:14.1f} {ours.cpu:5.1f} {ours.peak:5.2f} "
            f"| {ours.wall / floor.wall:11.2f} {ours.cpu / floor.cpu:5.2f} "
            f"{ours.peak / floor.peak:5.2f}",
            flush=True,
        )


def _nightly(scratch: Path, runs: int) -> None:
    env = {**os.environ, "PREFECT_HOME": str(scratch / "prefect-home")}
    bare_command = [sys.executable, str(ROOT / "benchmarks" / "bare_flow.py")]
    ours_command = [
        str(BIN / "workforce"), "run", "--input", "sample_data/incoming",
        "--output", str(scratch / "out"), "--as-of", AS_OF,
    ]  # fmt: skip
    _measured(bare_command, env)  # creates the shared Prefect database: not counted
    bare, ours = [], []
    for _ in range(runs):
        bare.append(_measured(bare_command, env))
        ours.append(_measured(ours_command, env))
    b, o = _median(bare), _median(ours)
    print(f"\nnightly run on the sample vs bare flow (warm, medians of {runs})")
    print(f"bare: wall {b.wall:5.2f} s  cpu {b.cpu:5.2f} s")
    print(f"ours: wall {o.wall:5.2f} s  cpu {o.cpu:5.2f} s")
    print(f"ratio: wall {o.wall / b.wall:4.2f}  cpu {o.cpu / b.cpu:4.2f}")
    print("all bare cpu:", " ".join(f"{m.cpu:.2f}" for m in bare))
    print("all ours cpu:", " ".join(f"{m.cpu:.2f}" for m in ours))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,10,100", help="trust sizes, comma separated")
    parser.add_argument("--repeats", type=int, default=3, help="runs per size (medians)")
    parser.add_argument("--nightly-runs", type=int, default=5, help="0 skips the nightly part")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        sizes = [int(size) for size in args.sizes.split(",") if size]
        if sizes:
            _sizes(Path(scratch), sizes, args.repeats)
        if args.nightly_runs:
            _nightly(Path(scratch), args.nightly_runs)


if __name__ == "__main__":
    main()
