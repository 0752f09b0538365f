"""The data-quality sheet as a to-do list.

Grains: ``extract_overview`` one row per extract supplied (rows read, quarantined, their
share, warnings); ``findings_by_rule`` one row per (extract, rule, severity) with the
number of findings and how many affect the as-of date's figures; ``todo_list`` one row per
finding with the record's own key, the rule in words and what to do, the findings that
affect the as-of date's figures first, historic ones after.
"""

from __future__ import annotations

import polars as pl

from transforms.rules import ERROR
from transforms.schema import EXTRACT_NAMES
from transforms.views.labels import EXTRACT_WORDS, SEVERITY_WORDS, WHOLE_DROP
from transforms.views.rule_guide import RULE_GUIDES, UNKNOWN_RULE

AFFECTS_YES = "Yes"
AFFECTS_NO = "No (historic)"
AFFECTS_UNKNOWN = "Not known"
# A finding about an empty cell shows this as its value (an empty Value cell reads as
# "not known" to people).
EMPTY_VALUE = "(empty)"


def _extract_word(column: str = "extract") -> pl.Expr:
    return (
        pl.col(column).replace_strict(EXTRACT_WORDS, default=pl.col(column)).fill_null(WHOLE_DROP)
    )


def _extract_order() -> pl.Expr:
    order = {name: rank for rank, name in enumerate(EXTRACT_NAMES)}
    return pl.col("extract").replace_strict(order, default=len(order), return_dtype=pl.Int64)


def _rule_words(part: str) -> pl.Expr:
    words = {rule: getattr(guide, part) for rule, guide in RULE_GUIDES.items()}
    return pl.col("rule").replace_strict(words, default=getattr(UNKNOWN_RULE, part))


def extract_overview(extract_summaries: pl.DataFrame) -> pl.DataFrame:
    return extract_summaries.with_columns(
        extract_word=_extract_word(),
        share=pl.col("rows_quarantined") / pl.col("rows_read").replace(0, None),
    )


def findings_by_rule(findings: pl.DataFrame) -> pl.DataFrame:
    return (
        findings.group_by("extract", "rule", "severity")
        .agg(
            pl.len().cast(pl.Int64).alias("findings"),
            pl.col("current").fill_null(False).sum().cast(pl.Int64).alias("affecting"),
        )
        .with_columns(
            extract_word=_extract_word(),
            rule_label=_rule_words("label"),
            severity_word=pl.col("severity").replace_strict(SEVERITY_WORDS, default=None),
            _order=_extract_order(),
        )
        .sort("_order", "severity", "rule", nulls_last=False)
        .drop("_order")
    )


def todo_list(findings: pl.DataFrame) -> pl.DataFrame:
    """Every finding as a line of HR's to-do list (see the module docstring). Within each
    group: quarantined rows before warnings, then by extract and source row."""
    affects = (
        pl.when(pl.col("current").is_null())
        .then(pl.lit(AFFECTS_UNKNOWN))
        .when(pl.col("current"))
        .then(pl.lit(AFFECTS_YES))
        .otherwise(pl.lit(AFFECTS_NO))
    )
    group = (
        pl.when(pl.col("current").is_null()).then(1).when(pl.col("current")).then(0).otherwise(2)
    )
    return (
        findings.with_columns(
            pl.when(pl.col("value").is_null() & pl.col("row").is_not_null())
            .then(pl.lit(EMPTY_VALUE))
            .otherwise(pl.col("value"))
            .alias("value"),
            affects=affects,
            extract_word=_extract_word(),
            severity_word=pl.col("severity").replace_strict(SEVERITY_WORDS, default=None),
            rule_label=_rule_words("label"),
            action=_rule_words("action"),
            _group=group,
            _severity=(pl.col("severity") != ERROR).cast(pl.Int8),
            _order=_extract_order(),
        )
        .sort(["_group", "_severity", "_order", "row", "rule"], nulls_last=False)
        .drop("_group", "_severity", "_order")
    )
