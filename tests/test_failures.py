"""Every failure is one line on stderr and exit 2: bad settings from any source, running
out of memory, a failing disk, a bug. Exit 1 means copies found, never an error."""

from __future__ import annotations

import errno
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner
from fixture_corpus import isolate, write_corpus

import dedup.atomic
import dedup.cli.collapse_cmd
import dedup.collapse
import dedup.engine.run
from dedup.cli import cli
from dedup.cli.common import handle_errors
from dedup.config import MAX_SEED, Config, SettingError, load_config
from dedup.errors import ConfigError


@pytest.fixture(autouse=True)
def corpus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    isolate(monkeypatch, tmp_path)
    return write_corpus(tmp_path)


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def one_error(err: str) -> str:
    """The one line of an error exit, without its prefix (and the test fails otherwise)."""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("dedup: error: "), err
    return lines[0].removeprefix("dedup: error: ")


# -- settings: checked when loaded, from every source ------------------------------------


BAD_SETTINGS = [
    ("extra_junk_patterns", "(", "'(' is not a valid regular expression: missing )"),
    ("junk_patterns", "^Read more[", "'^Read more[' is not a valid regular expression"),
    ("seed", "-1", f"seed must be between 0 and {MAX_SEED}, got -1"),
    ("seed", str(MAX_SEED + 1), f"seed must be between 0 and {MAX_SEED}, got {MAX_SEED + 1}"),
    ("num_perm", "8", "num_perm must be between 16 and 1024, got 8"),
    ("shingle_size", "0", "shingle_size must be between 1 and 50, got 0"),
    ("lsh_threshold", "0.95", "lsh_threshold must be between 0.0 and 0.9, got 0.95"),
    ("similarity", "nan", "similarity must be between 0.0 and 1.0, got nan"),
    ("chain_containment", "-0.1", "chain_containment must be between 0.0 and 1.0, got -0.1"),
    ("min_words", "0", "min_words must be between 1 and 1000000, got 0"),
    ("boilerplate_min_docs", "1", "boilerplate_min_docs must be between 2 and"),
    ("jobs", "-1", "jobs must be between 0 and 1024, got -1"),
]


def toml_value(key: str, raw: str) -> str:
    if key.endswith("patterns"):
        return "[" + ", ".join(f"'{part}'" for part in raw.split(",")) + "]"
    return raw if raw != "nan" else "nan"


@pytest.mark.parametrize(("key", "raw", "message"), BAD_SETTINGS, ids=lambda v: str(v)[:12])
def test_a_bad_environment_variable_is_one_line_naming_it(
    monkeypatch: pytest.MonkeyPatch, key: str, raw: str, message: str
) -> None:
    variable = f"DEDUP_{key.upper()}"
    monkeypatch.setenv(variable, raw)
    code, out, err = run("scan", "corpus")
    assert (code, out) == (2, "")
    line = one_error(err)
    assert line.startswith(f"environment variable {variable}: ")
    assert key in line and message in line


@pytest.mark.parametrize(("key", "raw", "message"), BAD_SETTINGS, ids=lambda v: str(v)[:12])
def test_a_bad_pyproject_setting_is_one_line_naming_the_file(
    tmp_path: Path, key: str, raw: str, message: str
) -> None:
    (tmp_path / "dedup.toml").unlink()
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(f"[tool.dedup]\n{key} = {toml_value(key, raw)}\n", encoding="utf-8")
    code, out, err = run("scan", "corpus")
    assert (code, out) == (2, "")
    line = one_error(err)
    assert line.startswith(f"{pyproject}: ")
    assert key in line and message in line


@pytest.mark.parametrize(
    ("flag", "value", "message"),
    [
        ("--num-perm", "8", "num_perm must be between 16 and 1024, got 8"),
        ("--shingle-size", "51", "shingle_size must be between 1 and 50, got 51"),
        ("--jobs", "2000", "jobs must be between 0 and 1024, got 2000"),
        ("--containment", "1.5", "containment must be between 0.0 and 1.0, got 1.5"),
    ],
)
def test_a_bad_option_is_one_line_naming_the_setting(flag: str, value: str, message: str) -> None:
    code, out, err = run("scan", "corpus", flag, value)
    assert (code, out) == (2, "")
    assert one_error(err) == message


