"""Words, shingles and their hashes, computed with numpy: no per-word Python loop.

Texts are normalised first (:mod:`dedup.normalize`). A token is a run of ASCII letters,
digits and underscores, or of non-ASCII bytes (letters of other scripts); its 64-bit hash
comes from prefix sums of a polynomial hash over the UTF-8 bytes, so it does not depend on
where the token stands. A shingle hashes ``size`` consecutive token hashes. Many texts are
shingled at once by joining them: the only per-text work left in Python is bookkeeping.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from dedup.normalize import NUMBER_WORDS

U64 = npt.NDArray[np.uint64]
Index = npt.NDArray[np.intp]

_P = np.uint64(0x100000001B3)  # odd: invertible modulo 2**64
_P_INV = np.uint64(pow(0x100000001B3, -1, 1 << 64))
_WORD_BYTE = np.zeros(256, dtype=bool)
for _c in b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_":
    _WORD_BYTE[_c] = True
_WORD_BYTE[128:] = True  # UTF-8 bytes of non-ASCII letters (text is normalised first)
#: Shingles in each anchor (the opening and the ending of a body).
ANCHOR_SHINGLES = 40
_EMPTY = np.zeros(0, dtype=np.uint64)
#: Bytes of text shingled in one batch (bounds the prefix-sum tables).
BATCH_BYTES = 1 << 21

_powers: U64 = np.ones(1, dtype=np.uint64)
_inverse_powers: U64 = np.ones(1, dtype=np.uint64)


def mix64(x: U64) -> U64:
    """splitmix64 finaliser: spreads every input bit over the output."""
    x = x ^ (x >> np.uint64(30))
    x = x * np.uint64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> np.uint64(27))
    x = x * np.uint64(0x94D049BB133111EB)
    mixed: U64 = x ^ (x >> np.uint64(31))
    return mixed


def _power_tables(length: int) -> tuple[U64, U64]:
    global _powers, _inverse_powers
    if len(_powers) < length:
        size = max(length, 2 * len(_powers))
        _powers = np.cumprod(np.full(size, _P, dtype=np.uint64)) * _P_INV
        _inverse_powers = np.cumprod(np.full(size, _P_INV, dtype=np.uint64)) * _P
    return _powers[:length], _inverse_powers[:length]


def token_spans(data: npt.NDArray[np.uint8]) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Byte offsets (starts, ends) of the word tokens in UTF-8 ``data``."""
    mask = np.concatenate(([False], _WORD_BYTE[data], [False]))
    edges = np.diff(mask.view(np.int8))
    return np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)


def token_hashes(
    data: npt.NDArray[np.uint8], starts: npt.NDArray[np.intp], ends: npt.NDArray[np.intp]
) -> U64:
    """A 64-bit hash per token, independent of where the token stands."""
    powers, inverse = _power_tables(len(data) + 1)
    weighted = (data.astype(np.uint64) + np.uint64(1)) * powers[: len(data)]
    prefix = np.concatenate((np.zeros(1, dtype=np.uint64), np.cumsum(weighted, dtype=np.uint64)))
    return mix64((prefix[ends] - prefix[starts]) * inverse[starts])


@lru_cache(maxsize=8)
def mixing_weights(size: int) -> tuple[np.uint64, ...]:
    rng = np.random.default_rng(0x5EED + size)
    return tuple(np.uint64(w) | np.uint64(1) for w in rng.integers(0, 2**63, size, dtype=np.uint64))


@dataclass(frozen=True)
class Shingles:
    """Word k-gram hashes of one text, with the byte span each k-gram covers, and the
    hash of every word in order."""

    hashes: U64
    starts: npt.NDArray[np.intp]
    ends: npt.NDArray[np.intp]
    tokens: U64
    token_starts: npt.NDArray[np.intp]

    def unique(self) -> U64:
        return np.unique(self.hashes)


