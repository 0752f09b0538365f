"""Checking a census return read from a file (``shared/spec/csww.md`` "Reading a return"):
findings, quarantine, and the kept workers as a typed frame.

Grain of the inputs (the reader's, ``workforce.census.xml_io``): one row per item element
(``worker`` = the worker's number in file order from 1, ``item`` = element name, ``text``
= its text as written); the header and LA-level items likewise without ``worker``.

Grain of the outputs: ``findings``, one row per (worker or whole-file item, rule broken)
in ``transforms.schema.REPORT_FINDINGS_SCHEMA`` with extract ``census``, the worker number
as ``row`` and the item as ``column``; ``workers``, one row per kept worker in
``transforms.census.RETURN_WORKER_SCHEMA``.

A worker is quarantined when ``AgencyWorker`` or ``SWENo`` is missing or invalid, or an
item the indicators use is malformed or out of range; any other problem is a warning.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from transforms.census import (
    AGENCY,
    COLLECTION,
    EMPLOYED,
    LA_ELEMENTS,
    LA_ITEMS,
    LA_ITEMS_BY_NAME,
    LEA_PATTERN,
    RETURN_WORKER_SCHEMA,
    SOURCE_LEVEL,
    STRUCTURE_LABELS,
    WORKER_ITEMS,
    WORKER_ITEMS_BY_NAME,
    WORKER_NUMBER,
    CensusItem,
    LaLevelItems,
    Structure,
    reference_date,
)
from transforms.findings import combine_findings
from transforms.rules import DECIMAL_REGEX, ISO_DATE_REGEX, overlapping_rows
from transforms.schema import (
    FINDINGS_SCHEMA,
    SOURCE_ROW,
    SWE_NUMBER_PATTERN,
    empty_findings,
    findings_report,
)

CENSUS_EXTRACT = "census"
ERROR, WARNING = "error", "warning"
INTEGER_REGEX = r"^[+-]?[0-9]+$"
ITEM_COLUMNS: dict[str, pl.DataType] = {
    WORKER_NUMBER: pl.Int64(),
    "item": pl.String(),
    "text": pl.String(),
}
# A period without a start (agency workers carry none) clashes with any other period.
_EARLIEST = dt.date(1, 1, 1)


@dataclass(frozen=True)
class CheckedReturn:
    workers: pl.DataFrame  # kept workers, RETURN_WORKER_SCHEMA
    la_level: LaLevelItems  # well-formed LA-level items (a bad one is None)
    findings: pl.DataFrame  # REPORT_FINDINGS_SCHEMA, sorted
    workers_read: int
    workers_quarantined: int


def _trimmed(items: pl.DataFrame) -> pl.DataFrame:
    """Item text trimmed; an element that is empty after trimming is a missing value."""
    return items.with_columns(pl.col("text").str.strip_chars().replace("", None))


def _findings(
    frame: pl.DataFrame,
    *,
    row: pl.Expr,
    column: pl.Expr | str,
    rule: str,
    severity: str | pl.Expr,
    value: pl.Expr,
    message: pl.Expr,
    record_key: pl.Expr,
) -> pl.DataFrame:
    # with_columns, then select: a select of literals alone would give one row even for
    # an empty frame.
    columns = [
        pl.lit(CENSUS_EXTRACT).alias("extract"),
        row.cast(pl.Int64).alias("row"),
        (pl.lit(column) if isinstance(column, str) else column).alias("column"),
        pl.lit(rule).alias("rule"),
        (pl.lit(severity) if isinstance(severity, str) else severity).alias("severity"),
        value.cast(pl.String).alias("value"),
        message.alias("message"),
        record_key.alias("record_key"),
        pl.lit(True).alias("current"),
    ]
    return frame.with_columns(columns).select(column.meta.output_name() for column in columns)


def _severity(item: CensusItem) -> str:
    return ERROR if item.quarantines else WARNING


def _expected(item: CensusItem) -> str:
    """What a well-formed value of ``item`` looks like, in words."""
    if item.kind == "code":
        return f"one of {', '.join(item.codes)}"
    if item.kind == "swe_number":
        return "two letters then 1 to 10 digits (e.g. SW123456)"
    if item.kind == "date":
        return "a real date written YYYY-MM-DD"
    if item.kind == "integer":
        return "a whole number" + (" of 0 or more" if item.minimum == 0 else "")
    if item.kind == "decimal":
        bounds = (
            f" from {item.minimum:g} to {item.maximum:g}"
            if item.minimum is not None and item.maximum is not None
            else (" of 0 or more" if item.minimum == 0 else "")
        )
        places = f" with at most {item.places} decimal places" if item.places else ""
        return f"a decimal number{bounds}{places}"
    return "text"


def _decimal_places(text: pl.Expr) -> pl.Expr:
    """Significant decimal places of a plain decimal ("1.50" has 1)."""
    fraction = text.str.extract(r"\.([0-9]*)$", 1).fill_null("")
    return fraction.str.strip_chars_end("0").str.len_chars()


def parsed(item: CensusItem, text: pl.Expr) -> pl.Expr:
    """The typed value of a well-formed ``text`` of ``item`` (null when malformed)."""
    if item.kind == "decimal":
        return (
            pl.when(text.str.contains(DECIMAL_REGEX))
            .then(text.cast(pl.Float64, strict=False))
            .otherwise(None)
        )
    if item.kind == "integer":
        return (
            pl.when(text.str.contains(INTEGER_REGEX))
            .then(text.cast(pl.Int64, strict=False))
            .otherwise(None)
        )
    if item.kind == "date":
        return iso_date(text)
    return text


def iso_date(text: pl.Expr) -> pl.Expr:
    """The date ``text`` writes, null unless it is a real ``YYYY-MM-DD`` date."""
    return (
        pl.when(text.str.contains(ISO_DATE_REGEX))
        .then(text.str.to_date("%Y-%m-%d", strict=False))
        .otherwise(None)
    )


def _problems(item: CensusItem, text: pl.Expr) -> list[tuple[str, pl.Expr]]:
    """(rule, broken) pairs for one item's text, first that applies only."""
    present = text.is_not_null()
    if item.kind == "code":
        return [("code_list", present & ~text.is_in(item.codes))]
    if item.kind == "swe_number":
        return [("swe_number_format", present & ~text.str.contains(SWE_NUMBER_PATTERN))]
    if item.kind == "date":
        return [("date_format", present & ~text.str.contains(ISO_DATE_REGEX))]
    if item.kind == "text":
        return []
    pattern = DECIMAL_REGEX if item.kind == "decimal" else INTEGER_REGEX
    value = parsed(item, text)
    malformed = present & ~text.str.contains(pattern)
    range_rule = "fte_range" if item.maximum == 1 else "value_range"
    out_of_range = present & ~malformed & value.is_null()  # too large to read
    if item.minimum is not None:
        out_of_range = out_of_range | (value < item.minimum).fill_null(False)
    if item.maximum is not None:
        out_of_range = out_of_range | (value > item.maximum).fill_null(False)
    problems = [("number_format", malformed)]
    if item.places is not None:
        problems.append(
            ("decimal_places", present & ~malformed & (_decimal_places(text) > item.places))
        )
    problems.append((range_rule, present & ~malformed & out_of_range))
    return problems


