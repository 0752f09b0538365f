"""What a run tells the people watching it, as text: the summary shown in the Prefect UI,
the table of findings beside it, and the notifications of a nightly run. Pure: no I/O.

Grains: ``summary_markdown`` one document per run (the KPI on the as-of date, its
change on the last month-end and on a year earlier, the data-quality verdict, the files);
``findings_table`` one row per finding, capped at ``FINDINGS_TABLE_ROWS``; the messages
one per event (failed, refused, KPI status changed).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from transforms.calendar import last_month_end, year_earlier
from transforms.definitions import METRICS_BY_NAME
from transforms.report import RunReport, data_quality_verdict, plural
from transforms.scopes import SCOPE, SCOPE_VALUE, TRUST, TRUST_SCOPE_VALUE
from transforms.views.changes import PERCENT_DECIMALS
from transforms.views.labels import (
    DIRECTION_IMPROVING,
    DIRECTION_WORSENING,
    NO_CHANGE,
    STATUS_WORDS,
)
from transforms.views.text import percent, points

# The business plan's indicator 16: the figure a run is judged by.
KPI_METRIC = "agency_rate"
# The Prefect UI shows a table artifact in one page; data_quality.csv has every finding.
FINDINGS_TABLE_ROWS = 200
# The finding columns the UI table shows. The offending value is left out: the message
# and the row locate it, and personal data stays in the output folder.
FINDINGS_TABLE_COLUMNS: tuple[str, ...] = (
    "extract",
    "row",
    "column",
    "rule",
    "severity",
    "message",
)


@dataclass(frozen=True)
class KpiReading:
    """The KPI at the Trust on one date (``value`` None when it has no value)."""

    as_of: dt.date
    value: float | None
    target: float | None
    tolerance: float | None
    status: str


def kpi_readings(metrics: pl.DataFrame) -> dict[dt.date, KpiReading]:
    """The Trust's KPI on each date of a metrics-with-targets frame."""
    rows = metrics.filter(
        (pl.col(SCOPE) == TRUST)
        & (pl.col(SCOPE_VALUE) == TRUST_SCOPE_VALUE)
        & (pl.col("metric") == KPI_METRIC)
    ).select("as_of", "value", "target", "tolerance", "status")
    return {row["as_of"]: KpiReading(**row) for row in rows.iter_rows(named=True)}


def status_words(status: str) -> str:
    return STATUS_WORDS.get(status, status.replace("_", " ").capitalize())


def change_words(now: KpiReading, then: KpiReading | None) -> str:
    """The change of the rate in percentage points as shown, with its direction by the
    KPI's polarity ("−0.3 pts, Improving"); "No change" when it rounds to zero."""
    if then is None or then.value is None or now.value is None:
        return "no figure to compare"
    change = round((now.value - then.value) * 100, PERCENT_DECIMALS)
    if change == 0:
        return NO_CHANGE
    lower_is_better = METRICS_BY_NAME[KPI_METRIC].polarity == "lower_is_better"
    direction = DIRECTION_IMPROVING if (change < 0) == lower_is_better else DIRECTION_WORSENING
    return f"{'+' if change > 0 else '−'}{points(change)}, {direction}"


def _target_words(reading: KpiReading) -> str:
    if reading.target is None:
        return "no target"
    tolerance = f", tolerance {points(reading.tolerance * 100)}" if reading.tolerance else ""
    return f"target {percent(reading.target)}{tolerance}"


