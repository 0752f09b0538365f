"""Replacing a whole folder of files as one unit: all its new files appear together or
none does, whatever fails or is killed.

Grain: one published folder (``<output>/<as_of>/``, a backfill's folder, a refused run's
``rejected/<as_of>/``) at a time.

How: the new files are written into a sibling staging folder ``.<name>.staging-<random>``
in the same parent (same file system), flushed to disk, then swapped in:

- on Linux, one ``renameat2(RENAME_EXCHANGE)`` call swaps the staging and the published
  folder. A reader of ``<name>`` sees the old complete folder up to that instant and the
  new complete folder after it; there is no instant without a folder. The old files are
  then removed (a reader that has one open keeps reading it until it closes it);
- elsewhere, or on a file system without the exchange, two renames: the published folder
  to ``.<name>.old-<random>``, then the staging folder to ``<name>``. For the instant
  between them ``<name>`` does not exist (a reader sees no folder, never a mixed one), and
  a run killed in that instant leaves the last good folder at ``.<name>.old-<random>``,
  which the next run puts back before it does anything else;
- a folder published for the first time is one ``rename``.

A reader that opens the files of a folder one at a time, by path, while a run swaps it in
can still get one file of the old set and one of the new: to read a consistent set, open
the folder once (``os.open`` it and read through ``dir_fd``), or compare the files'
modification times.

Leftovers of killed runs (staging folders, old folders, and the ``.<file>.<random>.tmp``
files earlier versions wrote beside the published files) are removed by the next run. A
staging folder is held under an exclusive ``flock`` for as long as its run works on it, so
a run never removes a folder another live run is still filling; the lock dies with its
process, so a killed run's folder is free to remove.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import logging
import os
import re
import shutil
import stat
import sys
import tempfile
from collections.abc import Callable, Collection, Iterator
from functools import cache
from pathlib import Path

from workforce.errors import RunFailure

log = logging.getLogger("workforce.publish")

STAGING_MARK = ".staging-"
OLD_MARK = ".old-"
# Temporary files of earlier versions, written beside the published files: ".name.XXXXXXXX.tmp".
_LEGACY_TEMP_FILE = re.compile(r"^\..+\.[a-z0-9_]{8}\.tmp$")


def _read_umask() -> int:
    # os.umask can only be read by setting it; done once, at import, before any threads.
    mask = os.umask(0)
    os.umask(mask)
    return mask


UMASK = _read_umask()
# A new published folder gets the mode any new folder would get (mkdtemp's is owner-only),
# so colleagues on a shared folder can open it; a replaced folder keeps the mode it had.
NEW_FOLDER_MODE = 0o777 & ~UMASK


class PublishFailure(RunFailure):
    """The files could not be written or swapped in; the published folder is unchanged."""


# What a disk error means for the user, and what to do about it.
_DISK_ERRORS: dict[int, tuple[str, str]] = {
    errno.ENOSPC: ("the disk is full", "free some space on it and run again"),
    errno.EDQUOT: ("the disk quota is used up", "free some space or raise the quota"),
    errno.EROFS: ("the file system is read-only", "choose another --output folder"),
    errno.EACCES: (
        "permission denied",
        "give this user write permission there or choose another --output folder",
    ),
    errno.EPERM: (
        "the operation is not permitted (a file there may be locked or immutable)",
        "unlock it or choose another --output folder",
    ),
}


def disk_error_words(error: OSError) -> str | None:
    """What a disk error means and what to do, in words (None for another error)."""
    known = _DISK_ERRORS.get(error.errno or 0)
    return None if known is None else "; ".join(known)


def replace_folder(folder: Path, fill: Callable[[Path], None], names: Collection[str]) -> None:
    """Make ``folder`` hold what ``fill`` writes into the empty folder it is given, as one
    unit. ``names`` are the entries ``fill`` writes; any other entry of the folder being
    replaced is carried over (hard-linked, or copied where links are not possible), so a
    file someone put beside the published files is not lost.

    ``PublishFailure`` (one line) for a disk error (full, read-only, no permission); any
    other error of ``fill`` is raised as it is. Either way ``folder`` is unchanged.
    """
    parent = folder.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        if folder.exists() and not folder.is_dir():
            raise PublishFailure(
                f"cannot write {folder}: a file has that name; move it away and run again"
            )
        with _locked_staging_folder(parent, folder.name) as staging:
            clean_leftovers(parent, folder.name)
            mode = stat.S_IMODE(folder.stat().st_mode) if folder.is_dir() else NEW_FOLDER_MODE
            staging.chmod(mode)
            _carry_over(folder, staging, set(names))
            fill(staging)
            _flush(staging)
            old = _swap_into_place(staging, folder)
    except OSError as error:
        words = disk_error_words(error)
        if words is None:
            raise
        raise PublishFailure(
            f"cannot write {folder}: {words}. The files published before are unchanged."
        ) from error
    with contextlib.suppress(OSError):
        _flush_folder(parent)
    if old is not None:
        _remove_old(old)


@contextlib.contextmanager
def _locked_staging_folder(parent: Path, name: str) -> Iterator[Path]:
    """A new, empty staging folder for ``name`` in ``parent``, locked while in use and
    removed afterwards if it is still there (a failed run, or the old files after the
    exchange: ``replace_folder`` removes those itself, after the lock is released)."""
    staging, handle = _create_locked_staging(parent, name)
    try:
        yield staging
    except BaseException:
        os.close(handle)
        shutil.rmtree(staging, ignore_errors=True)
        raise
    os.close(handle)


def _create_locked_staging(parent: Path, name: str) -> tuple[Path, int]:
    """mkdtemp, then an exclusive lock on it. Another run's clean-up may remove the new
    folder in the instant before it is locked: then start again with a new one."""
    for _ in range(100):
        staging = Path(tempfile.mkdtemp(prefix=f".{name}{STAGING_MARK}", dir=parent))
        try:
            handle = os.open(staging, os.O_RDONLY)
        except FileNotFoundError:
            continue
        if _try_lock(handle) and _same_folder(handle, staging):
            return staging, handle
        os.close(handle)
    raise RuntimeError(f"could not create a staging folder in {parent}")


def _try_lock(handle: int) -> bool:
    """An exclusive, non-blocking lock on an open folder (always granted without flock)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        return True
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _same_folder(handle: int, path: Path) -> bool:
    try:
        here = path.stat()
    except FileNotFoundError:
        return False
    opened = os.fstat(handle)
    return (here.st_dev, here.st_ino) == (opened.st_dev, opened.st_ino)


