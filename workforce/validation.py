"""Validating a drop with Great Expectations: findings, quarantine, clean extracts.

Grain:
- ``findings``: one row per (source row, rule) broken, plus one row per ignored column
  and per finding about the whole drop (``FINDINGS_SCHEMA``);
- each clean extract: one row per source row that broke no error rule (typed frame of
  ``transforms.schema.clean_schema``);
- ``summaries``: one row per extract supplied.

Each extract's suite is ``expectations/<extract>.json``. GX checks the frame built by
``transforms.rules.check_frame`` (raw text plus parsed dates, numbers, codes and clash
flags); every expectation's ``meta`` names the rule id, the column reported, the severity
and the message, and every finding comes from GX's unexpected index list.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import polars as pl

from transforms.findings import combine_findings
from transforms.rules import check_frame, clean_frame, message_columns, message_expr
from transforms.schema import (
    EXTRACT_NAMES,
    FINDINGS_SCHEMA,
    REQUIRED_EXTRACTS,
    SOURCE_ROW,
    ExtractName,
    Extracts,
)
from workforce.errors import RunFailure
from workforce.extract_io import Drop, RawExtract

EXPECTATIONS_DIR = Path(__file__).resolve().parent.parent / "expectations"
SEVERITIES: frozenset[str] = frozenset({"error", "warning"})
ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class ExtractSummary:
    extract: str
    rows_read: int
    rows_quarantined: int
    warnings: int


@dataclass(frozen=True)
class ValidationResult:
    extracts: Extracts  # clean typed frames; optional extracts None when not supplied
    findings: pl.DataFrame  # FINDINGS_SCHEMA, sorted with sort_findings
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
    column: str
    severity: str
    message: str

    @classmethod
    def from_meta(cls, extract: str, meta: dict[str, Any]) -> FindingSpec:
        try:
            spec = cls(
                rule=str(meta["rule"]),
                column=str(meta["column"]),
                severity=str(meta["severity"]),
                message=str(meta["message"]),
            )
        except KeyError as missing:
            raise ValueError(
                f"expectations/{extract}.json: an expectation's meta lacks {missing}"
            ) from None
        if spec.severity not in SEVERITIES:
            raise ValueError(f"expectations/{extract}.json: unknown severity {spec.severity!r}")
        return spec


@cache
def _suite_text(extract: ExtractName) -> str:
    return (EXPECTATIONS_DIR / f"{extract}.json").read_text(encoding="utf-8")


def load_suite(extract: ExtractName) -> dict[str, Any]:
    """The GX suite of ``extract`` as its JSON dict (a fresh copy)."""
    suite: dict[str, Any] = json.loads(_suite_text(extract))
    return suite


class _SuiteRunner:
    """One ephemeral GX context: a pandas data source with one asset per extract."""

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

    def unexpected_rows(
        self, extract: ExtractName, checks: pl.DataFrame
    ) -> list[tuple[FindingSpec, pl.Series]]:
        """For each expectation of the suite, its finding spec and the source rows that
        broke it."""
        suite_dict = load_suite(extract)
        specs = [
            FindingSpec.from_meta(extract, expectation.get("meta") or {})
            for expectation in suite_dict["expectations"]
        ]
        suite = self._gx.ExpectationSuite(**suite_dict)
        batch = (
            self._source.add_dataframe_asset(extract)
            .add_batch_definition_whole_dataframe(extract)
            .get_batch(
                batch_parameters={"dataframe": checks.to_pandas(use_pyarrow_extension_array=True)}
            )
        )
        validation = batch.validate(
            suite,
            result_format={
                "result_format": "COMPLETE",
                "unexpected_index_column_names": [SOURCE_ROW],
                "return_unexpected_index_query": False,
            },
        )
        outcomes: list[tuple[FindingSpec, pl.Series]] = []
        for result in validation.results:
            config = result.expectation_config
            if config is None:
                raise RuntimeError(f"expectations/{extract}.json: GX lost an expectation")
            if result.exception_info.get("raised_exception"):
                raise RuntimeError(
                    f"expectations/{extract}.json: {config.type} on "
                    f"{config.kwargs} failed to run: {result.exception_info['exception_message']}"
                )
            spec = FindingSpec.from_meta(extract, config.meta or {})
            unexpected = result.result.get("unexpected_index_list") or []
            rows = pl.from_dicts(unexpected, schema={SOURCE_ROW: pl.Int64}).get_column(SOURCE_ROW)
            outcomes.append((spec, rows))
        if len(outcomes) != len(specs):
            raise RuntimeError(
                f"expectations/{extract}.json: GX ran {len(outcomes)} of {len(specs)}"
            )
        return outcomes


def _findings_of(
    extract: ExtractName, checks: pl.DataFrame, spec: FindingSpec, rows: pl.Series
) -> pl.DataFrame:
    """One finding per source row in ``rows``, its value the raw text of spec.column."""
    needed = dict.fromkeys(
        [SOURCE_ROW, spec.column, *(c for c in message_columns(spec.message) if c != "value")]
    )
    hits = (
        pl.DataFrame({SOURCE_ROW: rows.unique()})
        .join(checks.select(list(needed)), on=SOURCE_ROW, how="left")
        .with_columns(pl.col(spec.column).cast(pl.String).alias("value"))
    )
    return hits.select(
        pl.lit(extract, pl.String).alias("extract"),
        pl.col(SOURCE_ROW).alias("row"),
        pl.lit(spec.column, pl.String).alias("column"),
        pl.lit(spec.rule, pl.String).alias("rule"),
        pl.lit(spec.severity, pl.String).alias("severity"),
        pl.col("value"),
        message_expr(spec.message).alias("message"),
    )


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


def validate_drop(drop: Drop, as_of: dt.date, max_quarantine_share: float) -> ValidationResult:
    """Check every extract of ``drop`` against its suite as of ``as_of``; quarantine rows
    that break an error rule. ``RunFailure`` (``QuarantineLimitExceeded``) when an extract's
    quarantined share is above ``max_quarantine_share``."""
    for required in REQUIRED_EXTRACTS:
        if required not in drop.extracts:
            raise RunFailure(f"{drop.path}: required extract {required} is missing")
    runner = _SuiteRunner()
    all_findings: list[pl.DataFrame] = []
    clean: dict[ExtractName, pl.DataFrame] = {}
    summaries: list[ExtractSummary] = []
    valid_employee_ids: pl.Series | None = None
    # staff comes before absence: absence rows must match a staff row that passed.
    for name in EXTRACT_NAMES:
        raw = drop.extracts.get(name)
        if raw is None:
            continue
        checks = check_frame(name, raw.frame, as_of=as_of, valid_employee_ids=valid_employee_ids)
        findings = combine_findings(
            [
                raw.findings,
                _ignored_column_findings(raw),
                *(
                    _findings_of(name, checks, spec, rows)
                    for spec, rows in runner.unexpected_rows(name, checks)
                ),
            ]
        )
        quarantined = (
            findings.filter((pl.col("severity") == ERROR) & pl.col("row").is_not_null())
            .select(pl.col("row").alias(SOURCE_ROW))
            .unique()
        )
        clean[name] = clean_frame(name, checks.join(quarantined, on=SOURCE_ROW, how="anti"))
        if name == "staff":
            valid_employee_ids = clean[name].get_column("employee_id").unique()
        summaries.append(
            ExtractSummary(
                extract=name,
                rows_read=raw.rows_read,
                rows_quarantined=quarantined.height,
                warnings=findings.filter(pl.col("severity") == WARNING).height,
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
