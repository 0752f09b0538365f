"""The Definitions sheet: each metric in plain English with its DfE equivalent and the
extracts it needs, filled in with the values this run used; and the settings themselves
(threshold, working days, quarantine limit, targets)."""

from __future__ import annotations

import polars as pl
from openpyxl.worksheet.worksheet import Worksheet

from transforms.definitions import METRICS, definition_text
from transforms.views.labels import EXTRACT_WORDS, POLARITY_WORDS, STATUS_WORDS, UNIT_WORDS
from transforms.views.targets import targets_table
from workforce.workbook.cells import DATE
from workforce.workbook.context import WorkbookContext
from workforce.workbook.layout import SheetLayout
from workforce.workbook.tables import Column

IN_RUN = "Yes"


def definitions_sheet(sheet: Worksheet, context: WorkbookContext) -> None:
    settings = context.settings
    layout = SheetLayout(
        sheet,
        context.registry,
        "Definitions",
        "Every measure as this workbook computes it, with the DfE's published equivalent "
        "where one exists, and the settings this run used.",
    )
    params = {
        "caseload_threshold": settings.metrics.caseload_threshold,
        "working_days_per_year": settings.metrics.working_days_per_year,
    }
    frame = pl.DataFrame(
        {
            "label": [d.label for d in METRICS],
            "definition": [definition_text(d, **params) for d in METRICS],  # type: ignore[arg-type]
            "unit": [UNIT_WORDS[d.unit] for d in METRICS],
            "polarity": [POLARITY_WORDS[d.polarity] for d in METRICS],
            "dfe": [d.dfe_equivalent or "None published" for d in METRICS],
            "needs": [", ".join(EXTRACT_WORDS[n] for n in d.needs) for d in METRICS],
            "in_run": [
                IN_RUN if context.available(d.name) else STATUS_WORDS["not_supplied"]
                for d in METRICS
            ],
        }
    )
    layout.table(
        "Definitions",
        frame,
        [
            Column("Measure", "label", width=24, wrap=True),
            Column("Definition", "definition", width=60, wrap=True),
            Column("Unit", "unit"),
            Column("Better when", "polarity", width=14, wrap=True),
            Column("DfE equivalent", "dfe", width=30, wrap=True),
            Column("Extracts needed", "needs", width=16, wrap=True),
            Column("In this run", "in_run", width=12),
        ],
        "Measures",
    )
    used = pl.DataFrame(
        {
            "setting": [
                "Caseload threshold (children)",
                "Working days a year",
                "Quarantine limit (share of an extract)",
            ],
            "value": [
                f"{settings.metrics.caseload_threshold}",
                f"{settings.metrics.working_days_per_year:g}",
                f"{settings.validation.max_quarantine_share:.0%}",
            ],
        }
    )
    layout.table(
        "SettingsUsed",
        used,
        [Column("Setting", "setting"), Column("Value", "value")],
        "Settings this run used",
    )
    targets = targets_table(settings.targets)
    layout.table(
        "Targets",
        targets,
        [
            Column("Measure", "measure"),
            Column("From", "from", DATE),
            Column("To (empty: open)", "to", DATE),
            Column("Must be", "comparison"),
            Column("Target", "target", "0.0%"),
            Column("Tolerance (±)", "tolerance_points", '0.0" pts"'),
        ],
        "Targets (from the configuration)",
        empty_text="No targets configured.",
    )
    layout.finish(label_columns=1, trust_name=context.trust_name, as_of=context.as_of)
