"""The Data quality sheet as HR's to-do list: one line per finding with the record's own
key (never a child reference), the source row, the rule in words, the offending value,
what to do and whether it affects this date's figures (current findings first, historic
after); beside it, per extract the rows read and quarantined, and the findings by rule."""

from __future__ import annotations

from openpyxl.worksheet.worksheet import Worksheet

from transforms.report import data_quality_verdict
from transforms.views.data_quality import extract_overview, findings_by_rule, todo_list
from workforce.workbook.cells import INTEGER, metric_format
from workforce.workbook.context import WorkbookContext
from workforce.workbook.layout import SheetLayout
from workforce.workbook.tables import Column

SHARE = metric_format("agency_rate")


def data_quality_sheet(sheet: Worksheet, context: WorkbookContext) -> None:
    report = context.report
    layout = SheetLayout(
        sheet,
        context.registry,
        "Data quality: what to fix in the extracts",
        data_quality_verdict(report.extract_summaries, report.findings)
        + " Quarantined rows are left out of every figure until they are fixed; warnings "
        "keep the row.",
    )
    day = f"{context.as_of:%d %b %Y}"
    layout.table(
        "ExtractSummary",
        extract_overview(report.extract_summaries),
        [
            Column("Extract", "extract_word"),
            Column("Rows read", "rows_read", INTEGER),
            Column("Rows quarantined", "rows_quarantined", INTEGER),
            Column("Share quarantined", "share", SHARE),
            Column("Rows held back", "rows_held_back", INTEGER),
            Column("Warnings", "warnings", INTEGER),
        ],
        "Per extract",
    )
    layout.table(
        "FindingsByRule",
        findings_by_rule(report.findings),
        [
            Column("Extract", "extract_word"),
            Column("Problem", "rule_label", width=26, wrap=True),
            Column("Severity", "severity_word"),
            Column("Findings", "findings", INTEGER),
            Column(f"Affecting {day}", "affecting", INTEGER),
        ],
        "Findings by rule",
        empty_text="No findings",
    )
    layout.table(
        "Findings",
        todo_list(report.findings),
        [
            Column(f"Affects {day} figures", "affects", width=10, wrap=True),
            Column("Severity", "severity_word", width=11),
            Column("Extract", "extract_word", width=10),
            Column("Record", "record_key", width=20, wrap=True),
            Column("Source row", "row", "0", width=7),
            Column("Column", "column", width=14, wrap=True),
            Column("Problem", "rule_label", width=18, wrap=True),
            Column("Value", "value", width=12, wrap=True),
            Column("What to do", "action", width=26, wrap=True),
            Column("Details", "message", width=28, wrap=True),
        ],
        "To do: every finding, those affecting this date's figures first (source row as "
        "seen in the file, header = row 1)",
        empty_text="No findings: nothing to fix.",
    )
    layout.finish(trust_name=context.trust_name, as_of=context.as_of)
