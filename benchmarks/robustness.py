"""Kills, concurrent runs and damaged files: does dedup ever lose or change a result?

Generates an invented corpus (``tests/newsgen.py`` stories in dumps and a JSON Lines
export, about 5,000 articles, enough for worker processes), takes clean reference outputs of
``dedup scan -f jsonl``, ``dedup check`` of three files and ``dedup collapse`` (``-o`` and
``--output-dir``), then runs trials, each judged against the references:

- ``kill``: scan, check and collapse get SIGINT (to the process group, as Ctrl-C does) or
  SIGKILL (to the main process, as ``kill -9`` does) after a seeded random delay, on a cold
  or a warm cache. SIGINT must give exit 130, one stderr line, no traceback and no partial
  stdout; collapse must leave the previous output (or the complete new one) and no
  temporary file; no worker may outlive the run. The next run on the same cache must
  print exactly the reference.
- ``concurrency``: 2, 3 and 4 scan or check processes on one ``--cache-path``: on one
  corpus, on two corpora (one edited), and while a thread edits and appends files. Every
  output must equal a solo run's; no ``locked``, error or traceback on stderr.
- ``damage``: random bytes overwritten in, or a cut of, ``signatures.sqlite`` and
  ``scan-index.sqlite`` between runs, and of a spill file (``dedup-spill-*``) during a
  run. The run and the next one must print exactly the reference.

::

    python benchmarks/robustness.py                     # 20 trials of each kind, seed 1
    python benchmarks/robustness.py --trials 3 --seed 7
    python benchmarks/robustness.py --workdir /tmp/rb   # keep the corpus and the logs
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import IO

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))

from corpus_gen import Block, render_dump, render_jsonl, render_plain  # noqa: E402
from newsgen import story  # noqa: E402
from speed_run import process_stats  # noqa: E402

CHECKED = ("incoming/copy.txt", "incoming/unique.txt", "dumps/00007.txt")
STORES = ("signatures.sqlite", "scan-index.sqlite")
#: How long a run may take before it counts as hung, in seconds.
HANG = 300.0


# -- the corpus ---------------------------------------------------------------------------


#: Runs a command with Ctrl-C at its default, whatever this process inherited (a job
#: started with ``&`` by a non-interactive shell has SIGINT ignored, and so would dedup).
SIGINT_DEFAULT = (
    "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
    "os.execvp(sys.argv[1], sys.argv[1:])"
)


def _block(rng: random.Random, number: int, source: str = "") -> Block:
    title, body = story(number, paragraphs=rng.randint(1, 4), sentences=2)
    age = f"{rng.randint(1, 23)} hours ago" if source else ""
    return Block(title, tuple(body), source, age)


def _copy(rng: random.Random, original: Block, source: str) -> Block:
    keep = max(2, len(original.paragraphs) - rng.randint(0, 1))
    return Block(
        original.title, original.paragraphs[:keep], source, f"{rng.randint(1, 9)} days ago"
    )


def corpus_files(seed: int, dumps: int, records: int) -> dict[str, bytes]:
    """The files of an invented corpus, by path: dumps of a main article and four related
    blocks (one in ten a copy of an earlier main article), a JSON Lines export, and the
    three files that ``dedup check`` is given."""
    rng = random.Random(seed)
    files: dict[str, bytes] = {}
    mains: list[Block] = []
    number = seed * 1_000_000
    for d in range(dumps):
        number += 1
        main = _block(rng, number)
        related = []
        for _ in range(4):
            number += 1
            if mains and rng.random() < 0.1:
                related.append(_copy(rng, rng.choice(mains), "Wire Copy"))
            else:
                related.append(_block(rng, number, "Other Site"))
        mains.append(main)
        files[f"dumps/{d:05d}.txt"] = render_dump(main, related).encode()
    export = []
    for _ in range(records):
        number += 1
        use_copy = rng.random() < 0.1
        export.append(_copy(rng, rng.choice(mains), "") if use_copy else _block(rng, number))
    files["exports/records.jsonl"] = render_jsonl(export).encode()
    files["incoming/copy.txt"] = render_plain(_copy(rng, mains[3], "")).encode()
    files["incoming/unique.txt"] = render_plain(_block(rng, number + 1)).encode()
    return files


def corpus_edits(seed: int, files: dict[str, bytes]) -> list[tuple[str, bytes, bool]]:
    """Edits that turn the corpus ``files`` into a later one: (path, bytes, append).

    One dump in twenty gets a new last line, 40 new dumps appear (some copying old
    articles) and 30 records are appended to the export."""
    rng = random.Random(seed + 1)
    dumps = sorted(p for p in files if p.startswith("dumps/"))
    edits = [(p, files[p] + b"An editor added this closing line.\n", False) for p in dumps[::20]]
    number = seed * 1_000_000 + 900_000
    for n in range(40):
        number += 1
        main = _block(rng, number)
        related = [_block(rng, number * 10 + r, "Late Site") for r in range(3)]
        text = render_dump(main, related).encode()
        if n % 4 == 0:
            text += files[rng.choice(dumps)]
        edits.append((f"dumps/new-{n:03d}.txt", text, False))
    extra = [_block(rng, number + 100 + n) for n in range(30)]
    edits.append(("exports/records.jsonl", render_jsonl(extra).encode(), True))
    rng.shuffle(edits)
    return edits


def write_files(root: Path, files: dict[str, bytes]) -> None:
    """Write ``files`` under ``root``, dated an hour ago (so no file is 'racy')."""
    past = time.time() - 3600
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        os.utime(path, (past, past))


def apply_edit(root: Path, edit: tuple[str, bytes, bool]) -> None:
    name, data, append = edit
    path = root / name
    with open(path, "ab" if append else "wb") as handle:
        handle.write(data)


# -- running dedup ------------------------------------------------------------------------


def dedup_command() -> list[str]:
    """The ``dedup`` on PATH, else the one beside this Python, else ``python -m dedup``."""
    found = shutil.which("dedup") or shutil.which("dedup", path=str(Path(sys.executable).parent))
    return [found] if found else [sys.executable, "-m", "dedup"]


@dataclass
class Run:
    code: int
    stdout: bytes
    stderr: str
    seconds: float


def group_members(pgid: int) -> list[int]:
    """Live (not zombie) processes of process group ``pgid``."""
    return [pid for pid, fields in process_stats() if int(fields[2]) == pgid and fields[0] != "Z"]


@dataclass
class Bench:
    """The work folder: corpora, caches, outputs and a private TMPDIR for spill folders."""

    root: Path
    dedup: list[str] = field(default_factory=dedup_command)
    #: The files that take the stdout and stderr of each started run, by process id.
    outputs: dict[int, tuple[IO[bytes], IO[bytes]]] = field(default_factory=dict)

    @property
    def tmp(self) -> Path:
        return self.root / "tmp"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("DEDUP_")}
        return {**env, "TMPDIR": str(self.tmp), "NO_COLOR": "1"}

    def start(self, args: Sequence[str], cwd: Path) -> subprocess.Popen[bytes]:
        """Start dedup with its stdout and stderr going to files, never to a pipe: a run that
        has finished its work must not sit blocked on a full pipe until :meth:`finish`
        reads it (a signal landing there would find output half written by the benchmark's
        own doing)."""
        out = tempfile.TemporaryFile()  # noqa: SIM115 (closed by finish())
        err = tempfile.TemporaryFile()  # noqa: SIM115 (closed by finish())
        proc = subprocess.Popen(
            [sys.executable, "-c", SIGINT_DEFAULT, *self.dedup, *args],
            cwd=cwd,
            env=self.env(),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            start_new_session=True,
        )
        self.outputs[proc.pid] = (out, err)
        return proc

    def finish(self, proc: subprocess.Popen[bytes], began: float) -> Run:
        out, err = self.outputs.pop(proc.pid)
        note = b""
        try:
            proc.wait(timeout=HANG)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            note = b"\n(hung: killed by the benchmark)"
        with out, err:
            out.seek(0)
            err.seek(0)
            stdout, stderr = out.read(), err.read() + note
        return Run(
            proc.returncode, stdout, stderr.decode(errors="replace"), time.monotonic() - began
        )

    def run(self, args: Sequence[str], cwd: Path) -> Run:
        began = time.monotonic()
        return self.finish(self.start(args, cwd), began)

    def spill_folders(self) -> list[Path]:
        return sorted(self.tmp.glob("dedup-spill-*"))


def reap_group(pgid: int, grace: float) -> int:
    """How many processes of group ``pgid`` are still alive after ``grace`` seconds; those
    are killed (by pid) before returning."""
    deadline = time.monotonic() + grace
    while (left := group_members(pgid)) and time.monotonic() < deadline:
        time.sleep(0.05)
    for pid in left:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    return len(left)


# -- commands and references --------------------------------------------------------------


@dataclass(frozen=True)
class Command:
    """A dedup command run inside a corpus folder, and the output file or folder it writes."""

    name: str
    args: tuple[str, ...]
    target: str = ""

    def argv(self, cache: Path, out: Path | None) -> list[str]:
        extra = ["--output-dir" if self.target == "dir" else "-o", str(out), "--force"]
        return [*self.args, *(extra if self.target else []), "--cache-path", str(cache)]


SCAN = Command("scan", ("scan", ".", "-f", "jsonl"))
CHECK = Command("check", ("check", "--corpus-root", ".", *CHECKED))
COLLAPSE_FILE = Command("collapse -o", ("collapse", "."), "file")
COLLAPSE_DIR = Command("collapse --output-dir", ("collapse", "."), "dir")
COMMANDS = (SCAN, CHECK, COLLAPSE_FILE, COLLAPSE_DIR)


def snapshot(path: Path | None) -> bytes | dict[str, bytes] | None:
    """The bytes of a file, the files of a folder by name, or None when absent."""
    if path is None:
        return None
    if path.is_dir():
        return {p.name: p.read_bytes() for p in sorted(path.iterdir())}
    return path.read_bytes() if path.exists() else None


def restore(path: Path | None, content: bytes | dict[str, bytes] | None) -> None:
    if path is None:
        return
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()
    if isinstance(content, dict):
        path.mkdir()
        for name, data in content.items():
            (path / name).write_bytes(data)
    elif content is not None:
        path.write_bytes(content)


@dataclass
class Reference:
    """A clean run's exit code, stdout and written output, and how long it took."""

    code: int
    stdout: bytes
    output: bytes | dict[str, bytes] | None
    cold: float
    warm: float


