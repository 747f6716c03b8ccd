"""Speed of computing fingerprint rows (three MinHash signatures per article).

Single process: reads every record of the JSON Lines file given on the command line and
normalises it (``dedup.text.prepare.split_units``) outside the timed part, then times
:func:`dedup.engine.signature.fingerprints` over all the normalised texts (what each worker
of a scan runs on its share), and prints articles per second, best of ``--repeat`` runs::

    python benchmarks/sign_speed.py /tmp/speedrun/corpus-100000/head-10000.jsonl
    python benchmarks/sign_speed.py corpus.jsonl --repeat 5

Skips with a message (exit 0) when the file is missing.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from dedup.config import Config
from dedup.engine.signature import Permutations, fingerprints
from dedup.errors import InputError
from dedup.read.files import read_file
from dedup.text.prepare import split_units


def _ignore(error: InputError) -> None:
    """Warnings are not this benchmark's concern."""


def normalised_texts(path: str, config: Config) -> list[str]:
    """The comparison text of every article of ``path`` (before corpus boilerplate)."""
    return [
        split_units(article, config).prepared.text for article in read_file(path, config, _ignore)
    ]


def time_once(texts: Sequence[str], config: Config) -> float:
    """Seconds to fingerprint ``texts`` once."""
    start = time.perf_counter()
    sign(texts, config)
    return time.perf_counter() - start


def sign(texts: Sequence[str], config: Config) -> None:
    """The fingerprint rows of ``texts``, as a scan's worker makes them."""
    perms = Permutations(config.num_perm, config.seed)
    fingerprints(texts, config.shingle_size, perms, config.tuning)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", help="a JSON Lines file (fields title, text)")
    parser.add_argument("--repeat", type=int, default=3, help="runs; the best is kept")
    args = parser.parse_args(argv)
    if not Path(args.path).is_file():
        print(f"skipped: {args.path} not found")
        return 0
    config = Config()
    texts = normalised_texts(args.path, config)
    if not texts:
        print(f"skipped: no articles in {args.path}")
        return 0
    sign(texts[:100], config)  # warm up: permutations, power tables
    best = min(time_once(texts, config) for _ in range(max(1, args.repeat)))
    words = sum(text.count(" ") + 1 for text in texts) / len(texts)
    print(f"articles: {len(texts)} (about {words:.0f} words each)")
    print(f"fingerprints: {best:7.3f} s  {len(texts) / best:9.0f} articles/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
