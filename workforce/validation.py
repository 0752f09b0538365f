"""Validating a drop with Great Expectations: findings, quarantine, clean extracts.

Grain:
- ``findings``: one row per (source row, rule, column) broken, plus one row per ignored
  column and per finding about the whole drop (``REPORT_FINDINGS_SCHEMA``);
- each clean extract: one row per source row that broke no error rule and is not held
  back (typed frame of ``transforms.schema.clean_schema``);
- ``summaries``: one row per extract supplied.

Each extract's suite is ``expectations/<extract>.json`` (generated from the rules by
``python -m workforce.suites``). Polars computes one boolean flag column per rule
(``transforms.rules``: the clashes across rows once over the key columns, then patterns,
code lists, exact ranges in chunks of ``CHECK_CHUNK_ROWS`` rows); GX is handed
``source_row`` and the flags only, in chunks of ``GX_CHUNK_ROWS`` rows, and checks each
flag with one expectation. Every expectation's
``meta`` names the rule id, the column reported, the severity and the message, and every
finding comes from GX's unexpected index list (row numbers as in the file).
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

import polars as pl

from transforms.findings import (
    combine_findings,
    record_details,
    shown_text,
    with_record_details,
)
from transforms.rules import (
    CELL_MESSAGES,
    ERROR,
    WARNING,
    Severity,
    cell_broken,
    clean_frame,
    cross_row_columns,
    flag_frame,
    message_columns,
    message_expr,
)
from transforms.schema import (
    EXTRACT_COLUMNS,
    EXTRACT_NAMES,
    FINDINGS_SCHEMA,
    REQUIRED_EXTRACTS,
    SOURCE_ROW,
    ExtractName,
    Extracts,
    empty_findings,
)
from workforce.errors import RunFailure
from workforce.extract_io import Drop, RawExtract
from workforce.suites import suite_path

if TYPE_CHECKING:
    import pandas as pd
    from great_expectations.core.batch_definition import BatchDefinition
    from great_expectations.core.expectation_validation_result import (
        ExpectationValidationResult,
    )

SEVERITIES: frozenset[str] = frozenset({ERROR, WARNING})
# Rows checked by polars (helper columns, flags) and handed to GX at a time: the memory
# of both is bounded by the chunk, not the extract.
CHECK_CHUNK_ROWS = 500_000
GX_CHUNK_ROWS = 1_000_000
# A caseloads extract in which more than this share of the allocations (with a worker_id)
# name a worker found in neither staff nor agency is refused as unreadable: its columns
# are almost surely swapped (child_ref read as worker_id), and reporting each allocation
# would publish child references as worker ids.
MAX_UNKNOWN_WORKER_SHARE = 0.5


@dataclass(frozen=True)
class ExtractSummary:
    extract: str
    rows_read: int
    rows_quarantined: int
    warnings: int
    # rows left out of the figures by a warning, not quarantined (absence of an employee
    # whose staff rows were all quarantined): read = kept + quarantined + held back
    rows_held_back: int = 0


@dataclass(frozen=True)
class ValidationResult:
    extracts: Extracts  # clean typed frames; optional extracts None when not supplied
    findings: pl.DataFrame  # REPORT_FINDINGS_SCHEMA, sorted with sort_findings
    summaries: tuple[ExtractSummary, ...]

    @property
    def rows_read(self) -> dict[str, int]:
        """Data rows read, per extract supplied."""
        return {summary.extract: summary.rows_read for summary in self.summaries}


class QuarantineLimitExceeded(RunFailure):
    """Too many rows of an extract were quarantined. Carries the full result so the
    caller can still show the findings."""

    def __init__(self, message: str, result: ValidationResult) -> None:
        super().__init__(message)
        self.result = result


@dataclass(frozen=True)
class FindingSpec:
    """What an expectation's ``meta`` says about the findings it produces."""

    rule: str
    column: str | None  # None: a cell rule, reported on each of ``cells`` that breaks it
    severity: Severity
    message: str
    cells: tuple[str, ...] = ()
    holds_back: bool = False

    @classmethod
    def from_meta(cls, extract: str, meta: dict[str, Any]) -> FindingSpec:
        try:
            column = meta["column"]
            spec = cls(
                rule=str(meta["rule"]),
                column=None if column is None else str(column),
                severity=meta["severity"],
                message=str(meta["message"]),
                cells=tuple(meta.get("cells", ())),
                holds_back=bool(meta.get("holds_back", False)),
            )
        except KeyError as missing:
            raise ValueError(
                f"expectations/{extract}.json: an expectation's meta lacks {missing}"
            ) from None
        if spec.severity not in SEVERITIES:
            raise ValueError(f"expectations/{extract}.json: unknown severity {spec.severity!r}")
        if (spec.column is None) == (not spec.cells):
            raise ValueError(
                f"expectations/{extract}.json: {spec.rule} needs either a column or cells"
            )
        return spec


