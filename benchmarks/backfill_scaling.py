"""How the daily backfill scales with the size of the trust and the number of dates (issue 6).

For generated trusts of 1x, 10x and 100x the sample (``--staff`` 600, 6000, 60000; drop
2026-11-20, generated into a temporary folder, never committed) it measures:

- ``cli``: ``workforce backfill --every day`` over 2022-04-01..2026-11-20 (1,695 dates) as a
  fresh process, Prefect in its embedded mode, exactly as a user runs it;
- ``phases``: the same work in one fresh process, split into read, validate, compute
  metrics, write metrics.csv and trend workbook (the functions the backfill flow calls);
  also for fewer dates (the last 12, 120, ... days of the range) to show how cost grows
  with the number of dates;
- ``nightly``: ``workforce run --as-of D`` for a few dates spread over the range, each a
  fresh process, extrapolated to one nightly run per date;
- ``bare``: a bare two-task Prefect flow (``benchmarks/bare_flow.py``): what start-up alone
  costs, so ``cli - bare`` is the backfill's compute after start-up.

Peak memory is the peak resident set of the measured process and every process under it
(Prefect's embedded server runs as a child), summed, sampled every 0.1 s; ``maxrss`` is
the kernel's figure for the largest single process (what ``/usr/bin/time -f %M`` reports).

    .venv/bin/python benchmarks/backfill_scaling.py                  # 1x, 10x, 100x
    .venv/bin/python benchmarks/backfill_scaling.py --sizes 1,10     # skip 100x

Targets (issue 6): the daily backfill of the sample takes under 10 s of compute after
start-up; 100x the sample fits in 4 GiB.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SAMPLE_STAFF = 600
DROP_DATE = dt.date(2026, 11, 20)
FIRST_DATE = dt.date(2022, 4, 1)
ALL_DATES = (DROP_DATE - FIRST_DATE).days + 1  # 1,695
GIB = 1024**3
RSS_TARGET_BYTES = 4 * GIB
COMPUTE_TARGET_SECONDS = 10.0
_SAMPLE_EVERY_SECONDS = 0.1
_PHASE_MARK = "PHASES "

_T = TypeVar("_T")


# --- measuring a process tree ------------------------------------------------------------


def _children_of() -> dict[int, list[int]]:
    """Parent pid -> child pids, from /proc (a process may vanish while we look)."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with Path(f"/proc/{entry.name}/stat").open(encoding="ascii", errors="replace") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    return children


def _rss_bytes(pid: int) -> int:
    try:
        with Path(f"/proc/{pid}/statm").open(encoding="ascii") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, IndexError, ValueError):
        return 0


def tree_rss_bytes(root: int) -> int:
    """Resident set of ``root`` and all its descendants, summed."""
    children = _children_of()
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += _rss_bytes(pid)
        stack.extend(children.get(pid, ()))
    return total


@dataclass(frozen=True)
class ProcessRun:
    seconds: float
    peak_tree_bytes: int  # sampled sum over the process tree
    maxrss_bytes: int  # kernel peak of the largest single process (wait4)
    stdout: str


def run_measured(command: Sequence[str], env: dict[str, str]) -> ProcessRun:
    """Run ``command`` to completion; its wall time and peak memory. Fails loudly."""
    with tempfile.TemporaryFile() as captured:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=captured, stderr=captured)
        peak = 0
        done = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not done.is_set():
                peak = max(peak, tree_rss_bytes(process.pid))
                done.wait(_SAMPLE_EVERY_SECONDS)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        # wait4 on this very child gives its own rusage (Popen.wait would discard it).
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - started
        done.set()
        sampler.join()
        captured.seek(0)
        text = captured.read().decode("utf-8", errors="replace")
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({process.returncode}):\n{text[-3000:]}")
    return ProcessRun(seconds, max(peak, usage.ru_maxrss * 1024), usage.ru_maxrss * 1024, text)


# --- the in-process phases (run in a fresh child process) --------------------------------


def _timed(phases: dict[str, float], name: str, work: Callable[[], _T]) -> _T:
    started = time.perf_counter()
    result = work()
    phases[name] = phases.get(name, 0.0) + time.perf_counter() - started
    return result


