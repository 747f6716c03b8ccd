"""Speed benchmark: dedup (cold and warm cache, one job and all jobs) against the anchors.

Builds corpora from the real articles in ``../shared/corpora`` (BBC News, Reuters-21578),
each of one kind at each size, writes each as one JSONL file, then runs every pipeline on
it in its own subprocess and prints articles/second, peak memory and the ratio to dedup
cold; after the last size, each kind's growth ratio (time at the largest size over time at
the smallest: a linear cost gives the ratio of the sizes). The kinds:

- ``prose``: distinct word-chain prose of ~575 words, 5% planted copies (exact, junk
  appended, trimmed); see ``speed_corpus.py``;
- ``paragraphs``: recombined real paragraphs, a quarter of them recurring across records
  with Zipf popularity, 5% planted copies; see ``growth.py``;
- ``sentences``: ~750 words of random real sentences, 5% planted copies.

::

    python benchmarks/speed.py                    # prose and paragraphs, 25k and 100k
    python benchmarks/speed.py --kinds prose --sizes 1m --json  # 1M; JSON on stdout

Slow anchors run on the first ``--subsample`` articles and their rate is extrapolated;
the table marks them. Skips with a message when the corpora are absent.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import growth
from speed_corpus import build_corpus, build_prose, shared_corpora, write_head
from speed_run import Measurement, measure, parse_size

HERE = Path(__file__).resolve().parent
ANCHORS = HERE / "anchors.py"
SLOW_ANCHORS = ("datasketch-update", "datasketch-bulk", "text-dedup")
FAST_ANCHORS = ("rensa-strings", "rensa-hashes", "floor")
#: The dedup command of the running interpreter's environment.
DEDUP = str(
    Path(sys.executable).parent / "dedup"
    if (Path(sys.executable).parent / "dedup").exists()
    else shutil.which("dedup") or "dedup"
)
#: Seconds a corpus must have been left alone before dedup indexes it (see run_dedup).
SETTLE_SECONDS = 3.0
TEXT_DEDUP_PYTHON = Path(os.environ.get("TEXT_DEDUP_PYTHON", "/tmp/td_venv/bin/python"))

API_SCRIPT = """
import json, sys
from dedup.store.signatures import SignatureCache
from dedup.config import load_config
from dedup.read.files import read_articles
from dedup.engine.run import find_duplicates
corpus, cache_path, jobs = sys.argv[1], sys.argv[2], int(sys.argv[3])
config = load_config({"cache_path": cache_path, "jobs": jobs})
with SignatureCache.from_config(config) as cache:
    result = find_duplicates(read_articles([corpus], config), config, cache=cache)
print(json.dumps({"groups": len(result.groups), "copies": result.copies}))
"""


#: How each kind of corpus is built: (shared folder, path, size, seed) -> (path, planted).
BUILDERS: dict[str, Callable[[Path, Path, int, int], tuple[Path, int]]] = {
    "prose": build_prose,
    "paragraphs": growth.build,
    "sentences": build_corpus,
}


@dataclass(frozen=True)
class Row:
    """One line of the table: a pipeline's figures on one corpus of one kind and size."""

    size: int
    name: str
    measured_articles: int
    seconds: float
    per_second: float
    peak_rss_mb: float
    tree_rss_mb: float
    copies: int | None
    note: str
    vs_cold_1: float | None = None
    vs_cold_all: float | None = None
    kind: str = ""
    #: Summed PSS at its peak: shared copy-on-write pages of forked workers counted once.
    tree_pss_mb: float = 0.0


def dedup_mode(choice: str) -> tuple[str, str]:
    """Which way to run dedup: ("cli" | "api", "") or ("", reason it cannot run)."""
    scan = subprocess.run([DEDUP, "scan", "--help"], capture_output=True, text=True)
    if choice in ("auto", "cli") and scan.returncode == 0:
        return "cli", ""
    probe = subprocess.run(
        [sys.executable, "-c", "import dedup.engine.run, dedup.read.files"],
        capture_output=True,
        text=True,
    )
    if choice in ("auto", "api") and probe.returncode == 0:
        return "api", ""
    reason = (scan.stderr or probe.stderr).strip().splitlines()
    return "", reason[-1] if reason else "dedup cannot run"


def dedup_argv(mode: str, corpus: Path, cache: Path, jobs: int) -> list[str]:
    if mode == "cli":
        return [
            DEDUP,
            "scan",
            str(corpus),
            "--format",
            "jsonl",
            "--cache-path",
            str(cache),
            "--jobs",
            str(jobs),
            "--quiet",
            "--exit-zero",
        ]
    return [sys.executable, "-c", API_SCRIPT, str(corpus), str(cache), str(jobs)]


def count_dedup_copies(mode: str, stdout: str) -> int | None:
    """Copies in dedup's output: JSONL records (one per group or per copy)."""
    records = [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]
    if mode == "api":
        return int(records[-1]["copies"]) if records else None
    return sum(len(r["copies"]) if "copies" in r else 1 for r in records)


