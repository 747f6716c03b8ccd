"""Folders walked ahead of need, in a forked child process.

``dedup check`` in a pre-commit hook spends about a fifth of a second importing the
engine, and on a corpus of 20,000 files about as long again walking it (a stat per file,
slow when the kernel has dropped its cached inodes); a warm ``dedup scan`` of a folder
likewise. Forked before the imports, a child walks the folders on another core and hands
the files found to the parent through a pipe (:class:`WalkAhead`), so the costs overlap.

The child only walks: it reads no file, writes nothing but the pipe, and leaves with
:func:`os._exit`. Where a fork is not safe (a process already running threads, which a
fork copies half-way), not offered (Windows) or not advised (macOS, whose system
libraries may not survive one), where the paths name stdin (``-``, which the parent
reads), or where the child fails, the parent walks itself: :func:`walk_paths`, the same
walk, gives the same result.
"""

from __future__ import annotations

import contextlib
import os
import signal
import struct
import sys
from array import array
from collections.abc import Iterator, Sequence
from itertools import islice, repeat
from typing import NamedTuple, NoReturn, TextIO

from dedup.config import Config
from dedup.errors import InputError
from dedup.orphans import die_with_parent
from dedup.read.walk import STDIN_PATH, Found, LeftOutCallback, iter_found
from dedup.reading import Unit

#: The length of an encoded walk, written before it.
_LENGTH = struct.Struct("<Q")
#: A file or folder the globs left out: its path, which it is, and why.
LeftOut = tuple[str, Unit, str]


class Walked(NamedTuple):
    """A walk: the files found and the warnings, in walk order, and what the globs left
    out."""

    events: list[Found | InputError]
    left_out: list[LeftOut]

    def told(self, on_left_out: LeftOutCallback) -> list[Found | InputError]:
        """The files and warnings, once ``on_left_out`` is told what was left out."""
        for path, unit, reason in self.left_out:
            on_left_out(path, unit, reason)
        return self.events


def walk_paths(
    paths: Sequence[str], config: Config, *, tidy: bool = False, stdin: TextIO | None = None
) -> Walked:
    """The walk of ``paths`` in this process (see :func:`iter_found`: ``-`` reads the
    paths listed on ``stdin``, by default the process's)."""
    events: list[Found | InputError] = []
    left_out: list[LeftOut] = []

    def leave_out(path: str, unit: Unit, reason: str) -> None:
        left_out.append((path, unit, reason))

    found = iter_found(paths, config, events.append, stdin=stdin, on_left_out=leave_out, tidy=tidy)
    events.extend(found)
    return Walked(events, left_out)


class WalkAhead:
    """The walk of ``paths`` (:func:`walk_paths`), started in a child process on
    entering (where a fork is safe) and taken with :meth:`result`; leaving stops a child
    whose walk was not taken."""

    def __init__(self, paths: Sequence[str], config: Config, *, tidy: bool = False) -> None:
        self.paths, self.config, self.tidy = tuple(paths), config, tidy
        self.child: int | None = None
        self.pipe: int | None = None

    def __enter__(self) -> WalkAhead:
        if STDIN_PATH not in self.paths and can_fork():
            self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def forked(self) -> bool:
        """Whether a child walks the paths."""
        return self.child is not None

    def start(self) -> None:
        reader, writer = os.pipe()
        parent = os.getpid()
        try:
            child = os.fork()
        except OSError:  # no process to spare: the parent walks
            os.close(reader)
            os.close(writer)
            return
        if child == 0:
            os.close(reader)
            _walk_in_child(self, writer, parent)
        os.close(writer)
        self.child, self.pipe = child, reader

    def result(self) -> Walked:
        """The walk: the child's, else (no child, or it failed: it wrote no whole walk)
        one made now."""
        if self.child is not None and self.pipe is not None:
            with open(self.pipe, "rb") as pipe:
                self.pipe = None
                data = pipe.read()
            self._reap()
            walked = decode(data)
            if walked is not None:
                return walked
        return self.walk()

    def walk(self) -> Walked:
        return walk_paths(self.paths, self.config, tidy=self.tidy)

    def close(self) -> None:
        if self.pipe is not None:
            os.close(self.pipe)
            self.pipe = None
        if self.child is not None:  # not reaped yet, so the number is still the child's
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.child, signal.SIGKILL)
            self._reap()

    def _reap(self) -> None:
        child, self.child = self.child, None
        if child is not None:
            with contextlib.suppress(ChildProcessError):  # reaped by the system already
                os.waitpid(child, 0)


def can_fork() -> bool:
    """Whether this process may fork a walker: on Linux, with no thread but this one, and
    children left for it to reap (with SIGCHLD ignored, the system reaps them at once)."""
    if not sys.platform.startswith("linux") or not hasattr(os, "fork"):
        return False
    if signal.getsignal(signal.SIGCHLD) == signal.SIG_IGN:
        return False
    try:
        return len(os.listdir("/proc/self/task")) == 1
    except OSError:
        return False


def _walk_in_child(ahead: WalkAhead, writer: int, parent: int) -> NoReturn:
    """The child's whole life: walk, write the walk to ``writer``, leave (exit 0 only
    when all of it was written). Ctrl-C, a closed pipe and the parent's end (even by
    SIGKILL, which leaves it no time to end the child) end it quietly."""
    code = 1
    try:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
        _end_with(parent)
        data = encode(ahead.walk())
        with open(writer, "wb") as pipe:
            pipe.write(data)
        code = 0
    finally:
        os._exit(code)


def _end_with(parent: int) -> None:
    """Have the system kill this process when ``parent`` ends, or end now if it has."""
    die_with_parent()
    if os.getppid() != parent:
        os._exit(1)


def encode(walked: Walked) -> bytes:
    """``walked`` as bytes: the files' fields as four columns (a pickle of 20,000 named
    tuples loads several times slower), the warnings with their places; its length
    first, so that a walk cut short is known as one."""
    import pickle  # here, not on the way to the fork

    warnings = [(n, e) for n, e in enumerate(walked.events) if type(e) is not Found]
    found = [e for e in walked.events if type(e) is Found] if warnings else walked.events
    paths, reals, sizes, mtimes = zip(*found, strict=True) if found else ((), (), (), ())
    columns = (
        "\0".join(paths),
        "\0".join(reals),
        array("q", sizes).tobytes(),
        array("q", mtimes).tobytes(),
    )
    body = pickle.dumps((len(found), columns, warnings, walked.left_out), pickle.HIGHEST_PROTOCOL)
    return _LENGTH.pack(len(body)) + body


def decode(data: bytes) -> Walked | None:
    """The walk that :func:`encode` wrote; None when ``data`` is not all of one."""
    import pickle

    if len(data) < _LENGTH.size or _LENGTH.unpack_from(data)[0] != len(data) - _LENGTH.size:
        return None
    body = memoryview(data)[_LENGTH.size :]
    count, (paths, reals, sizes, mtimes), warnings, left_out = pickle.loads(body)
    found: Iterator[Found] = iter(())
    if count:  # made as tuples: Found's own __new__, in Python, takes twice as long
        names = (paths.split("\0"), reals.split("\0"))
        rows = zip(*names, array("q", sizes).tolist(), array("q", mtimes).tolist(), strict=True)
        found = map(tuple.__new__, repeat(Found), rows)
    events: list[Found | InputError] = []
    for place, warning in warnings:
        events.extend(islice(found, place - len(events)))
        events.append(warning)
    events.extend(found)
    return Walked(events, left_out)
