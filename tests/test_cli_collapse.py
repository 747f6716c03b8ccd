"""``dedup collapse``: the deduplicated corpus, atomic writes, refusals, dry runs."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fixture_corpus import isolate, write_corpus

import dedup.atomic
import dedup.collapse
from dedup.cli import cli


@pytest.fixture(autouse=True)
def corpus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    isolate(monkeypatch, tmp_path)
    return write_corpus(tmp_path)


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` but the user cache folder (outside any real corpus)."""
    files = (p for p in root.rglob("*") if p.is_file() and ".user-cache" not in p.parts)
    return {str(p.relative_to(root)): p.read_bytes() for p in files}


def test_one_record_per_canonical_or_unique_article(tmp_path: Path, corpus: Path) -> None:
    before = snapshot(corpus)
    code, out, err = run("collapse", "corpus", "--output", "out.jsonl")
    assert (code, out) == (0, "")
    assert err.splitlines()[-1] == "dedup: wrote 5 articles to out.jsonl"
    records = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert [r["dedup"]["ref"] for r in records] == [
        "corpus/one.txt#0",
        "corpus/one.txt#2",
        "corpus/two.txt#0",
        "corpus/two.txt#1",
        "corpus/two.txt#2",
    ]
    ferry = records[3]
    assert ferry["source"] == "Associated Press"
    assert [c["location"] for c in ferry["dedup"]["copies"]] == ["corpus/one.txt:11"]
    assert ferry["dedup"]["copies"][0]["rule"] == "exact"
    assert records[0]["dedup"]["copies"] == []
    assert snapshot(corpus) == before


def test_scanning_the_collapsed_output_finds_no_groups() -> None:
    assert run("collapse", "corpus", "-o", "out.jsonl")[0] == 0
    code, out, err = run("scan", "out.jsonl")
    assert (code, out) == (0, "")
    assert "5 articles read from 1 file, 0 groups" in err


def test_output_dir_holds_one_text_file_per_article_and_a_manifest(tmp_path: Path) -> None:
    assert run("collapse", "corpus", "--output-dir", "deduped")[0] == 0
    folder = tmp_path / "deduped"
    names = sorted(p.name for p in folder.iterdir())
    assert names[-1] == "manifest.tsv" and len(names) == 6
    assert names[3] == "00004-ferry-runs-aground-off-halversund.txt"
    manifest = (folder / "manifest.tsv").read_text().splitlines()
    assert manifest[0] == "file\trole\tref\tlocation\ttitle"
    assert f"{names[3]}\tcopy\tcorpus/one.txt#1\tcorpus/one.txt:11\t" in "\n".join(manifest)
    assert run("scan", "deduped")[:2] == (0, "")


def test_an_existing_output_is_refused_without_force(tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    target.write_text("keep me\n")
    code, out, err = run("collapse", "corpus", "-o", "out.jsonl")
    assert (code, out) == (2, "")
    assert err == "dedup: error: out.jsonl: already exists; use --force to replace it\n"
    assert target.read_text() == "keep me\n"
    assert run("collapse", "corpus", "-o", "out.jsonl", "--force")[0] == 0
    assert target.read_text().count("\n") == 5


def test_an_existing_folder_is_refused_without_force(tmp_path: Path) -> None:
    (tmp_path / "deduped").mkdir()
    assert run("collapse", "corpus", "--output-dir", "deduped")[0] == 0
    code, _, err = run("collapse", "corpus", "--output-dir", "deduped")
    assert code == 2 and "already exists; use --force" in err
    assert run("collapse", "corpus", "--output-dir", "deduped", "--force")[0] == 0
    assert len(list((tmp_path / "deduped").iterdir())) == 6
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".deduped")] == []


@pytest.mark.parametrize("extra", ["notes.txt", None])
def test_force_never_replaces_a_folder_that_is_not_a_dedup_output(
    tmp_path: Path, extra: str | None
) -> None:
    folder = tmp_path / "deduped"
    if extra is None:  # a folder of the user's own, with nothing dedup would write
        folder.mkdir()
        (folder / "draft.txt").write_text("mine\n")
    else:  # a previous output into which the user put a file of their own
        assert run("collapse", "corpus", "--output-dir", "deduped")[0] == 0
        (folder / extra).write_text("mine\n")
    before = snapshot(folder)
    code, out, err = run("collapse", "corpus", "--output-dir", "deduped", "--force")
    assert (code, out) == (2, "")
    assert err == (
        "dedup: error: deduped: is not a previous dedup output; --force only replaces "
        "those, so name a new or empty folder\n"
    )
    assert snapshot(folder) == before


