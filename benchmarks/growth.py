"""How a scan's cost grows with the corpus when real paragraphs recur across records.

Real corpora repeat paragraphs across different articles: quotes, background paragraphs,
boilerplate. Records here are recombined real paragraphs from ``../shared/corpora`` (read
at run time, never stored): each record has 5 to 10 paragraphs, a quarter of them drawn
from a set of 3,000 real paragraphs with Zipf popularity (so the most popular one stands
in about one record in seven, as a site's boilerplate does, and a thousand others recur
by the dozen, as quotes and background paragraphs do), the others new paragraphs of two
to four real sentences drawn at random (distinct prose, so that the recurring share is
the same at every size); 5% of the records are copies of a recent record (exact, or
trimmed by a paragraph). The
script writes one JSON Lines file per size, runs a cold ``dedup scan --format jsonl
--quiet`` on each (a fresh cache folder every time) and prints seconds, articles per
second, peak memory, groups found and the growth ratio of the time between consecutive
sizes (a linear cost gives the ratio of the sizes).

    python benchmarks/growth.py [--sizes 25k,100k] [--workdir DIR] [--jobs N] [--seed N]
"""

from __future__ import annotations

import argparse
import collections
import gzip
import itertools
import json
import random
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from speed_corpus import SOURCES, load_sentences, shared_corpora
from speed_run import measure, parse_size

POPULAR = 3000
POPULAR_SHARE = 0.25
COPY_SHARE = 0.05
RECENT = 2000


def load_paragraphs(folder: Path) -> list[str]:
    """Every paragraph of 15 to 150 words in the shared corpora, whitespace collapsed."""
    found: list[str] = []
    for name in SOURCES:
        with gzip.open(folder / name / "articles.jsonl.gz", "rt", encoding="utf-8") as stream:
            for line in stream:
                for paragraph in str(json.loads(line).get("text") or "").split("\n"):
                    words = paragraph.split()
                    if 15 <= len(words) <= 150:
                        found.append(" ".join(words))
    return sorted(set(found))


def make_record(
    sentences: list[str], popular: list[str], weights: list[float], rng: random.Random
) -> list[str]:
    """5 to 10 paragraphs: a quarter popular (Zipf), the others new, of real sentences."""
    count = rng.randint(5, 10)
    picks = iter(rng.choices(popular, cum_weights=weights, k=count))
    return [
        next(picks)
        if rng.random() < POPULAR_SHARE
        else " ".join(rng.choices(sentences, k=rng.randint(2, 4)))
        for _ in range(count)
    ]


def build(shared: Path, path: Path, size: int, seed: int) -> tuple[Path, int]:
    """Write ``size`` recombined records to ``path`` (reused when already there); the path
    and the number of planted copies."""
    marker = path.with_suffix(".planted")
    if path.is_file() and marker.is_file():
        return path, int(marker.read_text())
    pool = load_paragraphs(shared)
    sentences = load_sentences(shared)
    rng = random.Random(seed)
    popular = rng.sample(pool, POPULAR)
    weights = list(itertools.accumulate(1 / rank for rank in range(1, POPULAR + 1)))
    recent: collections.deque[list[str]] = collections.deque(maxlen=RECENT)
    planted = 0
    with path.open("w", encoding="utf-8") as out:
        for number in range(size):
            if recent and rng.random() < COPY_SHARE:
                paragraphs = list(rng.choice(recent))
                paragraphs = paragraphs[:-1] if rng.random() < 0.5 else paragraphs
                planted += 1
            else:
                paragraphs = make_record(sentences, popular, weights, rng)
                recent.append(paragraphs)
            title = f"Record {number}: " + " ".join(paragraphs[0].split()[:8])
            record = {"title": title, "text": "\n\n".join(paragraphs)}
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    marker.write_text(str(planted))
    return path, planted


def run(path: Path, size: int, workdir: Path, jobs: int) -> tuple[float, int, int]:
    """Seconds, peak tree RSS and groups of one cold scan of ``path``."""
    cache = Path(tempfile.mkdtemp(dir=workdir, prefix="cache-"))
    argv = [sys.executable, "-m", "dedup", "scan", str(path), "-f", "jsonl", "--quiet"]
    argv += ["--exit-zero", "--jobs", str(jobs)]
    result = measure(argv, extra_env={"XDG_CACHE_HOME": str(cache)})
    if not result.ok:
        raise SystemExit(f"dedup failed on {size} records: {result.error}")
    return result.seconds, result.tree_rss_bytes, result.stdout.count("\n")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="25k,100k")
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--jobs", type=int, default=0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    shared = shared_corpora()
    if shared is None:
        print("skipped: ../shared/corpora not found")
        return 0
    workdir = (args.workdir or Path(tempfile.mkdtemp(prefix="dedup-growth-"))).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    print("records  seconds  articles/s  peak MB  groups  time ratio")
    previous: tuple[int, float] | None = None
    for size in map(parse_size, args.sizes.split(",")):
        path, _ = build(shared, workdir / f"recurring-{size}-s{args.seed}.jsonl", size, args.seed)
        seconds, peak, groups = run(path, size, workdir, args.jobs)
        ratio = f"{seconds / previous[1]:.2f} for {size / previous[0]:.1f}x" if previous else ""
        line = f"{size:>7}  {seconds:7.1f}  {size / seconds:10.0f}  {peak / 1e6:7.0f}  {groups:6}"
        print(f"{line}  {ratio}", flush=True)
        previous = (size, seconds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
