"""Words, shingles and their hashes, computed with numpy: no per-word Python loop.

Texts are normalised first (:mod:`dedup.text.normalize`). A token is a run of ASCII letters,
digits and underscores, or of non-ASCII bytes (letters of other scripts); its 64-bit hash
mixes its UTF-8 bytes in eight at a time (little-endian words), so it does not depend on
where the token stands. A shingle hashes ``size`` consecutive token hashes. Many texts are
shingled at once by joining them: the only per-text work left in Python is bookkeeping.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from dedup.arrays import distinct

U64 = npt.NDArray[np.uint64]
Index = npt.NDArray[np.intp]

#: Bump when token or shingle hashes change: cached signatures depend on them.
HASH_VERSION = 2
_WORD_BYTE = np.zeros(256, dtype=bool)
for _c in b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_":
    _WORD_BYTE[_c] = True
_WORD_BYTE[128:] = True  # UTF-8 bytes of non-ASCII letters (text is normalised first)
#: Shingles in each anchor (the opening and the ending of a body).
ANCHOR_SHINGLES = 40
_EMPTY = np.zeros(0, dtype=np.uint64)

#: splitmix64's multipliers and 64-bit mask (:func:`mix64`; :func:`token_hash` in ints).
_MIX1, _MIX2, _MASK64 = 0xBF58476D1CE4E5B9, 0x94D049BB133111EB, (1 << 64) - 1
#: Bytes a word of a token holds: 8.
_WORD = 8
#: ``_LOW_BYTES[n]`` keeps the first ``n`` bytes of a little-endian word (n = 0..8).
_LOW_BYTES = np.array([(1 << (8 * n)) - 1 for n in range(_WORD + 1)], dtype=np.uint64)
#: Odd: a token's length, mixed into its first word, keeps lengths apart.
_LENGTH_WEIGHT = 0x9E3779B97F4A7C15


def mix64(x: U64) -> U64:
    """splitmix64 finaliser: spreads every input bit over the output."""
    mixed: U64 = x ^ (x >> np.uint64(30))
    shifted = np.empty_like(mixed)
    mixed *= np.uint64(_MIX1)
    mixed ^= np.right_shift(mixed, np.uint64(27), out=shifted)
    mixed *= np.uint64(_MIX2)
    mixed ^= np.right_shift(mixed, np.uint64(31), out=shifted)
    return mixed


def token_spans(data: npt.NDArray[np.uint8]) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Byte offsets (starts, ends) of the word tokens in UTF-8 ``data``."""
    mask = np.zeros(len(data) + 2, dtype=bool)
    _word_bytes(data, mask[1:-1])
    # Edges alternate: a token starts, then ends (the mask is False at both ends).
    edges = np.flatnonzero(mask[1:] != mask[:-1])
    return edges[0::2].copy(), edges[1::2].copy()


def _word_bytes(data: npt.NDArray[np.uint8], out: npt.NDArray[np.bool_]) -> None:
    """``out = _WORD_BYTE[data]``, in a few passes over ``data`` (cheaper than a lookup)."""
    scratch = np.bitwise_or(data, np.uint8(0x20))  # ASCII letters to lower case
    scratch -= np.uint8(ord("a"))
    np.less(scratch, np.uint8(26), out=out)
    found = np.empty_like(out)
    np.subtract(data, np.uint8(ord("0")), out=scratch)
    out |= np.less(scratch, np.uint8(10), out=found)
    out |= np.equal(data, np.uint8(ord("_")), out=found)
    out |= np.greater_equal(data, np.uint8(128), out=found)


def token_hashes(
    data: npt.NDArray[np.uint8], starts: npt.NDArray[np.intp], ends: npt.NDArray[np.intp]
) -> U64:
    """A 64-bit hash per token, independent of where the token stands: its first eight
    bytes (a little-endian word) and its length mixed, then each further eight mixed in.
    Work per token, not per byte: most words fit in one or two."""
    words = _words_at(data)
    lengths = ends - starts
    hashes = words[starts] & _LOW_BYTES[np.minimum(lengths, _WORD)]
    hashes ^= lengths.astype(np.uint64) * np.uint64(_LENGTH_WEIGHT)
    hashes = mix64(hashes)
    longer = np.flatnonzero(lengths > _WORD)
    offset = _WORD
    while len(longer):
        left = lengths[longer] - offset
        part = words[starts[longer] + offset] & _LOW_BYTES[np.minimum(left, _WORD)]
        hashes[longer] = mix64(hashes[longer] ^ part)
        longer = longer[left > _WORD]
        offset += _WORD
    return hashes


def _words_at(data: npt.NDArray[np.uint8]) -> U64:
    """The little-endian 8-byte word starting at every byte of ``data`` (zeros past its
    end): a view, one byte apart, of a padded copy."""
    padded = np.zeros(len(data) + _WORD, dtype=np.uint8)
    padded[: len(data)] = data
    words: U64 = np.ndarray((len(data),), dtype="<u8", buffer=padded, strides=(1,))
    return words


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
        return distinct(self.hashes)


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


def token_hash(token: str) -> int:
    """The hash :func:`token_hashes` gives ``token`` (one token), in plain integers: a few
    bytes are not worth an array."""
    data = token.encode("utf-8")
    hashed = _mix_int(int.from_bytes(data[:_WORD], "little") ^ (len(data) * _LENGTH_WEIGHT))
    for offset in range(_WORD, len(data), _WORD):
        hashed = _mix_int(hashed ^ int.from_bytes(data[offset : offset + _WORD], "little"))
    return hashed