def trouble(run: Run) -> list[str]:
    """What is wrong with a run whatever it printed: a failing exit, a traceback, a lock."""
    reasons = [f"exit {run.code}"] if run.code not in (0, 1) else []
    if "Traceback" in run.stderr:
        reasons.append("traceback on stderr")
    if "locked" in run.stderr:
        reasons.append("'locked' on stderr")
    return reasons


def differences(run: Run, ref: Reference, output: bytes | dict[str, bytes] | None) -> list[str]:
    """Why ``run`` (and what it wrote) differs from the reference: empty when identical."""
    reasons = [r for r in trouble(run) if not r.startswith("exit")]
    if run.code != ref.code:
        reasons.insert(0, f"exit {run.code}, reference {ref.code}")
    if run.stdout != ref.stdout:
        reasons.append("stdout differs from the reference")
    if output != ref.output:
        reasons.append("output differs from the reference")
    return reasons


# -- trials -------------------------------------------------------------------------------


@dataclass
class Trial:
    kind: str
    reasons: list[str]
    note: str = ""
    #: What the signalled or damaged run wrote, kept to explain a failure.
    evidence: str = ""
    #: Whether the signal or the damage reached the run before it finished.
    landed: bool = True


@dataclass
class Stats:
    """Figures kept beside pass/fail: leftovers after SIGKILL, detected damage."""

    counts: Counter[str] = field(default_factory=Counter)