def test_an_output_inside_an_input_folder_is_refused_even_with_force(corpus: Path) -> None:
    """The reported data loss: ``-o ex/export.jsonl --force`` replaced an input file."""
    before = snapshot(corpus)
    for target in ("corpus/three.jsonl", "corpus/new.jsonl", "corpus/sub/../three.jsonl"):
        code, out, err = run("collapse", "corpus", "-o", target, "--force")
        assert (code, out) == (2, ""), target
        assert err.startswith(f"dedup: error: {target}: ")
        assert err.endswith("; dedup never writes over, into or around its inputs\n")
    assert snapshot(corpus) == before


def test_an_output_dir_inside_or_around_an_input_is_refused(tmp_path: Path, corpus: Path) -> None:
    """The reported data loss: ``--output-dir ex/dumps --force`` deleted nine input dumps."""
    sub = corpus / "dumps"
    sub.mkdir()
    (sub / "four.txt").write_text("Four\nA story of its own about a lighthouse keeper.\n")
    before = snapshot(tmp_path)
    cases = [
        (("corpus",), "corpus/dumps", "lies inside the input folder"),
        (("corpus",), "corpus", "is an input"),
        (("corpus/dumps",), "corpus", "contains the input"),
        (("corpus/one.txt",), ".", "contains the input"),
    ]
    for inputs, target, reason in cases:
        code, out, err = run("collapse", *inputs, "--output-dir", target, "--force")
        assert (code, out) == (2, ""), (inputs, target)
        assert reason in err and err.count("\n") == 1, err
    assert snapshot(tmp_path) == before


def test_links_to_inputs_are_inputs(tmp_path: Path, corpus: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "far.txt").write_text("Far\nA story reached only through a folder link.\n")
    (corpus / "linked").symlink_to(outside, target_is_directory=True)
    (tmp_path / "soft.txt").symlink_to(corpus / "one.txt")
    os.link(corpus / "two.txt", tmp_path / "hard.txt")
    before = snapshot(tmp_path)
    for target in ("soft.txt", "hard.txt", "outside/far.txt"):
        code, _, err = run("collapse", "corpus", "-o", target, "--force")
        assert code == 2 and "is an input" in err, target
    code, _, err = run("collapse", "corpus", "--output-dir", "outside", "--force")
    assert code == 2 and "contains the input" in err
    assert snapshot(tmp_path) == before


def test_inputs_listed_on_stdin_are_protected_too(corpus: Path) -> None:
    before = snapshot(corpus)
    result = CliRunner().invoke(
        cli, ["collapse", "-", "-o", "corpus/copy.txt", "--force"], input="corpus/copy.txt\n"
    )
    assert result.exit_code == 2 and "is an input" in result.stderr
    assert snapshot(corpus) == before


def test_dry_run_prints_and_writes_nothing(tmp_path: Path) -> None:
    before = snapshot(tmp_path)
    code, out, err = run("collapse", "corpus", "-o", "out.jsonl", "--dry-run")
    assert code == 0
    assert [json.loads(line)["title"] for line in out.splitlines()][3] == (
        "Ferry runs aground off Halversund"
    )
    assert "would write 5 articles to out.jsonl" in err
    code, out, _ = run("collapse", "corpus", "--output-dir", "deduped", "-n")
    assert out.splitlines()[0].startswith("deduped/00001-merrowby-votes-to-turn-goods-shed")
    assert snapshot(tmp_path) == before


def test_output_options_are_exclusive_and_required() -> None:
    code, _, err = run("collapse", "corpus")
    assert code == 2 and "exactly one of --output FILE, --output-dir DIR or --script FILE" in err
    code, _, _ = run("collapse", "corpus", "-o", "a.jsonl", "--output-dir", "b")
    assert code == 2


