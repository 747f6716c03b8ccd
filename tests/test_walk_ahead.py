"""A folder walked ahead in a forked child gives what walking it in the process gives."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from fixture_corpus import write_copy_of_ferry, write_corpus

from dedup.config import Config
from dedup.errors import InputError
from dedup.read.ahead import WalkAhead, Walked, can_fork, decode, encode, walk_paths

LINUX = sys.platform.startswith("linux")


def folder_of_everything(root: Path) -> Path:
    """A corpus folder holding what a walk meets: files in nested folders, names left out
    by the globs, a pipe (a warning), a symbolic link, a name that is not UTF-8."""
    corpus = root / "corpus"
    for name in ("a/one.txt", "a/b/two.txt", "c/three.jsonl", "notes.md", "skip/four.txt"):
        (corpus / name).parent.mkdir(parents=True, exist_ok=True)
        (corpus / name).write_text(f"{name}\n\nA story of {name} in a few words.\n")
    (corpus / "picture.png").write_bytes(b"\x89PNG")
    (corpus / "empty").mkdir()
    (corpus / "a" / "link.txt").symlink_to(corpus / "notes.md")
    os.mkfifo(corpus / "c" / "pipe.txt")
    (corpus / "d").mkdir()
    with open(os.path.join(os.fsencode(corpus / "d"), b"caf\xe9.txt"), "wb") as latin:
        latin.write(b"Caf\xc3\xa9 story\n")
    return corpus


CONFIG = Config(exclude=("skip",))


def described(walked: Walked) -> list[object]:
    """The walk as plain values, comparable across processes (warnings, being exceptions,
    are equal only to themselves)."""
    events = [
        ["warning", e.path, e.reason] if isinstance(e, InputError) else ["file", *e]
        for e in walked.events
    ]
    return [events, [list(left) for left in walked.left_out]]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_walk_written_and_read_back_is_the_same_walk(tmp_path: Path) -> None:
    walked = walk_paths([str(folder_of_everything(tmp_path))], CONFIG, tidy=True)
    kinds = {type(e) for e in walked.events}
    assert kinds == {InputError, type(walked.events[0])}, "the folder yields files and a warning"
    assert walked.left_out, "the globs leave things out"
    assert described(read_back(encode(walked))) == described(walked)
    assert decode(encode(Walked([], []))) == Walked([], [])
    only_warnings = Walked([e for e in walked.events if isinstance(e, InputError)], [])
    assert described(read_back(encode(only_warnings))) == described(only_warnings)


def read_back(data: bytes) -> Walked:
    walked = decode(data)
    assert walked is not None
    return walked


def test_a_walk_cut_short_or_padded_is_not_read() -> None:
    data = encode(Walked([], [("skip", "folder", "excluded")]))
    assert decode(data) is not None
    for damaged in (b"", data[:5], data[:-1], data + b"\0"):
        assert decode(damaged) is None


WALK_IN_CHILD = """
import json, os, sys
from dedup.config import Config
from dedup.errors import InputError
from dedup.read import ahead

if sys.argv[2] == "fail":
    ahead.encode = lambda walked: 1 / 0