def _is_abandoned(staging: Path) -> bool:
    """True when no live run holds ``staging``: its lock can be taken."""
    try:
        handle = os.open(staging, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        return _try_lock(handle)
    finally:
        os.close(handle)  # closing releases the lock just taken


def _split_leftover(entry: str) -> tuple[str, str, str] | None:
    """(published name, mark, random part) of a staging or old folder's name: the mark
    is the last one in the name."""
    if not entry.startswith("."):
        return None
    mark = max((OLD_MARK, STAGING_MARK), key=entry.rfind)
    name, found, suffix = entry[1:].rpartition(mark)
    if found and name and suffix:
        return name, mark, suffix
    return None


def clean_leftovers(parent: Path, name: str | None = None) -> None:
    """Remove what killed runs left in ``parent`` (for the folder ``name`` only, or for
    every folder): put back a last good folder a run moved aside and never replaced,
    remove abandoned staging and old folders, and the temporary files of earlier
    versions inside the published folders. Folders of live runs are left alone; a
    leftover that cannot be removed (a locked file) stays for a later run."""
    if not parent.is_dir():
        return
    leftovers = [
        (entry, parts)
        for entry in sorted(parent.iterdir())
        if (parts := _split_leftover(entry.name))
    ]
    mine = [(entry, parts) for entry, parts in leftovers if name is None or parts[0] == name]
    # Old folders first: one may have to go back before the staging folders are removed.
    for entry, (published, mark, suffix) in mine:
        if mark != OLD_MARK:
            continue
        target = parent / published
        if target.exists():
            shutil.rmtree(entry, ignore_errors=True)
            continue
        staging = parent / f".{published}{STAGING_MARK}{suffix}"
        if staging.exists() and not _is_abandoned(staging):
            continue  # a live run is between its two renames
        with contextlib.suppress(OSError):
            entry.rename(target)
    for entry, (_, mark, _) in mine:
        if mark == STAGING_MARK and _is_abandoned(entry):
            shutil.rmtree(entry, ignore_errors=True)
    if name is None:
        for folder in parent.iterdir():
            if folder.is_dir() and not folder.name.startswith("."):
                _remove_legacy_temp_files(folder)


def _remove_legacy_temp_files(folder: Path) -> None:
    for entry in folder.iterdir():
        if _LEGACY_TEMP_FILE.match(entry.name) and entry.is_file():
            with contextlib.suppress(OSError):
                entry.unlink()


def _carry_over(old: Path, staging: Path, written: set[str]) -> None:
    if not old.is_dir():
        return
    for entry in old.iterdir():
        if entry.name in written or _LEGACY_TEMP_FILE.match(entry.name):
            continue
        destination = staging / entry.name
        if entry.is_symlink():
            destination.symlink_to(entry.readlink())
        elif entry.is_dir():
            shutil.copytree(entry, destination, symlinks=True, copy_function=_link_or_copy)
        else:
            _link_or_copy(entry, destination)


def _link_or_copy(source: str | Path, destination: str | Path) -> None:
    try:
        os.link(source, destination)
    except OSError:
        shutil.copy2(source, destination)


def _flush(folder: Path) -> None:
    """Every file of ``folder`` on disk before it is published, so a power cut after the
    swap cannot leave the new folder with empty files."""
    for entry in folder.rglob("*"):
        if entry.is_file() and not entry.is_symlink():
            handle = os.open(entry, os.O_RDONLY)
            try:
                os.fsync(handle)
            finally:
                os.close(handle)
    _flush_folder(folder)


def _flush_folder(folder: Path) -> None:
    if sys.platform == "win32":  # pragma: no cover - folders cannot be opened there
        return
    handle = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def _swap_into_place(staging: Path, folder: Path) -> Path | None:
    """Put ``staging`` at ``folder``; the path now holding the old folder (None if there
    was none)."""
    if not folder.exists():
        try:
            staging.rename(folder)
        except OSError as error:
            if error.errno not in (errno.EEXIST, errno.ENOTEMPTY):
                raise
            # another run published the folder meanwhile: swap with it below
        else:
            return None
    if exchange_folders(staging, folder):
        return staging
    suffix = staging.name.rpartition(STAGING_MARK)[2]
    old = folder.with_name(f".{folder.name}{OLD_MARK}{suffix}")
    folder.rename(old)
    try:
        staging.rename(folder)
    except BaseException:
        old.rename(folder)  # the last good folder goes back
        raise
    return old


def _remove_old(old: Path) -> None:
    # Best effort: the new folder is published already. What cannot be removed (a locked
    # or immutable file) stays, a later run tries again, and the user is told.
    shutil.rmtree(old, ignore_errors=True)
    if old.exists():
        log.warning("the previous files in %s could not all be removed; remove them by hand", old)


_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


@cache
def _renameat2() -> Callable[..., int] | None:
    """The C library's ``renameat2``, on Linux with glibc 2.28 or later; None elsewhere."""
    if sys.platform != "linux":
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        function: Callable[..., int] = libc.renameat2
    except (OSError, AttributeError):
        return None
    return function


def exchange_folders(first: Path, second: Path) -> bool:
    """Swap two paths in one atomic step; False when this platform or file system cannot
    (then nothing happened)."""
    renameat2 = _renameat2()
    if renameat2 is None:
        return False
    result = renameat2(
        _AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE
    )
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(second))
