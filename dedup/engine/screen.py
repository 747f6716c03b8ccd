"""Verifying many candidate pairs: shingle sets built once per article, pairs screened on them.

Most LSH candidates share few shingles, and :func:`dedup.engine.verify.score_pair` rejects those on
that alone (``quick``). On a large corpus the candidate graph is one big tangle, so no order
of pairs lets a worker keep every article's shingles at hand. Instead each article's set
of distinct shingles is built once, by the workers, and spilled (:mod:`dedup.engine.spill`); the
pairs are then screened on those sets, and only pairs that survive are scored in full.
Verdicts are exactly ``score_pair(..., quick=True).is_copy``.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

import numpy as np
import numpy.typing as npt

from dedup.config import Config
from dedup.engine.corpus import Corpus
from dedup.engine.jobs import map_each_chunk, map_ordered
from dedup.engine.verify import QUICK_REJECT, Side, score_pair
from dedup.progress import ProgressCallback
from dedup.text.shingles import shingle

I64 = npt.NDArray[np.int64]
U64 = npt.NDArray[np.uint64]
#: Articles whose shingle sets one task builds.
SET_CHUNK = 2000


class ShingleSets:
    """Where each article's distinct shingle hashes are spilled: part, offset, count."""

    def __init__(self, count: int) -> None:
        self.where: I64 = np.full((count, 3), -1, dtype=np.int64)

    def read(self, corpus: Corpus, i: int) -> U64:
        part, offset, count = (int(x) for x in self.where[i])
        data = corpus.spill.read_bytes((part, offset, 8 * count))
        return np.frombuffer(data, dtype="<u8").astype(np.uint64)


def verify_screened(
    corpus: Corpus, pairs: Sequence[tuple[int, int]], report: ProgressCallback
) -> list[bool]:
    """Whether each candidate pair verifies as a copy (``score_pair`` with a quick reject)."""
    members = sorted({x for pair in pairs for x in pair})
    sets = build_sets(corpus, members)
    work = partial(_screen_chunk, corpus, sets)
    verdicts: list[bool] = []
    for _, found in map_each_chunk(work, pairs, corpus.config):
        verdicts += found
        report("verify", len(verdicts), len(pairs))
    return verdicts


def build_sets(corpus: Corpus, members: Sequence[int]) -> ShingleSets:
    """The distinct shingles of ``members``, built on all jobs and spilled."""
    sets = ShingleSets(len(corpus))
    chunks = [
        (corpus.spill.next_part(), members[first : first + SET_CHUNK])
        for first in range(0, len(members), SET_CHUNK)
    ]
    jobs = corpus.config.effective_jobs if len(chunks) > 1 else 1
    for (part, chosen), (offsets, counts) in zip(
        chunks, map_ordered(partial(_spill_sets, corpus), chunks, jobs), strict=True
    ):
        rows = np.asarray(chosen, dtype=np.int64)
        sets.where[rows, 0] = part
        sets.where[rows, 1] = offsets
        sets.where[rows, 2] = counts
    return sets


def _spill_sets(corpus: Corpus, task: tuple[int, Sequence[int]]) -> tuple[I64, I64]:
    part, chosen = task
    writer = corpus.spill.writer(part)
    size = corpus.config.shingle_size
    offsets, counts = [], []
    try:
        for i in chosen:
            unique = shingle(corpus.full(i).text, size).unique()
            offsets.append(writer.write_bytes(unique.astype("<u8").tobytes())[1])
            counts.append(len(unique))
    finally:
        writer.close()
    return np.asarray(offsets, dtype=np.int64), np.asarray(counts, dtype=np.int64)


class Sides:
    """Comparison sides of articles, each built once per chunk of pairs."""

    def __init__(self, corpus: Corpus, config: Config) -> None:
        self.corpus = corpus
        self.config = config
        self.built: dict[int, Side] = {}

    def __call__(self, i: int) -> Side:
        found = self.built.get(i)
        if found is None:
            found = self.built[i] = Side.of(self.corpus.full(i), self.config)
        return found


def _screen_chunk(
    corpus: Corpus, sets: ShingleSets, pairs: Sequence[tuple[int, int]], config: Config
) -> list[bool]:
    side = Sides(corpus, config)
    verdicts = []
    for a, b in pairs:
        left, right = sets.read(corpus, a), sets.read(corpus, b)
        shared = len(np.intersect1d(left, right, assume_unique=True))
        c_ab = shared / len(left) if len(left) else 0.0
        c_ba = shared / len(right) if len(right) else 0.0
        # The quick reject's own test. Identical texts share every shingle, so they end here
        # only when neither has one, and then the full score (exact) decides.
        if (len(left) or len(right)) and max(c_ab, c_ba) < QUICK_REJECT:
            verdicts.append(False)
        else:
            verdicts.append(score_pair(side(a), side(b), config, quick=True).is_copy)
    return verdicts
