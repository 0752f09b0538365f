"""Builders of whole drops on disk for the validation tests (no tests here).

Grain: one drop folder per call, holding extract files as HR would send them:
- ``drop_with``: the valid bad-input extracts, with one or more bad-input cases replacing
  the extract of the same name;
- ``dirty_sample_drop``: the committed sample plus bad rows that share no key or period
  with any clean row (``DIRTY_SAMPLE_ROWS``);
- ``planted_drop``: a generated drop (seeded) with bad values planted in random cells.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import polars as pl

from sample_data.generate import generate
from tests.locations import SAMPLE_DROP
from transforms.schema import EXTRACT_COLUMNS, EXTRACT_NAMES, ExtractName

BAD_INPUTS = Path(__file__).parent / "bad_inputs"


def bad_input_cases() -> list[str]:
    """Every case folder of the bad-input corpus except the valid drop."""
    return sorted(p.name for p in BAD_INPUTS.iterdir() if p.is_dir() and p.name != "valid")


def _extract_files(folder: Path) -> list[Path]:
    return [p for p in sorted(folder.iterdir()) if p.stem.lower() in EXTRACT_NAMES]


def drop_with(tmp_path: Path, *cases: str, extracts: tuple[str, ...] = ()) -> Path:
    """A drop of the valid staff and agency extracts (and ``extracts`` from the valid
    set), each case's extract files replacing the extract of the same name."""
    drop = tmp_path / "drop"
    drop.mkdir(parents=True)
    for name in ("staff", "agency", *extracts):
        shutil.copy(BAD_INPUTS / "valid" / f"{name}.csv", drop / f"{name}.csv")
    for case in cases:
        for file in _extract_files(BAD_INPUTS / case):
            for replaced in drop.glob(f"{file.stem}.*"):
                replaced.unlink()
            shutil.copy(file, drop / file.name)
    return drop


# Bad rows for the sample drop, each with the rule it must break. They share no key or
# period with any clean row, so each must be quarantined alone.
DIRTY_SAMPLE_ROWS: dict[ExtractName, list[tuple[str, str]]] = {
    "staff": [
        (
            "E900001,SW900001,Social Worker,SW,Ghost Team,Ghost Area,1.5,permanent,2024-01-01,,,1",
            "fte_range",
        ),
        (
            "E900002,SW900002,Social Worker,SW,Ghost Team,Ghost Area,1,permanent,2024-01-01,2023-01-01,1,1",
            "end_before_start",
        ),
        (
            "E900003,SW900003,Social Worker,XYZ,Ghost Team,Ghost Area,1,permanent,2024-01-01,,,1",
            "code_list",
        ),
        (
            "E900004,,Social Worker,SW,Ghost Team,Ghost Area,1,permanent,2024-01-01,,,1",
            "swe_number_required",
        ),
        (
            "E900005,SW900005,Social Worker,SW,Ghost Team,Ghost Area,1,permanent,31/01/2024,,,1",
            "date_format",
        ),
    ],
    "agency": [
        (
            "ASG900001,AGW900001,SW900011,Ghost Agency,SW,Ghost Team,Ghost Area,1,2024-01-01,,-5",
            "weekly_cost_range",
        ),
        (
            "ASG900002,AGW900002,SW900012,Ghost Agency,SW,Ghost Team,Ghost Area,1,2024-01-01,2024-06-30,2000",
            "overlap",
        ),
        (
            "ASG900003,AGW900002,SW900012,Ghost Agency,SW,Ghost Team,Ghost Area,1,2024-06-01,,2000",
            "overlap",
        ),
    ],
    "caseloads": [
        ("AL9000001,C900001,E000376,contractor,2024-01-01,", "code_list"),
        ("AL9000002,C900002,E000376,employee,2024-01-01,2023-01-01", "end_before_start"),
    ],
    "establishment": [
        ("Ghost Team,Ghost Area,SW,0,2024-01-01,", "funded_fte_range"),
    ],
    "absence": [
        ("E999999,2024-01-10,2024-01-12,3,SIC", "unknown_employee"),
        ("E000376,2021-09-20,2021-09-21,1,XXX", "code_list"),
    ],
}


def dirty_sample_drop(tmp_path: Path) -> tuple[Path, dict[str, dict[int, str]]]:
    """Copy the sample and append ``DIRTY_SAMPLE_ROWS``; return the drop and, by extract,
    the source row of each appended row with the rule it breaks."""
    drop = tmp_path / "drop"
    shutil.copytree(SAMPLE_DROP, drop)
    appended: dict[str, dict[int, str]] = {}
    for extract, rows in DIRTY_SAMPLE_ROWS.items():
        path = drop / f"{extract}.csv"
        existing = path.read_text().splitlines()
        first_row = len(existing) + 1  # header is row 1
        path.write_text("\n".join(existing + [line for line, _ in rows]) + "\n")
        appended[extract] = {first_row + i: rule for i, (_, rule) in enumerate(rows)}
    return drop, appended


# Values planted by kind of column; each breaks a rule that holds before and after the
# hostile-value limits (no control characters, no huge numbers, no long text).
_PLANTED: dict[str, tuple[str | None, ...]] = {
    "text": (None,),
    "swe_number": ("12345", "S1", None),
    "code": ("XYZ", "perm", None),
    "int_code": ("0", "11", "one"),
    "decimal": ("abc", "-1", "1.5", "1,0", "", "2"),
    "date": ("31/01/2024", "2024-02-30", "2023-01-01", "1990-12-31", None),
}
# Columns whose planted values would reach other extracts' rules (an employee whose spells
# are all quarantined holds back their absence, a later change): only emptied.
_ONLY_EMPTIED = {("staff", "employee_id"), ("caseloads", "worker_id"), ("caseloads", "child_ref")}


def planted_drop(out_dir: Path, *, staff: int, seed: int, per_extract: int) -> Path:
    """A generated drop (``staff`` spells, ``seed``) with ``per_extract`` bad values planted
    in random cells of each extract, and three random rows of each repeated at its end (a
    duplicated key or overlapping period); the same seed plants the same values. Staff rows
    of employees with absence episodes are left alone."""
    generate(out_dir, staff=staff, seed=seed)
    rng = np.random.default_rng(seed)
    absent_employees = pl.read_csv(out_dir / "absence.csv", infer_schema=False)["employee_id"]
    for name in EXTRACT_NAMES:
        path = out_dir / f"{name}.csv"
        frame = pl.read_csv(path, infer_schema=False)
        eligible = np.arange(frame.height)
        if name == "staff":
            eligible = np.flatnonzero(~frame["employee_id"].is_in(absent_employees.implode()))
        rows = rng.choice(eligible, size=min(per_extract, len(eligible)), replace=False)
        columns = frame.columns
        for row in sorted(rows.tolist()):
            spec = EXTRACT_COLUMNS[name][int(rng.integers(len(columns)))]
            kind = "swe_number" if spec.name == "swe_number" else spec.kind
            choices = (None,) if (name, spec.name) in _ONLY_EMPTIED else _PLANTED[kind]
            value = choices[int(rng.integers(len(choices)))]
            frame[row, spec.name] = value or None
        repeated = rng.choice(eligible, size=3, replace=False)
        frame = pl.concat([frame, frame[sorted(repeated.tolist())]])
        frame.write_csv(path)
    return out_dir
