"""The corpus as ``dedup scan``'s store keeps it: records of every article, texts on demand.

Unchanged files are not read: their articles come back from :mod:`dedup.store.scan` as
bodiless records with unit hashes and comparison-text digests. New and changed files are
read, split into units and stored. A text is read again only when a later stage needs it
(:meth:`Corpus.full`).
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TextIO

import numpy as np

from dedup.article import Article
from dedup.config import Config
from dedup.engine.columns import NOT_SPILLED, Columns
from dedup.engine.ingest import PieceRead, plan_parts, read_now, read_parts
from dedup.engine.jobs import split_parallel
from dedup.engine.records import LightRecords
from dedup.engine.refresh import RACY_NS
from dedup.engine.spill import PARENT, Spill
from dedup.errors import DedupError, InputError
from dedup.progress import ProgressCallback, no_progress
from dedup.read.files import iter_files, read_file
from dedup.store.scan import CHUNK_ARTICLES, EncodedRow, ScanStore, StoredFile
from dedup.text.prepare import Prepared, Units, boilerplate_of, build_text, units_from_lengths

WarningCallback = Callable[[InputError], None]

#: Files written to the store per batch (one transaction each).
BATCH_FILES = 2000
_INVALID_UTF8 = "invalid UTF-8"
_EMPTY = "empty file, skipped"


@dataclass(frozen=True)
class Found:
    """A file to scan: the path as named, its real path and its stat."""

    path: str
    real: str
    size: int
    mtime_ns: int


class Corpus:
    """The scanned articles as light columns, with their texts read only on demand."""

    def __init__(self, found: Sequence[Found], config: Config, spill: Spill) -> None:
        self.found = found
        self.config = config
        self.spill = spill
        self.columns = Columns(spill)
        self._fields = spill.writer(PARENT)
        #: Stored files read again in this run for their texts: their units per slot.
        self.units: dict[int, list[Units]] = {}
        self.boilerplate: frozenset[int] = frozenset()
        self.texts: dict[int, Prepared] = {}
        #: Per file read or loaded: its real path, stat and when it was read.
        self.stamps: list[str] = []

    def __len__(self) -> int:
        return len(self.columns)

    def add_piece(self, file: int, read: PieceRead) -> None:
        """A piece of a file read in this run (pieces come in file order)."""
        self.columns.add(file, read.light, read.fields_at, read.places)

    def add_stored(
        self, file: int, stored: StoredFile, chunks: Iterable[tuple[LightRecords, bytes]]
    ) -> None:
        """A file not read again: its stored articles (their fields are spilled here)."""
        self.stamp(stored.path, stored.size, stored.mtime_ns, stored.indexed_ns)
        for light, fields in chunks:
            self.columns.add(file, light, self._fields.write_bytes(fields), None)

    def freeze(self) -> None:
        """Articles in (path, index) order, as the in-memory pipeline orders them."""
        self._fields.close()
        self.columns.freeze([f.path for f in self.found])

    def light(self, i: int) -> Prepared:
        return self.columns.light(i)

    def article(self, i: int) -> Article:
        return self.columns.article(i)

    def head(self, i: int) -> Article:
        """Article ``i`` with as much of its body as the canonical rules read."""
        return self.columns.article(i, heads=True)

    def count_per_path(self) -> Counter[str]:
        """How many articles each file holds, by the path articles name."""
        files, counts = np.unique(self.columns.file_of, return_counts=True)
        return Counter({self.found[f].path: int(c) for f, c in zip(files, counts, strict=True)})

    def need(self, indices: Iterable[int]) -> None:
        """Read the files holding the texts of those articles, where not read yet."""
        chosen = np.fromiter(indices, dtype=np.int64)
        unspilled = chosen[self.columns.places[chosen, 0] == NOT_SPILLED[0]]
        wanted = set(np.unique(self.columns.file_of[unspilled]).tolist())
        for file in sorted(wanted - self.units.keys()):
            self.units[file] = self._read_units(file)

    def full(self, i: int) -> Prepared:
        """Article ``i``'s comparison text, boilerplate cut out (its file read if needed)."""
        columns = self.columns
        place = columns.place(i)
        if place is not None:  # read back from the spill each time: memory stays flat
            text, lengths = self.spill.read(place)
            hashes, context = columns.unit_hashes(i), int(columns.context[i])
            units = units_from_lengths(text, lengths, columns.light(i), hashes, context)
            return build_text(units, self.boilerplate)
        found = self.texts.get(i)
        if found is None:
            self.need([i])
            file, slot = int(columns.file_of[i]), int(columns.slot_of[i])
            found = self.texts[i] = build_text(self.units[file][slot], self.boilerplate)
        return found

    def has_text(self, i: int) -> bool:
        """Whether article ``i``'s text is at hand without reading its file."""
        return self.columns.place(i) is not None or int(self.columns.file_of[i]) in self.units

    def stamp(self, path: str, size: int, mtime_ns: int, indexed_ns: int) -> None:
        """Note a file read or loaded, as learned boilerplate is keyed by what was read."""
        self.stamps.append(f"{path}\0{size}\0{mtime_ns}\0{indexed_ns}")

    def _read_units(self, file: int) -> list[Units]:
        """Read a stored file again for its texts; it must still hold the stored articles."""
        found = self.found[file]
        articles = list(read_file(found.path, self.config, _ignore))
        units = split_parallel(articles, self.config, no_progress)
        members = np.flatnonzero(self.columns.file_of == file).tolist()
        slots = self.columns.slot_of
        same = len(members) == len(units) and all(
            articles[slots[i]].index == self.columns.index[i]
            and units[slots[i]].prepared.digest == self.columns.digests[i]
            for i in members
        )
        if not same:
            raise DedupError(f"{found.path}: changed while being scanned; run the scan again")
        return units


