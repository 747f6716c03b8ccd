"""The ``dedup`` pre-commit hook, run by pre-commit itself on a temporary git repository.

pre-commit builds a virtualenv and pip-installs dedup from a snapshot of this repository
(its files as they stand, committed or not), so the tests need the package index; they
are marked slow. The snapshot and pre-commit's home are shared by the module, so the
hook's environment is built once.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from fixture_corpus import (
    BAKERY,
    FERRY,
    ORCHARD,
    write_copy_of_ferry,
    write_corpus,
    write_distinct,
)

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


def clean_environment(home: Path) -> dict[str, str]:
    """The environment without DEDUP_*, GIT_* and PRE_COMMIT* variables, with a git author
    and the user cache folder under ``home``."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DEDUP_", "GIT_", "PRE_COMMIT"))
    }
    env.update(
        XDG_CACHE_HOME=str(home / "user-cache"),
        GIT_AUTHOR_NAME="Test",
        GIT_AUTHOR_EMAIL="test@example.com",
        GIT_COMMITTER_NAME="Test",
        GIT_COMMITTER_EMAIL="test@example.com",
    )
    return env


@pytest.fixture(scope="module")
def hook_config(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A pre-commit config naming this repository's hook, at a commit of a snapshot of its
    files as they stand; and the pre-commit home every test of the module shares."""
    base = tmp_path_factory.mktemp("hook")
    snapshot = base / "dedup"
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for name in filter(None, listed):
        source = ROOT / os.fsdecode(name)
        if source.is_file():
            (snapshot / source.relative_to(ROOT)).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, snapshot / source.relative_to(ROOT))
    env = clean_environment(base)
    for command in (["git", "init", "-q"], ["git", "add", "-A"], ["git", "commit", "-qm", "s"]):
        subprocess.run(command, cwd=snapshot, env=env, check=True)
    sha = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=snapshot, capture_output=True, text=True, check=True
    ).stdout.strip()
    config = base / "pre-commit-config.yaml"
    config.write_text(
        f"repos:\n  - repo: {snapshot}\n    rev: {sha}\n    hooks:\n      - id: dedup\n",
        encoding="utf-8",
    )
    return config, base / "pre-commit-home"


@pytest.fixture
def repo(tmp_path: Path, hook_config: tuple[Path, Path]) -> tuple[Path, dict[str, str]]:
    """A git repository holding the invented corpus, committed; and the environment to use."""
    env = clean_environment(tmp_path)
    env.update(PRE_COMMIT_HOME=str(hook_config[1]), TEST_HOOK_CONFIG=str(hook_config[0]))
    work = tmp_path / "repo"
    work.mkdir()
    write_corpus(work)
    for command in (["git", "init", "-q"], ["git", "add", "."], ["git", "commit", "-qm", "c"]):
        subprocess.run(command, cwd=work, env=env, check=True)
    return work, env


def try_hook(work: Path, env: dict[str, str], *files: str) -> subprocess.CompletedProcess[str]:
    """Stage ``files`` and run the hook on them, as a commit of them would."""
    assert PRE_COMMIT is not None
    subprocess.run(["git", "add", *files], cwd=work, env=env, check=True)
    config = env["TEST_HOOK_CONFIG"]
    command = [PRE_COMMIT, "run", "--config", config, "--files", *files]
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


def test_only_what_a_commit_adds_fails_and_a_configured_baseline_accepts(
    repo: tuple[Path, dict[str, str]],
) -> None:
    work, env = repo
    feed = work / "corpus" / "feed.jsonl"
    feed.write_text(record("Ferry aground off Halversund", FERRY), encoding="utf-8")
    for command in (["git", "add", "."], ["git", "commit", "-qm", "feed"]):
        subprocess.run(command, cwd=work, env=env, check=True)

    with feed.open("a", encoding="utf-8") as handle:  # the old copy stays in the file
        handle.write(record("Oxley Green bakery marks 150 years", BAKERY))
    passed = try_hook(work, env, "corpus/feed.jsonl")
    assert passed.returncode == 0, passed.stdout + passed.stderr

    with feed.open("a", encoding="utf-8") as handle:
        handle.write(record("Tarnow orchards lose blossom to frost", ORCHARD))
    failed = try_hook(work, env, "corpus/feed.jsonl")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert 'corpus/feed.jsonl:3: "Tarnow orchards lose blossom to frost" duplicates ' in (
        failed.stdout
    )
    assert "corpus/feed.jsonl:1:" not in failed.stdout

    accept = [sys.executable, "-m", "dedup", "check", "corpus/feed.jsonl", "--write-baseline"]
    subprocess.run([*accept, ".dedup-baseline.json"], cwd=work, env=env, check=True)
    (work / "dedup.toml").write_text('baseline = ".dedup-baseline.json"\n', encoding="utf-8")
    accepted = try_hook(work, env, "corpus/feed.jsonl", ".dedup-baseline.json", "dedup.toml")
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr


def record(title: str, text: str) -> str:
    return json.dumps({"title": title, "text": text}) + "\n"