def run_dedup(
    mode: str, corpus: Path, size: int, workdir: Path, jobs_all: int, one_job: bool = True
) -> list[Row]:
    """Cold then warm, on one job (unless not ``one_job``) and on all jobs; each cold run
    starts from an empty cache."""
    rows: list[Row] = []
    # A file changed less than 2 s before it was indexed is read again by the next run (the
    # index's "racy" rule): a corpus just written would make the warm run a cold one.
    time.sleep(max(0.0, SETTLE_SECONDS - (time.time() - corpus.stat().st_mtime)))
    for jobs in sorted({1, jobs_all} if one_job else {jobs_all}):
        cache = workdir / f"cache-{jobs}.sqlite"
        # The scan index beside the cache is part of a warm start too.
        for leftover in [
            *workdir.glob(f"cache-{jobs}.sqlite*"),
            *workdir.glob("scan-index.sqlite*"),
        ]:
            leftover.unlink()
        for phase in ("cold", "warm"):
            result = measure(dedup_argv(mode, corpus, cache, jobs))
            name = f"dedup {phase}, {jobs} job{'s' if jobs > 1 else ''}"
            copies = count_dedup_copies(mode, result.stdout) if result.ok else None
            rows.append(to_row(size, name, size, result, copies, "" if result.ok else result.error))
    return rows


def to_row(
    size: int, name: str, measured: int, result: Measurement, copies: int | None, note: str
) -> Row:
    rate = measured / result.seconds if result.ok and result.seconds > 0 else 0.0
    return Row(
        size=size,
        name=name,
        measured_articles=measured,
        seconds=round(result.seconds, 2),
        per_second=round(rate, 1),
        peak_rss_mb=round(result.peak_rss_bytes / 2**20, 1),
        tree_rss_mb=round(result.tree_rss_bytes / 2**20, 1),
        tree_pss_mb=round(result.tree_pss_bytes / 2**20, 1),
        copies=copies,
        note=note,
    )


def run_anchor(name: str, corpus: Path, head: Path, size: int, subsample: int) -> Row:
    """One anchor from ``anchors.py``, on a subsample when it is slow."""
    sampled = name in SLOW_ANCHORS and size > subsample
    measured = subsample if sampled else size
    result = measure([sys.executable, str(ANCHORS), name, str(head if sampled else corpus)])
    copies = json.loads(result.stdout)["copies"] if result.ok else None
    note = f"subsample of {measured:,}, rate extrapolated" if sampled else ""
    return to_row(size, name, measured, result, copies, note if result.ok else result.error)


def run_text_dedup(
    corpus: Path, head: Path, size: int, subsample: int, workdir: Path, jobs: int
) -> Row:
    """text-dedup's MinHash from its own virtualenv, or a row saying why it is unavailable."""
    from anchors import parse_text_dedup_removed, text_dedup_command

    name = f"text-dedup, {jobs} proc"
    sampled = size > subsample
    measured = subsample if sampled else size
    if not TEXT_DEDUP_PYTHON.exists():
        reason = f"unavailable: no text-dedup virtualenv at {TEXT_DEDUP_PYTHON}"
        return Row(size, name, 0, 0.0, 0.0, 0.0, 0.0, None, reason)
    argv, env = text_dedup_command(TEXT_DEDUP_PYTHON, head if sampled else corpus, workdir, jobs)
    result = measure(argv, extra_env=env, merge_stderr=True)
    shutil.rmtree(workdir / "hf-cache", ignore_errors=True)
    shutil.rmtree(workdir / "text-dedup-out", ignore_errors=True)
    if not result.ok:
        return to_row(size, name, measured, result, None, f"unavailable: {result.error}")
    note = f"subsample of {measured:,}, rate extrapolated" if sampled else ""
    return to_row(size, name, measured, result, parse_text_dedup_removed(result.stdout), note)


def add_ratios(rows: list[Row]) -> list[Row]:
    """Each row's rate divided by dedup cold's (one job and all jobs), same corpus size."""
    cold_1 = next((r.per_second for r in rows if r.name == "dedup cold, 1 job"), 0.0)
    cold_all = max((r.per_second for r in rows if r.name.startswith("dedup cold")), default=0.0)
    out = []
    for row in rows:
        vs_1 = round(row.per_second / cold_1, 3) if cold_1 and row.per_second else None
        vs_all = round(row.per_second / cold_all, 3) if cold_all and row.per_second else None
        out.append(Row(**{**asdict(row), "vs_cold_1": vs_1, "vs_cold_all": vs_all}))
    return out


