"""Speed of ``dedup check`` on a large corpus: cold (no index) and warm (index filled).

Builds a corpus of dump files (by default 20,000 dumps of a main article and 4 related
blocks: 100,000 articles) from sentences of the real articles in ``../shared/corpora``,
then runs ``dedup check`` on 3 new files, one of them a copy of a corpus article, as
pre-commit would::

    python benchmarks/check_speed.py                  # 20k dumps, 100k articles
    python benchmarks/check_speed.py --dumps 2000     # a quick run
    python benchmarks/check_speed.py --workdir /tmp/cs  # keep the corpus for the next run

Each run is its own subprocess; the script prints its seconds, peak RSS and exit code:
``cold`` builds the index from nothing, ``warm`` repeats the check, ``warm, new files``
checks 3 files the index has never seen (new ones each time). Each warm kind is run
``--repeats`` times (5), and its median printed: a single run of half a second varies by
a fifth on a busy machine. Skips with a message when the corpora are absent.

With ``--git`` the corpus is a committed git repository, the new files are staged and
the check runs inside it with no ``--corpus-root``, as the pre-commit hook does: git then
tells it which articles are new (a few git commands per check).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from corpus_gen import Block, render_dump
from speed_corpus import load_sentences, make_article, shared_corpora
from speed_run import Measurement, measure

DEDUP = str(
    Path(sys.executable).parent / "dedup"
    if (Path(sys.executable).parent / "dedup").exists()
    else shutil.which("dedup") or "dedup"
)
OUTLETS = ("Yahoo", "MSN", "Daily Courier", "Evening Sentinel", "Bay City Herald")
PER_FOLDER = 200
#: Index files written this long ago are past the index's "racy" window.
SETTLE_SECONDS = 2.5


def related_block(pool: list[str], rng: random.Random) -> Block:
    """A shorter related story (about a third of a main article)."""
    title, paragraphs = make_article(pool, rng)
    keep = max(1, len(paragraphs) // 3)
    age = f"{rng.randint(1, 23)} hours ago"
    return Block(title, tuple(paragraphs[:keep]), rng.choice(OUTLETS), age)


def build_corpus(root: Path, dumps: int, related: int, seed: int) -> int:
    """Write ``dumps`` dump files under ``root`` (reused when already complete)."""
    marker = root / ".complete"
    if marker.is_file() and marker.read_text() == f"{dumps}:{related}:{seed}":
        return dumps * (1 + related)
    shutil.rmtree(root, ignore_errors=True)
    shared = shared_corpora()
    assert shared is not None
    pool = load_sentences(shared)
    rng = random.Random(seed)
    for number in range(dumps):
        title, paragraphs = make_article(pool, rng)
        blocks = [related_block(pool, rng) for _ in range(related)]
        path = root / f"f{number // PER_FOLDER:04}" / f"dump-{number:06}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render_dump(Block(title, tuple(paragraphs)), blocks), encoding="utf-8")
    marker.write_text(f"{dumps}:{related}:{seed}")
    return dumps * (1 + related)


def write_new_files(root: Path, tag: str, seed: int) -> list[Path]:
    """Three new dumps under ``root/new``: a copy of a corpus main article, two new ones."""
    shared = shared_corpora()
    assert shared is not None
    pool = load_sentences(shared)
    rng = random.Random(f"new files {seed}")
    folder = root / "new"
    folder.mkdir(exist_ok=True)
    original = (root / "f0000" / "dump-000000.txt").read_text(encoding="utf-8").split("\n")
    end = original.index("Hashtags")
    copied = Block(original[0], (*original[1:end], "Sign in to access your portfolio"))
    paths = []
    for number, main in enumerate([copied, *(Block(*make_article(pool, rng)) for _ in "ab")]):
        path = folder / f"{tag}-{number}.txt"
        path.write_text(render_dump(main, [related_block(pool, rng)]), encoding="utf-8")
        paths.append(path)
    return paths


def git(root: Path, *args: str) -> None:
    author = {"GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.com"}
    committer = {"GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.com"}
    env = {**os.environ, **author, **committer}
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, env=env)


def commit_corpus(root: Path) -> None:
    """Make ``root`` a git repository holding the corpus, committed (once)."""
    if not (root / ".git").exists():
        git(root, "init", "-q")
        git(root, "add", "-A")
        git(root, "commit", "-qm", "corpus")


def run_check(files: Sequence[Path], root: Path, cache: Path, *, in_git: bool) -> Measurement:
    """``dedup check`` of ``files``: inside the repository as pre-commit runs it (the
    files staged), or with ``--corpus-root``."""
    if in_git:
        git(root, "add", *(str(path.relative_to(root)) for path in files))
        argv = [DEDUP, "check", "--cache-path", str(cache)]
        return measure([*argv, *(str(path.relative_to(root)) for path in files)], cwd=root)
    argv = [DEDUP, "check", "--corpus-root", str(root), "--cache-path", str(cache)]
    return measure([*argv, *map(str, files)])


def remove_new(root: Path, files: Sequence[Path], *, in_git: bool) -> None:
    if in_git:
        git(root, "rm", "-q", "--cached", *(str(path.relative_to(root)) for path in files))
    for path in files:
        path.unlink()


def report(label: str, run: Measurement, as_json: bool) -> dict[str, object]:
    code = run.error.split(":", 1)[0] if run.error else "exit 0"
    if code not in ("exit 0", "exit 1") or (run.error and not run.stdout):
        print(f"{label}: failed: {run.error}", file=sys.stderr)
    figures = {
        "run": label,
        "seconds": round(run.seconds, 2),
        "peak_rss_mb": round(run.peak_rss_bytes / 2**20),
        "exit": code,
        "findings": run.stdout.count("\n"),
    }
    if not as_json:
        print(
            f"{label:<18} {figures['seconds']:>7.2f} s {figures['peak_rss_mb']:>6} MB  "
            f"{code}, {figures['findings']} finding(s)",
            flush=True,
        )
    return figures


def median_seconds(rows: Sequence[dict[str, object]], label: str) -> float:
    """The median seconds of the runs called ``label``."""
    return float(
        statistics.median(float(str(row["seconds"])) for row in rows if row["run"] == label)
    )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dumps", type=int, default=20_000, help="dump files in the corpus")
    parser.add_argument("--related", type=int, default=4, help="related blocks per dump")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--repeats", type=int, default=5, help="warm runs of each kind (new files each time)"
    )
    parser.add_argument("--workdir", type=Path, help="keep corpus and index here")
    parser.add_argument(
        "--git", action="store_true", help="check inside a git repository, as pre-commit does"
    )
    parser.add_argument("--json", action="store_true", help="figures as JSON on stdout")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if shared_corpora() is None:
        print("skipped: ../shared/corpora not found")
        return 0
    workdir = (args.workdir or Path(tempfile.mkdtemp(prefix="dedup-check-speed-"))).resolve()
    root, cache = workdir / "corpus", workdir / "cache" / "signatures.sqlite"
    try:
        started = time.perf_counter()
        articles = build_corpus(root, args.dumps, args.related, args.seed)
        if (root / "new").exists():
            if (root / ".git").exists():
                git(root, "rm", "-rq", "--cached", "--ignore-unmatch", "new")
            shutil.rmtree(root / "new")
        shutil.rmtree(cache.parent, ignore_errors=True)
        if not args.json:
            print(
                f"corpus: {args.dumps} dumps, {articles} articles under {root} "
                f"(built in {time.perf_counter() - started:.0f} s)",
                flush=True,
            )
        if args.git:
            commit_corpus(root)
        time.sleep(SETTLE_SECONDS)
        first = write_new_files(root, "staged", args.seed)
        check = functools.partial(run_check, root=root, cache=cache, in_git=args.git)
        rows = [report("cold", check(first), args.json)]
        for _ in range(args.repeats):
            rows.append(report("warm", check(first), args.json))
        for number in range(args.repeats):
            later = write_new_files(root, f"later{number}", args.seed + 1 + number)
            rows.append(report("warm, new files", check(later), args.json))
            remove_new(root, later, in_git=args.git)
        remove_new(root, first, in_git=args.git)
        medians = {label: median_seconds(rows, label) for label in ("warm", "warm, new files")}
        if args.json:
            figures = {"dumps": args.dumps, "articles": articles, "git": args.git}
            print(json.dumps({**figures, "runs": rows, "medians": medians}))
        else:
            for label, seconds in medians.items():
                print(f"median of {args.repeats} {label + ':':<16} {seconds:.2f} s")
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
