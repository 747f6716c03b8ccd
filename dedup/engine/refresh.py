"""Bringing the corpus index up to date: new and changed files are read, removed ones dropped.

A file is read again only when its size or modification time differs from what the index
holds, or when it was modified so close to being indexed that a later change could have
kept the same time stamp (git's "racy" rule). The result is the whole corpus as flat
arrays: every article's band keys and digest, and which file it came from.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from dedup.article import Article
from dedup.config import Config
from dedup.engine.jobs import SignatureStore, compute_signatures, prepare_each
from dedup.errors import InputError
from dedup.progress import ProgressCallback, no_progress
from dedup.read.files import iter_files, read_file
from dedup.store.corpus_index import (
    DIGEST_SIZE,
    CorpusIndex,
    Entry,
    FileRecord,
    article_keys,
    key_width,
    pack_digests,
)

U32 = npt.NDArray[np.uint32]
I64 = npt.NDArray[np.int64]
WarningCallback = Callable[[InputError], None]

#: A file modified less than this long before it was indexed is read again next time.
RACY_NS = 2_000_000_000
#: Files read, prepared and fingerprinted per batch (one write transaction each).
BATCH_FILES = 2000


@dataclass(frozen=True)
class Found:
    """A corpus file as the walk finds it."""

    path: str
    relative: str
    size: int
    mtime_ns: int


@dataclass(frozen=True)
class CorpusKeys:
    """The indexed corpus as flat arrays, one row per article."""

    paths: list[str]
    relatives: list[str]
    file_of: I64
    slot_of: I64
    keys: U32
    digests: npt.NDArray[np.void]

    def __len__(self) -> int:
        return len(self.file_of)


def refresh_index(
    index: CorpusIndex,
    root: str,
    config: Config,
    *,
    cache: SignatureStore | None = None,
    on_warning: WarningCallback | None = None,
    progress: ProgressCallback | None = None,
) -> CorpusKeys:
    """Update the index of the corpus under ``root`` and return its keys.

    ``root`` is the folder as the user named it; paths in the result are under it, as
    :func:`dedup.read.files.iter_files` gives them, and the index is keyed by its real path.
    """
    warn = on_warning or _ignore
    key = os.path.realpath(root)
    stored = index.load(key)
    found = list(walk_corpus(root, config, warn))
    stale = [f for f in found if not _is_fresh(stored.get(f.relative), f)]
    report = progress or no_progress
    for first in range(0, len(stale), BATCH_FILES):
        batch = stale[first : first + BATCH_FILES]
        built = _index_files(batch, config, cache, warn, report)
        index.store(key, built)
        stored.update((record.path, record) for record, _ in built)
        report("index", first + len(batch), len(stale))
    present = {f.relative for f in found}
    gone = [path for path in stored if path not in present]
    if gone:
        index.remove(key, gone)
    return _flatten(found, stored, index.width)


def walk_corpus(root: str, config: Config, warn: WarningCallback) -> Iterator[Found]:
    """Every corpus file under ``root`` with its stat, in :func:`iter_files` order."""
    prefix = os.path.join(root, "")
    for path in iter_files([root], config, warn):
        try:
            info = os.stat(path)
        except OSError:
            continue
        relative = path[len(prefix) :] if path.startswith(prefix) else path
        yield Found(os.path.normpath(path), relative, info.st_size, info.st_mtime_ns)


def relative_paths(root: str, paths: Sequence[str]) -> set[str]:
    """Root-relative forms of those ``paths`` that lie under ``root`` (resolving links)."""
    real_root = os.path.realpath(root)
    inside = set()
    for path in paths:
        real = os.path.realpath(path)
        if os.path.commonpath([real_root, real]) == real_root and real != real_root:
            inside.add(os.path.relpath(real, real_root))
    return inside


def _is_fresh(record: FileRecord | None, found: Found) -> bool:
    return (
        record is not None
        and record.size == found.size
        and record.mtime_ns == found.mtime_ns
        and record.mtime_ns < record.indexed_ns - RACY_NS
    )


def _index_files(
    batch: Sequence[Found],
    config: Config,
    cache: SignatureStore | None,
    warn: WarningCallback,
    report: ProgressCallback,
) -> list[tuple[FileRecord, list[Entry]]]:
    """Read, prepare and fingerprint a batch of files into index rows."""
    started = time.time_ns()
    articles: list[Article] = []
    counts: list[int] = []
    for found in batch:
        before = len(articles)
        articles.extend(read_file(found.path, config, warn))
        counts.append(len(articles) - before)
    prepared = prepare_each(articles, config, report)
    keys = np.zeros((len(prepared), key_width(config)), dtype=np.uint32)
    full = [i for i, p in enumerate(prepared) if p.digest]
    if full:
        rows, _ = compute_signatures([prepared[i] for i in full], config, cache, report)
        keys[full] = article_keys(rows, config)
    built = []
    first = 0
    for found, count in zip(batch, counts, strict=True):
        span = range(first, first + count)
        entries = [_entry(articles[i], prepared[i].digest, prepared[i].words) for i in span]
        digests = pack_digests([e.digest for e in entries])
        record = FileRecord(
            found.relative,
            found.size,
            found.mtime_ns,
            started,
            digests,
            keys[first : first + count],
        )
        built.append((record, entries))
        first += count
    return built


def _entry(article: Article, digest: bytes, words: int) -> Entry:
    a = article
    return Entry(a.index, a.line, a.end_line, a.title, a.source, a.age, a.kind, digest, words)


def _flatten(found: Sequence[Found], stored: dict[str, FileRecord], width: int) -> CorpusKeys:
    records = [stored[f.relative] for f in found]
    counts = np.array([r.articles for r in records], dtype=np.int64)
    file_of = np.repeat(np.arange(len(records), dtype=np.int64), counts)
    starts = np.cumsum(counts) - counts
    slot_of = np.arange(len(file_of), dtype=np.int64) - np.repeat(starts, counts)
    keys = (
        np.concatenate([r.keys for r in records])
        if records
        else np.zeros((0, width), dtype=np.uint32)
    )
    digests = np.frombuffer(b"".join(r.digests for r in records), dtype=f"V{DIGEST_SIZE}")
    return CorpusKeys(
        [f.path for f in found], [f.relative for f in found], file_of, slot_of, keys, digests
    )


def _ignore(error: InputError) -> None:
    """The default warning callback: drop the warning."""
