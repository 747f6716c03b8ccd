"""Where dedup may write: never over, into or around an input, and ``--force`` only over
a previous dedup output.

Paths are compared after resolving symlinks and ``..`` (``os.path.realpath``), and files
also by ``(st_dev, st_ino)``, so a hard link or a symlink to an input counts as the input.
The inputs are the paths the user named and every file reached through them, as the
reader would reach them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from dedup.config import Config
from dedup.errors import DedupError, ignore
from dedup.read.walk import STDIN_PATH, iter_files, matches_any


class OutputError(DedupError):
    """The output cannot be written: it exists, its folder is missing, it would touch an
    input, or it is not writable."""


@dataclass(frozen=True)
class Inputs:
    """The places a run reads: named paths and the files reached through them, resolved."""

    named: tuple[str, ...]
    files: tuple[str, ...]
    identities: frozenset[tuple[int, int]]

    @classmethod
    def of(cls, paths: Sequence[str], config: Config) -> Inputs:
        """The inputs of ``paths`` (already expanded: no ``-``), walked as the reader does."""
        named = tuple(os.path.realpath(p) for p in paths if p != STDIN_PATH)
        reached = list(iter_files([p for p in paths if p != STDIN_PATH], config, ignore))
        files = tuple(os.path.realpath(p) for p in reached)
        identities = (_identity(p) for p in (*paths, *reached))
        return cls(named, files, frozenset(i for i in identities if i is not None))

    def touched_by(self, target: Path, *, folder: bool) -> str | None:
        """Why writing ``target`` would touch an input, or None when it would not."""
        real = os.path.realpath(target)
        if real in self.named or real in self.files or _identity(target) in self.identities:
            return "is an input"
        for place in self.named:
            if os.path.isdir(place) and _inside(real, place):
                return f"lies inside the input folder {place}"
        if folder or os.path.isdir(real):
            for place in (*self.named, *self.files):
                if _inside(place, real):
                    return f"contains the input {place}"
        return None


def refuse_touching_inputs(target: Path, inputs: Inputs, *, folder: bool = False) -> None:
    """Raise :class:`OutputError` when writing ``target`` would touch one of ``inputs``."""
    reason = inputs.touched_by(target, folder=folder)
    if reason is not None:
        raise OutputError(f"{target}: {reason}; dedup never writes over, into or around its inputs")


def refuse_store_as_input(stores: Sequence[Path], paths: Sequence[str], config: Config) -> None:
    """Raise :class:`OutputError` when a cache or index file would be an input that the run
    reads: a named file, or a file in a named folder whose name the folders' walk takes.

    SQLite would move such a file aside as damaged; that renames a user's file.
    """
    named = [p for p in paths if p != STDIN_PATH]
    for store in stores:
        real, identity = os.path.realpath(store), _identity(store)
        for path in named:
            place = os.path.realpath(path)
            same = real == place or (identity is not None and identity == _identity(path))
            walked = os.path.isdir(place) and _inside(real, place)
            if same or (walked and matches_any(os.path.basename(real), config.include)):
                raise OutputError(
                    f"{store}: the cache would be an input of this run (through {path}); "
                    "choose another --cache-path"
                )


def refuse_foreign_folder(path: Path, is_own: Callable[[Path], bool]) -> None:
    """``--force`` replaces a folder only when it is a previous dedup output."""
    if path.is_dir() and any(path.iterdir()) and not is_own(path):
        raise OutputError(
            f"{path}: is not a previous dedup output; --force only replaces those, "
            "so name a new or empty folder"
        )


def _inside(path: str, folder: str) -> bool:
    return path != folder and path.startswith(folder.rstrip(os.sep) + os.sep)


def _identity(path: str | Path) -> tuple[int, int] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_dev, info.st_ino)

    return None
