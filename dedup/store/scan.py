"""A persistent store for ``dedup scan``: per file its articles' light records, and pair scores.

A file's row holds its articles as :class:`~dedup.engine.records.LightRecords` packed to bytes
(record index, digest, word and dropped-unit counts of the comparison text before corpus
boilerplate is cut, unit hashes and story context) and, laid end to end, each article's
fields as JSON (every :class:`~dedup.article.Article` field but the path and body, and
the openings the canonical rules read). A row is keyed by the file's real path and
checked against its size and modification time, under a *scope*: a short hash of every
setting that changes units or scores (:func:`scan_params`). A large file's row is stored
in chunks (``Tuning.row_articles`` articles each).

The ``snapshot`` table holds one row per scope: every file of the run that wrote it, its
stat and articles in one value (:mod:`dedup.store.snapshot`), so an unchanged corpus is
loaded in one read; its articles' fields lie in ``snapshot_fields``, a megabyte a row,
read only where a run reports an article. Beside ``files``, the work tables
(:data:`~dedup.store.tables.WORK_TABLES`) keep, by the digests of comparison texts, work
that does not depend on where a text lives. Each of them is ``(scope, key, value, crc)``.
Every row's checksum covers all of its columns (keys too), and a row whose checksum does
not match, or whose values are not of their type, is never used; scopes and paths are
stored as bytes (a path as :func:`os.fsencode` gives it), so a damaged byte in them cannot
fail a query (see :mod:`dedup.store.sqlite`). The file ``scan-index.sqlite`` sits beside
the signature cache; with caching off it lives in memory. File handling is
:mod:`dedup.store.sqlite`, whole values and work tables :mod:`dedup.store.values`, the
tables :mod:`dedup.store.tables`; docs/caches.md shows the schema.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from dedup import __version__
from dedup.config import Config
from dedup.engine.records import LightRecords
from dedup.engine.signature import signature_params
from dedup.store.rows import EncodedRow, StoredFile, checksum, row_crc
from dedup.store.signatures import SignatureCache
from dedup.store.snapshot import FIELDS_CHUNK, Snapshot, chunks_of, decode, encode
from dedup.store.sqlite import QUERY_CHUNK, Warn, query_chunks
from dedup.store.tables import SCHEMA, TABLES
from dedup.store.values import ScopedStore, whole_table

U64 = npt.NDArray[np.uint64]

STORE_NAME = "scan-index.sqlite"
SCHEMA_VERSION = 11
#: Bump when what a row holds changes.
STORE_VERSION = 8

_INSERT = (
    "INSERT OR REPLACE INTO files (scope, path, chunk, size, mtime_ns, indexed_ns, meta, "
    "light, fields, crc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def scan_params(config: Config) -> str:
    """Every setting that changes articles, units, texts, signatures or scores, as one key."""
    settings = [
        *(config.all_junk_patterns, config.all_chrome_markers),
        *(config.title_fields, config.text_fields, config.records_html),
        *(config.min_words, config.number_overlap, config.coverage, config.containment),
        *(config.similarity, config.lsh_threshold, config.boilerplate_min_docs),
        config.max_file_mb,
    ]
    return f"{signature_params(config)}:{json.dumps(settings)}:s{STORE_VERSION}:v{__version__}"


def store_location(config: Config) -> Path:
    """Where the store lives: beside the signature cache."""
    return SignatureCache.location(config).parent / STORE_NAME


class ScanStore(ScopedStore):
    """Stored files and pair scores for one set of settings, in one SQLite file."""

    SCHEMA = SCHEMA
    TABLES = TABLES
    SCHEMA_VERSION = SCHEMA_VERSION
    NOUN = "scan index"

    def __init__(self, path: Path | None, params: str, *, on_warning: Warn | None = None) -> None:
        self.expect([])
        super().__init__(path, params, on_warning=on_warning)

    @classmethod
    def from_config(cls, config: Config, *, on_warning: Warn | None = None) -> ScanStore:
        """The store ``config`` asks for: on disk, or in memory when caching is off."""
        path = store_location(config) if config.cache else None
        return cls(path, scan_params(config), on_warning=on_warning)

    @classmethod
    def in_memory(cls, config: Config) -> ScanStore:
        """A store that lives as long as the run: the same code, nothing kept."""
        return cls(None, scan_params(config))

    # -- files ---------------------------------------------------------------------------

    def load_stats(self, paths: Sequence[str]) -> dict[str, tuple[int, int, int]]:
        """(size, mtime_ns, indexed_ns) of those ``paths`` (real paths) the store holds."""
        return self._guard(lambda: self._select_stats(paths), dict)

    def expect(self, paths: Sequence[str]) -> None:
        """The files :meth:`load_file` will be asked for, in this order: their rows are then
        read a batch at a time, in a few queries instead of one per file."""
        self._expected = {path: k for k, path in enumerate(paths)}
        self._order = list(paths)
        self._rows: dict[str, list[tuple[Any, ...]]] = {}

    def load_file(self, path: str, shown: str) -> StoredFile | None:
        """The stored row of ``path`` (a real path) if it is whole and sound (every chunk's
        checksum is checked); its articles are to name ``shown``."""
        return self._guard(lambda: self._select_file(path, shown), lambda: None)

    def load_records(self, stored: StoredFile) -> Iterator[tuple[LightRecords, bytes]]:
        """The articles of a file :meth:`load_file` found, one chunk at a time, in order:
        packed, and their fields laid end to end."""
        for light, fields in (*stored.parts[1:], stored.parts[0]):
            yield LightRecords.from_bytes(light), fields

    def store_chunk(self, path: str, number: int, light: bytes, fields: bytes) -> int:
        """Write chunk ``number`` (from 1) of a large file's row ahead of the row itself (the
        first drops the path's older rows); its checksum, for :class:`EncodedRow`."""
        key = os.fsencode(path)
        values = self._sealed_row(key, number, (0, 0, 0), b"{}", light, fields)
        crc = int(values[-1])

        def insert() -> int:
            with self._write():
                if number == 1:
                    self._conn.execute("DELETE FROM files WHERE path = ?", (key,))
                self._conn.execute(_INSERT, values)
            return crc

        return self._guard(insert, insert)

    def store_files(self, rows: Sequence[EncodedRow]) -> None:
        """Add or replace ``rows`` (dropping their paths' rows under other settings)."""
        self._guard(lambda: self._insert_files(rows), lambda: self._insert_files(rows))

    def _sealed_row(
        self, path: bytes, chunk: int, stat: tuple[int, int, int], *blobs: bytes
    ) -> tuple[Any, ...]:
        """A ``files`` row as :data:`_INSERT` takes it, its checksum over every column."""
        return (
            self._scope,
            path,
            chunk,
            *stat,
            *blobs,
            row_crc(self._scope, path, chunk, stat, blobs),
        )

    def _select_stats(self, paths: Sequence[str]) -> dict[str, tuple[int, int, int]]:
        found: dict[str, tuple[int, int, int]] = {}
        query = "SELECT path, size, mtime_ns, indexed_ns FROM files WHERE scope = ? AND chunk = 0"
        for chunk in query_chunks(paths):
            marks = ",".join("?" * len(chunk))
            keys = [os.fsencode(path) for path in chunk]
            for path, *stat in self._conn.execute(
                f"{query} AND path IN ({marks})", (self._scope, *keys)
            ):
                # Not checked here (the blobs are not read): load_file checks the whole row.
                if isinstance(path, bytes) and all(type(x) is int for x in stat):
                    found[os.fsdecode(path)] = (stat[0], stat[1], stat[2])
        return found

    def _select_rows(self, paths: Sequence[str]) -> dict[str, list[tuple[Any, ...]]]:
        query = (
            "SELECT path, chunk, size, mtime_ns, indexed_ns, meta, light, fields, crc FROM files "
            "WHERE scope = ? AND path IN ({}) ORDER BY path, chunk"
        )
        found: dict[str, list[tuple[Any, ...]]] = {}
        for chunk in query_chunks(paths):
            marks = ",".join("?" * len(chunk))
            keys = [os.fsencode(path) for path in chunk]
            for path, *row in self._conn.execute(query.format(marks), (self._scope, *keys)):
                if isinstance(path, bytes):
                    found.setdefault(os.fsdecode(path), []).append(tuple(row))
        return found

    def _rows_of(self, path: str) -> list[tuple[Any, ...]]:
        """The rows of ``path``: from the batch read ahead, reading the next batch of the
        expected files when ``path`` opens it."""
        at = self._expected.get(path)
        if at is not None and path not in self._rows:
            self._rows = self._select_rows(self._order[at : at + QUERY_CHUNK])
        if at is not None:
            return self._rows.pop(path, [])
        return self._select_rows([path]).get(path, [])

    def _select_file(self, path: str, shown: str) -> StoredFile | None:
        rows = self._rows_of(path)
        if not all(self._is_sound(path, r) for r in rows):
            self._suspect()
            return None
        if not rows or rows[0][0] != 0:
            return None
        blobs = [(r[4], r[5], r[6]) for r in rows]
        head = json.loads(blobs[0][0])
        crcs = [int(c) for c in head.get("chunks", [])]
        if [r[7] for r in rows[1:]] != crcs or [r[0] for r in rows] != list(range(len(rows))):
            return None
        warnings = tuple((str(m), None if n is None else int(n)) for m, n in head["warnings"])
        stat = (int(rows[0][1]), int(rows[0][2]), int(rows[0][3]))
        parts = tuple((light, fields) for _, light, fields in blobs)
        return StoredFile(path, shown, *stat, warnings, parts)

    def _is_sound(self, path: str, row: tuple[Any, ...]) -> bool:
        """Whether a ``files`` row read for ``path`` is whole: of its types, and its checksum
        (over every column) matching."""
        chunk, *stat, meta, light, fields, crc = row
        if not all(type(x) is int for x in (chunk, *stat, crc)):
            return False
        if not all(isinstance(x, bytes) for x in (meta, light, fields)):
            return False
        key = os.fsencode(path)
        return bool(row_crc(self._scope, key, chunk, tuple(stat), (meta, light, fields)) == crc)

    def _insert_files(self, rows: Sequence[EncodedRow]) -> None:
        with self._write():
            self._conn.executemany(
                "DELETE FROM files WHERE path = ? AND NOT (scope = ? AND chunk > 0)",
                [(os.fsencode(r.path), self._scope) for r in rows if r.chunks],
            )
            self._conn.executemany(
                "DELETE FROM files WHERE path = ?",
                [(os.fsencode(r.path),) for r in rows if not r.chunks],
            )
            values = []
            for row in rows:
                meta = json.dumps({"warnings": row.warnings, "chunks": row.chunks}).encode()
                stat = (row.size, row.mtime_ns, row.indexed_ns)
                key = os.fsencode(row.path)
                values.append(self._sealed_row(key, 0, stat, meta, row.light, row.fields))
            self._conn.executemany(_INSERT, values)

    # -- whole-corpus values ---------------------------------------------------------------

    def load_snapshot(self) -> Snapshot | None:
        """The snapshot of these settings, if there is one and it is whole (its articles'
        fields are read on demand: :meth:`load_fields`)."""
        return self.load_whole("snapshot", decode)

    def store_snapshot(self, snapshot: Snapshot, fields: bytes | bytearray) -> None:
        """Replace the snapshot with ``snapshot``, whose articles' ``fields`` (laid end to
        end) go in rows of ``FIELDS_CHUNK`` bytes; those of other settings are dropped."""
        view = memoryview(fields)
        rows = []
        for number, start in enumerate(range(0, len(view), FIELDS_CHUNK)):
            data = bytes(view[start : start + FIELDS_CHUNK])
            rows.append((self._scope, number, data, self._chunk_crc(number, data)))
        data = encode(replace(snapshot, chunks=tuple(row[3] for row in rows)))

        def insert() -> None:
            with self._write():
                self._conn.execute("DELETE FROM snapshot_fields")
                self._insert_whole("snapshot", data)
                self._conn.executemany(
                    "INSERT INTO snapshot_fields (scope, chunk, data, crc) VALUES (?, ?, ?, ?)",
                    rows,
                )

        self._guard(insert, insert)

    def drop_snapshot(self, chunks: tuple[int, ...]) -> None:
        """Drop the snapshot whose fields' chunks have the checksums ``chunks`` (some of
        them are lost), so that the next run loads its files' rows and writes a whole
        one; a snapshot another run wrote since stays. Its fields' rows stay until then."""

        def drop() -> None:
            self._ahead.discard("snapshot")
            with self._write():
                if self._select_whole("snapshot", chunks_of) == chunks:
                    self._conn.execute(f"DELETE FROM {whole_table('snapshot')}")

        self._guard(drop, lambda: None)

    def load_fields(self, number: int, crc: int) -> bytes | None:
        """Chunk ``number`` of the snapshot's fields, if it is whole and the one whose
        checksum the snapshot holds (``crc``)."""
        return self._guard(partial(self._select_fields, number, crc), lambda: None)

    def _select_fields(self, number: int, crc: int) -> bytes | None:
        query = "SELECT data, crc FROM snapshot_fields WHERE scope = ? AND chunk = ?"
        for data, stored in self._conn.execute(query, (self._scope, number)):
            if not isinstance(data, bytes) or self._chunk_crc(number, data) != stored:
                self._suspect()
                return None
            return data if stored == crc else None
        return None

    def _chunk_crc(self, number: int, data: bytes) -> int:
        return checksum(self._scope, number.to_bytes(8, "little"), data)
