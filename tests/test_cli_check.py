"""``dedup check``: given files against the whole corpus, for pre-commit."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from fixture_corpus import (
    isolate,
    without_summary,
    write_copy_of_ferry,
    write_corpus,
    write_distinct,
)

from dedup.cli import cli


@pytest.fixture(autouse=True)
def corpus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    isolate(monkeypatch, tmp_path)
    return write_corpus(tmp_path)


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["check", *args])
    return result.exit_code, result.stdout, without_summary(result.stderr)


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_a_copy_of_a_corpus_article_is_reported_with_both_locations(corpus: Path) -> None:
    write_copy_of_ferry(corpus / "new.txt")
    code, out, err = run("corpus/new.txt", "--corpus-root", ".")
    assert code == 1
    assert out == (
        'corpus/new.txt:1: "Ferry with 212 aboard aground in Norway" duplicates '
        "corpus/two.txt:11 (similarity 0.97)\n"
    )
    assert err == ""


def test_a_distinct_article_passes(corpus: Path) -> None:
    write_distinct(corpus / "new.txt")
    assert run("corpus/new.txt", "--corpus-root", ".") == (0, "", "")


def test_a_file_is_compared_with_the_rest_of_the_corpus_not_itself(tmp_path: Path) -> None:
    code, out, _ = run("corpus/copy.txt")
    assert code == 1
    assert out.startswith('corpus/copy.txt:1: "Frost wipes out apple blossom in Tarnow" ')
    assert "duplicates corpus/two.txt:17" in out


def test_given_files_that_copy_each_other_are_reported(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    write_copy_of_ferry(outside / "a.txt")
    write_copy_of_ferry(outside / "b.txt")
    empty = tmp_path / "empty-root"
    empty.mkdir()
    code, out, err = run("elsewhere/a.txt", "elsewhere/b.txt", "--corpus-root", "empty-root")
    assert (code, err) == (1, "")
    # One finding for the pair, not one each way (a->b and b->a).
    assert out == (
        'elsewhere/b.txt:1: "Ferry with 212 aboard aground in Norway" duplicates '
        "elsewhere/a.txt:1 (similarity 1.00)\n"
    )


def test_corpus_root_comes_from_configuration(tmp_path: Path, corpus: Path) -> None:
    (tmp_path / "dedup.toml").write_text('corpus_root = "corpus"\n', encoding="utf-8")
    write_copy_of_ferry(tmp_path / "new.txt")
    code, out, _ = run("new.txt")
    assert code == 1 and "duplicates corpus/two.txt:11" in out


def test_files_left_out_by_the_globs_are_skipped(tmp_path: Path) -> None:
    (tmp_path / "setup.py").write_text("print('hello')\n", encoding="utf-8")
    (tmp_path / "hooks.yaml").write_text("a: 1\n", encoding="utf-8")
    assert run("setup.py", "hooks.yaml") == (0, "", "")


def test_no_files_is_nothing_to_check() -> None:
    assert run() == (0, "", "")


def test_check_never_writes_inside_the_corpus(tmp_path: Path, corpus: Path) -> None:
    write_copy_of_ferry(corpus / "new.txt")
    before = snapshot(corpus)
    assert run("corpus/new.txt", "--corpus-root", "corpus")[0] == 1
    assert snapshot(corpus) == before


def test_a_missing_file_is_exit_2() -> None:
    code, out, err = run("corpus/gone.txt")
    assert (code, out) == (2, "")
    assert err == "dedup: error: corpus/gone.txt: no such file or directory\n"


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_the_default_corpus_root_is_the_git_work_tree(
    tmp_path: Path, corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    inner = tmp_path / "drafts"
    inner.mkdir()
    write_copy_of_ferry(inner / "new.txt")
    monkeypatch.chdir(inner)
    code, out, _ = run("new.txt")
    assert code == 1
    assert "duplicates ../corpus/two.txt:11" in out


def test_three_checked_copies_are_two_findings_naming_one_original(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    for name in ("a.txt", "b.txt", "c.txt"):
        write_copy_of_ferry(outside / name)
    (tmp_path / "empty-root").mkdir()
    names = ["elsewhere/a.txt", "elsewhere/b.txt", "elsewhere/c.txt"]
    code, out, err = run(*names, "--corpus-root", "empty-root")
    assert (code, err) == (1, "")
    assert [line.split(" duplicates ")[1] for line in out.splitlines()] == [
        "elsewhere/a.txt:1 (similarity 1.00)",
        "elsewhere/a.txt:1 (similarity 1.00)",
    ]
    assert [line.split(":")[0] for line in out.splitlines()] == names[1:]


def test_check_says_what_it_read_and_what_it_skipped(corpus: Path) -> None:
    write_copy_of_ferry(corpus / "new.txt")
    (corpus / "notes.csv").write_text("a,b\n", encoding="utf-8")
    (corpus / "empty.txt").write_text("", encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", "corpus/new.txt", "--corpus-root", "corpus"])
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert re.fullmatch(r"dedup: 9 articles read from 5 files in \d+\.\ds", lines[-2])
    assert lines[-1] == "dedup: skipped 2 files (1 empty, 1 left out by --include)"
    quiet = CliRunner().invoke(cli, ["check", "corpus/new.txt", "--corpus-root", "corpus", "-q"])
    assert (quiet.exit_code, quiet.stderr) == (1, "")
