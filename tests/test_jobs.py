"""Worker processes: they never outlive the run, leave Ctrl-C to the parent, and send their
errors back whole.

The end-to-end cases run ``python -m dedup scan`` on a corpus large enough to start
workers, read its output as a pipe reader would, and end the parent as ``timeout``,
systemd or a CI runner would. Workers are found with psutil where it is installed, else
through ``/proc``; elsewhere those tests skip.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import pytest
from newsgen import story

from dedup.engine import jobs
from dedup.engine.deferred import defer, deferring
from dedup.engine.jobs import map_ordered
from dedup.engine.spill import Spill
from dedup.engine.spill_folders import PREFIX
from dedup.errors import DedupError, SpillError

try:
    import psutil
except ImportError:
    psutil = None

ROOT = Path(__file__).resolve().parents[1]
PROC = Path("/proc")
#: Seconds a worker may take to go once its parent is gone (it polls every half second
#: where the kernel cannot end it).
GRACE = 5.0

pytestmark = pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods() or sys.platform == "win32",
    reason="needs processes that fork and POSIX signals",
)


#: Runs a command with Ctrl-C at its default, whatever this process inherited (a job
#: started with ``&`` by a non-interactive shell has SIGINT ignored, and so would dedup).
SIGINT_DEFAULT = (
    "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
    "os.execvp(sys.argv[1], sys.argv[1:])"
)


def children(pid: int) -> list[int]:
    """The pids of the processes ``pid`` started (and that have not ended yet)."""
    if psutil is not None:
        try:
            return [child.pid for child in psutil.Process(pid).children()]
        except psutil.NoSuchProcess:
            return []
    if not PROC.is_dir():
        pytest.skip("cannot list child processes here: neither psutil nor /proc")
    found = []
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            stat = _stat(int(entry.name))
            if stat is not None and int(stat[1]) == pid and stat[0] != "Z":
                found.append(int(entry.name))
    return found


def descendants(pid: int) -> list[int]:
    """The processes ``pid`` started, those they started, and so on (workers start from a
    server process that dedup's process started)."""
    found, todo = [], [pid]
    while todo:
        started = children(todo.pop())
        found += started
        todo += started
    return found


def _stat(pid: int) -> list[str] | None:
    """State, parent pid, ... of ``pid`` from /proc, or None when it is not there."""
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    return text.rsplit(")", 1)[1].split()


def ended(pid: int) -> bool:
    """Whether ``pid`` has ended (a zombie waiting to be reaped has ended)."""
    if psutil is not None:
        try:
            return bool(psutil.Process(pid).status() == psutil.STATUS_ZOMBIE)
        except psutil.NoSuchProcess:
            return True
    stat = _stat(pid)
    return stat is None or stat[0] in ("Z", "X")


def wait_until(check: Callable[[], Any], seconds: float) -> Any:
    deadline = time.monotonic() + seconds
    while not (found := check()) and time.monotonic() < deadline:
        time.sleep(0.02)
    return found


def env(tmp: Path) -> dict[str, str]:
    """The environment of a dedup run that keeps no cache and spills under ``tmp``."""
    kept = {k: v for k, v in os.environ.items() if not k.startswith("DEDUP_")}
    path = os.pathsep.join(filter(None, [str(ROOT), kept.get("PYTHONPATH")]))
    return {**kept, "PYTHONPATH": path, "DEDUP_CACHE": "false", "TMPDIR": str(tmp)}


class Run:
    """A process started in a session of its own (as a shell job), its output read by a
    thread as ``dedup ... | cat`` would read it; stderr goes to a file."""

    def __init__(self, args: list[str], cwd: Path, tmp: Path) -> None:
        self.err = cwd / "stderr.txt"
        with open(self.err, "wb") as err:
            self.process = subprocess.Popen(
                [sys.executable, "-c", SIGINT_DEFAULT, *args], cwd=cwd, env=env(tmp),
                stdout=subprocess.PIPE, stderr=err, start_new_session=True,
            )  # fmt: skip
        self.out = b""
        self.reader = threading.Thread(target=self._read, args=(self.process.stdout,))
        self.reader.start()
        self.workers: list[int] = []

    def _read(self, stream: IO[bytes]) -> None:
        self.out = stream.read()

    def wait_for_workers(self, count: int) -> list[int]:
        """Once ``count`` workers run (processes that start none), every process the run
        started: the workers and the server they start from."""

        def workers() -> list[int]:
            return [pid for pid in descendants(self.process.pid) if not children(pid)]

        found = wait_until(lambda: len(workers()) >= count, 120)
        assert found, f"no {count} workers started (exit {self.process.poll()})"
        self.workers = descendants(self.process.pid)
        return self.workers

    def stop(self) -> None:
        """End whatever is left of the run (by pid: only what this test started)."""
        for pid in self.workers:
            if not ended(pid):
                os.kill(pid, signal.SIGKILL)
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self.reader.join(GRACE)
        assert self.process.stdout is not None
        self.process.stdout.close()


@pytest.fixture(scope="module")
def big_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """6,000 invented articles in one JSON Lines file (about 27 MB): read on two workers."""
    path = tmp_path_factory.mktemp("big") / "corpus.jsonl"
    with open(path, "w", encoding="utf-8") as file:
        for seed in range(6000):
            title, body = story(seed)
            file.write(json.dumps({"title": title, "text": "\n\n".join(body)}) + "\n")
    return path


@pytest.fixture
def scan(big_corpus: Path, tmp_path: Path) -> Iterator[Run]:
    (tmp_path / "tmp").mkdir()
    args = [sys.executable, "-m", "dedup", "scan", str(big_corpus), "-f", "jsonl", "--jobs", "2"]
    run = Run(args, tmp_path, tmp_path / "tmp")
    try:
        yield run
    finally:
        run.stop()


@pytest.mark.slow
def test_sigterm_ends_a_scan_as_ctrl_c_does_with_exit_143(scan: Run, tmp_path: Path) -> None:
    """``timeout`` and service managers send SIGTERM: the run removes what it made."""
    workers = scan.wait_for_workers(2)
    os.kill(scan.process.pid, signal.SIGTERM)
    assert scan.process.wait(GRACE) == 143
    assert scan.err.read_text() == "dedup: terminated\n"
    assert wait_until(lambda: all(ended(pid) for pid in workers), GRACE), "workers outlived it"
    assert os.listdir(tmp_path / "tmp") == []


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGKILL])
def test_workers_end_when_the_scan_is_killed(scan: Run, tmp_path: Path, sig: int) -> None:
    workers = scan.wait_for_workers(2)
    os.kill(scan.process.pid, sig)
    assert scan.process.wait(GRACE) == -sig
    assert wait_until(lambda: all(ended(pid) for pid in workers), GRACE), "workers outlived it"
    scan.reader.join(GRACE)
    assert not scan.reader.is_alive(), "the reader never saw the end of the output"
    # The killed run could not remove its spill folder: the next run does. (Python's
    # own folder for the socket of the server workers start from stays, as it does for
    # every Python program killed with SIGKILL while it uses one.)
    tmp = tmp_path / "tmp"

    def spills() -> list[str]:
        return [name for name in os.listdir(tmp) if name.startswith(PREFIX)]

    (left,) = spills()
    assert left.startswith(f"{PREFIX}{scan.process.pid}-")
    with Spill(str(tmp)) as spill:
        assert spills() == [os.path.basename(spill.folder)]


