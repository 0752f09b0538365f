"""The DfE children's social work workforce census return (``shared/spec/csww.md``) as
pure polars: what the return holds, written from clean extracts or read back, and the
indicators the DfE computes from it.

Census year Y has reference date R = 30 September Y and window W(R) of ``metrics.md``.

Grains:
- ``WORKER_ITEMS`` / ``LA_ITEMS``: one entry per item of a ``CSWWWorker`` / of the LA-level
  element, in the order the structure lists them (the project's XML Schemas follow it);
- ``return_workers``: one row per ``CSWWWorker`` the return holds: one per chain of an
  employee's social-work spells joined by internal moves that is in post on R or has a
  starter or leaver event in W(R), then one per social-work agency assignment in post on
  R (columns of ``RETURN_WORKER_SCHEMA``);
- ``la_level_items``: the LA-level vacancy items of one return;
- ``census_indicators``: one row per indicator of csww.md (``INDICATOR_COLUMNS``);
- ``reconciliation``: one row per difference between a return and the return the
  extracts give (``RECONCILIATION_SCHEMA``).

Numbers carry the places the structure allows, rounded half away from zero, so a frame
from the extracts equals the frame read back from the file written from it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import polars as pl

from transforms.metrics import vacancy_by_cell
from transforms.metrics.caseloads import worker_caseloads, worker_rows
from transforms.metrics.events import (
    EVENT_DATE,
    normalised_swe_number,
    sickness_episodes,
    social_work_rows,
    social_work_spells,
)
from transforms.metrics.sweep import (
    AS_OF,
    EXACT,
    WINDOW_START,
    as_of_frame,
    exact_sum,
    in_window,
)
from transforms.metrics.vacancies import CELL_KEYS
from transforms.periods import end_or_open
from transforms.schema import (
    ABSENCE_REASONS,
    CSWW_ORG_ROLE,
    LEAVING_REASONS,
    SICKNESS,
    START_ORIGINS,
    Extracts,
)

# --- the structures ----------------------------------------------------------------------

Structure = Literal["2021", "2024", "2025"]
STRUCTURES: tuple[Structure, ...] = ("2021", "2024", "2025")
# What HR calls each structure (the years it is used for).
STRUCTURE_LABELS: dict[Structure, str] = {"2021": "2021-23", "2024": "2024", "2025": "2025+"}
FIRST_CENSUS_YEAR = 2021
CENSUS_MONTH, CENSUS_DAY = 9, 30
COLLECTION = "CSWW"
SOURCE_LEVEL = "L"
LEA_PATTERN = r"^[0-9]{3}$"

ROOT_ELEMENT = "Message"
HEADER_ELEMENT = "Header"
WORKER_ELEMENT = "CSWWWorker"
# The LA-level element was renamed in 2025.
LA_ELEMENTS: dict[Structure, str] = {
    "2021": "LALevelVacancies",
    "2024": "LALevelVacancies",
    "2025": "LALevel",
}


def structure_for_year(year: int) -> Structure | None:
    """The structure of census year ``year``; None before the first known one."""
    if year < FIRST_CENSUS_YEAR:
        return None
    if year <= 2023:
        return "2021"
    if year == 2024:
        return "2024"
    return "2025"


def reference_date(year: int) -> dt.date:
    """R of census year ``year``: 30 September."""
    return dt.date(year, CENSUS_MONTH, CENSUS_DAY)


def census_year_of(day: dt.date) -> int:
    """The census year whose window W(R) holds ``day`` (1 Oct Y-1 .. 30 Sep Y)."""
    return day.year if day <= reference_date(day.year) else day.year + 1


# --- the items ---------------------------------------------------------------------------

ItemKind = Literal["code", "swe_number", "decimal", "integer", "date", "text"]
ALL_STRUCTURES: frozenset[Structure] = frozenset(STRUCTURES)


@dataclass(frozen=True)
class CensusItem:
    """One item of the return: how it is written and checked.

    ``indicator``: the indicators use it, so a malformed or out-of-range value quarantines
    the worker (a problem in any other item is a warning); ``required`` items quarantine
    when missing too. ``column`` names its column in ``RETURN_WORKER_SCHEMA`` (items the
    extracts do not carry have none)."""

    name: str
    kind: ItemKind
    description: str
    structures: frozenset[Structure] = ALL_STRUCTURES
    codes: tuple[str, ...] = ()
    places: int | None = None
    minimum: float | None = None
    maximum: float | None = None
    required: bool = False
    indicator: bool = False
    repeatable: bool = False
    column: str | None = None

    @property
    def quarantines(self) -> bool:
        return self.required or self.indicator


def _codes(values: Sequence[object]) -> tuple[str, ...]:
    return tuple(str(value) for value in values)


_TO_2023: frozenset[Structure] = frozenset({"2021"})
_TO_2024: frozenset[Structure] = frozenset({"2021", "2024"})
_FROM_2024: frozenset[Structure] = frozenset({"2024", "2025"})
_FROM_2025: frozenset[Structure] = frozenset({"2025"})
FTE_PLACES = 6
TWO_PLACES = 2
ORG_ROLES: dict[int, str] = {
    1: "senior manager",
    2: "middle manager",
    3: "first-line manager",
    4: "senior practitioner",
    5: "case holder",
    6: "qualified without cases",
}

WORKER_ITEMS: tuple[CensusItem, ...] = (
    CensusItem(
        "AgencyWorker", "code", "0 employed, 1 agency", codes=("0", "1"), required=True,
        column="agency_worker",
    ),
    CensusItem(
        "SWENo", "swe_number", "Social Work England number", required=True, column="swe_no"
    ),
    CensusItem(
        "FTE", "decimal", "full-time equivalent", places=FTE_PLACES, minimum=0, maximum=1,
        indicator=True, column="fte",
    ),
    CensusItem("PersonBirthDate", "date", "date of birth"),
    CensusItem("GenderCurrent", "code", "gender", _TO_2023, codes=("0", "1", "2", "9")),
    CensusItem("Sex", "code", "sex", _FROM_2024, codes=("M", "F")),
    CensusItem("Ethnicity", "text", "ethnicity"),
    CensusItem("QualInst", "text", "qualifying institution", _TO_2024),
    CensusItem("QualLevel", "code", "qualification level", codes=("1", "2", "3")),
    CensusItem("StepUpGrad", "text", "Step Up to Social Work graduate"),
    CensusItem(
        "OrgRole", "code", "organisational role", codes=_codes(list(ORG_ROLES)),
        column="org_role",
    ),
    CensusItem(
        "RoleStartDate", "date", "start date in the role", indicator=True,
        column="role_start_date",
    ),
    CensusItem(
        "StartOrigin", "code", "origin of a starter", codes=_codes(list(START_ORIGINS)),
        column="start_origin",
    ),
    CensusItem(
        "RoleEndDate", "date", "leaving date", indicator=True, column="role_end_date"
    ),
    CensusItem(
        "LeaverDestination", "code", "destination of a leaver", codes=_codes(range(1, 10))
    ),
    CensusItem(
        "ReasonLeave", "code", "reason for leaving", codes=_codes(list(LEAVING_REASONS)),
        column="reason_leave",
    ),
    CensusItem(
        "FTE30", "decimal", "FTE on the reference date", places=FTE_PLACES, minimum=0,
        maximum=1, indicator=True, column="fte30",
    ),
    CensusItem(
        "Cases30", "integer", "cases held on the reference date", minimum=0, indicator=True,
        column="cases30",
    ),
    CensusItem(
        "WorkingDaysLost", "decimal", "working days lost to sickness in the year",
        places=TWO_PLACES, minimum=0, indicator=True, column="working_days_lost",
    ),
    CensusItem("ContractWeeks", "decimal", "contracted weeks a year", minimum=0),
    CensusItem("FrontlineGrad", "text", "Frontline graduate"),
    CensusItem("Absat30Sept", "text", "absent on the reference date"),
    CensusItem(
        "ReasonAbsence", "code", "reason for absence", codes=tuple(ABSENCE_REASONS),
        repeatable=True, column="reason_absence",
    ),
    CensusItem("CFKSSstatus", "text", "knowledge and skills statement status", _TO_2024),
    CensusItem("BaseSalary", "decimal", "base salary", _FROM_2025, minimum=0),
    CensusItem("RRPayments", "decimal", "recruitment and retention payments", _FROM_2025,
               minimum=0),
    CensusItem("OtherPayments", "decimal", "other payments", _FROM_2025, minimum=0),
)  # fmt: skip
WORKER_ITEMS_BY_NAME: dict[str, CensusItem] = {item.name: item for item in WORKER_ITEMS}

PAY_CODES: tuple[str, ...] = ("0", "1", "2")
# 2025 on: LA-level pay items, each stated by HR in the [census] settings (no defaults).
PAY_SETTINGS: dict[str, str] = {
    "RecruitmentBonus": "recruitment_bonus",
    "RetentionBonus": "retention_bonus",
    "PerformanceAward": "performance_award",
    "CarAllowance": "car_allowance",
    "RelocationPackage": "relocation_package",
    "RegionalWeighting": "regional_weighting",
    "CostSWE": "cost_swe",
    "CostDBS": "cost_dbs",
    "OtherAllowances": "other_allowances",
}

LA_ITEMS: tuple[CensusItem, ...] = (
    CensusItem(
        "NumberOfVacancies", "decimal", "vacant FTE on the reference date", places=TWO_PLACES,
        minimum=0, indicator=True, column="number_of_vacancies",
    ),
    CensusItem(
        "NoAgencyFTE", "decimal", "agency FTE covering vacancies", places=TWO_PLACES,
        minimum=0, indicator=True, column="no_agency_fte",
    ),
    CensusItem(
        "NoAgencyHeadcount", "integer", "agency workers covering vacancies", minimum=0,
        column="no_agency_headcount",
    ),
    *(
        CensusItem(name, "code", f"{setting.replace('_', ' ')} (0 no, 1 all eligible, "
                   "2 some eligible)", _FROM_2025, codes=PAY_CODES, required=True)
        for name, setting in PAY_SETTINGS.items()
        if name != "OtherAllowances"
    ),
    CensusItem("OtherAllowances", "text", "other allowances", _FROM_2025, required=True),
)  # fmt: skip
LA_ITEMS_BY_NAME: dict[str, CensusItem] = {item.name: item for item in LA_ITEMS}


def items_of(items: Sequence[CensusItem], structure: Structure) -> tuple[CensusItem, ...]:
    """The items a structure carries, in their order."""
    return tuple(item for item in items if structure in item.structures)


# --- the return as a frame -----------------------------------------------------------------

WORKER_NUMBER = "worker"
RETURN_WORKER_SCHEMA: dict[str, pl.DataType] = {
    WORKER_NUMBER: pl.Int64(),  # position in the file, from 1
    "agency_worker": pl.Int64(),
    "swe_no": pl.String(),
    "fte": pl.Float64(),
    "org_role": pl.Int64(),
    "role_start_date": pl.Date(),
    "start_origin": pl.Int64(),
    "role_end_date": pl.Date(),
    "reason_leave": pl.Int64(),
    "fte30": pl.Float64(),
    "cases30": pl.Int64(),
    "working_days_lost": pl.Float64(),
    "reason_absence": pl.List(pl.String()),
}
EMPLOYED, AGENCY = 0, 1


@dataclass(frozen=True)
class LaLevelItems:
    """The LA-level vacancy items; None where the extracts (or the file) do not carry
    them."""

    number_of_vacancies: float | None = None
    no_agency_fte: float | None = None
    no_agency_headcount: int | None = None


def rounded(expr: pl.Expr, places: int) -> pl.Expr:
    """``expr`` rounded to ``places`` decimals, half away from zero, on its decimal value
    (a float such as 2.345, stored as 2.34499..., rounds to 2.35)."""
    return expr.cast(EXACT).round(places, mode="half_away_from_zero").cast(pl.Float64)


def _round_value(value: float | None, places: int) -> float | None:
    if value is None:
        return None
    result = pl.select(rounded(pl.lit(value, dtype=pl.Float64), places)).item()
    return float(result)


def _with_window(frame: pl.LazyFrame, reference: dt.date) -> pl.LazyFrame:
    window = as_of_frame([reference])
    return frame.with_columns(
        pl.lit(reference).alias(AS_OF), pl.lit(window.item(0, WINDOW_START)).alias(WINDOW_START)
    )


def _in_post(start: str, end: str) -> pl.Expr:
    """``metrics.md``'s in post on the row's ``as_of``."""
    return (pl.col(start) <= pl.col(AS_OF)) & (end_or_open(end) >= pl.col(AS_OF))


def _caseloads_on(extracts: Extracts, reference: dt.date) -> pl.DataFrame | None:
    """``worker_kind``, ``worker_id`` -> caseload on R of each worker the engine counts
    (in post in a social-work row with at least one child); None without caseloads."""
    if extracts.caseloads is None:
        return None
    return (
        worker_caseloads(
            as_of_frame([reference]),
            extracts.caseloads,
            worker_rows(extracts.staff, extracts.agency),
        )
        .select("worker_kind", "worker_id", pl.col("caseload").alias("__cases"))
        .collect()
    )


def _of_kind(cases: pl.DataFrame | None, kind: str) -> pl.LazyFrame | None:
    if cases is None:
        return None
    return cases.lazy().filter(pl.col("worker_kind") == kind).drop("worker_kind")


def employee_chains(staff: pl.DataFrame) -> pl.LazyFrame:
    """The engine's social-work spells (one row each, by employee and start) with
    ``chain``: 1, 2... per employee, a new chain at each spell that does not start by an
    internal move (judged over the whole extract)."""
    return social_work_spells(staff).with_columns(
        (~pl.col("moved_in")).cast(pl.Int64).cum_sum().over("employee_id").alias("chain")
    )


def _employed_workers(
    extracts: Extracts, reference: dt.date, cases: pl.LazyFrame | None
) -> pl.LazyFrame:
    spells = _with_window(employee_chains(extracts.staff), reference)
    by_r = pl.col("start_date") <= pl.col(AS_OF)

    def on_r(column: str) -> pl.Expr:
        # The chain's spell on R: the one in post, the leaver's last spell, or (R in the gap
        # of an internal move) the last spell started by R.
        return pl.col(column).filter(by_r).last()

    chains = spells.group_by("employee_id", "chain", maintain_order=True).agg(
        pl.col("start_date").first().alias("role_start_date"),
        pl.col("start_origin").first().alias("start_origin"),
        pl.col("end_date").last().alias("__last_end"),
        pl.col("leaving_reason").last().alias("__last_reason"),
        _in_post("start_date", "end_date").any().alias("__in_post"),
        on_r("fte").alias("__fte"),
        on_r("role").alias("__role"),
        on_r("swe_number").alias("__swe"),
        pl.col(AS_OF).first(),
        pl.col(WINDOW_START).first(),
    )
    ends_by_r = pl.col("__last_end").is_not_null() & (pl.col("__last_end") <= pl.col(AS_OF))
    included = (
        pl.col("__in_post")
        | in_window(pl.col("role_start_date"))
        | (pl.col("__last_end").is_not_null() & in_window(pl.col("__last_end")))
    )
    fte = rounded(pl.col("__fte"), FTE_PLACES)
    workers = chains.filter(included).with_columns(
        pl.lit(EMPLOYED, dtype=pl.Int64).alias("agency_worker"),
        normalised_swe_number("__swe").alias("swe_no"),
        fte.alias("fte"),
        pl.col("__role").replace_strict(CSWW_ORG_ROLE, return_dtype=pl.Int64).alias("org_role"),
        pl.when(ends_by_r).then(pl.col("__last_end")).alias("role_end_date"),
        pl.when(ends_by_r).then(pl.col("__last_reason")).alias("reason_leave"),
        pl.when(pl.col("__in_post")).then(fte).alias("fte30"),
    )
    if cases is not None:
        workers = workers.join(
            cases, left_on="employee_id", right_on="worker_id", how="left"
        ).with_columns(
            pl.when(pl.col("__in_post")).then(pl.col("__cases").fill_null(0)).alias("cases30")
        )
    else:
        workers = workers.with_columns(pl.lit(None, dtype=pl.Int64).alias("cases30"))
    if extracts.absence is not None:
        days = pl.col("__days")
        workers = workers.join(
            _sickness_days_by_chain(extracts.absence, spells, reference),
            on=["employee_id", "chain"],
            how="left",
        ).with_columns(
            rounded(days.fill_null(0.0), TWO_PLACES).alias("working_days_lost"),
        )
        workers = workers.with_columns(
            pl.when(pl.col("working_days_lost") > 0)
            .then(pl.lit([SICKNESS], dtype=pl.List(pl.String)))
            .alias("reason_absence")
        )
    else:
        workers = workers.with_columns(
            pl.lit(None, dtype=pl.Float64).alias("working_days_lost"),
            pl.lit(None, dtype=pl.List(pl.String)).alias("reason_absence"),
        )
    return workers


def _sickness_days_by_chain(
    absence: pl.DataFrame, spells: pl.LazyFrame, reference: dt.date
) -> pl.LazyFrame:
    """Each chain's ``sickness_days_lost`` in W(R): the engine's SIC episodes (those that
    start while a social-work spell of the employee is in post), each given to the chain
    holding that spell. An employee's chains follow one another in time, so it is the
    latest chain started by the episode's start."""
    episodes = _with_window(sickness_episodes(absence, spells), reference).filter(
        in_window(pl.col(EVENT_DATE))
    )
    chain_starts = (
        spells.group_by("employee_id", "chain")
        .agg(pl.col("start_date").min().alias("__chain_start"))
        .sort("__chain_start")
    )
    return (
        episodes.sort(EVENT_DATE)
        .join_asof(
            chain_starts,
            left_on=EVENT_DATE,
            right_on="__chain_start",
            by="employee_id",
            strategy="backward",
            check_sortedness=False,
        )
        .group_by("employee_id", "chain")
        .agg(exact_sum(pl.col("days_lost")).alias("__days"))
    )