def shingle(text: str, size: int) -> Shingles:
    """Word ``size``-gram hashes of a normalised text (one shingle if it has fewer words)."""
    data = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
    starts, ends = token_spans(data)
    count = len(starts)
    if count == 0:
        empty = np.zeros(0, dtype=np.intp)
        nothing = np.zeros(0, dtype=np.uint64)
        return Shingles(nothing, empty, empty, nothing, empty)
    tokens = token_hashes(data, starts, ends)
    width = min(size, count)
    n = count - width + 1
    combined = np.zeros(n, dtype=np.uint64)
    for offset, weight in enumerate(mixing_weights(size)[:width]):
        combined += tokens[offset : offset + n] * weight
    return Shingles(mix64(combined), starts[:n], ends[width - 1 :], tokens, starts)


def number_keys(text: str, shingles: Shingles) -> U64:
    """Per token of a normalised text: 0 for a word, else a key naming the number's value,
    the same for "14" and "fourteen"."""
    data = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
    first = data[shingles.token_starts]
    keys = np.where((first >= ord("0")) & (first <= ord("9")), shingles.tokens, np.uint64(0))
    words, values = _number_word_hashes()
    found = np.isin(shingles.tokens, words)
    if found.any():
        keys[found] = values[np.searchsorted(words, shingles.tokens[found])]
    return keys


@lru_cache(maxsize=1)
def _number_word_hashes() -> tuple[U64, U64]:
    """Token hashes of the number words (sorted) and of the digits each one stands for."""

    def hashes(text: str) -> U64:
        data = np.frombuffer(text.encode(), dtype=np.uint8)
        return token_hashes(data, *token_spans(data))

    words, values = hashes(" ".join(NUMBER_WORDS)), hashes(" ".join(NUMBER_WORDS.values()))
    order = np.argsort(words)
    return words[order], values[order]


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

    The texts are joined with newlines (never part of a token) and tokenised and hashed in
    one pass; a text's shingles are the windows that start and end inside it. The result
    equals calling :func:`fingerprint_sets` on each text.
    """
    sets: list[U64] = []
    start = 0
    while start < len(texts):
        stop, total = start, 0
        while stop < len(texts) and (total < BATCH_BYTES or stop == start):
            total += len(texts[stop]) + 1
            stop += 1
        sets.extend(_fingerprint_joined(texts[start:stop], size))
        start = stop
    return sets


def _fingerprint_joined(texts: Sequence[str], size: int) -> list[U64]:
    encoded = [t.encode("utf-8") for t in texts]
    lengths = np.fromiter(map(len, encoded), dtype=np.intp, count=len(encoded))
    offsets = np.concatenate(([0], np.cumsum(lengths + 1)))
    data = np.frombuffer(b"\n".join(encoded) + b"\n", dtype=np.uint8)
    starts, ends = token_spans(data)
    tokens = token_hashes(data, starts, ends)
    first = np.searchsorted(starts, offsets[:-1])
    last = np.searchsorted(starts, offsets[1:])
    windows = _windows(tokens, size)
    sets: list[U64] = []
    for i, raw in enumerate(encoded):
        count = int(last[i] - first[i])
        if count < size:
            sets.extend(fingerprint_sets(texts[i], size))
            continue
        whole = windows[first[i] : first[i] + count - size + 1]
        newline = raw.find(b"\n")
        body_start = offsets[i] + (newline + 1 if newline >= 0 else 0)
        body = whole[int(np.searchsorted(starts, body_start)) - int(first[i]) :]
        if len(body) < ANCHOR_SHINGLES:
            sets += [whole, _EMPTY, _EMPTY]
        else:
            sets += [whole, body[:ANCHOR_SHINGLES], body[-ANCHOR_SHINGLES:]]
    return sets


def _windows(tokens: U64, size: int) -> U64:
    """The hash of every run of ``size`` consecutive tokens."""
    n = len(tokens) - size + 1
    if n <= 0:
        return _EMPTY
    combined = np.zeros(n, dtype=np.uint64)
    for offset, weight in enumerate(mixing_weights(size)):
        combined += tokens[offset : offset + n] * weight
    return mix64(combined)