@cache
def _suite_text(extract: ExtractName) -> str:
    return suite_path(extract).read_text(encoding="utf-8")


def load_suite(extract: ExtractName) -> dict[str, Any]:
    """The GX suite of ``extract`` as its JSON dict (a fresh copy)."""
    suite: dict[str, Any] = json.loads(_suite_text(extract))
    return suite


class _SuiteRunner:
    """One ephemeral GX context: a pandas data source with one asset per extract. Built
    once per process (GX takes seconds to import and a context to set up)."""

    def __init__(self) -> None:
        # Imported here: great_expectations takes seconds to import.
        import great_expectations as gx
        from great_expectations.data_context.types.base import (
            DataContextConfig,
            InMemoryStoreBackendDefaults,
            ProgressBarsConfig,
        )

        self._gx = gx
        config = DataContextConfig(
            analytics_enabled=False,
            progress_bars=ProgressBarsConfig(globally=False, metric_calculations=False),
            store_backend_defaults=InMemoryStoreBackendDefaults(),
        )
        context = gx.get_context(mode="ephemeral", project_config=config)
        self._source = context.data_sources.add_pandas("extracts")
        self._definitions: dict[ExtractName, BatchDefinition[Any]] = {}
        self._lock = threading.Lock()

    def _definition(self, extract: ExtractName) -> BatchDefinition[Any]:
        with self._lock:
            if extract not in self._definitions:
                asset = self._source.add_dataframe_asset(extract)
                self._definitions[extract] = asset.add_batch_definition_whole_dataframe(extract)
            return self._definitions[extract]

    def _validate(
        self,
        extract: ExtractName,
        chunk: pd.DataFrame,
        expectations: list[dict[str, Any]],
        result_format: dict[str, Any],
    ) -> list[ExpectationValidationResult]:
        """The results of ``expectations`` (type and kwargs) on ``chunk``, in their order."""
        from great_expectations.validator.v1_validator import Validator

        suite = self._gx.ExpectationSuite(name=extract, expectations=expectations)
        # One Validator fetches the batch once (Batch.validate would fetch it again).
        results = (
            Validator(
                batch_definition=self._definition(extract),
                batch_parameters={"dataframe": chunk},
                result_format=result_format,
            )
            .validate_expectation_suite(suite)
            .results
        )
        if len(results) != len(expectations):
            raise RuntimeError(
                f"expectations/{extract}.json: GX ran {len(results)} of {len(expectations)}"
            )
        for expectation, result in zip(expectations, results, strict=True):
            config = result.expectation_config
            if config is None or config.kwargs["column"] != expectation["kwargs"]["column"]:
                raise RuntimeError(f"expectations/{extract}.json: GX lost an expectation")
            if result.exception_info.get("raised_exception"):
                raise RuntimeError(
                    f"expectations/{extract}.json: {config.type} on {config.kwargs} failed "
                    f"to run: {result.exception_info['exception_message']}"
                )
        return results

    def unexpected_rows(
        self, extract: ExtractName, flags: pl.DataFrame
    ) -> list[tuple[FindingSpec, pl.Series]]:
        """For each expectation of the suite, its finding spec and the source rows that
        broke it. ``flags`` holds ``source_row`` and the suite's flag columns; it is
        handed to GX in chunks of ``GX_CHUNK_ROWS`` rows.

        Each chunk is validated twice: the whole suite for success only (GX's bookkeeping
        for the list of unexpected rows costs twice that of the check itself), then the
        expectations that failed for their unexpected rows."""
        suite_dict = load_suite(extract)
        specs = [
            FindingSpec.from_meta(extract, expectation.get("meta") or {})
            for expectation in suite_dict["expectations"]
        ]
        # GX rebuilds each expectation's configuration dozens of times per run, meta
        # included: it is handed the checks alone; the meta is read here, by position.
        checks_only = [
            {"type": expectation["type"], "kwargs": expectation["kwargs"]}
            for expectation in suite_dict["expectations"]
        ]
        rows: list[list[pl.Series]] = [[] for _ in specs]
        for offset in range(0, max(flags.height, 1), GX_CHUNK_ROWS):
            chunk = flags.slice(offset, GX_CHUNK_ROWS).to_pandas()
            outcomes = self._validate(
                extract, chunk, checks_only, {"result_format": "BOOLEAN_ONLY"}
            )
            failed = [index for index, result in enumerate(outcomes) if not result.success]
            if not failed:
                continue
            located = self._validate(
                extract,
                chunk,
                [checks_only[index] for index in failed],
                {
                    "result_format": "COMPLETE",
                    "unexpected_index_column_names": [SOURCE_ROW],
                    "return_unexpected_index_query": False,
                },
            )
            for index, result in zip(failed, located, strict=True):
                unexpected = result.result.get("unexpected_index_list") or []
                rows[index].append(
                    pl.from_dicts(unexpected, schema={SOURCE_ROW: pl.Int64}).get_column(SOURCE_ROW)
                )
        return [
            (spec, pl.concat(parts) if parts else pl.Series(SOURCE_ROW, [], pl.Int64))
            for spec, parts in zip(specs, rows, strict=True)
        ]


