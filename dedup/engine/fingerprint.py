"""The fingerprint stage: MinHash rows of comparison texts, from the signature cache or made.

One path for every command: ``scan`` signs the representatives of its corpus, ``check``
its targets and the corpus files it indexes. Rows the cache holds (keyed by the text's
digest under the signature settings) are taken in chunks; the others are made on all
jobs, a chunk at a time, and cached.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import partial
from typing import Protocol

import numpy as np
import numpy.typing as npt

from dedup.config import Config
from dedup.engine.deferred import defer
from dedup.engine.jobs import map_each_chunk
from dedup.engine.signature import Permutations, fingerprints, signature_params
from dedup.progress import ProgressCallback

U32 = npt.NDArray[np.uint32]
I64 = npt.NDArray[np.int64]
#: Receives rows as they come: their positions among the texts, and the rows.
Take = Callable[[I64, U32], None]


class SignatureStore(Protocol):
    """What the engine needs of a signature cache (see :mod:`dedup.store.signatures`)."""

    def get_many(self, params: str, keys: Sequence[bytes]) -> dict[bytes, np.ndarray]: ...

    def put_many(self, params: str, items: Iterable[tuple[bytes, np.ndarray]]) -> None: ...


def fingerprint(
    keys: Sequence[bytes],
    texts_of: Callable[[Sequence[int]], list[str]],
    take: Take,
    config: Config,
    cache: SignatureStore | None,
    report: ProgressCallback,
    *,
    before_making: Callable[[Sequence[int]], None] | None = None,
) -> int:
    """Fingerprint rows (:func:`dedup.engine.signature.fingerprints`) of the texts whose
    digests are ``keys``, handed to ``take``; returns how many the cache held.

    ``texts_of(positions)`` gives the texts to sign; it runs in worker processes, so it must be
    picklable (with what it holds). ``before_making`` sees the positions to be made first (to read
    their texts while still in one process)."""
    params = signature_params(config)
    missing: list[int] = []
    step = config.tuning.lookup_chunk
    for first in range(0, len(keys), step):
        chunk = keys[first : first + step]
        cached = cache.get_many(params, chunk) if cache is not None else {}
        hits = [k for k, key in enumerate(chunk) if key in cached]
        if hits:
            take(
                np.asarray(hits, dtype=np.int64) + first, np.stack([cached[chunk[k]] for k in hits])
            )
        missing += [first + k for k, key in enumerate(chunk) if key not in cached]
    if before_making is not None:
        before_making(missing)
    _make(keys, missing, texts_of, take, config, cache, report)
    return len(keys) - len(missing)


def _make(
    keys: Sequence[bytes],
    positions: Sequence[int],
    texts_of: Callable[[Sequence[int]], list[str]],
    take: Take,
    config: Config,
    cache: SignatureStore | None,
    report: ProgressCallback,
) -> None:
    """Sign the texts at ``positions`` (digests ``keys[position]``) on all jobs, handing the rows to
    ``take`` as they come and to the cache ``tuning.store_chunk`` at a time."""
    params = signature_params(config)
    made: list[tuple[bytes, U32]] = []
    done = 0
    for chunk, rows in map_each_chunk(partial(_sign, texts_of), positions, config):
        take(np.asarray(chunk, dtype=np.int64), rows)
        if cache is not None:
            made += zip([keys[k] for k in chunk], rows, strict=True)
            if len(made) >= config.tuning.store_chunk:
                cache.put_many(params, made)
                made = []
        done += len(chunk)
        report("signatures", done, len(positions))
    if cache is not None and made:
        defer(partial(cache.put_many, params, made))  # the last rows: nothing waits for them


def _sign(
    texts_of: Callable[[Sequence[int]], list[str]], positions: Sequence[int], config: Config
) -> U32:
    texts = texts_of(positions)
    perms = Permutations(config.num_perm, config.seed)
    return fingerprints(texts, config.shingle_size, perms, config.tuning)