if sys.argv[2] == "no-reaping":
    import signal
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
if sys.argv[2] == "killed":  # a walk that would take a minute, its parent killed
    import signal, time
    ahead.walk_paths = lambda *args, **kwargs: time.sleep(60)
    early = ahead.WalkAhead([sys.argv[1]], Config(), tidy=True).__enter__()
    print(json.dumps(early.child), flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
if sys.argv[2] == "leave":
    with ahead.WalkAhead([sys.argv[1]], Config(exclude=("skip",)), tidy=True) as early:
        child = early.child
    try:
        os.kill(child, 0)
    except ProcessLookupError:
        print(json.dumps("gone"))
    sys.exit(0)
with ahead.WalkAhead([sys.argv[1]], Config(exclude=("skip",)), tidy=True) as early:
    forked = early.forked
    walked = early.result()
events = [
    ["warning", e.path, e.reason] if isinstance(e, InputError) else ["file", *e]
    for e in walked.events
]
print(json.dumps([forked, [events, [list(left) for left in walked.left_out]]]))
"""


def walk_in_a_new_process(corpus: Path, how: str) -> object:
    done = subprocess.run(
        [sys.executable, "-c", WALK_IN_CHILD, str(corpus), how],
        capture_output=True,
        check=True,
        text=True,
        errors="surrogateescape",
        cwd=corpus.parent,
    )
    assert done.stderr == ""
    return json.loads(done.stdout)


@pytest.mark.skipif(not LINUX, reason="a walk is forked on Linux only")
@pytest.mark.parametrize("how", ["walk", "fail"])
def test_a_forked_walk_gives_the_walk_of_the_folder(tmp_path: Path, how: str) -> None:
    """A new process (one thread) forks its walk; a child that fails is walked again."""
    corpus = folder_of_everything(tmp_path)
    forked, walked = walk_in_a_new_process(corpus, how)  # type: ignore[misc]
    assert forked is True
    here = json.loads(json.dumps(described(walk_paths([str(corpus)], CONFIG, tidy=True))))
    assert walked == here


@pytest.mark.skipif(not LINUX, reason="a walk is forked on Linux only")
def test_a_process_whose_children_are_not_its_to_reap_walks_itself(tmp_path: Path) -> None:
    """With SIGCHLD ignored the system reaps a child at once, and its number may go to
    another process before a leaving parent would stop it: no child is forked."""
    corpus = folder_of_everything(tmp_path)
    forked, walked = walk_in_a_new_process(corpus, "no-reaping")  # type: ignore[misc]
    assert forked is False
    assert walked == json.loads(json.dumps(described(walk_paths([str(corpus)], CONFIG, tidy=True))))


@pytest.mark.skipif(not LINUX, reason="a walk is forked on Linux only")
def test_a_walk_not_taken_ends_its_child(tmp_path: Path) -> None:
    assert walk_in_a_new_process(folder_of_everything(tmp_path), "leave") == "gone"


@pytest.mark.skipif(not LINUX, reason="a walk is forked on Linux only")
def test_a_walk_ends_when_its_parent_is_killed(tmp_path: Path) -> None:
    """A parent killed by SIGKILL cannot end its child: the system does."""
    corpus = folder_of_everything(tmp_path)
    # The child holds the output pipe too: read its number, not the pipe to its end.
    with subprocess.Popen(
        [sys.executable, "-c", WALK_IN_CHILD, str(corpus), "killed"], stdout=subprocess.PIPE
    ) as parent:
        assert parent.stdout is not None
        child = json.loads(parent.stdout.readline())
        assert parent.wait() == -signal.SIGKILL
    assert isinstance(child, int)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and walking(child):
        time.sleep(0.02)
    assert not walking(child)


def walking(pid: int) -> bool:
    """Whether ``pid`` is a live process (not gone, not a zombie left unreaped)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_process_running_threads_walks_the_folder_itself(tmp_path: Path) -> None:
    corpus = folder_of_everything(tmp_path)
    release = threading.Event()
    thread = threading.Thread(target=release.wait)
    thread.start()
    try:
        assert not can_fork()
        with WalkAhead([str(corpus)], CONFIG, tidy=True) as early:
            assert not early.forked
            assert described(early.result()) == described(
                walk_paths([str(corpus)], CONFIG, tidy=True)
            )
    finally:
        release.set()
        thread.join()


#: ``dedup ARGS`` in a new process; with "threaded", a thread runs first, so no walk is
#: forked and the process walks the folders itself.
RUN_DEDUP = """
import sys, threading
if sys.argv[1] == "threaded":
    threading.Thread(target=threading.Event().wait, daemon=True).start()
from dedup.entry import main
sys.argv[0:2] = ["dedup"]
main()
"""


def dedup_in_a_new_process(home: Path, how: str, *args: str) -> tuple[int, str, str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DEDUP_")}
    environment["XDG_CACHE_HOME"] = str(home / ".user-cache")
    done = subprocess.run(
        [sys.executable, "-c", RUN_DEDUP, how, *args],
        capture_output=True,
        text=True,
        cwd=home,
        env=environment,
    )
    timings = re.compile(r" in \d+\.\ds")
    return done.returncode, done.stdout, timings.sub(" in -s", done.stderr)


@pytest.mark.skipif(not LINUX or not hasattr(os, "mkfifo"), reason="a walk is forked on Linux only")
@pytest.mark.parametrize("command", ["scan", "check"])
def test_a_command_says_the_same_whether_its_walk_was_forked_or_not(
    tmp_path: Path, command: str
) -> None:
    """The files read, the copies found, the warnings and what was skipped: the same, on
    a first run and on a second one that reuses the index."""
    corpus = folder_of_everything(tmp_path)
    write_corpus(tmp_path)  # copies to find, in the same folder
    (tmp_path / "dedup.toml").write_text('exclude = ["skip"]\n', encoding="utf-8")
    new = write_copy_of_ferry(tmp_path / "new.txt")
    args = {
        "scan": ["scan", "--format", "jsonl", str(corpus)],
        "check": ["check", "--corpus-root", str(corpus), str(new)],
    }[command]
    for _ in range(2):
        forked = dedup_in_a_new_process(tmp_path, "forked", *args)
        assert forked[0] == 1, forked[2]  # copies found
        assert forked == dedup_in_a_new_process(tmp_path, "threaded", *args)