def _mix_int(x: int) -> int:
    """:func:`mix64` of one value in plain integers."""
    x &= _MASK64
    x ^= x >> 30
    x = (x * _MIX1) & _MASK64
    x ^= x >> 27
    x = (x * _MIX2) & _MASK64
    return x ^ (x >> 31)


@dataclass(frozen=True)
class FlatSets:
    """:func:`flat_fingerprint_sets` of many texts as ranges of one array: set ``j`` of text
    ``i`` (whole, opening, ending) is ``hashes[starts[3 * i + j] : ends[3 * i + j]]``."""

    hashes: U64
    starts: Index
    ends: Index

    def sets(self) -> list[U64]:
        return [
            self.hashes[s:e] if e > s else _EMPTY
            for s, e in zip(self.starts.tolist(), self.ends.tolist(), strict=True)
        ]


def text_batches(texts: Sequence[str], batch_bytes: int) -> list[tuple[int, int]]:
    """Runs (first, last) of consecutive texts of about ``batch_bytes`` each."""
    bounds: list[tuple[int, int]] = []
    first, total = 0, 0
    for i, text in enumerate(texts):
        total += len(text) + 1
        if total >= batch_bytes:
            bounds.append((first, i + 1))
            first, total = i + 1, 0
    if first < len(texts):
        bounds.append((first, len(texts)))
    return bounds


def flat_fingerprint_sets(texts: Sequence[str], size: int) -> FlatSets:
    """The shingle sets a batch of texts is signed with, as ranges of one array: per text
    the whole text, then the first and the last ``ANCHOR_SHINGLES`` shingles of its body
    (empty when the body is shorter than that).

    Whole-text signatures find copies whose Jaccard is high. A trimmed copy of a long story,
    or one padded with long junk, has low Jaccard with its original but shares its opening
    or its ending: the anchor signatures propose those pairs.

    The texts are joined with newlines (never part of a token) and tokenised and hashed in
    one pass; a text's shingles are the windows that start and end inside it.
    """
    data = np.frombuffer(("\n".join(texts) + "\n").encode("utf-8"), dtype=np.uint8)
    lengths, bodies = _byte_layout(texts)
    offsets = np.zeros(len(texts) + 1, dtype=np.intp)
    np.cumsum(lengths + 1, out=offsets[1:])
    starts, ends = token_spans(data)
    tokens = token_hashes(data, starts, ends)
    windows = _windows(tokens, size)
    first = np.searchsorted(starts, offsets[:-1])
    count = np.searchsorted(starts, offsets[1:]) - first
    stop = first + count - size + 1  # past a text's last window
    body = np.searchsorted(starts, offsets[:-1] + bodies)
    anchored = stop - body >= ANCHOR_SHINGLES
    ranges = np.zeros((len(texts), 6), dtype=np.intp)
    ranges[:, 0], ranges[:, 1] = first, np.maximum(stop, first)
    ranges[anchored, 2], ranges[anchored, 3] = body[anchored], body[anchored] + ANCHOR_SHINGLES
    ranges[anchored, 4], ranges[anchored, 5] = stop[anchored] - ANCHOR_SHINGLES, stop[anchored]
    hashes = _add_short_texts(windows, tokens, first, count, size, ranges)
    return FlatSets(hashes, ranges[:, 0::2].ravel(), ranges[:, 1::2].ravel())


def _byte_layout(texts: Sequence[str]) -> tuple[Index, Index]:
    """Each text's length in UTF-8 bytes, and the byte offset where its body starts: after
    its first newline, if any (0 without one)."""
    lengths: list[int] = []
    bodies: list[int] = []
    for text in texts:
        body = text.find("\n") + 1
        if text.isascii():
            lengths.append(len(text))
            bodies.append(body)
        else:
            lengths.append(len(text.encode("utf-8")))
            bodies.append(len(text[:body].encode("utf-8")))
    return np.array(lengths, dtype=np.intp), np.array(bodies, dtype=np.intp)


def _add_short_texts(
    windows: U64, tokens: U64, first: Index, count: Index, size: int, ranges: Index
) -> U64:
    """Texts of 1 to ``size - 1`` words have one shingle, of all their words: appended to
    ``windows``, with the whole-text range of each pointing at it."""
    short = np.flatnonzero((count > 0) & (count < size))
    if not len(short):
        return windows
    spans = zip(first[short].tolist(), count[short].tolist(), strict=True)
    extra = [_combine(tokens[f : f + c], size) for f, c in spans]
    ranges[short, 0] = len(windows) + np.arange(len(short))
    ranges[short, 1] = ranges[short, 0] + 1
    return np.concatenate([windows, *extra])


def _combine(tokens: U64, size: int) -> U64:
    """The one shingle of fewer than ``size`` tokens."""
    weights = np.asarray(mixing_weights(size)[: len(tokens)], dtype=np.uint64)
    return mix64(np.atleast_1d((tokens * weights).sum(dtype=np.uint64)))


def _windows(tokens: U64, size: int) -> U64:
    """The hash of every run of ``size`` consecutive tokens."""
    n = len(tokens) - size + 1
    if n <= 0:
        return _EMPTY
    weights = mixing_weights(size)
    combined = tokens[:n] * weights[0]
    term = np.empty_like(combined)
    for offset, weight in enumerate(weights[1:], start=1):
        combined += np.multiply(tokens[offset : offset + n], weight, out=term)
    return mix64(combined)
