"""A file as git last committed it, so that ``dedup check`` can tell what a change adds.

The committed version is read with ``git cat-file --filters REV:./NAME`` run in the
file's own folder: the bytes a checkout would write (line endings and other filters
applied), whichever repository holds the file. No git, no repository, a file that
revision does not hold: there is no committed version, and every article is new.

Git is not run where it cannot help: not for a file with no ``.git`` in any folder above
it (no repository), nor for one its repository is known not to hold at that revision.
"""

from __future__ import annotations

import contextlib
import functools
import os
import subprocess
from collections.abc import Iterator, Mapping, Sequence

#: Variables that point git at a repository or index other than the one around a file;
#: git sets some of them while it runs hooks (pre-commit drops them for the same reason).
REPOSITORY_VARIABLES = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_PREFIX")


def git_environment(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for a git command that must find the repository around a path."""
    source = os.environ if environ is None else environ
    return {k: v for k, v in source.items() if k not in REPOSITORY_VARIABLES}


#: Up to this many paths are named to git, which then looks at them alone; for more,
#: it lists the whole revision (``pre-commit run --all-files`` hands over every file).
NAMED_PATHS = 200


@contextlib.contextmanager
def committed_copy(path: str, revision: str) -> Iterator[str | None]:
    """A temporary file holding ``path`` as ``revision`` has it, under the same name (so it
    is read as the same format), or None when git has no such version; removed afterwards."""
    folder, name = os.path.split(os.path.abspath(path))
    if not in_repository(folder):
        yield None
        return
    import tempfile  # here: this module is loaded before a check forks its walk

    with tempfile.TemporaryDirectory(prefix="dedup-committed-") as temporary:
        target = os.path.join(temporary, name)
        with open(target, "wb") as out:
            found = _cat_file(folder, f"{revision}:./{name}", out.fileno())
        yield target if found else None


def committed_state(paths: Sequence[str], revision: str) -> tuple[set[str], set[str]]:
    """Those of ``paths`` that ``revision`` holds exactly as the work tree does, and those
    it does not hold at all (so they have no committed version), learned with three git
    commands for the repository around the current folder (so that checking a whole
    repository, as ``pre-commit run --all-files`` does, reads no committed copy of an
    unchanged file). A path outside that repository, or inside another one nested in it,
    is in neither set."""
    top = repository_top(".")
    if top is None:
        return set(), set()
    inside = {path: _inside_as(path, top) for path in paths}
    names = sorted({name for name in inside.values() if name})
    if not names:
        return set(), set()
    named = ["--", *names] if len(names) <= NAMED_PATHS else []
    held = _git(["ls-tree", "-r", "-z", "--name-only", "--full-tree", revision, *named], top)
    changed = _git(["diff", "--name-only", "-z", "--no-renames", revision, *named], top)
    if held is None or changed is None:
        return set(), set()
    known = set(_names(held))
    same = known - set(_names(changed))
    unchanged = {path for path, name in inside.items() if name in same}
    absent = {
        path
        for path, name in inside.items()
        if name and name not in known and _repository_above(_real_folder(path)) == top
    }
    return unchanged, absent


def is_revision(revision: str) -> bool:
    """Whether the repository around the current folder has a commit named ``revision``
    (True outside a repository or without git, where there is nothing to compare with)."""
    if not in_repository(".") or _git(["rev-parse", "--is-inside-work-tree"], ".") is None:
        return True
    return _git(["rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}"], ".") is not None


def repository_top(folder: str) -> str | None:
    """The real path of the work tree of the repository around ``folder``, or None (no
    repository, or no git)."""
    here = os.path.realpath(folder)
    marker = _repository_above(here)
    return None if marker is None else _work_tree(here, marker)


@functools.lru_cache(maxsize=8)
def _work_tree(here: str, marker: str) -> str | None:
    """What git names the work tree around the real folder ``here`` (in which ``marker``
    is the nearest folder holding a ``.git``): asked once per process (a check asks for
    it twice), and again should the ``.git`` found move."""
    found = _git(["rev-parse", "--show-toplevel"], here)
    return os.path.realpath(os.fsdecode(found.rstrip(b"\n"))) if found else None


def in_repository(folder: str) -> bool:
    """Whether ``folder`` or a folder above it holds a ``.git`` (git looks for nothing
    else once :data:`REPOSITORY_VARIABLES` are unset): if not, git would find no
    repository, and is not run."""
    return _repository_above(os.path.realpath(folder)) is not None


def _repository_above(here: str) -> str | None:
    """The nearest of the real folder ``here`` and those above it that holds a ``.git``."""
    while True:
        if os.path.lexists(os.path.join(here, ".git")):
            return here
        above = os.path.dirname(here)
        if above == here:
            return None
        here = above


def _real_folder(path: str) -> str:
    return os.path.dirname(os.path.realpath(path))


def _inside_as(path: str, top: str) -> str:
    """``path`` relative to ``top`` as git names it (``/``-separated), or "" if outside."""
    relative = os.path.relpath(os.path.realpath(path), top)
    return "" if relative.startswith(os.pardir) else relative.replace(os.sep, "/")


def _names(output: bytes) -> list[str]:
    return [os.fsdecode(name) for name in output.split(b"\0") if name]


def _git(arguments: list[str], folder: str) -> bytes | None:
    """What ``git -C folder ARGUMENTS`` prints, or None if it fails (or there is no git).
    Paths are passed as they are, never as patterns."""
    try:
        done = subprocess.run(
            ["git", "-C", folder, "--literal-pathspecs", *arguments],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            env=git_environment(),
            check=False,
        )
    except OSError:
        return None
    return done.stdout if done.returncode == 0 else None


def _cat_file(folder: str, spec: str, out: int) -> bool:
    command = ["git", "-C", folder, "cat-file", "--filters", spec]
    try:
        done = subprocess.run(
            command,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.DEVNULL,
            env=git_environment(),
            check=False,
        )
    except OSError:  # no git on this machine
        return False
    return done.returncode == 0