def format_table(rows: Sequence[Row]) -> str:
    """A markdown table of every row."""
    header = (
        "| articles | pipeline | articles/s | seconds | peak RSS MB | tree RSS MB "
        "| tree PSS MB | copies found | ÷ cold 1 job | ÷ cold all jobs | note |"
    )
    lines = [header, "|" + "---|" * 11]
    for r in rows:
        ratio_1 = f"{r.vs_cold_1:.3g}×" if r.vs_cold_1 else "-"
        ratio_all = f"{r.vs_cold_all:.3g}×" if r.vs_cold_all else "-"
        copies = "-" if r.copies is None else f"{r.copies:,}"
        lines.append(
            f"| {r.size:,} | {r.name} | {r.per_second:,.0f} | {r.seconds:.1f} | "
            f"{r.peak_rss_mb:,.0f} | {r.tree_rss_mb:,.0f} | {r.tree_pss_mb:,.0f} | {copies} | "
            f"{ratio_1} | {ratio_all} | {r.note} |"
        )
    return "\n".join(lines)


def benchmark_size(
    kind: str, size: int, args: argparse.Namespace, workdir: Path, mode: str
) -> list[Row]:
    """Build one corpus of ``kind`` and run every pipeline on it."""
    folder = workdir / f"corpus-{kind}-{size}"
    folder.mkdir(parents=True, exist_ok=True)
    corpus, planted = BUILDERS[kind](args.shared, folder / "articles.jsonl", size, args.seed)
    head = write_head(corpus, folder / f"head-{args.subsample}.jsonl", args.subsample)
    say(f"{size:,} {kind} articles with {planted:,} planted copies in {corpus}")
    jobs_all = args.jobs or os.cpu_count() or 1
    rows: list[Row] = []
    if mode:
        rows += run_dedup(mode, corpus, size, folder, jobs_all, "dedup-1job" not in args.skip)
    else:
        rows.append(Row(size, "dedup", 0, 0.0, 0.0, 0.0, 0.0, None, f"unavailable: {args.why}"))
    for name in (*FAST_ANCHORS, *SLOW_ANCHORS):
        if name in args.skip:
            continue
        say(f"  running {name} on {size:,} articles")
        if name == "text-dedup":
            for jobs in sorted({1, jobs_all}):
                rows.append(run_text_dedup(corpus, head, size, args.subsample, folder, jobs))
        else:
            rows.append(run_anchor(name, corpus, head, size, args.subsample))
    return [replace(r, kind=kind) for r in add_ratios(rows)]


def growth_lines(rows: Sequence[Row]) -> list[str]:
    """Per kind and dedup cold row: seconds at the largest size over the smallest."""
    lines = []
    for kind in dict.fromkeys(r.kind for r in rows):
        for name in dict.fromkeys(r.name for r in rows if r.name.startswith("dedup cold")):
            timed = sorted((r.size, r.seconds) for r in rows if (r.kind, r.name) == (kind, name))
            if len(timed) < 2 or not timed[0][1] or not timed[-1][1]:
                continue
            (small, t_small), (large, t_large) = timed[0], timed[-1]
            lines.append(
                f"growth, {kind}, {name}: time({large:,}) / time({small:,}) = "
                f"{t_large / t_small:.2f} for {large / small:.1f}x the articles"
            )
    return lines


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="25k,100k", help="Corpus sizes, e.g. 25k,100k,1m.")
    parser.add_argument(
        "--kinds",
        default="prose,paragraphs",
        help=f"Corpus kinds, comma-separated, of {', '.join(BUILDERS)}.",
    )
    parser.add_argument("--subsample", type=parse_size, default=10_000)
    parser.add_argument("--jobs", type=int, default=0, help="'All jobs' means this many.")
    parser.add_argument("--via", choices=("auto", "cli", "api"), default="auto")
    parser.add_argument(
        "--skip",
        default="",
        help="Anchors to leave out, comma-separated; dedup-1job leaves out dedup on one job.",
    )
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--workdir", type=Path, help="Keep corpora here (default: a temp dir).")
    parser.add_argument("--json", action="store_true", help="Print JSON instead of a table.")
    args = parser.parse_args(argv)
    args.skip = {name.strip() for name in args.skip.split(",") if name.strip()}
    args.kinds = [kind.strip() for kind in args.kinds.split(",") if kind.strip()]
    unknown = [kind for kind in args.kinds if kind not in BUILDERS]
    if unknown:
        parser.error(f"unknown corpus kind {unknown[0]!r}; choose among {', '.join(BUILDERS)}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print the table (or JSON) on stdout."""
    args = parse_args(argv)
    args.shared = shared_corpora()
    if args.shared is None:
        say("speed.py: skipped: ../shared/corpora (bbc_news, reuters21578) not found")
        return 0
    mode, args.why = dedup_mode(args.via)
    if not mode:
        say(f"speed.py: dedup unavailable: {args.why}")
    workdir = (args.workdir or Path(tempfile.mkdtemp(prefix="dedup-speed-"))).resolve()
    rows: list[Row] = []
    try:
        for kind in args.kinds:
            for size in args.sizes.split(","):
                done = benchmark_size(kind, parse_size(size), args, workdir, mode)
                rows += done
                if not args.json:
                    print(f"{kind}:\n" + format_table(done) + "\n", flush=True)
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    if not args.json:
        print("\n".join(growth_lines(rows)))
    if args.json:
        print(json.dumps([asdict(r) for r in rows], indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
