"""The frames the reports show (``transforms.views``), checked by hand on small frames:
changes in shown units and their directions, the month-end trend, the scope layout, the
Teams matrix, the data-quality to-do list, the Summary's lines, caseload bands."""

from __future__ import annotations

import json
from datetime import date

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.locations import REPO_ROOT
from transforms.calendar import last_month_end, year_earlier
from transforms.definitions import METRICS_BY_NAME
from transforms.schema import ExtractName, findings_report
from transforms.views.changes import change_direction, display_decimals, shown_change
from transforms.views.data_quality import findings_by_rule, todo_list
from transforms.views.details import caseload_bands
from transforms.views.headline import COMPARATORS_SCHEMA, headline_frame
from transforms.views.history import by_scope, month_end_trend
from transforms.views.rule_guide import RULE_GUIDES
from transforms.views.summary_lines import (
    missing_line,
    movement_line,
    status_change_line,
    what_changed,
)
from transforms.views.teams import team_measures, teams_matrix
from transforms.views.text import listing, percent, points
from workforce.readers.xlsx_reader import EXCEL_ERROR, FORMULA_WITHOUT_VALUE, HIDDEN_SHEET

AS_OF = date(2026, 11, 20)
MONTH = last_month_end(AS_OF)
YEAR = year_earlier(AS_OF)
ALL: frozenset[ExtractName] = frozenset(
    ("staff", "agency", "caseloads", "establishment", "absence")
)
CORE: frozenset[ExtractName] = frozenset(("staff", "agency"))


def rows(*items: tuple[date, str, str, str, float | None, str]) -> pl.DataFrame:
    """Metric rows: (as_of, scope, scope_value, metric, value, status)."""
    return pl.DataFrame(
        [
            {"as_of": d, "scope": s, "scope_value": v, "metric": m, "value": x,
             "numerator": None, "denominator": None, "target": None, "tolerance": None,
             "status": st_}
            for d, s, v, m, x, st_ in items
        ],
        schema={"as_of": pl.Date, "scope": pl.String, "scope_value": pl.String,
                "metric": pl.String, "value": pl.Float64, "numerator": pl.Float64,
                "denominator": pl.Float64, "target": pl.Float64, "tolerance": pl.Float64,
                "status": pl.String},
    )  # fmt: skip


def test_changes_are_rounded_to_what_is_shown_and_read_no_change_at_zero() -> None:
    frame = pl.DataFrame(
        {
            "change": [0.00049, -0.0004, 0.0006, -0.03, 0.04, 0.4, None],
            "scale": [100.0, 100.0, 100.0, 100.0, 1.0, 1.0, 100.0],
            "decimals": [1, 1, 1, 1, 1, 0, 1],
        }
    )
    shown = frame.select(shown_change(pl.col("change"), pl.col("scale"), pl.col("decimals")))
    assert shown.to_series().to_list() == [0.0, 0.0, 0.1, -3.0, 0.0, 0.0, None]
    assert str(shown.to_series()[1]) == "0.0"  # not -0.0
    directions = frame.with_columns(shown.to_series().alias("shown")).select(
        change_direction(pl.col("shown"), pl.lit("lower_is_better"))
    )
    assert directions.to_series().to_list()[:4] == ["No change", "No change", "Worsening",
                                                    "Improving"]  # fmt: skip


def test_change_direction_by_polarity() -> None:
    frame = pl.DataFrame(
        {
            "change": [-0.1, 0.1, 0.0, 0.2, -0.2, None],
            "polarity": ["lower_is_better", "lower_is_better", "higher_is_better",
                         "neutral", "neutral", "neutral"],
        }
    )  # fmt: skip
    words = frame.select(change_direction(pl.col("change"), pl.col("polarity")))
    assert words.to_series().to_list() == [
        "Improving", "Worsening", "No change", "Increasing", "Decreasing", None,
    ]  # fmt: skip


def test_display_precision_by_unit() -> None:
    assert display_decimals(METRICS_BY_NAME["agency_rate"]) == 1
    assert display_decimals(METRICS_BY_NAME["agency_to_permanent_ratio"]) == 2
    assert display_decimals(METRICS_BY_NAME["cases"]) == 0
    assert display_decimals(METRICS_BY_NAME["average_caseload"]) == 1
    assert display_decimals(METRICS_BY_NAME["agency_spend_12m"]) == 0


