"""Find the files to read: given files and folders (recursive), globs, ``-`` for stdin.

Every file is yielded once however it is reached (repeated paths, hard links, symlinks,
symlink loops), identified by ``(st_dev, st_ino)``. Order is deterministic: the order
given, then folder entries sorted by name.

Only regular files are read, and pipes named as paths (``dedup split <(zcat dump.gz)``):
devices (``/dev/zero``, a terminal), sockets, and pipes met in folders are skipped with a
warning, never opened, so nothing hangs waiting on them.
"""

from __future__ import annotations

import os
import re
import stat
import sys
from collections.abc import Callable, Iterator, Sequence
from fnmatch import translate
from functools import lru_cache
from operator import attrgetter
from stat import S_ISDIR, S_ISREG
from typing import NamedTuple, TextIO

from dedup.config import DEFAULT_EXCLUDE, Config
from dedup.errors import InputError
from dedup.reading import LEFT_OUT_EXCLUDE, LEFT_OUT_INCLUDE, Unit

STDIN_PATH = "-"

#: Told of each file or folder the globs leave out: its path, which it is, and why.
LeftOutCallback = Callable[[str, Unit, str], None]
_NAME = attrgetter("name")


class Found(NamedTuple):
    """A file to scan: the path as named, its real path and its stat (a named tuple: a
    walk makes one per file)."""

    path: str
    real: str
    size: int
    mtime_ns: int


def check_paths_exist(paths: Sequence[str]) -> None:
    """Raise :class:`InputError` for the first given path that does not exist (or is a
    symbolic link to nothing, or a loop of them)."""
    for path in paths:
        if path != STDIN_PATH and not os.path.exists(path):
            if not os.path.islink(path):
                raise InputError(path, "no such file or directory")
            try:
                os.stat(path)
            except FileNotFoundError:
                raise InputError(path, "symbolic link to a missing file") from None
            except OSError as exc:
                raise InputError(path, f"symbolic link: {exc.strerror or exc}") from None


def read_paths_from(stream: TextIO | None) -> list[str]:
    """Paths listed on ``stream`` (stdin by default): one per line, or NUL-separated."""
    data = (stream if stream is not None else sys.stdin).read()
    parts = data.split("\0") if "\0" in data else data.splitlines()
    return [part.rstrip("\r\n") for part in parts if part.strip()]


def expand_stdin(paths: Sequence[str], stdin: TextIO | None = None) -> tuple[str, ...]:
    """``paths`` with ``-`` replaced by the paths listed on ``stdin`` (read once)."""
    if STDIN_PATH not in paths:
        return tuple(paths)
    listed = read_paths_from(stdin)
    expanded: list[str] = []
    for path in paths:
        if path != STDIN_PATH:
            expanded.append(path)
        elif listed:
            expanded.extend(listed)
            listed = []
    return tuple(expanded)


def matches_any(name: str, globs: Sequence[str]) -> bool:
    """Whether ``name`` matches one of ``globs``, ignoring case."""
    return _glob_pattern(tuple(globs)).match(name.casefold()) is not None


@lru_cache(maxsize=64)
def _glob_pattern(globs: tuple[str, ...]) -> re.Pattern[str]:
    """One regular expression for all ``globs`` (``fnmatchcase`` each, case folded):
    a corpus walk tests every name against a dozen globs."""
    return re.compile("|".join(translate(glob.casefold()) for glob in globs) or "(?!)")


def iter_files(
    paths: Sequence[str],
    config: Config,
    on_warning: Callable[[InputError], None],
    *,
    stdin: TextIO | None = None,
    on_left_out: LeftOutCallback | None = None,
) -> Iterator[str]:
    """The files to read under ``paths``, each once, in a deterministic order.

    A file named explicitly is read whatever its name; files found in folders must match
    ``config.include`` and no part of their path may match ``config.all_exclude``.
    ``on_left_out`` is told of each file that ``include`` leaves out, and of each file or
    folder that an exclusion other than the default ones (``.git``, ...) leaves out.
    """
    for found in iter_found(paths, config, on_warning, stdin=stdin, on_left_out=on_left_out):
        yield found.path


def iter_found(
    paths: Sequence[str],
    config: Config,
    on_warning: Callable[[InputError], None],
    *,
    stdin: TextIO | None = None,
    on_left_out: LeftOutCallback | None = None,
    tidy: bool = False,
) -> Iterator[Found]:
    """:func:`iter_files`, each file with its real path and stat (through a symbolic
    link). With ``tidy``, a file found in a folder is named as :func:`os.path.normpath`
    names it (``./a/b`` is ``a/b``). Warnings and what is left out are told in walk
    order: after the files met before them, before those met after."""
    walker = _Walker(config, on_warning, on_left_out, tidy=tidy)
    stdin_read = False
    for path in paths:
        if path != STDIN_PATH:
            for batch in walker.visit(path):
                yield from batch
        elif not stdin_read:
            stdin_read = True
            for listed in read_paths_from(stdin):
                for batch in walker.visit(listed):
                    yield from batch


