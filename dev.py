#!/usr/bin/env python3
"""Quick start for workforce-stability: needs nothing but Python 3.11+.

    python3 dev.py sample   # set up .venv (first time), run the nightly flow on the sample data
    python3 dev.py test     # set up .venv (first time), run lint, type checks and the test suite

The environment is created at ``.venv/`` from the hashed ``requirements.lock`` plus the
project itself (editable), with bytecode compiled (imports of GX and Prefect are 2-3x
slower without it). It is rebuilt only when the lock or pyproject.toml changes.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
LOCK = ROOT / "requirements.lock"
STAMP = VENV / ".workforce-installed"
SAMPLE_AS_OF = "2026-11-20"


def _run(*args: str | Path, **kwargs: object) -> None:
    print("+", " ".join(str(a) for a in args), flush=True)
    subprocess.run([str(a) for a in args], check=True, cwd=ROOT, **kwargs)  # type: ignore[call-overload]


def _fingerprint() -> str:
    digest = hashlib.sha256()
    for path in (LOCK, ROOT / "pyproject.toml"):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _locked_block(package: str) -> str:
    """The lines of one package (with its hashes) from requirements.lock."""
    lines = LOCK.read_text().splitlines()
    block: list[str] = []
    for line in lines:
        if line.startswith(f"{package}=="):
            block = [line]
        elif block and line.startswith("    --hash"):
            block.append(line)
        elif block:
            break
    if not block:
        raise SystemExit(f"dev.py: {package} is not pinned in requirements.lock")
    return "\n".join(block) + "\n"


def ensure_env() -> None:
    if STAMP.exists() and STAMP.read_text() == _fingerprint():
        return
    if not PYTHON.exists():
        venv.create(VENV, with_pip=True)
    # uv comes from the lock, verified by hash, then installs the rest fast.
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
        handle.write(_locked_block("uv"))
    _run(PYTHON, "-m", "pip", "install", "-q", "--require-hashes", "--no-deps", "-r", handle.name)
    Path(handle.name).unlink()
    uv = BIN / ("uv.exe" if os.name == "nt" else "uv")
    _run(
        uv,
        "pip",
        "install",
        "-q",
        "--python",
        PYTHON,
        "--compile-bytecode",
        "--require-hashes",
        "-r",
        LOCK,
    )
    _run(
        uv,
        "pip",
        "install",
        "-q",
        "--python",
        PYTHON,
        "--compile-bytecode",
        "--no-deps",
        "-e",
        ROOT,
    )
    STAMP.write_text(_fingerprint())


def sample() -> None:
    ensure_env()
    _run(
        BIN / "workforce",
        "run",
        "--input",
        "sample_data/incoming",
        "--output",
        "output",
        "--as-of",
        SAMPLE_AS_OF,
        "--config",
        "sample_data/sample.toml",
    )
    print(
        f"\nWorkbook: {ROOT / 'output' / SAMPLE_AS_OF / f'workforce_stability_{SAMPLE_AS_OF}.xlsx'}"
    )


def test() -> None:
    ensure_env()
    _run(BIN / "ruff", "check", ".")
    _run(BIN / "ruff", "format", "--check", ".")
    _run(BIN / "mypy", ".")
    _run(PYTHON, "-m", "pytest", "-q", *sys.argv[2:])


COMMANDS = {"sample": sample, "test": test, "setup": ensure_env}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        raise SystemExit(f"usage: python3 dev.py {{{'|'.join(COMMANDS)}}}")
    try:
        COMMANDS[sys.argv[1]]()
    except subprocess.CalledProcessError as error:
        raise SystemExit(error.returncode) from None
