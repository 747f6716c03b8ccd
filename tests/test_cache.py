"""The persistent signature cache: round trips, isolation, damage, concurrency, kills."""

from __future__ import annotations

import multiprocessing
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from dedup.config import Config, load_config
from dedup.errors import CacheError
from dedup.store.signatures import SCHEMA_VERSION, SignatureCache, seal

PARAMS = "norm3:k5:p128:s1"


def make_items(count: int, seed: int = 0, length: int = 128) -> list[tuple[bytes, np.ndarray]]:
    rng = np.random.default_rng(seed)
    keys = rng.integers(0, 256, size=(count, 16), dtype=np.uint8)
    sigs = rng.integers(0, 2**32, size=(count, length), dtype=np.uint32)
    return [(keys[i].tobytes(), sigs[i]) for i in range(count)]


class Recorder:
    def __init__(self) -> None:
        self.messages: list[str] = []

    def __call__(self, message: str) -> None:
        self.messages.append(message)


def test_round_trip_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "sig.sqlite"
    items = make_items(50)
    with SignatureCache(path) as cache:
        cache.put_many(PARAMS, items)
    with SignatureCache(path) as cache:
        got = cache.get_many(PARAMS, [key for key, _ in items] + [b"\x00" * 16])
    assert len(got) == 50
    for key, sig in items:
        assert got[key].dtype == np.uint32
        assert got[key].shape == (128,)
        assert np.array_equal(got[key], sig)


def test_get_of_nothing_and_unknown_params(tmp_path: Path) -> None:
    with SignatureCache(tmp_path / "c.sqlite") as cache:
        assert cache.get_many(PARAMS, []) == {}
        assert cache.get_many("never-stored", [b"k" * 16]) == {}


def test_many_keys_cross_query_chunks(tmp_path: Path) -> None:
    items = make_items(2500, length=16)
    with SignatureCache(tmp_path / "c.sqlite") as cache:
        cache.put_many(PARAMS, iter(items))
        keys = [key for key, _ in items]
        got = cache.get_many(PARAMS, keys + keys[:10])
    assert set(got) == set(keys)


def test_params_are_isolated(tmp_path: Path) -> None:
    items_a = make_items(20, seed=1)
    items_b = [(key, sig + 1) for key, sig in items_a]
    with SignatureCache(tmp_path / "c.sqlite") as cache:
        cache.put_many("k5", items_a)
        assert cache.get_many("k4", [key for key, _ in items_a]) == {}
        cache.put_many("k4", items_b)
        got_a = cache.get_many("k5", [key for key, _ in items_a])
        got_b = cache.get_many("k4", [key for key, _ in items_a])
    for key, sig in items_a:
        assert np.array_equal(got_a[key], sig)
        assert np.array_equal(got_b[key], sig + 1)


def test_a_signature_of_another_length_is_refused(tmp_path: Path) -> None:
    with SignatureCache(tmp_path / "c.sqlite") as cache:
        cache.put_many(PARAMS, make_items(3))
        with pytest.raises(ValueError, match="64 values"):
            cache.put_many(PARAMS, make_items(3, seed=2, length=64))


