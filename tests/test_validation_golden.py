"""Findings are unchanged by how validation runs (issue 16): the bad-input corpus, the
dirty sample and a generated 10x drop with planted errors give exactly the findings of
``tests/golden/validation_findings.csv.gz``, produced by the code before validation was
restructured (commit bf2f7ca).

Grain: one row per finding per drop (the contract's columns plus ``drop``); a refused
drop is one row with rule ``refused`` and the one-line message.

Regenerate only for a change the issues ask for, and say why in the commit:
``.venv/bin/python -m tests.test_validation_golden``.
"""

from __future__ import annotations

import datetime as dt
import gzip
import io
import sys
import tempfile
from pathlib import Path

import polars as pl

from tests.drops import bad_input_cases, dirty_sample_drop, drop_with, planted_drop
from transforms.schema import FINDING_COLUMNS, FINDINGS_SCHEMA
from workforce.errors import RunFailure
from workforce.extract_io import read_drop
from workforce.validation import validate_drop

GOLDEN = Path(__file__).parent / "golden" / "validation_findings.csv.gz"
CORPUS_AS_OF = dt.date(2024, 3, 31)
SAMPLE_AS_OF = dt.date(2026, 11, 20)
# The corpus cases that existed when the golden file was written (later cases have their
# own expectations; these are the regression net).
GOLDEN_SCHEMA = {"drop": pl.String(), **FINDINGS_SCHEMA}


def _findings(label: str, drop: Path, as_of: dt.date) -> pl.DataFrame:
    try:
        findings = validate_drop(read_drop(drop), as_of, 1.0).findings
    except RunFailure as refusal:
        findings = pl.DataFrame(
            {"rule": ["refused"], "severity": ["error"], "message": [str(refusal)]}
        )
        findings = findings.select(
            pl.col(name) if name in findings.columns else pl.lit(None, dtype).alias(name)
            for name, dtype in FINDINGS_SCHEMA.items()
        )
    return findings.select(pl.lit(label).alias("drop"), *FINDING_COLUMNS).cast(GOLDEN_SCHEMA)  # type: ignore[arg-type]


def all_findings(scratch: Path, cases: list[str]) -> pl.DataFrame:
    parts = []
    for case in cases:
        extracts = ("caseloads", "establishment", "absence") if case == "valid" else ()
        drop = drop_with(scratch / case, *([] if case == "valid" else [case]), extracts=extracts)
        parts.append(_findings(case, drop, CORPUS_AS_OF))
    dirty, _ = dirty_sample_drop(scratch / "dirty_sample")
    parts.append(_findings("dirty_sample", dirty, SAMPLE_AS_OF))
    planted = planted_drop(scratch / "planted_10x", staff=6000, seed=16, per_extract=40)
    parts.append(_findings("planted_10x", planted, SAMPLE_AS_OF))
    return pl.concat(parts, how="vertical")


def _read_golden() -> pl.DataFrame:
    data = gzip.decompress(GOLDEN.read_bytes())
    return pl.read_csv(io.BytesIO(data), schema=GOLDEN_SCHEMA)


def test_findings_are_those_of_the_golden_file(tmp_path: Path) -> None:
    golden = _read_golden()
    cases = [c for c in golden.get_column("drop").unique(maintain_order=True).to_list()]
    corpus = [c for c in cases if c not in {"dirty_sample", "planted_10x"}]
    actual = all_findings(tmp_path, corpus)
    for case in cases:
        expected = golden.filter(pl.col("drop") == case)
        got = actual.filter(pl.col("drop") == case)
        assert got.equals(expected), (case, got, expected)


def _write_golden() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        findings = all_findings(Path(scratch), ["valid", *bad_input_cases()])
    buffer = io.BytesIO()
    findings.write_csv(buffer, null_value="")
    GOLDEN.parent.mkdir(exist_ok=True)
    GOLDEN.write_bytes(gzip.compress(buffer.getvalue(), mtime=0))
    sys.stdout.write(f"{GOLDEN}: {findings.height} findings\n")


if __name__ == "__main__":
    _write_golden()
