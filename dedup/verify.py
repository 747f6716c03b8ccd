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

import numpy as np
from rapidfuzz.distance import Indel

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

    @classmethod
    def of(cls, prepared: Prepared, config: Config) -> Side:
        shingles = shingle(prepared.text, config.shingle_size)
        return cls(prepared, shingles, shingles.unique())


def score_pair(a: Side, b: Side, config: Config) -> PairScore:
    """Both scores of a pair, the rule that fires (if any) and why."""
    pa, pb = a.prepared, b.prepared
    shared = np.intersect1d(a.unique, b.unique, assume_unique=True)
    containment_ab = len(shared) / len(a.unique) if len(a.unique) else 0.0
    containment_ba = len(shared) / len(b.unique) if len(b.unique) else 0.0
    similarity = Indel.normalized_similarity(pa.text, pb.text)
    short, long_ = (a, b) if len(pa.text) <= len(pb.text) else (b, a)
    aligned = _aligned_similarity(short, long_, shared)
    overlap = _number_overlap(short.prepared.text, long_.prepared.text)
    values = (similarity, containment_ab, containment_ba, aligned, overlap)
    rule, reason = decide(pa, pb, values, config)
    return PairScore(*values, pa.words, pb.words, rule, reason)


def decide(
    a: Prepared, b: Prepared, values: tuple[float, float, float, float, float], config: Config
) -> tuple[Rule | None, str]:
    """Apply the rules in order: exact, resemblance, containment; then the numbers check."""
    overlap = values[4]
    if a.digest and a.digest == b.digest:
        return "exact", "identical after normalisation and junk removal"
    if not a.digest or not b.digest:
        return None, "one text is empty after junk removal"
    rule, reason = _near_rule(min(a.words, b.words), values, config)
    if rule is not None and overlap < config.number_overlap:
        return None, f"{reason}, but only {overlap:.0%} of the shorter text's numbers recur"
    return rule, reason


def _near_rule(
    shorter: int, values: tuple[float, float, float, float, float], config: Config
) -> tuple[Rule | None, str]:
    similarity, c_ab, c_ba, aligned, _ = values
    if shorter < config.min_words:
        if similarity >= max(config.similarity, SHORT_TEXT_SIMILARITY):
            return "resemblance", f"short texts ({shorter} words) nearly identical"
        return None, f"short text ({shorter} words < {config.min_words}) not nearly identical"
    if similarity >= config.similarity:
        return "resemblance", f"similarity {similarity:.2f} >= {config.similarity:.2f}"
    contained = max(c_ab, c_ba)
    if contained >= config.containment and aligned >= config.similarity:
        which = "first" if c_ab >= c_ba else "second"
        return "containment", (
            f"{contained:.0%} of the {which} text lies in the other "
            f"(aligned similarity {aligned:.2f})"
        )
    return None, (
        f"similarity {similarity:.2f} < {config.similarity:.2f}; containment "
        f"{contained:.2f} (needs {config.containment:.2f}), aligned {aligned:.2f}"
    )


def _aligned_similarity(short: Side, long_: Side, shared: np.ndarray) -> float:
    """Similarity of the shorter text to the stretch of the longer one that holds most of
    its shingles (a window as long as the shorter text, slid to the densest place)."""
    if not len(shared):
        return 0.0
    hits = np.isin(long_.shingles.hashes, shared).astype(np.int32)
    width = min(len(short.shingles.hashes), len(hits))
    running = np.concatenate(([0], np.cumsum(hits)))
    first = int(np.argmax(running[width:] - running[:-width]))
    data = long_.prepared.text.encode()
    window = data[long_.shingles.starts[first] : long_.shingles.ends[first + width - 1]]
    return Indel.normalized_similarity(short.prepared.text, window.decode(errors="ignore"))


def _number_overlap(short: str, long_: str) -> float:
    mine = numbers(short)
    if not mine:
        return 1.0
    return len(mine & numbers(long_)) / len(mine)