def summary_markdown(
    *,
    heading: str,
    as_of: dt.date,
    extract_date: dt.date | None,
    metrics: pl.DataFrame,
    verdict: str,
    files: Iterable[Path],
) -> str:
    """The run's summary for the Prefect UI. ``metrics``: metrics with targets on
    ``as_of`` and, where available, on its last month-end and a year earlier."""
    readings = kpi_readings(metrics)
    label = METRICS_BY_NAME[KPI_METRIC].label
    lines = [f"# {heading}", ""]
    now = readings.get(as_of)
    if now is None:
        lines.append(f"**{label}:** not computed for {as_of.isoformat()}.")
    else:
        lines += [
            f"**{label} on {as_of.isoformat()}: {percent(now.value)}: "
            f"{status_words(now.status)}** ({_target_words(now)})",
            "",
            "| Date | Agency rate | Status | Change to now |",
            "| --- | --- | --- | --- |",
            f"| {as_of.isoformat()} (as of) | {percent(now.value)} | "
            f"{status_words(now.status)} | |",
        ]
        for day, name in (
            (last_month_end(as_of), "last month-end"),
            (year_earlier(as_of), "a year earlier"),
        ):
            then = readings.get(day)
            shown = "not computed" if then is None else percent(then.value)
            status = "" if then is None else status_words(then.status)
            lines.append(
                f"| {day.isoformat()} ({name}) | {shown} | {status} | {change_words(now, then)} |"
            )
    lines += ["", f"**Data quality:** {verdict}", ""]
    if extract_date is not None:
        lines += [f"Extract drop: {extract_date.isoformat()}.", ""]
    lines += ["**Files**", "", *(f"- `{path}`" for path in files)]
    return "\n".join(lines) + "\n"


def report_summary_markdown(report: RunReport, files: Iterable[Path]) -> str:
    """The summary of a nightly run (``heading`` names the date)."""
    return summary_markdown(
        heading=f"Workforce stability on {report.as_of.isoformat()}",
        as_of=report.as_of,
        extract_date=report.extract_date,
        metrics=report.trend,
        verdict=data_quality_verdict(report.extract_summaries, report.findings),
        files=files,
    )


def refused_markdown(as_of: dt.date, reason: str, findings_file: Path) -> str:
    """The summary of a run refused for too many quarantined rows."""
    return (
        f"# Workforce stability on {as_of.isoformat()}: refused\n\n"
        f"Nothing was published: {reason.rstrip('.')}.\n\n"
        f"**Findings for HR:** `{findings_file}`\n"
    )


def findings_table(findings: pl.DataFrame) -> tuple[list[dict[str, str]], str]:
    """The findings as table rows for the UI (errors first, then the contract's order),
    at most ``FINDINGS_TABLE_ROWS``, and a description saying how many are shown."""
    total = findings.height
    shown = (
        findings.with_row_index("_order")
        .sort([pl.col("severity") != "error", "_order"])
        .head(FINDINGS_TABLE_ROWS)
        .select(
            pl.col(column).cast(pl.String).fill_null("").alias(column)
            for column in FINDINGS_TABLE_COLUMNS
        )
    )
    errors = findings.filter(pl.col("severity") == "error").height
    counts = f"{plural(total, 'finding')} ({plural(errors, 'error')})"
    if total > shown.height:
        description = (
            f"{counts}; the first {shown.height} are shown, errors first. "
            "data_quality.csv lists them all."
        )
    else:
        description = f"{counts}, errors first." if total else "No findings."
    return shown.to_dicts(), description


def kpi_status_change(
    previous: KpiReading | None, metrics: pl.DataFrame, as_of: dt.date, files: Mapping[str, Path]
) -> str | None:
    """The message to send when the KPI's status on ``as_of`` (in ``metrics``) differs
    from the previous published run's (None when it does not, or there is none)."""
    now = kpi_readings(metrics).get(as_of)
    if previous is None or now is None or now.status == previous.status:
        return None
    workbook = next((path for name, path in files.items() if name.endswith(".xlsx")), None)
    where = f" Workbook: {workbook}" if workbook is not None else ""
    return (
        f"{METRICS_BY_NAME[KPI_METRIC].label} on {as_of.isoformat()}: "
        f"{status_words(now.status)} ({percent(now.value)}, {_target_words(now)}); it was "
        f"{status_words(previous.status)} ({percent(previous.value)}) on "
        f"{previous.as_of.isoformat()}.{where}"
    )


def failure_message(as_of: dt.date, reason: str, findings_file: Path | None = None) -> str:
    """The message to send when a nightly run fails or is refused."""
    findings = f" Findings for HR: {findings_file}" if findings_file is not None else ""
    return (
        f"The nightly run for {as_of.isoformat()} published nothing: "
        f"{reason.rstrip('.')}.{findings}"
    )
