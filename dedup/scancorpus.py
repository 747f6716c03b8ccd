"""The corpus as ``dedup scan``'s store keeps it: records of every article, texts on demand.

Unchanged files are not read: their articles come back from :mod:`dedup.scanstore` as
bodiless records with unit hashes and comparison-text digests. New and changed files are
read, split into units and stored. A text is read again only when a later stage needs it
(:meth:`Corpus.full`).
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TextIO

import numpy as np

from dedup.article import Article
from dedup.config import Config
from dedup.corpus import iter_files, read_file
from dedup.errors import DedupError, InputError
from dedup.ingest import PieceRead, plan_parts, read_parts
from dedup.parallel import split_parallel
from dedup.prepare import Prepared, Units, build_text, learn_boilerplate, units_from_lengths
from dedup.progress import ProgressCallback, no_progress
from dedup.refresh import RACY_NS
from dedup.scanstore import FileRow, Record, ScanStore
from dedup.spill import Place, Spill

WarningCallback = Callable[[InputError], None]

#: Files written to the store per batch (one transaction each).
BATCH_FILES = 2000
_INVALID_UTF8 = "invalid UTF-8"
_EMPTY = "empty file, skipped"
_NO_TEXT = Prepared("", 0, b"", 0)
_NO_SPANS = np.zeros(0, dtype=np.int64)


@dataclass(frozen=True)
class Found:
    """A file to scan: the path as named, its real path and its stat."""

    path: str
    real: str
    size: int
    mtime_ns: int


class Corpus:
    """The scanned articles as stored records, with their texts read only on demand."""

    def __init__(self, found: Sequence[Found], config: Config, spill: Spill) -> None:
        self.found = found
        self.config = config
        self.spill = spill
        #: Per file read in this run: where each of its articles' texts was spilled.
        self.places: dict[int, list[Place]] = {}
        self.records: list[Record] = []
        self.file_of: list[int] = []
        self.slot_of: list[int] = []
        self.units: dict[int, list[Units]] = {}
        self.boilerplate: frozenset[int] = frozenset()
        self.texts: dict[int, Prepared] = {}
        self.members: dict[int, list[int]] = {}
        #: Per file read or loaded: its real path, stat and when it was read.
        self.stamps: list[str] = []

    def add(self, file: int, row: FileRow, places: list[Place] | None) -> None:
        """The records of one file (in file order) and, when just read, their texts' places."""
        records = row.records
        self.stamps.append(f"{row.path}\0{row.size}\0{row.mtime_ns}\0{row.indexed_ns}")
        self.records.extend(records)
        self.file_of.extend([file] * len(records))
        self.slot_of.extend(range(len(records)))
        if places is not None:
            self.places[file] = places

    def sort(self) -> None:
        """Articles in (path, index) order, as the in-memory pipeline orders them."""
        order = sorted(range(len(self.records)), key=lambda i: _order_key(self.records[i]))
        self.records = [self.records[i] for i in order]
        self.file_of = [self.file_of[i] for i in order]
        self.slot_of = [self.slot_of[i] for i in order]
        self.members = {}
        for i, file in enumerate(self.file_of):
            self.members.setdefault(file, []).append(i)

    def need(self, indices: Iterable[int]) -> None:
        """Read the files holding the texts of those articles, where not read yet."""
        wanted = {self.file_of[i] for i in indices}
        for file in sorted(wanted - self.units.keys() - self.places.keys()):
            self.units[file] = self._read_units(file)

    def full(self, i: int) -> Prepared:
        """Article ``i``'s comparison text, boilerplate cut out (its file read if needed)."""
        file, slot = self.file_of[i], self.slot_of[i]
        places = self.places.get(file)
        if places is not None:  # read back from the spill each time: memory stays flat
            record = self.records[i]
            text, lengths = self.spill.read(places[slot])
            light = Prepared("", record.words, record.digest, record.dropped)
            units = units_from_lengths(text, lengths, light, record.hashes, record.context)
            return build_text(units, self.boilerplate)
        found = self.texts.get(i)
        if found is None:
            self.need([i])
            found = self.texts[i] = build_text(self.units[file][slot], self.boilerplate)
        return found

    def has_text(self, i: int) -> bool:
        return self.file_of[i] in self.units or self.file_of[i] in self.places

    def head(self, i: int) -> Article:
        """Article ``i`` with as much of its body as the canonical rules read."""
        record = self.records[i]
        return replace(record.article, body=record.heads)

    def _read_units(self, file: int) -> list[Units]:
        """Read a stored file again for its texts; it must still hold the stored articles."""
        found = self.found[file]
        articles = list(read_file(found.path, self.config, _ignore))
        units = split_parallel(articles, self.config, no_progress)
        members = self.members.get(file, [])
        same = len(members) == len(units) and all(
            articles[self.slot_of[i]].index == self.records[i].article.index
            and units[self.slot_of[i]].prepared.digest == self.records[i].digest
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
    rows = store.load_files({f.real: f.path for f in found if f.size >= 0})
    corpus = Corpus(found, config, spill)
    fresh = {n: rows[f.real] for n, f in enumerate(found) if _is_fresh(rows.get(f.real), f)}
    parts = plan_parts([(n, f.path, f.size) for n, f in enumerate(found) if n not in fresh])
    pieces = Counter(piece.file for part in parts for piece in part)
    started = time.time_ns()
    results = read_parts(parts, config, spill)
    batch: list[FileRow] = []
    number = articles = 0
    for event in events:
        if isinstance(event, InputError):
            warn(event)
            continue
        row = fresh.get(number)
        if row is not None:
            for message, line in row.warnings:
                warn(InputError(event.path, message, line))
            corpus.add(number, row, None)
        else:
            row, places = _file_row(
                event, started, [next(results) for _ in range(pieces[number])], warn
            )
            corpus.add(number, row, places)
            batch.append(row)
            articles += len(places)
            report("read", articles, None)
        number += 1
        if len(batch) >= BATCH_FILES:
            store.store_files(batch)
            batch = []
    store.store_files(batch)
    corpus.sort()
    return corpus


def _file_row(
    found: Found, started: int, reads: Sequence[PieceRead], warn: WarningCallback
) -> tuple[FileRow, list[Place]]:
    """A file's stored row from its pieces as read, their warnings passed on in order (one
    invalid UTF-8 warning per file, as reading it whole gives)."""
    notes: list[tuple[str, int | None]] = []
    for error in (e for read in reads for e in read.warnings):
        if error.reason.startswith(_INVALID_UTF8) and any(
            reason.startswith(_INVALID_UTF8) for reason, _ in notes
        ):
            continue
        notes.append((error.reason, error.line))
        warn(error)
    if reads and all(r.count == 0 for r in reads):  # byte ranges of blank lines only
        notes.append((_EMPTY, None))
        warn(InputError(found.path, _EMPTY))
    records = tuple(r for read in reads for r in read.records)
    places = [p for read in reads for p in read.places]
    row = FileRow(found.real, found.size, found.mtime_ns, started, records, tuple(notes))
    return row, places


def learn_stored_boilerplate(corpus: Corpus) -> frozenset[int]:
    """Boilerplate learned from every article's stored unit hashes."""
    light = (Units(_NO_TEXT, _NO_SPANS, _NO_SPANS, r.hashes, r.context) for r in corpus.records)
    return learn_boilerplate(light, corpus.config.boilerplate_min_docs)


def _order_key(record: Record) -> tuple[str, int]:
    return record.article.path, record.article.index


def _is_fresh(row: FileRow | None, found: Found) -> bool:
    return (
        row is not None
        and row.size == found.size
        and row.mtime_ns == found.mtime_ns
        and row.mtime_ns < row.indexed_ns - RACY_NS
    )


def _ignore(error: InputError) -> None:
    """Drop a warning (a file read again for its texts was reported when first read)."""