class Robustness:
    """The corpora, references and trials of one benchmark run."""

    def __init__(self, bench: Bench, seed: int) -> None:
        self.bench = bench
        self.rng = random.Random(seed)
        self.stats = Stats()
        self.files = corpus_files(seed, dumps=800, records=500)
        self.edits = corpus_edits(seed, self.files)
        self.out = bench.root / "out"
        self.refs: dict[tuple[str, str], Reference] = {}
        self.previous: dict[str, bytes | dict[str, bytes] | None] = {}

    def corpus(self, name: str, edited: bool = False) -> Path:
        """A fresh copy of the corpus (with the edits applied when ``edited``)."""
        root = self.bench.root / name
        shutil.rmtree(root, ignore_errors=True)
        write_files(root, self.files)
        for edit in self.edits if edited else ():
            apply_edit(root, edit)
        return root

    def cache(self, name: str, *, fresh: bool = True) -> Path:
        folder = self.bench.root / "caches" / name
        if fresh:
            shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True, exist_ok=True)
        return folder / "signatures.sqlite"

    def target(self, command: Command) -> Path | None:
        if not command.target:
            return None
        return self.out / ("collapsed" if command.target == "dir" else "collapsed.jsonl")

    def prepare(self) -> None:
        """Write corpus A, corpus B (A edited) and the small corpus of previous outputs."""
        for folder in (self.bench.tmp, self.out):
            folder.mkdir(parents=True, exist_ok=True)
        self.corpus("A")
        self.corpus("B", edited=True)
        old = {k: v for k, v in self.files.items() if k < "dumps/00020"}
        write_files(self.bench.root / "old", old)

    def ref(self, command: Command, corpus: str = "A") -> Reference:
        """The reference of ``command`` on ``corpus``, taken on first use."""
        if (command.name, corpus) not in self.refs:
            self.refs[(command.name, corpus)] = self.reference(command, corpus)
        return self.refs[(command.name, corpus)]

    def previous_output(self, command: Command) -> bytes | dict[str, bytes] | None:
        """What ``command`` wrote on an earlier, smaller corpus: the output a killed run
        must leave alone."""
        if command.name not in self.previous:
            target = self.target(command)
            if target is not None:
                restore(target, None)
                self.bench.run(command.argv(self.cache("prev"), target), self.bench.root / "old")
            self.previous[command.name] = snapshot(target)
        return self.previous[command.name]

    def reference(self, command: Command, corpus: str) -> Reference:
        target, cache = self.target(command), self.cache(f"ref-{corpus}")
        cold = self.bench.run(command.argv(cache, target), self.bench.root / corpus)
        output = snapshot(target)
        warm = self.bench.run(command.argv(cache, target), self.bench.root / corpus)
        if "Traceback" in cold.stderr + warm.stderr or cold.code not in (0, 1):
            raise SystemExit(f"reference {command.name} on {corpus} failed:\n{cold.stderr}")
        if (warm.code, warm.stdout, snapshot(target)) != (cold.code, cold.stdout, output):
            raise SystemExit(f"reference {command.name} on {corpus}: warm run differs from cold")
        return Reference(cold.code, cold.stdout, output, cold.seconds, warm.seconds)

    def warm_cache(self) -> Path:
        """A cache filled by every command on corpus A, copied afresh for each use."""
        pristine = self.bench.root / "caches" / "warm"
        if not pristine.exists():
            cache = self.cache("warm")
            for command in (SCAN, CHECK):
                self.bench.run(command.argv(cache, None), self.bench.root / "A")
        cache = self.cache("damaged")
        shutil.rmtree(cache.parent)
        shutil.copytree(pristine, cache.parent)
        return cache

    def leftovers(self) -> list[Path]:
        """Entries of the output folder other than the two collapse targets."""
        return [p for p in self.out.iterdir() if p.name not in ("collapsed", "collapsed.jsonl")]

    def clean_leftovers(self) -> None:
        for path in [*self.leftovers(), *self.bench.spill_folders()]:
            shutil.rmtree(path) if path.is_dir() else path.unlink()


