"""A persistent cache of MinHash signatures in SQLite, keyed by content hash and parameters.

A row holds one signature (raw ``uint32`` bytes) under ``(params, key)``: ``params`` names
every setting that changes a signature, ``key`` is a content hash of the normalised text.
Rows are checked on read (length, and a CRC over params, key and signature) and ignored
when they do not fit. The file is
shared safely by concurrent processes (WAL, busy timeout, retries) and survives a killed
run (every batch is one transaction). A file SQLite cannot read, or whose ``params`` table
holds what no sound file holds, is moved aside and rebuilt.
That file handling is :class:`dedup.store.sqlite.SQLiteStore`, shared with the scan index.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import os
import sqlite3
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import numpy as np

from dedup.store.sqlite import Damaged, SQLiteStore, Warn, as_text, query_chunks

if TYPE_CHECKING:
    from dedup.config import Config

#: Bump when the table layout changes; a cache with another version is rebuilt.
SCHEMA_VERSION = 2
#: Rows per write transaction: short enough to let another process in between.
WRITE_BATCH = 20_000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS params (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    length INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS signatures (
    params INTEGER NOT NULL,
    key BLOB NOT NULL,
    sig BLOB NOT NULL,
    crc INTEGER NOT NULL,
    PRIMARY KEY (params, key)
);
"""

T = TypeVar("T")


def seal(params: int, key: bytes, sig: bytes) -> int:
    """The CRC-32 a signature row carries: over its params id, key and signature, so a row
    changed in any of them (a signature moved under another key or settings) is not used."""
    return zlib.crc32(key + sig, params & 0xFFFFFFFF)


@dataclass(frozen=True)
class CacheInfo:
    """What ``dedup cache info`` shows: where the cache is, its size and its rows."""

    path: Path
    size_bytes: int
    rows: int
    rows_by_params: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        return {
            "path": str(self.path),
            "size_bytes": self.size_bytes,
            "rows": self.rows,
            "rows_by_params": dict(self.rows_by_params),
        }