def _agency_workers(
    extracts: Extracts, reference: dt.date, cases: pl.LazyFrame | None
) -> pl.LazyFrame:
    assignments = _with_window(social_work_rows(extracts.agency), reference).filter(
        _in_post("start_date", "end_date")
    )
    fte = rounded(pl.col("fte"), FTE_PLACES)
    workers = assignments.with_columns(
        pl.lit(AGENCY, dtype=pl.Int64).alias("agency_worker"),
        normalised_swe_number().alias("swe_no"),
        fte.alias("fte"),
        fte.alias("fte30"),
        pl.col("role").replace_strict(CSWW_ORG_ROLE, return_dtype=pl.Int64).alias("org_role"),
    )
    if cases is None:
        return workers.with_columns(pl.lit(None, dtype=pl.Int64).alias("cases30"))
    return workers.join(cases, on="worker_id", how="left").with_columns(
        pl.col("__cases").fill_null(0).alias("cases30")
    )


def _as_return_frame(workers: pl.LazyFrame) -> pl.LazyFrame:
    """Workers in ``RETURN_WORKER_SCHEMA`` (missing items null)."""
    present = workers.collect_schema().names()
    return workers.select(
        [
            pl.col(name).cast(dtype) if name in present else pl.lit(None, dtype=dtype).alias(name)
            for name, dtype in RETURN_WORKER_SCHEMA.items()
            if name != WORKER_NUMBER
        ]
    )