def _item_findings(
    frame: pl.DataFrame,
    item: CensusItem,
    text: pl.Expr,
    *,
    row: pl.Expr,
    who: pl.Expr,
    where: str,
) -> list[pl.DataFrame]:
    """Findings of one item's value in each row of ``frame`` (one value per row)."""
    found = []
    seen = pl.lit(False)
    for rule, broken in _problems(item, text):
        first = broken & ~seen
        seen = seen | broken
        found.append(
            _findings(
                frame.filter(first),
                row=row,
                column=item.name,
                rule=rule,
                severity=_severity(item),
                value=text,
                message=pl.format(
                    "{}: {} ({}) must be {}; got {}",
                    who,
                    pl.lit(item.name),
                    pl.lit(item.description),
                    pl.lit(_expected(item)),
                    text,
                ),
                record_key=who,
            )
        )
    if item.required:
        found.append(
            _findings(
                frame.filter(text.is_null()),
                row=row,
                column=item.name,
                rule="missing_item",
                severity=_severity(item),
                value=pl.lit(None, dtype=pl.String),
                message=pl.format(
                    "{}: {} ({}) is required {}",
                    who,
                    pl.lit(item.name),
                    pl.lit(item.description),
                    pl.lit(where),
                ),
                record_key=who,
            )
        )
    return found


