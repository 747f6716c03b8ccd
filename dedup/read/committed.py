"""A file as git last committed it, so that ``dedup check`` can tell what a change adds.

The committed version is read with ``git cat-file --filters REV:./NAME`` run in the
file's own folder: the bytes a checkout would write (line endings and other filters
applied), whichever repository holds the file. No git, no repository, a file that
revision does not hold: there is no committed version, and every article is new.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import tempfile
from collections.abc import Iterator, Mapping

#: Variables that point git at a repository or index other than the one around a file;
#: git sets some of them while it runs hooks (pre-commit drops them for the same reason).
REPOSITORY_VARIABLES = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_PREFIX")


def git_environment(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for a git command that must find the repository around a path."""
    source = os.environ if environ is None else environ
    return {k: v for k, v in source.items() if k not in REPOSITORY_VARIABLES}


@contextlib.contextmanager
def committed_copy(path: str, revision: str) -> Iterator[str | None]:
    """A temporary file holding ``path`` as ``revision`` has it, under the same name (so it
    is read as the same format), or None when git has no such version; removed afterwards."""
    folder, name = os.path.split(os.path.abspath(path))
    with tempfile.TemporaryDirectory(prefix="dedup-committed-") as temporary:
        target = os.path.join(temporary, name)
        with open(target, "wb") as out:
            found = _cat_file(folder, f"{revision}:./{name}", out.fileno())
        yield target if found else None


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
