"""The backfill's trend workbook: the Trust's series of every headline metric, one theme
per sheet. Grain of ``theme_frame``: one row per backfilled as-of date with a column per
metric of the theme (and, for the agency rate, its target, status and the glide path)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from transforms import calendar
from transforms.definitions import METRICS_BY_NAME
from transforms.schema import ExtractName
from transforms.scopes import SCOPE, TRUST
from transforms.views.history import wide_metrics

KPI = "agency_rate"


@dataclass(frozen=True)
class Theme:
    """One sheet: its metrics, and its charts as (title, metrics plotted) pairs; metrics of
    different size are plotted on separate charts, each with its own axis (the agency
    rate's chart adds its target and the glide path)."""

    sheet: str
    metrics: tuple[str, ...]
    charts: tuple[tuple[str, tuple[str, ...]], ...]

    def needs(self) -> frozenset[ExtractName]:
        return frozenset(
            extract for name in self.metrics for extract in METRICS_BY_NAME[name].needs
        )


THEMES: tuple[Theme, ...] = (
    Theme(
        "Agency",
        ("agency_rate", "agency_fte", "employed_fte", "agency_headcount", "employed_headcount",
         "agency_rate_headcount", "agency_to_permanent_ratio"),
        (("Agency rate against target and glide path", ("agency_rate",)),),
    ),
    Theme(
        "Turnover and stability",
        ("turnover_rate", "turnover_rate_headcount", "stability_index", "leavers_headcount",
         "leavers_fte", "starters_headcount", "starters_fte", "agency_conversions",
         "international_starters", "nqsw_starters"),
        (
            ("Turnover rate (FTE)", ("turnover_rate",)),
            ("Stability index", ("stability_index",)),
        ),
    ),
    Theme(
        "Caseloads",
        ("cases", "case_holders_headcount", "case_holders_fte", "average_caseload",
         "caseload_per_case_holder", "max_caseload", "case_holders_over_threshold_rate"),
        (
            (
                "Average caseload per FTE and per case holder",
                ("average_caseload", "caseload_per_case_holder"),
            ),
        ),
    ),
    Theme(
        "Vacancies",
        ("vacancy_fte", "vacancy_rate", "vacancy_agency_cover_rate"),
        (
            (
                "Vacancy rate and share of vacancies covered by agency",
                ("vacancy_rate", "vacancy_agency_cover_rate"),
            ),
        ),
    ),
    Theme(
        "Absence and spend",
        ("sickness_days_lost", "absence_rate", "agency_spend_12m"),
        (
            ("Sickness absence rate", ("absence_rate",)),
            ("Agency spend, 12 months", ("agency_spend_12m",)),
        ),
    ),
)  # fmt: skip


def theme_frame(
    series: pl.DataFrame, theme: Theme, targets: Sequence[calendar.TargetPeriod]
) -> pl.DataFrame:
    """The Trust's rows of ``series`` for ``theme``, one row per date, oldest first."""
    trust = series.filter(pl.col(SCOPE) == TRUST)
    wide = wide_metrics(trust, ["as_of"], theme.metrics).sort("as_of")
    if KPI in theme.metrics:
        wide = wide.with_columns(glide=calendar.glide_path("as_of", targets))
    return wide
