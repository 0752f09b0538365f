"""The backfill's trend workbook: one sheet per theme (Agency, Turnover and stability,
Caseloads, Vacancies, Absence and spend) with the Trust's series over the backfilled dates,
the date column frozen, and a chart of the series its title names. Every team and service
area is in the backfill's ``metrics.csv`` beside it."""

from __future__ import annotations

import datetime as dt

import openpyxl
import polars as pl

from transforms.definitions import METRICS_BY_NAME
from transforms.views.labels import UNIT_WORDS
from transforms.views.trend import KPI, THEMES, Theme, theme_frame
from workforce.settings import Settings
from workforce.workbook.cells import DATE, metric_format, value_format
from workforce.workbook.charts import line_chart
from workforce.workbook.common import metric_column, not_supplied_text, status_column
from workforce.workbook.layout import SheetLayout
from workforce.workbook.properties import set_properties
from workforce.workbook.tables import Column, TableRegistry

RATE = metric_format(KPI)


def _columns(theme: Theme) -> list[Column]:
    columns = [Column("As of", "as_of", DATE)]
    for name in theme.metrics:
        columns.append(metric_column(name, status_fill=name == KPI))
        if name == KPI:
            columns += [
                Column("Target", f"{KPI}__target", RATE),
                Column("Glide path", "glide", RATE),
                status_column("Status", f"{KPI}__status"),
            ]
    return columns


def build_trend_workbook(
    series: pl.DataFrame, settings: Settings, start: dt.date, end: dt.date
) -> openpyxl.Workbook:
    """``series``: the Trust's metrics rows (with target and status) for every date."""
    workbook = openpyxl.Workbook()
    default_sheet = workbook.active
    if default_sheet is not None:
        workbook.remove(default_sheet)
    registry = TableRegistry()
    present = set(series.get_column("metric").unique().to_list())
    targets = [target for target in settings.targets if target.metric == KPI]
    period = f"{start:%d %b %Y} to {end:%d %b %Y}"
    for theme in THEMES:
        sheet = workbook.create_sheet(theme.sheet)
        layout = SheetLayout(
            sheet,
            registry,
            f"{theme.sheet}, {start:%d %b %Y} to {end:%d %b %Y}",
            f"{settings.trust.name} on every backfilled date. Teams and service areas are in "
            "the backfill's metrics.csv.",
        )
        if not set(theme.metrics) & present:
            missing = sorted(theme.needs() - {"staff", "agency"}) or ["staff"]
            layout.message(not_supplied_text(missing[0], "these figures"), warning=True)
            layout.finish(trust_name=settings.trust.name, as_of=end, period=period)
            continue
        frame = theme_frame(series, theme, targets)
        columns = _columns(theme)
        area = layout.table(theme.sheet.replace(" ", "") + "Trend", frame, columns, "Trust")
        if frame.height > 1:
            sources = [column.source for column in columns]
            # Two charts of a theme are narrower, so they print side by side on one page.
            width_cm = 20 if len(theme.charts) == 1 else 13
            for title, metrics in theme.charts:
                first = METRICS_BY_NAME[metrics[0]]
                plotted = (*metrics, f"{KPI}__target", "glide") if KPI in metrics else metrics
                layout.chart(
                    line_chart(
                        sheet,
                        area,
                        series=[sources.index(name) + 1 for name in plotted],
                        title=title,
                        # The axis of several metrics is named by their unit.
                        y_title=first.label if len(metrics) == 1 else UNIT_WORDS[first.unit],
                        y_format=value_format(first),
                        x_title="As of",
                        # The agency rate is read against its target from zero, as on the
                        # Agency sheet; other series on their own scale, as on the
                        # Turnover sheet (a stability index near 80% is not drawn flat).
                        y_min=0.0 if KPI in metrics else None,
                        # The target under a glide path that meets it: dashed.
                        dashed=(sources.index(f"{KPI}__target") + 1,) if KPI in metrics else (),
                    ),
                    width_cm=width_cm,
                    height_cm=10,
                )
        layout.finish(label_columns=1, trust_name=settings.trust.name, as_of=end, period=period)
    set_properties(
        workbook,
        title=f"Workforce stability trend: {settings.trust.name}",
        subject=f"As-of dates {start.isoformat()} to {end.isoformat()}",
        description="The Trust's series over a backfill; teams are in its metrics.csv.",
    )
    return workbook
