"""Hostile input: a gzip bomb, a huge line, pipes and devices as paths, symlink loops, a
byte-order mark in JSON. Each is met with a one-line warning naming the file (and line),
the documented exit code, no traceback, and reading bounded by ``max_file_mb``."""

from __future__ import annotations

import dataclasses
import gzip
import json
import os
import subprocess
import sys
import threading
import tracemalloc
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from newsgen import story

from dedup.cli import cli
from dedup.config import Config, load_config
from dedup.engine import ingest
from dedup.engine.run import find_duplicates, scan_paths
from dedup.errors import ConfigError, InputError
from dedup.read import decode
from dedup.read.files import read_articles
from dedup.tuning import Tuning

WriteFile = Callable[..., Path]
MIB = 1 << 20
#: The limit the tests set: 1 MiB, through the setting's environment variable.
LIMIT_ENV = {"DEDUP_MAX_FILE_MB": "1"}
LIMIT_HINT = "(raise it with DEDUP_MAX_FILE_MB or max_file_mb in [tool.dedup])"
needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")


def record(title: str) -> str:
    return json.dumps({"title": title, "text": f"The text of {title.lower()}."}) + "\n"


def split(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, ["split", *args], env=env)


def titles(result: Result) -> list[str]:
    return [line.split("\t")[-1] for line in result.stdout.splitlines()]


def warnings_of(result: Result) -> list[str]:
    """stderr's warning lines, after checking stderr holds nothing else but the summary."""
    lines = result.stderr.splitlines()
    assert "Traceback" not in result.stderr
    assert all(line.startswith("dedup: ") for line in lines), lines
    return [line.removeprefix("dedup: warning: ") for line in lines if "warning: " in line]


def test_limit_is_a_checked_setting(tmp_path: Path) -> None:
    assert Config().max_file_mb == 256
    assert load_config(cwd=tmp_path, environ={"DEDUP_MAX_FILE_MB": "4"}).max_file_mb == 4
    with pytest.raises(ConfigError, match="max_file_mb must be between 1 and"):
        load_config(cwd=tmp_path, environ={"DEDUP_MAX_FILE_MB": "0"})
    with pytest.raises(ConfigError, match="max_file_mb must be a whole number"):
        load_config(cwd=tmp_path, environ={"DEDUP_MAX_FILE_MB": "1GB"})


