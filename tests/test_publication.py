"""Publishing a folder as one unit (``workforce.atomic_folder`` through ``publish``): what
a reader sees whatever fails or is killed, and what the next run cleans up.

Grain: one published folder of three files, ``a.csv``, ``b.csv``, ``c.csv``, each holding
the tag of the run that wrote it; a complete set is three files with one tag.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import stat
import sys
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.processes import fault_env, kill_hard, run_until_paused
from workforce import atomic_folder
from workforce.atomic_folder import (
    NEW_FOLDER_MODE,
    OLD_MARK,
    STAGING_MARK,
    PublishFailure,
    clean_leftovers,
    exchange_folders,
)
from workforce.outputs import publish

NAMES = ("a.csv", "b.csv", "c.csv")
linux_only = pytest.mark.skipif(sys.platform != "linux", reason="renameat2 and flock are Linux")


def _publish_tagged(folder: Path, tag: str) -> dict[str, Path]:
    def writer(path: Path) -> None:
        path.write_text(f"{tag} {path.name}")

    return publish(folder, dict.fromkeys(NAMES, writer))


def _tag_of_complete_set(folder: Path) -> str:
    """The one tag of a complete set in ``folder`` (fails on a missing file or a mix)."""
    assert sorted(entry.name for entry in folder.iterdir()) == list(NAMES)
    tags = {(folder / name).read_text().split()[0] for name in NAMES}
    assert len(tags) == 1, f"a mixed set: {tags}"
    return tags.pop()


def _leftovers(parent: Path) -> list[str]:
    return sorted(entry.name for entry in parent.iterdir() if entry.name.startswith("."))


def test_first_publish_makes_a_folder_anyone_may_read(tmp_path: Path) -> None:
    folder = tmp_path / "2026-11-20"
    published = _publish_tagged(folder, "new")
    assert published == {name: folder / name for name in NAMES}
    assert _tag_of_complete_set(folder) == "new"
    assert stat.S_IMODE(folder.stat().st_mode) == NEW_FOLDER_MODE  # not mkdtemp's 0o700
    assert _leftovers(tmp_path) == []


def test_replacing_keeps_the_folder_mode_and_the_files_it_does_not_write(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "2026-11-20"
    _publish_tagged(folder, "old")
    folder.chmod(0o750)
    (folder / "notes.txt").write_text("HR's own note")
    (folder / "charts").mkdir()
    (folder / "charts" / "x.png").write_bytes(b"png")
    (folder / ".metrics.csv.abcd1234.tmp").write_text("an earlier version's temporary file")
    _publish_tagged(folder, "new")
    assert stat.S_IMODE(folder.stat().st_mode) == 0o750
    assert (folder / "notes.txt").read_text() == "HR's own note"
    assert (folder / "charts" / "x.png").read_bytes() == b"png"
    assert not (folder / ".metrics.csv.abcd1234.tmp").exists()
    assert {(folder / name).read_text() for name in NAMES} == {f"new {n}" for n in NAMES}
    assert _leftovers(tmp_path) == []


def test_a_failed_write_leaves_the_old_set_and_nothing_else(tmp_path: Path) -> None:
    folder = tmp_path / "2026-11-20"
    _publish_tagged(folder, "old")

    def half_then_crash(path: Path) -> None:
        path.write_text("new, half")
        raise RuntimeError("crash")

    with pytest.raises(RuntimeError, match="crash"):
        publish(folder, {"a.csv": lambda p: p.write_text("new a.csv"), "b.csv": half_then_crash})
    assert _tag_of_complete_set(folder) == "old"
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize(
    ("code", "words"),
    [
        (errno.ENOSPC, "the disk is full; free some space on it and run again"),
        (errno.EROFS, "the file system is read-only; choose another --output folder"),
        (errno.EACCES, "permission denied; give this user write permission there"),
    ],
)
def test_a_disk_error_is_one_line_and_changes_nothing(
    tmp_path: Path, code: int, words: str
) -> None:
    folder = tmp_path / "2026-11-20"
    _publish_tagged(folder, "old")

    def disk_error(path: Path) -> None:
        raise OSError(code, os.strerror(code), str(path))

    with pytest.raises(PublishFailure) as failure:
        publish(folder, {"a.csv": disk_error})
    message = str(failure.value)
    assert message.startswith(f"cannot write {folder}: {words}")
    assert message.endswith("The files published before are unchanged.")
    assert "\n" not in message
    assert "Errno" not in message
    assert _tag_of_complete_set(folder) == "old"
    assert _leftovers(tmp_path) == []


def test_a_file_in_the_folders_place_is_refused(tmp_path: Path) -> None:
    (tmp_path / "2026-11-20").write_text("not a folder")
    with pytest.raises(PublishFailure, match="a file has that name; move it away"):
        _publish_tagged(tmp_path / "2026-11-20", "new")
    assert (tmp_path / "2026-11-20").read_text() == "not a folder"


def test_the_two_rename_fallback_publishes_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(atomic_folder, "exchange_folders", lambda first, second: False)
    folder = tmp_path / "2026-11-20"
    _publish_tagged(folder, "old")
    _publish_tagged(folder, "new")
    assert _tag_of_complete_set(folder) == "new"
    assert _leftovers(tmp_path) == []


@linux_only
def test_exchange_swaps_two_folders_in_one_step(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    (first / "one").touch()
    (second / "two").touch()
    assert exchange_folders(first, second)
    assert [p.name for p in first.iterdir()] == ["two"]
    assert [p.name for p in second.iterdir()] == ["one"]


@linux_only
def test_clean_up_leaves_a_live_runs_staging_folder_alone(tmp_path: Path) -> None:
    import fcntl

    live = tmp_path / f".2026-11-20{STAGING_MARK}live"
    dead = tmp_path / f".2026-11-20{STAGING_MARK}dead"
    live.mkdir()
    dead.mkdir()
    handle = os.open(live, os.O_RDONLY)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)  # as a running publisher holds it
        clean_leftovers(tmp_path)
        assert live.exists()
        assert not dead.exists()
    finally:
        os.close(handle)
    clean_leftovers(tmp_path)
    assert not live.exists()


def test_clean_up_puts_back_a_folder_moved_aside_and_never_replaced(tmp_path: Path) -> None:
    folder = tmp_path / "2026-11-20"
    _publish_tagged(folder, "old")
    aside = tmp_path / f".2026-11-20{OLD_MARK}abc"
    folder.rename(aside)
    (tmp_path / f".2026-11-20{STAGING_MARK}abc").mkdir()  # its run died before the 2nd rename
    clean_leftovers(tmp_path)
    assert _tag_of_complete_set(folder) == "old"
    assert _leftovers(tmp_path) == []


def test_clean_up_removes_an_old_folder_once_its_replacement_is_in_place(
    tmp_path: Path,
) -> None:
    _publish_tagged(tmp_path / "2026-11-20", "new")
    old = tmp_path / f".2026-11-20{OLD_MARK}abc"
    old.mkdir()
    (old / "a.csv").write_text("old a.csv")
    clean_leftovers(tmp_path, "2026-11-20")
    assert _tag_of_complete_set(tmp_path / "2026-11-20") == "new"
    assert _leftovers(tmp_path) == []


@given(
    st.lists(
        st.tuples(st.sampled_from(["ok", "fail", "fallback"]), st.integers(0, len(NAMES) - 1)),
        min_size=1,
        max_size=6,
    )
)
@settings(max_examples=25, deadline=None)
def test_the_folder_always_holds_the_last_complete_set(
    runs: list[tuple[str, int]],
) -> None:
    """Whatever runs fail, and wherever, the folder is the last successful run's set."""
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        parent = Path(scratch)
        folder = parent / "2026-11-20"
        last: str | None = None
        for number, (kind, failing_file) in enumerate(runs):
            tag = f"run{number}"

            failing = NAMES[failing_file] if kind == "fail" else None

            def writer(path: Path, tag: str = tag, failing: str | None = failing) -> None:
                path.write_text(f"{tag} {path.name}")
                if path.name == failing:
                    raise RuntimeError("crash")

            no_exchange = kind == "fallback"
            with (
                mock.patch.object(atomic_folder, "exchange_folders", side_effect=lambda *_: False)
                if no_exchange
                else contextlib.nullcontext()
            ):
                try:
                    publish(folder, dict.fromkeys(NAMES, writer))
                    last = tag
                except RuntimeError:
                    pass
            if last is None:
                assert not folder.exists()
            else:
                assert _tag_of_complete_set(folder) == last
            assert _leftovers(parent) == []


