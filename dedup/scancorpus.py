"""The corpus as ``dedup scan``'s store keeps it: records of every article, texts on demand.

Unchanged files are not read: their articles come back from :mod:`dedup.scanstore` as
bodiless records with unit hashes and comparison-text digests. New and changed files are
read, split into units and stored. A text is read again only when a later stage needs it
(:meth:`Corpus.full`).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TextIO

import numpy as np

from dedup.article import Article
from dedup.canonical import dateline_origin
from dedup.config import Config
from dedup.corpus import iter_files, read_file
from dedup.errors import DedupError, InputError
from dedup.parallel import split_parallel
from dedup.prepare import Prepared, Units, build_text, learn_boilerplate
from dedup.progress import ProgressCallback, no_progress
from dedup.refresh import RACY_NS
from dedup.scanstore import FileRow, Record, ScanStore

WarningCallback = Callable[[InputError], None]

#: Characters of a first paragraph kept for the dateline rule (more when it needs them).
HEAD = 200
#: Files read and written to the store per batch (one transaction each).
BATCH_FILES = 2000
#: A file just read: its number, when reading began, its articles and its warnings.
Batch = tuple[int, int, list[Article], list[InputError]]
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

    def __init__(self, found: Sequence[Found], config: Config) -> None:
        self.found = found
        self.config = config
        self.records: list[Record] = []
        self.file_of: list[int] = []
        self.slot_of: list[int] = []
        self.units: dict[int, list[Units]] = {}
        self.boilerplate: frozenset[int] = frozenset()
        self.texts: dict[int, Prepared] = {}
        self.members: dict[int, list[int]] = {}
        #: Per file read or loaded: its real path, stat and when it was read.
        self.stamps: list[str] = []

    def add(self, file: int, row: FileRow, units: list[Units] | None) -> None:
        """The records of one file (in file order) and, when just read, their units."""
        records = row.records
        self.stamps.append(f"{row.path}\0{row.size}\0{row.mtime_ns}\0{row.indexed_ns}")
        self.records.extend(records)
        self.file_of.extend([file] * len(records))
        self.slot_of.extend(range(len(records)))
        if units is not None:
            self.units[file] = units

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
        for file in sorted({self.file_of[i] for i in indices} - self.units.keys()):
            self.units[file] = self._read_units(file)

    def full(self, i: int) -> Prepared:
        """Article ``i``'s comparison text, boilerplate cut out (its file read if needed)."""
        found = self.texts.get(i)
        if found is None:
            self.need([i])
            units = self.units[self.file_of[i]][self.slot_of[i]]
            found = self.texts[i] = build_text(units, self.boilerplate)
        return found

    def has_text(self, i: int) -> bool:
        return self.file_of[i] in self.units

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
    warn: WarningCallback,
    report: ProgressCallback,
) -> Corpus:
    """Stored records of unchanged files; new and changed files read, split and stored.

    Warnings come in the order reading every file would give them: the walk's, and each
    file's (replayed from the store for a file not read again).
    """
    found = [e for e in events if isinstance(e, Found)]
    rows = store.load_files({f.real: f.path for f in found if f.size >= 0})
    corpus = Corpus(found, config)
    batch: list[Batch] = []
    number = 0
    for event in events:
        if isinstance(event, InputError):
            warn(event)
            continue
        row = rows.get(event.real)
        if row is not None and _is_fresh(row, event):
            for message, line in row.warnings:
                warn(InputError(event.path, message, line))
            corpus.add(number, row, None)
        else:
            errors: list[InputError] = []
            before = time.time_ns()
            articles = list(read_file(event.path, config, _Tee(errors, warn)))
            batch.append((number, before, articles, errors))
        number += 1
        if len(batch) >= BATCH_FILES:
            store.store_files(_split_files(batch, corpus, report))
            batch = []
    store.store_files(_split_files(batch, corpus, report))
    corpus.sort()
    return corpus


class _Tee:
    """A warning callback that keeps each warning and passes it on."""

    def __init__(self, kept: list[InputError], warn: WarningCallback) -> None:
        self.kept = kept
        self.warn = warn

    def __call__(self, error: InputError) -> None:
        self.kept.append(error)
        self.warn(error)


def _split_files(
    batch: Sequence[Batch],
    corpus: Corpus,
    report: ProgressCallback,
) -> list[FileRow]:
    """Split a batch of files just read into the corpus; their rows for the store."""
    articles = [a for _, _, read, _ in batch for a in read]
    units = split_parallel(articles, corpus.config, report)
    rows = []
    first = 0
    for file, started, read, errors in batch:
        last = first + len(read)
        records = tuple(_record(articles[i], units[i]) for i in range(first, last))
        f = corpus.found[file]
        notes = tuple((e.reason, e.line) for e in errors)
        row = FileRow(f.real, f.size, f.mtime_ns, started, records, notes)
        corpus.add(file, row, units[first:last])
        rows.append(row)
        first = last
    return rows


def _record(article: Article, units: Units) -> Record:
    heads = tuple(p.strip()[:HEAD] for p in article.body[:2])
    if dateline_origin(replace(article, body=heads)) != dateline_origin(article):
        heads = article.body[:2]
    p = units.prepared
    bare = replace(article, body=())
    return Record(bare, heads, p.digest, p.words, p.dropped, units.hashes, units.context)


def learn_stored_boilerplate(corpus: Corpus) -> frozenset[int]:
    """Boilerplate learned from every article's stored unit hashes."""
    light = (Units(_NO_TEXT, _NO_SPANS, _NO_SPANS, r.hashes, r.context) for r in corpus.records)
    return learn_boilerplate(light, corpus.config.boilerplate_min_docs)


def _order_key(record: Record) -> tuple[str, int]:
    return record.article.path, record.article.index


def _is_fresh(row: FileRow, found: Found) -> bool:
    return (
        row.size == found.size
        and row.mtime_ns == found.mtime_ns
        and row.mtime_ns < row.indexed_ns - RACY_NS
    )


def _ignore(error: InputError) -> None:
    """Drop a warning (a file read again for its texts was reported when first read)."""
