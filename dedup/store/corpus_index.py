"""A persistent index of the corpus for ``dedup check``: per file, its articles and LSH keys.

One row per file under a corpus root, keyed by the file's root-relative path and checked
against its size and modification time: a file whose stat is unchanged is never read again.
A row holds the file's articles (index, line span, title, source, age, kind, words), the
digest of each article's comparison text, and each article's LSH band keys as one numpy
blob, so the keys of 100k articles load in one query. Rows live under a *scope*: the
corpus root and every setting that changes what is stored (see :func:`index_params`); an
index built with other settings is dropped, not mixed in.

The file ``corpus-index.sqlite`` sits beside the signature cache (same folder as
:meth:`dedup.store.signatures.SignatureCache.location`), never inside the corpus; with caching off
the index lives in memory for one run. Like the signature cache it is safe for concurrent
processes (WAL, busy timeout, retries, one transaction per batch), and a file SQLite
cannot read is moved aside and rebuilt with a warning (see :mod:`dedup.store.sqlite`).
"""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from dedup import __version__
from dedup.config import Config
from dedup.engine.signature import ANCHOR_THRESHOLD, band_keys, band_layout
from dedup.store.signatures import SignatureCache
from dedup.store.sqlite import SQLiteStore, Warn
from dedup.text.prepare import signature_params

U32 = npt.NDArray[np.uint32]