def test_headline_changes_in_points_with_directions() -> None:
    history = rows(
        (AS_OF, "trust", "all", "agency_rate", 0.194, "met"),
        (MONTH, "trust", "all", "agency_rate", 0.197, "met"),
        (YEAR, "trust", "all", "agency_rate", 0.2449, "missed"),
        (AS_OF, "trust", "all", "stability_index", 0.85, "no_target"),
        (MONTH, "trust", "all", "stability_index", 0.85004, "no_target"),
    )
    frame = headline_frame(history, AS_OF, CORE, pl.DataFrame(schema=COMPARATORS_SCHEMA))
    agency = frame.filter(pl.col("metric") == "agency_rate").row(0, named=True)
    assert agency["change_month"] == pytest.approx(-0.3)
    assert agency["direction_month"] == "Improving"
    assert agency["change_year"] == pytest.approx(-5.1)  # 24.49% -> 19.4%: 5.09 shown 5.1
    stability = frame.filter(pl.col("metric") == "stability_index").row(0, named=True)
    assert stability["change_month"] == 0.0
    assert stability["direction_month"] == "No change"
    vacancy = frame.filter(pl.col("metric") == "vacancy_rate").row(0, named=True)
    assert vacancy["status"] == "not_supplied"
    assert frame["metric"].to_list()[0] == "agency_rate"


def test_month_end_trend_holds_month_ends_then_the_date_never_another_day() -> None:
    history = rows(
        (date(2026, 9, 30), "trust", "all", "agency_rate", 0.2, "met"),
        (date(2026, 10, 31), "trust", "all", "agency_rate", 0.2, "met"),
        (YEAR, "trust", "all", "agency_rate", 0.3, "missed"),  # 20 Nov 2025: not a month-end
        (AS_OF, "trust", "all", "agency_rate", 0.19, "met"),
        (AS_OF, "team", "T", "agency_rate", 0.5, "missed"),
    )
    trend = month_end_trend(history, AS_OF, ["agency_rate"])
    assert trend["as_of"].to_list() == [date(2026, 9, 30), date(2026, 10, 31), AS_OF]
    assert trend["agency_rate"].to_list() == [0.2, 0.2, 0.19]


def test_scopes_read_trust_then_each_area_with_its_teams() -> None:
    history = rows(
        (AS_OF, "team", "Zeta", "turnover_rate", 0.1, "no_target"),
        (AS_OF, "service_area", "B area", "turnover_rate", 0.2, "no_target"),
        (AS_OF, "team", "Alpha", "turnover_rate", 0.3, "no_target"),
        (AS_OF, "trust", "all", "turnover_rate", 0.4, "no_target"),
        (AS_OF, "service_area", "A area", "turnover_rate", 0.5, "no_target"),
    )
    areas = pl.DataFrame({"team": ["Alpha", "Zeta"], "service_area": ["B area", "A area"]})
    frame = by_scope(history, AS_OF, ["turnover_rate"], areas)
    assert frame["name"].to_list() == ["Trust", "A area", "Zeta", "B area", "Alpha"]
    assert frame["level"].to_list() == ["Trust", "Service area", "Team", "Service area", "Team"]
    assert frame["turnover_rate"].to_list() == [0.4, 0.5, 0.1, 0.2, 0.3]


def test_teams_matrix_shows_the_measures_whose_extracts_were_supplied() -> None:
    assert team_measures(ALL)[0] == "agency_rate"
    assert "average_caseload" not in team_measures(CORE)
    history = rows((AS_OF, "team", "T", "agency_rate", 0.3, "missed"))
    matrix = teams_matrix(history, AS_OF, pl.DataFrame({"team": ["T"], "service_area": ["A"]}),
                          CORE)  # fmt: skip
    assert matrix.row(0, named=True)["agency_rate__status"] == "missed"
    assert "vacancy_rate" not in matrix.columns


def _findings() -> pl.DataFrame:
    return findings_report(
        pl.DataFrame(
            {
                "extract": ["staff", "agency", None, "staff", "staff"],
                "row": [40, 3, None, 7, 9],
                "column": ["leaving_reason", "weekly_cost", None, "fte", "fte"],
                "rule": ["leaving_reason_missing", "weekly_cost_missing", "ignored_column",
                         "fte_range", "brand_new_rule"],
                "severity": ["warning", "warning", "warning", "error", "error"],
                "value": [None, None, None, "1.5", "x"],
                "message": ["m1", "m2", "m3", "m4", "m5"],
                "record_key": ["employee E40", "assignment A3", None, "employee E7",
                               "employee E9"],
                "current": [False, True, None, True, True],
            }
        )
    )  # fmt: skip