def run_phases(drop_dir: Path, dates: int, output: Path) -> dict[str, Any]:
    """The backfill flow's work without Prefect, one phase at a time (for ``dates`` days
    ending on the drop date). Mirrors ``flows.backfill.backfill``."""
    imports_started = time.perf_counter()
    import great_expectations  # noqa: F401  (its import is start-up, not a phase)

    from transforms.backfill import backfill_dates
    from transforms.report import series_in_chunks, trust_rows
    from transforms.targets import targets_frame
    from workforce.extract_io import read_drop
    from workforce.outputs import MetricsCsvWriter
    from workforce.settings import load_settings
    from workforce.validation import validate_drop
    from workforce.workbook import save_workbook
    from workforce.workbook.trend import build_trend_workbook

    imports = time.perf_counter() - imports_started
    settings = load_settings(None)
    as_of_dates = backfill_dates(DROP_DATE - dt.timedelta(days=dates - 1), DROP_DATE, "day")
    phases: dict[str, float] = {}
    drop = _timed(phases, "read", lambda: read_drop(drop_dir, DROP_DATE))
    validation = _timed(
        phases,
        "validate",
        lambda: validate_drop(drop, DROP_DATE, settings.validation.max_quarantine_share),
    )
    rows = 0
    trust_parts = []
    chunks = series_in_chunks(
        validation.extracts, as_of_dates, settings.metric_params(), targets_frame(settings.targets)
    )
    output.mkdir(parents=True, exist_ok=True)
    with MetricsCsvWriter(output / "metrics.csv") as writer:
        while (chunk := _timed(phases, "compute", lambda: next(chunks, None))) is not None:
            rows += chunk.height
            _timed(phases, "metrics_csv", lambda c=chunk: writer.write(c))  # type: ignore[misc]
            trust_parts.append(trust_rows(chunk))
    import polars as pl

    trust = pl.concat(trust_parts)
    workbook = _timed(
        phases,
        "trend_workbook",
        lambda: build_trend_workbook(trust, settings, as_of_dates[0], as_of_dates[-1]),
    )
    _timed(phases, "trend_workbook", lambda: save_workbook(workbook, output / "trend.xlsx"))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {"imports": imports, "phases": phases, "rows": rows, "maxrss_bytes": peak}


# --- the benchmark -----------------------------------------------------------------------

PHASE_NAMES = ("read", "validate", "compute", "metrics_csv", "trend_workbook")


@dataclass
class SizeResult:
    multiple: int
    staff: int
    input_mb: float
    cli: ProcessRun | None = None
    phases: dict[int, dict[str, Any]] = field(default_factory=dict)  # by date count
    phase_runs: dict[int, ProcessRun] = field(default_factory=dict)
    nightly: list[ProcessRun] = field(default_factory=list)


def _env(scratch: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PREFECT_HOME": str(scratch / "prefect-home"),
        "PYTHONPATH": str(ROOT),
    }


def _generate(drop_parent: Path, staff: int, env: dict[str, str]) -> float:
    drop = drop_parent / DROP_DATE.isoformat()
    command = [sys.executable, "-m", "sample_data.generate", "--out", str(drop)]
    subprocess.run(
        [*command, "--staff", str(staff)], check=True, cwd=ROOT, env=env, capture_output=True
    )
    return sum(path.stat().st_size for path in drop.iterdir()) / 1e6


def _nightly_dates(count: int) -> list[dt.date]:
    """``count`` dates spread evenly over the range, both ends included."""
    if count == 1:
        return [DROP_DATE]
    step = (ALL_DATES - 1) / (count - 1)
    return [FIRST_DATE + dt.timedelta(days=round(i * step)) for i in range(count)]


def _gib(value: float) -> str:
    return f"{value / GIB:5.2f}"


