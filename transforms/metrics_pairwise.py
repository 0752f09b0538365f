"""The parts of the metrics engine that work per worker or must pair as-of dates with
rows: each worker's caseload (distinct children) as a step function, the largest caseload,
the stability index and establishment cells. Callers bound memory by passing a batch of
dates at a time.

Grains:
- ``allocations_on``: one row per (as-of date, allocation in post on it);
- ``worker_caseloads``: one row per (as-of date, counted worker with at least one case);
- ``caseload_pieces``: one row per (counted worker row, run of days with one caseload >= 1);
- ``max_caseload_totals``: one row per (as-of date, scope, scope_value) with a case holder;
- ``vacancy_cells``: one row per (as-of date, social-work (team, role) cell in force);
- ``*_totals``: one row per (as-of date, scope, scope_value).
"""

from __future__ import annotations

import polars as pl

from transforms.metrics_events import EVENT_DATE, social_work_rows
from transforms.metrics_sweep import (
    AS_OF,
    CHANGE_DATE,
    EXACT,
    SCOPE_KEYS,
    WINDOW_START,
    exact_sum,
    interval_changes,
    totals_on,
    with_scopes,
)
from transforms.periods import OPEN_END, day_number, end_or_open, first_of_run, running_max_per_run
from transforms.schema import is_social_work_role

WORKER_KEYS: tuple[str, str] = ("worker_kind", "worker_id")
CELL_KEYS: tuple[str, str] = ("team", "role")
# Funded minus employed FTE closer to 0 than this is float noise of equal sums, not a
# vacancy (FTE is recorded to a few decimal places).
FTE_NOISE = 1e-9

_ONE = pl.lit(1, dtype=pl.Int64)


def worker_rows(staff: pl.DataFrame, agency: pl.DataFrame) -> pl.LazyFrame:
    """One row per staff spell or agency assignment (every role), keyed the way
    ``caseloads`` names workers: ``worker_kind`` and ``worker_id``."""
    columns = ("role", "team", "service_area", "fte", "start_date", "end_date")
    employees = staff.lazy().select(
        pl.lit("employee").alias("worker_kind"),
        pl.col("employee_id").alias("worker_id"),
        *columns,
    )
    agency_workers = agency.lazy().select(
        pl.lit("agency").alias("worker_kind"), "worker_id", *columns
    )
    return pl.concat([employees, agency_workers])


def locate_workers(frame: pl.LazyFrame, workers: pl.LazyFrame) -> pl.LazyFrame:
    """Adds the worker's row on ``as_of``: ``worker_known`` (any row in the named extract),
    ``worker_in_post``, ``worker_social_work`` (in post in a social-work row) and that row's
    role, team, service_area and fte. Rows of one worker never overlap, so the latest row
    started by the date is the only one that can be in post on it."""
    known = workers.select(*WORKER_KEYS).unique().with_columns(pl.lit(True).alias("worker_known"))
    rows = workers.sort("start_date")
    in_post = pl.col("start_date").is_not_null() & (
        pl.col("end_date").is_null() | (pl.col("end_date") >= pl.col(AS_OF))
    )
    return (
        frame.sort(AS_OF)
        .join_asof(
            rows,
            left_on=AS_OF,
            right_on="start_date",
            by=list(WORKER_KEYS),
            strategy="backward",
            check_sortedness=False,
        )
        .join(known, on=list(WORKER_KEYS), how="left")
        .with_columns(pl.col("worker_known").fill_null(False), in_post.alias("worker_in_post"))
        .with_columns(
            (pl.col("worker_in_post") & is_social_work_role()).alias("worker_social_work")
        )
        .drop("start_date", "end_date")
    )


def allocations_on(dates: pl.DataFrame, caseloads: pl.DataFrame) -> pl.LazyFrame:
    """Allocations in post on each as-of date."""
    first, last = dates.get_column(AS_OF).min(), dates.get_column(AS_OF).max()
    # Only allocations overlapping the batch's date range can pair: a cheap cut before
    # the inequality join, which otherwise sorts the whole extract for every batch.
    overlapping = (
        caseloads.lazy()
        .with_columns(end_or_open("allocated_to").alias("__to"))
        .filter((pl.col("allocated_from") <= pl.lit(last)) & (pl.col("__to") >= pl.lit(first)))
    )
    return (
        dates.lazy()
        .join_where(
            overlapping,
            pl.col("allocated_from") <= pl.col(AS_OF),
            pl.col("__to") >= pl.col(AS_OF),
        )
        .select(AS_OF, "source_row", *WORKER_KEYS, "child_ref")
    )


