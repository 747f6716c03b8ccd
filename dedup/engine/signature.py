"""MinHash signatures and LSH candidate proposals, vectorised with numpy.

The only module that imports datasketch: signatures are datasketch's ``affine32`` MinHash
of the shingle hashes from :mod:`dedup.text.shingles` (its permutations, bit for bit, so
a signature loads into its ``LeanMinHash``), and its LSH parameter optimiser picks the
band layout for a threshold. Signatures are computed for many articles at once with no
per-shingle Python loop. Candidate pairs come from a band sort (equal band keys sort next
to each other), which finds the same pairs as datasketch's ``MinHashLSH`` at a fraction of
its time and memory. Candidates are never verdicts: :mod:`dedup.engine.verify` decides.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from dedup.arrays import distinct, distinct_rows
from dedup.text.normalize import NORMALIZER_VERSION
from dedup.text.shingles import (
    ANCHOR_SHINGLES,
    HASH_VERSION,
    flat_fingerprint_sets,
    mix64,
    mixing_weights,
    text_batches,
)
from dedup.tuning import DEFAULT, Tuning

if TYPE_CHECKING:
    from dedup.config import Config

U64 = npt.NDArray[np.uint64]
U32 = npt.NDArray[np.uint32]
#: Band keys: 32-bit in a band table, 64-bit where a table column holds them.
Keys = npt.NDArray[np.uint32] | npt.NDArray[np.uint64]

#: LSH threshold for the anchor signatures: an anchor of a copy is its original's passage.
ANCHOR_THRESHOLD = 0.75
#: Names the parts of a fingerprint row; part of the cache key.
FINGERPRINT_LAYOUT = f"whole+open{ANCHOR_SHINGLES}+end{ANCHOR_SHINGLES}"
_EMPTY_VALUE = np.iinfo(np.uint32).max
SCHEME = "affine32"
#: A band bucket up to this size gives every pair; a larger one, each member's next
#: ``BUCKET_WINDOW`` members in sort order (the Dask engine reports such buckets).
LARGE_BUCKET = 64
BUCKET_WINDOW = 8


@dataclass(frozen=True)
class Permutations:
    """The hash family of a signature: datasketch's ``affine32`` MinHash permutations.

    Signatures equal ``datasketch.MinHash(num_perm, seed, scheme="affine32")`` fed with the
    upper 32 bits of each shingle hash, so they load into ``LeanMinHash`` as they are.
    """

    num_perm: int
    seed: int

    @property
    def params(self) -> tuple[U32, U32]:
        return _permutation_arrays(self.num_perm, self.seed)


@lru_cache(maxsize=8)
def _permutation_arrays(num_perm: int, seed: int) -> tuple[U32, U32]:
    """datasketch's ``affine32`` permutations, drawn as its ``MinHash`` draws them (an odd
    multiplier and an offset per permutation, from ``RandomState(seed)``), without
    importing datasketch: it loads scipy, a second in every worker process."""
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return a, b


def _fmix32(h: U32) -> U32:
    """MurmurHash3's 32-bit finaliser, the pre-mix datasketch applies before permuting."""
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    mixed: U32 = h ^ (h >> np.uint32(16))
    return mixed


def range_signatures(
    hashes: U64,
    starts: npt.NDArray[np.intp],
    ends: npt.NDArray[np.intp],
    perms: Permutations,
    tuning: Tuning = DEFAULT,
) -> U32:
    """MinHash signatures of the sets ``hashes[starts[i] : ends[i]]`` (empty → all max).

    Ranges may overlap. ``hashes`` is cut into pieces at every range's ends; each
    permutation is applied to a cache-sized chunk of pieces at a time and reduced to a
    minimum per piece, and a range's minimum is that of its pieces.
    """
    out = np.full((len(starts), perms.num_perm), _EMPTY_VALUE, dtype=np.uint32)
    live = np.flatnonzero(ends > starts)
    if not len(live):
        return out
    low, high = int(starts[live].min()), int(ends[live].max())
    cuts = distinct(
        np.concatenate((starts[live], ends[live], np.arange(low, high, tuning.chunk_shingles)))
    )
    mins = _piece_minima(
        _fmix32((hashes[low:high] >> np.uint64(32)).astype(np.uint32)), cuts - low, perms, tuning
    )
    pieces = np.empty(2 * len(live), dtype=np.intp)
    pieces[0::2] = np.searchsorted(cuts, starts[live])
    pieces[1::2] = np.searchsorted(cuts, ends[live])
    out[live] = np.minimum.reduceat(mins, pieces, axis=1)[:, 0::2].T
    return out


