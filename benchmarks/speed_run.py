"""Run one pipeline in its own subprocess and measure wall time and peak memory.

Peak RSS is read two ways: ``wait4``'s ``ru_maxrss`` (the largest single process of the
run's tree, as Linux folds reaped children into their parent) and a 10 Hz sample of the
summed RSS of the process and all its descendants (what a multi-process run holds). PSS
is summed too, once a second and whenever the summed RSS has grown since it was last read
(:data:`PSS_EVERY`): workers forked from a large parent share its pages copy-on-write, and
RSS counts a shared page in every process that maps it, PSS once in all (each process a
share). The sampler reads little, so as to take little from the run it measures.
"""

from __future__ import annotations

import compileall
import functools
import os
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Measurement:
    """Figures of one run; ``error`` holds the last line of stderr when it failed."""

    ok: bool
    seconds: float
    peak_rss_bytes: int
    tree_rss_bytes: int
    stdout: str
    error: str
    #: Summed proportional set size at the same peak sampling (0 where /proc lacks it).
    tree_pss_bytes: int = 0


def process_stats() -> Iterator[tuple[int, list[str]]]:
    """Every process's pid and the fields of its ``/proc/PID/stat`` after the command name
    (state, parent pid, process group, ...)."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        yield int(entry), stat.rsplit(")", 1)[1].split()


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for pid, fields in process_stats():
        tree.setdefault(int(fields[1]), []).append(pid)
    return tree


@functools.cache
def _children_files() -> bool:
    """Whether the kernel lists each thread's children in /proc (``CONFIG_PROC_CHILDREN``)."""
    return Path(f"/proc/self/task/{os.getpid()}/children").exists()


def descendants(pid: int) -> list[int]:
    """``pid`` and every process below it. Read from each thread's ``children`` file
    (0.1 ms for a scan's tree here), or where the kernel has none, from every process's
    ``stat`` (2.5 ms: a sampler doing that ten times a second takes a few per cent of a
    core from the run it measures)."""
    if not _children_files():
        return _below(pid, _children())
    found, stack = [], [pid]
    while stack:
        current = stack.pop()
        found.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                listed = Path(f"/proc/{current}/task/{task}/children").read_text()
                stack.extend(int(child) for child in listed.split())
        except OSError:  # the process, or one of its threads, ended meanwhile
            continue
    return found


def _below(pid: int, tree: dict[int, list[int]]) -> list[int]:
    found, stack = [], [pid]
    while stack:
        current = stack.pop()
        found.append(current)
        stack.extend(tree.get(current, ()))
    return found


def _field_kb(path: str, name: str) -> int:
    """A ``Name:  N kB`` line of a /proc file, in bytes (0 when missing)."""
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(name):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def tree_memory(pid: int, *, pss: bool = True) -> tuple[int, int]:
    """Summed RSS and PSS of ``pid`` and every descendant, in bytes (0 where /proc is
    missing; PSS 0 without ``pss``)."""
    if not Path("/proc").is_dir():
        return 0, 0
    tree = descendants(pid)
    rss = sum(_field_kb(f"/proc/{current}/status", "VmRSS:") for current in tree)
    if not pss:
        return rss, 0
    return rss, sum(_field_kb(f"/proc/{current}/smaps_rollup", "Pss:") for current in tree)


def tree_rss(pid: int) -> int:
    """Summed RSS of ``pid`` and every descendant, in bytes (0 where /proc is missing)."""
    return tree_memory(pid, pss=False)[0]


#: Seconds between samples of the summed RSS.
SAMPLE_SECONDS = 0.1
#: PSS is read at every this many samples, and whenever the summed RSS has grown by a
#: share ``PSS_GROWTH`` since PSS was last read: reading it walks each process's page
#: tables (4 ms a sample for a scan's tree here, holding each process's memory map lock).
PSS_EVERY = 10
PSS_GROWTH = 0.02


class _Sampler(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak = 0
        self.peak_pss = 0
        self.done = threading.Event()

    def run(self) -> None:
        count, rss_at_pss = 0, 0
        while not self.done.wait(SAMPLE_SECONDS):
            rss = tree_rss(self.pid)
            self.peak = max(self.peak, rss)
            if count % PSS_EVERY == 0 or rss > rss_at_pss * (1 + PSS_GROWTH):
                rss_at_pss, pss = tree_memory(self.pid)
                self.peak, self.peak_pss = max(self.peak, rss_at_pss), max(self.peak_pss, pss)
            count += 1


@functools.cache
def compile_dedup() -> None:
    """Compile dedup's modules to bytecode once, as pip does when it installs them, so that
    no measured run pays for compiling them (an editable install run with
    ``PYTHONDONTWRITEBYTECODE`` set would pay in every run: about 0.5 s here)."""
    import dedup

    compileall.compile_dir(Path(dedup.__file__).parent, quiet=1)


def measure(
    argv: Sequence[str],
    *,
    extra_env: dict[str, str] | None = None,
    merge_stderr: bool = False,
    cwd: Path | None = None,
) -> Measurement:
    """Run ``argv`` to completion in ``cwd``, by default the temporary folder (so paths in
    ``argv`` must be absolute); its stdout is returned, stderr kept for the error line.

    Not where the benchmark was started, often a checkout of dedup: in a folder holding a
    ``dedup`` package other than the one measured, a scan's workers start without the
    preloaded modules (see ``dedup.engine.jobs``), each importing them itself (0.4 s more
    on a 100k scan here), a cost no user's run in a folder of their own pays."""
    compile_dedup()
    env = {**os.environ, **(extra_env or {})}
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        process = subprocess.Popen(
            list(argv),
            stdout=out,
            stderr=out if merge_stderr else err,
            env=env,
            text=True,
            cwd=cwd or tempfile.gettempdir(),
        )
        sampler = _Sampler(process.pid)
        sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        sampler.done.set()
        sampler.join()
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    lines = (stderr or stdout).strip().splitlines()
    ok = process.returncode == 0
    error = "" if ok else f"exit {process.returncode}: {lines[-1] if lines else 'no output'}"
    peak = usage.ru_maxrss * 1024
    return Measurement(ok, seconds, peak, sampler.peak, stdout, error, sampler.peak_pss)


def parse_size(text: str) -> int:
    """``10k`` → 10000, ``1m`` → 1000000, ``2500`` → 2500."""
    text = text.strip().lower()
    factor = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    return int(float(text.rstrip("km")) * factor)
