"""Simple mistakes fail fast, before Prefect starts: each case runs the installed
``workforce`` command in a subprocess and times the whole call (interpreter start-up
included). Grain: one command line per case.

Also the pieces behind them, in-process: which drop a run reads, dates, and that a run
that cannot start is told to the ``[notify]`` URLs.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import NotificationReceiver
from tests.locations import SAMPLE_DROP, SAMPLE_INCOMING
from tests.processes import with_fault_hooks
from workforce.cli import app
from workforce.drops import choose_drop
from workforce.errors import RunFailure
from workforce.preflight import UsageProblem, check_date, parse_date
from workforce.progress import advancing

WORKFORCE = Path(sys.executable).parent / "workforce"
# Generous for a loaded CI machine; a mistake used to take 12-47 s (Prefect started first).
FAST = 3.0
TODAY = dt.date.today()


def _config(folder: Path, name: str, text: str) -> Path:
    path = folder / f"{name}.toml"
    path.write_text(text)
    return path


CASES: dict[str, tuple[list[str], int, list[str]]] = {
    # name: (arguments after `workforce`, with {tmp}, {out} and {config:NAME} filled in;
    #        exit status; what the one line must say)
    "empty input folder": (
        ["run", "--input", "{tmp}/empty", "--output", "{out}"],
        1,
        ["--input {tmp}/empty: the folder is empty", "drop folders named YYYY-MM-DD"],
    ),
    "missing input folder": (
        ["run", "--input", "{tmp}/nowhere", "--output", "{out}"],
        1,
        ["--input {tmp}/nowhere: folder not found; give the folder of the extracts"],
    ),
    "input folder without a staff extract": (
        ["run", "--input", "{tmp}/no_staff", "--output", "{out}", "--as-of", "2026-11-20"],
        1,
        ["{tmp}/no_staff: no staff extract and no drop folder YYYY-MM-DD dated on or before"],
    ),
    "drop without an agency extract": (
        ["run", "--input", "{tmp}/no_agency", "--output", "{out}", "--as-of", "2026-11-20"],
        1,
        ["{tmp}/no_agency: required extract agency is missing (expected agency.csv or"],
    ),
    "unknown key": (
        ["run", "--input", str(SAMPLE_INCOMING), "--output", "{out}", "--config", "{config:typo}"],
        1,
        [
            "{tmp}/typo.toml: [metrics] caseload_treshold is not a setting; "
            "did you mean caseload_threshold?"
        ],
    ),
    "TOML syntax error": (
        ["run", "--input", str(SAMPLE_INCOMING), "--output", "{out}", "--config", "{config:syntax}"],
        1,
        ["{tmp}/syntax.toml: not valid TOML: ", "(at line 2, column 22); correct that line"],
    ),
    "value out of range": (
        ["run", "--input", str(SAMPLE_INCOMING), "--output", "{out}", "--config", "{config:range}"],
        1,
        ["[metrics] caseload_threshold = 500 is out of range; use a value from 1 to 100"],
    ),
    "rate target above 1": (
        ["run", "--input", str(SAMPLE_INCOMING), "--output", "{out}", "--config", "{config:target}"],
        1,
        ["target 1.5 for agency_rate is not a share between 0 and 1 (write 20% as 0.2)"],
    ),
    "missing settings file": (
        ["run", "--input", str(SAMPLE_INCOMING), "--output", "{out}", "--config", "{tmp}/no.toml"],
        1,
        ["{tmp}/no.toml: cannot be read (no such file or directory)"],
    ),
    "as-of in year 1": (
        ["run", "--input", str(SAMPLE_INCOMING), "--output", "{out}", "--as-of", "0001-01-01"],
        2,
        ["--as-of 0001-01-01: before 1990-01-01", "give a date from 1990-01-01 on"],
    ),
    "as-of in year 9999": (
        ["run", "--input", str(SAMPLE_INCOMING), "--output", "{out}", "--as-of", "9999-12-31"],
        2,
        ["--as-of 9999-12-31: after 2099-12-31"],
    ),
    "as-of that does not exist": (
        ["run", "--input", str(SAMPLE_INCOMING), "--output", "{out}", "--as-of", "2026-02-30"],
        2,
        ["--as-of 2026-02-30: February 2026 has 28 days; give a real date"],
    ),
    "as-of in another form": (
        ["run", "--input", str(SAMPLE_INCOMING), "--output", "{out}", "--as-of", "20/11/2026"],
        2,
        ["--as-of '20/11/2026': not a date in YYYY-MM-DD form"],
    ),
    "as-of after today": (
        ["run", "--input", str(SAMPLE_INCOMING), "--output", "{out}", "--as-of", "{future}"],
        2,
        ["--as-of {future}: after today", "add --allow-future"],
    ),
    "output is a file": (
        ["run", "--input", str(SAMPLE_INCOMING), "--output", "{tmp}/a_file"],
        1,
        ["--output {tmp}/a_file: is a file, not a folder; give a folder"],
    ),
    "output on a read-only disk": (
        ["run", "--input", str(SAMPLE_INCOMING), "--output", "{out}", "@read-only"],
        1,
        ["--output {out}: cannot write in {tmp}: the file system is read-only; choose another"],
    ),
    "output on a full disk": (
        ["run", "--input", str(SAMPLE_INCOMING), "--output", "{out}", "@no-space"],
        1,
        ["--output {out}: only 1.0 MB free on its disk", "free some space"],
    ),
    "backfill ending before it starts": (
        ["backfill", "--input", str(SAMPLE_INCOMING), "--output", "{out}",
         "--start", "2025-03-31", "--end", "2025-01-31"],
        2,
        ["--end 2025-01-31 is before --start 2025-03-31"],
    ),
    "backfill every year": (
        ["backfill", "--input", str(SAMPLE_INCOMING), "--output", "{out}",
         "--start", "2025-01-31", "--end", "2025-03-31", "--every", "year"],
        2,
        ["--every 'year': use day, week or month"],
    ),
    "backfill from a drop that is not there": (
        ["backfill", "--input", str(SAMPLE_INCOMING), "--output", "{out}",
         "--start", "2025-01-31", "--end", "2025-03-31", "--drop", "2026-10-31"],
        1,
        [f"{SAMPLE_INCOMING}: no drop folder 2026-10-31 (the newest is 2026-11-20)"],
    ),
}  # fmt: skip


@pytest.fixture(scope="module")
def scene(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("mistakes")
    (tmp / "empty").mkdir()
    (tmp / "no_staff").mkdir()
    shutil.copy(SAMPLE_DROP / "agency.csv", tmp / "no_staff")
    (tmp / "no_agency").mkdir()
    shutil.copy(SAMPLE_DROP / "staff.csv", tmp / "no_agency")
    (tmp / "a_file").write_text("not a folder")
    _config(tmp, "typo", "[metrics]\ncaseload_treshold = 18\n")
    _config(tmp, "syntax", "[metrics]\ncaseload_threshold = \n")
    _config(tmp, "range", "[metrics]\ncaseload_threshold = 500\n")
    _config(
        tmp,
        "target",
        '[[targets]]\nmetric = "agency_rate"\nfrom = 2024-04-01\ncomparison = "<="\ntarget = 1.5\n',
    )
    return tmp


def _filled(text: str, tmp: Path) -> str:
    future = (TODAY + dt.timedelta(days=30)).isoformat()
    if text.startswith("{config:"):
        return str(tmp / f"{text[len('{config:') : -1]}.toml")
    return (
        text.replace("{tmp}", str(tmp))
        .replace("{out}", str(tmp / "out"))
        .replace("{future}", future)
    )


@pytest.mark.parametrize("case", list(CASES))
def test_a_simple_mistake_fails_fast_in_one_line_naming_the_fix(scene: Path, case: str) -> None:
    arguments, status, expected = CASES[case]
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_LOGGING_LEVEL"}
    faults = [a[1:] for a in arguments if a.startswith("@")]
    if faults:
        env = with_fault_hooks(env)
        env["WORKFORCE_TEST_FAULT"] = faults[0]
    command = [str(WORKFORCE), *(_filled(a, scene) for a in arguments if not a.startswith("@"))]
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=60)
    seconds = time.perf_counter() - started
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode == status, result.stderr
    assert len(lines) == 1, result.stderr
    (line,) = lines
    for words in expected:
        assert _filled(words, scene) in line
    for noise in ("Traceback", "pydantic", "http", "Errno", "Usage:"):
        assert noise not in line
    assert seconds < FAST, f"{case} took {seconds:.1f} s"
    assert not (scene / "out").exists()


def test_parsing_dates_says_what_is_wrong() -> None:
    assert parse_date("--as-of", "2024-02-29") == dt.date(2024, 2, 29)
    with pytest.raises(UsageProblem, match="February 2025 has 28 days"):
        parse_date("--as-of", "2025-02-29")
    with pytest.raises(UsageProblem, match="there is no month 13"):
        parse_date("--as-of", "2026-13-01")
    with pytest.raises(UsageProblem, match="there is no year 0"):
        parse_date("--as-of", "0000-01-01")
    with pytest.raises(UsageProblem, match="not a date in YYYY-MM-DD form"):
        parse_date("--as-of", "20261120")


def test_a_future_date_needs_allow_future_and_stays_before_2100() -> None:
    tomorrow = TODAY + dt.timedelta(days=1)
    with pytest.raises(UsageProblem, match="after today"):
        check_date("--as-of", tomorrow, today=TODAY, allow_future=False)
    assert check_date("--as-of", tomorrow, today=TODAY, allow_future=True) == tomorrow
    assert check_date("--as-of", TODAY, today=TODAY, allow_future=False) == TODAY
    with pytest.raises(UsageProblem, match="after 2099-12-31"):
        check_date("--as-of", dt.date(2100, 1, 1), today=TODAY, allow_future=True)


def test_which_drop_a_run_reads(tmp_path: Path) -> None:
    incoming = tmp_path / "incoming"
    for day in ("2026-09-30", "2026-10-31", "2026-11-20"):
        (incoming / day).mkdir(parents=True)
        (incoming / day / "staff.csv").touch()
    (incoming / "notes").mkdir()  # not a drop
    nightly = choose_drop(incoming, on_or_before=dt.date(2026, 11, 1))
    assert nightly == (incoming / "2026-10-31", dt.date(2026, 10, 31))
    newest = choose_drop(incoming, on_or_before=None)
    assert newest == (incoming / "2026-11-20", dt.date(2026, 11, 20))
    chosen = choose_drop(incoming, on_or_before=None, drop=dt.date(2026, 9, 30))
    assert chosen == (incoming / "2026-09-30", dt.date(2026, 9, 30))
    with pytest.raises(RunFailure, match=r"no drop folder 2026-10-01 \(the newest before it"):
        choose_drop(incoming, on_or_before=None, drop=dt.date(2026, 10, 1))
    with pytest.raises(RunFailure, match="is one drop folder, not an incoming/ folder"):
        choose_drop(incoming / "2026-11-20", on_or_before=None, drop=dt.date(2026, 11, 20))
    with pytest.raises(RunFailure, match="no staff extract and no drop folder named YYYY-MM-DD"):
        choose_drop(incoming / "notes", on_or_before=None)


def test_progress_advances_as_each_part_is_used() -> None:
    seen: list[int] = []
    parts = advancing(iter([[1, 2], [3], [4, 5, 6]]), seen.append, size=len)
    assert next(parts) == [1, 2]
    assert seen == []  # not yet written
    assert list(parts) == [[3], [4, 5, 6]]
    assert seen == [2, 1, 3]


def test_a_nightly_run_that_cannot_start_is_told(
    tmp_path: Path, notification_receiver: NotificationReceiver
) -> None:
    config = _config(tmp_path, "notify", f'[notify]\nurls = ["{notification_receiver.url}"]\n')
    (tmp_path / "empty").mkdir()
    result = CliRunner().invoke(
        app,
        ["run", "--input", str(tmp_path / "empty"), "--output", str(tmp_path / "out"),
         "--as-of", "2026-11-20", "--config", str(config)],
    )  # fmt: skip
    assert result.exit_code == 1
    (message,) = notification_receiver.texts()
    assert message.startswith(
        f"The nightly run for 2026-11-20 published nothing: --input {tmp_path}/empty: "
        "the folder is empty"
    )


def test_an_unusable_notification_url_is_refused_before_the_run(tmp_path: Path) -> None:
    config = _config(tmp_path, "notify", '[notify]\nurls = ["json://example.org/a", "nonsense"]\n')
    result = CliRunner().invoke(
        app,
        ["run", "--input", str(SAMPLE_INCOMING), "--output", str(tmp_path / "out"),
         "--as-of", "2026-11-20", "--config", str(config)],
    )  # fmt: skip
    assert result.exit_code == 1
    assert f"{config}: [notify] urls #2 is not a URL Apprise can use" in result.output
