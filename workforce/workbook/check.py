"""A saved workbook checked before it is published: every XML part parses and no cell
holds more text than Excel can. A workbook that fails is never published: the run stops
with one line saying so (the previous files stay as they were).

Grain: one saved ``.xlsx`` file (a zip of XML parts).
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from xml.etree import ElementTree

from workforce.errors import RunFailure
from workforce.workbook.cells import EXCEL_MAX_TEXT

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_TEXT_TAGS = {f"{_MAIN}t"}


def check_workbook(path: Path) -> None:
    """``RunFailure`` naming the part and the problem when the file at ``path`` is not a
    workbook Excel can open."""
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as error:
        raise RunFailure(
            f"{path.name}: the workbook written cannot be reopened ({error})"
        ) from None
    with archive:
        for name in archive.namelist():
            if not name.endswith((".xml", ".rels")):
                continue
            try:
                root = ElementTree.fromstring(archive.read(name))
            except ElementTree.ParseError as error:
                raise RunFailure(
                    f"{path.name}: the workbook written is damaged ({name}: {error}); nothing "
                    "was published"
                ) from None
            for element in root.iter():
                if element.tag in _TEXT_TAGS and len(element.text or "") > EXCEL_MAX_TEXT:
                    raise RunFailure(
                        f"{path.name}: a cell in {name} holds more than {EXCEL_MAX_TEXT:,} "
                        "characters, more than Excel can show; nothing was published"
                    )