def _piece_minima(
    mixed: U32, cuts: npt.NDArray[np.intp], perms: Permutations, tuning: Tuning
) -> U32:
    """Per permutation (row), the minimum of every piece ``mixed[cuts[j] : cuts[j + 1]]``,
    and a last column of max values. ``cuts`` starts at 0 and ends at ``len(mixed)``."""
    a, b = perms.params
    a_rows, b_rows = a[:, None], b[:, None]
    mins = np.full((perms.num_perm, len(cuts)), _EMPTY_VALUE, dtype=np.uint32)
    step, block_size = tuning.chunk_shingles, tuning.perm_block
    chunk_starts = np.arange(0, len(mixed), step)
    bounds = [*np.searchsorted(cuts, chunk_starts).tolist(), len(cuts) - 1]
    scratch = np.empty((block_size, min(step, len(mixed))), dtype=np.uint32)
    for chunk_start, first, last in zip(chunk_starts.tolist(), bounds, bounds[1:], strict=False):
        values = mixed[None, chunk_start : chunk_start + step]
        offsets = cuts[first:last] - chunk_start
        for k in range(0, perms.num_perm, block_size):
            block = slice(k, k + block_size)
            permuted = scratch[: len(a_rows[block]), : values.shape[1]]
            np.multiply(a_rows[block], values, out=permuted)
            permuted += b_rows[block]
            np.minimum.reduceat(permuted, offsets, axis=1, out=mins[block, first:last])
    return mins


#: datasketch's answers for common settings (a test holds them equal): asking it means
#: loading scipy, about a second, which a warm ``check`` would spend on nothing else.
KNOWN_LAYOUTS = {
    (threshold, num_perm): layout
    for num_perm, layouts in (
        (64, ((24, 2), (21, 3), (15, 3), (14, 4), (10, 6), (9, 7), (8, 8))),
        (128, ((42, 3), (31, 3), (30, 4), (23, 5), (18, 7), (16, 8), (12, 10))),
        (256, ((76, 3), (64, 4), (51, 5), (38, 6), (28, 9), (25, 10), (21, 12))),
    )
    for threshold, layout in zip((0.3, 0.4, 0.5, 0.6, 0.7, 0.75, 0.8), layouts, strict=True)
}