def _worker_label() -> pl.Expr:
    swe = pl.col("SWENo").fill_null("no SWENo")
    return pl.format("Worker {} ({})", pl.col(WORKER_NUMBER), swe)


def _wide(items: pl.DataFrame, worker_count: int) -> pl.DataFrame:
    """One row per worker in file order, one text column per item (its first value; the
    repeatable ``ReasonAbsence`` as a list)."""
    known = items.filter(pl.col("item").is_in([item.name for item in WORKER_ITEMS]))
    texts = known.group_by(WORKER_NUMBER).agg(
        [
            (
                pl.col("text").filter(pl.col("item") == item.name).drop_nulls()
                if item.repeatable
                else pl.col("text").filter(pl.col("item") == item.name).first()
            ).alias(item.name)
            for item in WORKER_ITEMS
        ]
    )
    workers = pl.DataFrame(
        {WORKER_NUMBER: pl.int_range(1, worker_count + 1, eager=True)},
        schema={WORKER_NUMBER: pl.Int64()},
    )
    return workers.join(texts, on=WORKER_NUMBER, how="left")


def _structure_findings(items: pl.DataFrame, structure: Structure) -> list[pl.DataFrame]:
    """Items no structure has, items of another year's structure, repeated items."""
    by_name = {item.name: item for item in WORKER_ITEMS}
    label = STRUCTURE_LABELS[structure]
    other_year = [item.name for item in WORKER_ITEMS if structure not in item.structures]
    who = pl.format("Worker {}", pl.col(WORKER_NUMBER))
    counts = (
        items.group_by(WORKER_NUMBER, "item")
        .agg(pl.len().alias("__n"), pl.col("text").drop_nulls().str.join(" | "))
        .filter(
            (pl.col("__n") > 1)
            & pl.col("item").is_in([i.name for i in WORKER_ITEMS if not i.repeatable])
        )
    )
    quarantining = [name for name, item in by_name.items() if item.quarantines]
    return [
        _findings(
            items.filter(~pl.col("item").is_in(list(by_name))).unique(
                [WORKER_NUMBER, "item"], keep="first", maintain_order=True
            ),
            row=pl.col(WORKER_NUMBER),
            column=pl.col("item"),
            rule="unknown_item",
            severity=WARNING,
            value=pl.col("text"),
            message=pl.format(
                "{}: {} is not an item of a census worker; it was ignored",
                who,
                pl.col("item"),
            ),
            record_key=who,
        ),
        _findings(
            items.filter(pl.col("item").is_in(other_year)).unique(
                [WORKER_NUMBER, "item"], keep="first", maintain_order=True
            ),
            row=pl.col(WORKER_NUMBER),
            column=pl.col("item"),
            rule="item_not_in_year",
            severity=WARNING,
            value=pl.col("text"),
            message=pl.format(
                "{}: {} is not part of the {} structure; it was read but the DfE's "
                "collection will reject it",
                who,
                pl.col("item"),
                pl.lit(label),
            ),
            record_key=who,
        ),
        _findings(
            counts,
            row=pl.col(WORKER_NUMBER),
            column=pl.col("item"),
            rule="repeated_item",
            severity=pl.when(pl.col("item").is_in(quarantining))
            .then(pl.lit(ERROR))
            .otherwise(pl.lit(WARNING)),
            value=pl.col("text"),
            message=pl.format(
                "{}: {} appears {} times; it may appear once (the first was read)",
                who,
                pl.col("item"),
                pl.col("__n"),
            ),
            record_key=who,
        ),
    ]