def test_to_do_list_puts_current_findings_first_with_words_and_actions() -> None:
    todo = todo_list(_findings())
    assert todo["record_key"].to_list() == [
        "employee E7", "employee E9", "assignment A3", None, "employee E40",
    ]  # fmt: skip
    assert todo["affects"].to_list() == ["Yes", "Yes", "Yes", "Not known", "No (historic)"]
    assert todo["rule_label"].to_list()[0] == "FTE out of range"
    assert todo["rule_label"].to_list()[1] == "Other problem"  # an unknown rule still reads
    assert todo["severity_word"].to_list()[:3] == ["Quarantined", "Quarantined", "Warning"]
    assert todo["extract_word"].to_list()[3] == "Whole drop"
    by_rule = findings_by_rule(_findings())
    assert by_rule["findings"].sum() == 5
    assert by_rule.filter(pl.col("rule") == "weekly_cost_missing")["affecting"].item() == 1


def test_every_rule_that_can_be_reported_reads_in_words() -> None:
    rules = {"ignored_column", "stale_drop", "benchmark_file", "unknown_worker",
             "worker_not_in_post", "worker_not_social_work", FORMULA_WITHOUT_VALUE,
             EXCEL_ERROR, HIDDEN_SHEET}  # fmt: skip
    for path in (REPO_ROOT / "expectations").glob("*.json"):
        suite = json.loads(path.read_text())
        rules |= {expectation["meta"]["rule"] for expectation in suite["expectations"]}
    assert rules <= set(RULE_GUIDES), rules - set(RULE_GUIDES)
    assert all(guide.label and guide.action for guide in RULE_GUIDES.values())


def _team_history() -> pl.DataFrame:
    return rows(
        (MONTH, "team", "A", "agency_rate", 0.19, "met"),
        (AS_OF, "team", "A", "agency_rate", 0.25, "missed"),
        (MONTH, "team", "B", "agency_rate", 0.30, "missed"),
        (AS_OF, "team", "B", "agency_rate", 0.21, "within_tolerance"),
        (MONTH, "team", "C", "agency_rate", 0.10, "met"),
        (AS_OF, "team", "C", "agency_rate", 0.1004, "met"),
        (AS_OF, "team", "D", "agency_rate", 0.40, "missed"),
    )


def test_summary_lines_name_status_changes_misses_and_movements() -> None:
    history = _team_history()
    assert status_change_line(history, AS_OF) == (
        "2 teams changed agency-rate status since 31 Oct 2026: A (Met → Missed) and "
        "B (Missed → Within tolerance)."
    )
    assert missing_line(history, AS_OF) == (
        "2 teams miss the agency-rate target: D (40.0%) and A (25.0%) (see Teams)."
    )
    assert movement_line(history, AS_OF) == (
        "Largest agency-rate movements since 31 Oct 2026: B down 9.0 pts and A up 6.0 pts."
    )


def test_summary_lines_are_three_to_six() -> None:
    history = pl.concat(
        [
            _team_history(),
            rows(
                (AS_OF, "trust", "all", "agency_rate", 0.2, "met"),
                (AS_OF, "trust", "all", "turnover_rate", 0.15, "no_target"),
            ),
        ]
    )
    headline = headline_frame(history, AS_OF, ALL, pl.DataFrame(schema=COMPARATORS_SCHEMA))
    summaries = pl.DataFrame({"extract": ["staff"], "rows_read": [10], "rows_quarantined": [1],
                              "warnings": [2]})  # fmt: skip
    lines = what_changed(history, AS_OF, headline, summaries, _findings(), "Outlook line.")
    assert 3 <= len(lines) <= 6
    assert lines[0].startswith("Agency rate 20.0%")
    assert lines[1] == "Outlook line."
    assert lines[-1].startswith("Data quality: 1 row quarantined and 3 warnings")


def test_text_helpers() -> None:
    assert percent(0.1944) == "19.4%"
    assert percent(None) == "no value"
    assert points(-0.3) == "0.3 pts"
    assert points(1.0) == "1.0 pt"
    assert listing(["a", "b", "c", "d", "e"]) == "a, b, c and 2 more"
    assert listing(["a", "b"]) == "a and b"


def test_caseload_bands_by_hand() -> None:
    bands = caseload_bands(pl.Series([0, 1, 5, 6, 20, 21, 31, 40]), threshold=20)
    counts = dict(zip(bands["band"], bands["case_holders"], strict=True))
    assert counts == {"1–5": 2, "6–10": 1, "11–15": 0, "16–20": 1, "21–25": 1, "26–30": 0,
                      "31+": 2}  # fmt: skip
    assert bands.filter(pl.col("over_threshold") != "")["band"].to_list() == [
        "21–25", "26–30", "31+",
    ]  # fmt: skip


