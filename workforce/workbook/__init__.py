"""The HR workbook for one as-of date (``shared/spec/workbook.md``), one module per sheet:
``summary`` (the front page), ``teams``, ``agency``, ``outlook_sheet``, ``turnover``,
``retention_sheet``, ``caseloads``,
``vacancies``, ``benchmarks``, ``data_quality``, ``definitions_sheet``, ``metrics_sheet``;
the backfill's trend workbook in ``trend``. Shared pieces: ``cells`` (safe values, formats,
fonts), ``tables`` (Excel tables from frames), ``layout`` (blocks side by side, printing,
freezing), ``charts``. Every figure a sheet shows comes from ``transforms.views``; the
modules here only lay frames out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import openpyxl
from openpyxl.worksheet.worksheet import Worksheet

from transforms.report import RunReport
from workforce.settings import Settings
from workforce.workbook.agency import agency_sheet
from workforce.workbook.benchmarks import benchmarks_sheet
from workforce.workbook.caseloads import caseloads_sheet
from workforce.workbook.check import check_workbook
from workforce.workbook.context import WorkbookContext
from workforce.workbook.data_quality import data_quality_sheet
from workforce.workbook.definitions_sheet import definitions_sheet
from workforce.workbook.metrics_sheet import metrics_sheet
from workforce.workbook.outlook_sheet import outlook_sheet
from workforce.workbook.properties import GENERATOR, set_properties
from workforce.workbook.retention_sheet import retention_sheet
from workforce.workbook.summary import ContentsEntry, summary_sheet
from workforce.workbook.teams import teams_sheet
from workforce.workbook.turnover import turnover_sheet
from workforce.workbook.vacancies import vacancies_sheet


@dataclass(frozen=True)
class SheetSpec:
    name: str
    build: Callable[[Worksheet, WorkbookContext], None]
    description: str


SHEETS: tuple[SheetSpec, ...] = (
    SheetSpec("Teams", teams_sheet, "Every team's key measures: where it is off track"),
    SheetSpec("Agency", agency_sheet, "The agency rate against target and glide path"),
    SheetSpec("Outlook", outlook_sheet, "Where the rate heads on what is agreed"),
    SheetSpec("Turnover", turnover_sheet, "Turnover, stability, starters and leavers"),
    SheetSpec("Retention", retention_sheet, "Do recruits stay? By route; milestones"),
    SheetSpec("Caseloads", caseloads_sheet, "Caseloads by team and over the threshold"),
    SheetSpec("Vacancies", vacancies_sheet, "Funded, employed, agency and vacant FTE"),
    SheetSpec("Benchmarks", benchmarks_sheet, "The Trust beside England and neighbours"),
    SheetSpec("Data quality", data_quality_sheet, "What to fix in the extracts, urgent first"),
    SheetSpec("Definitions", definitions_sheet, "What each measure means; the settings"),
    SheetSpec("Metrics", metrics_sheet, "Every figure, for filters and pivots"),
)
SUMMARY = "Summary"
SHEET_NAMES: tuple[str, ...] = (SUMMARY, *(spec.name for spec in SHEETS))


def build_workbook(
    report: RunReport, settings: Settings, generated_at: datetime
) -> openpyxl.Workbook:
    """The workbook for ``report.as_of``, ready to save."""
    workbook = openpyxl.Workbook()
    default_sheet = workbook.active
    if default_sheet is not None:
        workbook.remove(default_sheet)
    context = WorkbookContext(report, settings, generated_at)
    summary = workbook.create_sheet(SUMMARY)
    for spec in SHEETS:
        spec.build(workbook.create_sheet(spec.name), context)
    # The Summary is built last: its contents list names the sheets that exist.
    summary_sheet(summary, context, [ContentsEntry(spec.name, spec.description) for spec in SHEETS])
    workbook.active = 0
    _document_properties(workbook, context)
    return workbook


def save_workbook(workbook: openpyxl.Workbook, path: Path) -> None:
    """Save, then reopen and check the file (``check.check_workbook``): the caller writes to
    a temporary name and publishes it only when this returns."""
    workbook.save(path)
    check_workbook(path)


def _document_properties(workbook: openpyxl.Workbook, context: WorkbookContext) -> None:
    report = context.report
    extract = report.extract_date.isoformat() if report.extract_date else "unknown"
    generated = context.generated_at.replace(tzinfo=None)
    set_properties(
        workbook,
        title=f"Workforce stability: {context.trust_name}",
        subject=f"As of {report.as_of.isoformat()}",
        description=(
            f"Generated at {generated.isoformat(timespec='seconds')} by {GENERATOR}; "
            f"extract date {extract}."
        ),
        generated_at=generated,
    )
