"""Syndication benchmark: wire stories updated through the day, reprinted by many sites.

Builds a labelled corpus from ``../shared/corpora`` (BBC News, Reuters-21578) in a
temporary folder (``syndication_corpus.py``): stories in 1-5 write-through versions,
each reprinted 2-150 times (trimmed, new headlines, local paragraphs, verbatim copies),
hard negatives and fillers. It writes the corpus in three forms (``syndication_forms.py``:
clean files, whole saved pages with site chrome, aggregator dumps) and scores dedup and a
plain MinHashLSH baseline on each form: pairwise and B-cubed precision, recall and F1,
groups against stories, recall per Jaccard band, false merges per hard-negative type.

    python benchmarks/syndication.py [--shared PATH] [--seed N] [--size small|full]
                                     [--json] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from accuracy import article_key, benchmark_parser, in_corpus_folder, run_baseline, run_dedup
from corpus_gen import SourceArticle, load_reuters, load_source_articles, read_measured_pairs
from negatives import is_notice
from syndication_corpus import SIZES, Pools, build_corpus
from syndication_forms import FORMS, Labels, write_forms
from syndication_score import BANDS, describe, evaluate, story_pair_jaccards

from dedup.config import Config
from dedup.read.files import read_articles


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    return benchmark_parser(__doc__.split("\n\n")[0], SIZES).parse_args(argv)


def _is_earnings(article: SourceArticle) -> bool:
    """A short Reuters earnings table: "Shr 12 cts vs 10 cts Net ..."."""
    return article.word_count < 60 and article.paragraphs[0].startswith("Shr ")


def _reuters_series(shared: Path, rng: random.Random) -> tuple[list[list[SourceArticle]], ...]:
    """Templated series (a notice, then notices of its template) and recurring series (an
    item, then items of its title from other days); re-sent near-copies left out."""
    twins = {
        ident
        for a, b, score, _ in read_measured_pairs(shared, "reuters")
        if score >= 0.8
        for ident in (a, b)
    }
    reuters = [a for a in load_reuters(shared) if a.id not in twins]
    templated = []
    for kind in (is_notice, _is_earnings):
        members = [a for a in reuters if kind(a)]
        rng.shuffle(members)
        templated += [[m, *members[k + 1 :]] for k, m in enumerate(members[:40])]
    rng.shuffle(templated)
    by_title: dict[str, list[SourceArticle]] = defaultdict(list)
    for article in reuters:
        by_title[article.title].append(article)
    recurring = []
    for title in sorted(by_title):
        first, *rest = by_title[title]
        others = [a for a in rest if a.date[:11] != first.date[:11]]
        if others and not (is_notice(first) or _is_earnings(first)):
            recurring.append([first, *others])
    rng.shuffle(recurring)
    return templated, recurring


def load_pools(shared: Path, seed: int) -> Pools:
    """Real articles by use: story bases, donors of new paragraphs, others, Reuters series."""
    rng = random.Random(seed)
    pool = load_source_articles(shared)
    rng.shuffle(pool)
    fit = [a for a in pool if a.word_count >= 150 and len(a.paragraphs) >= 5]
    news, donors = fit[:600], fit[600:900]
    taken = {a.id for a in news + donors}
    others = [a for a in pool if a.id not in taken]
    templated, recurring = _reuters_series(shared, rng)
    return Pools(news, donors, others, templated, recurring)


def _check_read(articles: Sequence[Any], labels: Labels, root: Path) -> dict[str, int]:
    """How many labelled keys the reader found, and how many extra articles it cut."""
    found = {article_key(a, root) for a in articles}
    return {
        "articles_read": len(found),
        "labelled": len(labels.story_of),
        "labelled_missing": len(set(labels.story_of) - found),
        "unlabelled": len(found - set(labels.story_of)),
    }


def measure(args: argparse.Namespace, root: Path) -> dict[str, Any]:
    """Build and write the corpus under ``root``, run both detectors on each form."""
    started = time.perf_counter()
    corpus = build_corpus(load_pools(args.shared, args.seed), dict(SIZES[args.size]),
                          random.Random(args.seed))  # fmt: skip
    pair_jaccard = story_pair_jaccards(corpus)
    info = describe(corpus, pair_jaccard)
    labels = write_forms(corpus, root, args.seed)
    info.update(
        size=args.size, seed=args.seed, build_seconds=round(time.perf_counter() - started, 2)
    )
    pages = {p.id: p for p in corpus.pages}
    forms: dict[str, Any] = {}
    for form in FORMS:
        folder = root / form
        started = time.perf_counter()
        articles = list(read_articles([str(folder)], Config(cache=False)))
        reading = {**_check_read(articles, labels[form], folder),
                   "read_seconds": round(time.perf_counter() - started, 2)}  # fmt: skip
        forms[form] = {"reading": reading}
        for run in (run_dedup(articles, folder), run_baseline(articles, folder)):
            scores = evaluate(run.groups, labels[form], pages, pair_jaccard)
            forms[form][run.name] = {**scores, "seconds": round(run.seconds, 2)}
    return {"corpus": info, "forms": forms}


def _ratio(pair: Sequence[int]) -> str:
    found, total = pair
    return f"{found}/{total} ({100 * found / total:.0f}%)" if total else "-"


def _corpus_lines(info: dict[str, Any]) -> list[str]:
    quantiles = info["jaccard_quantiles"]
    achieved = " ".join(f"{k} {quantiles.get(k, 0):.2f}" for k in info["target_quantiles"])
    target = " ".join(f"{k} {v:.2f}" for k, v in info["target_quantiles"].items())
    reprints = info["reprints_per_story"]
    negatives = ", ".join(f"{k} {v}" for k, v in info["negatives"].items())
    return [
        f"syndication: size={info['size']} seed={info['seed']}: {info['pages']} pages, "
        f"{info['stories']} stories ({info['stories_2plus']} with 2+ pages), "
        f"built in {info['build_seconds']:.1f}s",
        f"reprints per story: median {reprints['p50']:.0f}, p90 {reprints['p90']:.0f}, "
        f"max {reprints['max']}; verbatim copies {100 * info['verbatim_share']:.1f}% of pages",
        f"within-story word 5-gram Jaccard ({info['within_story_pairs']} pairs): {achieved}",
        f"  target:                                    {target}",
        f"hard negatives: {negatives}; max Jaccard with their story "
        f"{info['negative_max_jaccard']:.3f} (cap 0.25)",
    ]


def _form_lines(form: str, figures: dict[str, Any]) -> list[str]:
    names = ("dedup", "baseline")
    reading = figures["reading"]
    lines = [
        "",
        f"form {form}: {reading['articles_read']} articles read in {reading['read_seconds']:.1f}s "
        f"({reading['labelled_missing']} labelled missing, {reading['unlabelled']} unlabelled)",
        f"{'':30}" + "".join(f"{n:>18}" for n in names),
    ]
    for scheme in ("pairwise", "bcubed"):
        for metric in ("precision", "recall", "f1"):
            row = "".join(f"{figures[n][scheme][metric]:>18.3f}" for n in names)
            lines.append(f"{scheme + ' ' + metric:30}{row}")
    row = "".join(f"{figures[n]['groups']:>18}" for n in names)
    lines.append(f"{'groups (stories ' + str(figures['dedup']['stories']) + ')':30}{row}")
    lines.append("recall by pair Jaccard")
    for band in range(BANDS):
        row = "".join(f"{_ratio(figures[n]['band_recall'][band]):>18}" for n in names)
        lines.append(f"  {band / BANDS:.1f}-{(band + 1) / BANDS:.1f}{'':21}{row}")
    lines.append("hard negatives merged with their story")
    for label in figures["dedup"]["false_merges"]:
        row = "".join(f"{_ratio(figures[n]['false_merges'][label]):>18}" for n in names)
        lines.append(f"  {label:28}{row}")
    row = "".join(f"{figures[n]['seconds']:>17.2f}s" for n in names)
    lines.append(f"{'run time':30}{row}")
    return lines


def format_report(figures: dict[str, Any]) -> str:
    """The human-readable report: the corpus, then one table per form."""
    lines = _corpus_lines(figures["corpus"])
    for form, form_figures in figures["forms"].items():
        lines += _form_lines(form, form_figures)
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    figures = in_corpus_folder(args, "dedup-syndication-", lambda root: measure(args, root))
    if figures is not None:
        print(json.dumps(figures, indent=2) if args.json else format_report(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