def worker_caseloads(
    dates: pl.DataFrame, caseloads: pl.DataFrame, workers: pl.LazyFrame
) -> pl.LazyFrame:
    """Counted workers with their caseload (distinct children) on each as-of date. The
    child reference stops here: it is never a column of the result."""
    per_worker = (
        allocations_on(dates, caseloads)
        .group_by(AS_OF, *WORKER_KEYS)
        .agg(pl.col("child_ref").n_unique().cast(pl.Int64).alias("caseload"))
    )
    return (
        locate_workers(per_worker, workers)
        .filter(pl.col("worker_social_work"))
        .select(AS_OF, *WORKER_KEYS, "team", "service_area", "role", "fte", "caseload")
    )


def counted_worker_rows(workers: pl.LazyFrame) -> pl.LazyFrame:
    """One row per social-work worker row, with the days on which it is the row that
    ``locate_workers`` finds for the worker and is in post: from its start to its end,
    cut the day before the worker's next row (of any role) starts. ``row_to`` is null
    when open. ``worker_row`` numbers the rows."""
    next_start = pl.col("start_date").shift(-1).over(list(WORKER_KEYS))
    cut = day_number(next_start) - 1
    last_day = pl.min_horizontal(day_number(end_or_open("end_date")), cut)
    return (
        workers.filter(pl.col("start_date").is_not_null())
        .sort([*WORKER_KEYS, "start_date"], maintain_order=True)
        .with_columns(last_day.alias("__last"))
        .filter(is_social_work_role() & (pl.col("__last") >= day_number(pl.col("start_date"))))
        .select(
            *WORKER_KEYS,
            "team",
            "service_area",
            "role",
            "fte",
            pl.col("start_date").alias("row_from"),
            pl.when(pl.col("__last") == day_number(pl.lit(OPEN_END)))
            .then(None)
            .otherwise(pl.col("__last").cast(pl.Date))
            .alias("row_to"),
        )
        .with_row_index("worker_row")
    )


def _allocation_runs(clipped: pl.LazyFrame) -> pl.LazyFrame:
    """Merges overlapping and adjacent day ranges of the same (``worker_row``, ``child``)
    into runs: one row per run, ``__from`` to ``__to`` (day numbers); the running reach is
    the latest ``__to`` so far of the key."""
    keys = ["worker_row", "child"]
    reach = running_max_per_run(pl.col("__to"), keys)
    starts_run = first_of_run(keys) | (pl.col("__from") > reach.shift(1) + 1)
    ends_run = starts_run.shift(-1).fill_null(True)
    return (
        clipped.sort([*keys, "__from"])
        .with_columns(
            starts_run.alias("__starts"),
            ends_run.alias("__ends"),
            reach.cast(pl.Int32).alias("__run_to"),
        )
        .filter(pl.col("__starts") | pl.col("__ends"))
        # Left: one row per run (both ends) or two (its start, then its end).
        .with_columns(
            pl.when(pl.col("__ends"))
            .then(pl.col("__run_to"))
            .otherwise(pl.col("__run_to").shift(-1))
            .alias("__to")
        )
        .filter(pl.col("__starts"))
        .select("worker_row", "__from", "__to")
    )


