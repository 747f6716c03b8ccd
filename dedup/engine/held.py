"""The read stage's fast road: files the store's snapshot holds unchanged, added at once.

A warm run over a large corpus would otherwise load every file's row on its own
(:mod:`dedup.engine.load`). The snapshot (:mod:`dedup.store.snapshot`) holds every file of
the run that wrote it; here a run finds which of its files the snapshot holds with their
current stat (:func:`held_files`), adds their articles to the corpus as one block
(:func:`add_held`), and, when it had to load or read more than a small share of its files
another way, writes a new snapshot of its whole corpus (:func:`snapshot_of`). The held
articles' fields stay in the store until an article is reported (:class:`HeldFields`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt

from dedup.engine.columns import IN_STORE
from dedup.engine.corpus import Corpus
from dedup.engine.records import LightRecords
from dedup.read.walk import Found
from dedup.store.scan import ScanStore
from dedup.store.snapshot import FIELDS_CHUNK, Snapshot, Warnings

I64 = npt.NDArray[np.int64]
#: Per file loaded or read (by number): its stat (size, mtime, when read) and warnings.
Loaded = dict[int, tuple[tuple[int, int, int], Warnings]]
#: A new snapshot is written when more than this share of a run's files were not in it.
REWRITE_SHARE = 0.02
#: No snapshot is written of a corpus of more articles than this (it is built and read
#: whole, so its size is held in memory): larger corpora load file by file.
MAX_ARTICLES = 250_000
#: Bytes of fields read back from the spill at once when writing a snapshot.
_READ_RUN = 1 << 22


def held_files(found: Sequence[Found], snapshot: Snapshot | None, racy_ns: int) -> dict[int, int]:
    """The files (by number) the snapshot holds unchanged, each with its place in it (a
    file named twice is held once: its other names are loaded as before). Unchanged is
    the same size and modification time, and modified more than ``racy_ns`` before it
    was read (a file changed within that window might have changed unseen)."""
    if snapshot is None or not found or not snapshot.paths:
        return {}
    where = {path: k for k, path in enumerate(snapshot.paths)}
    places = np.array([where.get(f.real, -1) for f in found], dtype=np.int64)
    sizes = np.array([f.size for f in found], dtype=np.int64)
    mtimes = np.array([f.mtime_ns for f in found], dtype=np.int64)
    stats = snapshot.stats[np.maximum(places, 0)]
    fresh = (places >= 0) & (stats[:, 0] == sizes) & (stats[:, 1] == mtimes)
    fresh &= stats[:, 1] < stats[:, 2] - racy_ns
    numbers = np.flatnonzero(fresh)
    _, first = np.unique(places[numbers], return_index=True)
    chosen = np.sort(numbers[first])
    return dict(zip(chosen.tolist(), places[chosen].tolist(), strict=True))


class HeldFields:
    """The fields of a snapshot's articles, read from the store a chunk at a time when an
    article is first reported, and kept (a run that reports many reads each chunk once).
    When the store turns out to have lost a chunk, the snapshot is dropped, so that the
    next run writes a whole one (this run reads the lost fields from their files)."""

    def __init__(self, store: ScanStore, snapshot: Snapshot) -> None:
        self.store = store
        self.crcs = snapshot.chunks
        self.chunks: dict[int, bytes | None] = {}
        self.lost = False

    def read(self, offset: int, size: int) -> bytes | None:
        """``size`` bytes of the fields from ``offset``; None when the store no longer
        holds a chunk they lie in whole (nor one of this snapshot's)."""
        first, last = offset // FIELDS_CHUNK, (offset + max(size, 1) - 1) // FIELDS_CHUNK
        start = offset - first * FIELDS_CHUNK
        if first == last:  # most fields lie in one chunk: sliced from it, not joined
            chunk = self._chunk(first)
            if chunk is not None and len(chunk) >= start + size:
                return chunk[start : start + size]
        parts = [self._chunk(k) for k in range(first, last + 1)]
        data = b"".join(p for p in parts if p is not None)
        if None in parts or len(data) < start + size:
            if not self.lost:
                self.lost = True
                self.store.drop_snapshot(self.crcs)
            return None
        return data[start : start + size]

    def _chunk(self, number: int) -> bytes | None:
        if number not in self.chunks:
            crc = self.crcs[number] if number < len(self.crcs) else None
            found = None if crc is None else self.store.load_fields(number, crc)
            self.chunks[number] = found
        return self.chunks[number]


def add_held(
    corpus: Corpus, snapshot: Snapshot, held: Mapping[int, int], fields: HeldFields
) -> None:
    """The articles of the ``held`` files, added to the corpus as one block (their fields
    left in the store, read through ``fields``)."""
    target = np.full(len(snapshot.paths), -1, dtype=np.int64)
    target[np.fromiter(held.values(), dtype=np.int64, count=len(held))] = np.fromiter(
        held.keys(), dtype=np.int64, count=len(held)
    )
    files = target[snapshot.file]
    rows = np.flatnonzero(files >= 0)
    light = snapshot.light if len(rows) == len(files) else snapshot.light.take(rows)
    sizes = snapshot.light.sizes
    spans = np.zeros((len(rows), 3), dtype=np.int64)
    spans[:, 0] = IN_STORE
    spans[:, 1] = (np.cumsum(sizes) - sizes)[rows]
    spans[:, 2] = sizes[rows]
    corpus.columns.stored = fields
    corpus.columns.add_block(files[rows], snapshot.slot[rows], light, spans)
    places = list(held.values())
    corpus.stamp_block([snapshot.paths[k] for k in places], snapshot.stats[places])


def held_loaded(snapshot: Snapshot, held: Mapping[int, int]) -> Loaded:
    """The stats and warnings of the ``held`` files (by number), as loading them gives."""
    rows = snapshot.stats.tolist()
    loaded: Loaded = {}
    for n, k in held.items():
        size, mtime_ns, indexed_ns = rows[k]
        loaded[n] = ((size, mtime_ns, indexed_ns), snapshot.warnings.get(k, ()))
    return loaded


def worth_rewriting(snapshot: Snapshot | None, held: int, loaded: int, articles: int) -> bool:
    """Whether a run that took ``held`` of its ``loaded`` files (``articles`` articles)
    from the snapshot should write a new one."""
    if loaded <= 0 or articles > MAX_ARTICLES:
        return False
    return snapshot is None or loaded - held > REWRITE_SHARE * loaded


def snapshot_of(corpus: Corpus, loaded: Loaded) -> tuple[Snapshot, bytearray] | None:
    """A snapshot of every file the (frozen) corpus loaded or read, and its articles'
    fields laid end to end; None when the store no longer holds the fields of an
    article it held."""
    columns = corpus.columns
    numbers: list[int] = []
    seen: set[str] = set()
    for number in sorted(loaded):
        real = corpus.found[number].real
        if real not in seen:  # a file named twice is kept once
            seen.add(real)
            numbers.append(number)
    place = np.full(len(corpus.found), -1, dtype=np.int64)
    place[numbers] = np.arange(len(numbers), dtype=np.int64)
    file = place[columns.file_of]
    rows = np.flatnonzero(file >= 0)
    every = LightRecords(
        {
            "index": columns.index,
            "words": columns.words,
            "dropped": columns.dropped,
            "counts": np.diff(columns.starts).astype(np.int64),
            "sizes": columns.fields[:, 2].copy(),
        },
        columns.context,
        list(columns.digests),
        columns.hashes,
    )
    stats = np.array([loaded[n][0] for n in numbers], dtype=np.int64).reshape(-1, 3)
    warnings = {k: loaded[n][1] for k, n in enumerate(numbers) if loaded[n][1]}
    paths = [corpus.found[n].real for n in numbers]
    fields = _read_fields(corpus, columns.fields[rows])
    if fields is None:
        return None
    light = every if len(rows) == len(file) else every.take(rows)
    return Snapshot(paths, stats, warnings, file[rows], columns.slot_of[rows], light), fields


def _read_fields(corpus: Corpus, spans: I64) -> bytearray | None:
    """The fields at ``spans`` (part, offset, size) laid end to end, read in runs of
    adjacent spans (from the spill, or the store); None when the store lost some."""
    out = bytearray(int(spans[:, 2].sum()))
    at = begin = 0
    rows = spans.tolist()
    for i in range(1, len(rows) + 1):
        last = rows[i - 1]
        if i < len(rows):
            nxt = rows[i]
            adjacent = nxt[0] == last[0] and nxt[1] == last[1] + last[2]
            if adjacent and last[1] + last[2] - rows[begin][1] < _READ_RUN:
                continue
        first = rows[begin]
        size = last[1] + last[2] - first[1]
        data = _read_run(corpus, (first[0], first[1], size))
        if data is None:
            return None
        out[at : at + size] = data
        at += size
        begin = i
    return out


def _read_run(corpus: Corpus, span: tuple[int, int, int]) -> bytes | None:
    part, offset, size = span
    if part != IN_STORE:
        return corpus.spill.read_bytes(span)
    stored = corpus.columns.stored
    return None if stored is None else stored.read(offset, size)