def return_workers(extracts: Extracts, reference: dt.date) -> pl.DataFrame:
    """Every ``CSWWWorker`` of the return for reference date R (csww.md "Writing the
    return"), numbered in the order they are written: employed workers, then agency
    workers, each by SWE number and start."""
    cases = _caseloads_on(extracts, reference)
    workers = pl.concat(
        [
            _as_return_frame(_employed_workers(extracts, reference, _of_kind(cases, "employee"))),
            _as_return_frame(_agency_workers(extracts, reference, _of_kind(cases, "agency"))),
        ]
    )
    return (
        workers.sort(
            ["agency_worker", "swe_no", "role_start_date", "fte"],
            nulls_last=False,
            maintain_order=True,
        )
        .collect()
        .with_row_index(WORKER_NUMBER, offset=1)
        .with_columns(pl.col(WORKER_NUMBER).cast(pl.Int64))
        .select(list(RETURN_WORKER_SCHEMA))
    )


def la_level_items(extracts: Extracts, reference: dt.date) -> LaLevelItems:
    """The vacancy items on R from the engine's establishment cells (``vacancy_by_cell``):
    ``vacancy_fte``, the numerator of ``vacancy_agency_cover_rate`` and the distinct agency
    workers in post in cells with a vacancy. None each without an establishment extract."""
    if extracts.establishment is None:
        return LaLevelItems()
    cells = vacancy_by_cell(extracts, reference)
    totals = cells.select(
        exact_sum(pl.col("vacancy_fte")).alias("vacancy"),
        exact_sum(pl.col("agency_cover_fte")).alias("cover"),
    )
    vacant_cells = cells.filter(pl.col("vacancy_fte") > 0).select(*CELL_KEYS).lazy()
    headcount = (
        _with_window(social_work_rows(extracts.agency), reference)
        .filter(_in_post("start_date", "end_date"))
        .join(vacant_cells, on=list(CELL_KEYS), how="semi")
        .select(pl.col("worker_id").n_unique())
        .collect()
        .item()
    )
    return LaLevelItems(
        number_of_vacancies=_round_value(totals.item(0, "vacancy"), TWO_PLACES),
        no_agency_fte=_round_value(totals.item(0, "cover"), TWO_PLACES),
        no_agency_headcount=int(headcount),
    )