@pytest.mark.slow
@pytest.mark.parametrize("presses", [1, 2])
def test_ctrl_c_during_a_scan_exits_130_with_one_line(
    scan: Run, tmp_path: Path, presses: int
) -> None:
    workers = scan.wait_for_workers(2)
    for _ in range(presses):
        os.killpg(scan.process.pid, signal.SIGINT)  # a terminal's Ctrl-C reaches the whole job
        time.sleep(0.2)
    # A second Ctrl-C may land once dedup is exiting: it then dies of SIGINT (130 in a shell).
    assert scan.process.wait(60) in (130, -signal.SIGINT)
    assert scan.err.read_text() == "dedup: interrupted\n"
    assert wait_until(lambda: all(ended(pid) for pid in workers), GRACE)
    assert os.listdir(tmp_path / "tmp") == []


#: A program whose two workers sleep until killed; "poll" takes away the kernel's help, so
#: only the workers' own watch on their parent can end them.
SLEEPERS = """
import ctypes, sys, time
from dedup.engine import jobs

def nap(how):
    if how == "poll" and sys.platform.startswith("linux"):
        ctypes.CDLL(None).prctl(1, 0, 0, 0, 0)  # PR_SET_PDEATHSIG: no signal
    time.sleep(120)

if __name__ == "__main__":
    for _ in jobs.map_ordered(nap, [sys.argv[1]] * 2, 2):
        pass
"""


