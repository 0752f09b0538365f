"""What each data-quality rule means in words and what HR should do about a finding.
Grain: one entry per rule identifier (the ``rule`` column of ``data_quality.csv``).

The identifiers come from the validation suites (``expectations/*.json``), the readers,
the metrics engine (allocations it cannot count) and the run itself (an old drop, the DfE
file); a test keeps this table complete.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RuleGuide:
    label: str  # the rule in words
    action: str  # what to do about a finding


_FIX_IN_SOURCE = "Correct it in the source system, then take the extract again."

RULE_GUIDES: dict[str, RuleGuide] = {
    "required": RuleGuide("Required value missing", f"Fill in the value. {_FIX_IN_SOURCE}"),
    "date_format": RuleGuide(
        "Not a date (YYYY-MM-DD)",
        "Write the date as YYYY-MM-DD (or use an Excel date cell); check it is a real date.",
    ),
    "date_not_in_calendar": RuleGuide(
        "Date does not exist", "Check the day and month (e.g. 31 April does not exist)."
    ),
    "number_format": RuleGuide(
        "Not a plain number",
        "Write a plain number: digits with a decimal point, no commas, units or symbols.",
    ),
    "number_range": RuleGuide(
        "Number too large",
        "Numbers must be below 1,000,000,000: check the value (a misplaced decimal point?).",
    ),
    "text_length": RuleGuide(
        "Text too long", "Text values are at most 1,000 characters: shorten the value."
    ),
    "control_character": RuleGuide(
        "Hidden control character",
        "The value holds an invisible control character: retype it in the source system.",
    ),
    "formula_without_value": RuleGuide(
        "Formula with no saved value",
        "Open the file in Excel and save it (so values are stored), or paste values only.",
    ),
    "excel_error": RuleGuide(
        "Excel error value (#N/A, #REF!…)",
        "Fix the formula or value in the workbook that produced the error.",
    ),
    "hidden_sheet": RuleGuide(
        "First sheet is hidden",
        "The first sheet was read although it is hidden: check it holds the extract, or move "
        "the right sheet first.",
    ),
    "code_list": RuleGuide(
        "Not one of the allowed codes",
        "Use one of the codes listed in the message (see the extract specification).",
    ),
    "fte_range": RuleGuide(
        "FTE out of range", "FTE must be above 0 and at most 1: correct the contracted FTE."
    ),
    "funded_fte_range": RuleGuide(
        "Funded FTE out of range", "Funded FTE must be above 0: correct or remove the period."
    ),
    "weekly_cost_range": RuleGuide(
        "Weekly cost out of range", "A weekly cost cannot be negative: correct the charge."
    ),
    "working_days_range": RuleGuide(
        "Days lost out of range", "Working days lost cannot be negative: correct the episode."
    ),
    "end_before_start": RuleGuide(
        "Ends before it starts", "Check both dates: the end must be on or after the start."
    ),
    "duplicate_key": RuleGuide(
        "Same key more than once",
        "Keep one row per key: remove the duplicate or correct the identifier. Every row "
        "sharing the key is left out until then.",
    ),
    "overlap": RuleGuide(
        "Overlapping periods",
        "One person (or team and role) cannot have two periods at once: correct the dates. "
        "Every overlapping row is left out until then.",
    ),
    "swe_number_format": RuleGuide(
        "Not a Social Work England number",
        "Write the SWE number as two letters then digits (e.g. SW123456).",
    ),
    "swe_number_required": RuleGuide(
        "SWE number missing", "Social-work roles need their Social Work England number."
    ),
    "unknown_employee": RuleGuide(
        "Employee not in the staff extract",
        "Check the employee id against the staff extract (it may be mistyped).",
    ),
    "employee_held_back": RuleGuide(
        "Absence held back: the employee's staff rows were all quarantined",
        "Fix the employee's staff rows; the absence then counts again (nothing to fix here).",
    ),
    "leaving_reason_missing": RuleGuide(
        "Leaving reason missing", "Record why the person left (CSWW reason codes 1–10)."
    ),
    "weekly_cost_missing": RuleGuide(
        "Weekly cost missing",
        "Ask the agency provider for the weekly charge: without it agency spend is understated.",
    ),
    "ignored_column": RuleGuide(
        "Column not used", "Nothing to do unless the column was meant to be one of ours."
    ),
    "unknown_worker": RuleGuide(
        "Allocated worker not found",
        "Check the worker id and kind on the allocation against the staff and agency extracts.",
    ),
    "worker_not_in_post": RuleGuide(
        "Allocated worker not in post",
        "Close or reallocate the allocation, or correct the worker's dates.",
    ),
    "worker_not_social_work": RuleGuide(
        "Allocated worker not in a social-work role",
        "Reallocate the child to a social worker, or correct the worker's role.",
    ),
    "stale_drop": RuleGuide(
        "Extract older than the as-of date",
        "Check that the nightly extract arrived; the figures are only as fresh as the drop.",
    ),
    "benchmark_file": RuleGuide(
        "DfE benchmark file not usable",
        "Check [benchmarks] dfe_indicator_file in the configuration points at the DfE CSV.",
    ),
}

UNKNOWN_RULE = RuleGuide("Other problem", "See the message.")


def rule_label(rule: str) -> str:
    return RULE_GUIDES.get(rule, UNKNOWN_RULE).label


def rule_action(rule: str) -> str:
    return RULE_GUIDES.get(rule, UNKNOWN_RULE).action