# --- the indicators --------------------------------------------------------------------------

INDICATOR_COLUMNS: dict[str, pl.DataType] = {
    "indicator": pl.String(),
    "value": pl.Float64(),
    "numerator": pl.Float64(),
    "denominator": pl.Float64(),
}
# Each indicator of csww.md and the trust-scope metric of metrics.md it equals for a
# return written from a drop (up to the rounding of 2-place items).
METRIC_OF_INDICATOR: dict[str, str] = {
    "agency_rate": "agency_rate",
    "turnover_rate": "turnover_rate",
    "vacancy_rate": "vacancy_rate",
    "vacancy_agency_cover_rate": "vacancy_agency_cover_rate",
    "average_caseload": "average_caseload",
    "absence_rate": "absence_rate",
    "employed_fte": "employed_fte",
    "agency_fte": "agency_fte",
    "leavers_fte": "leavers_fte",
    "starters_fte": "starters_fte",
    "employed_workers": "employed_headcount",
    "agency_workers": "agency_headcount",
}
INDICATORS: tuple[str, ...] = tuple(METRIC_OF_INDICATOR)


def in_post_on_reference() -> pl.Expr:
    """A return worker in post on R (the frame's ``as_of``): ``RoleStartDate`` on or
    before R and ``RoleEndDate`` empty or on or after R. A worker without a start date
    (agency workers carry none) counts as started."""
    start = pl.col("role_start_date")
    end = pl.col("role_end_date")
    return (start.is_null() | (start <= pl.col(AS_OF))) & (end.is_null() | (end >= pl.col(AS_OF)))


