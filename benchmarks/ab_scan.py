"""Two versions of dedup timed against each other on one corpus, runs alternating.

The development machine's speed moves by a fifth or more within an hour, so a change
worth a few per cent shows only against its parent measured in the same minutes. This
script checks out each revision into a git worktree of its own (or takes the working
tree as it is), then runs a cold ``dedup scan --format jsonl --quiet`` of the corpus
with each in turn, a fresh cache folder every run, swapping which goes first every
round::

    python benchmarks/ab_scan.py --corpus /tmp/speedS/corpus-prose-100000/articles.jsonl \\
        --base HEAD~1                      # HEAD~1 against the working tree
    python benchmarks/ab_scan.py --corpus FILE --base v0.3.4 --other HEAD --rounds 8

It prints each run's seconds and the CPU the whole machine spent meanwhile (from
``/proc/stat``, where there is one: workers included, other work too), the medians, the
difference of each round's pair, and whether the two versions wrote the same output.
"""

from __future__ import annotations

import argparse
import compileall
import hashlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORKING_TREE = "working tree"


@dataclass(frozen=True)
class Run:
    """One timed scan: which version, its seconds, the machine's CPU seconds meanwhile
    (-1 where there is no ``/proc/stat``), and a digest of what it wrote."""

    version: str
    seconds: float
    cpu: float
    output: str


def busy_seconds() -> float:
    """CPU seconds every core of the machine has spent busy so far (-1 without /proc)."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return -1.0
    user, nice, system, _idle, _wait, irq, softirq = map(int, fields[:7])
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


def checkout(revision: str, into: Path) -> Path:
    """``revision`` checked out into a worktree under ``into``, its modules compiled."""
    if revision == WORKING_TREE:
        tree = ROOT
    else:
        tree = into / revision.replace("/", "_").replace("~", "-").replace("^", "-")
        git = ["git", "-C", str(ROOT), "worktree", "add", "--detach", "-f", str(tree), revision]
        subprocess.run(git, check=True, capture_output=True)
    compileall.compile_dir(tree / "dedup", quiet=1)
    return tree


def scan(version: str, tree: Path, corpus: Path, scratch: Path, jobs: int | None) -> Run:
    """A cold scan of ``corpus`` by the dedup in ``tree``."""
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir()
    argv = [sys.executable, "-m", "dedup", "scan", "--format", "jsonl", "--quiet"]
    argv += ["--exit-zero", "--cache-path", str(scratch / "cache.sqlite")]
    argv += ["--jobs", str(jobs)] if jobs is not None else []
    env = {**os.environ, "PYTHONPATH": str(tree)}
    time.sleep(1)  # the last run's pages written back, its processes gone
    cpu, started = busy_seconds(), time.perf_counter()
    done = subprocess.run([*argv, str(corpus)], cwd=scratch, env=env, capture_output=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        last = done.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["no message"]
        raise SystemExit(f"{version}: dedup exited {done.returncode}: {last[0]}")
    spent = busy_seconds() - cpu if cpu >= 0 else -1.0
    return Run(version, seconds, spent, hashlib.blake2b(done.stdout, digest_size=8).hexdigest())


def summary(runs: Sequence[Run], base: str, other: str) -> list[str]:
    """Lines of figures: medians per version, and the paired differences (other minus
    base) of each round, in run order."""
    lines = []
    for version in (base, other):
        mine = [r for r in runs if r.version == version]
        cpu = statistics.median(r.cpu for r in mine)
        seconds = statistics.median(r.seconds for r in mine)
        lines.append(f"{version:>14}: median {seconds:.2f} s, machine CPU {cpu:.1f} s")
    based = [r for r in runs if r.version == base]
    others = [r for r in runs if r.version == other]
    differences = [b.seconds - a.seconds for a, b in zip(based, others, strict=True)]
    faster = sum(1 for d in differences if d < 0)
    shown = ", ".join(f"{d:+.2f}" for d in differences)
    lines.append(f"{other} minus {base}, per round: {shown} s")
    lines.append(
        f"median difference {statistics.median(differences):+.2f} s; "
        f"{other} faster in {faster} of {len(differences)} rounds"
    )
    same = {r.output for r in runs}
    lines.append("outputs: identical" if len(same) == 1 else "outputs: DIFFERENT")
    return lines


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, required=True, help="the file or folder to scan")
    parser.add_argument("--base", required=True, help="a git revision (the one to beat)")
    parser.add_argument("--other", default=WORKING_TREE, help="a git revision [the work tree]")
    parser.add_argument("--rounds", type=int, default=5, help="runs of each version")
    parser.add_argument("--jobs", type=int, help="--jobs for dedup [its default]")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.base == args.other:
        print(f"--base and --other both name {args.base!r}", file=sys.stderr)
        return 2
    if not args.corpus.exists():
        print(f"skipped: {args.corpus} not found", file=sys.stderr)
        return 0
    with tempfile.TemporaryDirectory(prefix="dedup-ab-") as temporary:
        folder = Path(temporary)
        trees = {name: checkout(name, folder) for name in (args.base, args.other)}
        runs: list[Run] = []
        try:
            for round_ in range(args.rounds):
                order = [args.base, args.other] if round_ % 2 == 0 else [args.other, args.base]
                for name in order:
                    run = scan(name, trees[name], args.corpus, folder / "scratch", args.jobs)
                    runs.append(run)
                    print(f"round {round_ + 1}: {name:>14} {run.seconds:6.2f} s", flush=True)
        finally:
            for name, tree in trees.items():
                if name != WORKING_TREE:
                    remove = ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)]
                    subprocess.run(remove, check=False, capture_output=True)
        print("\n".join(summary(runs, args.base, args.other)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
