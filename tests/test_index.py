"""The corpus index behind ``dedup check``: round trips, change detection, rebuilds."""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from newsgen import story

from dedup.article import Article
from dedup.config import Config
from dedup.engine import refresh
from dedup.engine.refresh import CorpusKeys, refresh_index
from dedup.errors import InputError
from dedup.store.corpus_index import (
    INDEX_NAME,
    CorpusIndex,
    Entry,
    FileRecord,
    index_location,
    index_params,
    key_width,
)

#: Files last modified this long ago are past the index's "racy" window.
LONG_AGO = 3600


def write_story(path: Path, seed: int, *, age: int = LONG_AGO) -> Path:
    """A plain article file (invented text), last modified ``age`` seconds ago."""
    title, body = story(seed, paragraphs=4)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n\n".join([title, *body]) + "\n", encoding="utf-8")
    stamp = time.time() - age
    os.utime(path, (stamp, stamp))
    return path


@pytest.fixture
def root(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    for seed in range(6):
        write_story(folder / f"part{seed % 2}" / f"story{seed}.txt", seed)
    return folder


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return Config(cache_path=str(tmp_path / "cache" / "signatures.sqlite"))


class Reads:
    """Counts the files the index reads (wraps ``read_file`` as the refresh module uses it)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.paths: list[str] = []
        original = refresh.read_file

        def counting(path: str, config: Config, warn: refresh.WarningCallback) -> Iterator[Article]:
            self.paths.append(os.path.basename(path))
            return original(path, config, warn)

        monkeypatch.setattr(refresh, "read_file", counting)

    def take(self) -> list[str]:
        taken, self.paths = sorted(self.paths), []
        return taken


def update(root: Path, config: Config, warnings: list[str] | None = None) -> CorpusKeys:
    def warn(message: str) -> None:
        if warnings is not None:
            warnings.append(message)

    with CorpusIndex.from_config(config, on_warning=warn) as index:
        return refresh_index(index, str(root), config)


def test_records_and_entries_survive_reopening(tmp_path: Path) -> None:
    path, width = tmp_path / INDEX_NAME, 4
    keys = np.arange(8, dtype=np.uint32).reshape(2, width) + 1
    entries = [
        Entry(0, 1, 9, "A title", None, None, "main", b"d" * 16, 120),
        Entry(1, 12, 13, "Another", "Yahoo", "2 hours ago", "related", b"", 0),
    ]
    record = FileRecord("a/b.txt", 321, 1_000, 5_000, b"d" * 16 + bytes(16), keys)
    with CorpusIndex(path, "params", width) as index:
        index.store("/root", [(record, entries)])
    with CorpusIndex(path, "params", width) as index:
        (loaded,) = index.load("/root").values()
        assert index.entries("/root", ["a/b.txt", "missing.txt"]) == {"a/b.txt": tuple(entries)}
        assert index.load("/elsewhere") == {}
    assert (loaded.path, loaded.size, loaded.mtime_ns, loaded.indexed_ns) == (
        "a/b.txt",
        321,
        1_000,
        5_000,
    )
    assert loaded.digests == record.digests and loaded.articles == 2
    assert np.array_equal(loaded.keys, keys)


def test_keys_of_the_wrong_shape_are_refused(tmp_path: Path) -> None:
    record = FileRecord("a.txt", 1, 1, 1, bytes(16), np.ones((1, 3), dtype=np.uint32))
    entry = Entry(0, 1, 1, "t", None, None, "plain", b"", 0)
    with CorpusIndex(tmp_path / INDEX_NAME, "params", 4) as index, pytest.raises(ValueError):
        index.store("/root", [(record, [entry])])


def test_every_article_gets_keys_and_lives_beside_the_signature_cache(
    root: Path, config: Config, tmp_path: Path
) -> None:
    corpus = update(root, config)
    assert len(corpus) == 6
    assert corpus.keys.shape == (6, key_width(config))
    assert (corpus.keys != 0).all()
    assert sorted(os.path.basename(p) for p in corpus.paths) == [f"story{i}.txt" for i in range(6)]
    assert index_location(config) == tmp_path / "cache" / INDEX_NAME
    assert index_location(config).is_file()
    assert not list(root.rglob("*.sqlite*"))


def test_unchanged_files_are_not_read_again_and_a_changed_one_is(
    root: Path, config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads = Reads(monkeypatch)
    first = update(root, config)
    assert len(reads.take()) == 6
    again = update(root, config)
    assert reads.take() == []
    assert np.array_equal(again.keys, first.keys)
    write_story(root / "part1" / "story3.txt", 99, age=LONG_AGO - 60)
    changed = update(root, config)
    assert reads.take() == ["story3.txt"]
    row = changed.paths.index(os.path.join(str(root), "part1", "story3.txt"))
    assert not np.array_equal(changed.keys[row], first.keys[row])


def test_a_new_file_is_read_and_a_removed_one_vanishes(
    root: Path, config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads = Reads(monkeypatch)
    update(root, config)
    reads.take()
    write_story(root / "part0" / "fresh.txt", 50)
    (root / "part1" / "story1.txt").unlink()
    corpus = update(root, config)
    assert reads.take() == ["fresh.txt"]
    names = sorted(os.path.basename(p) for p in corpus.paths)
    assert names == [
        "fresh.txt",
        "story0.txt",
        "story2.txt",
        "story3.txt",
        "story4.txt",
        "story5.txt",
    ]
    with CorpusIndex.from_config(config) as index:
        stored = index.load(os.path.realpath(root))
    assert "story1.txt" not in {os.path.basename(p) for p in stored}
    assert len(stored) == 6


def test_a_file_changed_right_after_indexing_is_read_again(
    root: Path, config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(refresh, "RACY_NS", 1_000_000_000)
    reads = Reads(monkeypatch)
    write_story(root / "part0" / "story0.txt", 0, age=0)
    update(root, config)
    reads.take()
    # Modified within the racy window before it was read: a same-size change at the same
    # time stamp would go unseen, so the file is read again until a reading comes late
    # enough after its last change.
    update(root, config)
    assert reads.take() == ["story0.txt"]
    time.sleep(1.1)
    update(root, config)
    assert reads.take() == ["story0.txt"]
    update(root, config)
    assert reads.take() == []


def test_changed_settings_rebuild_the_index(
    root: Path, config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads = Reads(monkeypatch)
    update(root, config)
    reads.take()
    other = config.replace(extra_junk_patterns=("^officials said",))
    assert index_params(other) != index_params(config)
    update(root, other)
    assert len(reads.take()) == 6
    update(root, other)
    assert reads.take() == []
    with CorpusIndex.from_config(config) as index:
        assert index.load(os.path.realpath(root)) == {}


def test_a_corrupt_index_is_moved_aside_and_rebuilt_with_a_warning(
    root: Path, config: Config
) -> None:
    first = update(root, config)
    path = index_location(config)
    for side in (Path(f"{path}-wal"), Path(f"{path}-shm")):
        side.unlink(missing_ok=True)
    path.write_bytes(b"this is not a database" * 100)
    warnings: list[str] = []
    again = update(root, config, warnings)
    assert np.array_equal(again.keys, first.keys)
    assert len(warnings) == 1
    assert warnings[0].startswith(f"{path}: corpus index is unreadable")
    assert "rebuilding it" in warnings[0]
    assert list(path.parent.glob(f"{INDEX_NAME}.corrupt-*"))
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM files").fetchone() == (6,)


def test_a_damaged_row_is_read_again(
    root: Path, config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    update(root, config)
    with sqlite3.connect(index_location(config)) as conn:
        conn.execute("UPDATE files SET crc = crc + 1 WHERE path LIKE '%story2.txt'")
    reads = Reads(monkeypatch)
    assert len(update(root, config)) == 6
    assert reads.take() == ["story2.txt"]


def test_without_the_cache_nothing_is_written(root: Path, config: Config) -> None:
    off = config.replace(cache=False)
    assert len(update(root, off)) == 6
    assert not index_location(off).exists()


def test_unreadable_files_are_warned_about_once_and_hold_no_articles(
    root: Path, config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    (root / "empty.txt").write_text("\n\n", encoding="utf-8")
    old = time.time() - LONG_AGO
    os.utime(root / "empty.txt", (old, old))
    seen: list[InputError] = []
    with CorpusIndex.from_config(config) as index:
        corpus = refresh_index(index, str(root), config, on_warning=seen.append)
        assert len(corpus) == 6
        assert [os.path.basename(e.path) for e in seen] == ["empty.txt"]
        refresh_index(index, str(root), config, on_warning=seen.append)
    assert len(seen) == 1


def _refresh_in_child(root: str, cache_path: str) -> None:
    config = Config(cache_path=cache_path)
    with CorpusIndex.from_config(config) as index:
        assert len(refresh_index(index, root, config)) == 6


def test_two_processes_can_build_the_index_at_once(root: Path, config: Config) -> None:
    context = multiprocessing.get_context("spawn")
    assert config.cache_path is not None
    children = [
        context.Process(target=_refresh_in_child, args=(str(root), config.cache_path))
        for _ in range(2)
    ]
    for child in children:
        child.start()
    for child in children:
        child.join(timeout=120)
    assert [child.exitcode for child in children] == [0, 0]
    with CorpusIndex.from_config(config) as index:
        assert len(index.load(os.path.realpath(root))) == 6