def script(folder: Path, text: str) -> str:
    """``text`` as a program file in ``folder`` (workers import their work from it)."""
    path = folder / "program.py"
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize(
    ("how", "sig"),
    [("kernel", signal.SIGKILL), ("kernel", signal.SIGTERM), ("poll", signal.SIGKILL)],
)
def test_workers_die_with_their_parent(tmp_path: Path, how: str, sig: int) -> None:
    run = Run([sys.executable, script(tmp_path, SLEEPERS), how], tmp_path, tmp_path)
    try:
        workers = run.wait_for_workers(2)
        os.kill(run.process.pid, sig)
        assert run.process.wait(GRACE) == -sig
        assert wait_until(lambda: all(ended(pid) for pid in workers), GRACE)
        run.reader.join(GRACE)
        assert not run.reader.is_alive()
    finally:
        run.stop()


def _worker_state(_: int) -> tuple[bool, int]:
    """Whether this process ignores Ctrl-C, and the signal it gets when its parent dies."""
    ignores = signal.getsignal(signal.SIGINT) == signal.SIG_IGN
    if not sys.platform.startswith("linux"):
        return ignores, -1
    import ctypes

    got = ctypes.c_int(0)
    ctypes.CDLL(None).prctl(2, ctypes.byref(got), 0, 0, 0)  # PR_GET_PDEATHSIG
    return ignores, got.value


def test_workers_ignore_ctrl_c_and_are_killed_with_their_parent() -> None:
    states = set(map_ordered(_worker_state, range(4), 2))
    expected = signal.SIGKILL if sys.platform.startswith("linux") else -1
    assert states == {(True, expected)}
    assert signal.getsignal(signal.SIGINT) != signal.SIG_IGN  # the parent still takes it


def _fail(position: int) -> int:
    if position == 3:
        raise SpillError("/tmp/s/part-3.bin", "spill file /tmp/s/part-3.bin is missing; run again")
    return position


def test_an_error_in_a_worker_arrives_as_the_same_one_line_error() -> None:
    with pytest.raises(SpillError) as caught:
        list(map_ordered(_fail, range(6), 2))
    assert caught.value.path == "/tmp/s/part-3.bin"
    assert str(caught.value) == "spill file /tmp/s/part-3.bin is missing; run again"


def _vanish(position: int) -> int:
    if position == 1:
        os._exit(9)
    return position


def test_a_worker_that_dies_is_one_line_not_a_traceback() -> None:
    with pytest.raises(DedupError, match="worker process died") as caught:
        list(map_ordered(_vanish, range(4), 2))
    assert "\n" not in str(caught.value)


FOREIGN_PACKAGE = """
from dedup.engine.deferred import defer, deferring
from dedup.engine.jobs import map_ordered

def square(n):
    return n * n

if __name__ == "__main__":
    print(list(map_ordered(square, list(range(6)), 2)))
"""


