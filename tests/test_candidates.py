"""A check's candidate search looks up only its own articles' band keys: it must give
exactly the pairs of the whole band search that hold one of them, buckets over
``LARGE_BUCKET`` included (there each member is paired with its neighbours only)."""

from __future__ import annotations

import os
import time
from pathlib import Path
from unittest.mock import patch

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from newsgen import story

from dedup.config import Config
from dedup.engine import candidates
from dedup.engine.candidates import Block, focus_pairs, single_block, stacked
from dedup.engine.check import check_files
from dedup.engine.signature import BUCKET_WINDOW, LARGE_BUCKET, BandTable


def whole_search(table: BandTable, among: npt.NDArray[np.intp]) -> npt.NDArray[np.int64]:
    """The pairs of the whole band search that hold a row of ``among``."""
    pairs = table.pairs()
    return pairs[np.isin(pairs[:, 0], among) | np.isin(pairs[:, 1], among)]


def random_table(seed: int, count: int, alphabet: int, shift: int = 0) -> BandTable:
    """A band table of ``count`` rows whose keys take ``alphabet`` values (few values:
    large buckets), shifted left by ``shift`` bits (keys that differ in their high bits
    only), about one row in ten invalid in each part."""
    rng = np.random.default_rng(seed)
    table = BandTable(count, 64, 0.8)
    for keys in table.keys:
        keys[:] = (rng.integers(0, alphabet, size=keys.shape) << shift) % 2**32
    table.valid[:] = rng.random(table.valid.shape) < 0.9
    return table


def split_blocks(table: BandTable, seed: int) -> list[Block]:
    """The rows of ``table`` spread over two blocks, each in a random order, with rows that
    have no place in the search mixed in (copies of real rows' keys: they would share
    their buckets if they were searched)."""
    rng = np.random.default_rng(seed)
    count = len(table.valid)
    order = rng.permutation(count)
    cut = int(rng.integers(0, count + 1))
    blocks: list[Block] = []
    for part in (order[:cut], order[cut:]):
        places = np.concatenate([part, np.full(int(rng.integers(0, 4)), -1)]).astype(np.intp)
        rng.shuffle(places)
        source = np.where(places >= 0, places, rng.integers(0, count, size=len(places)))
        block = BandTable(len(places), table.num_perm, table.threshold)
        block.copy_rows(table, np.arange(len(places), dtype=np.intp), source.astype(np.intp))
        blocks.append((places, block))
    return blocks


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    count=st.integers(1, 260),
    alphabet=st.sampled_from([1, 2, 3, 7, 50, 2**32]),
    share=st.floats(0.0, 1.0),
    shift=st.sampled_from([0, 22, 28]),
    screened=st.sampled_from([1, 7, 64, candidates._SCREEN_ROWS]),
)
def test_focus_pairs_are_the_whole_searchs_pairs_of_the_focus(
    seed: int, count: int, alphabet: int, share: float, shift: int, screened: int
) -> None:
    with patch.object(candidates, "_SCREEN_ROWS", screened):  # rows screened at once
        check_focus_pairs(seed, count, alphabet, share, shift)


def check_focus_pairs(seed: int, count: int, alphabet: int, share: float, shift: int) -> None:
    table = random_table(seed, count, alphabet, shift)
    rng = np.random.default_rng(seed + 1)
    among = np.flatnonzero(rng.random(count) < share).astype(np.intp)
    expected = whole_search(table, among).tolist()
    assert (
        focus_pairs(single_block(table), among, whole=1.0).tolist() == expected
    )  # always looked up
    assert focus_pairs(single_block(table), among).tolist() == expected
    blocks = split_blocks(table, seed + 2)
    assert focus_pairs(blocks, among, whole=1.0).tolist() == expected
    assert focus_pairs(blocks, among).tolist() == expected
    assert stacked(blocks, count).pairs().tolist() == table.pairs().tolist()


def test_a_member_of_an_oversized_bucket_gets_its_neighbours_only() -> None:
    size = LARGE_BUCKET + 36
    table = BandTable(size, 64, 0.8)
    for keys in table.keys:
        keys[:] = 7  # one bucket of every row, in every band
    table.valid[:] = True
    middle = size // 2
    pairs = focus_pairs(
        single_block(table), np.asarray([middle], dtype=np.intp), whole=1.0
    ).tolist()
    near = [m for m in range(middle - BUCKET_WINDOW, middle + BUCKET_WINDOW + 1) if m != middle]
    assert pairs == [sorted((middle, m)) for m in near]
    assert pairs == whole_search(table, np.asarray([middle], dtype=np.intp)).tolist()


def variant(number: int) -> str:
    """One of many versions of a story: the same paragraphs, each with a line of its own
    (near-identical texts, so their band keys fill oversized buckets)."""
    title, body = story(4242, paragraphs=6)
    return "\n\n".join([title, *body, f"Updated {number} minutes after the council met."]) + "\n"


def write_versions(root: Path, count: int) -> None:
    stamp = time.time() - 3600
    root.mkdir()
    for number in range(count):
        path = root / f"v{number:03}.txt"
        path.write_text(variant(number), encoding="utf-8")
        os.utime(path, (stamp, stamp))


@pytest.mark.slow
def test_a_check_among_oversized_buckets_finds_what_the_whole_search_finds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_versions(tmp_path / "corpus", 2 * LARGE_BUCKET)
    staged = tmp_path / "staged.txt"
    staged.write_text(variant(9999), encoding="utf-8")
    largest: list[int] = []
    real = candidates.focus_pairs

    def measured(blocks: list[Block], among: npt.NDArray[np.intp]) -> npt.NDArray[np.int64]:
        table = stacked(blocks, sum(int((places >= 0).sum()) for places, _ in blocks))
        sizes = [np.unique(keys[:, 0], return_counts=True)[1].max() for keys in table.keys]
        largest.append(int(max(sizes)))
        return real(blocks, among)

    def whole_search_of(blocks: list[Block], among: npt.NDArray[np.intp]) -> npt.NDArray[np.int64]:
        return whole_search(stacked(blocks, sum(int((p >= 0).sum()) for p, _ in blocks)), among)

    def config(name: str) -> Config:
        return Config(cache_path=str(tmp_path / name / "sigs.sqlite"), jobs=1)

    monkeypatch.setattr(candidates, "focus_pairs", measured)
    fast = check_files([str(staged)], config("fast"), root=str(tmp_path / "corpus"))
    monkeypatch.setattr(candidates, "focus_pairs", whole_search_of)
    slow = check_files([str(staged)], config("slow"), root=str(tmp_path / "corpus"))
    assert largest and largest[0] > LARGE_BUCKET
    assert fast and fast == slow


def test_keys_that_share_only_their_low_bits_share_no_bucket() -> None:
    table = BandTable(40, 64, 0.8)
    for keys in table.keys:
        keys[:] = (np.arange(40, dtype=np.uint32) << np.uint32(20))[:, None] | np.uint32(5)
    table.keys[0][[3, 30], 2] = 99  # rows 3 and 30 share one bucket, in one band
    table.valid[:] = True
    among = np.asarray([3], dtype=np.intp)
    assert focus_pairs(single_block(table), among, whole=1.0).tolist() == [[3, 30]]
    assert whole_search(table, among).tolist() == [[3, 30]]