def walk(paths: Sequence[str], config: Config, stdin: TextIO | None) -> list[Found | InputError]:
    """The files to scan with their stat, and the walk's warnings, in :func:`iter_files` order."""
    events: list[Found | InputError] = []
    for path in iter_files(paths, config, events.append, stdin=stdin):
        try:
            info = os.stat(path)
        except OSError:
            info = None
        size, mtime = (info.st_size, info.st_mtime_ns) if info else (-1, -1)
        events.append(Found(path, os.path.realpath(path), size, mtime))
    return events


def load_corpus(
    events: Sequence[Found | InputError],
    config: Config,
    store: ScanStore,
    spill: Spill,
    warn: WarningCallback,
    report: ProgressCallback,
) -> Corpus:
    """Stored records of unchanged files; new and changed files read (on all jobs), split,
    spilled and stored.

    Warnings come in the order reading every file would give them: the walk's, and each
    file's (replayed from the store for a file not read again).
    """
    found = [e for e in events if isinstance(e, Found)]
    stats = store.load_stats(f.real for f in found if f.size >= 0)
    corpus = Corpus(found, config, spill)
    fresh = {n for n, f in enumerate(found) if _is_fresh(stats.get(f.real), f)}
    parts = plan_parts([(n, f.path, f.size) for n, f in enumerate(found) if n not in fresh])
    pieces = Counter(piece.file for part in parts for piece in part)
    started = time.time_ns()
    results = read_parts(parts, config, spill)
    batch: list[EncodedRow] = []
    number = 0
    for event in events:
        if isinstance(event, InputError):
            warn(event)
            continue
        stored = store.load_file(event.real, event.path) if number in fresh else None
        if stored is not None:
            for message, line in stored.warnings:
                warn(InputError(event.path, message, line))
            corpus.add_stored(number, stored, store.load_records(stored))
        else:
            reads: Iterator[PieceRead] = (next(results) for _ in range(pieces[number]))
            if not pieces[number]:  # stored row found unsound after all: read it here
                reads = iter(read_now(number, event.path, config, spill))
            batch.append(_read_file(corpus, number, event, started, reads, store, warn))
            report("read", len(corpus.columns), None)
        number += 1
        if len(batch) >= BATCH_FILES:
            store.store_files(batch)
            batch = []
    store.store_files(batch)
    corpus.freeze()
    return corpus


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
    row = _RowWriter(found, store)
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
    """A file's stored row, built piece by piece; every ``CHUNK_ARTICLES`` articles are
    written ahead as a chunk, so a large file's row is never whole in memory."""

    def __init__(self, found: Found, store: ScanStore) -> None:
        self.found = found
        self.store = store
        self.lights: list[LightRecords] = []
        self.fields: list[bytes] = []
        self.chunks: list[int] = []

    def add(self, read: PieceRead) -> None:
        self.lights.append(read.light)
        self.fields.append(read.fields)
        if sum(len(x) for x in self.lights) >= CHUNK_ARTICLES:
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


def learn_stored_boilerplate(corpus: Corpus) -> frozenset[int]:
    """Boilerplate learned from every article's stored unit hashes."""
    columns = corpus.columns
    counts = np.diff(columns.starts).astype(np.int64)
    return boilerplate_of(
        columns.hashes, counts, columns.context, corpus.config.boilerplate_min_docs
    )


def _is_fresh(stat: tuple[int, int, int] | None, found: Found) -> bool:
    if stat is None:
        return False
    size, mtime_ns, indexed_ns = stat
    return size == found.size and mtime_ns == found.mtime_ns and mtime_ns < indexed_ns - RACY_NS


def _ignore(error: InputError) -> None:
    """Drop a warning (a file read again for its texts was reported when first read)."""
