"""The census return as XML: parsing a file safely, reading its items, writing a return
and validating it against the project's XML Schema of its year (``schemas/``).

Library: lxml (libxml2). It validates against XML Schema 1.0 in C, reports each error
with its line and element path (so a finding can name the worker), and its parser can be
told not to expand entities, load DTDs or touch the network. A file that declares a DTD
or entities is refused outright: a census return has no use for them, and refusing them
rules out entity-expansion bombs and external-entity reads.

Grain of ``ReturnDocument.worker_items``: one row per item element of a ``CSWWWorker``
(``worker`` = its number in file order from 1, ``item``, ``text``); ``la_items``: one row
per item of the LA-level element; ``header``: one value per header item.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import polars as pl
from lxml import etree

from transforms.census import (
    COLLECTION,
    HEADER_ELEMENT,
    LA_ELEMENTS,
    LA_ITEMS,
    RETURN_WORKER_SCHEMA,
    ROOT_ELEMENT,
    SOURCE_LEVEL,
    WORKER_ELEMENT,
    WORKER_ITEMS,
    WORKER_NUMBER,
    LaLevelItems,
    Structure,
    items_of,
)
from transforms.census_check import ITEM_COLUMNS
from workforce.errors import RunFailure

SCHEMA_DIR = Path(__file__).with_name("schemas")
SOFTWARE_CODE = "workforce-stability"
HEADER_ITEMS: dict[str, tuple[str, ...]] = {
    "CollectionDetails": ("Collection", "Year", "ReferenceDate"),
    "Source": ("SourceLevel", "LEA", "SoftwareCode", "DateTime"),
}
SCHEMA_ERROR_COLUMNS: dict[str, pl.DataType] = {
    WORKER_NUMBER: pl.Int64(),
    "item": pl.String(),
    "message": pl.String(),
}
_SCHEMA_PATH = re.compile(
    rf"^/{ROOT_ELEMENT}/(?P<parent>[A-Za-z]+)(?:\[(?P<index>[0-9]+)\])?"
    r"(?:/(?:[A-Za-z]+(?:\[[0-9]+\])?/)*(?P<item>[A-Za-z0-9]+)(?:\[[0-9]+\])?)?$"
)
_INDENT = "  "


def _safe_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


@cache
def schema_for(structure: Structure) -> etree.XMLSchema:
    """The project's XML Schema of a structure (loaded once)."""
    path = SCHEMA_DIR / f"csww_{structure}.xsd"
    return etree.XMLSchema(etree.parse(str(path), _safe_parser()))


# --- reading -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReturnDocument:
    path: Path
    tree: etree._ElementTree
    header: dict[str, str | None]  # every header item, None when absent
    la_element: str | None  # LALevelVacancies or LALevel, as written
    la_items: pl.DataFrame  # item, text
    worker_items: pl.DataFrame  # worker, item, text (ITEM_COLUMNS)
    worker_count: int


def parse_file(path: Path) -> etree._ElementTree:
    """The XML tree of a census return; ``RunFailure`` naming the file and the problem
    when it cannot be read, is not well-formed XML, declares a DTD or entities, or its
    root is not ``Message``."""
    name = path.name
    try:
        data = path.read_bytes()
    except OSError as error:
        raise RunFailure(f"{path}: cannot be read ({error.strerror or error})") from None
    if b"<!ENTITY" in data or b"<!DOCTYPE" in data:
        raise RunFailure(
            f"{name}: refused: the file declares a DTD or XML entities, which a census return "
            "never needs (entity expansion is not allowed)"
        )
    if not data.strip():
        raise RunFailure(f"{name}: the file is empty; a census return is an XML file")
    try:
        root = etree.fromstring(data, _safe_parser())
    except etree.XMLSyntaxError as error:
        reason = str(error.msg or error).strip()
        if "entity" in reason.lower():
            raise RunFailure(
                f"{name}: refused: the file uses XML entities, which a census return never "
                f"needs (entity expansion is not allowed): {reason}"
            ) from None
        line = f" (line {error.lineno})" if error.lineno else ""
        # An error on the file's last line: the file stops before its end tags.
        last_line = data.rstrip().count(b"\n") + 1
        truncated = "Premature end" in reason or (error.lineno or 0) >= last_line
        hint = "; the file looks truncated" if truncated else ""
        if "Start tag expected" in reason or "Document is empty" in reason:
            raise RunFailure(f"{name}: not an XML file{line}: {reason}") from None
        raise RunFailure(f"{name}: not well-formed XML{line}: {reason}{hint}") from None
    tree = root.getroottree()
    if tree.docinfo.internalDTD is not None or tree.docinfo.doctype:
        raise RunFailure(
            f"{name}: refused: the file declares a DTD, which a census return never needs"
        )
    if root.tag != ROOT_ELEMENT:
        found = root.tag if isinstance(root.tag, str) else "not an element"
        hint = (
            " (the census return has no XML namespace)"
            if isinstance(root.tag, str) and root.tag.endswith("}" + ROOT_ELEMENT)
            else ""
        )
        raise RunFailure(
            f"{name}: the root element is {found}, not {ROOT_ELEMENT}: not a census return{hint}"
        )
    return tree