def _sum_or_none(values: pl.Expr) -> pl.Expr:
    """Exact sum; null when no worker carries the item (an item the return leaves out is
    not a zero)."""
    return pl.when(values.is_not_null().any()).then(exact_sum(values.fill_null(0.0)))


def census_indicators(
    workers: pl.DataFrame,
    la_level: LaLevelItems,
    reference: dt.date,
    working_days_per_year: float,
) -> pl.DataFrame:
    """The indicators of csww.md from a return's (kept) workers on R, in ``INDICATORS``
    order. Quotients carry numerator and denominator; a zero or missing denominator
    leaves the value empty."""
    employed = pl.col("agency_worker") == EMPLOYED
    agency = pl.col("agency_worker") == AGENCY
    in_post = in_post_on_reference()
    fte = pl.col("fte").fill_null(0.0)

    def fte_of(mask: pl.Expr) -> pl.Expr:
        return exact_sum(pl.when(mask).then(fte).otherwise(0.0))

    totals = (
        _with_window(workers.lazy(), reference)
        .select(
            fte_of(employed & in_post).alias("employed_fte"),
            fte_of(agency & in_post).alias("agency_fte"),
            fte_of(employed & in_window(pl.col("role_end_date")).fill_null(False)).alias(
                "leavers_fte"
            ),
            fte_of(employed & in_window(pl.col("role_start_date")).fill_null(False)).alias(
                "starters_fte"
            ),
            (employed & in_post).sum().cast(pl.Float64).alias("employed_workers"),
            (agency & in_post).sum().cast(pl.Float64).alias("agency_workers"),
            _sum_or_none(pl.col("cases30").cast(pl.Float64)).alias("cases"),
            fte_of(in_post & (pl.col("cases30") > 0).fill_null(False)).alias("case_holders_fte"),
            _sum_or_none(pl.when(employed).then(pl.col("working_days_lost"))).alias("days_lost"),
        )
        .collect()
        .row(0, named=True)
    )
    vacancies = la_level.number_of_vacancies
    cover = la_level.no_agency_fte
    employed_fte = totals["employed_fte"]

    def plus(first: float | None, second: float) -> float | None:
        return None if first is None else first + second

    quotients: dict[str, tuple[float | None, float | None]] = {
        "agency_rate": (totals["agency_fte"], totals["agency_fte"] + employed_fte),
        "turnover_rate": (totals["leavers_fte"], employed_fte),
        "vacancy_rate": (vacancies, plus(vacancies, employed_fte)),
        "vacancy_agency_cover_rate": (cover, vacancies),
        "average_caseload": (totals["cases"], totals["case_holders_fte"]),
        "absence_rate": (totals["days_lost"], employed_fte * working_days_per_year),
    }
    rows: list[tuple[str, float | None, float | None, float | None]] = []
    for name in INDICATORS:
        if name in quotients:
            numerator, denominator = quotients[name]
            value = (
                numerator / denominator
                if numerator is not None and denominator is not None and denominator != 0
                else None
            )
            rows.append((name, value, numerator, denominator))
        else:
            rows.append((name, totals[name], None, None))
    return pl.DataFrame(rows, schema=INDICATOR_COLUMNS, orient="row")