@cache
def _runner() -> _SuiteRunner:
    return _SuiteRunner()


def _raw_columns(extract: ExtractName) -> set[str]:
    return {spec.name for spec in EXTRACT_COLUMNS[extract]}


def _findings_of(
    extract: ExtractName, checks: pl.DataFrame, spec: FindingSpec, rows: pl.Series
) -> pl.DataFrame:
    """One finding per source row in ``rows`` (per offending cell for a cell rule), its
    value the text of the column as it appeared (``shown_text``)."""
    if rows.is_empty():
        return empty_findings()
    hit_rows = pl.DataFrame({SOURCE_ROW: rows.unique().sort()})
    if spec.column is None:
        return _cell_findings(extract, checks, spec, hit_rows)
    raw = _raw_columns(extract)
    needed = list(
        dict.fromkeys(
            [SOURCE_ROW, spec.column, *(c for c in message_columns(spec.message) if c != "value")]
        )
    )
    hits = hit_rows.join(checks.select(needed), on=SOURCE_ROW, how="left").with_columns(
        shown_text(pl.col(name)).alias(name) for name in needed if name in raw
    )
    return hits.with_columns(pl.col(spec.column).cast(pl.String).alias("value")).select(
        pl.lit(extract, pl.String).alias("extract"),
        pl.col(SOURCE_ROW).alias("row"),
        pl.lit(spec.column, pl.String).alias("column"),
        pl.lit(spec.rule, pl.String).alias("rule"),
        pl.lit(spec.severity, pl.String).alias("severity"),
        pl.col("value"),
        message_expr(spec.message).alias("message"),
    )


def _cell_findings(
    extract: ExtractName, checks: pl.DataFrame, spec: FindingSpec, hit_rows: pl.DataFrame
) -> pl.DataFrame:
    """The findings of a cell rule: one per cell of the rows GX reported that breaks it,
    in column order."""
    hits = hit_rows.join(checks.select(SOURCE_ROW, *spec.cells), on=SOURCE_ROW, how="left")
    parts = [
        hits.filter(cell_broken(spec.rule, column).fill_null(False))
        .with_columns(
            shown_text(pl.col(column)).alias("value"),
            pl.col(column).str.len_chars().alias("length"),
        )
        .select(
            pl.lit(extract, pl.String).alias("extract"),
            pl.col(SOURCE_ROW).alias("row"),
            pl.lit(column, pl.String).alias("column"),
            pl.lit(spec.rule, pl.String).alias("rule"),
            pl.lit(spec.severity, pl.String).alias("severity"),
            pl.col("value"),
            message_expr(CELL_MESSAGES[spec.rule].replace("{column}", column)).alias("message"),
        )
        for column in spec.cells
    ]
    return pl.concat(parts, how="vertical")