def _text(element: etree._Element | None) -> str | None:
    if element is None:
        return None
    return element.text


def _children(element: etree._Element) -> list[etree._Element]:
    """Child elements (not comments, processing instructions or entity references)."""
    return [child for child in element if isinstance(child.tag, str)]


def read_return(path: Path) -> ReturnDocument:
    """Read a return of any year's structure: both ``LALevelVacancies`` and ``LALevel``,
    every item of every ``CSWWWorker`` as written (repeated and unknown items too)."""
    tree = parse_file(path)
    root = tree.getroot()
    header_element = root.find(HEADER_ELEMENT)
    header: dict[str, str | None] = {}
    for group, names in HEADER_ITEMS.items():
        block = header_element.find(group) if header_element is not None else None
        for name in names:
            header[name] = _text(block.find(name)) if block is not None else None
    la_names = set(LA_ELEMENTS.values())
    la_element = next((child for child in _children(root) if child.tag in la_names), None)
    la_pairs = [
        (str(child.tag), child.text)
        for child in (_children(la_element) if la_element is not None else [])
    ]
    workers = root.findall(WORKER_ELEMENT)
    # The XML is walked once, element by element (lxml hands elements over one Python
    # object at a time); the checks on the items are polars expressions.
    numbers: list[int] = []
    tags: list[str] = []
    texts: list[str | None] = []
    for number, worker in enumerate(workers, start=1):
        for child in _children(worker):
            numbers.append(number)
            tags.append(str(child.tag))
            texts.append(child.text)
    return ReturnDocument(
        path=path,
        tree=tree,
        header=header,
        la_element=str(la_element.tag) if la_element is not None else None,
        la_items=pl.DataFrame(
            {"item": [p[0] for p in la_pairs], "text": [p[1] for p in la_pairs]},
            schema={"item": pl.String(), "text": pl.String()},
        ),
        worker_items=pl.DataFrame(
            {WORKER_NUMBER: numbers, "item": tags, "text": texts}, schema=ITEM_COLUMNS
        ),
        worker_count=len(workers),
    )


def schema_errors(tree: etree._ElementTree, structure: Structure) -> pl.DataFrame:
    """What the structure's XML Schema rejects: one row per error with the worker's number
    (null outside a worker), the item (null when the error is about the worker or LA
    element itself) and libxml2's message."""
    schema = schema_for(structure)
    schema.validate(tree)
    rows: list[tuple[int | None, str | None, str]] = []
    for error in schema.error_log:
        match = _SCHEMA_PATH.match(error.path or "")
        worker: int | None = None
        item: str | None = None
        if match is not None:
            item = match.group("item")
            if match.group("parent") == WORKER_ELEMENT:
                worker = int(match.group("index") or 1)
            elif item is None:
                item = match.group("parent")
        rows.append((worker, item, f"line {error.line}: {error.message}"))
    return pl.DataFrame(rows, schema=SCHEMA_ERROR_COLUMNS, orient="row")


# --- writing -----------------------------------------------------------------------------


def decimal_text(value: pl.Expr, places: int) -> pl.Expr:
    """A decimal as the return writes it: at most ``places`` places, no exponent, no
    trailing zeros (0.6, 10, 2.35). The value is already rounded to ``places``."""
    return (
        value.cast(pl.Decimal(38, places))
        .cast(pl.String)
        .str.replace(r"0+$", "")
        .str.strip_suffix(".")
    )


