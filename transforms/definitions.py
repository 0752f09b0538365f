"""The one source of metric definitions: name, plain-English meaning, DfE equivalent,
extracts needed, kind (how ``metrics.csv`` fills numerator/denominator), unit (how the
workbook formats it) and polarity (how a change is described).

One row per metric, in the order of ``shared/spec/metrics.md``. The metrics engine, the
``metrics.csv`` writer and the workbook's Definitions and Metrics sheets all read this
table, so a definition cannot drift from its number.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from transforms.schema import ExtractName

MetricKind = Literal["quotient", "sum", "count", "max"]
Unit = Literal["percent", "ratio", "fte", "count", "days", "gbp", "cases"]
Polarity = Literal["lower_is_better", "higher_is_better", "neutral"]


@dataclass(frozen=True)
class MetricDefinition:
    name: str
    label: str
    kind: MetricKind
    unit: Unit
    polarity: Polarity
    needs: tuple[ExtractName, ...]
    definition: str
    dfe_equivalent: str = ""
    # Column of the DfE indicator file that publishes this metric, and the factor that
    # turns our value into the DfE's (100 for a DfE percentage).
    dfe_column: str | None = None
    dfe_scale: float = 1.0


_S: tuple[ExtractName, ...] = ("staff",)
_A: tuple[ExtractName, ...] = ("agency",)
_SA: tuple[ExtractName, ...] = ("staff", "agency")
_C: tuple[ExtractName, ...] = ("caseloads",)
_E: tuple[ExtractName, ...] = ("establishment",)
_EA: tuple[ExtractName, ...] = ("establishment", "agency")
_AB: tuple[ExtractName, ...] = ("absence",)

METRICS: tuple[MetricDefinition, ...] = (
    MetricDefinition(
        "employed_fte", "Employed FTE", "sum", "fte", "higher_is_better", _S,
        "Total FTE of employed (permanent and fixed-term) social workers in post on the date.",
        "FTE children and family social workers in post", "inpost_fte",
    ),
    MetricDefinition(
        "employed_headcount", "Employed headcount", "count", "count", "higher_is_better", _S,
        "Number of different employed social workers in post on the date.",
        "Headcount in post", "inpost_headcount",
    ),
    MetricDefinition(
        "agency_fte", "Agency FTE", "sum", "fte", "lower_is_better", _A,
        "Total FTE of agency social-work assignments in post on the date.",
        "Agency worker FTE", "agency_fte",
    ),
    MetricDefinition(
        "agency_headcount", "Agency headcount", "count", "count", "lower_is_better", _A,
        "Number of different agency workers in a social-work assignment on the date.",
        "Agency worker headcount", "agency_headcount",
    ),
    MetricDefinition(
        "agency_rate", "Agency rate (KPI 16)", "quotient", "percent", "lower_is_better", _SA,
        "Agency FTE as a share of all social-work FTE: agency ÷ (agency + employed). "
        "This is the business plan's indicator 16 and the DfE agency rate.",
        "Agency worker rate, FTE", "agency_rate_fte", 100.0,
    ),
    MetricDefinition(
        "agency_rate_headcount", "Agency rate (headcount)", "quotient", "percent",
        "lower_is_better", _SA,
        "Agency headcount ÷ (agency headcount + employed headcount).",
        "Agency worker rate, headcount", "agency_rate_headcount", 100.0,
    ),
    MetricDefinition(
        "agency_to_permanent_ratio", "Agency-to-permanent ratio", "quotient", "ratio",
        "lower_is_better", _SA,
        "Agency FTE ÷ employed FTE: agency workers per employed worker. Not the KPI "
        "(the KPI is the agency rate).",
    ),
    MetricDefinition(
        "leavers_fte", "Leavers FTE (12 months)", "sum", "fte", "lower_is_better", _S,
        "FTE of employed social workers who left in the 12 months to the date, not "
        "counting internal moves (a new social-work spell within {internal_move_days} days).",
        "Leavers FTE", "leavers_fte",
    ),
    MetricDefinition(
        "leavers_headcount", "Leavers (12 months)", "count", "count", "lower_is_better", _S,
        "Number of leaving events in the 12 months to the date (internal moves excluded).",
        "Leavers headcount", "leavers_headcount",
    ),
    MetricDefinition(
        "starters_fte", "Starters FTE (12 months)", "sum", "fte", "neutral", _S,
        "FTE of employed social workers who started in the 12 months to the date, not "
        "counting internal moves.",
        "Starters FTE", "starters_fte",
    ),
    MetricDefinition(
        "starters_headcount", "Starters (12 months)", "count", "count", "neutral", _S,
        "Number of starting events in the 12 months to the date (internal moves excluded).",
        "Starters headcount", "starters_headcount",
    ),
    MetricDefinition(
        "turnover_rate", "Turnover rate (FTE)", "quotient", "percent", "lower_is_better", _S,
        "Leavers FTE in the 12 months to the date ÷ employed FTE in post on the date.",
        "Turnover rate, FTE", "turnover_rate_fte", 100.0,
    ),
    MetricDefinition(
        "turnover_rate_headcount", "Turnover rate (headcount)", "quotient", "percent",
        "lower_is_better", _S,
        "Leavers in the 12 months to the date ÷ employed headcount on the date.",
        "Turnover rate, headcount", "turnover_rate_headcount", 100.0,
    ),
    MetricDefinition(
        "stability_index", "Stability index", "quotient", "percent", "higher_is_better", _S,
        "Of the employed social workers in post a year before the date, the share still in "
        "post on the date without having left in between (moving team inside the Trust "
        "keeps a person stable). Counted in the team they were in a year ago.",
        "No DfE equivalent (a common HR measure)",
    ),
    MetricDefinition(
        "agency_conversions", "Agency-to-permanent conversions", "count", "count",
        "higher_is_better", _SA,
        "Starters in the 12 months to the date whose Social Work England number matches an "
        "agency assignment that had started by their start date and ended no more than "
        "{conversion_days} "
        "days before it.",
    ),
    MetricDefinition(
        "international_starters", "International starters", "count", "count", "neutral", _S,
        "Starters in the 12 months to the date recruited from a social work role outside "
        "England (start origin 3).",
        "StartOrigin 3 in the CSWW census",
    ),
    MetricDefinition(
        "nqsw_starters", "Newly qualified starters", "count", "count", "neutral", _S,
        "Starters in the 12 months to the date who were newly qualified (start origin 1).",
        "StartOrigin 1 in the CSWW census",
    ),
    MetricDefinition(
        "vacancy_fte", "Vacant FTE", "sum", "fte", "lower_is_better", _E,
        "Funded FTE not filled by employed social workers, summed over team-and-role cells "
        "(an overstaffed cell counts as 0, it does not offset another cell).",
        "Vacancies FTE", "vacancy_fte",
    ),
    MetricDefinition(
        "vacancy_rate", "Vacancy rate", "quotient", "percent", "lower_is_better", _E,
        "Vacant FTE ÷ (vacant FTE + employed FTE).",
        "Vacancy rate, FTE", "vacancy_rate_fte", 100.0,
    ),
    MetricDefinition(
        "vacancy_agency_cover_rate", "Vacancies covered by agency", "quotient", "percent",
        "neutral", _EA,
        "Share of vacant FTE covered by agency workers in the same team and role.",
        "Vacancies covered by agency workers",
        "vacancy_agency_cover_rate_fte", 100.0,
    ),
    MetricDefinition(
        "cases", "Cases", "sum", "cases", "neutral", _C,
        "Children allocated to social workers in post on the date; a child allocated to "
        "two workers counts once for each.",
        "Cases", "cases",
    ),
    MetricDefinition(
        "case_holders_headcount", "Case holders", "count", "count", "neutral", _C,
        "Social workers (employed or agency) in post with at least one case on the date.",
    ),
    MetricDefinition(
        "case_holders_fte", "Case holders FTE", "sum", "fte", "neutral", _C,
        "FTE of the case holders.",
        "Case holders FTE", "case_holders_fte",
    ),
    MetricDefinition(
        "average_caseload", "Average caseload (per FTE)", "quotient", "cases",
        "lower_is_better", _C,
        "Cases ÷ case holders' FTE (the DfE definition).",
        "Average caseload per FTE", "caseload_fte",
    ),
    MetricDefinition(
        "caseload_per_case_holder", "Caseload per case holder", "quotient", "cases",
        "lower_is_better", _C,
        "Cases ÷ number of case holders.",
    ),
    MetricDefinition(
        "max_caseload", "Largest caseload", "max", "cases", "lower_is_better", _C,
        "The largest number of children allocated to a single worker on the date.",
    ),
    MetricDefinition(
        "case_holders_over_threshold_rate", "Case holders over threshold", "quotient",
        "percent", "lower_is_better", _C,
        "Share of case holders whose caseload is above the configured threshold "
        "({caseload_threshold} children).",
    ),
    MetricDefinition(
        "sickness_days_lost", "Sickness days lost (12 months)", "sum", "days",
        "lower_is_better", _AB,
        "Working days lost to sickness episodes that started in the 12 months to the date, "
        "by employees in a social-work post when the episode started.",
        "Working days lost to sickness", "working_days_lost_fte",
    ),
    MetricDefinition(
        "absence_rate", "Sickness absence rate", "quotient", "percent", "lower_is_better",
        _AB,
        "Sickness days lost ÷ (employed FTE × {working_days_per_year:g} working days a year).",
        "Sickness absence rate", "absence_rate_fte", 100.0,
    ),
    MetricDefinition(
        "agency_spend_12m", "Agency spend (12 months)", "sum", "gbp", "lower_is_better", _A,
        "Weekly charge of each agency social-work assignment × the days it ran in the 12 "
        "months to the date ÷ 7; an assignment with no weekly cost adds nothing.",
    ),
)  # fmt: skip

# The columns of metrics.csv (metrics.md), in order; outlook.csv has the same.
METRICS_CSV_COLUMNS: tuple[str, ...] = (
    "as_of",
    "scope",
    "scope_value",
    "metric",
    "value",
    "numerator",
    "denominator",
    "target",
    "tolerance",
    "status",
)

METRICS_BY_NAME: dict[str, MetricDefinition] = {m.name: m for m in METRICS}
METRIC_NAMES: tuple[str, ...] = tuple(m.name for m in METRICS)


def definition_text(
    definition: MetricDefinition, *, caseload_threshold: int, working_days_per_year: float
) -> str:
    """The metric's definition in words with the values this run used filled in (the
    configured threshold and working days, the spec's fixed gaps)."""
    from transforms.metrics.events import CONVERSION_MAX_GAP_DAYS, INTERNAL_MOVE_MAX_GAP_DAYS

    return definition.definition.format(
        caseload_threshold=caseload_threshold,
        working_days_per_year=working_days_per_year,
        internal_move_days=INTERNAL_MOVE_MAX_GAP_DAYS,
        conversion_days=CONVERSION_MAX_GAP_DAYS,
    )


def metrics_available(supplied: frozenset[ExtractName]) -> tuple[str, ...]:
    """The metrics whose extracts were all supplied, in definition order."""
    return tuple(m.name for m in METRICS if set(m.needs) <= supplied)
