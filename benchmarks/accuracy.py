"""Accuracy benchmark: planted copies and hard negatives from real news text.

Builds a labelled corpus from ``../shared/corpora`` (BBC News, Reuters-21578) in a
temporary folder: dumps with chrome and related blocks (some gzip-compressed), plain
article files and JSON Lines exports. Copies are made by every transformation in
``copy_transforms.py`` at three strengths; hard negatives come from ``negatives.py``.
It then runs dedup and a plain MinHashLSH baseline on the folder and prints pairwise
precision, recall and F1, recall per transformation, false merges per hard-negative
type, and run times.

    python benchmarks/accuracy.py [--shared PATH] [--seed N] [--size small|full] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from datasketch import MinHash, MinHashLSH
from labelled import SIZES, Truth, build_plan, write_corpus
from scoring import count_together, score_pairs

from dedup.article import Article
from dedup.config import Config
from dedup.engine.run import find_duplicates
from dedup.read.files import read_articles

DEFAULT_SHARED = Path(__file__).resolve().parents[2] / "shared"
T = TypeVar("T")


@dataclass(frozen=True)
class Run:
    """One detector's groups over the corpus (keys), its canonical choices and its time."""

    name: str
    groups: list[list[str]]
    canonical: dict[str, str]
    seconds: float


def benchmark_parser(description: str, sizes: Iterable[str]) -> argparse.ArgumentParser:
    """The options of every labelled benchmark: --shared, --seed, --size, --json, --keep."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help="the shared folder")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--size", choices=sorted(sizes), default="small", help="corpus size")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--keep", type=Path, help="write the corpus here and keep it")
    return parser


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    return benchmark_parser(__doc__.split("\n\n")[0], SIZES).parse_args(argv)


def in_corpus_folder(
    args: argparse.Namespace, prefix: str, measure: Callable[[Path], T]
) -> T | None:
    """``measure`` run on ``--keep`` or on a temporary folder; None (after printing
    ``skipped: ...``) when the shared corpora are missing."""
    corpora = args.shared / "corpora"
    if not corpora.is_dir():
        print(f"skipped: {corpora} not found")
        return None
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        return measure(args.keep)
    with tempfile.TemporaryDirectory(prefix=prefix) as folder:
        return measure(Path(folder))


def article_key(article: Article, root: Path) -> str:
    """``path#index`` with the path relative to the corpus root."""
    rel = Path(os.path.relpath(article.path, root)).as_posix()
    return f"{rel}#{article.index}"


def run_dedup(articles: Sequence[Article], root: Path) -> Run:
    """dedup's library API with default settings and no cache."""
    started = time.perf_counter()
    result = find_duplicates(articles, Config(cache=False))
    seconds = time.perf_counter() - started
    groups, canonical = [], {}
    for group in result.groups:
        keys = [article_key(group.canonical, root)]
        keys += [article_key(m.article, root) for m in group.copies]
        groups.append(keys)
        canonical.update({k: keys[0] for k in keys})
    return Run("dedup", groups, canonical, seconds)


def _baseline_shingles(text: str) -> set[bytes]:
    words = re.findall(r"\w+", text.lower())
    return {" ".join(words[i : i + 5]).encode() for i in range(max(1, len(words) - 4))}