def caseload_pieces(caseloads: pl.DataFrame, workers: pl.LazyFrame) -> pl.LazyFrame:
    """Each counted worker row's caseload (distinct children) as a step function: one row
    per run of days with the same caseload of at least 1, with the worker row's number
    (``worker_row`` of ``counted_worker_rows``), team, service_area and fte; ``piece_to``
    is null when open. The child reference stops here. On any day a worker has at most one
    piece, that of its located row."""
    open_end = day_number(pl.lit(OPEN_END))
    rows = counted_worker_rows(workers).with_columns(
        day_number(pl.col("row_from")).alias("__row_from"),
        day_number(pl.col("row_to")).fill_null(open_end).alias("__row_to"),
    )
    # Allocations clipped to the days their worker is counted in one row; a child's
    # distinct count is then the number of merged runs of that (row, child) covering a day.
    clipped = (
        caseloads.lazy()
        .filter(pl.col("allocated_from").is_not_null())
        .select(
            *WORKER_KEYS,
            pl.col("child_ref").cast(pl.Categorical).to_physical().alias("child"),
            day_number(pl.col("allocated_from")).alias("__from"),
            day_number(end_or_open("allocated_to")).alias("__to"),
        )
        .join(rows.select(*WORKER_KEYS, "worker_row", "__row_from", "__row_to"), on=WORKER_KEYS)
        .select(
            "worker_row",
            "child",
            pl.max_horizontal("__from", "__row_from").alias("__from"),
            pl.min_horizontal("__to", "__row_to").alias("__to"),
        )
        .filter(pl.col("__to") >= pl.col("__from"))
    )
    runs = _allocation_runs(clipped)
    steps = pl.concat(
        [
            runs.select("worker_row", pl.col("__from").alias("__day"), _ONE.alias("__step")),
            runs.filter(pl.col("__to") < open_end).select(
                "worker_row", (pl.col("__to") + 1).alias("__day"), (-_ONE).alias("__step")
            ),
        ]
    )
    return (
        steps.group_by("worker_row", "__day")
        .agg(pl.col("__step").sum())
        # A child leaving on the day another arrives changes nothing: no new piece.
        .filter(pl.col("__step") != 0)
        .sort("worker_row", "__day")
        .with_columns(
            pl.col("__step").cum_sum().over("worker_row").alias("caseload"),
            (pl.col("__day").shift(-1).over("worker_row") - 1).alias("__last"),
        )
        .filter(pl.col("caseload") > 0)
        .join(rows.select("worker_row", "team", "service_area", "fte"), on="worker_row")
        .select(
            "worker_row",
            "team",
            "service_area",
            "fte",
            pl.col("__day").cast(pl.Date).alias("piece_from"),
            pl.col("__last").cast(pl.Date).alias("piece_to"),
            "caseload",
        )
    )


def caseload_stock(pieces: pl.LazyFrame, threshold: int) -> pl.LazyFrame:
    """Changes of cases, case holders, their FTE and those over ``threshold``, per scope.
    Changes are summed per team first, so far fewer rows are copied into three scopes."""
    # Categorical teams: millions of changes group on small integer codes, not strings.
    coded = pieces.select(
        pl.col("team", "service_area").cast(pl.Categorical),
        "piece_from",
        "piece_to",
        "caseload",
        "fte",
    )
    by_team = interval_changes(
        coded,
        start="piece_from",
        end="piece_to",
        keys=("team", "service_area"),
        values={
            "cases": pl.col("caseload").cast(pl.Int64),
            "case_holders_n": _ONE,
            "case_holders_fte": pl.col("fte").cast(EXACT),
            "over_threshold_n": (pl.col("caseload") > threshold).cast(pl.Int64),
        },
    )
    summed = by_team.group_by("team", "service_area", CHANGE_DATE).agg(
        pl.col("cases", "case_holders_n", "case_holders_fte", "over_threshold_n").sum()
    )
    return with_scopes(summed.with_columns(pl.col("team", "service_area").cast(pl.String))).drop(
        "team", "service_area"
    )


def max_caseload_totals(dates: pl.DataFrame, pieces: pl.DataFrame) -> pl.LazyFrame:
    """The largest caseload of a worker in each scope on each date (scopes with a case
    holder only): dates pair with worker pieces, about one per case holder in post."""
    first, last = dates.get_column(AS_OF).min(), dates.get_column(AS_OF).max()
    overlapping = (
        pieces.lazy()
        .with_columns(end_or_open("piece_to").alias("__to"))
        .filter((pl.col("piece_from") <= pl.lit(last)) & (pl.col("__to") >= pl.lit(first)))
    )
    by_team = (
        dates.lazy()
        .join_where(
            overlapping,
            pl.col("piece_from") <= pl.col(AS_OF),
            pl.col("__to") >= pl.col(AS_OF),
        )
        .group_by(AS_OF, "team", "service_area")
        .agg(pl.col("caseload").max().cast(pl.Float64).alias("max_caseload"))
    )
    return with_scopes(by_team).group_by(AS_OF, *SCOPE_KEYS).agg(pl.col("max_caseload").max())