def _print_tables(results: list[SizeResult], bare: list[ProcessRun]) -> None:
    bare_seconds = statistics.median(run.seconds for run in bare)
    print(
        f"\nbare Prefect flow (start-up yardstick): {bare_seconds:.1f} s "
        f"(median of {len(bare)}), peak {_gib(max(r.peak_tree_bytes for r in bare))} GiB"
    )
    print("\n(a) daily backfill, 1,695 dates, CLI end to end vs (b) one nightly run per date")
    header = (
        f"{'size':>5} {'staff':>6} {'input MB':>8} | {'cli s':>7} {'cli-bare':>8} "
        f"{'peak GiB':>8} {'maxrss':>6} | {'nightly s/run':>13} {'(b) 1695 runs':>13} "
        f"{'(b)/(a)':>8}"
    )
    print(header)
    print("-" * len(header))
    for result in results:
        if result.cli is None:
            continue
        nightly = statistics.mean(run.seconds for run in result.nightly) if result.nightly else 0
        extrapolated = nightly * ALL_DATES
        print(
            f"{result.multiple:>4}x {result.staff:>6} {result.input_mb:>8.0f} | "
            f"{result.cli.seconds:>7.1f} {result.cli.seconds - bare_seconds:>8.1f} "
            f"{_gib(result.cli.peak_tree_bytes):>8} {_gib(result.cli.maxrss_bytes):>6} | "
            + (
                f"{nightly:>13.1f} {extrapolated / 3600:>11.1f} h "
                f"{extrapolated / result.cli.seconds:>8.0f}"
                if result.nightly
                else f"{'-':>13} {'-':>13} {'-':>8}"
            )
        )
    print("\nphases in one process (s; no Prefect), by trust size and number of dates")
    header = (
        f"{'size':>5} {'dates':>5} {'rows out':>10} | "
        + " ".join(f"{name:>14}" for name in PHASE_NAMES)
        + f" | {'sum':>6} {'peak GiB':>8}"
    )
    print(header)
    print("-" * len(header))
    for result in results:
        for dates, measured in sorted(result.phases.items()):
            phases = measured["phases"]
            print(
                f"{result.multiple:>4}x {dates:>5} {measured['rows']:>10,} | "
                + " ".join(f"{phases.get(name, 0.0):>14.2f}" for name in PHASE_NAMES)
                + f" | {sum(phases.values()):>6.1f} "
                f"{_gib(result.phase_runs[dates].peak_tree_bytes):>8}"
            )


