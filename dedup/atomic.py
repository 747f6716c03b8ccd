"""Writing outputs atomically: a temporary file or folder beside the target, renamed over it.

An interrupted run leaves either the old output or the new one, never half of one; the
unfinished output a killed run leaves behind (named for its process) is removed by the
next run that writes there. A write that fails (a full disk, an I/O error) removes the
temporary output and is an :class:`~dedup.targets.OutputError` naming the target. Without
``force`` an existing target is refused, and the finished file is linked into place, so
a file that appears meanwhile is not replaced either.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from dedup.targets import OutputError

#: What an error about an existing target tells the user to do, unless told otherwise.
USE_FORCE = "use --force to replace it"


def check_file_target(path: Path, *, force: bool, exists: str = USE_FORCE) -> None:
    """Refuse a file output whose folder is missing, that is a folder, or that exists
    (unless ``force``; ``exists`` says what to do instead)."""
    if not path.parent.is_dir():
        raise OutputError(f"{path}: folder {str(path.parent)!r} does not exist")
    if path.is_dir():
        raise OutputError(f"{path}: is a folder; use --output-dir to write a folder")
    if os.path.lexists(path) and not force:
        raise OutputError(f"{path}: already exists; {exists}")


@contextlib.contextmanager
def atomic_file(
    path: Path, *, force: bool = False, errors: str = "strict", exists: str = USE_FORCE
) -> Iterator[TextIO]:
    """A UTF-8 text stream (``errors`` as :func:`open` takes it) whose content becomes
    ``path`` only when the block completes."""
    check_file_target(path, force=force, exists=exists)
    sweep(path)
    try:
        descriptor, temporary = tempfile.mkstemp(
            dir=path.parent, prefix=_prefix(path), suffix=".tmp"
        )
    except OSError as exc:
        raise OutputError(f"{path}: cannot write: {exc.strerror}") from None
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", errors=errors, newline="\n") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, 0o666 & ~_umask())
        _place(temporary, path, force=force, exists=exists)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(exc, OSError) and _is_write_error(exc, temporary):
            raise OutputError(f"{path}: cannot write: {_reason(exc)}") from None
        raise


def _place(temporary: str, path: Path, *, force: bool, exists: str) -> None:
    """Move the finished file into place; without ``force`` never over a file, even one
    that appeared while it was written (a hard link fails if the name is taken)."""
    if force:
        os.replace(temporary, path)
        return
    try:
        os.link(temporary, path)
    except FileExistsError:
        raise OutputError(f"{path}: already exists; {exists}") from None
    except OSError:  # no hard links on this file system: it was checked just before
        os.replace(temporary, path)
    else:
        os.unlink(temporary)


@contextlib.contextmanager
def atomic_directory(path: Path) -> Iterator[Path]:
    """A fresh folder that replaces ``path`` only when the block completes (the caller has
    checked that ``path`` may be replaced)."""
    sweep(path)
    try:
        temporary = Path(tempfile.mkdtemp(dir=path.parent, prefix=_prefix(path), suffix=".tmp"))
    except OSError as exc:
        raise OutputError(f"{path}: cannot write: {exc.strerror}") from None
    try:
        yield temporary
        os.chmod(temporary, 0o777 & ~_umask())
        _swap_in(temporary, path)
    except BaseException as exc:
        shutil.rmtree(temporary, ignore_errors=True)
        if isinstance(exc, OSError) and _is_write_error(exc, str(temporary)):
            raise OutputError(f"{path}: cannot write: {_reason(exc)}") from None
        raise


def _prefix(path: Path) -> str:
    """How this run names its unfinished output beside ``path`` (hidden, with its pid)."""
    return f".{path.name}.{os.getpid()}."


def sweep(path: Path) -> None:
    """Remove the unfinished output that a killed run writing ``path`` left beside it."""
    pattern = re.compile(rf"\.{re.escape(path.name)}\.(\d+)\.[^/]+\.tmp")
    with contextlib.suppress(OSError):
        for entry in os.scandir(path.parent):
            found = pattern.fullmatch(entry.name)
            if found is None or process_alive(int(found[1])):
                continue
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path, ignore_errors=True)
            else:
                os.unlink(entry.path)


def _swap_in(temporary: Path, path: Path) -> None:
    if not path.exists():
        os.replace(temporary, path)
        return
    retired = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.", suffix=".old"))
    os.replace(path, retired / "old")
    try:
        os.replace(temporary, path)
    except BaseException:
        os.replace(retired / "old", path)  # the previous output goes back where it was
        os.rmdir(retired)
        raise
    shutil.rmtree(retired, ignore_errors=True)


def _is_write_error(exc: OSError, temporary: str) -> bool:
    """Whether ``exc`` came from writing the temporary output (a write names no file)."""
    return exc.filename is None or os.fsdecode(exc.filename).startswith(temporary)


def _reason(exc: OSError) -> str:
    return exc.strerror or " ".join(str(exc).split())


@contextlib.contextmanager
def open_durable(path: Path) -> Iterator[TextIO]:
    with open(path, "w", encoding="utf-8", newline="\n") as handle:
        yield handle
        handle.flush()
        os.fsync(handle.fileno())


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def process_alive(pid: int) -> bool:
    """Whether process ``pid`` exists (for sure only when it is this user's)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, OverflowError):  # another user's live process, or no such pid at all
        return True
    return True
