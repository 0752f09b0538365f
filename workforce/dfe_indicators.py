"""Reading the DfE children's social work workforce indicator CSV.

Grain: one row per area (England, a region or a local authority) per reporting year, as
published. Identifier columns stay text (``old_la_code`` "380" keeps its form); every
indicator column becomes Float64, with the DfE's suppression and not-applicable symbols
(``z``, ``x``, ``c``, ``u``, empty) read as missing, never as zero.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import polars as pl

from transforms.findings import benchmark_file_finding
from transforms.schema import empty_findings
from workforce.errors import RunFailure
from workforce.settings import Settings

SUPPRESSION_SYMBOLS: tuple[str, ...] = ("z", "x", "c", "u", "", ":", "..", "low", "k")

IDENTIFIER_COLUMNS: tuple[str, ...] = (
    "time_identifier",
    "geographic_level",
    "country_code",
    "country_name",
    "region_code",
    "region_name",
    "old_la_code",
    "new_la_code",
    "la_name",
)
REQUIRED_COLUMNS: tuple[str, ...] = ("time_period", "geographic_level", "old_la_code", "la_name")


def read_dfe_indicators(path: Path) -> pl.DataFrame:
    """Read the indicator file at ``path``. Raises ``RunFailure`` (one line, naming the
    file) when it cannot be read or lacks the columns the benchmarks need."""
    try:
        raw = pl.read_csv(path, infer_schema=False, encoding="utf8-lossy")
    except (OSError, pl.exceptions.PolarsError) as error:
        raise RunFailure(f"cannot read the DfE indicator file {path}: {error}") from error
    raw = raw.rename({name: name.strip().lstrip("\ufeff").lower() for name in raw.columns})
    missing = [name for name in REQUIRED_COLUMNS if name not in raw.columns]
    if missing:
        raise RunFailure(f"the DfE indicator file {path} has no column {', '.join(missing)}")
    return parse_dfe_indicators(raw)


def parse_dfe_indicators(raw: pl.DataFrame) -> pl.DataFrame:
    """Type an all-text indicator frame: identifiers trimmed text (empty -> null), the
    reporting year Int64, every other column Float64 with suppression symbols null."""
    identifiers = [name for name in IDENTIFIER_COLUMNS if name in raw.columns]
    indicators = [name for name in raw.columns if name not in identifiers and name != "time_period"]
    trimmed = pl.col(pl.String).str.strip_chars()
    return raw.with_columns(trimmed).select(
        pl.col("time_period").str.slice(0, 4).cast(pl.Int64, strict=False),
        *[_empty_to_null(pl.col(name)) for name in identifiers],
        *[_indicator_value(pl.col(name)).alias(name) for name in indicators],
    )


def _empty_to_null(column: pl.Expr) -> pl.Expr:
    return pl.when(column == "").then(None).otherwise(column).name.keep()


def _indicator_value(column: pl.Expr) -> pl.Expr:
    """A published figure as a number; a suppression symbol or anything else that is not
    a number (a stray thousands separator aside) is missing."""
    text = column.cast(pl.String).str.replace_all(",", "")
    is_symbol = text.str.to_lowercase().is_in(SUPPRESSION_SYMBOLS) | text.is_null()
    number = text.cast(pl.Float64, strict=False)
    return pl.when(is_symbol | ~number.is_finite()).then(None).otherwise(number)


class Benchmarks(NamedTuple):
    indicators: pl.DataFrame | None  # the DfE file as read, None when not available
    findings: pl.DataFrame  # a warning when a configured file could not be read


def load_benchmarks(settings: Settings) -> Benchmarks:
    """The configured DfE indicator file. A missing or unreadable file does not stop the
    nightly run (its own figures are still right): it becomes a warning instead."""
    path = settings.benchmarks.dfe_indicator_file
    if path is None:
        return Benchmarks(None, empty_findings())
    try:
        return Benchmarks(read_dfe_indicators(path), empty_findings())
    except RunFailure as error:
        return Benchmarks(None, benchmark_file_finding(str(error)))