def _verdicts(results: list[SizeResult], bare: list[ProcessRun]) -> None:
    bare_seconds = statistics.median(run.seconds for run in bare)
    for result in results:
        if result.multiple == 1 and result.cli is not None:
            after_start = result.cli.seconds - bare_seconds
            in_process = sum(result.phases.get(ALL_DATES, {}).get("phases", {}).values())
            met = "MET" if after_start < COMPUTE_TARGET_SECONDS else "NOT MET"
            print(
                f"\ntarget 1 (1x daily backfill < {COMPUTE_TARGET_SECONDS:.0f} s of compute "
                f"after start-up): {met} -- CLI minus bare flow {after_start:.1f} s; "
                f"phases in one process {in_process:.1f} s"
            )
        if result.multiple == 100 and result.cli is not None:
            peak = result.cli.peak_tree_bytes
            met = "MET" if peak <= RSS_TARGET_BYTES else "NOT MET"
            print(
                f"target 2 (100x fits in 4 GiB): {met} -- CLI peak {_gib(peak)} GiB (process "
                f"tree), largest process {_gib(result.cli.maxrss_bytes)} GiB"
            )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,10,100", help="multiples of the sample trust")
    parser.add_argument(
        "--date-counts",
        default="12,120,1695",
        help="dates for the in-process phases at sizes in --date-sizes",
    )
    parser.add_argument(
        "--date-sizes", default="1,10", help="sizes also timed for each of --date-counts"
    )
    parser.add_argument(
        "--nightly-runs", type=int, default=3, help="nightly runs sampled per size (0: skip)"
    )
    parser.add_argument("--nightly-sizes", default="1,10,100", help="sizes with nightly runs")
    parser.add_argument(
        "--workdir",
        type=Path,
        default=None,
        help="keep generated data and outputs here (default: a temp folder)",
    )
    parser.add_argument("--json", type=Path, default=None, help="also write raw results here")
    parser.add_argument(
        "--_phases", nargs=3, metavar=("DROP", "DATES", "OUT"), help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    if args._phases:
        drop, dates, out = args._phases
        print(_PHASE_MARK + json.dumps(run_phases(Path(drop), int(dates), Path(out))))
        return

    sizes = [int(s) for s in args.sizes.split(",") if s]
    date_sizes = {int(s) for s in args.date_sizes.split(",") if s}
    date_counts = sorted({int(c) for c in args.date_counts.split(",") if c} | {ALL_DATES})
    nightly_sizes = {int(s) for s in args.nightly_sizes.split(",") if s}
    with tempfile.TemporaryDirectory(prefix="backfill-scaling-") as temporary:
        scratch = args.workdir or Path(temporary)
        scratch.mkdir(parents=True, exist_ok=True)
        env = _env(scratch)
        bare_command = [sys.executable, str(ROOT / "benchmarks" / "bare_flow.py")]
        bare = [run_measured(bare_command, env)]  # the first one creates Prefect's database
        bare = [run_measured(bare_command, env) for _ in range(2)]
        print(f"bare flow: {', '.join(f'{r.seconds:.1f} s' for r in bare)}", flush=True)
        results: list[SizeResult] = []
        for multiple in sizes:
            staff = SAMPLE_STAFF * multiple
            incoming = scratch / f"{multiple}x" / "incoming"
            input_mb = _generate(incoming, staff, env)
            result = SizeResult(multiple, staff, input_mb)
            results.append(result)
            drop = incoming / DROP_DATE.isoformat()
            print(f"{multiple}x: generated {input_mb:.0f} MB", flush=True)
            result.cli = run_measured(
                [
                    str(BIN / "workforce"),
                    "backfill",
                    "--input",
                    str(incoming),
                    "--output",
                    str(scratch / f"{multiple}x" / "out"),
                    "--start",
                    FIRST_DATE.isoformat(),
                    "--end",
                    DROP_DATE.isoformat(),
                    "--every",
                    "day",
                ],
                env,
            )
            print(
                f"{multiple}x: cli backfill {result.cli.seconds:.1f} s, "
                f"peak {_gib(result.cli.peak_tree_bytes)} GiB",
                flush=True,
            )
            counts = date_counts if multiple in date_sizes else [ALL_DATES]
            for dates in counts:
                run = run_measured(
                    [
                        sys.executable,
                        str(Path(__file__).resolve()),
                        "--_phases",
                        str(drop),
                        str(dates),
                        str(scratch / f"{multiple}x" / f"phases-{dates}"),
                    ],
                    env,
                )
                line = next(x for x in run.stdout.splitlines() if x.startswith(_PHASE_MARK))
                result.phases[dates] = json.loads(line.removeprefix(_PHASE_MARK))
                result.phase_runs[dates] = run
                phases = result.phases[dates]["phases"]
                print(
                    f"{multiple}x: phases for {dates} dates: "
                    + ", ".join(f"{k} {v:.1f} s" for k, v in phases.items()),
                    flush=True,
                )
            if multiple in nightly_sizes:
                for as_of in _nightly_dates(args.nightly_runs) if args.nightly_runs else []:
                    nightly = run_measured(
                        [
                            str(BIN / "workforce"),
                            "run",
                            # the drop folder itself: incoming/ has no drop dated on or
                            # before a past as-of date, as a backfill's is read for all
                            "--input",
                            str(drop),
                            "--output",
                            str(scratch / f"{multiple}x" / "nightly"),
                            "--as-of",
                            as_of.isoformat(),
                        ],
                        env,
                    )
                    result.nightly.append(nightly)
                    print(f"{multiple}x: nightly {as_of} {nightly.seconds:.1f} s", flush=True)
        _print_tables(results, bare)
        _verdicts(results, bare)
        if args.json is not None:
            args.json.write_text(json.dumps(_as_json(results, bare), indent=2), encoding="utf-8")


def _as_json(results: list[SizeResult], bare: list[ProcessRun]) -> dict[str, Any]:
    def run(process: ProcessRun) -> dict[str, float]:
        return {
            "seconds": process.seconds,
            "peak_tree_bytes": process.peak_tree_bytes,
            "maxrss_bytes": process.maxrss_bytes,
        }

    return {
        "machine": {"cpus": os.cpu_count(), "date": dt.date.today().isoformat()},
        "bare": [run(r) for r in bare],
        "sizes": [
            {
                "multiple": r.multiple,
                "staff": r.staff,
                "input_mb": r.input_mb,
                "cli": run(r.cli) if r.cli else None,
                "nightly": [run(n) for n in r.nightly],
                "phases": {str(d): {**p, "run": run(r.phase_runs[d])} for d, p in r.phases.items()},
            }
            for r in results
        ],
    }


if __name__ == "__main__":
    main()
