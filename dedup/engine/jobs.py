"""Spreading the per-article work (normalising, shingling, MinHash) over processes.

Work is cut into chunks in article order and gathered back in the same order, so a run
with any number of jobs gives exactly the result of a single-job run. Small corpora stay
in one process: starting workers costs more than it saves.
"""

from __future__ import annotations

import gc
import multiprocessing
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from dedup.article import Article
from dedup.config import Config
from dedup.progress import ProgressCallback
from dedup.text.prepare import Units, split_units

U32 = npt.NDArray[np.uint32]
T = TypeVar("T")
R = TypeVar("R")

#: What forked workers read instead of receiving it pickled: the work and its items.
_INHERITED: tuple[Callable[[Any], Any], Sequence[Any]] | None = None


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
    size = config.tuning.chunk
    jobs = config.effective_jobs if len(items) >= config.tuning.parallel_min else 1
    chunks = [items[first : first + size] for first in range(0, len(items), size)]
    results = map_ordered(partial(_with_config, work, config), chunks, jobs)
    yield from zip(chunks, results, strict=True)


def _units_chunk(articles: Sequence[Article], config: Config) -> list[Units]:
    return [split_units(a, config) for a in articles]


def split_parallel(
    articles: Sequence[Article], config: Config, report: ProgressCallback
) -> list[Units]:
    """:func:`dedup.text.prepare.split_units` of every article, on all jobs, in order."""
    return map_chunks(_units_chunk, articles, config, "prepare", report)
