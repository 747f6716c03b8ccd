"""An SQLite file shared by concurrent dedup processes, rebuilt when it is damaged.

The machinery under the signature cache (:mod:`dedup.store.signatures`) and the scan index
(:mod:`dedup.store.scan`): WAL journaling and a busy timeout with retries let two processes
use the file at once; every write is one ``BEGIN IMMEDIATE`` transaction, so a killed run
leaves the file whole; a file SQLite cannot read, or one another program made, is moved
aside (``NAME.corrupt-<time>-<pid>``) with a warning and a fresh one is made; a file
of another schema version is emptied and remade. With no path the database lives in memory.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import TracebackType
from typing import ClassVar, TypeVar

from dedup.errors import CacheError, ignore

T = TypeVar("T")
S = TypeVar("S", bound="SQLiteStore")
Warn = Callable[[str], None]

#: How long to wait for another process's lock before giving up, in seconds.
BUSY_TIMEOUT = 30.0


class SQLiteStore:
    """One SQLite file with a known schema; subclasses name the schema and its tables."""

    SCHEMA: ClassVar[str] = ""
    TABLES: ClassVar[frozenset[str]] = frozenset()
    SCHEMA_VERSION: ClassVar[int] = 1
    #: What warnings and errors call the file ("cache", "scan index").
    NOUN: ClassVar[str] = "store"
    #: Whether remaking the tables of another schema version is worth a warning.
    WARN_ON_NEW_SCHEMA: ClassVar[bool] = False
    #: How the warning about a file moved aside ends.
    REBUILD_NOTE: ClassVar[str] = "rebuilding it"

    def __init__(self, path: Path | None, *, on_warning: Warn | None = None) -> None:
        self.path = path
        self._warn = on_warning or ignore
        self._conn = self._open()

    def close(self) -> None:
        """Close the database; the store cannot be used afterwards."""
        self._conn.close()

    def __enter__(self: S) -> S:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @contextlib.contextmanager
    def _write(self) -> Iterator[None]:
        """One write transaction, taken at once so concurrent writers queue on the lock."""
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    # -- damage and contention -----------------------------------------------------------

    def _guard(self, action: Callable[[], T], after_rebuild: Callable[[], T]) -> T:
        """Run ``action``; if the file turns out corrupt, rebuild it and run ``after_rebuild``."""
        try:
            return self._retry(action)
        except sqlite3.OperationalError as exc:
            raise CacheError(f"{self._name}: {self.NOUN} error: {exc}") from None
        except sqlite3.DatabaseError as exc:
            if type(exc) not in (sqlite3.DatabaseError, _Foreign):
                raise
            failure = exc
        with contextlib.suppress(sqlite3.Error):
            self._conn.close()
        self._move_aside(failure)
        self._conn = self._connect_or_fail()
        return self._retry(after_rebuild)

    def _retry(self, action: Callable[[], T]) -> T:
        """Run ``action``, retrying while another process holds the database locked."""
        deadline = time.monotonic() + BUSY_TIMEOUT
        delay = 0.01
        while True:
            try:
                return action()
            except sqlite3.OperationalError as exc:
                if not _is_busy(exc):
                    raise
                if time.monotonic() > deadline:
                    raise self._locked() from None
                time.sleep(delay)
                delay = min(delay * 2, 0.5)

    def _locked(self) -> CacheError:
        return CacheError(f"{self._name}: {self.NOUN} is locked by another process")

    @property
    def _name(self) -> str:
        return str(self.path) if self.path is not None else f"in-memory {self.NOUN}"

    def _open(self) -> sqlite3.Connection:
        if self.path is not None:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                reason = "not a directory" if isinstance(exc, FileExistsError) else _reason(exc)
                raise CacheError(
                    f"{self.path}: cannot create {self.NOUN} directory: {reason}"
                ) from None
        try:
            return self._connect()
        except sqlite3.OperationalError as exc:
            if _is_busy(exc):
                raise self._locked() from None
            raise CacheError(f"{self._name}: cannot open {self.NOUN}: {exc}") from None
        except sqlite3.DatabaseError as exc:
            self._move_aside(exc)
            return self._connect_or_fail()

    def _connect_or_fail(self) -> sqlite3.Connection:
        try:
            return self._connect()
        except sqlite3.Error as exc:
            raise CacheError(f"{self._name}: cannot open {self.NOUN}: {exc}") from None

    def _connect(self) -> sqlite3.Connection:
        if self.path is not None and self.path.is_dir():
            raise sqlite3.OperationalError("is a directory")
        where = str(self.path) if self.path is not None else ":memory:"
        conn = sqlite3.connect(where, timeout=BUSY_TIMEOUT, isolation_level=None)
        try:
            self._conn = conn
            self._retry(lambda: conn.execute("PRAGMA journal_mode = WAL").fetchone())
            conn.execute("PRAGMA synchronous = NORMAL")
            self._retry(self._check_schema)
        except BaseException:
            conn.close()
            raise
        return conn

    def _check_schema(self) -> None:
        with self._write():
            (version,) = self._conn.execute("PRAGMA user_version").fetchone()
            query = "SELECT name FROM sqlite_master WHERE type = 'table'"
            tables = {name for (name,) in self._conn.execute(query)}
            if version == self.SCHEMA_VERSION and tables >= self.TABLES:
                return
            if not tables <= self.TABLES:
                raise _Foreign(f"not a dedup {self.NOUN}: holds tables {', '.join(sorted(tables))}")
            if self.WARN_ON_NEW_SCHEMA and (version != 0 or tables):
                self._warn(
                    f"{self._name}: {self.NOUN} schema version {version}, expected "
                    f"{self.SCHEMA_VERSION}; rebuilding the {self.NOUN}"
                )
            for name in sorted(tables):
                self._conn.execute(f'DROP TABLE IF EXISTS "{name}"')
            for statement in self.SCHEMA.split(";"):
                if statement.strip():
                    self._conn.execute(statement)
            self._conn.execute(f"PRAGMA user_version = {self.SCHEMA_VERSION}")

    def _move_aside(self, exc: BaseException) -> None:
        if self.path is None:
            raise CacheError(f"{self._name}: {exc}")
        stamp = time.strftime("%Y%m%d-%H%M%S")
        target = self.path.with_name(f"{self.path.name}.corrupt-{stamp}-{os.getpid()}")
        try:
            os.replace(self.path, target)
            for suffix in ("-wal", "-shm"):
                side = Path(f"{self.path}{suffix}")
                if side.exists():
                    os.replace(side, Path(f"{target}{suffix}"))
        except FileNotFoundError:
            pass
        except OSError as err:
            raise CacheError(
                f"{self.path}: corrupt {self.NOUN} cannot be moved: {_reason(err)}"
            ) from None
        self._warn(
            f"{self.path}: {self.NOUN} is unreadable ({exc}); moved to {target.name}, "
            f"{self.REBUILD_NOTE}"
        )


class _Foreign(sqlite3.DatabaseError):
    """An SQLite file that some other program made: never emptied, only moved aside."""


def _is_busy(exc: sqlite3.Error) -> bool:
    """Another process holds the lock (as opposed to a real failure)."""
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)
