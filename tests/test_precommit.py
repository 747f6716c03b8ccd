"""The ``dedup`` pre-commit hook, run by pre-commit itself on a temporary git repository.

``pre-commit try-repo`` builds a virtualenv and pip-installs dedup from this repository,
so the test needs the package index; it is marked slow.
"""

from __future__ import annotations

import gzip
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from fixture_corpus import write_copy_of_ferry, write_corpus, write_distinct

ROOT = Path(__file__).resolve().parents[1]


def find_pre_commit() -> str | None:
    beside = Path(sys.executable).with_name("pre-commit")
    return str(beside) if beside.exists() else shutil.which("pre-commit")


PRE_COMMIT = find_pre_commit()

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed"),
    pytest.mark.skipif(PRE_COMMIT is None, reason="pre-commit is not installed"),
]


@pytest.fixture
def repo(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A git repository holding the invented corpus, committed; and the environment to use."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DEDUP_", "GIT_", "PRE_COMMIT"))
    }
    env.update(
        PRE_COMMIT_HOME=str(tmp_path / "pre-commit-home"),
        XDG_CACHE_HOME=str(tmp_path / "user-cache"),
        GIT_AUTHOR_NAME="Test",
        GIT_AUTHOR_EMAIL="test@example.com",
        GIT_COMMITTER_NAME="Test",
        GIT_COMMITTER_EMAIL="test@example.com",
    )
    work = tmp_path / "repo"
    work.mkdir()
    write_corpus(work)
    for command in (["git", "init", "-q"], ["git", "add", "."], ["git", "commit", "-qm", "c"]):
        subprocess.run(command, cwd=work, env=env, check=True)
    return work, env


def try_hook(work: Path, env: dict[str, str], *files: str) -> subprocess.CompletedProcess[str]:
    assert PRE_COMMIT is not None
    subprocess.run(["git", "add", *files], cwd=work, env=env, check=True)
    command = [PRE_COMMIT, "try-repo", str(ROOT), "dedup", "--files", *files]
    return subprocess.run(command, cwd=work, env=env, capture_output=True, text=True, timeout=600)


def test_the_hook_fails_on_a_copy_and_passes_on_a_distinct_article(
    repo: tuple[Path, dict[str, str]],
) -> None:
    work, env = repo
    write_copy_of_ferry(work / "corpus" / "new.txt")
    failed = try_hook(work, env, "corpus/new.txt")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert (
        'corpus/new.txt:1: "Ferry with 212 aboard aground in Norway" duplicates '
        "corpus/two.txt:11 (similarity 0.97)"
    ) in failed.stdout

    (work / "corpus" / "new.txt").unlink()
    subprocess.run(["git", "rm", "-q", "--cached", "corpus/new.txt"], cwd=work, env=env)
    write_distinct(work / "corpus" / "bakery.txt")
    passed = try_hook(work, env, "corpus/bakery.txt")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "Passed" in passed.stdout
    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=work, env=env, capture_output=True, text=True
    )
    assert status.stdout.splitlines() == ["A  corpus/bakery.txt"]


def test_the_hook_catches_a_copy_staged_gzipped(repo: tuple[Path, dict[str, str]]) -> None:
    work, env = repo
    plain = write_copy_of_ferry(work / "corpus" / "story.txt")
    (work / "corpus" / "story.txt.gz").write_bytes(gzip.compress(plain.read_bytes()))
    plain.unlink()
    failed = try_hook(work, env, "corpus/story.txt.gz")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert (
        'corpus/story.txt.gz:1: "Ferry with 212 aboard aground in Norway" duplicates '
        "corpus/two.txt:11 (similarity 0.97)"
    ) in failed.stdout