def test_rows_of_wrong_length_or_damaged_bytes_are_ignored(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    items = make_items(4)
    with SignatureCache(path) as cache:
        cache.put_many(PARAMS, items)
    short = items[0][1][:100].tobytes()
    flipped = bytearray(items[1][1].tobytes())
    flipped[7] ^= 0xFF
    with sqlite3.connect(path) as db:
        (pid,) = db.execute("SELECT params FROM signatures LIMIT 1").fetchone()
        db.execute(
            "UPDATE signatures SET sig = ?, crc = ? WHERE key = ?",
            (short, seal(pid, items[0][0], short), items[0][0]),
        )
        db.execute("UPDATE signatures SET sig = ? WHERE key = ?", (bytes(flipped), items[1][0]))
    with SignatureCache(path) as cache:
        got = cache.get_many(PARAMS, [key for key, _ in items])
    assert set(got) == {items[2][0], items[3][0]}


def test_a_signature_moved_under_another_key_is_not_used(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    items = make_items(3)
    with SignatureCache(path) as cache:
        cache.put_many(PARAMS, items)
    (a, _), (b, _) = items[:2]
    with sqlite3.connect(path) as db:  # the two rows trade keys, checksums and all
        db.execute("UPDATE signatures SET key = ? WHERE key = ?", (b"swap", a))
        db.execute("UPDATE signatures SET key = ? WHERE key = ?", (a, b))
        db.execute("UPDATE signatures SET key = ? WHERE key = ?", (b, b"swap"))
    with SignatureCache(path) as cache:
        got = cache.get_many(PARAMS, [key for key, _ in items])
    assert set(got) == {items[2][0]}


def test_garbage_file_is_moved_aside_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    path.write_bytes(b"these bytes are no database at all\n" * 200)
    warnings = Recorder()
    with SignatureCache(path, on_warning=warnings) as cache:
        cache.put_many(PARAMS, make_items(5))
        assert cache.info().rows == 5
    assert len(warnings.messages) == 1
    assert str(path) in warnings.messages[0]
    assert "moved to c.sqlite.corrupt-" in warnings.messages[0]
    aside = list(tmp_path.glob("c.sqlite.corrupt-*"))
    assert len(aside) == 1
    assert aside[0].read_bytes().startswith(b"these bytes")


def test_page_damage_found_in_use_rebuilds_the_cache(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    items = make_items(400)
    with SignatureCache(path) as cache:
        cache.put_many(PARAMS, items)
        cache._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(path.read_bytes())
    data[4096 * 3 : 4096 * 40] = b"\xa5" * (4096 * 37)
    path.write_bytes(bytes(data))
    warnings = Recorder()
    with SignatureCache(path, on_warning=warnings) as cache:
        got = cache.get_many(PARAMS, [key for key, _ in items])
        for key, sig in got.items():
            assert np.array_equal(sig, dict(items)[key])
        cache.put_many(PARAMS, items[:10])
        assert len(cache.get_many(PARAMS, [key for key, _ in items[:10]])) == 10
    assert warnings.messages, "damage must be reported"
    assert list(tmp_path.glob("c.sqlite.corrupt-*"))


def test_another_programs_database_is_moved_aside_not_emptied(tmp_path: Path) -> None:
    path = tmp_path / "notes.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE notes (body TEXT)")
        db.execute("INSERT INTO notes VALUES ('keep me')")
    db.close()
    warnings = Recorder()
    with SignatureCache(path, on_warning=warnings) as cache:
        assert cache.info().rows == 0
    assert "not a dedup cache" in warnings.messages[0]
    (aside,) = tmp_path.glob("notes.sqlite.corrupt-*")
    with sqlite3.connect(aside) as db:
        assert db.execute("SELECT body FROM notes").fetchall() == [("keep me",)]
    db.close()


def test_other_schema_version_is_rebuilt_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    with SignatureCache(path) as cache:
        cache.put_many(PARAMS, make_items(5))
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    warnings = Recorder()
    with SignatureCache(path, on_warning=warnings) as cache:
        assert cache.info().rows == 0
        cache.put_many(PARAMS, make_items(2))
        assert cache.info().rows == 2
    assert len(warnings.messages) == 1
    assert f"schema version {SCHEMA_VERSION + 1}" in warnings.messages[0]
    with SignatureCache(path, on_warning=warnings) as cache:
        assert cache.info().rows == 2
    assert len(warnings.messages) == 1


@pytest.mark.parametrize("kind", ["parent is a file", "path is a folder"])
def test_unusable_location_raises_cache_error_naming_it(tmp_path: Path, kind: str) -> None:
    if kind == "parent is a file":
        (tmp_path / "plain").write_text("x\n")
        path = tmp_path / "plain" / "c.sqlite"
    else:
        path = tmp_path / "folder"
        path.mkdir()
    with pytest.raises(CacheError) as caught:
        SignatureCache(path)
    message = str(caught.value)
    assert message.startswith(str(path))
    assert "\n" not in message


def test_info_counts_rows_per_params_and_clear_removes_them(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    with SignatureCache(path) as cache:
        cache.put_many("a", make_items(7, seed=1))
        cache.put_many("b", make_items(3, seed=2, length=64))
        cache.put_many("a", make_items(7, seed=1))
        info = cache.info()
        assert info.path == path
        assert info.rows == 10
        assert info.rows_by_params == {"a": 7, "b": 3}
        assert info.size_bytes > 0
        assert cache.clear() == 10
        assert cache.info().rows == 0
        assert cache.get_many("a", [key for key, _ in make_items(7, seed=1)]) == {}


def test_config_chooses_the_location_or_turns_the_cache_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert SignatureCache.from_config(Config(cache=False)) is None
    path = tmp_path / "env" / "c.sqlite"
    config = load_config(environ={"DEDUP_CACHE_PATH": str(path)}, cwd=tmp_path)
    cache = SignatureCache.from_config(config)
    assert cache is not None
    with cache:
        assert cache.path == path
    assert path.is_file()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert SignatureCache.location(Config()) == tmp_path / "xdg" / "dedup" / "signatures.sqlite"


def write_range(path: str, first: int, count: int) -> None:
    with SignatureCache(path) as cache:
        for start in range(first, first + count, 100):
            items = [
                (i.to_bytes(16, "big"), np.full(32, i, dtype=np.uint32))
                for i in range(start, start + 100)
            ]
            cache.put_many(PARAMS, items)
            cache.get_many(PARAMS, [key for key, _ in items])


def test_two_processes_write_at_once_without_losing_rows(tmp_path: Path) -> None:
    path = str(tmp_path / "c.sqlite")
    context = multiprocessing.get_context("spawn")
    workers = [
        context.Process(target=write_range, args=(path, 0, 3000)),
        context.Process(target=write_range, args=(path, 2000, 3000)),
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert [worker.exitcode for worker in workers] == [0, 0]
    with SignatureCache(path) as cache:
        keys = [i.to_bytes(16, "big") for i in range(5000)]
        got = cache.get_many(PARAMS, keys)
        assert cache.info().rows == 5000
    assert len(got) == 5000
    assert all(int(got[key][0]) == i for i, key in enumerate(keys))


KILLED_WRITER = textwrap.dedent(
    """
    import sys
    import numpy as np
    from dedup.store.signatures import SignatureCache

    cache = SignatureCache(sys.argv[1])
    start = 0
    while True:
        items = [(i.to_bytes(16, "big"), np.full(64, i, dtype=np.uint32))
                 for i in range(start, start + 500)]
        cache.put_many("p", items)
        start += 500
        if start == 2000:
            print("written", flush=True)
    """
)


def test_a_run_killed_mid_write_leaves_a_usable_cache(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    writer = subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITER, str(path)], stdout=subprocess.PIPE, text=True
    )
    assert writer.stdout is not None
    assert writer.stdout.readline() == "written\n"
    time.sleep(0.2)
    writer.send_signal(signal.SIGKILL)
    writer.wait(10)
    writer.stdout.close()
    warnings = Recorder()
    with SignatureCache(path, on_warning=warnings) as cache:
        rows = cache.info().rows
        assert rows >= 2000
        assert rows % 500 == 0, "a batch is written whole or not at all"
        got = cache.get_many("p", [i.to_bytes(16, "big") for i in range(rows)])
        assert len(got) == rows
        cache.put_many("p", [(b"after the kill!!", np.zeros(64, dtype=np.uint32))])
        assert cache.info().rows == rows + 1
    assert warnings.messages == []