def _escaped(text: pl.Expr) -> pl.Expr:
    return (
        text.str.replace_all("&", "&amp;", literal=True)
        .str.replace_all("<", "&lt;", literal=True)
        .str.replace_all(">", "&gt;", literal=True)
    )


def _item_text(name: str, dtype: pl.DataType, places: int | None) -> pl.Expr:
    column = pl.col(name)
    if dtype == pl.Date():
        return column.dt.strftime("%Y-%m-%d")
    if dtype == pl.Float64():
        return decimal_text(column, places if places is not None else 6)
    if dtype == pl.String():
        return _escaped(column)
    return column.cast(pl.String)


def worker_elements(workers: pl.DataFrame, structure: Structure) -> str:
    """Every ``CSWWWorker`` element of the return, in the structure's item order (items
    the frame leaves empty are left out), built column-wise by polars."""
    lines = [pl.lit(f"{_INDENT}<{WORKER_ELEMENT}>")]
    item_indent = "\n" + _INDENT * 2
    for item in items_of(WORKER_ITEMS, structure):
        if item.column is None:
            continue
        dtype = RETURN_WORKER_SCHEMA[item.column]
        if item.repeatable:
            element = (
                pl.col(item.column)
                .list.eval(
                    pl.format(
                        f"{item_indent}<{item.name}>{{}}</{item.name}>", _escaped(pl.element())
                    )
                )
                .list.join("")
            )
        else:
            text = _item_text(item.column, dtype, item.places)
            element = pl.format(f"{item_indent}<{item.name}>{{}}</{item.name}>", text)
        lines.append(element.fill_null(""))
    lines.append(pl.lit(f"\n{_INDENT}</{WORKER_ELEMENT}>"))
    return "\n".join(workers.select(pl.concat_str(lines)).to_series().to_list())


def _element(parent: etree._Element, name: str, text: str) -> None:
    etree.SubElement(parent, name).text = text


def _indented(element: etree._Element) -> str:
    text = etree.tostring(element, encoding="unicode", pretty_print=True)
    return "".join(_INDENT + line + "\n" for line in text.splitlines())


def return_document(
    workers: pl.DataFrame,
    la_level: LaLevelItems,
    pay: dict[str, str] | None,
    *,
    structure: Structure,
    year: int,
    reference: dt.date,
    lea: str,
    generated_at: dt.datetime,
) -> bytes:
    """The return as UTF-8 XML: header, LA-level element (vacancy items the extracts
    carry; from 2025 the pay items in ``pay``, by element name), then the workers."""
    header = etree.Element(HEADER_ELEMENT)
    details = etree.SubElement(header, "CollectionDetails")
    _element(details, "Collection", COLLECTION)
    _element(details, "Year", str(year))
    _element(details, "ReferenceDate", reference.isoformat())
    source = etree.SubElement(header, "Source")
    _element(source, "SourceLevel", SOURCE_LEVEL)
    _element(source, "LEA", lea)
    _element(source, "SoftwareCode", SOFTWARE_CODE)
    _element(source, "DateTime", generated_at.replace(microsecond=0).isoformat())
    la = etree.Element(LA_ELEMENTS[structure])
    for item in items_of(LA_ITEMS, structure):
        value = getattr(la_level, item.column) if item.column else (pay or {}).get(item.name)
        if value is None:
            continue
        text = (
            pl.select(decimal_text(pl.lit(value, dtype=pl.Float64), item.places)).item()
            if item.kind == "decimal" and item.places is not None
            else str(value)
        )
        _element(la, item.name, text)
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n', f"<{ROOT_ELEMENT}>\n", _indented(header)]
    if len(la) or structure == "2025":
        parts.append(_indented(la))
    parts += [worker_elements(workers, structure), f"\n</{ROOT_ELEMENT}>\n"]
    return "".join(parts).encode("utf-8")


def invalid_against_schema(document: bytes, structure: Structure) -> str | None:
    """Why ``document`` is not a valid return of ``structure`` (the first problem, with
    its line), or None when it is valid."""
    try:
        tree = etree.fromstring(document, _safe_parser()).getroottree()
    except etree.XMLSyntaxError as error:
        return f"not well-formed XML: {error}"
    schema = schema_for(structure)
    if schema.validate(tree):
        return None
    first = schema.error_log[0]
    return f"line {first.line}: {first.message}"
