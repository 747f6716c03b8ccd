"""Values an SQLite store keeps for one set of settings (a *scope*): whole-corpus values
and work tables.

A whole-corpus table (:data:`~dedup.store.tables.WHOLE_TABLES`) holds one value per
scope, read and written whole; a run can start reading one ahead of need, on a thread of
its own (:meth:`ScopedStore.read_ahead`). A work table
(:data:`~dedup.store.tables.WORK_TABLES`) holds values by key (digests of comparison
texts), and its memo tables keep only the latest few. Every row carries a checksum over
all its columns, keys and scope included; a row that does not match it is never used.
:class:`~dedup.store.scan.ScanStore` adds the files and the snapshot.
"""

from __future__ import annotations

import contextlib
import hashlib
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from dedup.store.rows import checksum, opened, sealed
from dedup.store.sqlite import SQLiteStore, Warn, query_chunks
from dedup.store.tables import MEMO_TABLES, MEMOS_KEPT, WHOLE_TABLES, WORK_TABLES

T = TypeVar("T")


class ScopedStore(SQLiteStore):
    """An SQLite store whose rows belong to the settings ``params`` names."""

    def __init__(self, path: Path | None, params: str, *, on_warning: Warn | None = None) -> None:
        self.params = params
        self.scope = hashlib.blake2b(params.encode(), digest_size=12).hexdigest()
        self._scope = self.scope.encode()
        super().__init__(path, on_warning=on_warning)

    # -- whole-corpus values -------------------------------------------------------------

    def read_ahead(self, tables: Sequence[str]) -> None:
        """Start reading the values of ``tables`` while the run walks its folders (on a
        thread of their own): :meth:`load_whole` then takes them, once."""
        self._read_ahead({t: partial(_whole_value, whole_table(t), self._scope) for t in tables})

    def load_whole(self, table: str, read: Callable[[bytes], T]) -> T | None:
        """``read`` of the value ``table`` holds for these settings, if it is whole (its
        checksum checked) and ``read`` takes it (else ``ValueError``/``TypeError``)."""
        early = self._ahead.take(table)
        if isinstance(early, bytes):  # read ahead, its checksum checked
            return _read_value(read, early)
        return self._guard(partial(self._select_whole, table, read), lambda: None)

    def store_whole(self, table: str, data: bytes) -> None:
        """Replace the value of ``table`` with ``data``; those of other settings go."""

        def insert() -> None:
            with self._write():
                self._insert_whole(table, data)

        self._guard(insert, insert)

    def _insert_whole(self, table: str, data: bytes) -> None:
        self._ahead.discard(table)
        row = (self._scope, data, checksum(self._scope, data))
        self._conn.execute(f"DELETE FROM {whole_table(table)}")
        self._conn.execute(
            f"INSERT INTO {whole_table(table)} (scope, data, crc) VALUES (?, ?, ?)", row
        )

    def _select_whole(self, table: str, read: Callable[[bytes], T]) -> T | None:
        found = _whole_row(whole_table(table), self._scope, self._conn)
        if found is None:
            return None
        data = _checked(self._scope, found)
        if data is None:
            self._suspect()
            return None
        return _read_value(read, data)

    # -- work tables ---------------------------------------------------------------------

    def get(self, table: str, keys: Sequence[bytes]) -> dict[bytes, str]:
        """The values of those ``keys`` that ``table`` holds whole (checksums checked)."""
        if not keys:
            return {}
        return self._guard(partial(self._select_work, table, keys), dict)

    def put(self, table: str, items: Iterable[tuple[bytes, str]]) -> None:
        """Store values in ``table``; a key already stored keeps its value."""
        rows = [(self._scope, key, *sealed(self._scope, key, value)) for key, value in items]
        insert = partial(self._insert_work, table, rows, memo=False)
        if rows:
            self._guard(insert, insert)

    def put_memo(self, table: str, key: bytes, value: str) -> None:
        """Store what was worked out for a whole corpus, keeping the latest ``MEMOS_KEPT``."""
        row = (self._scope, key, *sealed(self._scope, key, value))
        insert = partial(self._insert_work, table, [row], memo=True)
        self._guard(insert, insert)

    def _select_work(self, table: str, keys: Sequence[bytes]) -> dict[bytes, str]:
        found: dict[bytes, str] = {}
        for chunk in query_chunks(keys):
            marks = ",".join("?" * len(chunk))
            query = (
                f"SELECT key, value, crc FROM {_work(table)} WHERE scope = ? AND key IN ({marks})"
            )
            for key, value, crc in self._conn.execute(query, (self._scope, *chunk)):
                text = opened(self._scope, key, value, crc)
                if text is None:
                    self._suspect()
                else:
                    found[key] = text
        return found

    def _insert_work(self, table: str, rows: Sequence[tuple[Any, ...]], *, memo: bool) -> None:
        name = _work(table)
        verb = "REPLACE" if memo else "IGNORE"
        with self._write():
            self._conn.executemany(
                f"INSERT OR {verb} INTO {name} (scope, key, value, crc) VALUES (?, ?, ?, ?)", rows
            )
            if memo and table in MEMO_TABLES:
                self._conn.execute(
                    f"DELETE FROM {name} WHERE scope = ? AND rowid NOT IN (SELECT rowid FROM "
                    f"{name} WHERE scope = ? ORDER BY rowid DESC LIMIT ?)",
                    (self._scope, self._scope, MEMOS_KEPT),
                )