def test_an_option_overrides_a_bad_variable_and_is_not_blamed_on_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DEDUP_NUM_PERM", "8")
    assert run("scan", "corpus", "--num-perm", "64")[0] in (0, 1)
    code, _, err = run("scan", "corpus", "--num-perm", "2000")
    assert (code, one_error(err)) == (2, "num_perm must be between 16 and 1024, got 2000")


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        (
            "junk_patterns = ['^(?P<a>x)']\nextra_junk_patterns = ['^(?P<a>y)']",
            "extra_junk_patterns: the patterns starting with ^ do not combine: "
            "redefinition of group name 'a'",
        ),
        ("extra_junk_patterns = ['']", "extra_junk_patterns: '' is empty"),
        ('cache_path = "a\\u0000b"', "cache_path must not hold a NUL character"),
        ('text_fields = ["text", "bo\\u0000dy"]', "text_fields must not hold a NUL character"),
    ],
)
def test_settings_that_would_fail_later_are_refused_when_loaded(
    tmp_path: Path, toml: str, message: str
) -> None:
    (tmp_path / "dedup.toml").write_text(toml + "\n", encoding="utf-8")
    code, out, err = run("scan", "corpus")
    assert (code, out) == (2, "")
    assert one_error(err).startswith(f"{tmp_path / 'dedup.toml'}: {message}")


def test_the_limits_themselves_are_accepted_and_run(tmp_path: Path) -> None:
    """The bounds are what the engine takes: the highest seed and LSH threshold run with
    the fewest permutations, and find the copy the corpus holds."""
    settings = f"seed = {MAX_SEED}\nlsh_threshold = 0.9\nnum_perm = 16\nshingle_size = 1\n"
    (tmp_path / "dedup.toml").write_text(settings, encoding="utf-8")
    code, out, err = run("scan", "corpus", "--no-cache")
    assert code == 1, err
    assert out and "Traceback" not in err


def test_a_bad_setting_names_itself_without_a_source() -> None:
    with pytest.raises(SettingError) as raised:
        Config(extra_junk_patterns=("a)",))
    assert raised.value.setting == "extra_junk_patterns"
    with pytest.raises(ConfigError, match="environment variable DEDUP_SEED: seed"):
        load_config(environ={"DEDUP_SEED": "-5"}, config_file=None, cwd=Path("/"))


# -- the error handler: one line, exit 2, never 1 -----------------------------------------


def command_raising(exc: BaseException) -> click.Command:
    @click.command()
    @handle_errors
    def failing() -> None:
        raise exc

    return failing


def invoke(exc: BaseException) -> tuple[int, str, str]:
    result = CliRunner().invoke(command_raising(exc))
    return result.exit_code, result.stdout, result.stderr


def test_out_of_memory_is_one_line_and_exit_2() -> None:
    code, out, err = invoke(MemoryError())
    assert (code, out) == (2, "")
    assert one_error(err).startswith("out of memory; ")


@pytest.mark.parametrize(
    ("exc", "line"),
    [
        (OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), "/data/out.jsonl"), "/data/out.jsonl"),
        (PermissionError(errno.EACCES, os.strerror(errno.EACCES), "/ro/cache"), "/ro/cache"),
        (
            OSError(errno.EIO, os.strerror(errno.EIO), "/disk/a", None, "/disk/b"),
            "/disk/a -> /disk/b",
        ),
        (OSError(errno.EIO, os.strerror(errno.EIO)), ""),
    ],
)
def test_a_failing_disk_is_one_line_naming_the_path_and_the_reason(exc: OSError, line: str) -> None:
    code, out, err = invoke(exc)
    assert (code, out) == (2, "")
    reason = exc.strerror
    assert one_error(err) == (f"{line}: {reason}" if line else reason)


