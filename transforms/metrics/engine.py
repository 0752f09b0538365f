"""The metrics engine: every metric of ``shared/spec/metrics.md`` for many as-of dates in
one vectorised pass.

Grain of ``compute_metrics``: one row per (as_of, scope, scope_value, metric), in the
columns of ``METRIC_FRAME_SCHEMA``.

How a call runs: the rows every family needs are judged once (``Workforce``); each family
of metrics (one module each: stocks, turnover, stability, spend, absence, vacancies,
caseloads) prepares its running totals; the dates are cut into batches whose pairing rows
stay under ``MAX_PAIRS_PER_BATCH``; for each batch the engine lays out the candidate
scopes (``_scope_grid``), lets every family add its totals, keeps the scopes that appear
on each date (metrics.md's scope rule) and turns the family formulas into long rows. Every
date is computed from the whole extract and its own window only, so its figures never
depend on which other dates are in the call.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

import polars as pl

from transforms.definitions import METRICS_BY_NAME, metrics_available
from transforms.metrics.absence import Absence
from transforms.metrics.base import Family, Formula, MetricParams, Workforce
from transforms.metrics.caseloads import Caseloads
from transforms.metrics.events import social_work_rows
from transforms.metrics.spend import Spend
from transforms.metrics.stability import Stability
from transforms.metrics.stocks import Stocks
from transforms.metrics.sweep import (
    AS_OF,
    CHANGE_DATE,
    WINDOW_START,
    as_of_frame,
    day_after,
    periods_in_force,
    running_totals,
    totals_on,
    with_scopes,
)
from transforms.metrics.turnover import Turnover
from transforms.metrics.vacancies import Vacancies
from transforms.periods import OPEN_END
from transforms.schema import Extracts
from transforms.scopes import SCOPE, SCOPE_KEYS, SCOPE_VALUE, TRUST, TRUST_SCOPE_VALUE

METRIC_FRAME_SCHEMA: dict[str, pl.DataType] = {
    "as_of": pl.Date(),
    "scope": pl.String(),
    "scope_value": pl.String(),
    "metric": pl.String(),
    "value": pl.Float64(),
    "numerator": pl.Float64(),
    "denominator": pl.Float64(),
}

# Upper bound on the rows one batch of dates may pair (case holders' caseload pieces,
# employees in post a year earlier, establishment cells): keeps a daily backfill well
# inside memory.
MAX_PAIRS_PER_BATCH = 2_000_000


def compute_metrics(
    extracts: Extracts, as_of_dates: Sequence[date], params: MetricParams
) -> pl.DataFrame:
    """Every available metric for every as-of date, scope and scope value (long frame in
    ``METRIC_FRAME_SCHEMA``, sorted by as_of, scope, scope_value, metric)."""
    dates = as_of_frame(as_of_dates)
    if dates.is_empty():
        return pl.DataFrame(schema=METRIC_FRAME_SCHEMA)
    workforce = Workforce.of(extracts)
    families = _families(workforce, dates, params)
    formulas: dict[str, Formula] = {}
    for family in families:
        formulas.update(family.formulas())
    metrics = {name: formulas[name] for name in metrics_available(extracts.supplied())}
    scope_ranges = _scope_ranges(workforce)
    parts = [
        _metrics_for_batch(batch, families, scope_ranges, metrics)
        for batch in _date_batches(dates, families)
    ]
    return (
        pl.concat(parts)
        .select(list(METRIC_FRAME_SCHEMA))
        .cast(METRIC_FRAME_SCHEMA)  # type: ignore[arg-type]
        .sort([AS_OF, SCOPE, SCOPE_VALUE, "metric"])
    )


def _families(workforce: Workforce, dates: pl.DataFrame, params: MetricParams) -> list[Family]:
    """The families whose extracts were supplied, prepared for these dates."""
    extracts = workforce.extracts
    families: list[Family] = [
        Stocks(workforce),
        Turnover(workforce),
        Spend(workforce),
        Stability(workforce),
    ]
    if extracts.absence is not None:
        families.append(Absence(workforce, extracts.absence, params))
    if extracts.establishment is not None:
        families.append(Vacancies(extracts, extracts.establishment))
    if extracts.caseloads is not None:
        families.append(Caseloads(extracts, extracts.caseloads, dates, params))
    return families


def _scope_ranges(workforce: Workforce) -> pl.DataFrame:
    """For each service area and team, the first and last day it can appear (a superset:
    the appearance rule is applied exactly afterwards). A staff spell keeps its team
    appearing for a year after it ends, through its leaver event."""
    parts = [
        workforce.spells.lazy().select(
            "team",
            "service_area",
            pl.col("start_date").alias("__first"),
            day_after(pl.col("end_date").dt.offset_by("1y")).fill_null(OPEN_END).alias("__last"),
        ),
        workforce.agency.lazy().select(
            "team",
            "service_area",
            pl.col("start_date").alias("__first"),
            pl.col("end_date").fill_null(OPEN_END).alias("__last"),
        ),
    ]
    establishment = workforce.extracts.establishment
    if establishment is not None:
        parts.append(
            social_work_rows(establishment).select(
                "team",
                "service_area",
                pl.col("effective_from").alias("__first"),
                pl.col("effective_to").fill_null(OPEN_END).alias("__last"),
            )
        )
    return (
        with_scopes(pl.concat(parts))
        .filter(pl.col(SCOPE) != TRUST)
        .group_by(SCOPE_KEYS)
        .agg(pl.col("__first").min(), pl.col("__last").max())
        .collect()
    )


def _date_batches(dates: pl.DataFrame, families: Sequence[Family]) -> list[pl.DataFrame]:
    """Consecutive groups of dates whose pairing rows add up to about
    ``MAX_PAIRS_PER_BATCH`` (a date heavier than that is a batch on its own)."""
    loads = [family.pairing_load() for family in families]
    on_date = [now for now, _ in loads if now is not None]
    year_before = [before for _, before in loads if before is not None]

    def totals(loads: list[pl.LazyFrame]) -> pl.DataFrame:
        if not loads:
            return pl.DataFrame(schema={CHANGE_DATE: pl.Date(), "pairs": pl.Int64()})
        return running_totals(pl.concat(loads), ())

    load = (
        dates.lazy()
        .pipe(totals_on, totals(on_date), on=AS_OF, keys=(), rename={"pairs": "__now"})
        .pipe(
            totals_on, totals(year_before), on=WINDOW_START, keys=(), rename={"pairs": "__before"}
        )
        .sort(AS_OF)
        .with_columns((pl.col("__now") + pl.col("__before") + 1).alias("__load"))
        .with_columns(
            ((pl.col("__load").cum_sum() - pl.col("__load")) // MAX_PAIRS_PER_BATCH).alias(
                "__batch"
            )
        )
        .collect()
    )
    return [
        batch.select(AS_OF, WINDOW_START)
        for batch in load.partition_by("__batch", maintain_order=True)
    ]


def _scope_grid(dates: pl.DataFrame, scope_ranges: pl.DataFrame) -> pl.LazyFrame:
    """Candidate (date, scope, scope_value) rows: the trust on every date, and each
    service area and team on the dates inside its range."""
    trust = dates.lazy().with_columns(
        pl.lit(TRUST).alias(SCOPE), pl.lit(TRUST_SCOPE_VALUE).alias(SCOPE_VALUE)
    )
    others = periods_in_force(dates, scope_ranges.lazy(), start="__first", end="__last").select(
        AS_OF, WINDOW_START, SCOPE, SCOPE_VALUE
    )
    return pl.concat([trust, others])


def _metrics_for_batch(
    dates: pl.DataFrame,
    families: Sequence[Family],
    scope_ranges: pl.DataFrame,
    metrics: Mapping[str, Formula],
) -> pl.DataFrame:
    wide = _scope_grid(dates, scope_ranges)
    appears = pl.col(SCOPE) == TRUST
    for family in families:
        wide = family.add_totals(wide, dates)
        family_appears = family.appears()
        if family_appears is not None:
            appears = appears | family_appears
    # Collected before going long, so the wide plan runs once, not once per metric.
    appearing = wide.filter(appears).collect()
    return _long_metrics(appearing.lazy(), metrics).collect()


def _long_metrics(wide: pl.LazyFrame, metrics: Mapping[str, Formula]) -> pl.LazyFrame:
    """One row per (wide row, metric): the value, and for quotients the numerator and
    denominator (a zero denominator gives an empty value)."""
    parts = []
    for name, (first, denominator) in metrics.items():
        if METRICS_BY_NAME[name].kind == "quotient" and denominator is not None:
            numerator = first.cast(pl.Float64)
            denominator = denominator.cast(pl.Float64)
            value: pl.Expr = pl.when(denominator != 0).then(numerator / denominator)
        else:
            value = first.cast(pl.Float64)
            numerator = denominator = pl.lit(None, dtype=pl.Float64)
        parts.append(
            wide.select(
                AS_OF,
                SCOPE,
                SCOPE_VALUE,
                pl.lit(name).alias("metric"),
                value.alias("value"),
                numerator.alias("numerator"),
                denominator.alias("denominator"),
            )
        )
    return pl.concat(parts)