@lru_cache(maxsize=32)
def band_layout(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows) from datasketch's optimiser, weighted towards recall.

    LSH's threshold is the midpoint of an S-curve: we propose generously and let
    verification decide, so false negatives cost four times false positives.
    """
    known = KNOWN_LAYOUTS.get((threshold, num_perm))
    if known is not None:
        return known
    from datasketch import MinHashLSH  # imported when first needed: it loads scipy (~1 s)

    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm, weights=(0.2, 0.8))
    return int(lsh.b), int(lsh.r)


def band_keys(sigs: U32, bands: int, rows: int) -> U64:
    """One 64-bit key per (article, band): equal keys mean an identical band."""
    n = len(sigs)
    used = sigs[:, : bands * rows].astype(np.uint64).reshape(n, bands, rows)
    weights = np.asarray(mixing_weights(rows), dtype=np.uint64)
    # A band's weighted sum as a product with the weights (wrapping as the sum of the
    # products does): several times faster than multiplying, then summing a short axis.
    mixed: U64 = np.matmul(used, weights)
    mixed += np.arange(bands, dtype=np.uint64)
    return mix64(mixed)


def fingerprints(
    texts: Sequence[str], size: int, perms: Permutations, tuning: Tuning = DEFAULT
) -> U32:
    """One row per text: its whole-text, opening and ending signatures side by side
    (see :func:`dedup.text.shingles.flat_fingerprint_sets`)."""
    rows = np.empty((len(texts), 3 * perms.num_perm), dtype=np.uint32)
    for first, last in text_batches(texts, tuning.batch_bytes):
        sets = flat_fingerprint_sets(texts[first:last], size)
        sigs = range_signatures(sets.hashes, sets.starts, sets.ends, perms, tuning)
        rows[first:last] = sigs.reshape(last - first, 3 * perms.num_perm)
    return rows


class BandTable:
    """The LSH band keys of fingerprint rows, filled chunk by chunk (``fill``), and the
    candidate pairs they give (``pairs``): a corpus's rows never need to be held at once.

    Whole-text bands use ``threshold``; anchor bands a stricter one, since an anchor of a
    copy is the same passage as its original's. An empty signature (a body too short for
    anchors) takes part in no band.

    Keys are kept in 32 bits (63 bands of a million articles: 252 MB instead of 504). Two
    different bands then share a key once in 2**32: about a hundred pairs per band at a
    million articles, which verification rejects like any other wrong candidate.
    """

    def __init__(self, count: int, num_perm: int, threshold: float) -> None:
        anchor = max(threshold, ANCHOR_THRESHOLD)
        self.num_perm = num_perm
        self.threshold = threshold
        self.layouts = [band_layout(cut, num_perm) for cut in (threshold, anchor, anchor)]
        self.keys = [np.zeros((count, bands), dtype=np.uint32) for bands, _ in self.layouts]
        self.valid = np.zeros((count, len(self.layouts)), dtype=bool)

    def fill(self, positions: npt.NDArray[np.intp], rows: U32) -> None:
        """Band keys of ``rows`` (fingerprint rows) for the articles at ``positions``."""
        for part, (bands, r) in enumerate(self.layouts):
            sigs = rows[:, part * self.num_perm : (part + 1) * self.num_perm]
            self.valid[positions, part] = (sigs != _EMPTY_VALUE).any(axis=1)
            self.keys[part][positions] = band_keys(sigs, bands, r) >> np.uint64(32)

    def copy_rows(
        self, other: BandTable, here: npt.NDArray[np.intp], there: npt.NDArray[np.intp]
    ) -> None:
        """Take the band keys of ``other``'s rows ``there`` as rows ``here`` (``here``
        ascending): a run of rows that are consecutive on both sides is copied as a slice
        (a warm run's rows are mostly in the order they were stored in)."""
        self.valid[here] = other.valid[there]
        breaks = np.flatnonzero((np.diff(here) != 1) | (np.diff(there) != 1)) + 1
        starts = np.concatenate(([0], breaks)).tolist()
        ends = np.concatenate((breaks, [len(here)])).tolist()
        if len(starts) > len(here) // 64:  # scattered: one gather is cheaper
            for mine, theirs in zip(self.keys, other.keys, strict=True):
                mine[here] = theirs[there]
            return
        for begin, end in zip(starts, ends, strict=True):
            a, b = int(here[begin]), int(there[begin])
            for mine, theirs in zip(self.keys, other.keys, strict=True):
                mine[a : a + end - begin] = theirs[b : b + end - begin]

    def to_bytes(self) -> bytes:
        """The table as bytes, for :meth:`from_bytes` (with the same settings)."""
        parts = [self.valid.astype(np.uint8), *(keys.astype("<u4") for keys in self.keys)]
        return struct.pack("<Q", len(self.valid)) + b"".join(part.tobytes() for part in parts)

    @classmethod
    def from_bytes(cls, data: bytes | memoryview, num_perm: int, threshold: float) -> BandTable:
        """The table :meth:`to_bytes` wrote; ``ValueError`` when ``data`` holds none. Its
        keys are read-only views of ``data``: a table to copy rows from, not to fill."""
        if len(data) < 8:
            raise ValueError("too short for a band table")
        (count,) = struct.unpack_from("<Q", data)
        table = cls(0, num_perm, threshold)
        widths = [table.valid.shape[1], *(keys.shape[1] for keys in table.keys)]
        if len(data) != 8 + count * (widths[0] + 4 * sum(widths[1:])):
            raise ValueError("band table sizes do not agree")
        at = 8 + count * widths[0]
        table.valid = np.frombuffer(data, np.uint8, count * widths[0], 8).reshape(count, -1) > 0
        table.keys = []
        for width in widths[1:]:
            keys = np.frombuffer(data, "<u4", count * width, at).reshape(count, width)
            table.keys.append(keys.astype(np.uint32, copy=False))
            at += 4 * keys.size
        return table

    def pairs(self) -> npt.NDArray[np.int64]:
        """Pairs (i, j), i < j, sharing a band of any of their signatures; sorted, no repeats."""
        found = []
        for part, keys in enumerate(self.keys):
            valid = np.flatnonzero(self.valid[:, part])
            if len(valid) < 2:
                continue
            found += [valid[bucket_pairs(keys[valid, band])] for band in range(keys.shape[1])]
        if not found:
            return np.zeros((0, 2), dtype=np.int64)
        pairs = np.concatenate(found).astype(np.int64)
        pairs.sort(axis=1)
        return distinct_rows(pairs)


def bucket_pairs(keys: Keys) -> npt.NDArray[np.int64]:
    """Positions (i, j) of ``keys`` that share a band bucket: every pair of a bucket of up
    to ``LARGE_BUCKET``, each member's next ``BUCKET_WINDOW`` in a larger one (ties in
    position order)."""
    order, ranked = key_order(keys)
    pairs = []
    # Pair each article with the next `window` articles in sort order that share its key;
    # buckets up to LARGE_BUCKET get every pair, larger ones a sliding window.
    width = min(LARGE_BUCKET, len(order) - 1)
    for step in range(1, width + 1):
        same = np.flatnonzero(ranked[step:] == ranked[:-step])
        if not len(same):
            break
        if step > BUCKET_WINDOW:
            same = same[_bucket_small(ranked, same, step)]
        left, right = order[same], order[same + step]
        pairs.append(np.stack((np.minimum(left, right), np.maximum(left, right)), axis=1))
    return np.concatenate(pairs).astype(np.int64) if pairs else np.zeros((0, 2), dtype=np.int64)


def key_order(keys: Keys) -> tuple[npt.NDArray[np.intp], Keys]:
    """Positions of ``keys`` in key order, ties in position order (a stable argsort), and
    the keys in that order. Keys that fit 32 bits are sorted packed with their positions
    into one 64-bit number: three times faster than numpy's stable argsort."""
    if len(keys) and (keys.dtype == np.uint32 or int(keys.max()) <= 0xFFFFFFFF):
        packed = keys.astype(np.uint64) << np.uint64(32)
        packed |= np.arange(len(keys), dtype=np.uint64)
        packed.sort()
        order = (packed & np.uint64(0xFFFFFFFF)).astype(np.intp)
        return order, (packed >> np.uint64(32)).astype(keys.dtype)
    order = np.argsort(keys, kind="stable")
    return order, keys[order]


def _bucket_small(ranked: Keys, same: npt.NDArray[np.intp], step: int) -> npt.NDArray[np.bool_]:
    """For offsets past the window, keep only pairs whose bucket is small enough for all pairs."""
    starts = np.searchsorted(ranked, ranked[same], side="left")
    ends = np.searchsorted(ranked, ranked[same], side="right")
    return np.asarray((ends - starts) <= LARGE_BUCKET)


def signature_params(config: Config) -> str:
    """Everything that changes a signature, as one cache key string."""
    return (
        f"norm{NORMALIZER_VERSION}:h{HASH_VERSION}:k{config.shingle_size}:p{config.num_perm}"
        f":s{config.seed}"
        f":{FINGERPRINT_LAYOUT}"
    )