def _ignored_column_findings(raw: RawExtract) -> pl.DataFrame:
    columns = list(raw.ignored_columns)
    return pl.DataFrame(
        {
            "extract": [raw.name] * len(columns),
            "row": [None] * len(columns),
            "column": columns,
            "rule": ["ignored_column"] * len(columns),
            "severity": [WARNING] * len(columns),
            "value": [None] * len(columns),
            "message": [
                f"column {column!r} is not part of the {raw.name} extract and was ignored"
                for column in columns
            ],
        },
        schema=FINDINGS_SCHEMA,
    )


def _known_workers(drop: Drop) -> pl.Series:
    """Every worker id of the staff (``employee_id``) and agency (``worker_id``) extracts
    as read, quarantined rows included."""
    ids = [
        drop.extracts[name].frame.get_column(column)
        for name, column in (("staff", "employee_id"), ("agency", "worker_id"))
        if name in drop.extracts
    ]
    return pl.concat(ids).drop_nulls().unique() if ids else pl.Series([], dtype=pl.String)


def _refuse_swapped_caseloads(raw: RawExtract, known_workers: pl.Series) -> None:
    """``RunFailure`` when most allocations name no known worker (see
    ``MAX_UNKNOWN_WORKER_SHARE``). The message names counts, never a value."""
    named = raw.frame.get_column("worker_id").drop_nulls()
    unknown = int((~named.is_in(known_workers.implode())).sum())
    if named.len() and unknown / named.len() > MAX_UNKNOWN_WORKER_SHARE:
        raise RunFailure(
            f"{raw.path.name}: {unknown:,} of {named.len():,} allocations name a worker_id "
            "found in neither the staff nor the agency extract, so the file cannot be read "
            "as caseloads: its columns are probably swapped (child_ref and worker_id?); "
            "check its header and send it again"
        )


def _withhold_private_values(
    findings: pl.DataFrame, caseloads: pl.DataFrame, known_workers: pl.Series
) -> pl.DataFrame:
    """Caseloads findings never show a child reference, and show the worker_id only on a
    row whose worker_id is a known worker's (an unknown one may be a misplaced child
    reference)."""
    worker_findings = findings.filter(pl.col("column") == "worker_id").get_column("row")
    known_rows = (
        caseloads.select(SOURCE_ROW, "worker_id")
        .filter(
            pl.col(SOURCE_ROW).is_in(worker_findings.implode())
            & pl.col("worker_id").is_in(known_workers.implode())
        )
        .get_column(SOURCE_ROW)
    )
    column = pl.col("column")
    private = (column == "child_ref") | (
        (column == "worker_id") & ~pl.col("row").is_in(known_rows.implode())
    )
    return findings.with_columns(
        pl.when(private.fill_null(False)).then(None).otherwise(pl.col("value")).alias("value")
    )


def _percent(share: float) -> str:
    return f"{share * 100:g}%"


def _limit_message(
    raw: RawExtract, summary: ExtractSummary, findings: pl.DataFrame, limit: float
) -> str:
    by_rule = (
        findings.filter((pl.col("extract") == raw.name) & (pl.col("severity") == ERROR))
        .group_by("rule")
        .agg(pl.col("row").n_unique().alias("rows"))
        .sort(["rows", "rule"], descending=[True, False])
        .head(3)
    )
    rules = ", ".join(f"{rule} ({rows} rows)" for rule, rows in by_rule.iter_rows())
    share = summary.rows_quarantined / summary.rows_read
    return (
        f"{raw.path.name}: {summary.rows_quarantined} of {summary.rows_read} rows "
        f"({share:.1%}) failed validation, more than the {_percent(limit)} allowed; "
        f"see the data-quality findings, mostly {rules}"
    )


def _row_set(findings: pl.DataFrame, keep: pl.Expr) -> pl.DataFrame:
    return (
        findings.filter(keep & pl.col("row").is_not_null())
        .select(pl.col("row").alias(SOURCE_ROW))
        .unique()
    )


def _clean_in_chunks(name: ExtractName, raw: pl.DataFrame, left_out: pl.Series) -> pl.DataFrame:
    """The clean frame of the rows of ``raw`` not in ``left_out``, typed chunk by chunk
    (``CHECK_CHUNK_ROWS``) so the parsing's working memory is a chunk's."""
    parts = []
    for offset in range(0, max(raw.height, 1), CHECK_CHUNK_ROWS):
        kept = raw.slice(offset, CHECK_CHUNK_ROWS).lazy()
        if left_out.len():  # without a filter, text columns are shared, not copied
            kept = kept.filter(~pl.col(SOURCE_ROW).is_in(left_out.implode()))
        parts.append(clean_frame(name, kept))
    return pl.concat(parts, how="vertical")