# Killed publishers: a subprocess publishes a "new" set over an "old" one and is killed
# with SIGKILL at a point of the test's choosing (tests/fault_hooks/sitecustomize.py).
_PUBLISH_SCRIPT = """
import sys
from pathlib import Path
from workforce.outputs import publish
folder, tag = Path(sys.argv[1]), sys.argv[2]
publish(folder, {n: (lambda p, n=n: p.write_text(f"{tag} {n}")) for n in ("a.csv", "b.csv", "c.csv")})
"""


@pytest.mark.parametrize(
    ("pause", "no_exchange", "seen_after_kill"),
    [
        ("staging", False, "old"),
        ("swap", False, "old"),
        ("between-renames", True, "old, moved aside"),
        ("after-swap", False, "new"),
        ("after-swap", True, "new"),
    ],
)
def test_a_killed_publisher_leaves_a_complete_set_and_the_next_run_tidies_up(
    tmp_path: Path, pause: str, no_exchange: bool, seen_after_kill: str
) -> None:
    folder = tmp_path / "out" / "2026-11-20"
    _publish_tagged(folder, "old")
    marker = tmp_path / "paused"
    process = run_until_paused(
        [sys.executable, "-c", _PUBLISH_SCRIPT, str(folder), "new"],
        fault_env(pause, marker, no_exchange=no_exchange),
        marker,
        timeout=60,
    )
    kill_hard(process)

    if seen_after_kill == "old, moved aside":
        # The one instant with no folder: the last good set waits beside it, complete.
        assert not folder.exists()
        (aside,) = folder.parent.glob(f".*{OLD_MARK}*")
        assert _tag_of_complete_set(aside) == "old"
    else:
        assert _tag_of_complete_set(folder) == seen_after_kill
    assert _leftovers(folder.parent)  # the killed run's temporary folder is still there

    _publish_tagged(folder, "next")
    assert _tag_of_complete_set(folder) == "next"
    assert _leftovers(folder.parent) == []


def test_the_next_runs_clean_up_alone_restores_a_set_moved_aside(tmp_path: Path) -> None:
    folder = tmp_path / "out" / "2026-11-20"
    _publish_tagged(folder, "old")
    marker = tmp_path / "paused"
    process = run_until_paused(
        [sys.executable, "-c", _PUBLISH_SCRIPT, str(folder), "new"],
        fault_env("between-renames", marker, no_exchange=True),
        marker,
        timeout=60,
    )
    kill_hard(process)
    clean_leftovers(folder.parent)
    assert _tag_of_complete_set(folder) == "old"
    assert _leftovers(folder.parent) == []


def test_old_files_that_cannot_be_removed_are_a_warning_not_a_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "2026-11-20"
    _publish_tagged(folder, "old")
    # as when a file of the old set is locked or immutable: removing it fails
    monkeypatch.setattr("workforce.atomic_folder.shutil.rmtree", lambda path, ignore_errors: None)
    with caplog.at_level(logging.WARNING, logger="workforce.publish"):
        _publish_tagged(folder, "new")
    assert _tag_of_complete_set(folder) == "new"
    (left,) = _leftovers(tmp_path)
    assert f"the previous files in {tmp_path / left} could not all be removed" in caplog.text