def test_an_input_is_never_an_output(corpus: Path) -> None:
    before = snapshot(corpus)
    code, _, err = run("collapse", "corpus/copy.txt", "-o", "corpus/copy.txt", "--force")
    assert code == 2 and "is an input" in err
    code, _, err = run("collapse", "corpus/copy.txt", "-o", "corpus/copy.txt", "--dry-run")
    assert code == 2 and "is an input" in err
    assert snapshot(corpus) == before


def test_a_missing_output_folder_is_a_clear_error(tmp_path: Path) -> None:
    code, out, err = run("collapse", "corpus", "-o", "no/such/out.jsonl")
    assert (code, out) == (2, "")
    assert err == "dedup: error: no/such/out.jsonl: folder 'no/such' does not exist\n"


def test_an_unwritable_output_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> tuple[int, str]:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(dedup.atomic.tempfile, "mkstemp", refuse)
    code, out, err = run("collapse", "corpus", "-o", "out.jsonl")
    assert (code, out) == (2, "")
    assert err == "dedup: error: out.jsonl: cannot write: Permission denied\n"


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_a_read_only_folder_is_a_clear_error(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    code, _, err = run("collapse", "corpus", "-o", "locked/out.jsonl")
    assert code == 2 and "cannot write" in err


def test_ctrl_c_half_way_leaves_no_partial_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = dedup.collapse.to_json_line
    calls = []

    def interrupt_on_third(kept: dedup.collapse.Kept, *args: Any, **options: Any) -> str:
        calls.append(kept)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(kept, *args, **options)

    monkeypatch.setattr(dedup.collapse, "to_json_line", interrupt_on_third)
    (tmp_path / "old.jsonl").write_text("previous output\n")
    code, out, err = run("collapse", "corpus", "-o", "new.jsonl")
    assert (code, out, err.splitlines()[-1]) == (130, "", "dedup: interrupted")
    calls.clear()
    assert run("collapse", "corpus", "-o", "old.jsonl", "--force")[0] == 130
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["dedup.toml", "old.jsonl"]
    assert (tmp_path / "old.jsonl").read_text() == "previous output\n"


@pytest.mark.parametrize("command", ["scan", "collapse"])
def test_a_cache_path_that_is_an_input_is_refused(corpus: Path, command: str) -> None:
    """SQLite would move a file it cannot read aside: that renames the user's article."""
    before = snapshot(corpus)
    output = ["-o", "-"] if command == "collapse" else []
    for cache in ("corpus/one.txt", "corpus/new.txt"):
        code, out, err = run(command, "corpus", *output, "--cache-path", cache)
        assert (code, out) == (2, "")
        assert err == (
            f"dedup: error: {cache}: the cache would be an input of this run (through corpus); "
            "choose another --cache-path\n"
        )
    assert snapshot(corpus) == before
    code, _, _ = run(command, "corpus", *output, "--cache-path", "corpus/cache.sqlite")
    assert code in (0, 1)


@pytest.mark.parametrize("option", ["--output", "--output-dir"])
def test_unfinished_output_of_a_killed_run_is_removed_by_the_next(
    tmp_path: Path, option: str
) -> None:
    """A run killed while writing leaves its hidden temporary output beside the target; the
    next run writing that target removes it, but never one of a run still alive."""
    finished = subprocess.Popen(["true"])  # a process that has ended: its pid is dead
    finished.wait()
    dead_pid = finished.pid
    target = tmp_path / ("out.jsonl" if option == "--output" else "out")
    stale_file = tmp_path / f".{target.name}.{dead_pid}.abcd1234.tmp"
    stale_file.write_text("half of an output")
    stale_dir = tmp_path / f".{target.name}.{dead_pid}.efgh5678.tmp"
    stale_dir.mkdir()
    (stale_dir / "0001.txt").write_text("half")
    live = tmp_path / f".{target.name}.{os.getpid()}.ijkl9012.tmp"
    live.write_text("another run, still writing")
    code, _, _ = run("collapse", "corpus", option, str(target))
    assert code == 0 and target.exists()
    assert not stale_file.exists() and not stale_dir.exists()
    assert live.read_text() == "another run, still writing"
