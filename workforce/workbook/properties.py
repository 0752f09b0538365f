"""Document properties of the workbooks (title, subject, generator): what a file browser
or Excel's File > Info shows."""

from __future__ import annotations

from datetime import datetime

import openpyxl
from openpyxl.packaging.custom import StringProperty

GENERATOR = "workforce-stability (Python, openpyxl)"


def set_properties(
    workbook: openpyxl.Workbook,
    *,
    title: str,
    subject: str,
    description: str,
    generated_at: datetime | None = None,
) -> None:
    properties = workbook.properties
    properties.title = title
    properties.subject = subject
    properties.creator = GENERATOR
    properties.lastModifiedBy = GENERATOR
    properties.description = description
    properties.keywords = "workforce stability; agency rate; social work"
    if generated_at is not None:
        properties.created = generated_at.replace(tzinfo=None)
        properties.modified = generated_at.replace(tzinfo=None)
    custom = workbook.custom_doc_props  # type: ignore[attr-defined]
    custom.append(StringProperty(name="Generator", value=GENERATOR))
    custom.append(StringProperty(name="Subject", value=subject))
