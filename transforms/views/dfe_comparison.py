"""The Benchmarks sheet's table: the DfE's published indicators for the Trust's authority,
its region, its statistical neighbours and England, with the change on the year before in
shown units (points for rates), the national rank and band, and the Trust's own value now.

Grain of ``benchmark_view``: one row per (indicator, comparison area), as
``transforms.dfe_comparison.benchmark_table``, plus display columns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import polars as pl

from transforms.definitions import METRICS_BY_NAME
from transforms.dfe_comparison import benchmark_table
from transforms.views.changes import display_decimals, display_scale, shown_change
from transforms.views.labels import AREA_WORDS

NOT_SUPPLIED_NOTE = "not supplied this run"


def benchmark_view(
    dfe: pl.DataFrame,
    la_code: str,
    statistical_neighbours: Sequence[str],
    current: Mapping[str, float | None],
    available: Sequence[str],
) -> pl.DataFrame:
    """``benchmark_table`` with ``change_shown`` (the change on the year before in shown
    units), ``area_word`` and, on the authority's row, a note where this run has no value
    of its own (its extract was not supplied)."""
    table = benchmark_table(dfe, la_code, statistical_neighbours, current=current)
    names = table.get_column("metric").unique().to_list()
    scale = {name: display_scale(METRICS_BY_NAME[name]) for name in names}
    decimals = {name: display_decimals(METRICS_BY_NAME[name]) for name in names}
    return table.with_columns(
        change_shown=shown_change(
            pl.col("change"),
            pl.col("metric").replace_strict(scale, return_dtype=pl.Float64),
            pl.col("metric").replace_strict(decimals, return_dtype=pl.Int64),
        ),
        area_word=pl.col("area_kind").replace_strict(AREA_WORDS, default=None),
        trust_note=pl.when(
            (pl.col("area_kind") == "local_authority") & ~pl.col("metric").is_in(list(available))
        ).then(pl.lit(NOT_SUPPLIED_NOTE)),
    )


def year_columns(view: pl.DataFrame) -> list[str]:
    """The published-year columns of a benchmark table, oldest first."""
    return [name for name in view.columns if name.isdigit()]
