"""Plain, slow reference implementations that dedup's fast code must equal.

The package has one implementation of each step, vectorised; these are the same steps
written the obvious way, one text or one set at a time, for tests to compare against.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from datasketch import LeanMinHash

from dedup.engine.signature import SCHEME, BandTable, Permutations, range_signatures
from dedup.text.shingles import ANCHOR_SHINGLES, flat_fingerprint_sets, shingle, text_batches
from dedup.tuning import Tuning

U64 = npt.NDArray[np.uint64]
U32 = npt.NDArray[np.uint32]
_EMPTY = np.zeros(0, dtype=np.uint64)


def signatures(shingle_sets: Sequence[U64], perms: Permutations) -> U32:
    """MinHash signatures, one row of ``num_perm`` uint32 per shingle set (empty → all max)."""
    lengths = np.fromiter(map(len, shingle_sets), dtype=np.intp, count=len(shingle_sets))
    ends = np.cumsum(lengths)
    flat = np.concatenate(shingle_sets) if len(shingle_sets) else np.zeros(0, np.uint64)
    return range_signatures(flat.astype(np.uint64, copy=False), ends - lengths, ends, perms)


def fingerprint_sets(text: str, size: int) -> tuple[U64, U64, U64]:
    """The shingle sets a text is signed with: the whole text, then the first and the last
    ``ANCHOR_SHINGLES`` shingles of its body (empty when the body is shorter than that).

    Whole-text signatures find copies whose Jaccard is high. A trimmed copy of a long story,
    or one padded with long junk, has low Jaccard with its original but shares its opening
    or its ending: the anchor signatures propose those pairs.
    """
    found = shingle(text, size)
    newline = text.find("\n")
    body_start = len(text[: newline + 1].encode()) if newline >= 0 else 0
    body = found.hashes[int(np.searchsorted(found.starts, body_start)) :]
    if len(body) < ANCHOR_SHINGLES:
        return found.hashes, _EMPTY, _EMPTY
    return found.hashes, body[:ANCHOR_SHINGLES], body[-ANCHOR_SHINGLES:]


def fingerprint_batch(texts: Sequence[str], size: int) -> list[U64]:
    """:func:`fingerprint_sets` of many texts at once, flattened: three sets per text.

    The result equals calling :func:`fingerprint_sets` on each text.
    """
    sets: list[U64] = []
    for first, last in text_batches(texts, Tuning().batch_bytes):
        sets += flat_fingerprint_sets(texts[first:last], size).sets()
    return sets


def candidate_pairs(rows: U32, threshold: float) -> npt.NDArray[np.int64]:
    """Pairs (i, j), i < j, sharing an LSH band of any of their three signatures
    (see :class:`BandTable`). Sorted, without repeats."""
    table = BandTable(len(rows), rows.shape[1] // 3, threshold)
    table.fill(np.arange(len(rows)), rows)
    return table.pairs()


def estimate_jaccard(a: U32, b: U32, seed: int) -> float:
    """Jaccard estimated from two signatures (datasketch's LeanMinHash estimator)."""
    left = LeanMinHash(seed=seed, hashvalues=a, scheme=SCHEME)
    right = LeanMinHash(seed=seed, hashvalues=b, scheme=SCHEME)
    return float(left.jaccard(right))


#: The written-figure patterns as first written, lookbehind first (dedup's start with a
#: digit, for speed, and must match exactly the same).
GROUPED_FIGURES = re.compile(r"(?<![\d.,])\d{1,3}(?:,\d{3})+(?![\d,]\d)")
CLOCK_TIMES = re.compile(r"(?<![\d:.])(\d{1,2}):(\d{2})(?![\d:])(?:\s*([ap])\.?\s?m\b\.?)?")


#: A token: a run of ASCII letters, digits and underscores, and non-ASCII characters.
TOKENS = re.compile(r"[A-Za-z0-9_\u0080-\U0010FFFF]+")


def token_hash(token: str) -> int:
    """A token's hash, one 8-byte little-endian word at a time: the first word (zero
    padded) with the byte length times 0x9E3779B97F4A7C15 mixed in, then each next word."""
    data = token.encode("utf-8")
    words = [int.from_bytes(data[i : i + 8], "little") for i in range(0, len(data), 8)]
    hashed = _splitmix64(words[0] ^ (len(data) * 0x9E3779B97F4A7C15 % 2**64))
    for word in words[1:]:
        hashed = _splitmix64(hashed ^ word)
    return hashed


def _splitmix64(x: int) -> int:
    x ^= x >> 30
    x = x * 0xBF58476D1CE4E5B9 % 2**64
    x ^= x >> 27
    x = x * 0x94D049BB133111EB % 2**64
    return x ^ (x >> 31)
