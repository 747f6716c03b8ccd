"""A damaged scan index or signature cache never changes a result and never sticks.

Whatever happens to the bytes of ``scan-index.sqlite`` or ``signatures.sqlite`` (random
overwrites, truncation, text that is not UTF-8, a garbled schema), the next run exits as a
clean run does with the same stdout, says so in at most one warning line per damaged file
(the file is moved aside and rebuilt, now or when a later run meets the damage), never
shows a traceback, and the run after that is a clean run again.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from fixture_corpus import isolate

from dedup.cli import cli
from dedup.store.scan import STORE_NAME

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
#: Modification times this far back are not "racy": a stored file is trusted unread.
PAST = 1_600_000_000
CACHE = "signatures.sqlite"

Run = tuple[int, str, str]
Damage = Callable[[Path, random.Random], None]


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``tmp_path`` holding a copy of examples/ (``corpus``), old enough to be trusted."""
    isolate(monkeypatch, tmp_path)
    shutil.copytree(EXAMPLES, tmp_path / "corpus")
    for folder, _, names in os.walk(tmp_path / "corpus"):
        for name in names:
            os.utime(os.path.join(folder, name), (PAST, PAST))
    return tmp_path


def scan(*, cold_index: bool = False) -> Run:
    """``dedup scan corpus`` with the stores in ``stores/``; the summary's time left out.

    A warm run takes everything from the scan index and asks the signature cache nothing:
    ``cold_index`` removes the index first, so that the run reads every signature from
    the cache."""
    if cold_index:
        Path("stores", STORE_NAME).unlink(missing_ok=True)
    args = ["scan", "corpus", "--jobs", "1", "--cache-path", f"stores/{CACHE}"]
    result = CliRunner().invoke(cli, args)
    err = re.sub(r" in \d+\.\ds$", "", result.stderr, flags=re.M)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        err += f"Traceback: {result.exception!r}"  # a failing test shows what escaped
    return result.exit_code, result.stdout, err


def clean_run(home: Path) -> Run:
    """A cold run (filling the stores), checked against a warm one; the stores saved."""
    cold = scan()
    assert cold[0] == 1 and cold[1], cold  # examples/ holds copies
    assert scan() == cold
    assert sorted(p.name for p in (home / "stores").iterdir()) == sorted([CACHE, STORE_NAME])
    shutil.copytree(home / "stores", home / "saved")
    return cold


def restore(home: Path) -> None:
    shutil.rmtree(home / "stores")
    shutil.copytree(home / "saved", home / "stores")


def overwrite(path: Path, rng: random.Random) -> None:
    """20 runs of 20 random bytes written over the file at random places."""
    data = bytearray(path.read_bytes())
    for _ in range(20):
        at = rng.randrange(len(data) - 20)
        data[at : at + 20] = rng.randbytes(20)
    path.write_bytes(bytes(data))


def truncate(path: Path, rng: random.Random) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: rng.randrange(len(data))])


def check_recovery(home: Path, clean: Run, damaged: list[str]) -> None:
    """The two runs after damage give the clean run's exit code and stdout with no
    traceback and at most one warning per damaged file; the run after them is clean.
    (The second run may be the one to warn: damage that no query of the first met.)"""
    cold_index = damaged == [CACHE]
    first, second = scan(cold_index=cold_index), scan(cold_index=cold_index)
    extra: list[str] = []
    for code, out, err in (first, second):
        assert (code, out) == clean[:2], err
        assert "Traceback" not in err
        extra += [line for line in err.splitlines() if line not in clean[2].splitlines()]
    for line in extra:
        assert any(line.startswith(f"dedup: warning: stores/{n}: ") for n in damaged), line
        assert "is unreadable" in line or "schema version" in line, line
    for name in damaged:
        assert sum(f"stores/{name}:" in line for line in extra) <= 1, extra
    assert scan(cold_index=cold_index) == clean
    assert scan() == clean


def trials(home: Path, name: str, damage: Damage, count: int, seed: int) -> None:
    """``count`` trials of ``damage`` on a clean copy of ``name``, each recovered from."""
    clean = clean_run(home)
    rng = random.Random(seed)
    for _ in range(count):
        restore(home)
        damage(home / "stores" / name, rng)
        check_recovery(home, clean, [name])


@pytest.mark.parametrize("name", [STORE_NAME, CACHE])
@pytest.mark.parametrize("damage", [overwrite, truncate], ids=["overwrite", "truncate"])
def test_random_damage_is_survived(home: Path, name: str, damage: Damage) -> None:
    trials(home, name, damage, count=1, seed=12)