def interrupted(run: Run, ref: Reference) -> list[str]:
    """What is wrong with a run that got SIGINT before it finished. A SIGINT that came
    after the run had ended (its output written, the exit code known) is ignored: the run
    must then equal the reference."""
    if run.code == ref.code and run.stdout == ref.stdout and "interrupted" not in run.stderr:
        return [r for r in trouble(run) if not r.startswith("exit")]
    reasons = []
    if run.code != 130:
        reasons.append(f"exit {run.code} after SIGINT, not 130")
    lines = [x for x in run.stderr.splitlines() if x.strip()]
    other = [x for x in lines if not x.startswith("dedup: warning:")]
    if "Traceback" in run.stderr:
        reasons.append("traceback on stderr after SIGINT")
    elif len(other) != 1:
        reasons.append(f"{len(other)} stderr lines after SIGINT, not 1")
    if run.stdout and run.stdout != ref.stdout:
        reasons.append("partial stdout after SIGINT")
    return reasons


def kill_trial(
    rb: Robustness,
    command: Command,
    sig: signal.Signals,
    cold: bool,
    fraction: float | None = None,
) -> Trial:
    """Signal one run at a random moment (or at ``fraction`` of the reference's time),
    check what it left, then rerun and compare."""
    previous, ref, target = rb.previous_output(command), rb.ref(command), rb.target(command)
    cache = rb.cache("kill", fresh=cold)
    restore(target, previous)
    before = set(rb.bench.spill_folders())
    fraction = rb.rng.uniform(0.05, 0.95) if fraction is None else fraction
    delay = fraction * (ref.cold if cold else ref.warm)
    began = time.monotonic()
    proc = rb.bench.start(command.argv(cache, target), rb.bench.root / "A")
    try:
        proc.wait(timeout=delay)
        first = True
    except subprocess.TimeoutExpired:
        first = False
        os.killpg(proc.pid, sig) if sig == signal.SIGINT else proc.send_signal(sig)
    run = rb.bench.finish(proc, began)
    orphans = reap_group(proc.pid, grace=2.0)
    reasons = [f"{orphans} worker(s) outlived the run"] if orphans else []
    spills = [p for p in rb.bench.spill_folders() if p not in before]
    temps = rb.leftovers()
    if first:
        reasons += differences(run, ref, snapshot(target))
    elif sig == signal.SIGINT:
        reasons += interrupted(run, ref)
        reasons += ["spill folder left after SIGINT"] if spills else []
        reasons += ["temporary output left after SIGINT"] if temps else []
    elif run.code != -signal.SIGKILL:
        reasons.append(f"exit {run.code} after SIGKILL")
    if target is not None and snapshot(target) not in (previous, ref.output):
        reasons.append("output is neither the previous one nor the new one")
    if sig == signal.SIGKILL and not first:
        rb.stats.counts["SIGKILL: workers left behind"] += orphans
        rb.stats.counts["SIGKILL: spill folders left"] += len(spills)
        rb.stats.counts["SIGKILL: temporary outputs left"] += len(temps)
    rerun = rb.bench.run(command.argv(cache, target), rb.bench.root / "A")
    reasons += [f"next run: {r}" for r in differences(rerun, ref, snapshot(target))]
    if sig == signal.SIGKILL and not first:
        still = [p for p in spills if p.exists()]
        rb.stats.counts["SIGKILL: spill folders left after the next run"] += len(still)
        rb.stats.counts["SIGKILL: temporary outputs left after the next run"] += len(rb.leftovers())
        reasons += ["temporary output left after the next run"] if rb.leftovers() else []
    evidence = describe(run, ref, [*temps, *spills])
    rb.clean_leftovers()
    state = "cold" if cold else "warm"
    note = f"{command.name}, {state} cache, {delay:.2f} s" + (", finished first" if first else "")
    return Trial(f"{command.name.split()[0]} {sig.name}", reasons, note, evidence, not first)


