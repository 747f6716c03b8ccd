"""The read stage: the corpus loaded from files, through the store when one holds them.

Unchanged files are not read: their articles come back from the store
(:mod:`dedup.store.scan`) as bodiless records with unit hashes and comparison-text
digests. New and changed files are read (on all jobs, :mod:`dedup.engine.ingest`), split
into units, spilled and stored. Articles handed in whole take the same road, minus the
reading and the storing.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Container, Iterable, Iterator, Sequence
from functools import partial

from dedup.article import Article
from dedup.config import Config
from dedup.engine.corpus import Corpus
from dedup.engine.deferred import defer
from dedup.engine.held import (
    HeldFields,
    Loaded,
    add_held,
    held_files,
    held_loaded,
    snapshot_of,
    worth_rewriting,
)
from dedup.engine.ingest import Piece, PieceRead, plan_parts, read_now, read_parts
from dedup.engine.jobs import start_early
from dedup.engine.records import LightRecords
from dedup.engine.spill import Spill
from dedup.errors import InputError
from dedup.progress import ProgressCallback
from dedup.read.walk import Found
from dedup.store.rows import EncodedRow, StoredFile
from dedup.store.scan import ScanStore
from dedup.store.snapshot import Snapshot, Warnings

WarningCallback = Callable[[InputError], None]

_INVALID_UTF8 = "invalid UTF-8"
_EMPTY = "empty file, skipped"
#: Parts of new text from which reading will run on workers: their server is started
#: before the reads are planned.
EARLY_START_PARTS = 2


def load_articles(articles: Iterable[Article], config: Config, spill: Spill) -> Corpus:
    """A corpus of articles handed in whole, grouped by the path they name (read and split
    on all jobs, as files are)."""
    by_path: dict[str, list[Article]] = {}
    for article in articles:
        by_path.setdefault(article.path, []).append(article)
    given = list(by_path.values())
    found = [Found(path, path, -1, -1) for path in by_path]
    corpus = Corpus(found, config, spill, given)
    sizes = [
        (n, f.path, sum(len(p) for a in given[n] for p in a.body)) for n, f in enumerate(found)
    ]
    for read in read_parts(plan_parts(sizes, config.tuning, ranges=False), config, spill, given):
        corpus.add_piece(read.piece.file, read)
    corpus.freeze()
    return corpus


def load_corpus(
    events: Sequence[Found | InputError],
    config: Config,
    store: ScanStore,
    spill: Spill,
    warn: WarningCallback,
    report: ProgressCallback,
) -> Corpus:
    """Stored records of unchanged files (those the store's snapshot holds in one block);
    new and changed files read (on all jobs), split, spilled and stored. Warnings come in
    the order reading every file would give them: the walk's, and each file's (replayed
    from the store for a file not read again)."""
    found = [e for e in events if isinstance(e, Found)]
    corpus = Corpus(found, config, spill)
    snapshot = store.load_snapshot()
    held = _add_held(corpus, snapshot, store)
    files = _Files(corpus, store, warn, *_plan(found, config, store, held, spill.folder))
    loaded = files.load_all(events, snapshot, held, report)
    corpus.freeze()
    count = len(held) + len(loaded)
    if store.path is not None and worth_rewriting(snapshot, len(held), count, len(corpus)):
        if snapshot is not None:
            loaded.update(held_loaded(snapshot, held))
        made = snapshot_of(corpus, loaded)
        if made is not None:  # else the store lost fields: HeldFields dropped the old one
            defer(partial(store.store_snapshot, *made))
    return corpus


def _add_held(corpus: Corpus, snapshot: Snapshot | None, store: ScanStore) -> dict[int, int]:
    """The files the snapshot holds unchanged (by number, with their place in it), their
    articles added to the corpus."""
    racy = corpus.config.tuning.racy_ns
    held = held_files(corpus.found, snapshot, racy)
    if snapshot is not None and held:
        add_held(corpus, snapshot, held, HeldFields(store, snapshot))
    return held


class _Files:
    """Files loaded one by one: from the ``files`` table when it holds them unchanged,
    else read (on all jobs, in the parts planned)."""

    def __init__(
        self,
        corpus: Corpus,
        store: ScanStore,
        warn: WarningCallback,
        fresh: set[int],
        parts: list[list[Piece]],
    ) -> None:
        self.corpus, self.store, self.warn, self.fresh = corpus, store, warn, fresh
        self.pieces = Counter(piece.file for part in parts for piece in part)
        self.started = time.time_ns()
        self.results = read_parts(parts, corpus.config, corpus.spill)

    def load_all(
        self,
        events: Sequence[Found | InputError],
        snapshot: Snapshot | None,
        held: dict[int, int],
        report: ProgressCallback,
    ) -> Loaded:
        """Every file of ``events`` in turn (the walk's warnings told as they come): those
        ``held`` by the snapshot have their warnings replayed from it (their articles came
        as one block), the others are loaded or read and stored in batches; the stats and
        warnings of those others, by number."""
        store, batch_files = self.store, self.corpus.config.tuning.batch_files
        batch: list[EncodedRow] = []
        loaded: Loaded = {}
        notes = {} if snapshot is None else snapshot.warnings
        number = 0
        for event in events:
            if isinstance(event, InputError):
                self.warn(event)
                continue
            k = held.get(number)
            if k is not None:
                for message, line in notes.get(k, ()):  # what reading it gave, told again
                    self.warn(InputError(event.path, message, line))
            else:
                loaded[number], row = self.load(number, event)
                if row is not None:
                    batch.append(row)
                    report("read", len(self.corpus.columns), None)
            number += 1
            if len(batch) >= batch_files:
                store.store_files(batch)
                batch = []
        store.store_files(batch)
        return loaded

    def load(
        self, number: int, event: Found
    ) -> tuple[tuple[tuple[int, int, int], Warnings], EncodedRow | None]:
        """A file's stat and warnings; its row to store when it was read."""
        corpus, store, count = self.corpus, self.store, self.pieces[number]
        stored = store.load_file(event.real, event.path) if number in self.fresh else None
        if stored is not None:
            _add_stored(corpus, number, stored, store, self.warn)
            return ((stored.size, stored.mtime_ns, stored.indexed_ns), stored.warnings), None
        reads: Iterator[PieceRead] = (next(self.results) for _ in range(count))
        if not count:  # stored row found unsound after all: read it here
            reads = iter(read_now(number, event.path, corpus.config, corpus.spill))
        row = _read_file(corpus, number, event, self.started, reads, store, self.warn)
        return ((row.size, row.mtime_ns, row.indexed_ns), row.warnings), row


def _add_stored(
    corpus: Corpus, number: int, stored: StoredFile, store: ScanStore, warn: WarningCallback
) -> None:
    """A file the store holds unchanged: its articles, and the warnings reading it gave."""
    for message, line in stored.warnings:
        warn(InputError(stored.shown, message, line))
    corpus.add_stored(number, stored, store.load_records(stored))


def _plan(
    found: Sequence[Found], config: Config, store: ScanStore, held: Container[int], unpack_to: str
) -> tuple[set[int], list[list[Piece]]]:
    """Which files the ``files`` table holds unchanged (by number; ``held`` files are not
    looked for), and the parts to read the others in (a large gzipped JSON Lines file is
    gunzipped into ``unpack_to`` to be read in byte ranges)."""
    others = [n for n in range(len(found)) if n not in held]  # a warm check's few new files
    stats = store.load_stats([found[n].real for n in others if found[n].size >= 0])
    racy = config.tuning.racy_ns
    fresh = {n for n in others if _is_fresh(stats.get(found[n].real), found[n], racy)}
    store.expect([found[n].real for n in others if n in fresh])
    stale = [(n, found[n].path, found[n].size) for n in others if n not in fresh]
    if sum(max(size, 0) for _, _, size in stale) >= EARLY_START_PARTS * config.tuning.part_bytes:
        start_early(config)  # cutting a large file in ranges takes a while: overlap it
    return fresh, plan_parts(stale, config.tuning, unpack_to=unpack_to)


def _read_file(
    corpus: Corpus,
    number: int,
    found: Found,
    started: int,
    reads: Iterator[PieceRead],
    store: ScanStore,
    warn: WarningCallback,
) -> EncodedRow:
    """Add a file's pieces to the corpus as they come; its row for the store (a large
    file's row is written in chunks as it goes, all but the last here)."""
    row = _RowWriter(found, store, corpus.config.tuning.row_articles)
    notes: list[tuple[str, int | None]] = []
    counts: list[int] = []
    for read in reads:
        corpus.add_piece(number, read)
        for error in read.warnings:
            if not (error.reason.startswith(_INVALID_UTF8) and _warned_utf8(notes)):
                notes.append((error.reason, error.line))
                warn(error)
        counts.append(read.count)
        row.add(read)
    if counts and all(count == 0 for count in counts):  # byte ranges of blank lines only
        notes.append((_EMPTY, None))
        warn(InputError(found.path, _EMPTY))
    corpus.stamp(found.real, found.size, found.mtime_ns, started)
    return row.finish(started, tuple(notes))


class _RowWriter:
    """A file's stored row, built piece by piece; every ``limit`` articles are written
    ahead as a chunk, so a large file's row is never whole in memory."""

    def __init__(self, found: Found, store: ScanStore, limit: int) -> None:
        self.found = found
        self.store = store
        self.limit = limit
        self.lights: list[LightRecords] = []
        self.fields: list[bytes] = []
        self.chunks: list[int] = []

    def add(self, read: PieceRead) -> None:
        self.lights.append(read.light)
        self.fields.append(read.fields)
        if sum(len(x) for x in self.lights) >= self.limit:
            light, fields = self._take()
            number = len(self.chunks) + 1
            self.chunks.append(self.store.store_chunk(self.found.real, number, light, fields))

    def finish(self, started: int, notes: tuple[tuple[str, int | None], ...]) -> EncodedRow:
        f = self.found
        light, fields = self._take()
        chunks = tuple(self.chunks)
        return EncodedRow(f.real, f.size, f.mtime_ns, started, light, fields, notes, chunks)

    def _take(self) -> tuple[bytes, bytes]:
        light, fields = LightRecords.join(self.lights).to_bytes(), b"".join(self.fields)
        self.lights, self.fields = [], []
        return light, fields


def _warned_utf8(notes: Sequence[tuple[str, int | None]]) -> bool:
    """Whether the file's invalid UTF-8 was reported (once per file, as one read gives)."""
    return any(reason.startswith(_INVALID_UTF8) for reason, _ in notes)


def _is_fresh(stat: tuple[int, int, int] | None, found: Found, racy_ns: int) -> bool:
    if stat is None:
        return False
    size, mtime_ns, indexed_ns = stat
    return size == found.size and mtime_ns == found.mtime_ns and mtime_ns < indexed_ns - racy_ns
