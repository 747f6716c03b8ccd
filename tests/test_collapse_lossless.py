"""``dedup collapse`` keeps what the user had: records verbatim, texts as they stand,
the member a ``--keep`` rule asks for, and a removal script instead of a corpus."""

from __future__ import annotations

import gzip
import json
import subprocess
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner
from fixture_corpus import BAKERY, CHESS, FERRY, ORCHARD, isolate, write_corpus

from dedup.cli import cli

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


@pytest.fixture(autouse=True)
def corpus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    isolate(monkeypatch, tmp_path)
    return write_corpus(tmp_path)


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, [*args, "--no-cache"])
    return result.exit_code, result.stdout, result.stderr


def records(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def write_export(path: Path) -> list[str]:
    """A JSON Lines export with fields dedup does not read, spaced in two ways: the third
    record is a padded (and later) copy of the first; returns its lines."""
    rows = [
        {
            "id": "a-17",
            "date": "2026-03-01T06:00:00+01:00",
            "title": "Ferry aground",
            "text": FERRY,
            "topics": ["shipping", "norway"],
            "url": "https://example.org/a-17",
        },
        {
            "id": "b-4",
            "title": "Oxley Green bakery marks 150 years",
            "date": "2026-03-04",
            "text": BAKERY,
            "score": 0.5,
            "nested": {"k": [1, None, True]},
        },
        {
            "url": "https://example.net/x",
            "date": "1 March 2026 07:30",
            "title": "Norway ferry",
            "text": FERRY + " Service resumed on Tuesday.",
            "id": "c-9",
        },
    ]
    lines = [
        json.dumps(rows[0]),
        json.dumps(rows[1], separators=(",", ":"), ensure_ascii=False),
        json.dumps(rows[2], ensure_ascii=False),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return lines


def without_note(line: str, record: dict[str, object]) -> str:
    """The line a written record came from: what is left once its ``dedup`` field is cut."""
    note = json.dumps({"dedup": record["dedup"]}, ensure_ascii=False)[1:-1]
    compact = json.dumps({"dedup": record["dedup"]}, separators=(",", ":"), ensure_ascii=False)
    for field in (f", {note}", f",{compact[1:-1]}"):
        if field in line:
            return line.replace(field, "")
    raise AssertionError(f"no dedup field in {line!r}")


def test_records_are_written_verbatim_with_a_dedup_field_added(tmp_path: Path) -> None:
    lines = write_export(tmp_path / "export.jsonl")
    code, out, err = run("collapse", "export.jsonl", "-o", "out.jsonl")
    assert (code, out) == (0, ""), err
    written = (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(written) == 2  # the third record copies the first
    for line in written:
        record = json.loads(line)
        assert without_note(line, record) in lines
    first, second = (json.loads(line)["dedup"] for line in written)
    assert (first["role"], first["group"], second["role"]) == ("unique", None, "canonical")
    assert (second["ref"], [c["ref"] for c in second["copies"]]) == (
        "export.jsonl#2",
        ["export.jsonl#0"],
    )


def test_no_annotate_writes_the_kept_lines_exactly(tmp_path: Path) -> None:
    lines = write_export(tmp_path / "export.jsonl")
    assert run("collapse", "export.jsonl", "-o", "out.jsonl", "--no-annotate")[0] == 0
    assert (tmp_path / "out.jsonl").read_text(encoding="utf-8") == f"{lines[1]}\n{lines[2]}\n"


def test_a_record_already_annotated_has_its_dedup_field_replaced(tmp_path: Path) -> None:
    write_export(tmp_path / "export.jsonl")
    assert run("collapse", "export.jsonl", "-o", "once.jsonl")[0] == 0
    assert run("collapse", "once.jsonl", "-o", "twice.jsonl")[0] == 0
    once, twice = records(tmp_path / "once.jsonl"), records(tmp_path / "twice.jsonl")
    assert [list(r) for r in twice] == [list(r) for r in once]
    assert [r["dedup"]["ref"] for r in twice] == ["once.jsonl#0", "once.jsonl#1"]  # type: ignore[index]


def test_text_articles_are_written_as_their_lines_stand(tmp_path: Path) -> None:
    wrapped = textwrap.fill(ORCHARD, 50)
    (tmp_path / "wrapped.txt").write_text(f"Frost in Tarnow  \n{wrapped}\n", encoding="utf-8")
    assert run("collapse", "wrapped.txt", "-o", "out.jsonl")[0] == 0
    (record,) = records(tmp_path / "out.jsonl")
    assert (record["title"], record["text"]) == ("Frost in Tarnow  ", wrapped)
    assert run("collapse", "wrapped.txt", "--output-dir", "out")[0] == 0
    (written,) = (tmp_path / "out").glob("0*.txt")
    assert written.read_text(encoding="utf-8") == f"Frost in Tarnow  \n{wrapped}\n"


def test_a_related_block_is_written_from_its_headline_on(corpus: Path, tmp_path: Path) -> None:
    assert run("collapse", "corpus", "-o", "out.jsonl")[0] == 0
    by_ref = {r["dedup"]["ref"]: r for r in records(tmp_path / "out.jsonl")}  # type: ignore[index]
    ferry = by_ref["corpus/two.txt#1"]
    assert (ferry["title"], ferry["text"], ferry["source"]) == (
        "Ferry runs aground off Halversund",
        FERRY,
        "Associated Press",
    )


def test_output_dir_writes_records_as_one_line_json_lines_files(tmp_path: Path) -> None:
    lines = write_export(tmp_path / "export.jsonl")
    assert run("collapse", "export.jsonl", "--output-dir", "out")[0] == 0
    files = sorted((tmp_path / "out").glob("0*"))
    assert [f.suffix for f in files] == [".jsonl", ".jsonl"]
    assert [f.read_text(encoding="utf-8") for f in files] == [f"{lines[1]}\n", f"{lines[2]}\n"]
    assert run("scan", "out")[:2] == (0, "")


@pytest.mark.parametrize(
    ("rules", "kept"),
    [
        ((), "export.jsonl#2"),
        (("--keep", "oldest:date"), "export.jsonl#0"),
        (("--keep", "newest:date"), "export.jsonl#2"),
        (("--keep", "path:nowhere/*", "--keep", "oldest:date"), "export.jsonl#0"),
        (("--keep", "oldest:missing"), "export.jsonl#2"),
    ],
)
def test_keep_rules_choose_the_member_that_stays(
    tmp_path: Path, rules: tuple[str, ...], kept: str
) -> None:
    write_export(tmp_path / "export.jsonl")
    assert run("collapse", "export.jsonl", "-o", "out.jsonl", *rules)[0] == 0
    grouped = [r["dedup"] for r in records(tmp_path / "out.jsonl") if r["dedup"]["group"]]  # type: ignore[index]
    assert [g["ref"] for g in grouped] == [kept]  # type: ignore[index]
    others = {"export.jsonl#0", "export.jsonl#2"} - {kept}
    assert {c["ref"] for c in grouped[0]["copies"]} == others  # type: ignore[index]


def test_keep_path_prefers_files_under_a_folder(corpus: Path, tmp_path: Path) -> None:
    code, _, err = run("collapse", "corpus", "-o", "out.jsonl", "--keep", "path:corpus/copy*")
    assert code == 0, err
    notes = [r["dedup"] for r in records(tmp_path / "out.jsonl")]
    orchard = next(n for n in notes if n["ref"] == "corpus/copy.txt#0")  # type: ignore[index]
    assert (orchard["role"], orchard["canonical"]) == ("kept", "corpus/two.txt#2")  # type: ignore[index]
    assert "corpus/two.txt#2" not in {n["ref"] for n in notes}  # type: ignore[index]


def test_a_bad_keep_rule_is_a_usage_error() -> None:
    code, out, err = run("collapse", "corpus", "-o", "out.jsonl", "--keep", "largest")
    assert (code, out) == (2, "")
    assert "'largest' is not a keep rule" in err


def test_the_removal_script_removes_only_files_holding_nothing_but_copies(
    corpus: Path, tmp_path: Path
) -> None:
    (corpus / "copy of it's.txt").write_text(f"Ferry aground\n{FERRY}\n", encoding="utf-8")
    with gzip.open(corpus / "chess.txt.gz", "wt", encoding="utf-8") as handle:
        handle.write(f"Chess title\n{CHESS}\n")
    code, out, err = run("collapse", "corpus", "--script", "remove.sh")
    assert (code, out) == (0, ""), err
    assert err.splitlines()[-1] == (
        "dedup: wrote remove.sh, a script removing 4 files; "
        "1 file holding copies beside kept articles is listed in it, not removed"
    )
    script = (tmp_path / "remove.sh").read_text(encoding="utf-8")
    assert "# corpus/copy.txt#0 copies corpus/two.txt#2 (exact, similarity 1.00)" in script
    before = {p.name for p in corpus.iterdir()}
    subprocess.run(["sh", str(tmp_path / "remove.sh")], cwd="/", check=True)
    gone = before - {p.name for p in corpus.iterdir()}
    assert gone == {"copy.txt", "copy of it's.txt", "chess.txt.gz", "three.jsonl"}
    assert run("scan", "corpus")[0] == 1  # what stays still holds copies beside kept articles


def test_the_removal_script_can_use_git_rm_and_is_never_run_by_dedup(corpus: Path) -> None:
    before = sorted(p.name for p in corpus.iterdir())
    code, out, _ = run("collapse", "corpus", "--script", "-", "--script-command", "git-rm")
    assert code == 0
    assert "git rm -q -- corpus/copy.txt\n" in out
    assert out.startswith("#!/bin/sh\n")
    assert sorted(p.name for p in corpus.iterdir()) == before


def test_only_one_output_may_be_named() -> None:
    code, _, err = run("collapse", "corpus", "-o", "a.jsonl", "--script", "b.sh")
    assert code == 2 and "exactly one of" in err


@pytest.mark.slow
@pytest.mark.skipif(not (SHARED / "corpora/reuters21578").is_dir(), reason="no ../shared")
def test_collapsing_reuters_keeps_every_kept_record_byte_for_byte(tmp_path: Path) -> None:
    source = SHARED / "corpora/reuters21578/articles.jsonl.gz"
    with gzip.open(source, "rt", encoding="utf-8") as handle:
        lines = {n: line.rstrip("\n") for n, line in enumerate(handle, start=1)}
    code, _, err = run("collapse", str(source), "-o", "out.jsonl", "--keep", "oldest:date")
    assert code == 0, err
    written = (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()
    assert 0 < len(written) < len(lines)
    for line in written:
        record = json.loads(line)
        origin = lines[int(record["dedup"]["location"].rsplit(":", 1)[1])]
        assert without_note(line, record) == origin
