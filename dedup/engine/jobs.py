"""Spreading the per-article work (normalising, shingling, MinHash) over processes.

Work is cut into chunks in article order and gathered back in the same order, so a run
with any number of jobs gives exactly the result of a single-job run. Small corpora stay
in one process: starting workers costs more than it saves.
"""

from __future__ import annotations

import gc
import multiprocessing
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from typing import Any, Protocol, TypeVar

import numpy as np
import numpy.typing as npt

from dedup.article import Article
from dedup.config import Config
from dedup.engine.signature import Permutations, fingerprints
from dedup.engine.verify import Side, score_pair
from dedup.progress import ProgressCallback
from dedup.text.prepare import (
    Prepared,
    Units,
    build_text,
    learn_boilerplate,
    signature_params,
    split_units,
)

U32 = npt.NDArray[np.uint32]
T = TypeVar("T")
R = TypeVar("R")

#: Below this many articles everything runs in the calling process.
PARALLEL_MIN_ARTICLES = 4000
CHUNK = 1000


class SignatureStore(Protocol):
    """What the pipeline needs of a signature cache (see :mod:`dedup.store.signatures`)."""

    def get_many(self, params: str, keys: Sequence[bytes]) -> dict[bytes, np.ndarray]: ...

    def put_many(self, params: str, items: Iterable[tuple[bytes, np.ndarray]]) -> None: ...


#: What forked workers read instead of receiving it pickled: the work and its items.
_INHERITED: tuple[Callable[[Any], Any], Sequence[Any]] | None = None


def _bounds(count: int) -> list[tuple[int, int]]:
    return [(start, min(count, start + CHUNK)) for start in range(0, count, CHUNK)]


def _run_inherited(position: int) -> Any:
    assert _INHERITED is not None, "worker started without inherited work"
    work, items = _INHERITED
    return work(items[position])


def map_ordered(work: Callable[[T], R], items: Sequence[T], jobs: int) -> Iterator[R]:
    """``work(item)`` for each item, in order, on ``jobs`` processes, yielded as they arrive.

    Where processes fork (Linux), workers inherit ``work`` and ``items`` (and whatever the
    parent holds) and receive only a position; elsewhere both are pickled.
    """
    global _INHERITED
    if jobs <= 1 or len(items) <= 1:
        yield from map(work, items)
        return
    fork = "fork" in multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if fork else None)
    _INHERITED = (work, items)
    gc.freeze()  # forked workers then never touch (and so copy) the parent's objects for GC
    try:
        with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
            if fork:
                yield from pool.map(_run_inherited, range(len(items)))
            else:
                yield from pool.map(work, items)
    finally:
        _INHERITED = None
        gc.unfreeze()


def _with_config(work: Callable[[Sequence[T], Config], R], config: Config, chunk: Sequence[T]) -> R:
    return work(chunk, config)


def map_chunks(
    work: Callable[[Sequence[T], Config], list[R]],
    items: Sequence[T],
    config: Config,
    stage: str,
    report: ProgressCallback,
) -> list[R]:
    """``work`` over ``items`` in chunks, in order, on ``config.effective_jobs`` processes."""
    results: list[R] = []
    for _, part in map_each_chunk(work, items, config):
        results.extend(part)
        report(stage, len(results), len(items))
    return results


def map_each_chunk(
    work: Callable[[Sequence[T], Config], R], items: Sequence[T], config: Config
) -> Iterator[tuple[Sequence[T], R]]:
    """Each chunk of ``items`` with ``work(chunk, config)``, in order, as results arrive
    (on ``config.effective_jobs`` processes when there are enough items)."""
    jobs = config.effective_jobs if len(items) >= PARALLEL_MIN_ARTICLES else 1
    chunks = [items[first:last] for first, last in _bounds(len(items))]
    results = map_ordered(partial(_with_config, work, config), chunks, jobs)
    yield from zip(chunks, results, strict=True)


def _units_chunk(articles: Sequence[Article], config: Config) -> list[Units]:
    return [split_units(a, config) for a in articles]


def split_parallel(
    articles: Sequence[Article], config: Config, report: ProgressCallback
) -> list[Units]:
    """:func:`dedup.text.prepare.split_units` of every article, on all jobs, in order."""
    return map_chunks(_units_chunk, articles, config, "prepare", report)


def prepare_parallel(
    articles: Sequence[Article], config: Config, report: ProgressCallback
) -> tuple[list[Prepared], int]:
    """Comparison texts for every article and how many boilerplate sentences were learned."""
    units = map_chunks(_units_chunk, articles, config, "prepare", report)
    boilerplate = learn_boilerplate(units, config.boilerplate_min_docs)
    return [build_text(u, boilerplate) for u in units], len(boilerplate)


def prepare_each(
    articles: Sequence[Article], config: Config, report: ProgressCallback
) -> list[Prepared]:
    """Comparison texts of articles taken one by one: junk patterns apply, but no
    boilerplate is learned from the corpus (what ``dedup check`` compares)."""
    units = map_chunks(_units_chunk, articles, config, "prepare", report)
    return [build_text(u, frozenset()) for u in units]


def sign_chunk(texts: Sequence[str], config: Config) -> list[U32]:
    """Fingerprint rows of ``texts`` (see :func:`dedup.engine.signature.fingerprints`)."""
    perms = Permutations(config.num_perm, config.seed)
    return list(fingerprints(texts, config.shingle_size, perms))


def compute_signatures(
    prepared: Sequence[Prepared],
    config: Config,
    cache: SignatureStore | None,
    report: ProgressCallback,
) -> tuple[U32, int]:
    """Fingerprint rows (see :func:`dedup.engine.signature.fingerprints`) of non-empty prepared
    articles, read from ``cache`` where present; the cache key is the text's digest."""
    params = signature_params(config)
    keys = [p.digest for p in prepared]
    cached = cache.get_many(params, keys) if cache is not None else {}
    missing = [i for i, k in enumerate(keys) if k not in cached]
    texts = [prepared[i].text for i in missing]
    fresh = map_chunks(sign_chunk, texts, config, "signatures", report)
    if cache is not None and fresh:
        cache.put_many(params, ((keys[i], sig) for i, sig in zip(missing, fresh, strict=True)))
    out = np.empty((len(prepared), 3 * config.num_perm), dtype=np.uint32)
    for i, key in enumerate(keys):
        if key in cached:
            out[i] = cached[key]
    for i, sig in zip(missing, fresh, strict=True):
        out[i] = sig
    return out, len(prepared) - len(missing)


def _verify_chunk(pairs: Sequence[tuple[Prepared, Prepared]], config: Config) -> list[bool]:
    sides: dict[int, Side] = {}

    def side(p: Prepared) -> Side:
        found = sides.get(id(p))
        if found is None:
            found = sides[id(p)] = Side.of(p, config)
        return found

    return [score_pair(side(a), side(b), config, quick=True).is_copy for a, b in pairs]


def verify_parallel(
    pairs: Sequence[tuple[Prepared, Prepared]], config: Config, report: ProgressCallback
) -> list[bool]:
    """Whether each candidate pair verifies as a copy (``score_pair`` with a quick reject)."""
    return map_chunks(_verify_chunk, pairs, config, "verify", report)