class SignatureCache(SQLiteStore):
    """MinHash signatures stored by ``(params, content key)`` in one SQLite file."""

    SCHEMA = _SCHEMA
    TABLES = frozenset({"params", "signatures"})
    SCHEMA_VERSION = SCHEMA_VERSION
    NOUN = "cache"
    WARN_ON_NEW_SCHEMA = True
    REBUILD_NOTE = "starting afresh"

    path: Path

    def __init__(self, path: str | os.PathLike[str], *, on_warning: Warn | None = None) -> None:
        super().__init__(Path(path).expanduser(), on_warning=on_warning)

    @classmethod
    def default_path(cls) -> Path:
        """The cache file in the user's cache directory (e.g. ``~/.cache/dedup``)."""
        import platformdirs  # only for the default folder

        return Path(platformdirs.user_cache_dir("dedup")) / "signatures.sqlite"

    @classmethod
    def from_config(
        cls, config: Config, *, on_warning: Warn | None = None
    ) -> SignatureCache | None:
        """The cache ``config`` asks for, or None when caching is off."""
        return cls(cls.location(config), on_warning=on_warning) if config.cache else None

    @classmethod
    def location(cls, config: Config) -> Path:
        """The cache file ``config`` names (``cache_path``), or the default one."""
        return Path(config.cache_path).expanduser() if config.cache_path else cls.default_path()

    # -- reading and writing -------------------------------------------------------------

    def get_many(self, params: str, keys: Sequence[bytes]) -> dict[bytes, np.ndarray]:
        """Stored signatures for those ``keys`` that have one; bad rows are left out."""
        if not keys:
            return {}
        return self._guard(functools.partial(self._select, params, keys), lambda: {})

    def put_many(self, params: str, items: Iterable[tuple[bytes, np.ndarray]]) -> None:
        """Store signatures; keys already stored under ``params`` keep their rows."""
        for batch in _chunks(iter(items), WRITE_BATCH):
            insert = functools.partial(self._insert, params, [(k, _to_blob(s)) for k, s in batch])
            self._guard(insert, insert)

    def info(self) -> CacheInfo:
        """Path, bytes on disk (with the WAL), row count and rows per params string."""
        query = (
            "SELECT p.name, COUNT(s.key) FROM params p "
            "LEFT JOIN signatures s ON s.params = p.id GROUP BY p.id ORDER BY p.name"
        )
        fetch = functools.partial(self._fetch_all, query)
        counts = self._guard(fetch, fetch)
        by_params = {as_text(name): int(n) for name, n in counts if n}
        return CacheInfo(self.path, _size_on_disk(self.path), sum(by_params.values()), by_params)

    def clear(self) -> int:
        """Remove every row and give the space back; returns the number of rows removed."""
        removed = self._guard(self._delete_all, lambda: 0)
        with contextlib.suppress(sqlite3.Error):
            self._conn.execute("VACUUM")
            self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return removed

    # -- queries -------------------------------------------------------------------------

    def _select(self, params: str, keys: Sequence[bytes]) -> dict[bytes, np.ndarray]:
        row = self._conn.execute("SELECT id, length FROM params WHERE name = ?", (params,))
        found = row.fetchone()
        if found is None:
            return {}
        pid, length = _params_row(params, found)
        unique = list(dict.fromkeys(keys))
        good_keys: list[bytes] = []
        blobs: list[bytes] = []
        for chunk in query_chunks(unique):
            marks = ",".join("?" * len(chunk))
            query = f"SELECT key, sig, crc FROM signatures WHERE params = ? AND key IN ({marks})"
            for key, sig, crc in self._conn.execute(query, (pid, *chunk)):
                whole = isinstance(key, bytes) and isinstance(sig, bytes)
                if whole and len(sig) == 4 * length and seal(pid, key, sig) == crc:
                    good_keys.append(key)
                    blobs.append(sig)
                else:
                    self._suspect()
        if not blobs:
            return {}
        matrix = np.frombuffer(b"".join(blobs), dtype="<u4").reshape(len(blobs), length)
        matrix = matrix.astype(np.uint32)
        return dict(zip(good_keys, matrix, strict=True))

    def _insert(self, params: str, rows: list[tuple[bytes, bytes]]) -> None:
        size = len(rows[0][1])
        if any(len(blob) != size for _, blob in rows):
            raise ValueError(f"signatures of different lengths for {params!r}")
        with self._write():
            pid, length = self._params_id(params, size // 4)
            if size != 4 * length:
                self._refuse_length(params, pid, length, size // 4)
            self._conn.executemany(
                "INSERT OR IGNORE INTO signatures (params, key, sig, crc) VALUES (?, ?, ?, ?)",
                [(pid, key, blob, seal(pid, key, blob)) for key, blob in rows],
            )

    def _refuse_length(self, params: str, pid: int, length: int, given: int) -> None:
        """Signatures of ``given`` values for ``params``, whose row says ``length``: the
        caller's mistake if a stored signature has that length, else a damaged row."""
        query = "SELECT key, sig, crc FROM signatures WHERE params = ? AND length(sig) = ?"
        for key, sig, crc in self._conn.execute(query, (pid, 4 * length)):
            whole = isinstance(key, bytes) and isinstance(sig, bytes)
            if whole and seal(pid, key, sig) == crc:
                raise ValueError(
                    f"signature of {given} values for {params!r}, which holds {length}"
                )
        raise Damaged(f"params {params!r} says {length} values, and no signature has them")

    def _fetch_all(self, query: str) -> list[tuple[str, int]]:
        return self._conn.execute(query).fetchall()

    def _params_id(self, params: str, length: int) -> tuple[int, int]:
        self._conn.execute(
            "INSERT OR IGNORE INTO params (name, length) VALUES (?, ?)", (params, length)
        )
        found = self._conn.execute(
            "SELECT id, length FROM params WHERE name = ?", (params,)
        ).fetchone()
        if found is None:  # the row just inserted or kept, yet not found by its name
            raise Damaged(f"params {params!r} cannot be found")
        return _params_row(params, found)

    def _delete_all(self) -> int:
        with self._write():
            (count,) = self._conn.execute("SELECT COUNT(*) FROM signatures").fetchone()
            self._conn.execute("DELETE FROM signatures")
            self._conn.execute("DELETE FROM params")
        return int(count)


def _params_row(params: str, found: tuple[object, ...]) -> tuple[int, int]:
    """The id and signature length of a ``params`` row, which a damaged file may garble."""
    pid, length = found
    if type(pid) is not int or type(length) is not int or not 0 < length <= 1 << 16:
        raise Damaged(f"params {params!r} has an impossible row")
    return pid, length


def _to_blob(sig: np.ndarray) -> bytes:
    if sig.ndim != 1:
        raise ValueError(f"a signature must be one-dimensional, got shape {sig.shape}")
    return np.ascontiguousarray(sig, dtype="<u4").tobytes()


def _chunks(items: Iterator[T], size: int) -> Iterator[list[T]]:
    while True:
        chunk = list(itertools.islice(items, size))
        if not chunk:
            return
        yield chunk


def _size_on_disk(path: Path) -> int:
    total = 0
    for candidate in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        with contextlib.suppress(OSError):
            total += candidate.stat().st_size
    return total
