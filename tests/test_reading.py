"""What a run read and skipped, and why: counted per reason, shown in every summary and in
``--format json``, the same whether files are read, replayed from the scan index or
handed to the library."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import pytest
from fixture_corpus import isolate, run_cli, write_corpus

from dedup.config import Config
from dedup.engine.run import scan_paths
from dedup.errors import InputError
from dedup.read.files import read_articles
from dedup.reading import Reading, Skip, Tally, classify

#: The skips the folder built by ``messy`` holds, as ``--format json`` counts them.
SKIPPED = {
    "files": {
        "binary": 1,
        "empty": 2,
        "invalid JSON": 1,
        "left out by --exclude": 1,
        "left out by --include": 2,
        "not valid gzip": 1,
    },
    "folders": {"left out by --exclude": 1},
    "records": {"malformed JSON": 1, "no text": 2, "not a JSON object": 1},
}


@pytest.fixture
def messy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The usual corpus plus files of every kind of trouble, in ``corpus``."""
    isolate(monkeypatch, tmp_path)
    corpus = write_corpus(tmp_path)
    (corpus / "empty.txt").write_text("")
    (corpus / "blank.jsonl").write_text("\n  \n")
    (corpus / "picture.txt").write_bytes(b"GIF89a\x00\x01")
    (corpus / "cut.txt.gz").write_bytes(gzip.compress(b"Headline\nbody\n")[:-9])
    (corpus / "broken.json").write_text('[{"title": "x",\n oops}]')
    (corpus / "slides.pdf").write_bytes(b"%PDF-1.4 slides")
    (corpus / "notes.csv").write_text("a,b\n")
    (corpus / "old.txt").write_text("Old draft\nNever sent.\n")
    (corpus / "drafts").mkdir()
    (corpus / "drafts" / "draft.txt").write_text("Draft\nNot for reading.\n")
    (corpus / ".git").mkdir()  # left out by default: not worth a word
    (corpus / ".git" / "HEAD.txt").write_text("ref\n")
    records = [
        {"title": "", "text": " "},
        {"id": 3},
        ["not", "an", "object"],
        {"title": "", "text": "Quarry pond reopens for swimmers\nThe pond was tested."},
    ]
    lines = [json.dumps(r) for r in records] + ["{oops"]
    (corpus / "mixed.jsonl").write_text("\n".join(lines) + "\n")
    return corpus


run = run_cli


EXCLUDE = ("--exclude", "drafts", "--exclude", "old.txt")
SKIP_LINE = (
    "dedup: skipped 8 files (2 empty, 2 left out by --include, 1 binary, 1 invalid JSON, "
    "1 left out by --exclude, 1 not valid gzip), 1 folder (1 left out by --exclude) "
    "and 4 records (2 no text, 1 malformed JSON, 1 not a JSON object)"
)


def test_scan_summary_says_what_was_read_and_what_was_skipped_and_why(messy: Path) -> None:
    code, out, err = run("scan", "corpus", *EXCLUDE)
    assert (code, len(out.splitlines())) == (1, 3)
    lines = err.splitlines()
    assert len(lines) == 5 + 4 + 2  # a warning per bad file and record, then the summary
    assert lines[-2].startswith("dedup: 9 articles read from 5 files, 3 groups, 3 copies in ")
    assert lines[-1] == SKIP_LINE


def test_json_carries_the_counts_and_a_schema_version(messy: Path) -> None:
    code, out, _ = run("scan", "corpus", *EXCLUDE, "--format", "json")
    document = json.loads(out)
    assert code == 1
    assert document["schema_version"] == 1
    assert document["read"] == {"files": 5, "articles": 9, "invalid_utf8_files": 0}
    assert document["skipped"] == SKIPPED


def test_a_rescan_from_the_index_counts_the_same(messy: Path) -> None:
    for path in messy.rglob("*"):  # old enough to be trusted unread on the second run
        os.utime(path, (1_600_000_000, 1_600_000_000))
    cold = json.loads(run("scan", "corpus", *EXCLUDE, "-f", "json")[1])
    warm = json.loads(run("scan", "corpus", *EXCLUDE, "-f", "json")[1])
    assert (warm["read"], warm["skipped"]) == (cold["read"], cold["skipped"])