def _worker_findings(wide: pl.DataFrame) -> list[pl.DataFrame]:
    who = _worker_label()
    found: list[pl.DataFrame] = []
    labelled = wide.with_columns(who.alias("__who"))
    for item in WORKER_ITEMS:
        if item.repeatable:
            values = labelled.select(WORKER_NUMBER, "__who", pl.col(item.name)).explode(
                item.name, empty_as_null=True
            )
            found += _item_findings(
                values,
                item,
                pl.col(item.name),
                row=pl.col(WORKER_NUMBER),
                who=pl.col("__who"),
                where="for every worker",
            )
        else:
            found += _item_findings(
                labelled,
                item,
                pl.col(item.name),
                row=pl.col(WORKER_NUMBER),
                who=pl.col("__who"),
                where="for every worker",
            )
    start = parsed(WORKER_ITEMS_BY_NAME["RoleStartDate"], pl.col("RoleStartDate"))
    end = parsed(WORKER_ITEMS_BY_NAME["RoleEndDate"], pl.col("RoleEndDate"))
    is_agency = pl.col("AgencyWorker") == str(AGENCY)
    is_employed = pl.col("AgencyWorker") == str(EMPLOYED)
    found.append(
        _findings(
            labelled.filter((end < start).fill_null(False)),
            row=pl.col(WORKER_NUMBER),
            column="RoleEndDate",
            rule="end_before_start",
            severity=ERROR,
            value=pl.col("RoleEndDate"),
            message=pl.format(
                "{}: RoleEndDate {} is before RoleStartDate {}",
                pl.col("__who"),
                pl.col("RoleEndDate"),
                pl.col("RoleStartDate"),
            ),
            record_key=pl.col("__who"),
        )
    )
    found.append(
        _findings(
            labelled.filter(is_agency & pl.col("RoleEndDate").is_not_null()),
            row=pl.col(WORKER_NUMBER),
            column="RoleEndDate",
            rule="agency_leaving_date",
            severity=ERROR,
            value=pl.col("RoleEndDate"),
            message=pl.format(
                "{}: an agency worker (AgencyWorker 1) has a leaving date (RoleEndDate {}); "
                "agency workers are those in post on the reference date and carry no leaving "
                "date",
                pl.col("__who"),
                pl.col("RoleEndDate"),
            ),
            record_key=pl.col("__who"),
        )
    )
    found.append(
        _findings(
            labelled.filter(is_employed & pl.col("RoleStartDate").is_null()),
            row=pl.col(WORKER_NUMBER),
            column="RoleStartDate",
            rule="missing_item",
            severity=WARNING,
            value=pl.lit(None, dtype=pl.String),
            message=pl.format(
                "{}: an employed worker has no RoleStartDate; the indicators count them as "
                "started before the reference date",
                pl.col("__who"),
            ),
            record_key=pl.col("__who"),
        )
    )
    found.append(
        _findings(
            labelled.filter(pl.col("AgencyWorker").is_not_null() & pl.col("FTE").is_null()),
            row=pl.col(WORKER_NUMBER),
            column="FTE",
            rule="missing_item",
            severity=WARNING,
            value=pl.lit(None, dtype=pl.String),
            message=pl.format(
                "{}: no FTE; the indicators count the worker as 0 FTE", pl.col("__who")
            ),
            record_key=pl.col("__who"),
        )
    )
    found.append(_duplicate_swe_numbers(labelled, start, end))
    return found