# --- reconciliation ----------------------------------------------------------------------

RECONCILIATION_SCHEMA: dict[str, pl.DataType] = {
    "level": pl.String(),  # indicator, la_level or worker
    "indicator": pl.String(),
    "swe_no": pl.String(),
    "agency_worker": pl.Int64(),
    "item": pl.String(),
    "in_return": pl.String(),
    "in_extracts": pl.String(),
    "difference": pl.Float64(),  # in_return - in_extracts, where both are numbers
    "message": pl.String(),
}
# Float noise allowed between two computations of one number.
_SAME = 1e-9
_COMPARED_ITEMS: tuple[CensusItem, ...] = tuple(
    item for item in WORKER_ITEMS if item.column not in (None, "agency_worker", "swe_no")
)


def _as_text(expr: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    if dtype == pl.Date():
        return expr.dt.strftime("%Y-%m-%d")
    if isinstance(dtype, pl.List):
        return expr.list.join(" ")
    return expr.cast(pl.String)


def _indicator_differences(in_return: pl.DataFrame, in_extracts: pl.DataFrame) -> pl.DataFrame:
    joined = in_return.join(in_extracts, on="indicator", suffix="_extracts", how="full")
    parts = []
    for part in ("value", "numerator", "denominator"):
        mine, theirs = pl.col(part), pl.col(f"{part}_extracts")
        differs = (mine.is_null() != theirs.is_null()) | ((mine - theirs).abs() > _SAME).fill_null(
            False
        )
        parts.append(
            joined.filter(differs).select(
                pl.lit("indicator").alias("level"),
                pl.coalesce("indicator", "indicator_extracts").alias("indicator"),
                pl.lit(part).alias("item"),
                mine.cast(pl.String).alias("in_return"),
                theirs.cast(pl.String).alias("in_extracts"),
                (mine - theirs).alias("difference"),
                pl.format(
                    "{} {}: {} in the return, {} from the extracts",
                    pl.coalesce("indicator", "indicator_extracts"),
                    pl.lit(part),
                    mine.cast(pl.String).fill_null("empty"),
                    theirs.cast(pl.String).fill_null("empty"),
                ).alias("message"),
            )
        )
    order = {name: rank for rank, name in enumerate(INDICATORS)}
    return (
        pl.concat(parts)
        .with_columns(pl.col("indicator").replace_strict(order, default=len(order)).alias("__o"))
        .sort("__o", "item")
        .drop("__o")
    )


def _la_differences(in_return: LaLevelItems, in_extracts: LaLevelItems) -> pl.DataFrame:
    rows: list[dict[str, object]] = []
    for item in LA_ITEMS:
        if item.column is None:
            continue
        mine, theirs = getattr(in_return, item.column), getattr(in_extracts, item.column)
        both = mine is not None and theirs is not None
        if (mine is None) != (theirs is None) or (both and abs(mine - theirs) > _SAME):
            rows.append(
                {
                    "level": "la_level",
                    "item": item.name,
                    "in_return": None if mine is None else str(mine),
                    "in_extracts": None if theirs is None else str(theirs),
                    "difference": float(mine - theirs) if both else None,
                    "message": f"{item.name} ({item.description}): "
                    f"{'missing' if mine is None else mine} in the return, "
                    f"{'missing' if theirs is None else theirs} from the extracts",
                }
            )
    columns = ("level", "item", "in_return", "in_extracts", "difference", "message")
    return (
        pl.DataFrame(
            rows, schema={name: RECONCILIATION_SCHEMA[name] for name in columns}, orient="row"
        )
        if rows
        else pl.DataFrame(schema={name: RECONCILIATION_SCHEMA[name] for name in columns})
    )


def _matchable(workers: pl.DataFrame) -> pl.LazyFrame:
    """Workers keyed for matching: the SWE number (trimmed, upper-cased), employed or
    agency, and the occurrence of that pair in start order (a rejoiner's two records)."""
    return (
        workers.lazy()
        .with_columns(normalised_swe_number("swe_no").alias("swe_no"))
        .sort(["agency_worker", "swe_no", "role_start_date", WORKER_NUMBER], nulls_last=False)
        .with_columns(pl.int_range(pl.len()).over("agency_worker", "swe_no").alias("__occurrence"))
    )


def _worker_differences(in_return: pl.DataFrame, in_extracts: pl.DataFrame) -> pl.DataFrame:
    keys = ["agency_worker", "swe_no", "__occurrence"]
    joined = (
        _matchable(in_return)
        .with_columns(pl.lit(True).alias("__in_return"))
        .join(
            _matchable(in_extracts).with_columns(pl.lit(True).alias("__in_extracts")),
            on=keys,
            how="full",
            coalesce=True,
            suffix="__x",
        )
        .collect()
    )
    kind = (
        pl.when(pl.col("agency_worker") == AGENCY)
        .then(pl.lit("agency"))
        .otherwise(pl.lit("employed"))
    )
    missing = joined.filter(pl.col("__in_return").is_null() | pl.col("__in_extracts").is_null())
    whole = missing.select(
        pl.lit("worker").alias("level"),
        "swe_no",
        "agency_worker",
        pl.lit(None, dtype=pl.String).alias("item"),
        pl.when(pl.col("__in_return").is_null())
        .then(pl.lit("absent"))
        .otherwise(pl.lit("present"))
        .alias("in_return"),
        pl.when(pl.col("__in_extracts").is_null())
        .then(pl.lit("absent"))
        .otherwise(pl.lit("present"))
        .alias("in_extracts"),
        pl.lit(None, dtype=pl.Float64).alias("difference"),
        pl.when(pl.col("__in_return").is_null())
        .then(
            pl.format(
                "{} worker {} is in the extracts on the reference date but not in the return",
                kind,
                pl.col("swe_no"),
            )
        )
        .otherwise(
            pl.format(
                "{} worker {} is in the return (worker {}) but not in the extracts",
                kind,
                pl.col("swe_no"),
                pl.col(WORKER_NUMBER),
            )
        )
        .alias("message"),
    )
    both = joined.filter(pl.col("__in_return") & pl.col("__in_extracts"))
    parts = [whole]
    for item in _COMPARED_ITEMS:
        assert item.column is not None
        dtype = RETURN_WORKER_SCHEMA[item.column]
        mine, theirs = pl.col(item.column), pl.col(f"{item.column}__x")
        mine_text, theirs_text = _as_text(mine, dtype), _as_text(theirs, dtype)
        if dtype == pl.Float64():
            differs = (mine.is_null() != theirs.is_null()) | (
                (mine - theirs).abs() > _SAME
            ).fill_null(False)
            difference = mine - theirs
        else:
            differs = mine_text.ne_missing(theirs_text)
            difference = (
                (mine - theirs).cast(pl.Float64)
                if dtype == pl.Int64()
                else pl.lit(None, dtype=pl.Float64)
            )
        parts.append(
            both.filter(differs).select(
                pl.lit("worker").alias("level"),
                "swe_no",
                "agency_worker",
                pl.lit(item.name).alias("item"),
                mine_text.alias("in_return"),
                theirs_text.alias("in_extracts"),
                difference.alias("difference"),
                pl.format(
                    "{} worker {} (worker {} in the return): {} is {} in the return, {} from "
                    "the extracts",
                    kind,
                    pl.col("swe_no"),
                    pl.col(WORKER_NUMBER),
                    pl.lit(item.name),
                    mine_text.fill_null("missing"),
                    theirs_text.fill_null("missing"),
                ).alias("message"),
            )
        )
    order = {item.name: rank for rank, item in enumerate(WORKER_ITEMS)}
    return (
        pl.concat(parts)
        .with_columns(pl.col("item").replace_strict(order, default=-1).alias("__o"))
        .sort(["swe_no", "agency_worker", "__o"], nulls_last=False)
        .drop("__o")
    )


def reconciliation(
    return_workers_frame: pl.DataFrame,
    return_la_level: LaLevelItems,
    extracts_workers: pl.DataFrame,
    extracts_la_level: LaLevelItems,
    reference: dt.date,
    working_days_per_year: float,
) -> pl.DataFrame:
    """Every difference between a return and the return the extracts give on R: indicator
    by indicator (value, numerator, denominator), LA-level item by item, then worker by
    worker (matched on SWE number, employed or agency, and start order): workers on one
    side only, and each item that differs. Empty when they agree."""
    indicators = _indicator_differences(
        census_indicators(return_workers_frame, return_la_level, reference, working_days_per_year),
        census_indicators(extracts_workers, extracts_la_level, reference, working_days_per_year),
    )
    parts = [
        indicators,
        _la_differences(return_la_level, extracts_la_level),
        _worker_differences(return_workers_frame, extracts_workers),
    ]
    schema = pl.Schema(RECONCILIATION_SCHEMA)
    return pl.concat(
        [
            part.with_columns(
                pl.lit(None, dtype=dtype).alias(name)
                for name, dtype in schema.items()
                if name not in part.columns
            )
            .select(list(schema))
            .cast(schema)
            for part in parts
        ]
    )
