"""A reader that stops early (``dedup scan corpus/ | head -1``): dedup ends quietly, with
the exit code its run had reached, through a real pipe whose reading end is closed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from fixture_corpus import isolate

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
LIBRARY = "examples/dumps/04_library_amnesty.txt"


@pytest.fixture(autouse=True)
def examples(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    isolate(monkeypatch, tmp_path)
    shutil.copytree(EXAMPLES, tmp_path / "examples")
    return tmp_path / "examples"


def start(*args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "dedup", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )


def closed_at_once(*args: str) -> tuple[int, str]:
    """Run dedup with its stdout's reader gone before the first result is written."""
    with start(*args) as process:
        assert process.stdout is not None and process.stderr is not None
        process.stdout.close()
        err = process.stderr.read().decode()
        return process.wait(timeout=120), err


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("scan", "examples/", "--no-cache"), 1),
        (("scan", "examples/", "--only", "copies", "-0", "--no-cache"), 1),
        (("scan", "examples/", "--exit-zero", "--no-cache"), 0),
        (("check", LIBRARY, "examples/articles/library_amnesty_copy.txt", "--no-cache"), 1),
        (("explain", "examples/articles/library_amnesty_copy.txt", LIBRARY), 1),
        (("split", "examples/"), 0),
    ],
)
def test_a_reader_gone_before_any_result_ends_the_run_quietly_with_its_code(
    args: tuple[str, ...], code: int
) -> None:
    status, err = closed_at_once(*args)
    assert (status, err) == (code, "")


def test_a_reader_that_takes_one_line_and_closes_gets_exit_1_and_no_message() -> None:
    """``| head -1`` for real: the pipe holds 4 KiB, the JSON report is larger, so dedup
    is still writing when the reader closes; the summary line that would follow the
    report never comes, which shows the run ended at the closed pipe."""
    fcntl = pytest.importorskip("fcntl")
    if not hasattr(fcntl, "F_SETPIPE_SZ"):
        pytest.skip("pipe sizes cannot be set here")
    with start("scan", "examples/", "--format", "json", "--no-cache") as process:
        assert process.stdout is not None and process.stderr is not None
        fcntl.fcntl(process.stdout.fileno(), fcntl.F_SETPIPE_SZ, 4096)
        first = b""
        while not first.endswith(b"\n"):
            chunk = os.read(process.stdout.fileno(), 1)
            assert chunk, "dedup ended before writing its first line"
            first += chunk
        process.stdout.close()
        err = process.stderr.read().decode()
        code = process.wait(timeout=120)
    assert first.startswith(b'{"schema_version": 1,')
    assert (code, err) == (1, "")


def test_a_reader_that_reads_everything_sees_the_summary_and_the_same_code() -> None:
    """The other side of the test above: with nobody closing early, the run goes on to
    print its summary, and exits 1 for the copies it found."""
    done = subprocess.run(
        [sys.executable, "-m", "dedup", "scan", "examples/", "--format", "json", "--no-cache"],
        capture_output=True,
        check=False,
    )
    assert done.returncode == 1
    assert done.stdout.startswith(b'{"schema_version": 1,')
    assert "10 copies" in done.stderr.decode()