def _duplicate_swe_numbers(labelled: pl.DataFrame, start: pl.Expr, end: pl.Expr) -> pl.DataFrame:
    """Workers sharing a SWE number (trimmed, upper-cased) whose periods overlap: every one
    of them is quarantined (which record is right cannot be known). A leaver and the same
    person's later return (a rejoiner) do not overlap and are two good records. A period
    runs from RoleStartDate (none: always) to RoleEndDate (none: still in post)."""
    periods = labelled.select(
        pl.col(WORKER_NUMBER).alias(SOURCE_ROW),
        WORKER_NUMBER,
        "__who",
        "SWENo",
        pl.col("SWENo").str.to_uppercase().alias("__swe"),
        start.fill_null(_EARLIEST).alias("__start"),
        end.alias("__end"),
        pl.col("RoleEndDate").alias("__end_text"),
    ).filter(pl.col("SWENo").str.contains(SWE_NUMBER_PATTERN).fill_null(False))
    clashes = overlapping_rows(periods, ["__swe"], "__start", "__end", "__end_text")
    clashing = periods.join(clashes, on=SOURCE_ROW).filter(pl.col("overlap"))
    return _findings(
        clashing,
        row=pl.col(WORKER_NUMBER),
        column="SWENo",
        rule="duplicate_swe_number",
        severity=ERROR,
        value=pl.col("SWENo"),
        message=pl.format(
            "{}: SWE number {} is on workers {} at the same time; one person holds one "
            "record at a time (a leaver who rejoined holds two that do not overlap)",
            pl.col("__who"),
            pl.col("SWENo"),
            pl.col("overlap_rows"),
        ),
        record_key=pl.col("__who"),
    )


def _well_formed(item: CensusItem, text: pl.Expr) -> pl.Expr:
    """The typed value of ``text`` when it breaks no rule of ``item``, else null."""
    broken = pl.lit(False)
    for _rule, problem in _problems(item, text):
        broken = broken | problem
    return pl.when(~broken).then(parsed(item, text))


def _typed_workers(wide: pl.DataFrame) -> pl.DataFrame:
    """Workers in ``RETURN_WORKER_SCHEMA``: each item's value when well-formed, else null
    (a code as its number, a SWE number upper-cased)."""
    columns: list[pl.Expr] = [pl.col(WORKER_NUMBER)]
    for item in WORKER_ITEMS:
        if item.column is None:
            continue
        dtype = RETURN_WORKER_SCHEMA[item.column]
        text = pl.col(item.name)
        if item.repeatable:
            codes = text.list.eval(pl.element().filter(pl.element().is_in(item.codes)))
            value: pl.Expr = pl.when(codes.list.len() > 0).then(codes)
        elif item.kind == "swe_number":
            value = _well_formed(item, text).str.to_uppercase()
        else:
            value = _well_formed(item, text)
        columns.append(value.cast(dtype).alias(item.column))
    return wide.select(columns).select(list(RETURN_WORKER_SCHEMA))


