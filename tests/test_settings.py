"""Settings: the defaults file, and refusal of bad configuration."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from pydantic import ValidationError

from workforce.settings import SettingsError, load_settings, read_settings


def test_default_targets_are_the_business_plan_indicator_16() -> None:
    settings = load_settings()
    rows = [
        (t.metric, t.from_date, t.to_date, t.comparison, t.target, t.tolerance)
        for t in settings.targets
    ]
    assert rows == [
        ("agency_rate", dt.date(2023, 4, 1), dt.date(2024, 3, 31), "<", 0.48, 0.02),
        ("agency_rate", dt.date(2024, 4, 1), dt.date(2025, 3, 31), "<=", 0.30, 0.02),
        ("agency_rate", dt.date(2025, 4, 1), dt.date(2026, 3, 31), "<=", 0.20, 0.02),
        ("agency_rate", dt.date(2026, 4, 1), None, "<=", 0.20, 0.02),
    ]
    assert settings.metrics.caseload_threshold == 20
    assert settings.metrics.working_days_per_year == 253
    assert settings.validation.max_quarantine_share == 0.05
    assert settings.benchmarks.dfe_indicator_file is None


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def test_relative_benchmark_path_is_read_from_the_config_folder(tmp_path: Path) -> None:
    path = _write(tmp_path, '[benchmarks]\ndfe_indicator_file = "dfe.csv"\n')
    assert load_settings(path).benchmarks.dfe_indicator_file == tmp_path / "dfe.csv"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[targets]]\nmetric = "agency_rat"\nfrom = 2024-04-01\ncomparison = "<"\ntarget = 0.3\n',
         "unknown metric"),
        ('[[targets]]\nmetric = "agency_rate"\nfrom = 2024-04-01\ncomparison = ">"\ntarget = 0.3\n',
         "comparison"),
        ('[[targets]]\nmetric = "agency_rate"\nfrom = 2024-04-01\nto = 2024-01-01\n'
         'comparison = "<"\ntarget = 0.3\n', "ends before it starts"),
        ('[[targets]]\nmetric = "agency_rate"\nfrom = 2024-04-01\ncomparison = "<"\ntarget = 0.3\n'
         '[[targets]]\nmetric = "agency_rate"\nfrom = 2025-04-01\ncomparison = "<"\ntarget = 0.2\n',
         "overlap"),
        ("[metrics]\ncaseload_treshold = 20\n", "caseload_treshold"),
        ("[validation]\nmax_quarantine_share = 1.5\n", "max_quarantine_share"),
    ],
)  # fmt: skip
def test_bad_configuration_is_refused_with_a_reason(
    tmp_path: Path, text: str, message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        load_settings(_write(tmp_path, text))


def test_a_partial_config_keeps_every_default_it_does_not_change(tmp_path: Path) -> None:
    path = _write(tmp_path, "[metrics]\ncaseload_threshold = 18\n")
    settings = load_settings(path)
    assert settings.metrics.caseload_threshold == 18
    assert settings.metrics.working_days_per_year == 253  # same table, not mentioned
    assert settings.targets == load_settings().targets  # the targets stay


def test_targets_in_a_config_replace_the_default_targets_whole(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        '[[targets]]\nmetric = "turnover_rate"\nfrom = 2025-04-01\ncomparison = "<="\n'
        "target = 0.15\ntolerance = 0.01\n",
    )
    assert [t.metric for t in load_settings(path).targets] == ["turnover_rate"]


def test_default_milestones_are_the_improvement_plan_january_2023() -> None:
    rows = [(m.route, m.from_date, m.to_date, m.count) for m in load_settings().milestones]
    assert rows == [
        ("international", dt.date(2022, 11, 1), dt.date(2023, 1, 31), 40),
        ("newly_qualified", dt.date(2022, 11, 1), dt.date(2023, 1, 31), 15),
    ]


MILESTONE = '[[milestones]]\nroute = "{route}"\nfrom = {start}\nto = {end}\ncount = {count}\n'


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"route": "internationl"}, "unknown route 'internationl'"),
        ({"start": "2023-02-01"}, "ends before it starts"),
        ({"count": "-1"}, "greater than or equal to 0"),
        ({"count": "2.5"}, "count"),
        ({"count": "true"}, "count"),
    ],
)
def test_bad_milestones_are_refused_with_a_reason(
    tmp_path: Path, fields: dict[str, str], message: str
) -> None:
    values = {"route": "international", "start": "2022-11-01", "end": "2023-01-31", "count": "40"}
    path = _write(tmp_path, MILESTONE.format(**{**values, **fields}))
    with pytest.raises(ValidationError, match=message):
        load_settings(path)


def test_a_milestone_has_no_default_fields(tmp_path: Path) -> None:
    path = _write(tmp_path, '[[milestones]]\nroute = "all"\nfrom = 2024-04-01\nto = 2025-03-31\n')
    with pytest.raises(ValidationError, match="count"):
        load_settings(path)


def test_milestones_in_a_config_replace_the_defaults_whole(tmp_path: Path) -> None:
    one = MILESTONE.format(route="all", start="2024-04-01", end="2025-03-31", count=60)
    assert [m.route for m in load_settings(_write(tmp_path, one)).milestones] == ["all"]
    assert load_settings(_write(tmp_path, "milestones = []\n")).milestones == ()


def test_a_rate_target_is_a_share_between_0_and_1(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        '[[targets]]\nmetric = "agency_rate"\nfrom = 2024-04-01\ncomparison = "<="\ntarget = 20\n',
    )
    with pytest.raises(ValidationError, match=r"write 20% as 0\.2"):
        load_settings(path)
    # A ratio is not a share: a target above 1 is allowed.
    ratio = _write(
        tmp_path,
        '[[targets]]\nmetric = "agency_to_permanent_ratio"\nfrom = 2024-04-01\n'
        'comparison = "<="\ntarget = 1.5\n',
    )
    assert load_settings(ratio).targets[0].target == 1.5


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[metrics]\ncaseload_treshold = 20\n",
         "[metrics] caseload_treshold is not a setting; did you mean caseload_threshold?"),
        ("[metrcs]\ncaseload_threshold = 20\n", "[metrcs] is not a setting; did you mean metrics?"),
        ("[metrics]\ncaseload_threshold = \n",
         "not valid TOML: Invalid value (at line 2, column 22); correct that line"),
        ("[metrics]\ncaseload_threshold = 500\n",
         "[metrics] caseload_threshold = 500 is out of range; use a value from 1 to 100"),
        ("[metrics]\ncaseload_threshold = 0\n",
         "[metrics] caseload_threshold = 0 is out of range; use a value from 1 to 100"),
        ("[metrics]\ncaseload_threshold = 20.5\n",
         "[metrics] caseload_threshold = 20.5 is not valid; write a whole number without quotes"),
        ("[metrics]\nworking_days_per_year = 25.3\n",
         "[metrics] working_days_per_year = 25.3 is out of range; use a value from 200 to 366"),
        ("[validation]\nmax_quarantine_share = 5\n",
         "[validation] max_quarantine_share = 5 is out of range; use a value from 0 to 1"),
        ('[[targets]]\nmetric = "agency_rate"\nfrom = 2024-04-01\ncomparison = "<="\ntarget = 1.5\n',
         "[[targets]] #1: target 1.5 for agency_rate is not a share between 0 and 1 (write 20% as 0.2)"),
        ('[[targets]]\nmetric = "agency_rate"\nfrom = 2024-04-01\ncomparison = "<="\ntarget = 0.2\n'
         "tolerance = 2\n",
         "[[targets]] #1: tolerance 2.0 for agency_rate is not a share between 0 and 1"),
        ('[[targets]]\nmetric = "agency_rate"\nfrom = 2024-04-01\ncomparison = "<="\ntarget = 0.2\n'
         "tolerance = -0.01\n",
         "[[targets]] #1 tolerance = -0.01 is out of range; use a value of at least 0"),
        ('[[targets]]\nmetric = "agency_rat"\nfrom = 2024-04-01\ncomparison = "<"\ntarget = 0.2\n',
         "[[targets]] #1 metric: unknown metric 'agency_rat'; did you mean agency_rate?"),
        ('[[targets]]\nmetric = "agency_rate"\nfromm = 2024-04-01\ncomparison = "<"\ntarget = 0.2\n',
         "[[targets]] #1 fromm is not a setting; did you mean from? (and 1 more problem)"),
        ('[run]\ntask_runner = "procs"\n',
         "[run] task_runner = 'procs' is not allowed; use 'threads' or 'dask'"),
        ('[notify]\nurls = "json://example.org/hook"\n',
         "[notify] urls = 'json://example.org/hook' is not valid; write a list in square brackets"),
    ],
)  # fmt: skip
def test_a_bad_settings_file_is_one_line_naming_file_setting_problem_and_fix(
    tmp_path: Path, text: str, message: str
) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(SettingsError) as refused:
        read_settings(path)
    line = str(refused.value)
    assert line.startswith(f"{path}: ")
    assert message in line
    assert "\n" not in line
    assert "pydantic" not in line
    assert "http" not in line.replace("json://example.org/hook", "")


def test_an_unreadable_settings_file_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match=r"missing\.toml: cannot be read \(no such file"):
        read_settings(tmp_path / "missing.toml")
    with pytest.raises(SettingsError, match=r"cannot be read \(is a directory\)"):
        read_settings(tmp_path)
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"\xff\xfe")
    with pytest.raises(SettingsError, match="not UTF-8 text"):
        read_settings(binary)


def test_a_ratio_or_caseload_target_may_be_above_one(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        '[[targets]]\nmetric = "agency_to_permanent_ratio"\nfrom = 2024-04-01\n'
        'comparison = "<="\ntarget = 1.5\ntolerance = 0.1\n'
        '[[targets]]\nmetric = "average_caseload"\nfrom = 2024-04-01\n'
        'comparison = "<="\ntarget = 18\ntolerance = 2\n',
    )
    assert [t.target for t in read_settings(path).targets] == [1.5, 18]


def test_notification_urls_are_none_by_default_and_a_list_when_given(tmp_path: Path) -> None:
    assert load_settings().notify.urls == ()
    path = _write(tmp_path, '[notify]\nurls = ["json://example.org/a", "mailtos://u:p@x.org"]\n')
    assert load_settings(path).notify.urls == ("json://example.org/a", "mailtos://u:p@x.org")
