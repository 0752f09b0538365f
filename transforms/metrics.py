"""The metrics engine: every metric of ``shared/spec/metrics.md`` for many as-of dates in
one vectorised pipeline, and the per-date detail frames the workbook shows.

Grain of ``compute_metrics``: one row per (as_of, scope, scope_value, metric), in the
columns of ``METRIC_FRAME_SCHEMA``. Stocks, window counts and agency spend come from
sweeps (running totals looked up by as-of join, see ``metrics_sweep``), and so do the
caseload metrics, from each worker's caseload as a step function (``caseload_pieces``);
the largest caseload, the stability index and establishment cells pair dates with rows,
so dates are processed in batches whose pairing size is bounded (``MAX_PAIRS_PER_BATCH``). Every
date is computed from the whole extract and its own window only, so its figures never
depend on which other dates are in the call.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import polars as pl

from transforms.definitions import METRICS_BY_NAME, metrics_available
from transforms.metrics_events import (
    EVENT_DATE,
    leaver_events,
    sickness_episodes,
    social_work_rows,
    social_work_spells,
    starter_events,
)
from transforms.metrics_pairwise import (
    CELL_KEYS,
    allocations_on,
    caseload_pieces,
    caseload_stock,
    locate_workers,
    max_caseload_totals,
    social_work_cell_stock,
    stability_totals,
    vacancy_cells,
    vacancy_totals,
    worker_caseloads,
    worker_rows,
)
from transforms.metrics_sweep import (
    AS_OF,
    CHANGE_DATE,
    EXACT,
    SCOPE,
    SCOPE_KEYS,
    SCOPE_VALUE,
    TRUST,
    TRUST_SCOPE_VALUE,
    WINDOW_START,
    as_of_frame,
    day_after,
    event_changes,
    exact_sum,
    in_window,
    interval_changes,
    running_totals,
    totals_on,
    window_totals,
    with_scopes,
    zero_when_none,
)
from transforms.periods import OPEN_END
from transforms.schema import (
    LEAVING_REASONS,
    SOCIAL_WORK_ROLES,
    Extracts,
    empty_findings,
    sort_findings,
)


@dataclass(frozen=True)
class MetricParams:
    """The configurable parameters of metrics.md (values from the settings, which hold
    their defaults)."""

    caseload_threshold: int
    working_days_per_year: float


METRIC_FRAME_SCHEMA: dict[str, pl.DataType] = {
    "as_of": pl.Date(),
    "scope": pl.String(),
    "scope_value": pl.String(),
    "metric": pl.String(),
    "value": pl.Float64(),
    "numerator": pl.Float64(),
    "denominator": pl.Float64(),
}

CASELOAD_BY_WORKER_SCHEMA: dict[str, pl.DataType] = {
    "worker_id": pl.String(),
    "worker_kind": pl.String(),
    "team": pl.String(),
    "service_area": pl.String(),
    "role": pl.String(),
    "fte": pl.Float64(),
    "caseload": pl.Int64(),
}

VACANCY_BY_CELL_SCHEMA: dict[str, pl.DataType] = {
    "team": pl.String(),
    "service_area": pl.String(),
    "role": pl.String(),
    "funded_fte": pl.Float64(),
    "employed_fte": pl.Float64(),
    "agency_fte": pl.Float64(),
    "vacancy_fte": pl.Float64(),
    "agency_cover_fte": pl.Float64(),
}

LEAVING_REASONS_SCHEMA: dict[str, pl.DataType] = {
    "team": pl.String(),
    "service_area": pl.String(),
    "leaving_reason": pl.Int64(),
    "leaving_reason_label": pl.String(),
    "leavers_headcount": pl.Int64(),
    "leavers_fte": pl.Float64(),
}

NOT_RECORDED = "Not recorded"

# Upper bound on the rows one batch of dates may pair (case holders' caseload pieces,
# employees in post a year earlier, establishment cells): keeps a daily backfill well inside memory.
MAX_PAIRS_PER_BATCH = 2_000_000

_ONE = pl.lit(1, dtype=pl.Int64)
_ZERO = pl.lit(0, dtype=pl.Int64)
_ROLE_ORDER = {role: rank for rank, role in enumerate(SOCIAL_WORK_ROLES)}


@dataclass(frozen=True)
class _Prepared:
    """Everything that does not depend on the as-of dates, computed once per call."""

    metrics: tuple[str, ...]
    spells: pl.DataFrame
    leavers: pl.DataFrame
    employed_stock: pl.DataFrame
    agency_stock: pl.DataFrame
    leaver_flow: pl.DataFrame
    starter_flow: pl.DataFrame
    spend_flow: pl.DataFrame
    spend_epoch: date
    scope_ranges: pl.DataFrame
    pairs_on_date: pl.DataFrame
    pairs_a_year_before: pl.DataFrame
    caseload_pieces: pl.DataFrame | None
    caseload_stock: pl.DataFrame | None
    establishment: pl.DataFrame | None
    employed_by_cell: pl.DataFrame | None
    agency_by_cell: pl.DataFrame | None
    sickness_flow: pl.DataFrame | None


def compute_metrics(
    extracts: Extracts, as_of_dates: Sequence[date], params: MetricParams
) -> pl.DataFrame:
    """Every available metric for every as-of date, scope and scope value (long frame in
    ``METRIC_FRAME_SCHEMA``, sorted by as_of, scope, scope_value, metric)."""
    dates = as_of_frame(as_of_dates)
    if dates.is_empty():
        return pl.DataFrame(schema=METRIC_FRAME_SCHEMA)
    prepared = _prepare(extracts, dates, params)
    parts = [
        _metrics_for_batch(batch, prepared, params) for batch in _date_batches(dates, prepared)
    ]
    return (
        pl.concat(parts)
        .select(list(METRIC_FRAME_SCHEMA))
        .cast(METRIC_FRAME_SCHEMA)  # type: ignore[arg-type]
        .sort([AS_OF, SCOPE, SCOPE_VALUE, "metric"])
    )


def _prepare(extracts: Extracts, dates: pl.DataFrame, params: MetricParams) -> _Prepared:
    spells = social_work_spells(extracts.staff).collect()
    leavers = leaver_events(spells.lazy()).collect()
    starters = starter_events(spells.lazy(), extracts.agency)
    agency = social_work_rows(extracts.agency)

    employed_stock = running_totals(
        interval_changes(
            with_scopes(spells.lazy()),
            start="start_date",
            end="end_date",
            keys=SCOPE_KEYS,
            values={"employed_n": _ONE, "employed_fte": pl.col("fte")},
        ),
        SCOPE_KEYS,
    )
    agency_stock = running_totals(
        interval_changes(
            with_scopes(agency),
            start="start_date",
            end="end_date",
            keys=SCOPE_KEYS,
            values={"agency_n": _ONE, "agency_fte": pl.col("fte")},
        ),
        SCOPE_KEYS,
    )
    leaver_flow = running_totals(
        event_changes(
            with_scopes(leavers.lazy()),
            on=EVENT_DATE,
            keys=SCOPE_KEYS,
            values={"leavers_n": _ONE, "leavers_fte": pl.col("fte")},
        ),
        SCOPE_KEYS,
    )
    starter_flow = running_totals(
        event_changes(
            with_scopes(starters),
            on=EVENT_DATE,
            keys=SCOPE_KEYS,
            values={
                "starters_n": _ONE,
                "starters_fte": pl.col("fte"),
                "conversions_n": pl.col("is_conversion").cast(pl.Int64),
                "international_n": pl.col("is_international").cast(pl.Int64),
                "nqsw_n": pl.col("is_newly_qualified").cast(pl.Int64),
            },
        ),
        SCOPE_KEYS,
    )
    spend_epoch = _spend_epoch(extracts.agency)
    spend_flow = running_totals(_spend_changes(agency, spend_epoch), SCOPE_KEYS)

    establishment = (
        social_work_rows(extracts.establishment).collect()
        if extracts.establishment is not None
        else None
    )
    employed_by_cell = agency_by_cell = None
    if establishment is not None:
        employed_by_cell = running_totals(
            social_work_cell_stock(extracts.staff, "employed"), CELL_KEYS
        )
        agency_by_cell = running_totals(
            social_work_cell_stock(extracts.agency, "agency"), CELL_KEYS
        )

    sickness_flow = None
    if extracts.absence is not None:
        sickness_flow = running_totals(
            event_changes(
                with_scopes(sickness_episodes(extracts.absence, spells.lazy())),
                on=EVENT_DATE,
                keys=SCOPE_KEYS,
                values={"sickness_n": _ONE, "sickness_days_lost": pl.col("days_lost")},
            ),
            SCOPE_KEYS,
        )

    pieces = stock = None
    if extracts.caseloads is not None:
        workers = worker_rows(extracts.staff, extracts.agency)
        pieces = caseload_pieces(
            _allocations_touching(extracts.caseloads, dates), workers
        ).collect()
        stock = running_totals(caseload_stock(pieces.lazy(), params.caseload_threshold), SCOPE_KEYS)

    pairs_on_date = [
        interval_changes(
            pieces.lazy(), start="piece_from", end="piece_to", keys=(), values={"pairs": _ONE}
        )
        if pieces is not None
        else None,
        interval_changes(
            establishment.lazy(),
            start="effective_from",
            end="effective_to",
            keys=(),
            values={"pairs": _ONE},
        )
        if establishment is not None
        else None,
    ]
    present_pairs = [changes for changes in pairs_on_date if changes is not None]
    on_date_load = (
        running_totals(pl.concat(present_pairs), ())
        if present_pairs
        else pl.DataFrame(schema={CHANGE_DATE: pl.Date(), "pairs": pl.Int64()})
    )
    year_before_load = running_totals(
        interval_changes(
            spells.lazy(), start="start_date", end="end_date", keys=(), values={"pairs": _ONE}
        ),
        (),
    )

    return _Prepared(
        metrics=metrics_available(extracts.supplied()),
        spells=spells,
        leavers=leavers,
        employed_stock=employed_stock,
        agency_stock=agency_stock,
        leaver_flow=leaver_flow,
        starter_flow=starter_flow,
        spend_flow=spend_flow,
        spend_epoch=spend_epoch,
        scope_ranges=_scope_ranges(spells, agency, establishment),
        pairs_on_date=on_date_load,
        pairs_a_year_before=year_before_load,
        caseload_pieces=pieces,
        caseload_stock=stock,
        establishment=establishment,
        employed_by_cell=employed_by_cell,
        agency_by_cell=agency_by_cell,
        sickness_flow=sickness_flow,
    )


def _allocations_touching(caseloads: pl.DataFrame, dates: pl.DataFrame) -> pl.DataFrame:
    """Allocations in post on some day from the first to the last as-of date: the others
    change no count on any of the dates, and a backfill chunk of a few weeks then builds
    caseloads from a fraction of the extract."""
    first, last = dates.get_column(AS_OF).min(), dates.get_column(AS_OF).max()
    return caseloads.filter(
        (pl.col("allocated_from") <= pl.lit(last))
        & (pl.col("allocated_to").is_null() | (pl.col("allocated_to") >= pl.lit(first)))
    )


def _spend_epoch(agency: pl.DataFrame) -> date:
    """Day 0 for spend arithmetic: the earliest assignment start, so day numbers (and the
    rounding error of the running products) stay small."""
    earliest = agency.get_column("start_date").min() if agency.height else None
    return earliest if isinstance(earliest, date) else date(2000, 1, 1)


def _day_number(day: pl.Expr, epoch: date) -> pl.Expr:
    return (day - pl.lit(epoch)).dt.total_days().cast(pl.Int64)


def _spend_changes(agency: pl.LazyFrame, epoch: date) -> pl.LazyFrame:
    """Spend as a sweep: an assignment adds weekly_cost / 7 per day from its start to its
    end. With running totals R(t) = sum of weekly costs and P(t) = sum of weekly cost x
    change day, seven times the spend of all days up to t is (t + 1) x R(t) - P(t), so the
    spend in W(D) is that on D minus that on D - 1 year, divided by 7 once at the end (all
    in exact decimals until then). ``spend_started_n`` and
    ``spend_stopped_n`` count assignments, so a window that no costed assignment touches
    is exactly 0."""
    costed = with_scopes(agency.filter(pl.col("weekly_cost") > 0)).with_columns(
        pl.col("weekly_cost").cast(EXACT).alias("__rate")
    )
    opening = costed.select(
        *SCOPE_KEYS,
        pl.col("start_date").alias(CHANGE_DATE),
        pl.col("__rate").alias("spend_rate"),
        (pl.col("__rate") * _day_number(pl.col("start_date"), epoch)).alias("spend_rate_day"),
        _ONE.alias("spend_started_n"),
        _ZERO.alias("spend_stopped_n"),
    )
    stop = day_after(pl.col("end_date"))
    closing = costed.filter(pl.col("end_date").is_not_null()).select(
        *SCOPE_KEYS,
        stop.alias(CHANGE_DATE),
        (-pl.col("__rate")).alias("spend_rate"),
        (-pl.col("__rate") * _day_number(stop, epoch)).alias("spend_rate_day"),
        _ZERO.alias("spend_started_n"),
        _ONE.alias("spend_stopped_n"),
    )
    return pl.concat([opening, closing])


def _scope_ranges(
    spells: pl.DataFrame, agency: pl.LazyFrame, establishment: pl.DataFrame | None
) -> pl.DataFrame:
    """For each service area and team, the first and last day it can appear (a superset:
    the appearance rule is applied exactly afterwards). A staff spell keeps its team
    appearing for a year after it ends, through its leaver event."""
    parts = [
        spells.lazy().select(
            "team",
            "service_area",
            pl.col("start_date").alias("__first"),
            day_after(pl.col("end_date").dt.offset_by("1y")).fill_null(OPEN_END).alias("__last"),
        ),
        agency.select(
            "team",
            "service_area",
            pl.col("start_date").alias("__first"),
            pl.col("end_date").fill_null(OPEN_END).alias("__last"),
        ),
    ]
    if establishment is not None:
        parts.append(
            establishment.lazy().select(
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


def _date_batches(dates: pl.DataFrame, prepared: _Prepared) -> list[pl.DataFrame]:
    """Consecutive groups of dates whose pairing rows add up to about
    ``MAX_PAIRS_PER_BATCH`` (a date heavier than that is a batch on its own)."""
    load = (
        dates.lazy()
        .pipe(totals_on, prepared.pairs_on_date, on=AS_OF, keys=(), rename={"pairs": "__now"})
        .pipe(
            totals_on,
            prepared.pairs_a_year_before,
            on=WINDOW_START,
            keys=(),
            rename={"pairs": "__before"},
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


def _scope_grid(dates: pl.DataFrame, prepared: _Prepared) -> pl.LazyFrame:
    """Candidate (date, scope, scope_value) rows: the trust on every date, and each
    service area and team on the dates inside its range."""
    trust = dates.lazy().with_columns(
        pl.lit(TRUST).alias(SCOPE), pl.lit(TRUST_SCOPE_VALUE).alias(SCOPE_VALUE)
    )
    others = (
        dates.lazy()
        .join_where(
            prepared.scope_ranges.lazy(),
            pl.col("__first") <= pl.col(AS_OF),
            pl.col("__last") >= pl.col(AS_OF),
        )
        .select(AS_OF, WINDOW_START, SCOPE, SCOPE_VALUE)
    )
    return pl.concat([trust, others])


def _with_pairwise(grid: pl.LazyFrame, totals: pl.LazyFrame, fill: Sequence[str]) -> pl.LazyFrame:
    return grid.join(totals, on=[AS_OF, *SCOPE_KEYS], how="left").with_columns(
        pl.col(list(fill)).fill_null(0)
    )


def _metrics_for_batch(
    dates: pl.DataFrame, prepared: _Prepared, params: MetricParams
) -> pl.DataFrame:
    wide = (
        _scope_grid(dates, prepared)
        .pipe(totals_on, prepared.employed_stock, on=AS_OF, keys=SCOPE_KEYS)
        .pipe(totals_on, prepared.agency_stock, on=AS_OF, keys=SCOPE_KEYS)
        .pipe(window_totals, prepared.leaver_flow, keys=SCOPE_KEYS)
        .pipe(window_totals, prepared.starter_flow, keys=SCOPE_KEYS)
        .pipe(_with_spend, prepared)
        .pipe(
            _with_pairwise,
            stability_totals(dates, prepared.spells.lazy(), prepared.leavers.lazy()),
            ("stable_n", "stability_base_n"),
        )
        .with_columns(
            zero_when_none("employed_fte", "employed_n"),
            zero_when_none("agency_fte", "agency_n"),
            zero_when_none("leavers_fte", "leavers_n"),
            zero_when_none("starters_fte", "starters_n"),
        )
    )
    appears = (
        (pl.col(SCOPE) == TRUST)
        | (pl.col("employed_n") > 0)
        | (pl.col("agency_n") > 0)
        | (pl.col("leavers_n") > 0)
        | (pl.col("starters_n") > 0)
    )
    if prepared.sickness_flow is not None:
        wide = wide.pipe(window_totals, prepared.sickness_flow, keys=SCOPE_KEYS).with_columns(
            zero_when_none("sickness_days_lost", "sickness_n")
        )
    if (
        prepared.establishment is not None
        and prepared.employed_by_cell is not None
        and prepared.agency_by_cell is not None
    ):
        cells = vacancy_cells(
            dates, prepared.establishment, prepared.employed_by_cell, prepared.agency_by_cell
        )
        wide = wide.pipe(
            _with_pairwise,
            vacancy_totals(cells),
            ("cells_n", "vacancy_fte", "agency_cover_fte"),
        )
        appears = appears | (pl.col("cells_n") > 0)
    if prepared.caseload_pieces is not None and prepared.caseload_stock is not None:
        wide = wide.pipe(totals_on, prepared.caseload_stock, on=AS_OF, keys=SCOPE_KEYS).join(
            max_caseload_totals(dates, prepared.caseload_pieces),
            on=[AS_OF, *SCOPE_KEYS],
            how="left",
        )
    # Collected before going long, so the wide plan runs once, not once per metric.
    appearing = wide.filter(appears).collect()
    return _long_metrics(appearing.lazy(), prepared.metrics, params).collect()


def _with_spend(grid: pl.LazyFrame, prepared: _Prepared) -> pl.LazyFrame:
    flow = prepared.spend_flow

    def spent_to(day: str, rate: str, rate_day: str) -> pl.Expr:
        return (_day_number(pl.col(day), prepared.spend_epoch) + 1) * pl.col(rate) - pl.col(
            rate_day
        )

    now = {
        "spend_rate": "__rate_now",
        "spend_rate_day": "__rate_day_now",
        "spend_started_n": "__started_now",
        "spend_stopped_n": "__stopped_now",
    }
    before = {name: f"{alias}_before" for name, alias in now.items()}
    first_day = {name: f"{alias}_first" for name, alias in now.items()}
    temporary = [*now.values(), *before.values(), *first_day.values(), "__window_first_day"]
    touching = pl.col("__started_now") - pl.col("__stopped_now_first")
    spend_times_seven = spent_to(AS_OF, "__rate_now", "__rate_day_now") - spent_to(
        WINDOW_START, "__rate_now_before", "__rate_day_now_before"
    )
    spend = spend_times_seven.cast(pl.Float64) / 7.0
    return (
        grid.pipe(totals_on, flow, on=AS_OF, keys=SCOPE_KEYS, rename=now, exact=True)
        .pipe(totals_on, flow, on=WINDOW_START, keys=SCOPE_KEYS, rename=before, exact=True)
        .with_columns(day_after(pl.col(WINDOW_START)).alias("__window_first_day"))
        .pipe(
            totals_on, flow, on="__window_first_day", keys=SCOPE_KEYS, rename=first_day, exact=True
        )
        .with_columns(pl.when(touching == 0).then(0.0).otherwise(spend).alias("agency_spend_12m"))
        .drop(temporary)
    )


def _metric_formulas(params: MetricParams) -> dict[str, tuple[pl.Expr, pl.Expr | None]]:
    """Per metric: (value, None) for sums, counts and max; (numerator, denominator) for
    quotients. Column names are those of the wide frame of ``_metrics_for_batch``."""
    c = pl.col
    return {
        "employed_fte": (c("employed_fte"), None),
        "employed_headcount": (c("employed_n"), None),
        "agency_fte": (c("agency_fte"), None),
        "agency_headcount": (c("agency_n"), None),
        "agency_rate": (c("agency_fte"), c("agency_fte") + c("employed_fte")),
        "agency_rate_headcount": (c("agency_n"), c("agency_n") + c("employed_n")),
        "agency_to_permanent_ratio": (c("agency_fte"), c("employed_fte")),
        "leavers_fte": (c("leavers_fte"), None),
        "leavers_headcount": (c("leavers_n"), None),
        "starters_fte": (c("starters_fte"), None),
        "starters_headcount": (c("starters_n"), None),
        "turnover_rate": (c("leavers_fte"), c("employed_fte")),
        "turnover_rate_headcount": (c("leavers_n"), c("employed_n")),
        "stability_index": (c("stable_n"), c("stability_base_n")),
        "agency_conversions": (c("conversions_n"), None),
        "international_starters": (c("international_n"), None),
        "nqsw_starters": (c("nqsw_n"), None),
        "vacancy_fte": (c("vacancy_fte"), None),
        "vacancy_rate": (c("vacancy_fte"), c("vacancy_fte") + c("employed_fte")),
        "vacancy_agency_cover_rate": (c("agency_cover_fte"), c("vacancy_fte")),
        "cases": (c("cases"), None),
        "case_holders_headcount": (c("case_holders_n"), None),
        "case_holders_fte": (c("case_holders_fte"), None),
        "average_caseload": (c("cases"), c("case_holders_fte")),
        "caseload_per_case_holder": (c("cases"), c("case_holders_n")),
        "max_caseload": (c("max_caseload"), None),
        "case_holders_over_threshold_rate": (c("over_threshold_n"), c("case_holders_n")),
        "sickness_days_lost": (c("sickness_days_lost"), None),
        "absence_rate": (
            c("sickness_days_lost"),
            c("employed_fte") * params.working_days_per_year,
        ),
        "agency_spend_12m": (c("agency_spend_12m"), None),
    }


def _long_metrics(wide: pl.LazyFrame, metrics: Sequence[str], params: MetricParams) -> pl.LazyFrame:
    formulas = _metric_formulas(params)
    parts = []
    for name in metrics:
        first, denominator = formulas[name]
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


# --- detail frames for the workbook, one as-of date each ---------------------------------


def caseload_by_worker(extracts: Extracts, as_of: date) -> pl.DataFrame:
    """One row per worker (employee or agency) in post in a social-work row on ``as_of``
    with at least one case. Never carries a child reference."""
    if extracts.caseloads is None:
        return pl.DataFrame(schema=CASELOAD_BY_WORKER_SCHEMA)
    workers = worker_rows(extracts.staff, extracts.agency)
    return (
        worker_caseloads(as_of_frame([as_of]), extracts.caseloads, workers)
        .select(list(CASELOAD_BY_WORKER_SCHEMA))
        .sort(["service_area", "team", "worker_kind", "worker_id"])
        .collect()
        .cast(CASELOAD_BY_WORKER_SCHEMA)  # type: ignore[arg-type]
    )


def vacancy_by_cell(extracts: Extracts, as_of: date) -> pl.DataFrame:
    """One row per social-work (team, role) establishment cell in force on ``as_of``."""
    if extracts.establishment is None:
        return pl.DataFrame(schema=VACANCY_BY_CELL_SCHEMA)
    cells = vacancy_cells(
        as_of_frame([as_of]),
        extracts.establishment,
        running_totals(social_work_cell_stock(extracts.staff, "employed"), CELL_KEYS),
        running_totals(social_work_cell_stock(extracts.agency, "agency"), CELL_KEYS),
    )
    role_rank = pl.col("role").replace_strict(_ROLE_ORDER, default=len(_ROLE_ORDER))
    return (
        cells.sort(["service_area", "team", role_rank])
        .select(list(VACANCY_BY_CELL_SCHEMA))
        .collect()
        .cast(VACANCY_BY_CELL_SCHEMA)  # type: ignore[arg-type]
    )


def leaving_reasons(extracts: Extracts, as_of: date) -> pl.DataFrame:
    """Leaver events in W(as_of) by team and leaving reason (null = not recorded)."""
    window = as_of_frame([as_of])
    leavers = leaver_events(social_work_spells(extracts.staff)).join(window.lazy(), how="cross")
    label = (
        pl.col("leaving_reason")
        .replace_strict(LEAVING_REASONS, default=None, return_dtype=pl.String)
        .fill_null(NOT_RECORDED)
    )
    return (
        leavers.filter(in_window(pl.col(EVENT_DATE)))
        .group_by("team", "service_area", "leaving_reason")
        .agg(
            pl.len().cast(pl.Int64).alias("leavers_headcount"),
            exact_sum(pl.col("fte")).alias("leavers_fte"),
        )
        .with_columns(label.alias("leaving_reason_label"))
        .sort(["service_area", "team", "leaving_reason"], nulls_last=True)
        .select(list(LEAVING_REASONS_SCHEMA))
        .collect()
        .cast(LEAVING_REASONS_SCHEMA)  # type: ignore[arg-type]
    )


def uncounted_allocations(extracts: Extracts, as_of: date) -> pl.DataFrame:
    """Findings (warnings) for each allocation in post on ``as_of`` that no metric counts:
    its worker is unknown to the named extract, not in post, or in post in a role that is
    not social work. Messages name the worker, never the child."""
    if extracts.caseloads is None:
        return empty_findings()
    workers = worker_rows(extracts.staff, extracts.agency)
    located = locate_workers(
        allocations_on(as_of_frame([as_of]), extracts.caseloads).drop("child_ref"), workers
    ).filter(~pl.col("worker_social_work"))
    is_employee = pl.col("worker_kind") == "employee"
    named_extract = pl.when(is_employee).then(pl.lit("staff")).otherwise(pl.lit("agency"))
    who = pl.when(is_employee).then(pl.lit("employee")).otherwise(pl.lit("agency worker"))
    day = pl.lit(as_of.isoformat())
    rule = (
        pl.when(~pl.col("worker_known"))
        .then(pl.lit("unknown_worker"))
        .when(~pl.col("worker_in_post"))
        .then(pl.lit("worker_not_in_post"))
        .otherwise(pl.lit("worker_not_social_work"))
    )
    message = (
        pl.when(~pl.col("worker_known"))
        .then(
            pl.format(
                "Allocation not counted: no {} row has the id '{}' (missing from the extract "
                "or quarantined).",
                named_extract,
                pl.col("worker_id"),
            )
        )
        .when(~pl.col("worker_in_post"))
        .then(
            pl.format(
                "Allocation not counted: {} '{}' is not in post on {}.",
                who,
                pl.col("worker_id"),
                day,
            )
        )
        .otherwise(
            pl.format(
                "Allocation not counted: {} '{}' is in post on {} as {}, not in a social-work "
                "role.",
                who,
                pl.col("worker_id"),
                day,
                pl.col("role"),
            )
        )
    )
    findings = located.select(
        pl.lit("caseloads").alias("extract"),
        pl.col("source_row").alias("row"),
        pl.lit("worker_id").alias("column"),
        rule.alias("rule"),
        pl.lit("warning").alias("severity"),
        pl.col("worker_id").alias("value"),
        message.alias("message"),
    ).collect()
    return sort_findings(findings)
