"""Words people read instead of identifiers: statuses, scope levels, polarities, units,
comparison areas, worker kinds and extracts. Grain: one entry per identifier.

Identifiers (``agency_rate``, ``within_tolerance``) stay in the CSV files and the Metrics
sheet's id column; everything else shows these words.
"""

from __future__ import annotations

import polars as pl

from transforms.rules import ERROR, WARNING
from transforms.scopes import SERVICE_AREA, TEAM, TRUST
from transforms.targets import MET, MISSED, NO_DATA, NO_TARGET, WITHIN_TOLERANCE

# A metric whose extract was not supplied has no status of its own in metrics.csv (it has
# no rows): the reports show this word instead.
NOT_SUPPLIED = "not_supplied"

STATUS_WORDS: dict[str, str] = {
    MET: "Met",
    WITHIN_TOLERANCE: "Within tolerance",
    MISSED: "Missed",
    NO_TARGET: "No target",
    NO_DATA: "No data",
    NOT_SUPPLIED: "Not supplied",
}
# The three statuses a target gives (RAG): green, amber, red.
RAG_STATUSES: tuple[str, str, str] = (MET, WITHIN_TOLERANCE, MISSED)

LEVEL_WORDS: dict[str, str] = {TRUST: "Trust", SERVICE_AREA: "Service area", TEAM: "Team"}

POLARITY_WORDS: dict[str, str] = {
    "lower_is_better": "Lower is better",
    "higher_is_better": "Higher is better",
    "neutral": "Neither (no good direction)",
}

UNIT_WORDS: dict[str, str] = {
    "percent": "Percentage",
    "ratio": "Ratio",
    "fte": "FTE",
    "count": "Count",
    "days": "Working days",
    "gbp": "£",
    "cases": "Cases",
}

AREA_WORDS: dict[str, str] = {
    "local_authority": "Local authority",
    "region": "Region",
    "statistical_neighbours": "Statistical neighbours",
    "england": "England",
}

WORKER_KIND_WORDS: dict[str, str] = {"employee": "Employee", "agency": "Agency worker"}

EXTRACT_WORDS: dict[str, str] = {
    "staff": "Staff",
    "agency": "Agency",
    "caseloads": "Caseloads",
    "establishment": "Establishment",
    "absence": "Absence",
}
# A finding about the whole drop (no extract).
WHOLE_DROP = "Whole drop"

SEVERITY_WORDS: dict[str, str] = {ERROR: "Quarantined", WARNING: "Warning"}

DIRECTION_IMPROVING = "Improving"
DIRECTION_WORSENING = "Worsening"
DIRECTION_INCREASING = "Increasing"
DIRECTION_DECREASING = "Decreasing"
NO_CHANGE = "No change"

# Role codes as a table shows them (the full names are in the Definitions sheet).
ROLE_WORDS: dict[str, str] = {
    "SW": "Social worker",
    "SP": "Senior practitioner",
    "PS": "Practice supervisor",
    "TM": "Team manager",
    "SM": "Service manager",
    "CC": "Court consultant",
    "CPC": "CP conference chair",
    "IRO": "Independent reviewing officer",
    "FSW": "Family support worker",
    "OTHER": "Other post",
}


def role_words(column: str = "role") -> pl.Expr:
    """The role code in ``column`` in words (an unknown code as written)."""
    return pl.col(column).replace_strict(ROLE_WORDS, default=pl.col(column))
