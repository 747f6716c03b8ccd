"""``dedup cache info|clear`` through click's CliRunner: exit codes, stdout, stderr."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from dedup.cli import cache_cmd, cli
from dedup.store.signatures import SignatureCache

PARAMS = "norm3:k5:p128:s1"


def fill(path: Path, params: str, count: int, length: int = 128) -> None:
    with SignatureCache(path) as cache:
        cache.put_many(
            params,
            [(i.to_bytes(16, "big"), np.full(length, i, dtype=np.uint32)) for i in range(count)],
        )


def run(*args: str, env: dict[str, str] | None = None, stdin: str | None = None) -> tuple:
    result = CliRunner().invoke(cli, list(args), env=env, input=stdin)
    return result.exit_code, result.stdout, result.stderr


def test_info_on_a_cache_that_does_not_exist_yet(tmp_path: Path) -> None:
    path = tmp_path / "none.sqlite"
    code, out, err = run("cache", "info", "--cache-path", str(path))
    assert (code, err) == (0, "")
    assert out == f"path  {path}\nsize  0 bytes\nrows  0\n"
    assert not path.exists()


def test_info_table_lists_rows_per_parameters(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    fill(path, PARAMS, 12)
    fill(path, "k4", 3, length=64)
    code, out, err = run("cache", "info", "--cache-path", str(path))
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == f"path  {path}"
    assert lines[1].startswith("size  ") and lines[1].endswith(" KB")
    assert lines[2:] == [
        "rows  15",
        "rows by parameters:",
        "  k4                3",
        "  norm3:k5:p128:s1  12",
    ]


def test_info_json_reads_the_path_from_the_environment(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    fill(path, PARAMS, 4)
    code, out, err = run("cache", "info", "--format", "json", env={"DEDUP_CACHE_PATH": str(path)})
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert data["path"] == str(path)
    assert data["rows"] == 4
    assert data["rows_by_params"] == {PARAMS: 4}
    assert data["size_bytes"] >= path.stat().st_size > 0


def test_info_reads_the_path_from_a_config_file(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    fill(path, PARAMS, 2)
    config = tmp_path / "dedup.toml"
    config.write_text(f'cache_path = "{path}"\n')
    code, out, err = run("cache", "info", "--config", str(config), "--format", "json")
    assert (code, err) == (0, "")
    assert json.loads(out)["rows"] == 2


def test_clear_with_yes_reports_rows_removed_on_stderr(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    fill(path, PARAMS, 9)
    code, out, err = run("cache", "clear", "--yes", "--cache-path", str(path))
    assert (code, out) == (0, "")
    assert err == f"dedup: removed 9 signatures from {path}\n"
    with SignatureCache(path) as cache:
        assert cache.info().rows == 0


def test_clear_asks_on_a_terminal_and_a_no_keeps_the_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "c.sqlite"
    fill(path, PARAMS, 5)
    monkeypatch.setattr(cache_cmd, "stdin_is_terminal", lambda: True)
    code, out, err = run("cache", "clear", "--cache-path", str(path), stdin="n\n")
    assert (code, out) == (0, "")
    assert f"Remove every signature in {path} and the scan index? [y/N] " in err
    assert err.endswith("dedup: nothing removed\n")
    with SignatureCache(path) as cache:
        assert cache.info().rows == 5
    code, out, err = run("cache", "clear", "--cache-path", str(path), stdin="y\n")
    assert (code, out) == (0, "")
    assert err.endswith(f"dedup: removed 5 signatures from {path}\n")


@pytest.mark.parametrize("answer", ["", "yeah\n", "N\n", "sure\n", "ye\n"])
def test_clear_takes_nothing_but_y_or_yes_as_consent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, answer: str
) -> None:
    path = tmp_path / "c.sqlite"
    fill(path, PARAMS, 3)
    monkeypatch.setattr(cache_cmd, "stdin_is_terminal", lambda: True)
    code, out, err = run("cache", "clear", "--cache-path", str(path), stdin=answer)
    assert (code, out) == (0, "")
    assert err.endswith("dedup: nothing removed\n")
    with SignatureCache(path) as cache:
        assert cache.info().rows == 3


@pytest.mark.parametrize("answer", ["yes\n", "Y\n", " YES \n"])
def test_clear_on_a_terminal_accepts_yes_in_any_case(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, answer: str
) -> None:
    path = tmp_path / "c.sqlite"
    fill(path, PARAMS, 3)
    monkeypatch.setattr(cache_cmd, "stdin_is_terminal", lambda: True)
    code, _, err = run("cache", "clear", "--cache-path", str(path), stdin=answer)
    assert code == 0 and err.endswith(f"dedup: removed 3 signatures from {path}\n")


@pytest.mark.parametrize("piped", ["n\n", "y\n", ""])
def test_clear_without_a_terminal_refuses_unless_given_yes(tmp_path: Path, piped: str) -> None:
    path = tmp_path / "c.sqlite"
    fill(path, PARAMS, 4)
    code, out, err = run("cache", "clear", "--cache-path", str(path), stdin=piped)
    assert (code, out) == (2, "")
    assert err == (
        "dedup: error: cache clear removes every stored signature and index; "
        "no terminal to ask on, so pass --yes to confirm\n"
    )
    with SignatureCache(path) as cache:
        assert cache.info().rows == 4


def test_clear_without_a_cache_removes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "none.sqlite"
    code, out, err = run("cache", "clear", "--cache-path", str(path))
    assert (code, out) == (0, "")
    assert err == f"dedup: no cache at {path}; nothing removed\n"
    assert not path.exists()


def test_a_folder_in_place_of_the_cache_is_an_error(tmp_path: Path) -> None:
    code, out, err = run("cache", "info", "--cache-path", str(tmp_path))
    assert (code, out) == (2, "")
    assert "is a directory" in err
    code, out, err = run("cache", "clear", "--yes", env={"DEDUP_CACHE_PATH": str(tmp_path)})
    assert (code, out) == (2, "")
    assert err == f"dedup: error: {tmp_path}: cannot open cache: is a directory\n"


def test_a_corrupt_cache_is_reported_and_rebuilt(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    path.write_bytes(b"\x00\x01 not sqlite " * 100)
    code, out, err = run("cache", "info", "--cache-path", str(path), "--format", "json")
    assert code == 0
    assert json.loads(out)["rows"] == 0
    assert err.startswith(f"dedup: warning: {path}: cache is unreadable")
    assert err.count("\n") == 1


def run_process(*args: str, stdin: int | None = None, data: bytes | None = None) -> tuple:
    """dedup in its own process, with a real stdin: a pipe fed ``data``, or ``stdin``."""
    done = subprocess.run(
        [sys.executable, "-m", "dedup", *args],
        stdin=stdin,
        input=data,
        capture_output=True,
        check=False,
        timeout=120,
    )
    return done.returncode, done.stdout.decode(), done.stderr.decode()


def test_echo_n_piped_into_clear_refuses_and_keeps_the_rows(tmp_path: Path) -> None:
    """``echo n | dedup cache clear``: no terminal, no --yes: exit 2, one line naming --yes."""
    path = tmp_path / "c.sqlite"
    fill(path, PARAMS, 4)
    code, out, err = run_process("cache", "clear", "--cache-path", str(path), data=b"n\n")
    assert (code, out) == (2, "")
    assert len(err.splitlines()) == 1 and "--yes" in err
    with SignatureCache(path) as cache:
        assert cache.info().rows == 4


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="no pseudo-terminals here")
@pytest.mark.parametrize(("answer", "rows"), [(b"n\n", 4), (b"y\n", 0)])
def test_clear_on_a_real_terminal_asks_and_follows_the_answer(
    tmp_path: Path, answer: bytes, rows: int
) -> None:
    path = tmp_path / "c.sqlite"
    fill(path, PARAMS, 4)
    terminal, stdin = os.openpty()
    try:
        os.write(terminal, answer)
        code, out, err = run_process("cache", "clear", "--cache-path", str(path), stdin=stdin)
    finally:
        os.close(stdin)
        os.close(terminal)
    assert (code, out) == (0, "")
    assert err.startswith(f"Remove every signature in {path} and the scan index? [y/N] ")
    with SignatureCache(path) as cache:
        assert cache.info().rows == rows