def test_split_and_collapse_summaries_count_as_scan_does(messy: Path) -> None:
    _, _, split = run("split", "corpus", *EXCLUDE)
    assert split.splitlines()[-2:] == ["dedup: 9 articles read from 5 files, 9 warnings", SKIP_LINE]
    code, _, collapse = run("collapse", "corpus", *EXCLUDE, "-o", "out.jsonl")
    assert code == 0
    assert collapse.splitlines()[-3].startswith("dedup: 9 articles read from 5 files, 3 groups")
    assert collapse.splitlines()[-2] == SKIP_LINE


def test_nothing_skipped_means_one_summary_line(messy: Path) -> None:
    code, _, err = run("scan", "corpus/one.txt", "corpus/two.txt")
    assert code == 1
    assert len(err.splitlines()) == 1
    assert err.startswith("dedup: 6 articles read from 2 files, ")


def test_the_library_counts_as_the_command_line_does(messy: Path) -> None:
    config = Config(extra_exclude=("drafts", "old.txt"))
    tally = Tally()
    articles = list(read_articles(["corpus"], config, tally=tally))
    reading = tally.reading(len(articles))
    assert reading == scan_paths(["corpus"], config).stats.reading
    assert reading.to_dict()["skipped"] == SKIPPED
    assert (reading.files, reading.articles, reading.count("file")) == (5, 9, 8)


def test_a_file_is_skipped_once_and_invalid_utf8_is_read_not_skipped() -> None:
    tally = Tally()
    tally.find(["a.jsonl", "b.txt"])
    tally(InputError("a.jsonl", "invalid UTF-8, decoded with replacement", 2))
    tally(InputError("b.txt", "cannot read: Input/output error"))
    tally(InputError("b.txt", "empty file, skipped"))
    tally(InputError("run", "spill file damaged; reading the inputs again"))
    assert tally.reading(3) == Reading(1, 3, {"file": {"unreadable": 1}}, invalid_utf8=1)


@pytest.mark.parametrize(
    ("message", "line", "skip"),
    [
        ("file over the 1 MiB limit, skipped (raise it ...)", None, Skip("file", "too large")),
        ("line over the 1 MiB limit, skipped (raise it ...)", 4, Skip("record", "too large")),
        ("not a regular file (a socket), skipped", None, Skip("file", "not a regular file")),
        ("cannot read folder: Permission denied", None, Skip("folder", "unreadable")),
        ('expected a list of records or {"articles": [...]}', 1,
         Skip("file", "not a list of records")),
        ("no text, skipped", None, Skip("file", "no text")),
        ("no main content, skipped", None, Skip("file", "no main content")),
        ("invalid UTF-8, decoded with replacement", 3, None),
    ],
)  # fmt: skip
def test_every_warning_reason_is_sorted(message: str, line: int | None, skip: Skip | None) -> None:
    assert classify(InputError("x", message, line)) == skip


@pytest.mark.slow
def test_body_only_reuters_records_are_read_and_only_textless_ones_skipped(
    shared_dir: Path,
) -> None:
    path = shared_dir / "corpora" / "reuters21578" / "articles.jsonl.gz"
    if not path.is_file():
        pytest.skip("the Reuters corpus is not available")
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        records = [json.loads(line) for line in lines if line.strip()]
    texts = [r for r in records if (r.get("text") or "").strip()]
    untitled = [r for r in texts if not (r.get("title") or "").strip()]
    tally = Tally()
    articles = list(read_articles([str(path)], Config(), tally=tally))
    reading = tally.reading(len(articles))
    assert untitled  # body-only records exist, and each is an article now
    assert (reading.files, reading.articles) == (1, len(texts))
    assert reading.skipped == {"record": {"no text": len(records) - len(texts)}}
    assert all(a.title.strip() for a in articles)