def test_workers_start_in_a_folder_that_holds_another_dedup(tmp_path: Path) -> None:
    """Run from a checkout of another dedup version, workers once imported that one and
    died, and the run ended with no result. They take the dedup their parent runs."""
    other = tmp_path / "checkout"
    (other / "dedup").mkdir(parents=True)
    (other / "dedup" / "__init__.py").write_text('"""Another version of dedup."""\n')
    program = tmp_path / "program"
    program.mkdir()
    done = subprocess.run(
        [sys.executable, script(program, FOREIGN_PACKAGE)],
        cwd=other, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert (done.returncode, done.stdout, done.stderr) == (0, "[0, 1, 4, 9, 16, 25]\n", "")


STOP_MID_RESULT = """
import sys
from dedup.engine.deferred import defer, deferring
from dedup.engine.jobs import map_ordered

def work(position):
    return b"x" * (64 * 2**20)  # big enough to be half sent when the pool is stopped

if __name__ == "__main__":
    try:
        for result in map_ordered(work, list(range(8)), 2):
            raise ValueError("stop")
    except ValueError:
        sys.stderr.write("stopped\\n")
"""


def test_a_pool_stopped_while_a_worker_sends_a_result_lets_python_exit(tmp_path: Path) -> None:
    """Killing a worker half-way through sending a result once left the pool's manager
    thread reading for ever, and Python's exit waiting for it."""
    done = subprocess.run(
        [sys.executable, script(tmp_path, STOP_MID_RESULT)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert (done.returncode, done.stderr) == (0, "stopped\n")


def test_a_corpus_sent_to_a_worker_gives_the_same_texts(tmp_path: Path) -> None:
    """Workers receive the corpus pickled, without what only the parent reads: every
    text they read from it, boilerplate cut or not, is the parent's."""
    import pickle

    from dedup.article import Article
    from dedup.config import Config
    from dedup.engine.load import load_articles

    config = Config()
    notice = "Sign up for the Glenholm Echo newsletter for the week's news in your inbox."
    articles = []
    for seed in range(12):
        title, body = story(seed)
        articles.append(Article(f"{seed % 3}.txt", seed, 1, 9, title, (*body, notice), "record"))
    with Spill(str(tmp_path)) as spill:
        corpus = load_articles(articles, config, spill)
        # The notice (each article's last unit) cut as boilerplate would be.
        corpus.boilerplate = frozenset({int(corpus.columns.unit_hashes(0)[-1])})
        assert notice not in corpus.text(0) and notice in articles[0].body
        sent = pickle.loads(pickle.dumps(corpus))
        assert [sent.text(i) for i in range(len(corpus))] == [
            corpus.text(i) for i in range(len(corpus))
        ]
        assert [sent.full(i) for i in range(len(corpus))] == [
            corpus.full(i) for i in range(len(corpus))
        ]
        assert list(sent.columns.digests) == list(corpus.columns.digests)


def _digest_of_held(held: bytes, position: int) -> tuple[int, bytes]:
    import hashlib

    return position, hashlib.blake2b(held, digest_size=8).digest()


def test_work_too_large_for_the_start_up_pipe_reaches_every_worker_whole() -> None:
    """Work that pickles larger than HANDOFF_BYTES (a large corpus's columns) goes to the
    workers through a file: each worker gets all of it, and the parent leaves no file."""
    import functools
    import hashlib

    from dedup.engine.jobs import HANDOFF_BYTES

    held = os.urandom(3 * HANDOFF_BYTES)
    # The workers' server and resource tracker, once started, keep a descriptor each for
    # the process's life: started first, so that only the handoff file's is looked for.
    list(map_ordered(abs, range(4), 2))
    before = set(os.listdir(f"/proc/{os.getpid()}/fd")) if PROC.is_dir() else set()
    work = functools.partial(_digest_of_held, held)
    found = list(map_ordered(work, range(8), 2))
    digest = hashlib.blake2b(held, digest_size=8).digest()
    assert found == [(position, digest) for position in range(8)]
    if PROC.is_dir():  # the file's descriptor is closed with the pool
        assert set(os.listdir(f"/proc/{os.getpid()}/fd")) <= before


EARLY_START = """
import sys
from multiprocessing import forkserver
from dedup.config import Config
from dedup.engine import jobs

def server() -> object:
    return forkserver._forkserver._forkserver_pid  # None until the server is started

if __name__ == "__main__":
    jobs.start_early(Config(jobs=1))
    alone = server()
    jobs.start_early(Config(jobs=2))
    early = server()
    squares = list(jobs.map_ordered(abs, [-1, -2, -3], 2))
    print(alone, early is not None, early == server(), squares)
"""


def test_a_run_on_several_jobs_can_start_the_workers_server_before_it_needs_it(
    tmp_path: Path,
) -> None:
    """Started early (while a large file is cut in ranges), the server is the one that
    later starts the workers; a run on one job starts none."""
    done = subprocess.run(
        [sys.executable, script(tmp_path, EARLY_START)],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert (done.returncode, done.stdout, done.stderr) == (0, "None True True [1, 2, 3]\n", "")


def _nap(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def test_work_put_off_is_done_while_workers_are_busy_or_when_the_run_ends() -> None:
    done: list[str] = []
    defer(lambda: done.append("at once"))  # outside a run: nothing to wait for
    with deferring():
        defer(lambda: done.append("index"))
        assert done == ["at once"]
        results = map_ordered(_nap, [0.3, 0.3], 2)
        assert next(results) == 0.3
        assert done == ["at once", "index"]  # done before the first result came
        assert list(results) == [0.3]
        defer(lambda: done.append("cache"))
        assert done == ["at once", "index"]
    assert done == ["at once", "index", "cache"]  # what no pool took: done at the end
    with pytest.raises(ValueError, match="failed"), deferring():
        defer(lambda: done.append("dropped"))
        raise ValueError("the run failed")
    assert done == ["at once", "index", "cache"]


def test_a_folder_holding_this_very_dedup_keeps_the_preload(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A checkout of dedup installed editable is where its developers run it: its workers
    start with dedup's modules loaded, as anywhere else, not each importing them."""
    ours = Path(jobs.__file__).resolve().parents[1]
    (tmp_path / "dedup").symlink_to(ours, target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    assert jobs._preload() == jobs.PRELOAD
    other = tmp_path / "other"
    (other / "dedup").mkdir(parents=True)
    monkeypatch.chdir(other)
    assert jobs._preload() == []
