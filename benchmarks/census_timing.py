"""Time to write and to check the DfE census return (issue 14) for generated trusts.

For trusts of 1x and 100x the sample (``python -m sample_data.generate --staff`` 600 and
60000; drop 2026-11-20; generated into a temporary folder, never committed) it measures,
each as a fresh process exactly as HR runs it:

- ``write``: ``workforce census --input DROP --year 2025 --output DIR --config FILE``;
- ``check``: ``workforce census check csww_2025_380.xml --output DIR``;
- ``check --against``: the same with ``--against DROP`` (reads and validates the drop again);
- ``validate`` (the baseline, same drop, same run): ``workforce validate --input DROP
  --as-of 2025-09-30``: reading and validating the extracts, which the writer and
  ``--against`` share with every nightly run;

and, in one more fresh process per size, the phases without start-up: read, validate, map
the extracts to the return, build the XML, validate it against the schema (write side);
parse and read the file, check the items, the schema pass, the indicators (check side).

    .venv/bin/python benchmarks/census_timing.py                 # 1x and 100x: ~8 min
    .venv/bin/python benchmarks/census_timing.py --sizes 1       # seconds
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SAMPLE_STAFF = 600
DROP_DATE = "2026-11-20"
YEAR = 2025
REFERENCE = f"{YEAR}-09-30"
# The sample's settings state the 2025+ return's pay items.
SAMPLE_SETTINGS = ROOT / "sample_data" / "sample.toml"
_PHASE_MARK = "PHASES "

# Runs in a fresh process: the phases of writing and checking, timed without start-up.
_PHASES = """
import datetime as dt, json, sys, time
from pathlib import Path
drop, out = Path(sys.argv[1]), Path(sys.argv[2])
from transforms.census import census_indicators, la_level_items, return_workers
from transforms.census_check import check_return
from workforce.census.xml_io import (
    invalid_against_schema, read_return, return_document, schema_errors)
from workforce.extract_io import read_drop
from workforce.validation import validate_drop
reference = dt.date.fromisoformat(sys.argv[3])
times = {}
def lap(name, started):
    now = time.perf_counter(); times[name] = now - started; return now
t = time.perf_counter()
raw = read_drop(drop); t = lap("read", t)
extracts = validate_drop(raw, reference, 0.05).extracts; t = lap("validate", t)
workers = return_workers(extracts, reference); la = la_level_items(extracts, reference)
t = lap("map", t)
document = return_document(workers, la, None, structure="2024", year=2024,
    reference=reference, lea="380", generated_at=dt.datetime(2025, 10, 1))
t = lap("xml", t)
assert invalid_against_schema(document, "2024") is None; t = lap("schema", t)
path = out / "phases.xml"; path.write_bytes(document)
t = time.perf_counter()
read = read_return(path); t = lap("parse_read", t)
checked = check_return(read.worker_items, read.worker_count, read.la_items, read.la_element,
    "2024"); t = lap("check_items", t)
schema_errors(read.tree, "2024"); t = lap("check_schema", t)
census_indicators(checked.workers, checked.la_level, reference, 253.0); t = lap("indicators", t)
times["workers"] = workers.height
print("PHASES " + json.dumps(times))
"""


@dataclass
class Run:
    seconds: float
    peak_gib: float  # the process's own peak resident set (maxrss)


@dataclass
class SizeResult:
    size: int
    input_mb: float = 0.0
    return_mb: float = 0.0
    runs: dict[str, Run] = field(default_factory=dict)
    phases: dict[str, float] = field(default_factory=dict)


def _run(command: list[str], env: dict[str, str]) -> tuple[Run, str]:
    """A fresh process: its wall time, its own peak resident set and its output."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    assert process.stdout is not None
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"failed: {' '.join(command)}\n{output}")
    return Run(elapsed, usage.ru_maxrss / 1024**2), output


def _measure(size: int, scratch: Path, env: dict[str, str]) -> SizeResult:
    drop = scratch / f"x{size}" / DROP_DATE
    subprocess.run(
        [sys.executable, "-m", "sample_data.generate", "--out", str(drop),
         "--staff", str(SAMPLE_STAFF * size), "--drop-date", DROP_DATE],
        check=True, cwd=ROOT, env=env, capture_output=True,
    )  # fmt: skip
    result = SizeResult(size, input_mb=sum(p.stat().st_size for p in drop.iterdir()) / 1e6)
    out = scratch / f"out{size}"
    written = out / f"csww_{YEAR}_380.xml"
    workforce = str(BIN / "workforce")
    commands = {
        "validate": [workforce, "validate", "--input", str(drop), "--as-of", REFERENCE],
        "write": [workforce, "census", "--input", str(drop), "--year", str(YEAR),
                  "--output", str(out), "--config", str(SAMPLE_SETTINGS)],
        "check": [workforce, "census", "check", str(written), "--output", str(out / "check")],
        "check --against": [workforce, "census", "check", str(written),
                            "--output", str(out / "against"), "--against", str(drop)],
    }  # fmt: skip
    for name, command in commands.items():
        result.runs[name], _ = _run(command, env)
        print(f"{size}x {name}: {result.runs[name].seconds:.1f} s", flush=True)
    result.return_mb = written.stat().st_size / 1e6
    _, output = _run([sys.executable, "-c", _PHASES, str(drop), str(out), REFERENCE], env)
    line = next(line for line in output.splitlines() if line.startswith(_PHASE_MARK))
    result.phases = json.loads(line.removeprefix(_PHASE_MARK))
    return result


PHASE_NAMES = ("read", "validate", "map", "xml", "schema", "parse_read", "check_items",
               "check_schema", "indicators")  # fmt: skip


def _table(results: list[SizeResult]) -> str:
    names = ("validate", "write", "check", "check --against")
    lines = [
        "fresh processes (wall s, peak GiB); ratio = time / the same drop's `workforce validate`",
        " size input MB return MB workers | " + " ".join(f"{name:>22}" for name in names),
        "-" * 130,
    ]
    for r in results:
        base = r.runs["validate"].seconds
        cells = " ".join(
            f"{run.seconds:>7.1f}s {run.peak_gib:4.2f}G x{run.seconds / base:4.2f}"
            for run in (r.runs[name] for name in names)
        )
        lines.append(
            f"{r.size:>4}x {r.input_mb:>8.0f} {r.return_mb:>9.1f} "
            f"{int(r.phases['workers']):>7} | {cells}"
        )
    lines += ["", "phases in one process (s, no start-up)"]
    lines.append(" size " + " ".join(f"{name:>12}" for name in PHASE_NAMES))
    for r in results:
        lines.append(f"{r.size:>4}x " + " ".join(f"{r.phases[n]:>12.2f}" for n in PHASE_NAMES))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--sizes", default="1,100", help="multiples of the sample (default 1,100)")
    parser.add_argument("--workdir", type=Path, help="keep generated data and outputs here")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    with tempfile.TemporaryDirectory(prefix="census-bench-") as temporary:
        scratch = args.workdir or Path(temporary)
        scratch.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "PYTHONPATH": str(ROOT), "PREFECT_HOME": str(scratch / "prefect")}
        results = [_measure(size, scratch, env) for size in sizes]
    print()
    print(_table(results))
    if args.json:
        args.json.write_text(json.dumps([asdict(result) for result in results], indent=2))


if __name__ == "__main__":
    main()
