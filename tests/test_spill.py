"""Spill files: stale folders of dead runs go, damaged or unwritable files are one line."""

from __future__ import annotations

import os
import pickle
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner
from fixture_corpus import isolate, write_corpus
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dedup.cli import cli
from dedup.engine import spill as spill_module
from dedup.engine import spill_folders
from dedup.engine.spill import Spill, SpillWriter
from dedup.engine.spill_folders import PREFIX, remove_stale
from dedup.errors import DedupError, SpillError
from dedup.text.prepare import _locate_units

fcntl = pytest.importorskip("fcntl")


def dead_pid() -> int:
    """The pid of a process that has ended (and been reaped)."""
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    pid = int(done.stdout)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return pid
    pytest.skip("the pid of an ended process was taken again at once")


@pytest.fixture
def spill(tmp_path: Path) -> Iterator[Spill]:
    with Spill(str(tmp_path)) as made:
        yield made


def one_line(error: DedupError) -> str:
    message = str(error)
    assert "\n" not in message
    return message


def test_a_spill_folder_names_its_process_and_close_removes_it(tmp_path: Path) -> None:
    with Spill(str(tmp_path)) as spill:
        folder = Path(spill.folder)
        assert folder.parent == tmp_path
        assert folder.name.startswith(f"{PREFIX}{os.getpid()}-")
    assert not folder.exists()


def test_the_folder_a_dead_run_left_is_removed_by_the_next_spill(tmp_path: Path) -> None:
    stale = tmp_path / f"{PREFIX}{dead_pid()}-abcd_123"
    (stale / "sub").mkdir(parents=True)
    (stale / "part-0.bin").write_bytes(b"x" * 100)
    with Spill(str(tmp_path)):
        assert not stale.exists()


def test_the_folder_of_a_live_run_is_kept(tmp_path: Path) -> None:
    live = tmp_path / f"{PREFIX}{os.getpid()}-abcdefgh"
    live.mkdir()
    (live / "part-0.bin").write_bytes(b"kept")
    with Spill(str(tmp_path)):
        pass
    assert (live / "part-0.bin").read_bytes() == b"kept"


