"""``dedup check`` through the corpus index, on a corpus of a few hundred invented files."""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from check_oracle import find_matches
from click.testing import CliRunner
from conftest import build_dump
from fixture_corpus import isolate, without_summary
from newsgen import story

from dedup.article import Article
from dedup.cli import cli
from dedup.config import Config
from dedup.engine import candidates, ingest
from dedup.engine import corpus as corpus_module
from dedup.engine.candidates import Block
from dedup.engine.check import check_files
from dedup.errors import InputError
from dedup.read.ahead import walk_paths
from dedup.read.files import read_articles
from dedup.read.walk import Found
from dedup.result import Match
from dedup.store.scan import STORE_NAME, ScanStore

FILES = 200
JUNK = "Sign in to access your portfolio"


def write(path: Path, text: str) -> Path:
    """Write ``text``, dated an hour ago (past the index's racy window)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    stamp = time.time() - 3600
    os.utime(path, (stamp, stamp))
    return path


def plain(seed: int, *, keep: int = 4, extra: tuple[str, ...] = ()) -> str:
    title, body = story(seed, paragraphs=4)
    return "\n\n".join([title, *body[:keep], *extra]) + "\n"


def write_corpus(root: Path) -> Path:
    """``FILES`` dumps: a main story and two related blocks each; every tenth dump's
    second related block copies the main story of the dump before it."""
    for number in range(FILES):
        title, body = story(number, paragraphs=4)
        related = []
        for offset in (1000, 2000):
            other_title, other_body = story(number + offset, paragraphs=3)
            related.append(("Daily Courier", "3 hours ago", other_title, " ".join(other_body)))
        if number % 10 == 1:
            copied_title, copied_body = story(number - 1, paragraphs=4)
            related[1] = ("Yahoo", "an hour ago", copied_title, " ".join(copied_body))
        text = build_dump(title, body, related)
        write(root / f"batch{number // 50}" / f"dump{number:03}.txt", text)
    return root


@pytest.fixture
def corpus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    isolate(monkeypatch, tmp_path)
    return write_corpus(tmp_path / "corpus")


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["check", *args])
    return result.exit_code, result.stdout, without_summary(result.stderr)


def summary(matches: list[Match]) -> list[tuple[str, str, float]]:
    return [(m.article.ref, m.original.ref, round(m.score.similarity, 2)) for m in matches]


def test_a_copy_is_found_and_a_distinct_article_passes(corpus: Path) -> None:
    write(corpus / "staged" / "copy.txt", plain(37, extra=(JUNK,)))
    write(corpus / "staged" / "fresh.txt", plain(9999))
    code, out, err = run("corpus/staged/copy.txt", "--corpus-root", "corpus")
    assert (code, err) == (1, "")
    title = story(37, paragraphs=4)[0]
    assert out == (
        f'corpus/staged/copy.txt:1: "{title}" duplicates corpus/batch0/dump037.txt:1 '
        "(similarity 1.00)\n"
    )
    assert run("corpus/staged/fresh.txt", "--corpus-root", "corpus") == (0, "", "")


def test_a_second_check_reads_no_file_the_store_holds(
    corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(corpus / "staged" / "copy.txt", plain(120, keep=3))
    assert run("corpus/staged/copy.txt", "--corpus-root", "corpus")[0] == 1
    reads: list[str] = []
    # Files are read by the reading workers (ingest) and, for texts, again by the corpus.
    monkeypatch.setattr(ingest, "read_file", counting(ingest.read_file, reads))
    monkeypatch.setattr(corpus_module, "read_file", counting(corpus_module.read_file, reads))
    code, out, _ = run("corpus/staged/copy.txt", "--corpus-root", "corpus")
    assert code == 1 and "duplicates corpus/batch2/dump120.txt:1" in out
    assert reads == []
    write(corpus / "staged" / "other.txt", plain(130, keep=3))
    code, out, _ = run("corpus/staged/other.txt", "--corpus-root", "corpus")
    assert code == 1 and "duplicates corpus/batch2/dump130.txt:1" in out
    # The new file is read, and the files holding its candidates for their texts.
    assert reads[0] == os.path.join("corpus", "staged", "other.txt")
    assert os.path.join("corpus", "batch2", "dump130.txt") in reads
    # Only a few: how many files hold candidates varies with the hashes, on these stories
    # that share many phrases (3 to 76 over MinHash seeds 1 to 8).
    assert len(reads) < FILES / 2


ReadFile = Callable[[str, Config, Callable[[InputError], None]], Iterator[Article]]


def counting(read_file: ReadFile, reads: list[str]) -> ReadFile:
    def wrapper(path: str, config: Config, warn: Callable[[InputError], None]) -> Iterator[Article]:
        reads.append(path)
        return read_file(path, config, warn)

    return wrapper


def test_results_equal_the_full_comparison(corpus: Path, tmp_path: Path) -> None:
    staged = tmp_path / "staged"
    paths = [
        write(staged / "copy.txt", plain(37, extra=(JUNK,))),
        write(staged / "trimmed.txt", plain(150, keep=3)),
        write(staged / "related.txt", plain(1042)),
        write(staged / "fresh.txt", plain(9999)),
        write(staged / "twin-a.txt", plain(7777)),
        write(staged / "twin-b.txt", plain(7777)),
    ]
    names = [str(p) for p in paths]
    config = Config(cache_path=str(tmp_path / "cache" / "sigs.sqlite"))
    fast = check_files(names, config, root=str(corpus))
    slow = find_matches(
        list(read_articles(names, config)), read_articles([str(corpus)], config), config
    )
    assert summary(fast) == summary(slow)
    found = {Path(m.article.path).name: Path(m.original.path).name for m in fast}
    assert found == {
        "copy.txt": "dump037.txt",
        "trimmed.txt": "dump150.txt",
        "related.txt": "dump042.txt",
        "twin-b.txt": "twin-a.txt",  # one finding for the pair, not one each way
    }
    assert summary(check_files(names, config, root=str(corpus))) == summary(fast)


def test_a_check_against_the_indexed_corpus_equals_the_full_comparison(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A first check indexes the corpus; the second searches the band keys the index kept
    # where they lie, beside a block of its own new texts, and must find the same.
    config = Config(cache_path=str(tmp_path / "cache" / "sigs.sqlite"))
    first = [str(write(tmp_path / "first.txt", plain(9998)))]
    with ScanStore.from_config(config) as store:
        assert check_files(first, config, store=store, root=str(corpus)) == []
    names = [
        str(write(tmp_path / "staged" / name, text))
        for name, text in [
            ("copy.txt", plain(37, extra=(JUNK,))),
            ("trimmed.txt", plain(150, keep=3)),
            ("fresh.txt", plain(9999)),
            ("twin-a.txt", plain(7777)),
            ("twin-b.txt", plain(7777)),
        ]
    ]
    blocks: list[int] = []
    real = candidates.focus_pairs

    def counted(found: list[Block], among: npt.NDArray[np.intp]) -> npt.NDArray[np.int64]:
        blocks.append(len(found))
        return real(found, among)

    monkeypatch.setattr(candidates, "focus_pairs", counted)
    with ScanStore.from_config(config) as store:
        fast = check_files(names, config, store=store, root=str(corpus))
    slow = find_matches(
        list(read_articles(names, config)), read_articles([str(corpus)], config), config
    )
    assert blocks == [2]
    assert summary(fast) == summary(slow)
    assert {Path(m.article.path).name for m in fast} == {"copy.txt", "trimmed.txt", "twin-b.txt"}


def test_a_copy_planted_twice_names_the_canonical_original(corpus: Path, tmp_path: Path) -> None:
    # dump020's main story is also copied (by Yahoo) into dump021's related blocks.
    copy = write(tmp_path / "copy.txt", plain(20))
    config = Config(cache_path=str(tmp_path / "cache" / "sigs.sqlite"))
    (match,) = check_files([str(copy)], config, root=str(corpus))
    assert match.original.path.endswith("dump020.txt") and match.original.index == 0


def test_the_checked_file_is_not_compared_with_itself(corpus: Path) -> None:
    write(corpus / "staged" / "fresh.txt", plain(9999))
    assert run("corpus/staged/fresh.txt", "--corpus-root", "corpus") == (0, "", "")
    assert run("corpus/staged/fresh.txt", "--corpus-root", "corpus") == (0, "", "")


@pytest.mark.parametrize("root", [".", "./", "a/..", "sub", "./sub", "sub//", "sub/./", "sub/x/.."])
def test_corpus_files_are_named_as_normpath_names_them(
    root: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("sub/one.txt", "sub/x/two.txt", "a/three.txt"):
        write(tmp_path / name, plain(1))
    monkeypatch.chdir(tmp_path)
    found = [e.path for e in walk_paths([root], Config(), tidy=True).events if isinstance(e, Found)]
    untidy = [e.path for e in walk_paths([root], Config()).events if isinstance(e, Found)]
    assert found == [os.path.normpath(path) for path in untidy]
    assert len(found) == (3 if os.path.normpath(root) == "." else 2)


def test_a_check_whose_index_lost_article_fields_reads_them_from_the_files(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = write(tmp_path / "copy.txt", plain(37, extra=(JUNK,)))
    config = Config(cache_path=str(tmp_path / "cache" / "sigs.sqlite"))

    def check() -> list[Match]:
        with ScanStore.from_config(config) as store:
            return check_files([str(copy)], config, None, store, root=str(corpus))

    first = check()
    with sqlite3.connect(tmp_path / "cache" / STORE_NAME) as db:
        assert db.execute("DELETE FROM snapshot_fields").rowcount > 0
        db.execute("DELETE FROM clusters")  # else the stored groups hold the articles
    db.close()
    reads: list[str] = []
    monkeypatch.setattr(corpus_module, "read_file", counting(corpus_module.read_file, reads))
    again = check()
    assert summary(again) == summary(first) and len(first) == 1
    assert sorted(Path(path).name for path in reads) == ["copy.txt", "dump037.txt"]
