"""An SQLite file shared by concurrent dedup processes, rebuilt when it is damaged.

The machinery under the signature cache (:mod:`dedup.store.signatures`) and the scan index
(:mod:`dedup.store.scan`): WAL journaling and a busy timeout with retries let two processes
use the file at once; every write is one ``BEGIN IMMEDIATE`` transaction, so a killed run
leaves the file whole; a file SQLite cannot read, or one another program made, is moved
aside (``NAME.corrupt-<time>-<pid>``) with a warning and a fresh one is made; a file
of another schema version is emptied and remade. With no path the database lives in memory.

Damage is whatever says the file cannot be trusted (:func:`is_damage`): SQLite's own
"malformed" and "not a database" errors, constraint failures, undecodable text, and
rows a subclass finds impossible (:class:`Damaged`). It is found by the query that meets
it, at any point of a run; the file is then moved aside once and the run goes on with a
fresh one. Text comes back as raw bytes (``text_factory = bytes``), so a damaged byte in
a text value can never make a query fail; subclasses check what they read.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import ClassVar, TypeVar

from dedup.errors import CacheError, ignore

T = TypeVar("T")
#: Keys per ``IN (...)`` query, under SQLite's oldest limit of 999 variables.
QUERY_CHUNK = 900
S = TypeVar("S", bound="SQLiteStore")
Warn = Callable[[str], None]
#: A read done ahead (:class:`ReadAhead`): what it gives, from a connection of its own.
Read = Callable[[sqlite3.Connection], object]

#: How long to wait for another process's lock before giving up, in seconds.
BUSY_TIMEOUT = 30.0
#: Bytes per page of a new file. Signature rows (1.5 KB at 128 permutations) fill 16 KB
#: pages ten at a time, where 4 KB ones held two and left a fifth empty: a cold scan's
#: signatures are written in three quarters of the time, into a fifth less file.
PAGE_SIZE = 16384
#: How long a read ahead waits for a lock before leaving the read to the run itself.
AHEAD_TIMEOUT = 1.0


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
        self._checked = False
        self._ahead = ReadAhead(None, {})
        self._conn = self._open()

    def close(self) -> None:
        """Close the database; the store cannot be used afterwards."""
        self._ahead.end()
        with contextlib.suppress(sqlite3.Error):
            self._conn.close()

    def _read_ahead(self, reads: dict[str, Read]) -> None:
        """Start ``reads`` on a thread of their own (see :class:`ReadAhead`); what each gives
        is then taken once, with ``self._ahead.take``."""
        if self.path is not None:
            self._ahead.end()
            self._ahead = ReadAhead(self.path, reads)

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
        """Run ``action``; if the file turns out damaged, move it aside, start a fresh one
        and run ``after_rebuild`` instead. Any other failure is a :class:`CacheError`."""
        try:
            return self._retry(action)
        except (sqlite3.Error, UnicodeDecodeError) as exc:
            if not is_damage(exc):
                raise self._failure(exc) from None
            failure: BaseException = exc
        self._ahead.end()
        with contextlib.suppress(sqlite3.Error):
            self._conn.close()
        self._move_aside(failure)
        self._conn = self._connect_or_fail()
        try:
            return self._retry(after_rebuild)
        except (sqlite3.Error, UnicodeDecodeError) as exc:
            raise self._failure(exc) from None

    def _suspect(self) -> None:
        """Something read looks damaged (a row failing its checksum, a schema to remake):
        check the whole file's structure, once per connection, so that damage around it
        is found now rather than by a later run."""
        if self._checked:
            return
        self._checked = True
        problems = [as_text(p) for (p,) in self._conn.execute("PRAGMA quick_check(3)")]
        if problems != ["ok"]:
            raise Damaged("; ".join(problems))

    def _failure(self, exc: BaseException) -> BaseException:
        """What a failed query raises: a one-line :class:`CacheError` for what the file or
        the disk did (full, read-only, unreadable); a programming error stays as it is."""
        if isinstance(exc, (sqlite3.ProgrammingError, sqlite3.InterfaceError)):
            return exc
        return CacheError(f"{self._name}: {self.NOUN} error: {_message(exc)}")

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
        except (sqlite3.Error, UnicodeDecodeError) as exc:
            if isinstance(exc, sqlite3.OperationalError) and _is_busy(exc):
                raise self._locked() from None
            if not is_damage(exc):
                raise CacheError(
                    f"{self._name}: cannot open {self.NOUN}: {_message(exc)}"
                ) from None
            self._move_aside(exc)
            return self._connect_or_fail()

    def _connect_or_fail(self) -> sqlite3.Connection:
        try:
            return self._connect()
        except (sqlite3.Error, UnicodeDecodeError) as exc:
            raise CacheError(f"{self._name}: cannot open {self.NOUN}: {_message(exc)}") from None

    def _connect(self) -> sqlite3.Connection:
        if self.path is not None and self.path.is_dir():
            raise sqlite3.OperationalError("is a directory")
        where = str(self.path) if self.path is not None else ":memory:"
        conn = sqlite3.connect(where, timeout=BUSY_TIMEOUT, isolation_level=None)
        conn.text_factory = bytes  # a damaged byte in a text value must not fail the query
        try:
            self._conn = conn
            conn.execute(f"PRAGMA page_size = {PAGE_SIZE}")  # a new file's; before WAL
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
            tables = {as_text(name) for (name,) in self._conn.execute(query)}
            if version == self.SCHEMA_VERSION and tables >= self.TABLES:
                return
            if not tables <= self.TABLES:
                raise _Foreign(f"not a dedup {self.NOUN}: holds tables {', '.join(sorted(tables))}")
            if tables:  # remade in place only if sound: a damaged file is moved aside
                self._checked = False
                self._suspect()
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
            f"{self.path}: {self.NOUN} is unreadable ({_message(exc)}); moved to "
            f"{target.name}, {self.REBUILD_NOTE}"
        )


class ReadAhead:
    """Reads done on a thread of their own, with a connection of their own, before the
    run needs them: a run starts reading its store's largest values, then walks its
    folders meanwhile (SQLite's reads and checksums let other threads run). Each read
    gives its value once (:meth:`take`); one that fails in any way, or that the run
    discarded (it wrote that value since), gives None, and the run reads for itself."""

    def __init__(self, path: Path | None, reads: dict[str, Read]) -> None:
        self._ended = {name: threading.Event() for name in reads}  # set by the thread
        self._values: dict[str, object] = {}  # filled by the thread
        self._thread = threading.Thread(target=self._run, args=(path, reads), daemon=True)
        #: The reads not taken nor discarded yet (none without a file to read).
        self._pending = set(reads) if path is not None else set()
        if self._pending:
            self._thread.start()

    def _run(self, path: Path, reads: dict[str, Read]) -> None:
        conn = None
        try:
            conn = sqlite3.connect(str(path), timeout=AHEAD_TIMEOUT, isolation_level=None)
            conn.text_factory = bytes
            for name, read in reads.items():
                with contextlib.suppress(Exception):
                    self._values[name] = read(conn)
                self._ended[name].set()
        except Exception:  # no connection: every read gives None, and the run reads itself
            pass
        finally:
            for ended in self._ended.values():
                ended.set()
            if conn is not None:
                conn.close()

    def take(self, name: str) -> object:
        """What the read ``name`` gave, once it has ended; None when it failed, or was
        taken or discarded before."""
        if name not in self._pending:
            return None
        self._pending.discard(name)
        self._ended[name].wait()
        return self._values.pop(name, None)

    def end(self) -> None:
        """Give nothing more, and wait for the thread to close its connection (the last
        connection to a file cleans up its write-ahead log)."""
        self.discard()
        if self._thread.is_alive():
            self._thread.join()

    def discard(self, name: str | None = None) -> None:
        """Never give what the read ``name`` gives (of every read, without a name)."""
        names = [name] if name is not None else list(self._pending)
        for key in names:
            self._pending.discard(key)
            self._values.pop(key, None)


class Damaged(sqlite3.DatabaseError):
    """A row that no sound file holds (raised by subclasses): the file is damaged."""


class _Foreign(sqlite3.DatabaseError):
    """An SQLite file that some other program made: never emptied, only moved aside."""


#: SQLite's primary result codes that mean the file itself is damaged or not a database.
_DAMAGE_CODES = frozenset({11, 24, 26})  # SQLITE_CORRUPT, SQLITE_FORMAT, SQLITE_NOTADB
#: What the messages of those errors say (Python 3.10 carries no error code).
_DAMAGE_WORDS = ("malformed", "not a database", "corrupt", "could not decode", "unsupported file")
#: Errors of a statement of ours that only a damaged schema (a table's text) gives.
_SCHEMA_WORDS = ("no such column", "has no column named", "no such table", "no such index")


def is_damage(exc: BaseException) -> bool:
    """Whether a failed query means the file is damaged (and so is to be moved aside),
    as opposed to the disk, the folder or a lock failing."""
    if isinstance(exc, UnicodeDecodeError):
        return True  # text in the file, or in SQLite's message about it, is not UTF-8
    if type(exc) in (sqlite3.DatabaseError, Damaged, _Foreign, sqlite3.IntegrityError):
        return True  # every write is OR IGNORE / OR REPLACE: only a damaged file fails one
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int) and code & 0xFF in _DAMAGE_CODES:
        return True
    text = _message(exc).lower()
    words = (*_DAMAGE_WORDS, *_SCHEMA_WORDS)
    return isinstance(exc, sqlite3.DatabaseError) and any(w in text for w in words)


def _message(exc: BaseException) -> str:
    """An error's message on one line: SQLite quotes damaged text into its messages."""
    text = "".join(c if c.isprintable() else " " for c in str(exc))
    return " ".join(text.split())[:200]


def as_text(value: object) -> str:
    """A text value read as bytes (see ``text_factory``), decoded; damage shows as U+FFFD."""
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _is_busy(exc: sqlite3.Error) -> bool:
    """Another process holds the lock (as opposed to a real failure)."""
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF in (5, 6)  # SQLITE_BUSY, SQLITE_LOCKED
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def query_chunks(items: Sequence[T]) -> Iterator[Sequence[T]]:
    """``items`` in runs of at most ``QUERY_CHUNK``, one ``IN (...)`` query each."""
    for first in range(0, len(items), QUERY_CHUNK):
        yield items[first : first + QUERY_CHUNK]
