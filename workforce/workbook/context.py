"""What every sheet of the HR workbook reads, computed once per workbook: the run's
report, the settings, the metric history and the table-name registry."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import polars as pl

from transforms.definitions import METRICS_BY_NAME
from transforms.report import RunReport
from transforms.schema import ExtractName
from transforms.views.history import metric_history
from workforce.settings import Settings, Target
from workforce.workbook.tables import TableRegistry

KPI = "agency_rate"


@dataclass
class WorkbookContext:
    report: RunReport
    settings: Settings
    generated_at: datetime
    registry: TableRegistry = field(default_factory=TableRegistry)

    def __post_init__(self) -> None:
        self.history: pl.DataFrame = metric_history(
            self.report.metrics, self.report.trend, self.report.as_of
        )

    @property
    def as_of(self) -> date:
        return self.report.as_of

    @property
    def trust_name(self) -> str:
        return self.settings.trust.name

    @property
    def kpi_targets(self) -> list[Target]:
        return [target for target in self.settings.targets if target.metric == KPI]

    def available(self, metric: str) -> bool:
        return set(METRICS_BY_NAME[metric].needs) <= self.report.supplied

    def supplied(self, extract: ExtractName) -> bool:
        return extract in self.report.supplied
