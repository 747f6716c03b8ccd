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
from dedup.parallel import SignatureStore, compute_signatures, split_parallel
from dedup.prepare import Prepared, Units, build_text, learn_boilerplate, signature_params
from dedup.progress import ProgressCallback, no_progress
from dedup.refresh import RACY_NS
from dedup.scanstore import FileRow, Record, ScanStore

WarningCallback = Callable[[InputError], None]

#: Characters of a first paragraph kept for the dateline rule (more when it needs them).
HEAD = 200
#: Files read and written to the store per batch (one transaction each).
BATCH_FILES = 2000
#: Articles read and split per chunk of a cold read (a big file is read in many chunks).
CHUNK_ARTICLES = 20_000
#: Split articles whose units a cold read keeps for later stages (beyond it, files are
#: read again for the texts they hold, see :meth:`Corpus.need`).
KEEP_TEXTS = 50_000
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
        #: Units of single articles read again for their texts, by file and slot.
        self.partial: dict[int, dict[int, Units]] = {}
        #: Digests whose signatures this run computed (not cache hits).
        self.computed: set[bytes] = set()
        self.kept = 0
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
        """Read the files holding the texts of those articles, keeping only those units."""
        wanted: dict[int, dict[int, int]] = {}
        for i in indices:
            file, slot = self.file_of[i], self.slot_of[i]
            if file not in self.units and slot not in self.partial.get(file, {}):
                wanted.setdefault(file, {})[slot] = i
        for file in sorted(wanted):
            self.partial.setdefault(file, {}).update(self._read_units(file, wanted[file]))

    def full(self, i: int) -> Prepared:
        """Article ``i``'s comparison text, boilerplate cut out (its file read if needed)."""
        found = self.texts.get(i)
        if found is None:
            self.need([i])
            file, slot = self.file_of[i], self.slot_of[i]
            kept = self.units.get(file)
            units = kept[slot] if kept is not None else self.partial[file][slot]
            found = self.texts[i] = build_text(units, self.boilerplate)
        return found

    def release(self) -> None:
        """Forget the texts built and the units read again since the last release."""
        self.texts = {}
        self.partial = {}

    def held(self) -> int:
        """How many articles' texts or units are held in memory."""
        return self.kept + len(self.texts) + sum(map(len, self.partial.values()))

    def has_text(self, i: int) -> bool:
        file = self.file_of[i]
        return file in self.units or self.slot_of[i] in self.partial.get(file, {})

    def head(self, i: int) -> Article:
        """Article ``i`` with as much of its body as the canonical rules read."""
        record = self.records[i]
        return replace(record.article, body=record.heads)

    def _read_units(self, file: int, slots: dict[int, int]) -> dict[int, Units]:
        """Read a stored file again for the units at ``slots`` (slot -> article); it must
        still hold the stored articles."""
        found = self.found[file]
        picked: list[tuple[int, Article]] = []
        count = 0
        for slot, article in enumerate(read_file(found.path, self.config, _ignore)):
            count += 1
            if slot in slots:
                picked.append((slot, article))
        units = split_parallel([a for _, a in picked], self.config, no_progress)
        same = count == len(self.members.get(file, [])) and all(
            article.index == self.records[slots[slot]].article.index
            and unit.prepared.digest == self.records[slots[slot]].digest
            for (slot, article), unit in zip(picked, units, strict=True)
        )
        if not same:
            raise DedupError(f"{found.path}: changed while being scanned; run the scan again")
        return {slot: unit for (slot, _), unit in zip(picked, units, strict=True)}


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
    cache: SignatureStore | None = None,
) -> Corpus:
    """Stored records of unchanged files; new and changed files read, split and stored.

    Files are read in chunks of articles; only their records stay (and the units of the
    first ``KEEP_TEXTS`` articles). With a ``cache``, each chunk's signatures are computed
    on its texts before corpus boilerplate is cut and put in the cache. Warnings come in
    the order reading every file would give them: the walk's, and each file's (replayed
    from the store for a file not read again).
    """
    found = [e for e in events if isinstance(e, Found)]
    rows = store.load_files({f.real: f.path for f in found if f.size >= 0})
    corpus = Corpus(found, config)
    loader = _Loader(corpus, store, cache, report)
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
            loader.read(number, event, warn)
        number += 1
    loader.split()
    corpus.sort()
    return corpus


@dataclass
class _Reading:
    """A file being read: its number, when reading began, its warnings, records and units."""

    file: int
    started: int
    errors: list[InputError]
    records: list[Record]
    units: list[Units] | None
    done: bool = False


class _Loader:
    """Reads files in chunks of articles, splits them and stores each file once read."""

    def __init__(
        self,
        corpus: Corpus,
        store: ScanStore,
        cache: SignatureStore | None,
        report: ProgressCallback,
    ) -> None:
        self.corpus = corpus
        self.store = store
        self.cache = cache
        self.report = report
        self.chunk: list[tuple[_Reading, Article]] = []
        self.readings: list[_Reading] = []

    def read(self, file: int, found: Found, warn: WarningCallback) -> None:
        """Read one file, splitting whenever a chunk of articles is full."""
        errors: list[InputError] = []
        reading = _Reading(file, time.time_ns(), errors, [], [])
        self.readings.append(reading)
        for article in read_file(found.path, self.corpus.config, _Tee(errors, warn)):
            self.chunk.append((reading, article))
            if len(self.chunk) >= CHUNK_ARTICLES:
                self.split()
        reading.done = True
        if len(self.readings) >= BATCH_FILES:
            self.split()

    def split(self) -> None:
        """Split the chunk read; store the files read to their end."""
        corpus = self.corpus
        units = split_parallel([a for _, a in self.chunk], corpus.config, self.report)
        for (reading, article), unit in zip(self.chunk, units, strict=True):
            reading.records.append(_record(article, unit))
            if reading.units is not None and corpus.kept >= KEEP_TEXTS:
                corpus.kept -= len(reading.units)
                reading.units = None
            if reading.units is not None:
                reading.units.append(unit)
                corpus.kept += 1
        self.chunk = []
        if self.cache is not None:
            self.fingerprint([u.prepared for u in units])
        done = [r for r in self.readings if r.done]
        self.readings = [r for r in self.readings if not r.done]
        self.store.store_files([self.add(r) for r in done])

    def add(self, reading: _Reading) -> FileRow:
        """A file read to its end, added to the corpus; its row for the store."""
        f = self.corpus.found[reading.file]
        notes = tuple((e.reason, e.line) for e in reading.errors)
        records = tuple(reading.records)
        row = FileRow(f.real, f.size, f.mtime_ns, reading.started, records, notes)
        self.corpus.add(reading.file, row, reading.units)
        return row

    def fingerprint(self, texts: Sequence[Prepared]) -> None:
        """Signatures of texts neither cached nor computed yet, put in the cache."""
        assert self.cache is not None
        config, computed = self.corpus.config, self.corpus.computed
        fresh = {p.digest: p for p in texts if p.digest and p.digest not in computed}
        cached = self.cache.get_many(signature_params(config), list(fresh))
        todo = [p for digest, p in fresh.items() if digest not in cached]
        compute_signatures(todo, config, self.cache, self.report)
        computed.update(p.digest for p in todo)


class _Tee:
    """A warning callback that keeps each warning and passes it on."""

    def __init__(self, kept: list[InputError], warn: WarningCallback) -> None:
        self.kept = kept
        self.warn = warn

    def __call__(self, error: InputError) -> None:
        self.kept.append(error)
        self.warn(error)


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