def describe(run: Run, ref: Reference, left: Sequence[Path]) -> str:
    """Exit code, stdout size, stderr and leftovers of a run, for the failure log."""
    names = ", ".join(p.name for p in left) or "none"
    return (
        f"exit {run.code}; stdout {len(run.stdout)} bytes (reference {len(ref.stdout)}); "
        f"left behind: {names}\nstderr:\n{run.stderr}"
    )


def concurrent_trial(rb: Robustness, command: Command, count: int, mode: str) -> Trial:
    """``count`` runs on one cache: on corpus A, on A and B, or on A while it is edited."""
    cache = rb.cache("shared")
    corpora = (["A", "B"] * count if mode == "two corpora" else ["C"] * count)[:count]
    if mode != "two corpora":
        rb.corpus("C")
    edit = mode == "edited during run"
    editor = threading.Thread(target=edit_slowly, args=(rb, rb.ref(command).cold))
    began = time.monotonic()
    procs = [rb.bench.start(command.argv(cache, None), rb.bench.root / c) for c in corpora]
    if edit:
        editor.start()
    runs = [rb.bench.finish(proc, began) for proc in procs]
    orphans = sum(reap_group(proc.pid, grace=2.0) for proc in procs)
    reasons = [f"{orphans} worker(s) outlived the run"] if orphans else []
    for corpus, run in zip(corpora, runs, strict=True):
        if edit:
            reasons += trouble(run)
        else:
            reasons += differences(run, rb.ref(command, "A" if corpus == "C" else corpus), None)
    if edit:
        editor.join()
        rerun = rb.bench.run(command.argv(cache, None), rb.bench.root / "C")
        reasons += [f"next run: {r}" for r in differences(rerun, rb.ref(command, "B"), None)]
    return Trial(f"{command.name} x{count} on one cache", reasons, mode)


def edit_slowly(rb: Robustness, seconds: float) -> None:
    """Apply corpus B's edits to corpus C, spread over ``seconds``."""
    for edit in rb.edits:
        time.sleep(seconds / len(rb.edits))
        apply_edit(rb.bench.root / "C", edit)