def test_a_locked_folder_is_kept_even_when_its_pid_is_not_alive_here(tmp_path: Path) -> None:
    # A run in another pid namespace sharing TMPDIR: its pid means nothing here, its lock does.
    other = tmp_path / f"{PREFIX}{dead_pid()}-abcdefgh"
    other.mkdir()
    fd = os.open(other, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        assert remove_stale(str(tmp_path)) == []
        assert other.is_dir()
    finally:
        os.close(fd)
    assert remove_stale(str(tmp_path)) == [str(other)]


def test_only_names_spill_gives_its_folders_are_ever_removed(tmp_path: Path) -> None:
    pid = dead_pid()
    kept = [f"{PREFIX}{pid}-abcdefg", f"{PREFIX}{pid}-abcdefgh.bak", f"x{PREFIX}{pid}-abcdefgh"]
    kept += [f"{PREFIX}{pid}-ABCDEFGH", f"{PREFIX}-abcdefgh", f"{PREFIX}{pid}abcdefgh"]
    for name in kept:
        (tmp_path / name).mkdir()
    (tmp_path / f"{PREFIX}{pid}-file0000").write_text("a file, not a folder")
    target = tmp_path / "target"
    target.mkdir()
    (target / "data").write_text("precious")
    (tmp_path / f"{PREFIX}{pid}-link0000").symlink_to(target, target_is_directory=True)
    assert remove_stale(str(tmp_path)) == []
    assert all((tmp_path / name).is_dir() for name in kept)
    assert (tmp_path / f"{PREFIX}{pid}-file0000").is_file()
    assert (target / "data").read_text() == "precious"


def written(spill: Spill) -> tuple[tuple[int, int, int, int], str]:
    """One text spilled and read back as a scan does: its place and its file."""
    writer = spill.writer(spill.next_part())
    text = "title\nfirst unit\nsecond"
    units = type("U", (), {})()
    units.prepared = type("P", (), {"text": text})()
    units.lengths = [10, 6]
    place = writer.write(units)
    writer.close()
    assert spill.read(place)[0] == text
    return place, os.path.join(spill.folder, f"part-{place[0]}.bin")


def test_a_truncated_spill_file_is_one_line_naming_it(spill: Spill) -> None:
    place, path = written(spill)
    os.truncate(path, place[2] // 2)
    with pytest.raises(SpillError) as caught:
        spill.read(place)
    assert path in one_line(caught.value)
    assert str(caught.value).endswith("run again")


def test_a_missing_spill_file_is_one_line_naming_it(spill: Spill) -> None:
    place, _ = written(spill)
    missing = os.path.join(spill.folder, f"part-{place[0] + 1}.bin")
    with pytest.raises(SpillError, match="is missing") as caught:
        spill.read_bytes((place[0] + 1, 0, 4))
    assert missing in one_line(caught.value)


def test_spill_text_that_does_not_decode_is_one_line(spill: Spill) -> None:
    place, path = written(spill)
    with open(path, "r+b") as file:
        file.write(b"\xff" * place[2])
    with pytest.raises(SpillError, match="fail their checksum") as caught:
        spill.read(place)
    assert path in one_line(caught.value)


def test_a_text_changed_under_a_run_is_never_read_as_it_is(spill: Spill) -> None:
    """A letter changed in a spilled text still decodes: only its checksum tells, and a
    changed text must never be scored (its verdict would be stored under the old digest)."""
    place, path = written(spill)
    data = bytearray(Path(path).read_bytes())
    data[0] = ord("Z") if data[0] != ord("Z") else ord("Y")
    Path(path).write_bytes(bytes(data))
    with pytest.raises(SpillError, match="fail their checksum"):
        spill.read(place)


def test_unit_lengths_that_do_not_fit_the_text_are_one_line(spill: Spill) -> None:
    place, path = written(spill)
    data = bytearray(Path(path).read_bytes())
    data[place[2] : place[2] + 4] = (10_000).to_bytes(4, "little")
    with open(path, "r+b") as file:
        file.write(bytes(data))
    with pytest.raises(SpillError, match="fail their checksum"):
        spill.read(place)
    with pytest.raises(SpillError, match="fail their checksum"):
        spill.read_lengths(place)


def test_unit_lengths_read_as_a_list_are_those_read_as_an_array(spill: Spill) -> None:
    place, _ = written(spill)
    text, lengths = spill.read(place)
    assert spill.read_lengths(place) == (text, lengths.tolist())


def test_spill_errors_travel_between_processes_whole() -> None:
    error = SpillError("/tmp/x/part-1.bin", "spill file /tmp/x/part-1.bin is missing; run again")
    back = pickle.loads(pickle.dumps(error))
    assert (type(back), back.path, str(back)) == (SpillError, error.path, str(error))


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_full_disk_while_spilling_is_one_line_suggesting_tmpdir() -> None:
    writer = SpillWriter("/dev/full", 0)
    writer.write_bytes(b"x" * 100)
    with pytest.raises(SpillError) as caught:
        writer.flush()
    with pytest.raises(SpillError):
        writer.close()
    message = one_line(caught.value)
    assert "/dev/full" in message and "No space left on device" in message
    assert "TMPDIR" in message


@pytest.fixture
def scan_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A small corpus, with temporary files under ``tmp_path / "tmp"``."""
    isolate(monkeypatch, tmp_path)
    write_corpus(tmp_path)
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    return tmp_path


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_scan_on_a_full_disk_exits_2_with_one_line(
    scan_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_open = open
    monkeypatch.setattr(
        spill_module,
        "open",
        lambda _path, mode, **options: real_open("/dev/full", mode, **options),
        raising=False,
    )
    result = CliRunner().invoke(cli, ["scan", "corpus", "--jobs", "1", "--no-cache"])
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith("dedup: error: cannot write spill file ")
    assert "TMPDIR" in line
    assert os.listdir(scan_dir / "tmp") == []


def cut_spill_files(monkeypatch: pytest.MonkeyPatch, times: int) -> None:
    """Cut the spill files the next ``times`` spill folders get in half as they are closed
    (``--jobs 1`` writes them in this process)."""
    real_close, folders = SpillWriter.close, set()

    def close_and_cut(self: SpillWriter) -> None:
        real_close(self)
        folders.add(os.path.dirname(self.path))
        if len(folders) <= times:
            os.truncate(self.path, self.offset // 2)

    monkeypatch.setattr(SpillWriter, "close", close_and_cut)


def test_scan_with_its_spill_files_damaged_twice_exits_2_with_one_error(
    scan_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cut_spill_files(monkeypatch, times=2)
    result = CliRunner().invoke(cli, ["scan", "corpus", "--jobs", "1", "--no-cache"])
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    warning, error = result.stderr.splitlines()
    assert warning.startswith("dedup: warning: ")
    assert warning.endswith("reading the inputs again")
    assert error.startswith("dedup: error: spill file ")
    assert error.endswith("run again")
    assert os.listdir(scan_dir / "tmp") == []


def untimed(stderr: str) -> list[str]:
    """Lines of ``stderr`` with the summary's seconds left out."""
    return [re.sub(r" in \d+\.\ds$", "", line) for line in stderr.splitlines()]


@pytest.mark.parametrize(
    "argv",
    [
        ["scan", "corpus", "--format", "jsonl"],
        ["check", "--corpus-root", "corpus", "corpus/copy.txt"],
        ["collapse", "corpus", "--output", "-", "--dry-run"],
    ],
)
def test_a_spill_file_damaged_once_is_read_again_with_a_warning(
    scan_dir: Path, monkeypatch: pytest.MonkeyPatch, argv: list[str]
) -> None:
    argv = [*argv, "--jobs", "1", "--no-cache"]
    clean = CliRunner().invoke(cli, argv)
    cut_spill_files(monkeypatch, times=1)
    damaged = CliRunner().invoke(cli, argv)
    assert (damaged.exit_code, damaged.stdout) == (clean.exit_code, clean.stdout)
    before = untimed(clean.stderr)
    (warning,) = [x for x in untimed(damaged.stderr) if x not in before]
    assert warning.startswith(f"dedup: warning: {scan_dir / 'tmp'}")
    assert "is shorter than what was written to it; reading the inputs again" in warning
    assert os.listdir(scan_dir / "tmp") == []


_UNIT = st.text(alphabet=st.sampled_from("ab é€\U0001f600"), min_size=1, max_size=9)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.tuples(st.text(max_size=6), st.lists(_UNIT, max_size=5)), max_size=4))
def test_written_units_are_the_sealed_text_and_lengths_read_back(
    spill: Spill, articles: list[tuple[str, list[str]]]
) -> None:
    writer = spill.writer(spill.next_part())
    places = []
    sealed = []
    for title, kept in articles:
        units = _locate_units(title, kept, 0)
        places.append(writer.write(units))
        lengths = np.array([len(u) for u in kept], dtype="<i4").tobytes()
        data = units.prepared.text.encode() + lengths
        sealed.append(data + zlib.crc32(data).to_bytes(4, "little"))
    writer.close()
    with open(writer.path, "rb") as file:
        assert file.read() == b"".join(sealed)  # what write_sealed(text + lengths) writes
    for (title, kept), place in zip(articles, places, strict=True):
        text, lengths = spill.read(place)
        assert text == _locate_units(title, kept, 0).prepared.text
        assert lengths.tolist() == [len(u) for u in kept]


