"""Deciding whether two candidate articles are copies. The only module that imports rapidfuzz.

Every candidate pair from LSH is checked here on the comparison texts:
- *exact*: identical comparison texts;
- *resemblance*: rapidfuzz's normalised Indel similarity of the whole texts is high;
- *containment*: most of the shorter text's shingles are in the longer one, and the
  shorter text matches the region of the longer one it aligns to (trimmed or padded copies).
Short texts must be near-identical, and the shorter text's numbers must appear in the
longer one: templated notices and recurring stories differ mainly in names and figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from rapidfuzz.distance import Indel, LCSseq

from dedup.config import Config
from dedup.normalize import numbers
from dedup.prepare import Prepared
from dedup.result import PairScore, Rule
from dedup.signature import Shingles, shingle

#: Texts shorter than ``Config.min_words`` must be at least this similar to count as copies.
SHORT_TEXT_SIMILARITY = 0.95


@dataclass(frozen=True)
class Side:
    """One article of a pair, as verification sees it."""

    prepared: Prepared
    shingles: Shingles
    unique: np.ndarray
    words: list[int]

    @classmethod
    def of(cls, prepared: Prepared, config: Config) -> Side:
        shingles = shingle(prepared.text, config.shingle_size)
        return cls(prepared, shingles, shingles.unique(), shingles.tokens.tolist())


class Measures(NamedTuple):
    """The raw measurements of a pair, before any rule is applied."""

    similarity: float
    containment_ab: float
    containment_ba: float
    aligned: float
    numbers_in_longer: float
    numbers_shared: float


def measure(a: Side, b: Side) -> Measures:
    """Similarity, containment both ways, word alignment and number agreement of a pair."""
    shared = np.intersect1d(a.unique, b.unique, assume_unique=True)
    short, long_ = (a, b) if len(a.words) <= len(b.words) else (b, a)
    mine, theirs = numbers(short.prepared.text), numbers(long_.prepared.text)
    return Measures(
        similarity=Indel.normalized_similarity(a.prepared.text, b.prepared.text),
        containment_ab=len(shared) / len(a.unique) if len(a.unique) else 0.0,
        containment_ba=len(shared) / len(b.unique) if len(b.unique) else 0.0,
        aligned=_aligned_similarity(short, long_, shared),
        numbers_in_longer=len(mine & theirs) / len(mine) if mine else 1.0,
        numbers_shared=_share(mine, theirs),
    )


def _share(a: frozenset[str], b: frozenset[str]) -> float:
    """How far two number sets agree: the smaller of the two shares found in the other."""
    if not a and not b:
        return 1.0
    if not a or not b:
        return 0.0 if len(a | b) > 1 else 1.0
    common = len(a & b)
    return min(common / len(a), common / len(b))


def score_pair(a: Side, b: Side, config: Config) -> PairScore:
    """Both scores of a pair, the rule that fires (if any) and why."""
    m = measure(a, b)
    rule, reason, overlap = decide(a.prepared, b.prepared, m, config)
    return PairScore(
        m.similarity,
        m.containment_ab,
        m.containment_ba,
        m.aligned,
        overlap,
        a.prepared.words,
        b.prepared.words,
        rule,
        reason,
    )


def decide(a: Prepared, b: Prepared, m: Measures, config: Config) -> tuple[Rule | None, str, float]:
    """Apply the rules in order (exact, resemblance, containment); the first that holds wins.

    A whole copy (resemblance) carries the same numbers as its original, so both texts'
    numbers must agree; a trimmed copy (containment) need only keep the shorter text's.
    """
    if a.digest and a.digest == b.digest:
        return "exact", "identical after normalisation and junk removal", 1.0
    if not a.digest or not b.digest:
        return None, "one text is empty after junk removal", m.numbers_shared
    shorter = min(a.words, b.words)
    reasons = []
    rules: tuple[tuple[Rule, tuple[bool, str], float], ...] = (
        ("resemblance", _resembles(shorter, m, config), m.numbers_shared),
        ("containment", _contains(shorter, m, config), m.numbers_in_longer),
    )
    for rule, (holds, why), overlap in rules:
        if holds and overlap >= config.number_overlap:
            return rule, why, overlap
        if holds:
            why = f"{why}, but only {overlap:.0%} of the numbers agree"
        reasons.append(why)
    return None, "; ".join(reasons), m.numbers_shared


def _resembles(shorter: int, m: Measures, config: Config) -> tuple[bool, str]:
    if shorter < config.min_words:
        needed = max(config.similarity, SHORT_TEXT_SIMILARITY)
        verdict = "nearly identical" if m.similarity >= needed else "not nearly identical"
        return m.similarity >= needed, f"short texts ({shorter} words) {verdict}"
    sign = ">=" if m.similarity >= config.similarity else "<"
    return m.similarity >= config.similarity, (
        f"similarity {m.similarity:.2f} {sign} {config.similarity:.2f}"
    )


def _contains(shorter: int, m: Measures, config: Config) -> tuple[bool, str]:
    contained = max(m.containment_ab, m.containment_ba)
    which = "first" if m.containment_ab >= m.containment_ba else "second"
    if shorter < config.min_words:
        return False, f"too short for containment ({shorter} words < {config.min_words})"
    holds = contained >= config.containment and m.aligned >= config.similarity
    return holds, (
        f"{contained:.0%} of the {which} text's shingles lie in the other "
        f"(needs {config.containment:.0%}), {m.aligned:.0%} of its words in order"
    )


def _aligned_similarity(short: Side, long_: Side, shared: np.ndarray) -> float:
    """Share of the shorter text's words found, in order, in the longer one (rapidfuzz's
    longest common subsequence over word hashes): 1.0 for a trimmed, padded or
    paragraph-dropped copy, low for texts that only share scattered phrases."""
    if not len(shared) or not len(short.words):
        return 0.0
    return LCSseq.similarity(short.words, long_.words) / len(short.words)
