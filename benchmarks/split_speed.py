"""Speed of reading a JSON Lines corpus and cutting its articles into units.

Single process: reads every record of the file given on the command line
(``dedup.read.files.read_file``, which builds each article's paragraphs), then turns every
article into units (``dedup.text.prepare.split_units``), and prints articles per second for
the read, the split and both, best of ``--repeat`` runs::

    python benchmarks/split_speed.py /tmp/speedrun/corpus-100000/head-10000.jsonl
    python benchmarks/split_speed.py corpus.jsonl --repeat 5

Skips with a message (exit 0) when the file is missing.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from dedup.article import Article
from dedup.config import Config
from dedup.errors import InputError
from dedup.read.files import read_file
from dedup.text.prepare import split_units


def _ignore(error: InputError) -> None:
    """Warnings are not this benchmark's concern."""


def time_once(path: str, config: Config) -> tuple[int, float, float]:
    """Articles read, seconds reading, seconds splitting."""
    start = time.perf_counter()
    articles: list[Article] = list(read_file(path, config, _ignore))
    read = time.perf_counter() - start
    start = time.perf_counter()
    for article in articles:
        split_units(article, config)
    split = time.perf_counter() - start
    return len(articles), read, split


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", help="a JSON Lines file (fields title, text)")
    parser.add_argument("--repeat", type=int, default=3, help="runs; the best is kept")
    args = parser.parse_args(argv)
    if not Path(args.path).is_file():
        print(f"skipped: {args.path} not found")
        return 0
    config = Config()
    count, best_read, best_split, best_total = 0, float("inf"), float("inf"), float("inf")
    for _ in range(max(1, args.repeat)):
        count, read, split = time_once(args.path, config)
        best_read, best_split = min(best_read, read), min(best_split, split)
        best_total = min(best_total, read + split)
    if count == 0:
        print(f"skipped: no articles in {args.path}")
        return 0
    print(f"articles: {count}")
    for name, seconds in (("read", best_read), ("split", best_split), ("read+split", best_total)):
        print(f"{name:>10}: {seconds:7.3f} s  {count / seconds:9.0f} articles/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
