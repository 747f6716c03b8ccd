"""The scan index's snapshot: a warm run loads every unchanged file from one row."""

from __future__ import annotations

import json
import os
import sqlite3
from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from newsgen import story
from test_rescan import PAST, backdate, config_for, expected, reads, scan, write_pages

from dedup.engine import held as held_module
from dedup.engine.held import MAX_ARTICLES, worth_rewriting
from dedup.engine.records import LightRecords
from dedup.errors import InputError
from dedup.store import scan as scan_module
from dedup.store import snapshot as snapshot_module
from dedup.store.scan import STORE_NAME, ScanStore
from dedup.store.snapshot import Snapshot, chunks_of, decode, encode

__all__ = ["reads"]  # a fixture, used by name


@pytest.fixture
def rows(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """How many files are loaded one by one from the ``files`` table."""
    counts: Counter[str] = Counter()
    real = ScanStore.load_file

    def counting(self: ScanStore, path: str, shown: str) -> object:
        counts[Path(path).name] += 1
        return real(self, path, shown)

    monkeypatch.setattr(ScanStore, "load_file", counting)
    return counts


def snapshot_paths(root: Path) -> list[str]:
    with sqlite3.connect(root / "cache" / STORE_NAME) as db:
        (data,) = db.execute("SELECT data FROM snapshot").fetchone()
    db.close()
    return [Path(p).name for p in decode(data).paths]


def test_a_snapshot_reads_back_exactly() -> None:
    light = LightRecords(
        {k: np.array([3, 5], dtype=np.int64) for k in LightRecords.NUMBERS},
        np.array([7, 9], dtype=np.uint64),
        [bytes(range(16))[::-1], b""],  # a digest that ends in a zero byte keeps it
        np.arange(10, dtype=np.uint64),
    )
    snapshot = Snapshot(
        ["/a/caf\udce9.txt", "/b/empty.txt"],
        np.array([[1, 2, 3], [4, 5, 6]], dtype=np.int64),
        {1: (("empty file, skipped", None), ("line two", 2))},
        np.array([0, 0], dtype=np.int64),
        np.array([0, 1], dtype=np.int64),
        light,
        (2**32 - 1,),  # one chunk holds the 8 bytes of fields
    )
    back = decode(encode(snapshot))
    assert back.paths == snapshot.paths
    assert back.warnings == snapshot.warnings
    assert back.stats.tolist() == snapshot.stats.tolist()
    assert (back.file.tolist(), back.slot.tolist()) == ([0, 0], [0, 1])
    assert back.light.to_bytes() == light.to_bytes() and back.chunks == (2**32 - 1,)
    assert back.light.digests == light.digests
    with pytest.raises(ValueError):
        decode(encode(snapshot)[:-3])
    with pytest.raises(ValueError):  # 8 bytes of fields are one chunk, not two
        decode(encode(replace(snapshot, chunks=(1, 2))))
    assert chunks_of(encode(snapshot)) == (2**32 - 1,)


def test_only_the_snapshot_whose_fields_were_lost_is_dropped(tmp_path: Path) -> None:
    scan([str(write_pages(tmp_path))], config_for(tmp_path))
    with ScanStore.from_config(config_for(tmp_path)) as store:
        held = store.load_snapshot()
        assert held is not None and held.chunks
        store.drop_snapshot(tuple(c + 1 for c in held.chunks))  # another run's, since
        assert store.load_snapshot() is not None
        store.drop_snapshot(held.chunks)
        assert store.load_snapshot() is None


def test_a_warm_scan_loads_no_file_row_and_reads_no_file(
    tmp_path: Path, rows: Counter[str], reads: Counter[str]
) -> None:
    corpus = write_pages(tmp_path)
    config = config_for(tmp_path)
    scan([str(corpus)], config)
    assert len(snapshot_paths(tmp_path)) == len(list(corpus.rglob("*.jsonl")))
    rows.clear()
    reads.clear()
    warm = scan([str(corpus)], config)
    assert not rows and not reads
    assert [g.to_dict() for g in warm.groups] == expected([str(corpus)], config)


def test_a_changed_file_is_read_and_the_snapshot_is_renewed(
    tmp_path: Path, rows: Counter[str], reads: Counter[str]
) -> None:
    corpus = write_pages(tmp_path)
    config = config_for(tmp_path)
    scan([str(corpus)], config)
    changed = corpus / "wire-71.jsonl"
    title, body = story(99, paragraphs=5)
    changed.write_text(json.dumps({"title": title, "text": "\n\n".join(body)}) + "\n")
    os.utime(changed, (PAST + 10, PAST + 10))
    reads.clear()
    result = scan([str(corpus)], config)
    assert dict(reads) == {"wire-71.jsonl": 1}
    assert [g.to_dict() for g in result.groups] == expected([str(corpus)], config)
    rows.clear()
    reads.clear()
    again = scan([str(corpus)], config)  # one file of 13 is more than a small share
    assert not rows and not reads
    assert [g.to_dict() for g in again.groups] == [g.to_dict() for g in result.groups]


def test_a_file_changed_just_before_it_was_read_is_read_again(
    tmp_path: Path, reads: Counter[str]
) -> None:
    corpus = write_pages(tmp_path)
    config = config_for(tmp_path)
    fresh = corpus / "wire-70.jsonl"
    os.utime(fresh)  # now: within the racy window of the run that reads it
    scan([str(corpus)], config)
    assert "wire-70.jsonl" in snapshot_paths(tmp_path)
    reads.clear()
    scan([str(corpus)], config)
    assert dict(reads) == {"wire-70.jsonl": 1}


@pytest.mark.parametrize("damage", ["flip", "text", "number"])
def test_a_damaged_snapshot_is_ignored(
    tmp_path: Path, rows: Counter[str], reads: Counter[str], damage: str
) -> None:
    corpus = write_pages(tmp_path)
    bad = corpus / "broken.jsonl"
    bad.write_text('{"title": "A", "text": "b"}\nnot json\n', encoding="utf-8")
    backdate(corpus)
    config = config_for(tmp_path)
    first: list[InputError] = []
    scan([str(corpus)], config, on_warning=first.append)
    with sqlite3.connect(tmp_path / "cache" / STORE_NAME) as db:
        (data,) = db.execute("SELECT data FROM snapshot").fetchone()
        flipped = data[:100] + bytes([data[100] ^ 0xFF]) + data[101:]
        value = {"flip": flipped, "text": "not a snapshot", "number": 7}[damage]
        db.execute("UPDATE snapshot SET data = ?", (value,))
    db.close()
    rows.clear()
    reads.clear()
    warned: list[InputError] = []
    result = scan([str(corpus)], config, on_warning=warned.append)
    assert not reads and sum(rows.values()) == len(list(corpus.rglob("*.jsonl")))
    assert [str(e) for e in warned] == [str(e) for e in first]
    assert [g.to_dict() for g in result.groups] == expected([str(corpus)], config)
    rows.clear()
    scan([str(corpus)], config)  # the damaged snapshot was replaced
    assert not rows


def test_a_new_snapshot_is_written_only_past_a_small_share() -> None:
    assert worth_rewriting(None, 0, 3, 10)
    assert not worth_rewriting(None, 0, 0, 0)
    some = decode(
        encode(
            Snapshot(
                [],
                np.zeros((0, 3), dtype=np.int64),
                {},
                *[np.zeros(0, dtype=np.int64)] * 2,
                LightRecords.join([]),
            )
        )
    )
    assert not worth_rewriting(some, 19_997, 20_000, 100_000)
    assert worth_rewriting(some, 19_000, 20_000, 100_000)
    assert not worth_rewriting(None, 0, 20_000, MAX_ARTICLES + 1)


@pytest.fixture
def chunks(monkeypatch: pytest.MonkeyPatch) -> Counter[int]:
    """Which chunks of the snapshot's fields are read from the store, and how often."""
    counts: Counter[int] = Counter()
    real = ScanStore.load_fields

    def counting(self: ScanStore, number: int, crc: int) -> bytes | None:
        counts[number] += 1
        return real(self, number, crc)

    monkeypatch.setattr(ScanStore, "load_fields", counting)
    return counts


def forget_groups(root: Path, *more: str) -> None:
    """Drop the stored groups (and run ``more`` statements): the next run works its groups
    out again, reading the fields of the articles they report."""
    with sqlite3.connect(root / "cache" / STORE_NAME) as db:
        for statement in ("DELETE FROM clusters", *more):
            db.execute(statement)
    db.close()


def test_a_warm_scan_reads_fields_only_for_what_it_reports(
    tmp_path: Path, chunks: Counter[int]
) -> None:
    corpus = write_pages(tmp_path)
    config = config_for(tmp_path)
    lone = tmp_path / "lone"
    lone.mkdir()
    title, body = story(98, paragraphs=5)
    (lone / "only.jsonl").write_text(json.dumps({"title": title, "text": "\n\n".join(body)}))
    backdate(lone)
    scan([str(lone)], config)  # its own snapshot: one file, nothing grouped
    chunks.clear()
    assert scan([str(lone)], config).groups == ()
    assert not chunks
    scan([str(corpus)], config)
    warm = scan([str(corpus)], config)
    assert warm.groups and not chunks, "the stored groups hold the articles they report"
    forget_groups(tmp_path)
    again = scan([str(corpus)], config)
    assert again.groups == warm.groups and set(chunks.values()) == {1}  # each chunk read once


@pytest.mark.parametrize(
    "damage", ["DELETE FROM snapshot_fields", "UPDATE snapshot_fields SET crc = crc + 1"]
)
def test_fields_the_store_lost_are_read_from_their_files(
    tmp_path: Path, reads: Counter[str], damage: str
) -> None:
    corpus = write_pages(tmp_path)
    config = config_for(tmp_path)
    scan([str(corpus)], config)
    forget_groups(tmp_path, damage)
    reads.clear()
    warm = scan([str(corpus)], config)
    assert [g.to_dict() for g in warm.groups] == expected([str(corpus)], config)
    grouped = {a.path for g in warm.groups for a in (g.canonical, *(m.article for m in g.copies))}
    assert reads == Counter(Path(path).name for path in grouped)  # each file read once
    changed = corpus / "wire-71.jsonl"  # a new snapshot is due, the old one's fields lost
    changed.write_text(changed.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    os.utime(changed, (PAST + 10, PAST + 10))
    for _ in range(2):
        again = scan([str(corpus)], config)
        assert [g.to_dict() for g in again.groups] == expected([str(corpus)], config)


def test_a_snapshot_whose_fields_were_lost_is_replaced_by_a_whole_one(
    tmp_path: Path, reads: Counter[str]
) -> None:
    corpus = write_pages(tmp_path)
    config = config_for(tmp_path)
    scan([str(corpus)], config)
    with sqlite3.connect(tmp_path / "cache" / STORE_NAME) as db:
        db.execute("DELETE FROM snapshot_fields WHERE chunk = 0")
    db.close()
    want = expected([str(corpus)], config)
    for _ in range(2):  # the run that finds fields lost, then one that loads files' rows
        assert [g.to_dict() for g in scan([str(corpus)], config).groups] == want
    reads.clear()
    assert [g.to_dict() for g in scan([str(corpus)], config).groups] == want
    assert not reads, "the new snapshot holds every reported article's fields"


@pytest.mark.parametrize("size", [97, 4096])
def test_articles_whose_fields_straddle_chunks_read_back_whole(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    reads: Counter[str],
    chunks: Counter[int],
    size: int,
) -> None:
    for module in (snapshot_module, scan_module, held_module):
        monkeypatch.setattr(module, "FIELDS_CHUNK", size)
    corpus = write_pages(tmp_path)
    config = config_for(tmp_path)
    want = expected([str(corpus)], config)
    scan([str(corpus)], config)
    forget_groups(tmp_path)
    reads.clear()
    assert [g.to_dict() for g in scan([str(corpus)], config).groups] == want
    assert not reads, "every reported article's fields come from the store"
    assert len(chunks) > 1 and set(chunks.values()) == {1}  # each chunk read once
