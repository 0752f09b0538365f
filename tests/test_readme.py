"""Every command the README shows works on the sample: the ``workforce`` commands run
(in-process, on the session's Prefect server; ``/data/hr/incoming`` is the sample's
``incoming/`` folder), and the commands that need a Prefect server of their own
(``prefect server start``, ``workforce serve``, ``prefect deployment run``, the work-pool
and worker commands) are checked against their ``--help``: each option they use exists.

Grain: one README command per check.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
import shlex
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from tests.locations import REPO_ROOT, SAMPLE_DROP, SAMPLE_INCOMING
from transforms.schema import EXTRACT_NAMES
from workforce.cli import app

README = REPO_ROOT / "README.md"
INCOMING, DATA = "/data/hr/incoming", "/data/hr/"
# The settings file the census commands name: the README's own [census] example.
CENSUS_CONFIG = "hr.toml"
# The cron line's as-of date: yesterday in UK time, as the shell would compute it.
CRON_AS_OF = '"$(TZ=Europe/London date -d yesterday +\\%F)"'
NEEDS_A_SERVER = ("prefect ", "workforce serve")
# Shown in the Quick start, not run here: the first is `workforce run` on the sample (as
# below, with sample_data/sample.toml), the second is this test suite.
NOT_RUN = ("python3 dev.py sample", "python3 dev.py test")


def readme_commands() -> list[str]:
    """The README's commands, one a line: the lines of its ``sh`` and ``cron`` blocks (a
    cron line from its ``cd … &&`` on, comments and continuations joined), and the
    ``prefect`` commands quoted in its text."""
    text = README.read_text()
    commands: list[str] = []
    for language, block in re.findall(r"```(sh|cron)\n(.*?)```", text, flags=re.DOTALL):
        for line in block.replace("\\\n", " ").splitlines():
            line = line.split("  #")[0].strip()
            if not line or line.startswith("#"):
                continue
            if language == "cron":
                line = line.split("&&", 1)[1].strip()
            commands.append(line)
    commands += re.findall(r"`(prefect [^`]+)`", text)
    programs = [_program_first(c) for c in commands if not c.startswith("export ")]
    return list(dict.fromkeys(programs))


def _program_first(command: str) -> str:
    """Without environment assignments and the ``.venv/bin/`` prefix."""
    words = [word for word in shlex.split(command, posix=False) if not re.match(r"^[A-Z_]+=", word)]
    return " ".join(words).replace(".venv/bin/", "")


WORKFORCE_RUNS = [
    c for c in readme_commands() if c.startswith("workforce") and not c.startswith(NEEDS_A_SERVER)
]
# README commands that do not work on the sample (strict: when fixed, this list must shrink).
WITH_A_SERVER = [c for c in readme_commands() if c.startswith(NEEDS_A_SERVER)]
SUITES = "python -m workforce.suites"
SUITE_COMMANDS = [c for c in readme_commands() if c.startswith(SUITES)]


def test_every_readme_command_is_run_or_checked_here() -> None:
    checked = {*WORKFORCE_RUNS, *WITH_A_SERVER, *SUITE_COMMANDS}
    assert set(readme_commands()) - checked == set(NOT_RUN)
    assert len(WORKFORCE_RUNS) >= 7  # run x2, validate, backfill x3, the cron line
    assert any("backfill" in c and "--drop" in c for c in WORKFORCE_RUNS)
    assert any(CRON_AS_OF in c for c in WORKFORCE_RUNS)
    assert {c.split()[0] + " " + c.split()[1] for c in WITH_A_SERVER} >= {
        "prefect server",
        "workforce serve",
        "prefect deployment",
        "prefect work-pool",
        "prefect worker",
    }


def _arguments(command: str, scratch: Path) -> list[str]:
    """The command on the sample: ``/data/hr/incoming`` is the sample's incoming/ folder,
    any other ``/data/hr/`` folder is in ``scratch``; ``[--option value]`` is given."""
    yesterday = dt.datetime.now(ZoneInfo("Europe/London")).date() - dt.timedelta(days=1)
    filled = (
        command.replace(CRON_AS_OF, yesterday.isoformat())
        .replace(INCOMING, str(SAMPLE_INCOMING))
        .replace(DATA, f"{scratch}/")
        .replace(f" {CENSUS_CONFIG}", f" {scratch / CENSUS_CONFIG}")
        .replace("[", "")
        .replace("]", "")
    )
    return shlex.split(filled)[1:]  # after "workforce"


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder for the README's commands, run in its order (a check reads what the
    command before it wrote)."""
    folder = tmp_path_factory.mktemp("readme")
    (census,) = re.findall(r"```toml\n(\[census\]\n.*?)```", README.read_text(), re.DOTALL)
    (folder / CENSUS_CONFIG).write_text(census)
    return folder


