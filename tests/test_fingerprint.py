"""The fingerprint stage: rows it makes reach the caller and the signature cache alike."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt

from dedup.config import Config
from dedup.engine.fingerprint import fingerprint
from dedup.engine.signature import Permutations, fingerprints
from dedup.progress import no_progress
from dedup.tuning import Tuning

TEXTS = [f"title {i}\nthe body of story number {i} runs on for a few more words" for i in range(7)]


class DictStore:
    """A signature cache in a dict that remembers the size of every write."""

    def __init__(self) -> None:
        self.rows: dict[bytes, npt.NDArray[np.uint32]] = {}
        self.writes: list[int] = []

    def get_many(self, params: str, keys: Sequence[bytes]) -> dict[bytes, np.ndarray]:
        return {k: self.rows[k] for k in keys if k in self.rows}

    def put_many(self, params: str, items: Iterable[tuple[bytes, np.ndarray]]) -> None:
        batch = list(items)
        self.writes.append(len(batch))
        for key, row in batch:
            self.rows.setdefault(key, row.copy())


def texts_of(positions: Sequence[int]) -> list[str]:
    return [TEXTS[k] for k in positions]


def test_every_row_made_is_cached_in_few_writes_and_a_second_run_makes_none() -> None:
    config = dataclasses.replace(Config(), tuning=Tuning(chunk=2, store_chunk=3))
    keys = [f"key{i}".encode() for i in range(len(TEXTS))]
    taken: dict[int, npt.NDArray[np.uint32]] = {}

    def take(positions: npt.NDArray[np.int64], rows: npt.NDArray[np.uint32]) -> None:
        taken.update(zip(positions.tolist(), rows.copy(), strict=True))

    store = DictStore()
    assert fingerprint(keys, texts_of, take, config, store, no_progress) == 0
    expected = fingerprints(TEXTS, config.shingle_size, Permutations(config.num_perm, config.seed))
    assert sorted(taken) == list(range(len(TEXTS)))
    for i, key in enumerate(keys):
        assert np.array_equal(taken[i], expected[i])
        assert np.array_equal(store.rows[key], expected[i])
    assert store.writes == [4, 3]  # chunks of 2 gathered until 3 or more, then the rest

    taken.clear()
    assert fingerprint(keys, texts_of, take, config, store, no_progress) == len(TEXTS)
    assert store.writes == [4, 3] and sorted(taken) == list(range(len(TEXTS)))
