"""File formats an extract can be read from, chosen by the file name's extension.

Grain: one ``ExtractReader`` per supported extension. A new input format plugs in by
implementing ``ExtractReader`` (``workforce.readers.base``) and adding an instance to
``READERS``; ``workforce.extract_io`` asks the registry, never the extension itself.
"""

from __future__ import annotations

from pathlib import Path

from workforce.readers.base import ExtractReader, ReadTable, UnreadableValue
from workforce.readers.csv_reader import CsvReader
from workforce.readers.xlsx_reader import XlsxReader

READERS: dict[str, ExtractReader] = {
    reader.suffix: reader for reader in (CsvReader(), XlsxReader())
}


def reader_for(path: Path) -> ExtractReader | None:
    """The reader of ``path``'s extension (case-insensitive), if one is registered."""
    return READERS.get(path.suffix.lower())


def supported_formats() -> str:
    """The registered formats for a message: ``CSV UTF-8 (.csv) or Excel workbook (.xlsx)``."""
    descriptions = [reader.description for reader in READERS.values()]
    if len(descriptions) < 2:
        return "".join(descriptions)
    return f"{', '.join(descriptions[:-1])} or {descriptions[-1]}"


__all__ = [
    "READERS",
    "ExtractReader",
    "ReadTable",
    "UnreadableValue",
    "reader_for",
    "supported_formats",
]