def _interrupted(then: Callable[..., Any]) -> Callable[..., Any]:
    """``then``, once a Ctrl-C has reached this process (as a terminal sends it)."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        signal.raise_signal(signal.SIGINT)
        return then(*args, **kwargs)

    return wrapper


def test_a_ctrl_c_while_the_spill_folder_is_made_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(spill_folders, "_hold_lock", _interrupted(spill_folders._hold_lock))
    with pytest.raises(KeyboardInterrupt), Spill(str(tmp_path)):
        pass
    assert list(tmp_path.iterdir()) == []


def test_the_spill_folder_exists_only_inside_the_with_block(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Made on entering, not on creating: a Ctrl-C between the two leaves nothing. Used
    outside the block, a spill writes nowhere (not in the current folder)."""
    monkeypatch.chdir(tmp_path)
    spill = Spill(str(tmp_path))
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(RuntimeError, match="inside its with block"):
        spill.writer(spill.next_part())
    assert list(tmp_path.iterdir()) == []
    with spill:
        (made,) = tmp_path.iterdir()
        assert made.is_dir() and made.name.startswith(PREFIX)
    assert list(tmp_path.iterdir()) == []


def test_a_ctrl_c_while_the_spill_folder_is_removed_waits_until_it_is_gone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(KeyboardInterrupt), Spill(str(tmp_path)) as spill:
        spill.writer(spill.next_part()).close()
        monkeypatch.setattr(spill_module.shutil, "rmtree", _interrupted(shutil.rmtree))
    assert list(tmp_path.iterdir()) == []


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(st.lists(st.lists(_UNIT, max_size=4), max_size=5), min_size=1, max_size=3),
    st.integers(min_value=1, max_value=120),
    st.randoms(use_true_random=False),
)
def test_texts_read_together_are_the_texts_read_one_by_one(
    spill: Spill,
    monkeypatch: pytest.MonkeyPatch,
    parts: list[list[list[str]]],
    run_bytes: int,
    shuffle: Any,
) -> None:
    """Texts of one part or several, asked for in any order, in runs of any size."""
    monkeypatch.setattr(spill_module, "READ_RUN_BYTES", run_bytes)
    places = []
    for texts in parts:
        writer = spill.writer(spill.next_part())
        places += [writer.write(_locate_units("t", kept, 0)) for kept in texts]
        writer.close()
    asked = places + places[: len(places) // 2]
    shuffle.shuffle(asked)
    assert spill.read_texts(asked) == [spill.read_text(place) for place in asked]


def test_a_changed_text_among_texts_read_together_is_never_read(spill: Spill) -> None:
    writer = spill.writer(spill.next_part())
    places = [writer.write(_locate_units("t", [f"unit {n}", "more"], 0)) for n in range(5)]
    writer.close()
    with open(writer.path, "r+b") as file:
        file.seek(places[3][1] + 2)
        file.write(b"X")  # still UTF-8: only the checksum tells
    assert spill.read_texts(places[:3]) == [spill.read_text(p) for p in places[:3]]
    with pytest.raises(SpillError, match="fail their checksum") as caught:
        spill.read_texts(places)
    assert writer.path in one_line(caught.value)
