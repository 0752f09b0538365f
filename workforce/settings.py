"""Typed, validated settings loaded from a TOML file laid over ``defaults.toml``.

Targets, thresholds and paths live here, never as literals in transforms. Every default
value is written once, in ``defaults.toml``: the models below declare types and ranges
only, so a value cannot have one default here and another in the file.
"""

from __future__ import annotations

import datetime as dt
import itertools
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from transforms.definitions import METRICS_BY_NAME
from transforms.metrics import MetricParams
from transforms.retention import ALL, ROUTES

DEFAULT_CONFIG = Path(__file__).with_name("defaults.toml")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class TrustSettings(_Strict):
    name: str
    la_code: str
    statistical_neighbours: tuple[str, ...]


class ValidationSettings(_Strict):
    max_quarantine_share: float = Field(ge=0, le=1)


class MetricSettings(_Strict):
    caseload_threshold: int = Field(ge=0)
    working_days_per_year: float = Field(gt=0)


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
            raise ValueError(f"unknown metric {value!r}")
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