def test_a_bug_is_one_line_and_exit_2_with_the_traceback_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    code, out, err = invoke(KeyError("boom"))
    assert (code, out) == (2, "")
    line = one_error(err)
    found = re.fullmatch(
        r"internal error: KeyError: 'boom' \(a bug: please report it with (.+)\)", line
    )
    assert found, line
    report = Path(found.group(1)).read_text(encoding="utf-8")
    assert "Traceback" in report and "raise exc" in report


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")
@pytest.mark.parametrize("command", [["scan", "corpus"], ["collapse", "corpus", "-o", "-"]])
def test_results_on_a_full_disk_are_one_line_and_exit_2(command: list[str]) -> None:
    """Not Python's own "Exception ignored" lines and exit 120 when stdout is on a full disk."""
    with open("/dev/full", "w", encoding="utf-8") as full:
        done = subprocess.run(
            [sys.executable, "-m", "dedup", *command, "--no-cache"],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
    assert done.returncode == 2
    assert one_error(done.stderr).endswith("No space left on device")


def test_usage_errors_stay_clicks_own() -> None:
    code, _, err = invoke(click.UsageError("give exactly one of --output FILE or --output-dir DIR"))
    assert code == 2
    assert "Usage:" in err and "internal error" not in err


def test_out_of_memory_in_a_real_command_is_exit_2(monkeypatch: pytest.MonkeyPatch) -> None:
    def exhausted(*args: Any, **kwargs: Any) -> None:
        raise MemoryError

    monkeypatch.setattr(dedup.engine.run, "find_duplicates", exhausted)
    code, out, err = run("collapse", "corpus", "-o", "out.jsonl")
    assert (code, out) == (2, "")
    assert one_error(err).startswith("out of memory")


# -- collapse on a full disk: the previous output stays, nothing half-written -------------


def snapshot(root: Path) -> dict[str, bytes]:
    files = (p for p in root.rglob("*") if p.is_file() and ".user-cache" not in p.parts)
    return {str(p.relative_to(root)): p.read_bytes() for p in files}


class FullDisk:
    """A text file on a disk with ``room[0]`` characters left (shared by every file opened
    on it): it takes what fits, then fails as a full disk does."""

    def __init__(self, handle: Any, room: list[int]) -> None:
        self.handle = handle
        self.room = room

    def write(self, text: str) -> int:
        if len(text) > self.room[0]:
            self.handle.write(text[: self.room[0]])
            self.handle.flush()
            self.room[0] = 0
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self.room[0] -= len(text)
        return int(self.handle.write(text))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.handle, name)

    def __enter__(self) -> FullDisk:
        return self

    def __exit__(self, *exc: object) -> None:
        self.handle.close()


def fill_after(room: int, opener: Callable[..., Any]) -> Callable[..., Any]:
    """``opener`` whose files opened for writing fill the disk after ``room`` characters."""
    left = [room]

    def opened(*args: Any, **kwargs: Any) -> Any:
        handle = opener(*args, **kwargs)
        return FullDisk(handle, left) if "w" in handle.mode else handle

    return opened


def fail_fsync(descriptor: int) -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


@pytest.mark.parametrize("how", ["write", "fsync"])
def test_a_full_disk_leaves_the_previous_jsonl_output_and_no_partial_file(
    tmp_path: Path, corpus: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    assert run("collapse", "corpus", "-o", "out.jsonl")[0] == 0
    (tmp_path / "out.jsonl").write_text("the previous output\n", encoding="utf-8")
    before = snapshot(tmp_path)
    if how == "write":
        monkeypatch.setattr(dedup.atomic.os, "fdopen", fill_after(300, os.fdopen))
    else:
        monkeypatch.setattr(dedup.atomic.os, "fsync", fail_fsync)
    code, out, err = run("collapse", "corpus", "-o", "out.jsonl", "--force")
    assert (code, out) == (2, "")
    assert one_error(err) == "out.jsonl: cannot write: No space left on device"
    assert snapshot(tmp_path) == before  # the target, the inputs, and no temporary file


@pytest.mark.parametrize("room", [10, 2000])
def test_a_full_disk_leaves_the_previous_output_folder_and_no_partial_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, room: int
) -> None:
    assert run("collapse", "corpus", "--output-dir", "out")[0] == 0
    before = snapshot(tmp_path)
    monkeypatch.setattr(dedup.atomic, "open", fill_after(room, open), raising=False)
    code, out, err = run("collapse", "corpus", "--output-dir", "out", "--force")
    assert (code, out) == (2, "")
    assert one_error(err) == "out: cannot write: No space left on device"
    assert snapshot(tmp_path) == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".out")) == []
