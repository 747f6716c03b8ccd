"""The folders spill files live in: one per run, named for its process and locked by it,
so that a later run can tell the folders of runs that are gone and remove them.

A folder is ``dedup-spill-<pid>-<random>`` under ``TMPDIR`` (or the folder a run names);
the run holds a lock on it for as long as it lives, which a run in another process
namespace (whose process ids mean nothing here) still sees.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile

from dedup.atomic import process_alive
from dedup.engine.interrupts import interrupts_held

if sys.platform != "win32":
    import fcntl

#: Spill folders are named ``PREFIX<pid>-<random>`` (the random part as mkdtemp makes it).
PREFIX = "dedup-spill-"
_FOLDER = re.compile(re.escape(PREFIX) + r"([0-9]{1,10})-[a-z0-9_]{8}")


def remove_stale(parent: str) -> list[str]:
    """Remove the spill folders in ``parent`` that runs now gone left behind; the removed.

    Only folders named exactly as :class:`Spill` names them, owned by this user, whose
    process no longer exists and whose lock nobody holds are removed.
    """
    removed: list[str] = []
    if sys.platform == "win32":  # there os.kill(pid, 0) would send a Ctrl-C
        return removed
    try:
        entries = list(os.scandir(parent))
    except OSError:
        return removed
    for entry in entries:
        found = _FOLDER.fullmatch(entry.name)
        if found is None or process_alive(int(found[1])) or not _ours(entry) or _locked(entry.path):
            continue
        shutil.rmtree(entry.path, ignore_errors=True)
        removed.append(entry.path)
    return removed


def _ours(entry: os.DirEntry[str]) -> bool:
    """A real folder (not a link) of this user."""
    try:
        return (
            entry.is_dir(follow_symlinks=False)
            and entry.stat(follow_symlinks=False).st_uid == os.getuid()
        )
    except OSError:
        return False


def made_folder(where: str) -> tuple[str, int]:
    """A new spill folder in ``where``, and the descriptor of its lock. A Ctrl-C meanwhile
    waits until it is made and locked, and then removes it."""
    folder, lock = "", -1
    try:
        with interrupts_held():
            folder = tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-", dir=where)
            lock = _hold_lock(folder)
    except BaseException:
        if lock >= 0:
            os.close(lock)
        if folder:
            shutil.rmtree(folder, ignore_errors=True)
        raise
    return folder, lock


def _hold_lock(folder: str) -> int:
    """Lock ``folder`` for as long as this process lives: a run in another process
    namespace, whose pid means nothing here, is then still seen as alive. The descriptor,
    or -1 where folders cannot be locked."""
    if sys.platform == "win32":
        return -1
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return -1
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return -1
    return fd


def _locked(folder: str) -> bool:
    """Whether a live process holds the lock of ``folder`` (False where there are no locks)."""
    if sys.platform == "win32":
        return False
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        os.close(fd)
    return False
