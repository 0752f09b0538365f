"""Typed, validated settings loaded from a TOML file laid over ``defaults.toml``.

Targets, thresholds and paths live here, never as literals in transforms. Every default
value is written once, in ``defaults.toml``: the models below declare types and ranges
only, so a value cannot have one default here and another in the file.
"""

from __future__ import annotations

import datetime as dt
import difflib
import itertools
import tomllib
import typing
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails

from transforms.definitions import METRICS_BY_NAME
from transforms.metrics import MetricParams
from transforms.retention import ALL, ROUTES
from workforce.errors import RunFailure

DEFAULT_CONFIG = Path(__file__).with_name("defaults.toml")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class TrustSettings(_Strict):
    name: str
    la_code: str
    statistical_neighbours: tuple[str, ...]


class ValidationSettings(_Strict):
    max_quarantine_share: float = Field(ge=0, le=1)


# Plausible bounds, so a typo is refused rather than published: no social worker holds
# more than 100 children (the DfE's national average caseload is about 16), and a working
# year of fewer than 200 or more than 366 days is a mistake, not a pattern of work.
CASELOAD_THRESHOLD_RANGE = (1, 100)
WORKING_DAYS_RANGE = (200, 366)


class MetricSettings(_Strict):
    caseload_threshold: int = Field(ge=CASELOAD_THRESHOLD_RANGE[0], le=CASELOAD_THRESHOLD_RANGE[1])
    working_days_per_year: float = Field(ge=WORKING_DAYS_RANGE[0], le=WORKING_DAYS_RANGE[1])


