"""The Great Expectations suites ``expectations/<extract>.json``, generated from the rules.

Grain: one suite per extract, one expectation per rule of ``transforms.rules.extract_rules``
(which builds them from the column contract ``transforms.schema.EXTRACT_COLUMNS`` plus the
rules across rows). Each expectation checks one boolean flag column of the frame built by
``transforms.rules.check_frame`` (True where a row breaks the rule) and its ``meta`` says
what a finding reports. The files are checked in, and a test keeps them current:

    python -m workforce.suites --write   # regenerate after changing a column or a rule
    python -m workforce.suites --check   # exit 1 when a file on disk is not current
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from transforms.rules import Rule, extract_rules
from transforms.schema import EXTRACT_GRAINS, EXTRACT_NAMES, ExtractName

EXPECTATIONS_DIR = Path(__file__).resolve().parent.parent / "expectations"
COMMAND = "python -m workforce.suites --write"


def suite_path(extract: ExtractName) -> Path:
    return EXPECTATIONS_DIR / f"{extract}.json"


def _expectation(rule: Rule) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "rule": rule.rule,
        "column": rule.column,
        "severity": rule.severity,
        "message": rule.message,
        "check": rule.check,
    }
    if rule.cells:
        meta["cells"] = list(rule.cells)
    if rule.holds_back:
        meta["holds_back"] = True
    return {
        "type": "expect_column_values_to_be_in_set",
        "kwargs": {"column": rule.flag, "value_set": [False]},
        "meta": meta,
    }


def build_suite(extract: ExtractName) -> dict[str, Any]:
    """The suite of ``extract`` as the JSON dict written to its file."""
    return {
        "name": extract,
        "meta": {
            "grain": EXTRACT_GRAINS[extract],
            "contract": "shared/spec/extracts.md",
            "generated_by": f"{COMMAND} from transforms/schema.py (EXTRACT_COLUMNS) and "
            "transforms/rules.py; do not edit by hand",
            "columns": "Each expectation checks one boolean flag column computed by "
            "transforms.rules.check_frame, True where a row breaks the rule; the frame "
            "handed to GX holds source_row and the flags.",
            "expectation_meta": "rule: finding rule id; column: the column reported (its "
            "raw text is the finding's value), or null for a cell rule, reported on each "
            "column in cells whose value breaks it; severity: error (row quarantined) or "
            "warning (row kept; holds_back: left out of the figures, not quarantined); "
            "message: plain English, {value} = the value, {name} = another column of the "
            "checked frame; check: what the flag tests.",
        },
        "expectations": [_expectation(rule) for rule in extract_rules(extract)],
    }


def suite_text(extract: ExtractName) -> str:
    return json.dumps(build_suite(extract), indent=2, ensure_ascii=False) + "\n"


def stale_suites() -> list[ExtractName]:
    """Extracts whose suite file is missing or differs from the generated one."""
    return [
        extract
        for extract in EXTRACT_NAMES
        if not suite_path(extract).is_file()
        or suite_path(extract).read_text(encoding="utf-8") != suite_text(extract)
    ]


def write_suites() -> list[Path]:
    written = []
    for extract in EXTRACT_NAMES:
        suite_path(extract).write_text(suite_text(extract), encoding="utf-8")
        written.append(suite_path(extract))
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m workforce.suites", description=__doc__)
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--write", action="store_true", help="regenerate expectations/*.json")
    action.add_argument("--check", action="store_true", help="fail when a file is not current")
    args = parser.parse_args(argv)
    if args.write:
        for path in write_suites():
            sys.stdout.write(f"wrote {path}\n")
        return 0
    stale = stale_suites()
    if stale:
        names = ", ".join(f"expectations/{extract}.json" for extract in stale)
        sys.stderr.write(f"not current: {names}; run {COMMAND}\n")
        return 1
    sys.stdout.write("expectations/*.json are current\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
