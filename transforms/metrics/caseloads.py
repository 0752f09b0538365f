"""Caseloads: children allocated to social workers (employed or agency) in post on the
as-of date, case holders, average and largest caseloads, and the share over the threshold.

Grains:
- ``worker_rows``: one row per staff spell or agency assignment (every role), keyed as
  ``caseloads`` names workers (``worker_kind``, ``worker_id``);
- ``allocations_on``: one row per (as-of date, allocation in post on it);
- ``worker_caseloads``: one row per (as-of date, counted worker with at least one case);
- ``caseload_pieces``: one row per (counted worker row, run of days with one caseload >= 1):
  each worker's caseload (distinct children) as a step function, swept for the totals;
- totals added to the wide frame: one row per (as-of date, scope, scope value) with
  ``cases``, ``case_holders_n``, ``case_holders_fte``, ``over_threshold_n`` and
  ``max_caseload`` (dates paired with the pieces in force);
- ``caseload_by_worker``: one row per case holder on one date;
- ``uncounted_allocations``: one finding per allocation in post on one date that no
  metric counts.

The child reference is used to count distinct children and stops there: no frame returned
here carries it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import polars as pl

from transforms.metrics.base import ONE, Formula, MetricParams
from transforms.metrics.sweep import (
    AS_OF,
    CHANGE_DATE,
    EXACT,
    as_of_frame,
    interval_changes,
    periods_in_force,
    running_totals,
    totals_on,
    with_scopes,
)
from transforms.periods import OPEN_END, day_number, end_or_open, first_of_run, running_max_per_run
from transforms.schema import Extracts, empty_findings, is_social_work_role, sort_findings
from transforms.scopes import SCOPE_KEYS

WORKER_KEYS: tuple[str, str] = ("worker_kind", "worker_id")

CASELOAD_BY_WORKER_SCHEMA: dict[str, pl.DataType] = {
    "worker_id": pl.String(),
    "worker_kind": pl.String(),
    "team": pl.String(),
    "service_area": pl.String(),
    "role": pl.String(),
    "fte": pl.Float64(),
    "caseload": pl.Int64(),
}


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
    return periods_in_force(
        dates, caseloads.lazy(), start="allocated_from", end="allocated_to"
    ).select(AS_OF, "source_row", "allocation_id", *WORKER_KEYS, "child_ref")


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
            runs.select("worker_row", pl.col("__from").alias("__day"), ONE.alias("__step")),
            runs.filter(pl.col("__to") < open_end).select(
                "worker_row", (pl.col("__to") + 1).alias("__day"), (-ONE).alias("__step")
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
            "case_holders_n": ONE,
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
    by_team = (
        periods_in_force(dates, pieces.lazy(), start="piece_from", end="piece_to")
        .group_by(AS_OF, "team", "service_area")
        .agg(pl.col("caseload").max().cast(pl.Float64).alias("max_caseload"))
    )
    return with_scopes(by_team).group_by(AS_OF, *SCOPE_KEYS).agg(pl.col("max_caseload").max())


def _allocations_touching(caseloads: pl.DataFrame, dates: pl.DataFrame) -> pl.DataFrame:
    """Allocations in post on some day from the first to the last as-of date: the others
    change no count on any of the dates, and a backfill chunk of a few weeks then builds
    caseloads from a fraction of the extract."""
    first, last = dates.get_column(AS_OF).min(), dates.get_column(AS_OF).max()
    return caseloads.filter(
        (pl.col("allocated_from") <= pl.lit(last))
        & (pl.col("allocated_to").is_null() | (pl.col("allocated_to") >= pl.lit(first)))
    )


class Caseloads:
    """Each counted worker's caseload as a step function over the call's dates (needs the
    caseloads extract)."""

    def __init__(
        self,
        extracts: Extracts,
        caseloads: pl.DataFrame,
        dates: pl.DataFrame,
        params: MetricParams,
    ) -> None:
        workers = worker_rows(extracts.staff, extracts.agency)
        self._pieces = caseload_pieces(_allocations_touching(caseloads, dates), workers).collect()
        self._stock = running_totals(
            caseload_stock(self._pieces.lazy(), params.caseload_threshold), SCOPE_KEYS
        )

    def add_totals(self, wide: pl.LazyFrame, dates: pl.DataFrame) -> pl.LazyFrame:
        return wide.pipe(totals_on, self._stock, on=AS_OF, keys=SCOPE_KEYS).join(
            max_caseload_totals(dates, self._pieces), on=[AS_OF, *SCOPE_KEYS], how="left"
        )

    def appears(self) -> None:
        return None

    def formulas(self) -> Mapping[str, Formula]:
        c = pl.col
        return {
            "cases": (c("cases"), None),
            "case_holders_headcount": (c("case_holders_n"), None),
            "case_holders_fte": (c("case_holders_fte"), None),
            "average_caseload": (c("cases"), c("case_holders_fte")),
            "caseload_per_case_holder": (c("cases"), c("case_holders_n")),
            "max_caseload": (c("max_caseload"), None),
            "case_holders_over_threshold_rate": (c("over_threshold_n"), c("case_holders_n")),
        }

    def pairing_load(self) -> tuple[pl.LazyFrame | None, pl.LazyFrame | None]:
        pieces = interval_changes(
            self._pieces.lazy(), start="piece_from", end="piece_to", keys=(), values={"pairs": ONE}
        )
        return pieces, None


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


def uncounted_allocations(extracts: Extracts, as_of: date) -> pl.DataFrame:
    """Findings (warnings) for each allocation in post on ``as_of`` that no metric counts:
    its worker is unknown to the named extract, not in post, or in post in a role that is
    not social work. Messages name a known worker, never the child; the record is the
    allocation."""
    if extracts.caseloads is None:
        return empty_findings()
    workers = worker_rows(extracts.staff, extracts.agency)
    located = locate_workers(
        allocations_on(as_of_frame([as_of]), extracts.caseloads).drop("child_ref"), workers
    ).filter(~pl.col("worker_social_work"))
    # An id that names a worker in either extract is safe to repeat; any other id might be
    # a child reference in the wrong column.
    known_ids = pl.concat(
        [extracts.staff.get_column("employee_id"), extracts.agency.get_column("worker_id")]
    ).unique()
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
                "Allocation not counted: its worker id matches no {} row (missing from the "
                "extract or quarantined).",
                named_extract,
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
        # Only ids of real workers are shown (see the message).
        pl.when(pl.col("worker_id").is_in(known_ids.implode()))
        .then(pl.col("worker_id"))
        .alias("value"),
        message.alias("message"),
        pl.format("allocation {}", pl.col("allocation_id")).alias("record_key"),
        pl.lit(True).alias("current"),
    ).collect()
    return sort_findings(findings)
