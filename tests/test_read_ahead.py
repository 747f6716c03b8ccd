"""Whole values read ahead: a run gets what reading them itself would have given."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from dedup.store.scan import ScanStore

BANDS = bytes(range(256)) * 4000  # a value of a megabyte, as a band table is


def stored(tmp_path: Path, value: bytes = BANDS) -> Path:
    path = tmp_path / "index.sqlite"
    with ScanStore(path, "settings") as store:
        store.store_whole("bands", value)
    return path


def test_a_value_read_ahead_is_the_stored_one_and_taken_once(tmp_path: Path) -> None:
    path = stored(tmp_path)
    with ScanStore(path, "settings") as store:
        store.read_ahead(("snapshot", "bands"))
        assert store.load_whole("bands", bytes) == BANDS
        with ScanStore(path, "settings") as other:  # another run replaces it
            other.store_whole("bands", b"later")
        assert store.load_whole("bands", bytes) == b"later"  # read again, not kept
        assert store.load_whole("snapshot", bytes) is None  # none was stored


def test_a_value_the_run_writes_after_reading_ahead_is_the_one_it_reads(tmp_path: Path) -> None:
    path = stored(tmp_path)
    with ScanStore(path, "settings") as store:
        store.read_ahead(("bands",))
        store.store_whole("bands", b"its own")
        assert store.load_whole("bands", bytes) == b"its own"


def test_a_value_of_other_settings_is_not_read_ahead(tmp_path: Path) -> None:
    path = stored(tmp_path)
    with ScanStore(path, "other settings") as store:
        store.read_ahead(("bands",))
        assert store.load_whole("bands", bytes) is None


def test_a_damaged_value_read_ahead_is_never_used(tmp_path: Path) -> None:
    path = stored(tmp_path)
    with sqlite3.connect(path) as db:
        db.execute("UPDATE bands SET data = CAST(? AS BLOB)", (BANDS[:-1] + b"!",))
    db.close()
    warnings: list[str] = []
    with ScanStore(path, "settings", on_warning=warnings.append) as store:
        store.read_ahead(("bands",))
        assert store.load_whole("bands", bytes) is None
    assert warnings == []  # a row failing its checksum in a sound file: not used, no more


def test_a_value_that_does_not_decode_is_none_whether_read_ahead_or_not(tmp_path: Path) -> None:
    path = stored(tmp_path)

    def refuse(data: bytes) -> bytes:
        raise ValueError("not a band table")

    with ScanStore(path, "settings") as store:
        store.read_ahead(("bands",))
        assert store.load_whole("bands", refuse) is None
        assert store.load_whole("bands", refuse) is None


def test_reading_ahead_leaves_no_log_behind(tmp_path: Path) -> None:
    path = stored(tmp_path)
    for _ in range(5):
        with ScanStore(path, "settings") as store:
            store.read_ahead(("snapshot", "bands"))  # closed before it is taken
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index.sqlite"]


def test_a_store_in_memory_reads_nothing_ahead() -> None:
    with ScanStore(None, "settings") as store:
        store.store_whole("bands", b"kept")
        store.read_ahead(("bands",))
        assert store.load_whole("bands", bytes) == b"kept"