def validate_drop(drop: Drop, as_of: dt.date, max_quarantine_share: float) -> ValidationResult:
    """Check every extract of ``drop`` against its suite as of ``as_of``; quarantine rows
    that break an error rule. ``RunFailure`` when a caseloads extract names mostly unknown
    workers (its columns are swapped), ``QuarantineLimitExceeded`` when an extract's
    quarantined share is above ``max_quarantine_share``."""
    for required in REQUIRED_EXTRACTS:
        if required not in drop.extracts:
            raise RunFailure(f"{drop.path}: required extract {required} is missing")
    known_workers = _known_workers(drop)
    if "caseloads" in drop.extracts:
        _refuse_swapped_caseloads(drop.extracts["caseloads"], known_workers)
    runner = _runner()
    all_findings: list[pl.DataFrame] = []
    clean: dict[ExtractName, pl.DataFrame] = {}
    summaries: list[ExtractSummary] = []
    valid_employee_ids: pl.Series | None = None
    staff_employee_ids = drop.extracts["staff"].frame.get_column("employee_id").drop_nulls()
    # staff comes before absence: absence rows must match a staff row that passed.
    for name in EXTRACT_NAMES:
        raw = drop.extracts.get(name)
        if raw is None:
            continue
        cross = cross_row_columns(
            name,
            raw.frame,
            valid_employee_ids=valid_employee_ids,
            staff_employee_ids=staff_employee_ids,
        )
        checks = raw.frame.hstack(cross.drop(SOURCE_ROW))  # raw text + cross-row columns
        flags = flag_frame(name, checks, as_of=as_of, chunk_rows=CHECK_CHUNK_ROWS)
        outcomes = runner.unexpected_rows(name, flags)
        del flags
        findings = combine_findings(
            [
                raw.findings.with_columns(shown_text(pl.col("value")).alias("value")),
                _ignored_column_findings(raw),
                *(_findings_of(name, checks, spec, rows) for spec, rows in outcomes),
            ]
        )
        if name == "caseloads":
            findings = _withhold_private_values(findings, raw.frame, known_workers)
        found_rows = findings.get_column("row").drop_nulls().unique()
        with_findings = raw.frame.filter(pl.col(SOURCE_ROW).is_in(found_rows.implode()))
        details = record_details(name, with_findings, as_of)
        findings = with_record_details(findings, details)
        quarantined = _row_set(findings, pl.col("severity") == ERROR)
        held_back_rules = [spec.rule for spec, _ in outcomes if spec.holds_back]
        held_back = _row_set(findings, pl.col("rule").is_in(held_back_rules)).join(
            quarantined, on=SOURCE_ROW, how="anti"
        )
        left_out = pl.concat([quarantined, held_back])
        clean[name] = _clean_in_chunks(name, raw.frame, left_out.get_column(SOURCE_ROW))
        if name == "staff":
            valid_employee_ids = clean[name].get_column("employee_id").unique()
        summaries.append(
            ExtractSummary(
                extract=name,
                rows_read=raw.rows_read,
                rows_quarantined=quarantined.height,
                warnings=findings.filter(pl.col("severity") == WARNING).height,
                rows_held_back=held_back.height,
            )
        )
        all_findings.append(findings)
    result = ValidationResult(
        extracts=Extracts(
            staff=clean["staff"],
            agency=clean["agency"],
            caseloads=clean.get("caseloads"),
            establishment=clean.get("establishment"),
            absence=clean.get("absence"),
        ),
        findings=combine_findings(all_findings),
        summaries=tuple(summaries),
    )
    too_many = [
        summary
        for summary in summaries
        if summary.rows_read and summary.rows_quarantined / summary.rows_read > max_quarantine_share
    ]
    if too_many:
        message = "; ".join(
            _limit_message(
                drop.extracts[summary.extract],  # type: ignore[index]
                summary,
                result.findings,
                max_quarantine_share,
            )
            for summary in too_many
        )
        raise QuarantineLimitExceeded(message, result)
    return result