@given(
    caseloads=st.lists(st.integers(min_value=0, max_value=80), max_size=40),
    threshold=st.integers(min_value=0, max_value=40),
)
@settings(max_examples=60, deadline=None)
def test_caseload_bands_count_every_case_holder_once(caseloads: list[int], threshold: int) -> None:
    bands = caseload_bands(pl.Series(caseloads, dtype=pl.Int64), threshold)
    assert bands["case_holders"].sum() == sum(1 for c in caseloads if c >= 1)
    over = bands.filter(pl.col("over_threshold") != "")["case_holders"].sum()
    assert over == sum(1 for c in caseloads if c > threshold)


def _what_it_takes(status: str, more_than: bool) -> pl.DataFrame:
    from transforms.outlook import WHAT_IT_TAKES_SCHEMA

    return pl.DataFrame(
        {
            "year_end": [date(2027, 3, 31), date(2027, 3, 31), date(2027, 3, 31)],
            "scope": ["trust", "team", "team"],
            "scope_value": ["all", "Met team", "Missing team"],
            "agency_fte": [30.0, 1.0, 5.0],
            "employed_fte": [90.0, 9.0, 5.0],
            "committed_rate": [0.25, 0.1, 0.5],
            "target": [0.2] * 3,
            "tolerance": [0.02] * 3,
            "comparison": ["<" if more_than else "<="] * 3,
            "status": [status, "met", "missed"],
            "convert_fte": [6.0, 0.0, 3.0],
            "end_agency_fte": [7.5, 0.0, 3.75],
            "add_permanent_fte": [30.0, 0.0, 15.0],
            "more_than": [more_than, False, more_than],
            "convert_fte_display": [6.0, 0.0, 3.0],
            "end_agency_fte_display": [7.5, 0.0, 3.8],
            "add_permanent_fte_display": [30.0, 0.0, 15.0],
        },
        schema=WHAT_IT_TAKES_SCHEMA,
    )


def test_levers_show_the_trust_and_every_scope_that_would_not_meet_the_target() -> None:
    from transforms.views.outlook import levers

    shown = levers(_what_it_takes("missed", more_than=True))
    assert shown["name"].to_list() == ["Trust", "Missing team"]
    assert shown["need"].to_list() == ["More than", "More than"]


def test_committed_kpi_and_outlook_sentence() -> None:
    from transforms.views.outlook import committed_kpi, outlook_sentence

    missed = committed_kpi(_what_it_takes("missed", more_than=True))
    assert missed is not None
    assert missed.rate == 0.25
    assert missed.what_it_takes == (
        "To meet 20.0%: convert more than 6.0 FTE of agency to permanent, or end more than "
        "7.5 FTE of agency without replacing, or add more than 30.0 FTE of permanent "
        "starters (see Outlook)."
    )
    assert outlook_sentence(_what_it_takes("missed", more_than=False)) == (
        "If nothing else changes, the agency rate will be 25.0% on 31 Mar 2027 (missed "
        "against 20.0%); meeting it takes converting 6.0 FTE of agency to permanent (see "
        "Outlook)."
    )
    met = _what_it_takes("met", more_than=False)
    assert committed_kpi(met).what_it_takes.startswith("Meets the target")  # type: ignore[union-attr]
    assert outlook_sentence(met.clear()) is None


def test_retention_table_has_a_column_per_horizon() -> None:
    from transforms.retention import RETENTION_SCHEMA
    from transforms.views.outlook import retention_by_horizon, retention_table

    retention = pl.DataFrame(
        [
            {"as_of": AS_OF, "route": route, "cohort": cohort, "horizon_days": horizon,
             "starters": 4, "at_risk": 2, "leavers": 1, "retained": value}
            for route, cohort, value in (("international", "2024-25", 0.75),
                                         ("international", "all", 0.8), ("all", "all", 0.9))
            for horizon in (182, 365, 730)
        ],
        schema=RETENTION_SCHEMA,
    )  # fmt: skip
    table = retention_table(retention)
    assert table["route_word"].to_list() == ["International recruit"] * 2 + ["All starters"]
    assert table["cohort_word"].to_list() == ["2024-25", "All years", "All years"]
    assert table["retained_365"].to_list() == [0.75, 0.8, 0.9]
    by_horizon = retention_by_horizon(retention)
    assert by_horizon["horizon"].to_list()[0] == "6 months (182 days)"
    assert by_horizon["international"].to_list() == [0.8] * 3
    assert by_horizon["newly_qualified"].to_list() == [None] * 3