class _Walker:
    def __init__(
        self,
        config: Config,
        on_warning: Callable[[InputError], None],
        on_left_out: LeftOutCallback | None,
        *,
        tidy: bool = False,
    ) -> None:
        self.config = config
        self.tidy = tidy
        self.warn = on_warning
        self.left_out = on_left_out
        self.own_exclude = tuple(g for g in config.all_exclude if g not in DEFAULT_EXCLUDE)
        self.exclude = _glob_pattern(tuple(config.all_exclude))
        # A glob with no wildcard and no "/" (the default ones) matches a path below the
        # folder named only where it matches the name: the path need not be tried.
        self.by_path = any(c in glob for glob in config.all_exclude for c in "*?[/")
        self.include = _glob_pattern(tuple(config.include))
        self.seen_files: set[tuple[int, int]] = set()
        self.seen_dirs: set[tuple[int, int]] = set()
        self.folders: dict[str, str] = {}

    def visit(self, path: str) -> Iterator[list[Found]]:
        try:
            info = os.stat(path)
        except FileNotFoundError:
            self.warn(InputError(path, "no such file or directory"))
            return
        except OSError as exc:
            self.warn(InputError(path, f"cannot read: {exc.strerror or exc}"))
            return
        if stat.S_ISDIR(info.st_mode):
            yield from self.walk(os.path.normpath(path) if self.tidy else path, "", info)
        elif not (stat.S_ISREG(info.st_mode) or stat.S_ISFIFO(info.st_mode)):
            self.warn(not_regular(path, info))
        elif self.claim(info):
            yield [Found(path, self.real_of(path), info.st_size, info.st_mtime_ns)]

    def real_of(self, path: str) -> str:
        """The real path of a file named explicitly: its folder's, resolved once per
        folder, and its name (unless it is a symbolic link)."""
        if os.path.islink(path):
            return os.path.realpath(path)
        cut = path.rfind("/") + 1
        return self.real_folder(path[:cut]) + path[cut:]

    def real_folder(self, head: str) -> str:
        """The real path, with a ``/`` after it, of the folder that ``head`` (a path
        ending in ``/``, or "" for the current folder) names; resolved once per folder."""
        folder = self.folders.get(head)
        if folder is None:
            folder = self.folders[head] = os.path.join(os.path.realpath(head or "."), "")
        return folder

    def claim(self, info: os.stat_result, seen: set[tuple[int, int]] | None = None) -> bool:
        """Whether a file (or with ``seen``, a folder) is met for the first time."""
        seen = self.seen_files if seen is None else seen
        key = (info.st_dev, info.st_ino)
        if key in seen:
            return False
        seen.add(key)
        return True

    def tell_excluded(self, entry: os.DirEntry[str], path: str, relative: str) -> None:
        """Tell of an entry an exclusion left out, unless only a default one did."""
        if self.left_out is None or not (
            matches_any(entry.name, self.own_exclude) or matches_any(relative, self.own_exclude)
        ):
            return
        try:
            folder = entry.is_dir()
        except OSError:
            folder = False
        self.left_out(path, "folder" if folder else "file", LEFT_OUT_EXCLUDE)

    def walk(self, folder: str, relative: str, info: os.stat_result) -> Iterator[list[Found]]:
        """The files under ``folder`` (``relative`` to the folder named), sorted by name,
        in batches that end before a folder or anything told (names folded once each)."""
        if not self.claim(info, self.seen_dirs):
            return
        entries = self.listing(folder)
        prefix, real, above = self.heads(folder, relative)
        above_folded = above.casefold() if self.by_path else ""  # "": names alone decide
        excluded, included, seen = self.exclude.match, self.include.match, self.seen_files
        batch: list[Found] = []
        for entry in entries:
            name = entry.name
            folded = name.casefold()
            if excluded(folded) is not None or (
                above_folded and excluded(above_folded + folded) is not None
            ):
                yield batch
                batch = []
                self.tell_excluded(entry, prefix + name, above + name)
                continue
            try:
                info = entry.stat()
            except OSError:  # a broken link or a link loop: nothing to read
                continue
            if S_ISREG(info.st_mode) and included(folded) is not None:
                key = (info.st_dev, info.st_ino)
                if key not in seen:
                    seen.add(key)
                    path = prefix + name
                    where = os.path.realpath(path) if _is_link(entry) else real + name
                    batch.append(Found(path, where, info.st_size, info.st_mtime_ns))
                continue
            yield batch
            batch = []
            if S_ISDIR(info.st_mode):
                yield from self.walk(prefix + name, above + name, info)
            else:
                self.tell_skipped(prefix + name, info, included(folded) is not None)
        yield batch

    def heads(self, folder: str, relative: str) -> tuple[str, str, str]:
        """What a folder's entries are named after: what ``os.path.join(folder, name)``
        puts first (nothing before a tidy name in "."), their folder's real path, and
        their path below the folder named."""
        prefix = "" if self.tidy and folder == "." else os.path.join(folder, "")
        return prefix, self.real_folder(prefix), f"{relative}/" if relative else ""

    def tell_skipped(self, path: str, info: os.stat_result, included: bool) -> None:
        """Tell of a file found in a folder and not read: left out by the globs, or not
        a regular file."""
        if not included:
            if self.left_out is not None:
                self.left_out(path, "file", LEFT_OUT_INCLUDE)
        else:
            self.warn(not_regular(path, info))

    def listing(self, folder: str) -> list[os.DirEntry[str]]:
        """The entries of ``folder``, sorted by name (none, with a warning, if it cannot
        be read)."""
        try:
            with os.scandir(folder) as scan:
                return sorted(scan, key=_NAME)
        except OSError as exc:
            self.warn(InputError(folder, f"cannot read folder: {exc.strerror or exc}"))
            return []


def _is_link(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_symlink()
    except OSError:
        return False


_KINDS = (
    (stat.S_ISFIFO, "a pipe"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def not_regular(path: str, info: os.stat_result) -> InputError:
    """The warning for a path that is no regular file (nor folder): never read."""
    kind = next((name for test, name in _KINDS if test(info.st_mode)), "a special file")
    return InputError(path, f"not a regular file ({kind}), skipped")