def _whole_row(table: str, scope: bytes, conn: sqlite3.Connection) -> tuple[object, ...] | None:
    """The row (value, checksum) ``table`` holds for ``scope``, unchecked; None if none.

    A value is read through SQLite's incremental blob I/O where Python offers it (3.11+):
    Python copies a value a query gives while holding the GIL, so reading 25 MB of band
    keys ahead stalled the run's own thread for 25-70 ms; a blob's read lets it run (and
    copies the value once, not twice)."""
    found: tuple[object, ...] | None
    if not hasattr(conn, "blobopen"):
        found = conn.execute(f"SELECT data, crc FROM {table} WHERE scope = ?", (scope,)).fetchone()
        return found
    with _read_transaction(conn):
        query = f"SELECT rowid, crc, typeof(data) = 'blob' FROM {table} WHERE scope = ?"
        found = conn.execute(query, (scope,)).fetchone()
        if found is None:
            return None
        rowid, crc, is_blob = found
        if not is_blob:  # a damaged row: a value its checksum never accepts
            return None, crc
        with conn.blobopen(table, "data", rowid, readonly=True) as blob:
            return blob.read(), crc


@contextlib.contextmanager
def _read_transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """Statements that read one state of the file (a transaction, unless one is open)."""
    if conn.in_transaction:
        yield
        return
    conn.execute("BEGIN")
    try:
        yield
    finally:
        conn.execute("COMMIT")


def _checked(scope: bytes, row: tuple[object, ...]) -> bytes | None:
    """A whole-corpus row's value, if it is bytes and its checksum matches."""
    data, crc = row
    return data if isinstance(data, bytes) and checksum(scope, data) == crc else None


def _whole_value(table: str, scope: bytes, conn: sqlite3.Connection) -> bytes | None:
    """The value ``table`` holds for ``scope``, if its checksum matches (read ahead)."""
    found = _whole_row(table, scope, conn)
    return None if found is None else _checked(scope, found)


def _read_value(read: Callable[[bytes], T], data: bytes) -> T | None:
    try:
        return read(data)
    except (ValueError, TypeError):  # checksum right, content not: made by a bug
        return None


def whole_table(table: str) -> str:
    """``table``, checked to be a whole-corpus table (it is put in queries)."""
    if table not in WHOLE_TABLES:
        raise ValueError(f"no whole-corpus table {table!r}")
    return table


def _work(table: str) -> str:
    """``table``, checked to be a work table (it is put in queries)."""
    if table not in WORK_TABLES:
        raise ValueError(f"no work table {table!r}")
    return table