def _la_level(
    la_items: pl.DataFrame, structure: Structure, la_element: str | None
) -> tuple[LaLevelItems, list[pl.DataFrame]]:
    """The LA-level items and their findings (whole-file items: no row). A malformed
    vacancy item is an error and is left out of the indicators; it quarantines no worker."""
    names = [item.name for item in LA_ITEMS]
    expected = LA_ELEMENTS[structure]
    label = STRUCTURE_LABELS[structure]
    firsts = la_items.filter(pl.col("item").is_in(names)).unique(
        "item", keep="first", maintain_order=True
    )
    written = dict(zip(firsts["item"].to_list(), firsts["text"].to_list(), strict=True))
    wide = pl.DataFrame(
        {name: [written.get(name)] for name in names}, schema={name: pl.String() for name in names}
    )
    who = pl.lit(expected)
    none = pl.lit(None, dtype=pl.Int64)
    found: list[pl.DataFrame] = []
    if la_element is None and structure == "2025":
        found.append(
            _whole_file_finding(
                expected,
                "missing_item",
                WARNING,
                None,
                f"The return has no {expected} element: the {label} structure requires it, "
                "with the vacancy items and the pay items",
            )
        )
    for item in LA_ITEMS:
        if structure in item.structures and la_element is not None:
            found += [
                part.with_columns(pl.lit(ERROR if item.indicator else WARNING).alias("severity"))
                for part in _item_findings(
                    wide, item, pl.col(item.name), row=none, who=who,
                    where=f"in the {label} structure",
                )
            ]  # fmt: skip
    found.append(
        _findings(
            la_items.filter(~pl.col("item").is_in(names)),
            row=none,
            column=pl.col("item"),
            rule="unknown_item",
            severity=WARNING,
            value=pl.col("text"),
            message=pl.format(
                "{}: {} is not an LA-level item; it was ignored", who, pl.col("item")
            ),
            record_key=who,
        )
    )
    if la_element is not None and la_element != expected:
        found.append(
            _whole_file_finding(
                la_element,
                "item_not_in_year",
                WARNING,
                la_element,
                f"The LA-level element is named {la_element}; the {label} structure names it "
                f"{expected} (its items were read anyway)",
            )
        )
    values = wide.select(
        _well_formed(LA_ITEMS_BY_NAME[name], pl.col(name)).alias(name)
        for name in ("NumberOfVacancies", "NoAgencyFTE", "NoAgencyHeadcount")
    ).row(0, named=True)
    headcount = values["NoAgencyHeadcount"]
    return (
        LaLevelItems(
            number_of_vacancies=values["NumberOfVacancies"],
            no_agency_fte=values["NoAgencyFTE"],
            no_agency_headcount=None if headcount is None else int(headcount),
        ),
        found,
    )


def _whole_file_finding(
    column: str | None, rule: str, severity: str, value: str | None, message: str
) -> pl.DataFrame:
    return findings_report(
        pl.DataFrame(
            [(CENSUS_EXTRACT, None, column, rule, severity, value, message)],
            schema=FINDINGS_SCHEMA,
            orient="row",
        )
    )


def header_findings(header: dict[str, str | None], year: int) -> list[pl.DataFrame]:
    """Warnings about the header: a census return of another collection or level, an LEA
    that is not a 3-digit code, a reference date other than 30 September of its year."""
    found: list[pl.DataFrame] = []
    if not any(value is not None for value in header.values()):
        return [
            _whole_file_finding(
                "Header",
                "missing_item",
                WARNING,
                None,
                "The return has no Header (collection, year, reference date, LA): the DfE's "
                "collection needs one",
            )
        ]
    checks: Sequence[tuple[str, bool, str]] = (
        ("Collection", header.get("Collection") == COLLECTION, f"must be {COLLECTION}"),
        ("SourceLevel", header.get("SourceLevel") == SOURCE_LEVEL, f"must be {SOURCE_LEVEL}"),
        (
            "LEA",
            pl.select(pl.lit(header.get("LEA") or "").str.contains(LEA_PATTERN)).item(),
            "must be the 3-digit old local-authority code (e.g. 380)",
        ),
    )
    for name, good, expected in checks:
        if not good:
            found.append(
                _whole_file_finding(
                    name,
                    "code_list" if header.get(name) is not None else "missing_item",
                    WARNING,
                    header.get(name),
                    f"Header {name} {expected}; got {header.get(name) or 'nothing'}",
                )
            )
    written = header.get("ReferenceDate")
    expected_date = reference_date(year).isoformat()
    if written is not None and written != expected_date:
        found.append(
            _whole_file_finding(
                "ReferenceDate",
                "reference_date",
                WARNING,
                written,
                f"Header ReferenceDate {written} is not 30 September of census year {year} "
                f"({expected_date})",
            )
        )
    return found


