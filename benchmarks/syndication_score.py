"""Figures for the syndication benchmark: the corpus's calibration and each run's scores.

Pure functions over a ``Corpus``, its ``Labels`` and predicted groups of keys.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from itertools import combinations
from typing import Any

import numpy as np
from scoring import group_lookup, score_bcubed, score_pairs
from syndication_corpus import NEGATIVE_TYPES, Corpus, Page, jaccard, max_cross, shingles
from syndication_forms import Labels

#: The measured within-story quantiles the generator aims at.
TARGET_QUANTILES: dict[str, float] = {"p10": 0.10, "p25": 0.32, "p50": 0.58, "p75": 0.88,
                                      "p90": 0.97}  # fmt: skip
BANDS = 10

PairJaccard = dict[tuple[str, str], float]


def story_pair_jaccards(corpus: Corpus) -> PairJaccard:
    """Word 5-gram Jaccard of every pair of pages within a story, by page ids."""
    found: PairJaccard = {}
    for pages in corpus.stories().values():
        sets = [shingles(p.text) for p in pages]
        for (a, sa), (b, sb) in combinations(zip(pages, sets, strict=True), 2):
            found[a.id, b.id] = found[b.id, a.id] = jaccard(sa, sb)
    return found


def _quantiles(values: Sequence[float]) -> dict[str, float]:
    if not values:
        return {}
    points = np.quantile(np.asarray(values), [0.1, 0.25, 0.5, 0.75, 0.9])
    return {name: round(float(v), 3) for name, v in zip(TARGET_QUANTILES, points, strict=True)}


def describe(corpus: Corpus, pair_jaccard: PairJaccard) -> dict[str, Any]:
    """How the corpus came out: sizes, reprint counts, calibration, verbatim share, negatives."""
    stories = corpus.stories()
    reprinted = [len(p) for p in stories.values() if p[0].role in ("reprint", "verbatim")]
    texts = Counter(p.text for p in corpus.pages)
    negatives = [p for p in corpus.pages if p.negative_of]
    cross = [max_cross(stories[n.negative_of], n.text) for n in negatives]
    return {
        "pages": len(corpus.pages),
        "stories": len(stories),
        "stories_2plus": sum(len(p) >= 2 for p in stories.values()),
        "reprints_per_story": {
            "p50": float(np.median(reprinted)) if reprinted else 0.0,
            "p90": float(np.quantile(reprinted, 0.9)) if reprinted else 0.0,
            "max": max(reprinted, default=0),
        },
        "verbatim_share": round((len(corpus.pages) - len(texts)) / max(1, len(corpus.pages)), 3),
        "within_story_pairs": len(pair_jaccard) // 2,
        "jaccard_quantiles": _quantiles([v for (a, b), v in pair_jaccard.items() if a < b]),
        "target_quantiles": TARGET_QUANTILES,
        "negatives": {t: sum(n.role == t for n in negatives) for t in NEGATIVE_TYPES},
        "negative_max_jaccard": round(max(cross, default=0.0), 3),
    }


def _band(value: float) -> int:
    return min(BANDS - 1, int(value * BANDS))


def band_recall(
    groups: Sequence[Sequence[str]], labels: Labels, pair_jaccard: PairJaccard
) -> list[list[int]]:
    """Per Jaccard band (0.0-0.1 ... 0.9-1.0): [pairs found together, pairs]."""
    lookup = group_lookup(groups)
    counts = [[0, 0] for _ in range(BANDS)]
    for keys in labels.groups():
        for a, b in combinations(keys, 2):
            pa, pb = labels.page_of[a], labels.page_of[b]
            band = counts[_band(1.0 if pa == pb else pair_jaccard[pa, pb])]
            band[0] += a in lookup and lookup.get(a) == lookup.get(b)
            band[1] += 1
    return counts


def false_merges(
    groups: Sequence[Sequence[str]], labels: Labels, pages: dict[str, Page]
) -> dict[str, list[int]]:
    """Per hard-negative type: [negative articles grouped with their story, negatives]."""
    lookup = group_lookup(groups)
    story_groups: dict[str, set[int]] = {}
    for key, story in labels.story_of.items():
        if key in lookup:
            story_groups.setdefault(story, set()).add(lookup[key])
    counts = {label: [0, 0] for label in NEGATIVE_TYPES}
    for key, page_id in labels.page_of.items():
        page = pages[page_id]
        if page.negative_of:
            merged = lookup.get(key, -1) in story_groups.get(page.negative_of, set())
            counts[page.role][0] += merged
            counts[page.role][1] += 1
    return counts


def evaluate(
    groups: Sequence[Sequence[str]],
    labels: Labels,
    pages: dict[str, Page],
    pair_jaccard: PairJaccard,
) -> dict[str, Any]:
    """Every score of one run on one form; articles the labels do not know are left out."""
    known = [[k for k in g if k in labels.story_of] for g in groups]
    known = [g for g in known if len(g) > 1]
    truth = labels.groups()
    return {
        "pairwise": score_pairs(known, truth).to_dict(),
        "bcubed": score_bcubed(known, truth, labels.story_of).to_dict(),
        "groups": len(groups),
        "stories": sum(len(t) > 1 for t in truth),
        "band_recall": band_recall(known, labels, pair_jaccard),
        "false_merges": false_merges(known, labels, pages),
        "unlabelled_in_groups": sum(len(g) for g in groups)
        - sum(len([k for k in g if k in labels.story_of]) for g in groups),
    }