def test_gzip_bomb_is_skipped_without_reading_past_the_limit(write_file: WriteFile) -> None:
    # 4 MiB inflated from a few KiB, then cut short: reading all of it would fail as a
    # damaged gzip file; stopping at the 1 MiB limit never reaches the cut.
    packed = gzip.compress(b"a" * (4 * MIB), mtime=0)
    bomb = write_file("bomb.txt.gz", packed[: len(packed) // 2])
    good = write_file("good.jsonl", record("Kept"))
    result = split(str(bomb), str(good), env=LIMIT_ENV)
    assert result.exit_code == 0
    assert titles(result) == ["Kept"]
    assert warnings_of(result) == [
        f"{bomb}: file over the 1 MiB limit once gunzipped, skipped {LIMIT_HINT}"
    ]


def test_a_file_just_under_the_limit_is_read(write_file: WriteFile) -> None:
    body = "Words of an article that goes on. " * (MIB // 40)
    path = write_file("big.txt.gz", f"Long article\n\n{body}\n", gz=True)
    result = split(str(path), env=LIMIT_ENV)
    assert result.exit_code == 0 and titles(result) == ["Long article"]
    assert warnings_of(result) == []


def test_huge_single_line_text_file_is_skipped_before_reading(write_file: WriteFile) -> None:
    huge = write_file("one-line.txt", b"word " * (MIB // 2))
    result = split(str(huge), env=LIMIT_ENV)
    assert result.exit_code == 0 and result.stdout == ""
    assert warnings_of(result) == [f"{huge}: file over the 1 MiB limit, skipped {LIMIT_HINT}"]


def test_jsonl_line_over_the_limit_is_skipped_and_named(write_file: WriteFile) -> None:
    long_line = json.dumps({"title": "Huge", "text": "x" * (2 * MIB)}) + "\n"
    for gz in (False, True):
        path = write_file(f"feed{gz}.jsonl", record("Before") + long_line + record("After"), gz=gz)
        result = split(str(path), env=LIMIT_ENV)
        assert result.exit_code == 0
        assert titles(result) == ["Before", "After"]
        assert result.stdout.splitlines()[1].split("\t")[1:3] == ["2", "3"]  # index, line
        assert warnings_of(result) == [f"{path}:2: line over the 1 MiB limit, skipped {LIMIT_HINT}"]


def test_line_reading_holds_no_more_than_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "long.jsonl"
    path.write_bytes(
        b'{"title": "a", "text": "' + b"x" * (8 * MIB) + b'"}\n' + record("b").encode()
    )
    tracemalloc.start()
    try:
        lines = list(decode.iter_raw_lines(str(path), MIB))
        with path.open("rb") as file:
            cuts = list(ingest.cut_lines(file, 64 * 1024))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert lines == [(1, None), (2, record("b").encode())]
    assert [lines for _, lines, _ in cuts] == [1, 1]
    assert sum(size for size, _, _ in cuts) == path.stat().st_size
    assert peak < 3 * MIB, f"peak {peak} bytes while reading an 8 MiB line with a 1 MiB limit"


def test_whole_reading_holds_no_more_than_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "bomb.txt.gz"
    path.write_bytes(gzip.compress(b"word " * (4 * MIB), mtime=0))
    tracemalloc.start()
    try:
        with pytest.raises(InputError, match="file over the 1 MiB limit"):
            decode.read_whole(str(path), MIB)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 3 * MIB, f"peak {peak} bytes while reading a 20 MiB bomb with a 1 MiB limit"


def test_byte_ranges_skip_a_long_line_as_a_whole_read_does(tmp_path: Path) -> None:
    path = tmp_path / "export.jsonl"
    lines = [record(f"Story {n}") for n in range(200)]
    title, body = story(1, paragraphs=4)
    lines[0] = lines[150] = json.dumps({"title": title, "text": "\n\n".join(body)}) + "\n"
    lines[50] = json.dumps({"title": "Huge", "text": "y" * (3 * MIB)}) + "\n"
    path.write_bytes(b"\xef\xbb\xbf" + "".join(lines).encode())  # a BOM before record 1
    base = load_config({"cache": False, "jobs": 1, "max_file_mb": 1}, cwd=tmp_path, environ={})
    config = dataclasses.replace(base, tuning=Tuning(part_bytes=3000, range_bytes=6000))
    parts = ingest.plan_parts([(0, str(path), path.stat().st_size)], config.tuning)
    assert len(parts) > 3, "the export is read in byte ranges"
    whole: list[InputError] = []
    articles = list(read_articles([str(path)], base, on_warning=whole.append))
    want = [g.to_dict() for g in find_duplicates(articles, base).groups]
    assert len(articles) == 199 and (articles[0].index, articles[0].line) == (0, 1)
    members = [want[0]["canonical"], *want[0]["copies"]]
    assert sorted((m["index"], m["line"]) for m in members) == [(0, 1), (150, 151)]
    warnings: list[InputError] = []
    per_file: Counter[str] = Counter()
    result = scan_paths([str(path)], config, on_warning=warnings.append, per_file=per_file)
    assert [g.to_dict() for g in result.groups] == want
    assert per_file == {str(path): 199}
    assert [str(w) for w in warnings] == [str(w) for w in whole]
    assert [str(w) for w in warnings] == [
        f"{path}:51: line over the 1 MiB limit, skipped {LIMIT_HINT}"
    ]


@pytest.mark.parametrize("bom", [b"\xef\xbb\xbf", b"\xef\xbb\xbf\n", b"\xef\xbb\xbf  \n"])
def test_byte_ranges_count_records_as_a_whole_read_does(tmp_path: Path, bom: bytes) -> None:
    path = tmp_path / "export.jsonl"
    path.write_bytes(bom + "".join(record(f"Story {n}") for n in range(300)).encode())
    config = load_config({"cache": False, "max_file_mb": 1}, cwd=tmp_path, environ={})
    tuning = Tuning(part_bytes=2000, range_bytes=4000)
    parts = ingest.plan_parts([(0, str(path), path.stat().st_size)], tuning)
    articles = list(read_articles([str(path)], config))
    assert len(parts) > 3 and len(articles) == 300
    first_line = {a.line: a.index for a in articles}
    for (piece,) in parts[1:]:
        assert first_line[piece.line + 1] == piece.first  # the records before the range


def run_dedup(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """dedup in its own process, with 1 GiB of address space and a minute: reading that
    never stops fails the test (MemoryError, timeout) instead of the machine."""

    def cap_memory() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    command = [sys.executable, "-m", "dedup", *args]
    return subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, timeout=60, preexec_fn=cap_memory
    )


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero here")
def test_device_given_as_a_path_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "good.jsonl").write_text(record("Kept"))
    result = run_dedup("split", "/dev/zero", "good.jsonl", cwd=tmp_path)
    assert result.returncode == 0
    assert [line.split("\t")[-1] for line in result.stdout.splitlines()] == ["Kept"]
    assert result.stderr.splitlines() == [
        "dedup: warning: /dev/zero: not a regular file (a character device), skipped",
        "dedup: 1 article read from 1 file, 1 warning",
        "dedup: skipped 1 file (1 not a regular file)",
    ]


@needs_fifo
def test_pipe_in_a_folder_is_skipped_never_opened(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    os.mkfifo(corpus / "feed.jsonl")  # no writer: opening it would wait forever
    (corpus / "story.jsonl").write_text(record("Kept"))
    result = run_dedup("split", "corpus", cwd=tmp_path)
    assert result.returncode == 0
    assert [line.split("\t")[-1] for line in result.stdout.splitlines()] == ["Kept"]
    assert result.stderr.splitlines() == [
        f"dedup: warning: {Path('corpus', 'feed.jsonl')}: not a regular file (a pipe), skipped",
        "dedup: 1 article read from 1 file, 1 warning",
        "dedup: skipped 1 file (1 not a regular file)",
    ]


@needs_fifo
def test_pipe_named_as_a_path_is_read_bounded(tmp_path: Path) -> None:
    fifo = tmp_path / "feed.jsonl"
    os.mkfifo(fifo)
    huge = json.dumps({"title": "Huge", "text": "z" * (2 * MIB)}) + "\n"

    def feed() -> None:
        with fifo.open("w") as stream:
            stream.write(record("Early") + huge + record("Late"))

    writer = threading.Thread(target=feed)
    writer.start()
    result = split(str(fifo), env=LIMIT_ENV)
    writer.join(10)
    assert result.exit_code == 0 and titles(result) == ["Early", "Late"]
    assert warnings_of(result) == [f"{fifo}:2: line over the 1 MiB limit, skipped {LIMIT_HINT}"]


def test_symlink_loops_are_walked_once(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "inner").mkdir(parents=True)
    (corpus / "a.jsonl").write_text(record("Alpha"))
    (corpus / "inner" / "b.jsonl").write_text(record("Beta"))
    (corpus / "loop").symlink_to(".")
    (corpus / "inner" / "up").symlink_to("..")
    (corpus / "self.jsonl").symlink_to("self.jsonl")
    result = split(str(corpus))
    assert result.exit_code == 0
    assert titles(result) == ["Alpha", "Beta"]
    assert warnings_of(result) == []


def test_a_named_symlink_loop_is_an_input_error(tmp_path: Path) -> None:
    loop = tmp_path / "self.txt"
    loop.symlink_to("self.txt")
    result = split(str(loop))
    assert result.exit_code == 2 and result.stdout == ""
    assert (
        result.stderr == f"dedup: error: {loop}: symbolic link: Too many levels of symbolic links\n"
    )


@pytest.mark.parametrize("name", ["list.json", "list.json.gz", "feed.jsonl", "feed.jsonl.gz"])
def test_byte_order_mark_in_json_is_read_like_in_text(write_file: WriteFile, name: str) -> None:
    if ".jsonl" in name:
        content = record("First") + record("Second")
    else:
        content = json.dumps([json.loads(record("First")), json.loads(record("Second"))])
    path = write_file(name, content, bom=True, gz=name.endswith(".gz"))
    result = split(str(path))
    assert result.exit_code == 0
    assert titles(result) == ["First", "Second"]
    assert warnings_of(result) == []


@pytest.mark.parametrize("name", ["list.json", "feed.jsonl"])
def test_lone_surrogate_escapes_are_replaced_and_named_once(
    write_file: WriteFile, name: str
) -> None:
    """A JSON escape may name half a UTF-16 pair, which no text holds: it once stopped the
    run with an internal error. It is read as U+FFFD, with one warning for the file."""
    lines = [record("Mayor \\ud800 resigns"), record("Fire \\udfff at the docks"), record("Third")]
    lines = [line.replace("\\\\ud800", "\\ud800").replace("\\\\udfff", "\\udfff") for line in lines]
    content = "".join(lines) if name.endswith(".jsonl") else "[" + ",".join(lines) + "]"
    result = split(str(write_file(name, content)))
    assert result.exit_code == 0
    assert titles(result) == ["Mayor \ufffd resigns", "Fire \ufffd at the docks", "Third"]
    where = f"{name}:1: " if name.endswith(".jsonl") else f"{name}: "
    replaced = "lone surrogate escapes (\\ud800-\\udfff), replaced with U+FFFD"
    assert [w.split(os.sep)[-1] for w in warnings_of(result)] == [where + replaced]