def stability_totals(
    dates: pl.DataFrame, spells: pl.LazyFrame, leavers: pl.LazyFrame
) -> pl.LazyFrame:
    """Employees in post on D - 1 year (counted in that spell's team) and how many of them
    are stable: in post on D in any social-work spell and with no leaver event in W(D),
    both judged trust-wide."""
    spell_rows = spells.select(
        "employee_id", "team", "service_area", "start_date", "end_date"
    ).with_columns(end_or_open("end_date").alias("__end"))
    base = (
        dates.lazy()
        .join_where(
            spell_rows,
            pl.col("start_date") <= pl.col(WINDOW_START),
            pl.col("__end") >= pl.col(WINDOW_START),
        )
        .select(AS_OF, WINDOW_START, "employee_id", "team", "service_area")
    )
    spell_on_as_of = spell_rows.select(
        "employee_id",
        pl.col("start_date").alias("__now_start"),
        pl.col("end_date").alias("__now_end"),
    ).sort("__now_start")
    last_leaving = leavers.select("employee_id", pl.col(EVENT_DATE).alias("__left")).sort("__left")
    still_in_post = pl.col("__now_start").is_not_null() & (
        pl.col("__now_end").is_null() | (pl.col("__now_end") >= pl.col(AS_OF))
    )
    left_in_window = pl.col("__left").is_not_null() & (pl.col("__left") > pl.col(WINDOW_START))
    judged = (
        base.sort(AS_OF)
        .join_asof(
            spell_on_as_of,
            left_on=AS_OF,
            right_on="__now_start",
            by="employee_id",
            strategy="backward",
            check_sortedness=False,
        )
        .join_asof(
            last_leaving,
            left_on=AS_OF,
            right_on="__left",
            by="employee_id",
            strategy="backward",
            check_sortedness=False,
        )
        .with_columns((still_in_post & ~left_in_window).alias("stable"))
    )
    by_team = judged.group_by(AS_OF, "team", "service_area").agg(
        pl.col("stable").sum().cast(pl.Int64).alias("stable_n"),
        pl.len().cast(pl.Int64).alias("stability_base_n"),
    )
    return (
        with_scopes(by_team)
        .group_by(AS_OF, *SCOPE_KEYS)
        .agg(pl.col("stable_n", "stability_base_n").sum())
    )


def vacancy_cells(
    dates: pl.DataFrame,
    establishment: pl.DataFrame,
    employed_by_cell: pl.DataFrame,
    agency_by_cell: pl.DataFrame,
) -> pl.LazyFrame:
    """Social-work establishment cells in force on each date, with the employed and agency
    FTE in the same (team, role) and the cell's vacancy and agency cover. An overstaffed
    cell has vacancy 0: it does not offset another cell."""
    cells = (
        dates.lazy()
        .join_where(
            social_work_rows(establishment).with_columns(end_or_open("effective_to").alias("__to")),
            pl.col("effective_from") <= pl.col(AS_OF),
            pl.col("__to") >= pl.col(AS_OF),
        )
        .select(AS_OF, "team", "service_area", "role", "funded_fte")
    )
    employed = {"employed_n": "__employed_n", "employed_fte": "employed_fte"}
    agency = {"agency_n": "__agency_n", "agency_fte": "agency_fte"}
    shortfall = (pl.col("funded_fte").cast(EXACT) - pl.col("employed_fte").cast(EXACT)).cast(
        pl.Float64
    )
    return (
        cells.pipe(totals_on, employed_by_cell, on=AS_OF, keys=CELL_KEYS, rename=employed)
        .pipe(totals_on, agency_by_cell, on=AS_OF, keys=CELL_KEYS, rename=agency)
        .with_columns(
            pl.when(pl.col("__employed_n") == 0)
            .then(0.0)
            .otherwise("employed_fte")
            .alias("employed_fte"),
            pl.when(pl.col("__agency_n") == 0)
            .then(0.0)
            .otherwise("agency_fte")
            .alias("agency_fte"),
        )
        .with_columns(
            pl.when(shortfall > FTE_NOISE).then(shortfall).otherwise(0.0).alias("vacancy_fte")
        )
        .with_columns(
            pl.when(pl.col("agency_fte") < pl.col("vacancy_fte"))
            .then(pl.col("agency_fte"))
            .otherwise(pl.col("vacancy_fte"))
            .alias("agency_cover_fte")
        )
        .drop("__employed_n", "__agency_n")
    )


def vacancy_totals(cells: pl.LazyFrame) -> pl.LazyFrame:
    return (
        with_scopes(cells)
        .group_by(AS_OF, *SCOPE_KEYS)
        .agg(
            pl.len().cast(pl.Int64).alias("cells_n"),
            exact_sum(pl.col("vacancy_fte")),
            exact_sum(pl.col("agency_cover_fte")),
        )
    )


def social_work_cell_stock(rows: pl.DataFrame, prefix: str) -> pl.LazyFrame:
    """Changes of the headcount and FTE of social-work rows in post, per (team, role)."""
    return interval_changes(
        social_work_rows(rows),
        start="start_date",
        end="end_date",
        keys=CELL_KEYS,
        values={
            f"{prefix}_n": pl.lit(1, dtype=pl.Int64),
            f"{prefix}_fte": pl.col("fte"),
        },
    )