DAMAGE = ("emptied", "cut", "header overwritten", "page overwritten", "16 bytes overwritten")


def damage(path: Path, mode: str, rng: random.Random) -> None:
    """Damage the file ``path`` in one of the ways of :data:`DAMAGE`."""
    size = path.stat().st_size
    with open(path, "r+b") as handle:
        if mode == "emptied":
            handle.truncate(0)
        elif mode == "cut":
            handle.truncate(rng.randrange(1, max(2, size)))
        else:
            length = {"header overwritten": 100, "page overwritten": 4096}.get(mode, 16)
            start = 0 if mode.startswith("header") else rng.randrange(max(1, size - length))
            if mode.startswith("page"):
                start -= start % 4096
            handle.seek(start)
            handle.write(rng.randbytes(min(length, max(1, size - start))))


def spill_files(folders: Sequence[Path]) -> list[Path]:
    """The spill files, not empty, in ``folders`` (which the run may remove meanwhile)."""
    found = []
    for folder in folders:
        with contextlib.suppress(OSError):
            found += [f for f in sorted(folder.iterdir()) if f.stat().st_size > 0]
    return found


def store_trial(rb: Robustness, command: Command, store: str, mode: str) -> Trial:
    """Damage the SQLite file ``store`` of a filled cache in the way ``mode`` (one of
    :data:`DAMAGE`), then run ``command`` twice and compare."""
    ref, target = rb.ref(command), rb.target(command)
    cache = rb.warm_cache()
    damage(cache.parent / store, mode, rb.rng)
    run = rb.bench.run(command.argv(cache, target), rb.bench.root / "A")
    reasons = differences(run, ref, snapshot(target))
    rerun = rb.bench.run(command.argv(cache, target), rb.bench.root / "A")
    reasons += [f"next run: {r}" for r in differences(rerun, ref, snapshot(target))]
    rb.stats.counts["store damage: warned"] += "warning" in run.stderr
    moved = list(cache.parent.glob(f"{store}.corrupt-*"))
    rb.stats.counts["store damage: file moved aside"] += bool(moved)
    note = f"{mode}, then {command.name}"
    return Trial(f"damaged {store}", reasons, note, describe(run, ref, moved))


def spill_trial(rb: Robustness, command: Command, mode: str, fraction: float) -> Trial:
    """Damage a spill file (in the way ``mode``) once ``fraction`` of a cold run's time
    has passed. The run must give the reference results, with a warning naming the damaged
    spill file when the damage was read (the run then reads its inputs again), and so
    must the next run."""
    ref, target = rb.ref(command), rb.target(command)
    cache = rb.cache("spill")
    before = set(rb.bench.spill_folders())
    began = time.monotonic()
    proc = rb.bench.start(command.argv(cache, target), rb.bench.root / "A")
    wait = fraction * ref.cold
    hit = ""
    while proc.poll() is None and not hit:
        files = spill_files([d for d in rb.bench.spill_folders() if d not in before])
        if files and time.monotonic() - began > wait:
            victim = rb.rng.choice(files)
            with contextlib.suppress(OSError):
                damage(victim, mode, rb.rng)
                hit = f"{mode} {victim.name}"
        time.sleep(0.02)
    run = rb.bench.finish(proc, began)
    reasons = differences(run, ref, snapshot(target))
    warned = [x for x in run.stderr.splitlines() if x.endswith("reading the inputs again")]
    rb.stats.counts["spill damage: read, warned and the inputs read again"] += bool(warned)
    rerun = rb.bench.run(command.argv(cache, target), rb.bench.root / "A")
    reasons += [f"next run: {r}" for r in differences(rerun, ref, snapshot(target))]
    rb.clean_leftovers()
    rb.stats.counts["spill damage: run ended before a spill file was damaged"] += not hit
    note = f"{hit or 'missed'}, {command.name}"
    return Trial("damaged spill file", reasons, note, describe(run, ref, []), bool(hit))


# -- the run and its report ---------------------------------------------------------------