INDEX_NAME = "corpus-index.sqlite"
#: Bump when the table layout changes; an index with another version is rebuilt.
SCHEMA_VERSION = 1
#: Bump when what a row holds changes (keys, digests, entries).
INDEX_VERSION = 1
DIGEST_SIZE = 16
_EMPTY_VALUE = np.iinfo(np.uint32).max
_PART_SALT = (0, 0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS scopes (
    id INTEGER PRIMARY KEY,
    root TEXT NOT NULL,
    params TEXT NOT NULL,
    UNIQUE (root, params)
);
CREATE TABLE IF NOT EXISTS files (
    scope INTEGER NOT NULL,
    path TEXT NOT NULL,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    indexed_ns INTEGER NOT NULL,
    meta TEXT NOT NULL,
    digests BLOB NOT NULL,
    keys BLOB NOT NULL,
    crc INTEGER NOT NULL,
    PRIMARY KEY (scope, path)
);
"""


@dataclass(frozen=True)
class Entry:
    """One indexed article: where it is, what the canonical choice needs, its digest."""

    index: int
    line: int
    end_line: int
    title: str
    source: str | None
    age: str | None
    kind: str
    digest: bytes
    words: int


@dataclass(frozen=True)
class FileRecord:
    """One indexed file: its stat when read, and per article a digest and LSH band keys."""

    path: str
    size: int
    mtime_ns: int
    indexed_ns: int
    digests: bytes
    keys: U32

    @property
    def articles(self) -> int:
        return len(self.digests) // DIGEST_SIZE


def index_params(config: Config) -> str:
    """Every setting that changes what the index stores, as one key string."""
    reading = json.dumps(
        [
            config.all_junk_patterns,
            config.all_chrome_markers,
            config.title_fields,
            config.text_fields,
        ]
    )
    short = hashlib.blake2b(reading.encode(), digest_size=6).hexdigest()
    layout = "+".join(f"{b}x{r}" for b, r in band_layouts(config))
    return (
        f"{signature_params(config)}:t{config.lsh_threshold}:a{ANCHOR_THRESHOLD}:{layout}"
        f":r{short}:i{INDEX_VERSION}:v{__version__}"
    )


def band_layouts(config: Config) -> list[tuple[int, int]]:
    """(bands, rows) of the whole-text, opening and ending signatures, as
    :func:`dedup.engine.signature.candidate_pairs` uses them."""
    anchor = max(config.lsh_threshold, ANCHOR_THRESHOLD)
    return [band_layout(cut, config.num_perm) for cut in (config.lsh_threshold, anchor, anchor)]


def key_width(config: Config) -> int:
    """How many band keys each article has."""
    return sum(bands for bands, _ in band_layouts(config))


def article_keys(rows: U32, config: Config) -> U32:
    """Band keys of fingerprint rows, one row of :func:`key_width` uint32 per article.

    Two articles are LSH candidates when they share a key. Keys of the three signatures
    are salted apart; an empty signature's keys are 0, which never counts as shared.
    """
    num_perm = config.num_perm
    parts = []
    for part, (bands, rows_per_band) in enumerate(band_layouts(config)):
        sigs = rows[:, part * num_perm : (part + 1) * num_perm]
        keys = band_keys(sigs, bands, rows_per_band) ^ np.uint64(_PART_SALT[part])
        short = (keys >> np.uint64(32)).astype(np.uint32)
        short[short == 0] = 1
        short[~(sigs != _EMPTY_VALUE).any(axis=1)] = 0
        parts.append(short)
    return np.concatenate(parts, axis=1) if parts else np.zeros((len(rows), 0), np.uint32)


def index_location(config: Config) -> Path:
    """Where the index file lives: beside the signature cache."""
    return SignatureCache.location(config).parent / INDEX_NAME


class CorpusIndex(SQLiteStore):
    """Indexed files of corpus roots, for one set of parameters, in one SQLite file."""

    SCHEMA = _SCHEMA
    TABLES = frozenset({"scopes", "files"})
    SCHEMA_VERSION = SCHEMA_VERSION
    NOUN = "corpus index"

    def __init__(
        self, path: Path | None, params: str, width: int, *, on_warning: Warn | None = None
    ) -> None:
        self.params = params
        self.width = width
        super().__init__(path, on_warning=on_warning)

    @classmethod
    def from_config(cls, config: Config, *, on_warning: Warn | None = None) -> CorpusIndex:
        """The index ``config`` asks for: on disk, or in memory when caching is off."""
        path = index_location(config) if config.cache else None
        return cls(path, index_params(config), key_width(config), on_warning=on_warning)

    # -- reading and writing -------------------------------------------------------------

    def load(self, root: str) -> dict[str, FileRecord]:
        """Every file indexed under ``root``; rows that fail their check are left out."""
        return self._guard(lambda: self._select(root), dict)

    def entries(self, root: str, paths: Sequence[str]) -> dict[str, tuple[Entry, ...]]:
        """The indexed articles of those ``paths`` (root-relative) that are indexed."""
        return self._guard(lambda: self._select_entries(root, paths), dict)

    def store(self, root: str, files: Sequence[tuple[FileRecord, Sequence[Entry]]]) -> None:
        """Add or replace the rows of ``files``, in one transaction."""
        for record, entries in files:
            if record.keys.shape != (len(entries), self.width):
                raise ValueError(f"{record.path}: keys of shape {record.keys.shape}")
        self._guard(lambda: self._insert(root, files), lambda: self._insert(root, files))

    def remove(self, root: str, paths: Sequence[str]) -> None:
        """Forget the rows of ``paths`` (files that no longer exist)."""
        self._guard(lambda: self._delete(root, paths), lambda: None)

    # -- queries -------------------------------------------------------------------------

    def _scope(self, root: str, *, create: bool) -> int | None:
        query = "SELECT id FROM scopes WHERE root = ? AND params = ?"
        found = self._conn.execute(query, (root, self.params)).fetchone()
        if found is not None or not create:
            return None if found is None else int(found[0])
        # Settings changed: what was indexed for this root under others is dropped.
        old = [
            int(i) for (i,) in self._conn.execute("SELECT id FROM scopes WHERE root = ?", (root,))
        ]
        for scope in old:
            self._conn.execute("DELETE FROM files WHERE scope = ?", (scope,))
        self._conn.execute("DELETE FROM scopes WHERE root = ?", (root,))
        made = self._conn.execute(
            "INSERT INTO scopes (root, params) VALUES (?, ?)", (root, self.params)
        )
        return int(made.lastrowid or 0)

    def _select(self, root: str) -> dict[str, FileRecord]:
        scope = self._scope(root, create=False)
        if scope is None:
            return {}
        query = (
            "SELECT path, size, mtime_ns, indexed_ns, meta, digests, keys, crc "
            "FROM files WHERE scope = ?"
        )
        found: dict[str, FileRecord] = {}
        for path, size, mtime, indexed, meta, digests, keys, crc in self._conn.execute(
            query, (scope,)
        ):
            if not _fits(meta, digests, keys, crc, self.width):
                continue
            matrix = np.frombuffer(keys, dtype="<u4").reshape(-1, self.width)
            found[path] = FileRecord(path, size, mtime, indexed, bytes(digests), matrix)
        return found

    def _select_entries(self, root: str, paths: Sequence[str]) -> dict[str, tuple[Entry, ...]]:
        scope = self._scope(root, create=False)
        if scope is None:
            return {}
        found: dict[str, tuple[Entry, ...]] = {}
        query = "SELECT meta, digests, keys, crc FROM files WHERE scope = ? AND path = ?"
        for path in dict.fromkeys(paths):
            row = self._conn.execute(query, (scope, path)).fetchone()
            if row is not None and _fits(row[0], row[1], row[2], row[3], self.width):
                found[path] = _read_entries(row[0], row[1])
        return found

    def _insert(self, root: str, files: Sequence[tuple[FileRecord, Sequence[Entry]]]) -> None:
        with self._write():
            scope = self._scope(root, create=True)
            rows = []
            for record, entries in files:
                meta = json.dumps([_entry_fields(e) for e in entries], ensure_ascii=False)
                keys = np.ascontiguousarray(record.keys, dtype="<u4").tobytes()
                crc = _crc(meta, record.digests, keys)
                stat = (record.size, record.mtime_ns, record.indexed_ns)
                rows.append((scope, record.path, *stat, meta, record.digests, keys, crc))
            self._conn.executemany(
                "INSERT OR REPLACE INTO files (scope, path, size, mtime_ns, indexed_ns, meta, "
                "digests, keys, crc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )

    def _delete(self, root: str, paths: Sequence[str]) -> None:
        with self._write():
            scope = self._scope(root, create=False)
            if scope is not None:
                query = "DELETE FROM files WHERE scope = ? AND path = ?"
                self._conn.executemany(query, [(scope, p) for p in paths])


def _crc(meta: str, digests: bytes, keys: bytes) -> int:
    return zlib.crc32(keys, zlib.crc32(digests, zlib.crc32(meta.encode())))


def _fits(meta: object, digests: object, keys: object, crc: object, width: int) -> bool:
    """Whether a row is whole: the right types, lengths and checksum."""
    if not (isinstance(meta, str) and isinstance(digests, bytes) and isinstance(keys, bytes)):
        return False
    articles = len(digests) // DIGEST_SIZE
    if len(digests) % DIGEST_SIZE or len(keys) != 4 * width * articles:
        return False
    return _crc(meta, digests, keys) == crc


def _entry_fields(entry: Entry) -> list[object]:
    e = entry
    return [e.index, e.line, e.end_line, e.title, e.source, e.age, e.kind, e.words]


def _read_entries(meta: str, digests: bytes) -> tuple[Entry, ...]:
    fields = json.loads(meta)
    return tuple(
        Entry(index, line, end, title, source, age, kind, _digest_at(digests, i), words)
        for i, (index, line, end, title, source, age, kind, words) in enumerate(fields)
    )


def _digest_at(digests: bytes, i: int) -> bytes:
    """The ``i``-th digest; an empty comparison text is stored as zeros, read back as b""."""
    digest = digests[i * DIGEST_SIZE : (i + 1) * DIGEST_SIZE]
    return b"" if digest == bytes(DIGEST_SIZE) else digest


def pack_digests(digests: Sequence[bytes]) -> bytes:
    """Digests side by side, ``DIGEST_SIZE`` bytes each (zeros for an empty text)."""
    return b"".join(d if d else bytes(DIGEST_SIZE) for d in digests)
