"""Pairwise scoring of predicted duplicate groups against a labelled truth.

Articles are named by keys (``"path#index"``). A grouping predicts every pair
inside each of its groups; the truth's positive pairs are every pair inside each
labelled group. Pure functions, no I/O.
"""

from __future__ import annotations

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


def score_pairs(predicted: Iterable[Iterable[str]], truth: Iterable[Iterable[str]]) -> PairScores:
    """Pairwise precision and recall of ``predicted`` groups against ``truth`` groups."""
    predicted_pairs = pairs_within(predicted)
    true_pairs = pairs_within(truth)
    hits = len(predicted_pairs & true_pairs)
    return PairScores(hits, len(predicted_pairs) - hits, len(true_pairs) - hits)


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