def run_baseline(articles: Sequence[Article], root: Path) -> Run:
    """Plain MinHashLSH (threshold 0.5, 128 permutations, word 5-grams) and union-find."""
    started = time.perf_counter()
    lsh = MinHashLSH(threshold=0.5, num_perm=128)
    signatures = []
    for number, article in enumerate(articles):
        signature = MinHash(num_perm=128, seed=1)
        signature.update_batch(sorted(_baseline_shingles(article.text)))
        lsh.insert(number, signature)
        signatures.append(signature)
    parent = list(range(len(articles)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for number, signature in enumerate(signatures):
        for other in lsh.query(signature):
            parent[find(other)] = find(number)
    clusters: dict[int, list[str]] = {}
    for number, article in enumerate(articles):
        clusters.setdefault(find(number), []).append(article_key(article, root))
    groups = [keys for keys in clusters.values() if len(keys) > 1]
    return Run("baseline", groups, {}, time.perf_counter() - started)


def _listed(
    groups: Sequence[Sequence[str]], pairs: Sequence[tuple[str, str, str]], *, together: bool
) -> list[list[str]]:
    """The labelled pairs that do (``together``) or do not share a predicted group."""
    lookup = {key: number for number, group in enumerate(groups) for key in group}
    return [
        [a, b, label]
        for a, b, label in pairs
        if (a in lookup and lookup.get(a) == lookup.get(b)) == together
    ]


def evaluate(run: Run, truth: Truth) -> dict[str, Any]:
    """Every figure the report prints for one run."""
    overall = score_pairs(run.groups, truth.groups)
    recall = count_together(run.groups, truth.copy_pairs)
    merges = count_together(run.groups, truth.negative_pairs)
    merged_keys = {k for group in run.groups for k in group}
    canonical_ok = sum(run.canonical.get(o) == o for o in truth.originals if o in merged_keys)
    return {
        "overall": overall.to_dict(),
        "recall": {label: list(v) for label, v in sorted(recall.items())},
        "false_merges": {label: list(v) for label, v in sorted(merges.items())},
        "merged_negatives": _listed(run.groups, truth.negative_pairs, together=True),
        "missed_copies": _listed(run.groups, truth.copy_pairs, together=False),
        "canonical_is_original": [canonical_ok, sum(o in merged_keys for o in truth.originals)],
        "groups": len(run.groups),
        "seconds": round(run.seconds, 3),
    }


def _ratio(pair: Sequence[int]) -> str:
    found, total = pair
    return f"{found}/{total} ({100 * found / total:.0f}%)" if total else "-"


def format_report(info: dict[str, Any], figures: dict[str, dict[str, Any]]) -> str:
    """The human-readable report: one column per detector."""
    names = list(figures)
    lines = [
        f"accuracy: size={info['size']} seed={info['seed']}: {info['articles']} articles in "
        f"{info['files']} files, {info['positive_groups']} groups of copies, "
        f"{info['copy_pairs']} planted (original, copy) pairs, "
        f"{info['negative_pairs']} hard-negative pairs",
        "",
        f"{'':28}" + "".join(f"{n:>22}" for n in names),
    ]
    for metric in ("precision", "recall", "f1"):
        row = "".join(f"{figures[n]['overall'][metric]:>22.3f}" for n in names)
        lines.append(f"{'pairwise ' + metric:28}{row}")
    lines += ["", "recall of (original, copy) pairs"]
    for label in figures[names[0]]["recall"]:
        row = "".join(f"{_ratio(figures[n]['recall'][label]):>22}" for n in names)
        lines.append(f"  {label:26}{row}")
    lines += ["", "hard negatives merged (false merges)"]
    for label in figures[names[0]]["false_merges"]:
        row = "".join(f"{_ratio(figures[n]['false_merges'][label]):>22}" for n in names)
        lines.append(f"  {label:26}{row}")
    lines.append("")
    row = "".join(f"{_ratio(figures[n]['canonical_is_original']):>22}" for n in names[:1])
    lines.append(f"{'canonical = planted original':28}{row}")
    row = "".join(f"{figures[n]['seconds']:>21.2f}s" for n in names)
    lines.append(f"{'run time (detection)':28}{row}")
    lines.append(f"{'read + split time':28}{info['read_seconds']:>21.2f}s")
    return "\n".join(lines)


def measure(args: argparse.Namespace, root: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """Build the corpus under ``root``, run both detectors, score them."""
    plan = build_plan(args.shared, args.size, args.seed)
    truth = write_corpus(plan, root, args.seed)
    started = time.perf_counter()
    articles = list(read_articles([str(root)], Config(cache=False)))
    read_seconds = time.perf_counter() - started
    found = {article_key(a, root) for a in articles}
    missing = sorted(set(truth.keys) - found)
    if missing:
        raise SystemExit(
            f"error: the reader did not find {len(missing)} articles, e.g. {missing[0]}"
        )
    info = {
        "size": args.size,
        "seed": args.seed,
        "articles": len(articles),
        "files": truth.files,
        "positive_groups": len(truth.groups),
        "copy_pairs": len(truth.copy_pairs),
        "negative_pairs": len(truth.negative_pairs),
        "read_seconds": round(read_seconds, 3),
    }
    runs = (run_dedup(articles, root), run_baseline(articles, root))
    return info, {run.name: evaluate(run, truth) for run in runs}


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    measured = in_corpus_folder(args, "dedup-accuracy-", lambda root: measure(args, root))
    if measured is None:
        return 0
    info, figures = measured
    if args.json:
        print(json.dumps({"corpus": info, "results": figures}, indent=2))
    else:
        print(format_report(info, figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
