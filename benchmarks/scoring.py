"""Pairwise scoring of predicted duplicate groups against a labelled truth.

Articles are named by keys (``"path#index"``). A grouping predicts every pair
inside each of its groups; the truth's positive pairs are every pair inside each
labelled group. B-cubed scores average, over articles, how much of each article's
predicted group is its true group and the reverse. Pure functions, no I/O.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations

Pair = tuple[str, str]


@dataclass(frozen=True)
class PairScores:
    """Counts of true/false positive and false negative pairs, and the usual ratios.

    With nothing predicted, precision is 1.0; with nothing to find, recall is 1.0.
    """

    true_positives: int
    false_positives: int
    false_negatives: int

    @property
    def precision(self) -> float:
        predicted = self.true_positives + self.false_positives
        return self.true_positives / predicted if predicted else 1.0

    @property
    def recall(self) -> float:
        actual = self.true_positives + self.false_negatives
        return self.true_positives / actual if actual else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def to_dict(self) -> dict[str, float | int]:
        return {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "true_positives": self.true_positives,
            "false_positives": self.false_positives,
            "false_negatives": self.false_negatives,
        }


def pairs_within(groups: Iterable[Iterable[str]]) -> set[Pair]:
    """Every unordered pair of distinct keys that share a group."""
    pairs: set[Pair] = set()
    for group in groups:
        members = sorted(set(group))
        pairs.update(combinations(members, 2))
    return pairs


def group_lookup(groups: Iterable[Iterable[str]]) -> dict[str, int]:
    """Map each key to the number of the group holding it (a key in two groups is an error)."""
    lookup: dict[str, int] = {}
    for number, group in enumerate(groups):
        for key in group:
            if lookup.setdefault(key, number) != number:
                raise ValueError(f"{key} is in more than one group")
    return lookup


def _pairs(size: int) -> int:
    return size * (size - 1) // 2


def score_pairs(predicted: Iterable[Iterable[str]], truth: Iterable[Iterable[str]]) -> PairScores:
    """Pairwise precision and recall of ``predicted`` groups against ``truth`` groups.

    Counted from group sizes and their overlaps, so a huge predicted group costs no more
    than its size.
    """
    lookup = group_lookup(truth)
    true_total = sum(_pairs(size) for size in Counter(lookup.values()).values())
    predicted_total = hits = 0
    for group in predicted:
        members = set(group)
        predicted_total += _pairs(len(members))
        overlaps = Counter(lookup[key] for key in members if key in lookup)
        hits += sum(_pairs(size) for size in overlaps.values())
    return PairScores(hits, predicted_total - hits, true_total - hits)


@dataclass(frozen=True)
class BCubed:
    """B-cubed precision and recall: per article, the share of its predicted group that is
    its true group and the share of its true group found in its predicted group, averaged.
    An article in no group is a group of its own."""

    precision: float
    recall: float

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def to_dict(self) -> dict[str, float]:
        return {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
        }


def score_bcubed(
    predicted: Iterable[Iterable[str]], truth: Iterable[Iterable[str]], keys: Iterable[str]
) -> BCubed:
    """B-cubed scores over ``keys``; keys outside every group are singletons."""
    keys = sorted(set(keys))
    if not keys:
        return BCubed(1.0, 1.0)
    true_of = group_lookup(truth)
    predicted_of = group_lookup(predicted)
    true_id = {k: ("t", true_of[k]) if k in true_of else ("k", k) for k in keys}
    predicted_id = {k: ("p", predicted_of[k]) if k in predicted_of else ("k", k) for k in keys}
    true_size = Counter(true_id.values())
    predicted_size = Counter(predicted_id.values())
    both = Counter((predicted_id[k], true_id[k]) for k in keys)
    precision = recall = 0.0
    for key in keys:
        shared = both[predicted_id[key], true_id[key]]
        precision += shared / predicted_size[predicted_id[key]]
        recall += shared / true_size[true_id[key]]
    return BCubed(precision / len(keys), recall / len(keys))


def count_together(
    predicted: Iterable[Iterable[str]], labelled: Sequence[tuple[str, str, str]]
) -> dict[str, tuple[int, int]]:
    """For ``(a, b, label)`` pairs: per label, how many pairs share a predicted group, of how many.

    Used both for recall per transformation (pairs that should be together) and for
    false merges per hard-negative type (pairs that should stay apart).
    """
    lookup = group_lookup(predicted)
    counts: dict[str, tuple[int, int]] = {}
    for a, b, label in labelled:
        together = a in lookup and lookup.get(a) == lookup.get(b)
        found, total = counts.get(label, (0, 0))
        counts[label] = (found + together, total + 1)
    return counts