def check_return(
    worker_items: pl.DataFrame,
    worker_count: int,
    la_items: pl.DataFrame,
    la_element: str | None,
    structure: Structure,
    extra_findings: Sequence[pl.DataFrame] = (),
) -> CheckedReturn:
    """Findings for every worker and LA-level item, and the kept workers typed.
    ``extra_findings`` (header, schema) join the report; they quarantine no worker."""
    items = _trimmed(worker_items.select(list(ITEM_COLUMNS)).cast(ITEM_COLUMNS))  # type: ignore[arg-type]
    wide = _wide(items, worker_count)
    la_level, la_findings = _la_level(
        _trimmed(la_items.select("item", "text").cast(pl.String)), structure, la_element
    )
    worker_findings = combine_findings(
        [*_structure_findings(items, structure), *_worker_findings(wide)]
    )
    quarantined = (
        worker_findings.filter(pl.col("severity") == ERROR)
        .select(pl.col("row").alias(WORKER_NUMBER))
        .unique()
    )
    kept = _typed_workers(wide.join(quarantined, on=WORKER_NUMBER, how="anti"))
    findings = combine_findings([worker_findings, *la_findings, *extra_findings])
    return CheckedReturn(
        workers=kept,
        la_level=la_level,
        findings=findings if findings.height else empty_findings(),
        workers_read=worker_count,
        workers_quarantined=quarantined.height,
    )


def schema_findings(errors: pl.DataFrame, findings: pl.DataFrame) -> pl.DataFrame:
    """Warnings for what the year's XML Schema rejects and no other finding already says
    (element order, elements of another structure...): ``errors`` has ``worker`` (null
    for the whole file), ``item`` (null when the error is about the worker element) and
    ``message``. An error without an item is dropped when its worker (or, outside any
    worker, the file) already has a finding."""
    said = findings.select(pl.col("row").alias(WORKER_NUMBER), pl.col("column").alias("item"))
    said_workers = said.select(WORKER_NUMBER).unique()
    new = (
        errors.join(said, on=[WORKER_NUMBER, "item"], how="anti", nulls_equal=True)
        .join(
            said_workers.with_columns(pl.lit(True).alias("__said")),
            on=WORKER_NUMBER,
            how="left",
            nulls_equal=True,
        )
        .filter(~(pl.col("item").is_null() & pl.col("__said").fill_null(False)))
        .unique(maintain_order=True)
    )
    who = (
        pl.when(pl.col(WORKER_NUMBER).is_null())
        .then(pl.lit("The return"))
        .otherwise(pl.format("Worker {}", pl.col(WORKER_NUMBER)))
    )
    return _findings(
        new,
        row=pl.col(WORKER_NUMBER),
        column=pl.col("item"),
        rule="schema",
        severity=WARNING,
        value=pl.lit(None, dtype=pl.String),
        message=pl.format("{}: does not match the year's XML Schema: {}", who, pl.col("message")),
        record_key=who,
    )


def reference_date_of(
    as_of: dt.date | None, header: dict[str, str | None], year: int
) -> tuple[dt.date, pl.DataFrame]:
    """R: ``--as-of`` when given, else the header's ReferenceDate, else 30 September of its
    Year; with a warning when the ReferenceDate cannot be read."""
    if as_of is not None:
        return as_of, empty_findings()
    written = header.get("ReferenceDate")
    if written is not None:
        day = pl.select(iso_date(pl.lit(written))).item()
        if isinstance(day, dt.date):
            return day, empty_findings()
        return reference_date(year), _whole_file_finding(
            "ReferenceDate",
            "date_format",
            WARNING,
            written,
            f"Header ReferenceDate must be a real date written YYYY-MM-DD; got {written} "
            f"(30 September {year} was used)",
        )
    return reference_date(year), empty_findings()
