"""Time ``workforce run`` on the sample data against a bare two-task Prefect flow.

Both run as fresh processes in the same environment, alternating (bare, ours, bare,
ours, ...) so machine noise hits both alike. The first pair is "cold": each of the two
runs gets a new PREFECT_HOME of its own, so each creates Prefect's database. The rest are
"warm" (one shared PREFECT_HOME, database already there).

    .venv/bin/python benchmarks/nightly_vs_bare.py --repeats 5

Goal (issue 2): our whole run costs at most 1.3x the bare flow.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _timed(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, cwd=ROOT, env=env, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="warm pairs after the cold one")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:

        def home(name: str) -> dict[str, str]:
            return {**os.environ, "PREFECT_HOME": str(Path(scratch) / name)}

        env = home("prefect-home")
        bare = [sys.executable, str(ROOT / "benchmarks" / "bare_flow.py")]
        ours = [
            str(BIN / "workforce"),
            "run",
            "--input",
            "sample_data/incoming",
            "--output",
            str(Path(scratch) / "out"),
            "--as-of",
            "2026-11-20",
        ]
        timings: dict[str, list[float]] = {"bare": [], "ours": []}
        timings["bare"].append(_timed(bare, home("cold-bare")))
        timings["ours"].append(_timed(ours, home("cold-ours")))
        _timed(bare, env)  # creates the shared database: not timed
        for _ in range(args.repeats):
            timings["bare"].append(_timed(bare, env))
            timings["ours"].append(_timed(ours, env))
    cold_bare, cold_ours = timings["bare"][0], timings["ours"][0]
    warm_bare = statistics.median(timings["bare"][1:])
    warm_ours = statistics.median(timings["ours"][1:])
    print(
        f"cold: bare {cold_bare:6.2f} s  ours {cold_ours:6.2f} s  ratio {cold_ours / cold_bare:.2f}"
    )
    print(
        f"warm: bare {warm_bare:6.2f} s  ours {warm_ours:6.2f} s  ratio {warm_ours / warm_bare:.2f}"
        f"  (medians of {args.repeats})"
    )
    print("all bare:", " ".join(f"{t:.2f}" for t in timings["bare"]))
    print("all ours:", " ".join(f"{t:.2f}" for t in timings["ours"]))


if __name__ == "__main__":
    main()
