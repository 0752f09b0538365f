"""Where the tests find the repository's sample data and the shared spec folder."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
SAMPLE_INCOMING = REPO_ROOT / "sample_data" / "incoming"
SAMPLE_DROP = SAMPLE_INCOMING / "2026-11-20"
SAMPLE_CONFIG = REPO_ROOT / "sample_data" / "sample.toml"
# shared/ sits beside the checkout (the spec and the DfE reference file, never copied in).
SHARED = REPO_ROOT.parent / "shared"
DFE_INDICATOR_FILE = SHARED / "reference" / "dfe_csww_indicators_2017_to_2025.csv"