class BenchmarkSettings(_Strict):
    dfe_indicator_file: Path | None

    @field_validator("dfe_indicator_file", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if value in ("", None) else value


# A pay item of the census return (2025 on): 0 no, 1 all eligible, 2 some eligible. Strict:
# TOML's true/false or "1" is not a code.
PayCode = Annotated[int, Field(strict=True, ge=0, le=2)]


class CensusSettings(_Strict):
    """The LA-level pay items of the 2025+ census return (``shared/spec/csww.md``). They
    have no defaults: HR states them; None means "not stated" and a 2025+ return is then
    refused, naming what is missing."""

    recruitment_bonus: PayCode | None = None
    retention_bonus: PayCode | None = None
    performance_award: PayCode | None = None
    car_allowance: PayCode | None = None
    relocation_package: PayCode | None = None
    regional_weighting: PayCode | None = None
    cost_swe: PayCode | None = None
    cost_dbs: PayCode | None = None
    other_allowances: str | None = None

    def not_stated(self) -> tuple[str, ...]:
        """The settings HR has not stated, in the order of the return."""
        return tuple(name for name, value in self.model_dump().items() if value is None)


class RunSettings(_Strict):
    task_runner: Literal["threads", "dask"]
    dask_address: str


class NotifySettings(_Strict):
    """Who is told when a nightly run fails or is refused, or the KPI's status changes:
    Apprise URLs (e-mail, Teams, Slack, JSON webhooks...); none by default."""

    urls: tuple[str, ...]


class Target(_Strict):
    """A target for one metric over one period (inclusive dates; ``to`` None = open)."""

    metric: str
    from_date: dt.date = Field(alias="from")
    to_date: dt.date | None = Field(None, alias="to")
    comparison: Literal["<", "<="]
    target: float
    tolerance: float = Field(0.0, ge=0)

    @field_validator("metric")
    @classmethod
    def _known_metric(cls, value: str) -> str:
        if value not in METRICS_BY_NAME:
            close = difflib.get_close_matches(value, list(METRICS_BY_NAME), n=1)
            hint = f"; did you mean {close[0]}?" if close else " (see metrics.md)"
            raise ValueError(f"unknown metric {value!r}{hint}")
        return value

    @model_validator(mode="after")
    def _period_in_order(self) -> Target:
        if self.to_date is not None and self.to_date < self.from_date:
            raise ValueError(f"target period for {self.metric} ends before it starts")
        return self

    @model_validator(mode="after")
    def _a_rate_is_a_share(self) -> Target:
        # A percentage is stored as a share: 20% is 0.2 (a target of 20 would never be
        # missed, and "what it takes" needs 0 <= t <= 1).
        if METRICS_BY_NAME[self.metric].unit == "percent" and not 0 <= self.target <= 1:
            raise ValueError(
                f"target {self.target} for {self.metric} is not a share between 0 and 1 "
                f"(write 20% as 0.2)"
            )
        return self

    @model_validator(mode="after")
    def _a_rate_tolerance_is_a_share(self) -> Target:
        if METRICS_BY_NAME[self.metric].unit == "percent" and not self.tolerance <= 1:
            raise ValueError(
                f"tolerance {self.tolerance} for {self.metric} is not a share between 0 "
                f"and 1 (write 2 points as 0.02)"
            )
        return self


MILESTONE_ROUTES: tuple[str, ...] = (*ROUTES, ALL)


class Milestone(_Strict):
    """A recruitment milestone: at least ``count`` starters of ``route`` (``all``: any
    route) with a start date from ``from`` to ``to`` inclusive."""

    route: str
    from_date: dt.date = Field(alias="from")
    to_date: dt.date = Field(alias="to")
    count: int = Field(ge=0, strict=True)

    @field_validator("route")
    @classmethod
    def _known_route(cls, value: str) -> str:
        if value not in MILESTONE_ROUTES:
            raise ValueError(f"unknown route {value!r}: use one of {', '.join(MILESTONE_ROUTES)}")
        return value

    @model_validator(mode="after")
    def _period_in_order(self) -> Milestone:
        if self.to_date < self.from_date:
            raise ValueError(f"milestone period for {self.route} ends before it starts")
        return self


class Settings(_Strict):
    trust: TrustSettings
    validation: ValidationSettings
    metrics: MetricSettings
    benchmarks: BenchmarkSettings
    run: RunSettings
    census: CensusSettings
    notify: NotifySettings
    targets: tuple[Target, ...]
    milestones: tuple[Milestone, ...]

    def metric_params(self) -> MetricParams:
        """The settings the metrics engine takes."""
        return MetricParams(
            caseload_threshold=self.metrics.caseload_threshold,
            working_days_per_year=self.metrics.working_days_per_year,
        )

    @model_validator(mode="after")
    def _targets_do_not_overlap(self) -> Settings:
        by_metric: dict[str, list[Target]] = {}
        for target in self.targets:
            by_metric.setdefault(target.metric, []).append(target)
        for metric, periods in by_metric.items():
            periods.sort(key=lambda t: t.from_date)
            for earlier, later in itertools.pairwise(periods):
                if earlier.to_date is None or earlier.to_date >= later.from_date:
                    raise ValueError(f"target periods for {metric} overlap")
        return self


def _overlay(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """``override`` on top of ``base``: tables merge key by key, anything else (values,
    arrays such as the targets) replaces what the defaults had."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _overlay(merged[key], value)
        else:
            merged[key] = value
    return merged


def load_settings(path: Path | None = None) -> Settings:
    """The packaged ``defaults.toml`` with the file at ``path`` (if any) laid over it, so
    a user's file need only say what it changes. Relative paths in a file are resolved
    against that file's folder."""
    with DEFAULT_CONFIG.open("rb") as handle:
        raw = tomllib.load(handle)
    config_path = path or DEFAULT_CONFIG
    if path is not None:
        with path.open("rb") as handle:
            raw = _overlay(raw, tomllib.load(handle))
    settings = Settings.model_validate(raw)
    benchmark_file = settings.benchmarks.dfe_indicator_file
    if benchmark_file is not None and not benchmark_file.is_absolute():
        resolved = (config_path.parent / benchmark_file).resolve()
        settings = settings.model_copy(
            update={"benchmarks": BenchmarkSettings(dfe_indicator_file=resolved)}
        )
    return settings


class SettingsError(RunFailure):
    """A settings file that cannot be used; ``str(error)`` is one line naming the file,
    the setting, the problem and the fix."""


def read_settings(path: Path | None = None) -> Settings:
    """``load_settings``, with any problem of the file as one ``SettingsError`` line
    (never pydantic's text): the closest valid key for an unknown one, the line of a TOML
    syntax error, the allowed range of a value out of range."""
    shown = path or DEFAULT_CONFIG
    try:
        return load_settings(path)
    except tomllib.TOMLDecodeError as error:
        raise SettingsError(
            f"{shown}: not valid TOML: {error}; correct that line (text in quotes, dates as "
            "YYYY-MM-DD and numbers without quotes)"
        ) from None
    except UnicodeDecodeError:
        raise SettingsError(f"{shown}: not UTF-8 text; save the settings file as UTF-8") from None
    except OSError as error:
        reason = (error.strerror or type(error).__name__).lower()
        raise SettingsError(
            f"{shown}: cannot be read ({reason}); give the path of a TOML settings file"
        ) from None
    except ValidationError as error:
        raise SettingsError(f"{shown}: {explain_settings_error(error)}") from None


def explain_settings_error(error: ValidationError) -> str:
    """The first problem of a pydantic error on ``Settings`` in plain words, with the
    number of further problems."""
    # An unknown key first: it often explains a "missing" one (a misspelt key is both).
    details = sorted(error.errors(), key=lambda detail: detail["type"] != "extra_forbidden")
    problems = [_explain(detail) for detail in details]
    more = len(problems) - 1
    return problems[0] + (f" (and {more} more problem{'s' if more > 1 else ''})" if more else "")


_EXPECTED_WORDS = {
    "int": "a whole number without quotes",
    "float": "a number without quotes",
    "decimal": "a number without quotes",
    "bool": "true or false",
    "string": "text in quotes",
    "date": "a date as YYYY-MM-DD without quotes",
    "tuple": "a list in square brackets",
    "list": "a list in square brackets",
    "dict": "a table",
    "model": "a table",
}


def _explain(detail: ErrorDetails) -> str:
    loc = tuple(detail["loc"])
    kind = detail["type"]
    key = _setting_name(loc)
    value = _shown(detail.get("input"))
    if kind == "extra_forbidden":
        valid = _valid_keys(loc[:-1])
        close = difflib.get_close_matches(str(loc[-1]), valid, n=1, cutoff=0.6)
        hint = f"did you mean {close[0]}?" if close else f"valid here: {', '.join(valid)}"
        return f"{key} is not a setting; {hint}"
    if kind == "missing":
        return f"{key} is missing; add it (workforce/defaults.toml lists every setting)"
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        return f"{key} = {value} is out of range; {_range_words(loc)}"
    if kind == "literal_error":
        expected = (detail.get("ctx") or {}).get("expected", "")
        return f"{key} = {value} is not allowed; use {expected}"
    if kind in ("value_error", "assertion_error"):
        message = str((detail.get("ctx") or {}).get("error", detail["msg"]))
        return f"{key}: {message}" if loc else message
    family = kind.partition("_")[0]
    if family in _EXPECTED_WORDS:
        return f"{key} = {value} is not valid; write {_EXPECTED_WORDS[family]}"
    return f"{key}: {detail['msg'].lower()}"


def _setting_name(loc: tuple[int | str, ...]) -> str:
    """How the TOML file names the setting at ``loc``: ``[metrics] caseload_threshold``,
    ``[[targets]] #2 target`` (counting from 1), ``[notify] urls #1``."""
    if not loc:
        return "the settings"
    table, *rest = loc
    array = table in _ARRAY_TABLES
    head = f"[[{table}]]" if array else f"[{table}]"
    words = [f"#{part + 1}" if isinstance(part, int) else part for part in rest]
    return " ".join([head, *words])


_ARRAY_TABLES = frozenset({"targets", "milestones"})


def _model_at(loc: tuple[int | str, ...]) -> type[BaseModel] | None:
    """The settings model whose keys sit at ``loc`` (positions in arrays skipped)."""
    model: type[BaseModel] = Settings
    for part in loc:
        if isinstance(part, int):
            continue
        field = _field(model, part)
        inner = _model_in(field.annotation) if field is not None else None
        if inner is None:
            return None
        model = inner
    return model


def _field(model: type[BaseModel], key: str) -> FieldInfo | None:
    for name, field in model.model_fields.items():
        if key in (name, field.alias):
            return field
    return None


def _model_in(annotation: object) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in typing.get_args(annotation):
        found = _model_in(argument)
        if found is not None:
            return found
    return None


def _valid_keys(loc: tuple[int | str, ...]) -> list[str]:
    model = _model_at(loc)
    if model is None:
        return []
    return [field.alias or name for name, field in model.model_fields.items()]


def _range_words(loc: tuple[int | str, ...]) -> str:
    model = _model_at(loc[:-1])
    field = _field(model, str(loc[-1])) if model is not None else None
    bounds: dict[str, object] = {}
    for constraint in field.metadata if field is not None else []:
        for name in ("ge", "gt", "le", "lt"):
            if hasattr(constraint, name):
                bounds[name] = getattr(constraint, name)
    low = bounds.get("ge", bounds.get("gt"))
    high = bounds.get("le", bounds.get("lt"))
    if low is not None and high is not None:
        return f"use a value from {low} to {high}"
    if low is not None:
        return f"use a value of {'more than' if 'gt' in bounds else 'at least'} {low}"
    if high is not None:
        return f"use a value of {'less than' if 'lt' in bounds else 'at most'} {high}"
    return "see workforce/defaults.toml"


def _shown(value: object) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 40 else text[:37] + "..."
