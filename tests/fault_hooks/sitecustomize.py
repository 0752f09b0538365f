"""Test-only fault injection for commands the tests run in a subprocess (this folder is
put on the subprocess's PYTHONPATH; production never loads it).

``WORKFORCE_TEST_PAUSE`` names the point where publishing stops and waits to be killed,
after creating the file ``WORKFORCE_TEST_MARKER``:
- ``staging``: the staging folder exists, nothing written into it yet;
- ``swap``: every file written and flushed, nothing swapped in yet;
- ``between-renames``: the published folder moved aside, the new one not yet in place
  (the two-rename fallback: set ``WORKFORCE_TEST_NO_EXCHANGE=1`` as well);
- ``after-swap``: the new folder in place, the old one not yet removed.
``WORKFORCE_TEST_NO_EXCHANGE=1``: the platform "cannot" exchange folders (the fallback).
``WORKFORCE_TEST_FAULT``: ``read-only`` (the output folder cannot be written) or
``no-space`` (its disk has 1 MB free).
"""

from __future__ import annotations

import errno
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

_PAUSE = os.environ.get("WORKFORCE_TEST_PAUSE", "")
_FAULT = os.environ.get("WORKFORCE_TEST_FAULT", "")


def _pause() -> None:
    Path(os.environ["WORKFORCE_TEST_MARKER"]).touch()
    time.sleep(600)


def _pausing(function: Callable[..., Any], before: bool) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if before:
            _pause()
        result = function(*args, **kwargs)
        _pause()
        return result

    return wrapper


def _install() -> None:
    import pathlib
    import shutil
    import tempfile

    from workforce import atomic_folder

    module: Any = atomic_folder
    if os.environ.get("WORKFORCE_TEST_NO_EXCHANGE") == "1":
        module.exchange_folders = lambda first, second: False
    if _PAUSE == "staging":
        module._carry_over = _pausing(module._carry_over, before=True)
    elif _PAUSE == "swap":
        module._swap_into_place = _pausing(module._swap_into_place, before=True)
    elif _PAUSE == "after-swap":
        module._swap_into_place = _pausing(module._swap_into_place, before=False)
    elif _PAUSE == "between-renames":
        rename = pathlib.Path.rename

        def rename_then_pause(self: Path, target: Any) -> Path:
            moved = rename(self, target)
            if atomic_folder.OLD_MARK in Path(target).name:
                _pause()
            return moved

        path_class: Any = pathlib.Path
        path_class.rename = rename_then_pause
    faults: Any = tempfile
    if _FAULT == "read-only":
        mkstemp = tempfile.mkstemp

        def read_only(*args: Any, **kwargs: Any) -> Any:
            if str(kwargs.get("prefix", "")).startswith(".workforce-probe"):
                raise OSError(errno.EROFS, "Read-only file system")
            return mkstemp(*args, **kwargs)

        faults.mkstemp = read_only
    elif _FAULT == "no-space":
        usage = shutil.disk_usage
        disks: Any = shutil

        def one_megabyte_free(path: Any) -> Any:
            real = usage(path)
            return type(real)(real.total, real.used, 2**20)

        disks.disk_usage = one_megabyte_free


if _PAUSE or _FAULT or os.environ.get("WORKFORCE_TEST_NO_EXCHANGE"):
    _install()
