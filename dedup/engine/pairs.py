"""The verify stage: candidate pairs checked by the rules of :mod:`dedup.engine.verify`.

Most LSH candidates share few shingles, and :func:`dedup.engine.verify.score_pair` rejects
those on that alone (``quick``). On a large corpus the candidate graph is one big tangle,
so no order of pairs lets a worker keep every article's shingles at hand. Instead each
article's set of distinct shingles is built once, by the workers, and spilled
(:mod:`dedup.engine.spill`); the pairs are then screened on those sets, and only pairs
that survive are scored in full. Verdicts are exactly ``score_pair(..., quick=True).is_copy``.

Verdicts and the full scores grouping asks for are kept in the store by the digests of
the two texts, so a re-run scores no pair twice. Every score of an article goes through
one cache of its comparison side (:class:`Sides`).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from dedup.arrays import distinct
from dedup.config import Config
from dedup.engine.corpus import Corpus, digest
from dedup.engine.group import component_order
from dedup.engine.jobs import map_chunks, map_each_chunk, map_ordered
from dedup.engine.verify import QUICK_REJECT, Side, exact_score, score_pair
from dedup.progress import ProgressCallback, no_progress
from dedup.result import PairScore
from dedup.store.rows import score_from_json, score_to_json
from dedup.store.scan import ScanStore
from dedup.text.prepare import Prepared
from dedup.text.shingles import flat_fingerprint_sets, text_batches

I64 = npt.NDArray[np.int64]
U64 = npt.NDArray[np.uint64]
Edges = list[tuple[int, int]]


class Sides:
    """Comparison sides of articles, each built once and kept while ``keep`` allow."""

    def __init__(self, corpus: Corpus, keep: int = 1024) -> None:
        self.corpus = corpus
        self.keep = keep
        self.built: dict[int, Side] = {}

    def __call__(self, i: int) -> Side:
        found = self.built.get(i)
        if found is None:
            if len(self.built) >= self.keep:
                self.built.clear()
            found = self.built[i] = Side.of(self.corpus.full(i), self.corpus.config)
        return found


def verify_pairs(
    corpus: Corpus,
    digests: Sequence[bytes],
    pairs: Sequence[tuple[int, int]],
    store: ScanStore,
    report: ProgressCallback,
) -> Edges:
    """The candidate pairs that verify as copies; verdicts the store holds (by the two
    articles' ``digests``) are not redone, and those of a run's pairs all together are
    one stored row."""
    keys = [digests[a] + digests[b] for a, b in pairs]
    batch = digest(b"".join(keys))
    known = store.get("verdict_batches", [batch]).get(batch)
    if known is not None and len(known) == len(pairs) and set(known) <= {"0", "1"}:
        return [pair for pair, bit in zip(pairs, known, strict=True) if bit == "1"]
    verdicts = {key: value == "true" for key, value in store.get("verdicts", keys).items()}
    todo = [k for k, key in enumerate(keys) if key not in verdicts]
    todo = [todo[k] for k in component_order([pairs[k] for k in todo])]
    corpus.need(x for k in todo for x in pairs[k])
    found = verify_screened(corpus, [pairs[k] for k in todo], report)
    fresh = dict(zip([keys[k] for k in todo], [v.copy for v in found], strict=True))
    store.put("verdicts", ((key, "true" if copy else "false") for key, copy in fresh.items()))
    # The copies' full scores, under the key grouping asks by: grouping scores each copy
    # against its canonical, often the very pair verified here.
    scored = [(keys[k], v.score) for k, v in zip(todo, found, strict=True) if v.copy and v.score]
    store.put("scores", ((key, score_to_json(score)) for key, score in scored))
    verdicts.update(fresh)
    if pairs:
        store.put_memo("verdict_batches", batch, "".join("01"[verdicts[key]] for key in keys))
    return [pair for pair, key in zip(pairs, keys, strict=True) if verdicts[key]]


class Verdict(NamedTuple):
    """Whether a candidate pair is a copy, and its full score where it was scored in full
    (None where the screen or the quick reject ruled it out)."""

    copy: bool
    score: PairScore | None


def verify_screened(
    corpus: Corpus, pairs: Sequence[tuple[int, int]], report: ProgressCallback
) -> list[Verdict]:
    """Whether each candidate pair verifies as a copy (``score_pair`` with a quick reject)."""
    members = sorted({x for pair in pairs for x in pair})
    sets = build_sets(corpus, members)
    work = partial(_screen_chunk, corpus, sets)
    verdicts: list[Verdict] = []
    for _, found in map_each_chunk(work, pairs, corpus.config, pairs=True):
        verdicts += found
        report("verify", len(verdicts), len(pairs))
    return verdicts


class ShingleSets:
    """Where each article's distinct shingle hashes are spilled: part, offset, count."""

    def __init__(self, count: int) -> None:
        self.where: I64 = np.full((count, 3), -1, dtype=np.int64)

    def read(self, corpus: Corpus, i: int) -> U64:
        part, offset, count = self.where[i].tolist()
        data = corpus.spill.read_sealed((part, offset, 8 * count))
        return np.frombuffer(data, dtype="<u8").astype(np.uint64)


def build_sets(corpus: Corpus, members: Sequence[int]) -> ShingleSets:
    """The distinct shingles of ``members``, built on all jobs and spilled."""
    sets = ShingleSets(len(corpus))
    step = corpus.config.tuning.set_chunk
    chunks = [
        (corpus.spill.next_part(), members[first : first + step])
        for first in range(0, len(members), step)
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
    texts = [corpus.text(i) for i in chosen]
    try:
        for first, last in text_batches(texts, corpus.config.tuning.batch_bytes):
            for unique in distinct_shingles(texts[first:last], size):
                offsets.append(writer.write_sealed(unique.astype("<u8").tobytes())[1])
                counts.append(len(unique))
    finally:
        writer.close()
    return np.asarray(offsets, dtype=np.int64), np.asarray(counts, dtype=np.int64)


def distinct_shingles(texts: Sequence[str], size: int) -> list[U64]:
    """``shingle(text, size).unique()`` of each text, the texts shingled together: the
    whole-text sets of :func:`dedup.text.shingles.flat_fingerprint_sets`, each sorted."""
    flat = flat_fingerprint_sets(texts, size)
    ranges = zip(flat.starts[0::3].tolist(), flat.ends[0::3].tolist(), strict=True)
    return [distinct(flat.hashes[start:end]) for start, end in ranges]


def _screen_chunk(
    corpus: Corpus, sets: ShingleSets, pairs: Sequence[tuple[int, int]], config: Config
) -> list[Verdict]:
    side = Sides(corpus, keep=len(corpus) + 1)
    verdicts = []
    for a, b in pairs:
        left, right = sets.read(corpus, a), sets.read(corpus, b)
        shared = len(np.intersect1d(left, right, assume_unique=True))
        c_ab = shared / len(left) if len(left) else 0.0
        c_ba = shared / len(right) if len(right) else 0.0
        # The quick reject's own test. Identical texts share every shingle, so they end here
        # only when neither has one, and then the full score (exact) decides.
        if (len(left) or len(right)) and max(c_ab, c_ba) < QUICK_REJECT:
            verdicts.append(Verdict(False, None))
            continue
        score = score_pair(side(a), side(b), config, quick=True)
        # Past the quick reject (the same test on the same sets), the score is the full one.
        full = max(c_ab, c_ba) >= QUICK_REJECT or score.rule == "exact"
        verdicts.append(Verdict(score.is_copy, score if full else None))
    return verdicts


class StoredScorer:
    """Full scores of pairs for grouping, read from the store where it holds them, else
    computed (and kept for the store: :meth:`save`)."""

    def __init__(self, corpus: Corpus, prepared: Sequence[Prepared], store: ScanStore) -> None:
        self.corpus = corpus
        self.prepared = prepared
        self.store = store
        self.sides = Sides(corpus)
        self.fresh: dict[bytes, str] = {}
        self.known: dict[bytes, str] = {}
        self.asked: set[bytes] = set()

    def prefetch(self, pairs: Sequence[tuple[int, int]]) -> None:
        """The scores of ``pairs`` (those grouping asks for first): read from the store at
        once where it holds them, told by the digests for identical texts, the others
        computed on all jobs."""
        keys = [self.key(a, b) for a, b in pairs]
        self.asked.update(keys)
        self.known.update(self.store.get("scores", keys))
        todo = []
        for (a, b), key in zip(pairs, keys, strict=True):
            if key in self.known:
                continue
            exact = exact_score(self.prepared[a], self.prepared[b])  # no text to read
            if exact is None:
                todo.append((a, b))
            else:
                self.fresh[key] = score_to_json(exact)
        self.corpus.need(x for pair in todo for x in pair)
        work = partial(_score_chunk, self.corpus)
        scores = map_chunks(work, todo, self.corpus.config, "group", no_progress, pairs=True)
        for (a, b), score in zip(todo, scores, strict=True):
            self.fresh[self.key(a, b)] = score_to_json(score)

    def key(self, a: int, b: int) -> bytes:
        return self.prepared[a].digest + self.prepared[b].digest

    def __call__(self, a: int, b: int, *, quick: bool = False) -> PairScore:
        key = self.key(a, b)
        text = self.fresh.get(key) or self.known.get(key)
        if text is None and key not in self.asked:  # a pair of a component split in two
            text = self.store.get("scores", [key]).get(key)
        if text is not None:
            return score_from_json(text)
        exact = exact_score(self.prepared[a], self.prepared[b])
        if exact is not None:
            self.fresh[key] = score_to_json(exact)
            return exact
        config = self.corpus.config
        if quick:  # a quick rejection is no full score: never stored
            return score_pair(self.sides(a), self.sides(b), config, quick=True)
        score = score_pair(self.sides(a), self.sides(b), config)
        self.fresh[key] = score_to_json(score)
        return score

    def save(self) -> None:
        """Store the scores computed in this run."""
        self.store.put("scores", self.fresh.items())


def _score_chunk(
    corpus: Corpus, pairs: Sequence[tuple[int, int]], config: Config
) -> list[PairScore]:
    side = Sides(corpus, keep=len(corpus) + 1)
    return [score_pair(side(a), side(b), config) for a, b in pairs]