@pytest.mark.slow
@pytest.mark.parametrize("name", [STORE_NAME, CACHE])
@pytest.mark.parametrize("damage", [overwrite, truncate], ids=["overwrite", "truncate"])
def test_many_random_damages_are_survived(home: Path, name: str, damage: Damage) -> None:
    trials(home, name, damage, count=20, seed=2024)


@pytest.mark.slow
def test_both_stores_damaged_at_once_are_survived(home: Path) -> None:
    clean = clean_run(home)
    rng = random.Random(7)
    for _ in range(10):
        restore(home)
        overwrite(home / "stores" / STORE_NAME, rng)
        overwrite(home / "stores" / CACHE, rng)
        check_recovery(home, clean, [STORE_NAME, CACHE])


# -- damage of a known kind --------------------------------------------------------------


def edit(path: Path, *statements: str) -> None:
    """Run SQL on a store behind dedup's back, as damage would change it."""
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA writable_schema = ON")
        for statement in statements:
            db.execute(statement)
    db.close()


@pytest.mark.parametrize(
    ("name", "statements"),
    [
        # Text that is not UTF-8 where text is read: once, every later run failed (exit 2).
        (STORE_NAME, ["UPDATE files SET path = CAST(X'2f74ff6d70' AS TEXT) WHERE rowid = 1"]),
        (STORE_NAME, ["UPDATE files SET meta = CAST(X'7bff' AS TEXT) WHERE rowid % 2 = 1"]),
        (STORE_NAME, ["UPDATE verdicts SET value = CAST(X'74ff' AS TEXT)"]),
        (STORE_NAME, ["UPDATE cut_texts SET key = CAST(X'ff' || key AS TEXT)"]),
        (
            STORE_NAME,
            ["UPDATE verdicts SET scope = CAST(X'c3' AS TEXT), value = CAST(X'ff' AS TEXT)"],
        ),
        (CACHE, ["UPDATE params SET name = CAST(X'6b35ff' AS TEXT)"]),
        (CACHE, ["UPDATE signatures SET key = CAST(X'ff' || key AS TEXT) WHERE rowid % 2 = 0"]),
        # Values of another type, and numbers no sound file holds.
        (STORE_NAME, ["UPDATE files SET size = 'big', chunk = chunk + 0.5 WHERE rowid % 3 = 0"]),
        (STORE_NAME, ["UPDATE files SET mtime_ns = mtime_ns + 1 WHERE rowid % 2 = 0"]),
        # Whole-corpus values (read as blobs): of another type, or cut short.
        (
            STORE_NAME,
            ["UPDATE snapshot SET data = CAST(X'ff00' AS TEXT)", "UPDATE bands SET data = 42"],
        ),
        (
            STORE_NAME,
            ["UPDATE snapshot SET data = substr(data, 1, 100)", "UPDATE bands SET data = ''"],
        ),
        (CACHE, ["UPDATE params SET length = length + 1"]),
        (CACHE, ["UPDATE params SET length = 'x'"]),
        # A schema that is no longer the one dedup made.
        (
            STORE_NAME,
            ["UPDATE sqlite_master SET sql = replace(sql, 'crc', 'crx') WHERE name = 'files'"],
        ),
        (CACHE, ["UPDATE sqlite_master SET sql = replace(sql, 'sig BLOB', 'sog BLOB')"]),
        (CACHE, ["PRAGMA user_version = 99"]),
    ],
    ids=lambda v: v if isinstance(v, str) and v.endswith("sqlite") else None,
)
def test_damage_of_a_known_kind_is_survived(home: Path, name: str, statements: list[str]) -> None:
    clean = clean_run(home)
    edit(home / "stores" / name, *statements)
    check_recovery(home, clean, [name])


def test_a_damaged_file_is_moved_aside_with_one_warning_naming_it(home: Path) -> None:
    clean = clean_run(home)
    store = home / "stores" / STORE_NAME
    store.write_bytes(store.read_bytes()[:1000])
    code, out, err = scan()
    assert (code, out) == clean[:2]
    (warning,) = (line for line in err.splitlines() if line not in clean[2].splitlines())
    assert re.fullmatch(
        rf"dedup: warning: stores/{STORE_NAME}: scan index is unreadable \(.+\); "
        rf"moved to {STORE_NAME}\.corrupt-[\d-]+, rebuilding it",
        warning,
    )
    (aside,) = (home / "stores").glob(f"{STORE_NAME}.corrupt-*")
    assert aside.read_bytes() == (home / "saved" / STORE_NAME).read_bytes()[:1000]
    assert scan() == clean
