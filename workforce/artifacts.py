"""A run's results in the Prefect UI: a markdown summary under the key
``workforce-summary`` and a table of findings under ``workforce-data-quality``, one of each
per flow run (the UI lists every run's under its key). Grain: one run.

Built by ``transforms.run_summary``; posting them never fails a run (a warning line in
the log instead): the files are the product, the artifacts a view of them.
"""

from __future__ import annotations

import logging

import polars as pl

from transforms.run_summary import FINDINGS_TABLE_COLUMNS, findings_table

SUMMARY_KEY = "workforce-summary"
FINDINGS_KEY = "workforce-data-quality"
log = logging.getLogger("workforce.artifacts")


def post_run_artifacts(summary: str, findings: pl.DataFrame, description: str) -> None:
    """Post the summary and the findings table of the current flow run."""
    from prefect.artifacts import create_markdown_artifact, create_table_artifact

    rows, table_description = findings_table(findings)
    try:
        create_markdown_artifact(markdown=summary, key=SUMMARY_KEY, description=description)
        create_table_artifact(
            table=rows or {column: [] for column in FINDINGS_TABLE_COLUMNS},
            key=FINDINGS_KEY,
            description=f"{description}: {table_description}",
        )
    except Exception as error:  # the files are published; the UI view is a bonus
        log.warning("Prefect artifacts not posted (%s: %s)", type(error).__name__, error)