@pytest.mark.usefixtures("prefect_harness")
@pytest.mark.parametrize("command", WORKFORCE_RUNS)
def test_a_readme_command_runs_on_the_sample(
    command: str, scratch: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PREFECT_HOME", str(scratch / "prefect-home"))
    arguments = _arguments(command, scratch)
    if "--as-of" not in arguments and arguments[0] in ("run", "validate"):
        sample_date = dt.date.fromisoformat(SAMPLE_DROP.name)
        if dt.date.today() < sample_date:
            pytest.skip(f"the sample's drop ({sample_date}) is after today")
    result = CliRunner().invoke(app, arguments)
    assert result.exit_code == 0, result.output
    if arguments[0] in ("run", "backfill"):
        assert "wrote " in result.output
    if arguments[0] == "run":  # the sample has warnings (and no error): the console says so
        assert re.search(r"data quality: 0 errors and [\d,]+ warnings in ", result.output)


_HELP_SCRIPT = """
import contextlib, io, json, sys
from prefect.cli import app
helps = {}
for command in json.loads(sys.argv[1]):
    sys.argv = ["prefect", *command, "--help"]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        try:
            app()
            code = 0
        except SystemExit as exit:
            code = exit.code or 0
    helps[" ".join(command)] = [code, out.getvalue()]
print(json.dumps(helps))
"""


def test_the_commands_that_need_a_server_exist_with_the_options_shown(tmp_path: Path) -> None:
    prefect = [c for c in WITH_A_SERVER if c.startswith("prefect ")]
    commands = [
        list(itertools.takewhile(lambda w: not w.startswith("-"), c.split()[1:]))[:3]
        for c in prefect
    ]
    found = subprocess.run(
        [sys.executable, "-c", _HELP_SCRIPT, json.dumps(commands)],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PREFECT_HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "DO_NOT_TRACK": "1"},
    )
    assert found.returncode == 0, found.stderr
    helps = json.loads(found.stdout.splitlines()[-1])
    for command, words in zip(prefect, commands, strict=True):
        code, text = helps[" ".join(words)]
        assert code == 0, command
        assert "Usage" in text, command
        for option in re.findall(r"(--[a-z][a-z-]*)", command):
            assert option in text, f"{command}: {option}"
    for command in (c for c in WITH_A_SERVER if c.startswith("workforce serve")):
        result = CliRunner().invoke(app, ["serve", "--help"])
        assert result.exit_code == 0
        for option in re.findall(r"(--[a-z][a-z-]*)", command):
            assert option in result.output, f"{command}: {option}"


@pytest.mark.parametrize("command", SUITE_COMMANDS)
def test_the_suite_commands_run(
    command: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The GX suite commands, in-process; ``--write`` writes into a scratch folder (never
    over the checked-in files) what is checked in."""
    from workforce import suites

    checked_in = {extract: suites.suite_path(extract) for extract in EXTRACT_NAMES}
    monkeypatch.setattr(suites, "suite_path", lambda extract: tmp_path / f"{extract}.json")
    if "--check" in command:
        for extract, path in checked_in.items():
            (tmp_path / f"{extract}.json").write_bytes(path.read_bytes())
    assert suites.main(command.removeprefix(SUITES).split()) == 0, capsys.readouterr().err
    for extract, path in checked_in.items():
        assert (tmp_path / f"{extract}.json").read_bytes() == path.read_bytes()
