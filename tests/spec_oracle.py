"""A deliberately naive reading of ``shared/spec/metrics.md``, written from the spec alone
to check the vectorised metrics engine against. Plain Python loops over rows and dates,
``datetime`` arithmetic and exact fractions: slow, but each step can be read next to the
spec sentence it implements.

Grain of ``oracle_metrics``: one row per (as_of, scope, scope_value, metric), in the
columns of ``compute_metrics`` (as_of, scope, scope_value, metric, value, numerator,
denominator). Grain of ``oracle_targets``: the metrics rows unchanged, with target,
tolerance and status added.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

import polars as pl

from transforms.definitions import metrics_available
from transforms.schema import SOCIAL_WORK_ROLES, Extracts

Row = dict[str, Any]
ScopeKey = tuple[str, str]

ORACLE_SCHEMA: dict[str, pl.DataType] = {
    "as_of": pl.Date(),
    "scope": pl.String(),
    "scope_value": pl.String(),
    "metric": pl.String(),
    "value": pl.Float64(),
    "numerator": pl.Float64(),
    "denominator": pl.Float64(),
}

INTERNAL_MOVE_MAX_GAP_DAYS = 7
CONVERSION_MAX_DAYS_SINCE_AGENCY_END = 90
START_ORIGIN_NEWLY_QUALIFIED = 1
START_ORIGIN_INTERNATIONAL = 3


def year_before(day: dt.date) -> dt.date:
    """``D − 1 year``: the same day a year earlier (29 Feb → 28 Feb)."""
    if day.month == 2 and day.day == 29:
        return dt.date(day.year - 1, 2, 28)
    return dt.date(day.year - 1, day.month, day.day)


def in_window(day: dt.date, as_of: dt.date) -> bool:
    """``D − 1 year < x ≤ D``."""
    return year_before(as_of) < day <= as_of


def in_post(start: dt.date, end: dt.date | None, day: dt.date) -> bool:
    """``start ≤ D`` and (``end`` empty or ``end ≥ D``)."""
    return start <= day and (end is None or end >= day)


def exact(number: float) -> Fraction:
    """The decimal the extract wrote (``0.1`` is one tenth, not its binary neighbour)."""
    return Fraction(Decimal(repr(number)))


def is_social_work(row: Row) -> bool:
    return row["role"] in SOCIAL_WORK_ROLES


def scopes_of(row: Row) -> list[ScopeKey]:
    """The trust, and the service area and team written on the row."""
    return [("trust", "all"), ("service_area", row["service_area"]), ("team", row["team"])]


def normalised_swe(swe: str | None) -> str | None:
    return None if swe is None else swe.strip().upper()


@dataclass
class ScopeTotals:
    """Everything one scope accumulates on one as-of date."""

    employed_fte: Fraction = Fraction(0)
    employed_ids: set[str] = field(default_factory=set)
    agency_fte: Fraction = Fraction(0)
    agency_ids: set[str] = field(default_factory=set)
    leavers_fte: Fraction = Fraction(0)
    leavers_headcount: int = 0
    starters_fte: Fraction = Fraction(0)
    starters_headcount: int = 0
    agency_conversions: int = 0
    international_starters: int = 0
    nqsw_starters: int = 0
    stability_base: set[str] = field(default_factory=set)
    stability_stayed: set[str] = field(default_factory=set)
    vacancy_fte: Fraction = Fraction(0)
    vacancy_covered_fte: Fraction = Fraction(0)
    cases: int = 0
    case_holders_headcount: int = 0
    case_holders_fte: Fraction = Fraction(0)
    max_caseload: int | None = None
    case_holders_over_threshold: int = 0
    sickness_days_lost: Fraction = Fraction(0)
    agency_spend: Fraction = Fraction(0)


def is_internal_move(spell: Row, staff_sw: list[Row]) -> bool:
    """A social-work spell that ends and is followed by another social-work spell of the
    same employee starting no more than 7 days after its end date (whole extract)."""
    if spell["end_date"] is None:
        return False
    for other in staff_sw:
        if other is spell or other["employee_id"] != spell["employee_id"]:
            continue
        gap = (other["start_date"] - spell["end_date"]).days
        if 0 < gap <= INTERNAL_MOVE_MAX_GAP_DAYS:
            return True
    return False


def is_preceded_within_7_days(spell: Row, staff_sw: list[Row]) -> bool:
    """Preceded by a social-work spell of the same employee ending at most 7 days before
    its start date."""
    for other in staff_sw:
        if other is spell or other["employee_id"] != spell["employee_id"]:
            continue
        if other["end_date"] is None:
            continue
        gap = (spell["start_date"] - other["end_date"]).days
        if 0 < gap <= INTERNAL_MOVE_MAX_GAP_DAYS:
            return True
    return False


def is_agency_conversion(starter: Row, agency_sw: list[Row]) -> bool:
    swe = normalised_swe(starter["swe_number"])
    if swe is None:
        return False
    for assignment in agency_sw:
        if normalised_swe(assignment["swe_number"]) != swe:
            continue
        if assignment["start_date"] > starter["start_date"]:
            continue
        end = assignment["end_date"]
        if end is not None and (starter["start_date"] - end).days > 90:
            continue
        return True
    return False


def in_post_row(rows: Iterable[Row], day: dt.date) -> Row | None:
    """The (at most one, rows of one person never overlap) row in post on ``day``."""
    for row in rows:
        if in_post(row["start_date"], row["end_date"], day):
            return row
    return None


def days_in_window(start: dt.date, end: dt.date | None, as_of: dt.date) -> int:
    """Days from start to end inclusive (open: to D) that fall inside W(D)."""
    first = max(start, year_before(as_of) + dt.timedelta(days=1))
    last = as_of if end is None else min(end, as_of)
    return max((last - first).days + 1, 0)


def _totals_on(
    as_of: dt.date,
    extracts: Extracts,
    caseload_threshold: int,
) -> tuple[dict[ScopeKey, ScopeTotals], set[ScopeKey]]:
    staff_sw = [row for row in extracts.staff.to_dicts() if is_social_work(row)]
    agency_sw = [row for row in extracts.agency.to_dicts() if is_social_work(row)]
    spells_by_employee: dict[str, list[Row]] = defaultdict(list)
    for spell in staff_sw:
        spells_by_employee[spell["employee_id"]].append(spell)
    assignments_by_worker: dict[str, list[Row]] = defaultdict(list)
    for assignment in agency_sw:
        assignments_by_worker[assignment["worker_id"]].append(assignment)

    totals: dict[ScopeKey, ScopeTotals] = defaultdict(ScopeTotals)
    present: set[ScopeKey] = {("trust", "all")}
    window_before = year_before(as_of)

    for spell in staff_sw:
        if in_post(spell["start_date"], spell["end_date"], as_of):
            for key in scopes_of(spell):
                totals[key].employed_fte += exact(spell["fte"])
                totals[key].employed_ids.add(spell["employee_id"])
                present.add(key)

    for assignment in agency_sw:
        if in_post(assignment["start_date"], assignment["end_date"], as_of):
            for key in scopes_of(assignment):
                totals[key].agency_fte += exact(assignment["fte"])
                totals[key].agency_ids.add(assignment["worker_id"])
                present.add(key)

    leaver_ids: set[str] = set()
    for spell in staff_sw:
        end = spell["end_date"]
        if end is None or not in_window(end, as_of):
            continue
        if is_internal_move(spell, staff_sw):
            continue
        leaver_ids.add(spell["employee_id"])
        for key in scopes_of(spell):
            totals[key].leavers_fte += exact(spell["fte"])
            totals[key].leavers_headcount += 1
            present.add(key)

    for spell in staff_sw:
        if not in_window(spell["start_date"], as_of):
            continue
        if is_preceded_within_7_days(spell, staff_sw):
            continue
        converted = is_agency_conversion(spell, agency_sw)
        for key in scopes_of(spell):
            scope = totals[key]
            scope.starters_fte += exact(spell["fte"])
            scope.starters_headcount += 1
            scope.agency_conversions += int(converted)
            scope.international_starters += int(spell["start_origin"] == START_ORIGIN_INTERNATIONAL)
            scope.nqsw_starters += int(spell["start_origin"] == START_ORIGIN_NEWLY_QUALIFIED)
            present.add(key)

    for spell in staff_sw:
        if not in_post(spell["start_date"], spell["end_date"], window_before):
            continue
        employee = spell["employee_id"]
        stayed = (
            in_post_row(spells_by_employee[employee], as_of) is not None
            and employee not in leaver_ids
        )
        for key in scopes_of(spell):
            totals[key].stability_base.add(employee)
            if stayed:
                totals[key].stability_stayed.add(employee)

    for assignment in agency_sw:
        if assignment["weekly_cost"] is None:
            continue
        days = days_in_window(assignment["start_date"], assignment["end_date"], as_of)
        for key in scopes_of(assignment):
            totals[key].agency_spend += exact(assignment["weekly_cost"]) * days / 7

    if extracts.establishment is not None:
        for period in extracts.establishment.to_dicts():
            if not is_social_work(period):
                continue
            if not in_post(period["effective_from"], period["effective_to"], as_of):
                continue
            cell_employed = sum(
                (
                    exact(spell["fte"])
                    for spell in staff_sw
                    if spell["team"] == period["team"]
                    and spell["role"] == period["role"]
                    and in_post(spell["start_date"], spell["end_date"], as_of)
                ),
                Fraction(0),
            )
            cell_agency = sum(
                (
                    exact(assignment["fte"])
                    for assignment in agency_sw
                    if assignment["team"] == period["team"]
                    and assignment["role"] == period["role"]
                    and in_post(assignment["start_date"], assignment["end_date"], as_of)
                ),
                Fraction(0),
            )
            vacancy = max(exact(period["funded_fte"]) - cell_employed, Fraction(0))
            for key in scopes_of(period):
                totals[key].vacancy_fte += vacancy
                totals[key].vacancy_covered_fte += min(cell_agency, vacancy)
                present.add(key)

    if extracts.caseloads is not None:
        children: dict[tuple[str, str], set[str]] = defaultdict(set)
        for allocation in extracts.caseloads.to_dicts():
            if in_post(allocation["allocated_from"], allocation["allocated_to"], as_of):
                worker = (allocation["worker_kind"], allocation["worker_id"])
                children[worker].add(allocation["child_ref"])
        for (kind, worker_id), refs in children.items():
            rows = (
                spells_by_employee.get(worker_id, [])
                if kind == "employee"
                else assignments_by_worker.get(worker_id, [])
            )
            row = in_post_row(rows, as_of)
            if row is None:
                continue
            caseload = len(refs)
            for key in scopes_of(row):
                scope = totals[key]
                scope.cases += caseload
                scope.case_holders_headcount += 1
                scope.case_holders_fte += exact(row["fte"])
                scope.max_caseload = max(scope.max_caseload or 0, caseload)
                scope.case_holders_over_threshold += int(caseload > caseload_threshold)

    if extracts.absence is not None:
        for episode in extracts.absence.to_dicts():
            if episode["reason"] != "SIC" or not in_window(episode["start_date"], as_of):
                continue
            spell_on_start = in_post_row(
                spells_by_employee.get(episode["employee_id"], []), episode["start_date"]
            )
            if spell_on_start is None:
                continue
            for key in scopes_of(spell_on_start):
                totals[key].sickness_days_lost += exact(episode["working_days_lost"])

    return totals, present


def _quotient(
    numerator: Fraction | int, denominator: Fraction | int
) -> tuple[float | None, float, float]:
    value = None if denominator == 0 else float(Fraction(numerator) / Fraction(denominator))
    return value, float(numerator), float(denominator)


def _metric_rows(
    scope: ScopeTotals, working_days_per_year: float
) -> dict[str, tuple[float | None, float | None, float | None]]:
    """Metric → (value, numerator, denominator) for one scope on one date."""

    def plain(number: Fraction | int | None) -> tuple[float | None, None, None]:
        return (None if number is None else float(number)), None, None

    employed_headcount = len(scope.employed_ids)
    agency_headcount = len(scope.agency_ids)
    return {
        "employed_fte": plain(scope.employed_fte),
        "employed_headcount": plain(employed_headcount),
        "agency_fte": plain(scope.agency_fte),
        "agency_headcount": plain(agency_headcount),
        "agency_rate": _quotient(scope.agency_fte, scope.agency_fte + scope.employed_fte),
        "agency_rate_headcount": _quotient(agency_headcount, agency_headcount + employed_headcount),
        "agency_to_permanent_ratio": _quotient(scope.agency_fte, scope.employed_fte),
        "leavers_fte": plain(scope.leavers_fte),
        "leavers_headcount": plain(scope.leavers_headcount),
        "starters_fte": plain(scope.starters_fte),
        "starters_headcount": plain(scope.starters_headcount),
        "turnover_rate": _quotient(scope.leavers_fte, scope.employed_fte),
        "turnover_rate_headcount": _quotient(scope.leavers_headcount, employed_headcount),
        "stability_index": _quotient(len(scope.stability_stayed), len(scope.stability_base)),
        "agency_conversions": plain(scope.agency_conversions),
        "international_starters": plain(scope.international_starters),
        "nqsw_starters": plain(scope.nqsw_starters),
        "vacancy_fte": plain(scope.vacancy_fte),
        "vacancy_rate": _quotient(scope.vacancy_fte, scope.vacancy_fte + scope.employed_fte),
        "vacancy_agency_cover_rate": _quotient(scope.vacancy_covered_fte, scope.vacancy_fte),
        "cases": plain(scope.cases),
        "case_holders_headcount": plain(scope.case_holders_headcount),
        "case_holders_fte": plain(scope.case_holders_fte),
        "average_caseload": _quotient(scope.cases, scope.case_holders_fte),
        "caseload_per_case_holder": _quotient(scope.cases, scope.case_holders_headcount),
        "max_caseload": plain(scope.max_caseload),
        "case_holders_over_threshold_rate": _quotient(
            scope.case_holders_over_threshold, scope.case_holders_headcount
        ),
        "sickness_days_lost": plain(scope.sickness_days_lost),
        "absence_rate": _quotient(
            scope.sickness_days_lost, scope.employed_fte * exact(working_days_per_year)
        ),
        "agency_spend_12m": plain(scope.agency_spend),
    }


def oracle_metrics(
    extracts: Extracts,
    as_of_dates: Sequence[dt.date],
    caseload_threshold: int = 20,
    working_days_per_year: float = 253.0,
) -> pl.DataFrame:
    """Every metric of the supplied extracts for every as-of date and scope, the slow way."""
    metrics = metrics_available(extracts.supplied())
    rows: list[Row] = []
    for as_of in sorted(set(as_of_dates)):
        totals, present = _totals_on(as_of, extracts, caseload_threshold)
        for scope, scope_value in sorted(present):
            values = _metric_rows(totals[(scope, scope_value)], working_days_per_year)
            for metric in metrics:
                value, numerator, denominator = values[metric]
                rows.append(
                    {
                        "as_of": as_of,
                        "scope": scope,
                        "scope_value": scope_value,
                        "metric": metric,
                        "value": value,
                        "numerator": numerator,
                        "denominator": denominator,
                    }
                )
    return pl.DataFrame(rows, schema=ORACLE_SCHEMA).sort(
        ["as_of", "scope", "scope_value", "metric"]
    )


@dataclass(frozen=True)
class OracleTarget:
    metric: str
    from_date: dt.date
    to_date: dt.date | None
    comparison: str
    target: float
    tolerance: float


def oracle_status(value: float | None, target: OracleTarget | None) -> str:
    """Status on D, first match wins; value and target + tolerance rounded to 9 places."""
    if target is None:
        return "no_target"
    if value is None:
        return "no_data"
    rounded = round(value, 9)
    goal = round(target.target, 9)
    met = rounded < goal if target.comparison == "<" else rounded <= goal
    if met:
        return "met"
    if rounded <= round(target.target + target.tolerance, 9):
        return "within_tolerance"
    return "missed"


def oracle_targets(metrics: pl.DataFrame, targets: Sequence[OracleTarget]) -> pl.DataFrame:
    """The metrics rows with target, tolerance and status: the target of a row is the
    first configured period of its metric that contains its as-of date."""
    rows: list[Row] = []
    for row in metrics.to_dicts():
        chosen = next(
            (
                target
                for target in targets
                if target.metric == row["metric"]
                and in_post(target.from_date, target.to_date, row["as_of"])
            ),
            None,
        )
        rows.append(
            {
                **row,
                "target": None if chosen is None else chosen.target,
                "tolerance": None if chosen is None else chosen.tolerance,
                "status": oracle_status(row["value"], chosen),
            }
        )
    schema: Mapping[str, pl.DataType] = {
        **dict(metrics.schema),
        "target": pl.Float64(),
        "tolerance": pl.Float64(),
        "status": pl.String(),
    }
    return pl.DataFrame(rows, schema=schema)


# --- outlook.md §1: the committed outlook ---------------------------------------------------

# "the stocks employed_fte, employed_headcount, agency_fte, agency_headcount, agency_rate,
# agency_rate_headcount, agency_to_permanent_ratio, vacancy_fte, vacancy_rate,
# vacancy_agency_cover_rate"
OUTLOOK_STOCKS = (
    "employed_fte",
    "employed_headcount",
    "agency_fte",
    "agency_headcount",
    "agency_rate",
    "agency_rate_headcount",
    "agency_to_permanent_ratio",
    "vacancy_fte",
    "vacancy_rate",
    "vacancy_agency_cover_rate",
)


def oracle_outlook_dates(as_of: dt.date) -> list[dt.date]:
    """The 12 month-ends after D (D itself excluded): walk forward a day at a time and
    keep each day whose next day is the first of a month."""
    found: list[dt.date] = []
    day = as_of
    while len(found) < 12:
        day += dt.timedelta(days=1)
        if (day + dt.timedelta(days=1)).day == 1:
            found.append(day)
    return found


def oracle_outlook(
    extracts: Extracts,
    as_of: dt.date,
    targets: Sequence[OracleTarget],
    caseload_threshold: int = 20,
    working_days_per_year: float = 253.0,
) -> pl.DataFrame:
    """``outlook.csv`` rows: the stock metrics on each outlook date M, exactly as a run on
    M computes them (the oracle's own metrics and targets)."""
    metrics = oracle_metrics(
        extracts, oracle_outlook_dates(as_of), caseload_threshold, working_days_per_year
    )
    stocks = metrics.filter(pl.col("metric").is_in(OUTLOOK_STOCKS))
    return oracle_targets(stocks, targets)


# --- outlook.md §3: retention by recruitment route --------------------------------------------

RETENTION_HORIZONS = (182, 365, 730)
RETENTION_ORACLE_SCHEMA: dict[str, pl.DataType] = {
    "as_of": pl.Date(),
    "route": pl.String(),
    "cohort": pl.String(),
    "horizon_days": pl.Int64(),
    "starters": pl.Int64(),
    "at_risk": pl.Int64(),
    "leavers": pl.Int64(),
    "retained": pl.Float64(),
}


def next_spell_after_move(spell: Row, staff_sw: list[Row]) -> Row | None:
    """The social-work spell of the same employee starting 1 to 7 days after this one
    ends (the spell an internal move goes to), if any."""
    if spell["end_date"] is None:
        return None
    for other in staff_sw:
        if other is spell or other["employee_id"] != spell["employee_id"]:
            continue
        if 0 < (other["start_date"] - spell["end_date"]).days <= INTERNAL_MOVE_MAX_GAP_DAYS:
            return other
    return None


def financial_year(day: dt.date) -> str:
    """``2024-25`` for 1 April 2024 to 31 March 2025."""
    first = day.year if day.month >= 4 else day.year - 1
    return f"{first}-{str(first + 1)[-2:]}"


def starter_route(spell: Row, agency_sw: list[Row]) -> str:
    """First that applies: agency_conversion, international, newly_qualified, other."""
    if is_agency_conversion(spell, agency_sw):
        return "agency_conversion"
    if spell["start_origin"] == START_ORIGIN_INTERNATIONAL:
        return "international"
    if spell["start_origin"] == START_ORIGIN_NEWLY_QUALIFIED:
        return "newly_qualified"
    return "other"


def time_in_post(spell: Row, staff_sw: list[Row], as_of: dt.date) -> tuple[int, bool]:
    """(days, left): follow internal moves to the first spell end that is a leaver event;
    an end on or before D is a leaving after end − start days, else censored at D − start."""
    current = spell
    while (following := next_spell_after_move(current, staff_sw)) is not None:
        current = following
    end = current["end_date"]
    if end is not None and end <= as_of:
        return (end - spell["start_date"]).days, True
    return (as_of - spell["start_date"]).days, False


def kaplan_meier_at(times: list[tuple[int, bool]], horizon: int) -> Fraction:
    """S(h) = Π (1 − d_τ / n_τ) over the distinct event times τ ≤ h."""
    survival = Fraction(1)
    for tau in sorted({t for t, left in times if left and t <= horizon}):
        d = sum(1 for t, left in times if left and t == tau)
        n = sum(1 for t, _ in times if t >= tau)
        survival *= 1 - Fraction(d, n)
    return survival


def oracle_retention(extracts: Extracts, as_of: dt.date) -> pl.DataFrame:
    """``retention.csv`` rows for D, the slow way."""
    staff_sw = [row for row in extracts.staff.to_dicts() if is_social_work(row)]
    agency_sw = [row for row in extracts.agency.to_dicts() if is_social_work(row)]
    groups: dict[tuple[str, str], list[tuple[int, bool]]] = defaultdict(list)
    for spell in staff_sw:
        # A starter event with start_date ≤ D (a rejoiner is a second starter).
        if spell["start_date"] > as_of or is_preceded_within_7_days(spell, staff_sw):
            continue
        route = starter_route(spell, agency_sw)
        cohort = financial_year(spell["start_date"])
        followed = time_in_post(spell, staff_sw, as_of)
        for group in ((route, cohort), (route, "all"), ("all", cohort), ("all", "all")):
            groups[group].append(followed)
    rows: list[Row] = []
    for (route, cohort), times in groups.items():
        for horizon in RETENTION_HORIZONS:
            at_risk = sum(1 for t, _ in times if t >= horizon)
            rows.append(
                {
                    "as_of": as_of,
                    "route": route,
                    "cohort": cohort,
                    "horizon_days": horizon,
                    "starters": len(times),
                    "at_risk": at_risk,
                    "leavers": sum(1 for t, left in times if left and t <= horizon),
                    "retained": float(kaplan_meier_at(times, horizon)) if at_risk else None,
                }
            )
    rows.sort(
        key=lambda r: (r["as_of"].isoformat(), r["route"], r["cohort"], str(r["horizon_days"]))
    )
    return pl.DataFrame(rows, schema=RETENTION_ORACLE_SCHEMA)