def all_trials(rb: Robustness, trials: int) -> list[partial[Trial]]:
    """Every trial of one run, in order, as calls still to be made."""
    planned: list[partial[Trial]] = []
    for family in ((SCAN,), (CHECK,), (COLLAPSE_FILE, COLLAPSE_DIR)):
        for sig in (signal.SIGINT, signal.SIGKILL):
            for n in range(trials):
                command = family[n % len(family)]
                planned.append(partial(kill_trial, rb, command, sig, n % 2 == 0))
    for command in (SCAN, CHECK):
        for count in (2, 3, 4):
            for mode in ("same corpus", "two corpora", "edited during run"):
                planned.append(partial(concurrent_trial, rb, command, count, mode))
    commands = (SCAN, CHECK, COLLAPSE_FILE)
    for n in range(trials):
        command, store, mode = commands[n % 3], STORES[n % 2], DAMAGE[n // 2 % len(DAMAGE)]
        planned.append(partial(store_trial, rb, command, store, mode))
    for n in range(trials):
        command, mode = commands[n % 3], DAMAGE[1 + n % (len(DAMAGE) - 1)]
        fraction = rb.rng.uniform(0.0, 0.6)
        planned.append(partial(spill_trial, rb, command, mode, fraction))
    return planned


def report(results: Sequence[Trial], stats: Stats) -> str:
    """The table of trials, passes and failures by kind, with the reasons counted."""
    kinds = list(dict.fromkeys(t.kind for t in results))
    width = max(len(k) for k in kinds)
    lines = [f"{'kind':<{width}}  trials  passed  failed  reasons of failures"]
    for kind in kinds:
        mine = [t for t in results if t.kind == kind]
        failed = [t for t in mine if t.reasons]
        why = Counter(r for t in failed for r in dict.fromkeys(t.reasons))
        text = "; ".join(f"{r} ({n})" for r, n in why.most_common())
        lines.append(
            f"{kind:<{width}}  {len(mine):>6}  {len(mine) - len(failed):>6}  "
            f"{len(failed):>6}  {text}"
        )
    bad = sum(1 for t in results if t.reasons)
    lines.append(f"{'all':<{width}}  {len(results):>6}  {len(results) - bad:>6}  {bad:>6}")
    lines += ["", *(f"{name}: {count}" for name, count in sorted(stats.counts.items()))]
    return "\n".join(lines)


#: The kinds of trial ``--only`` chooses among.
KINDS = {
    "kill": kill_trial,
    "concurrency": concurrent_trial,
    "store": store_trial,
    "spill": spill_trial,
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--trials",
        type=int,
        default=20,
        help="trials per command and signal, and of each damage (20); the 18 concurrency "
        "trials do not change",
    )
    parser.add_argument("--seed", type=int, default=1, help="seed of corpus and delays (1)")
    parser.add_argument("--workdir", type=Path, help="keep corpus, caches and outputs here")
    parser.add_argument("--verbose", "-v", action="store_true", help="print every trial")
    parser.add_argument(
        "--only",
        action="append",
        choices=sorted(KINDS),
        help="run only trials of this kind (repeatable; all kinds by default)",
    )
    args = parser.parse_args(argv)
    wanted = tuple(KINDS[k] for k in args.only or KINDS)
    root = args.workdir or Path(tempfile.mkdtemp(prefix="dedup-robustness-"))
    shutil.rmtree(root / "tmp", ignore_errors=True)
    rb = Robustness(Bench(root.resolve()), args.seed)
    began = time.monotonic()
    rb.prepare()
    scan = rb.ref(SCAN)
    print(
        f"corpus: {len(rb.files)} files, scan cold {scan.cold:.1f} s, warm {scan.warm:.1f} s",
        file=sys.stderr,
    )
    results = []
    log = root / "failures.log"
    log.unlink(missing_ok=True)
    try:
        planned = [t for t in all_trials(rb, args.trials) if t.func in wanted]
        for number, trial in enumerate(planned, start=1):
            results.append(trial())
            done = results[-1]
            verdict = "FAIL " + "; ".join(done.reasons) if done.reasons else "pass"
            line = f"{number:4d} {done.kind} [{done.note}]: {verdict}"
            if args.verbose or done.reasons:
                print(line, file=sys.stderr)
            if done.reasons:
                with open(log, "a", encoding="utf-8") as handle:
                    handle.write(f"{line}\n{done.evidence}\n\n")
    finally:
        if args.workdir is None:
            shutil.rmtree(root, ignore_errors=True)
    print(report(results, rb.stats))
    print(f"\n{len(results)} trials in {time.monotonic() - began:.0f} s, seed {args.seed}")
    return 1 if any(t.reasons for t in results) else 0


if __name__ == "__main__":
    sys.exit(main())
