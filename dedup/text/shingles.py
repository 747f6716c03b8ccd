"""Words, shingles and their hashes, computed with numpy: no per-word Python loop.

Texts are normalised first (:mod:`dedup.text.normalize`). A token is a run of ASCII letters,
digits and underscores, or of non-ASCII bytes (letters of other scripts); its 64-bit hash
comes from prefix sums of a polynomial hash over the UTF-8 bytes, so it does not depend on
where the token stands. A shingle hashes ``size`` consecutive token hashes. Many texts are
shingled at once by joining them: the only per-text work left in Python is bookkeeping.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from dedup.arrays import distinct
from dedup.text.normalize import NUMBER_WORDS

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

_powers: U64 = np.ones(1, dtype=np.uint64)
_inverse_powers: U64 = np.ones(1, dtype=np.uint64)


#: splitmix64's multipliers and 64-bit mask (:func:`mix64`; :func:`_digits_hash` in ints).
_MIX1, _MIX2, _MASK64 = 0xBF58476D1CE4E5B9, 0x94D049BB133111EB, (1 << 64) - 1


def mix64(x: U64) -> U64:
    """splitmix64 finaliser: spreads every input bit over the output."""
    mixed: U64 = x ^ (x >> np.uint64(30))
    shifted = np.empty_like(mixed)
    mixed *= np.uint64(_MIX1)
    mixed ^= np.right_shift(mixed, np.uint64(27), out=shifted)
    mixed *= np.uint64(_MIX2)
    mixed ^= np.right_shift(mixed, np.uint64(31), out=shifted)
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
    """A 64-bit hash per token, independent of where the token stands."""
    powers, inverse = _power_tables(len(data) + 1)
    prefix = np.empty(len(data) + 1, dtype=np.uint64)
    prefix[0] = 0
    weighted = prefix[1:]
    np.add(data, np.uint64(1), out=weighted, dtype=np.uint64)  # a byte weighs its value + 1
    weighted *= powers[: len(data)]
    np.cumsum(weighted, out=weighted)
    hashes = prefix[ends]
    hashes -= prefix[starts]
    hashes *= inverse[starts]
    return mix64(hashes)


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


def number_keys(text: str, shingles: Shingles) -> U64:
    """Per token of a normalised text: 0 for a word, else a key naming the number's value,
    the same for "14" and "fourteen", for "2,000" and "2000", for "9:40 p.m." and "2140";
    a month name is a figure too, the same for "sept" and "september".

    A figure written over several tokens ("2,000", "9:40") gets its key on its first token
    and 0 on the others."""
    encoded = text.encode("utf-8")
    data = np.frombuffer(encoded, dtype=np.uint8)
    first = data[shingles.token_starts]
    keys = np.where((first >= ord("0")) & (first <= ord("9")), shingles.tokens, np.uint64(0))
    words, values = _number_word_hashes()
    # np.isin by hand: its setup costs more than the lookup of a few hundred tokens
    at = np.searchsorted(words, shingles.tokens)
    np.minimum(at, len(words) - 1, out=at)
    found = words[at] == shingles.tokens
    if found.any():
        keys[found] = values[at[found]]
    if b"," in encoded or b":" in encoded:
        _key_formatted_figures(text, shingles.token_starts, keys)
    return keys


#: Figures whose writing varies: digit groups ("2,000", "1,250,000") and clock times
#: ("9:40", "9:40 a.m.", "21:40").
#: Each starts with a digit and looks behind it after (the same matches as a lookbehind
#: first): a pattern that starts with a digit lets the regex engine skip to the digits.
_GROUPED = re.compile(r"\d(?<![\d.,]\d)\d{0,2}(?:,\d{3})+(?![\d,]\d)")
_CLOCK = re.compile(r"(\d(?<![\d:.]\d)\d?):(\d{2})(?![\d:])(?:\s*([ap])\.?\s?m\b\.?)?")
#: What every digit group holds, one to three characters after its start.
_GROUPED_HINT = re.compile(r",\d{3}")
#: What every clock time holds.
_CLOCK_HINT = re.compile(r":\d\d")


def _key_formatted_figures(text: str, token_starts: npt.NDArray[np.intp], keys: U64) -> None:
    """Re-key the figures of :data:`_GROUPED` and :data:`_CLOCK` by their canonical digits."""
    found = list(_formatted_figures(text))
    if not found:
        return
    spans = np.array([match.span() for match, _ in found], dtype=np.intp)
    if not text.isascii():  # character offsets to byte offsets
        spans = _byte_offsets(text)[spans]
    tokens = np.searchsorted(token_starts, spans).tolist()
    for (_, digits), (first, last) in zip(found, tokens, strict=True):
        if first < last:
            keys[first:last] = 0
            keys[first] = _digits_hash(digits)


def _byte_offsets(text: str) -> npt.NDArray[np.intp]:
    """The UTF-8 offset of every character of ``text``, and of its end."""
    points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    widths = 1 + (points >= 0x80) + (points >= 0x800) + (points >= 0x10000)
    offsets = np.zeros(len(points) + 1, dtype=np.intp)
    np.cumsum(widths, out=offsets[1:])
    return offsets


def _formatted_figures(text: str) -> Iterator[tuple[re.Match[str], str]]:
    for match in _grouped_figures(text):
        yield match, match.group(0).replace(",", "")
    if not _CLOCK_HINT.search(text):  # a literal-led search: many times faster than _CLOCK's
        return
    for match in _CLOCK.finditer(text):
        hours, minutes, half = int(match.group(1)), match.group(2), match.group(3)
        if hours > 23 or int(minutes) > 59:
            continue
        if half == "p" and hours < 12:
            hours += 12
        elif half == "a" and hours == 12:
            hours = 0
        yield match, f"{hours:02d}{minutes}"


def _grouped_figures(text: str) -> Iterator[re.Match[str]]:
    """``_GROUPED.finditer(text)``, tried only where a match can start: one to three
    characters before a ",ddd" (every match has one there). Finding those is a literal
    search, many times faster than _GROUPED's scan of every digit in the text."""
    resume = 0
    for hint in _GROUPED_HINT.finditer(text):
        comma = hint.start()
        for start in range(max(resume, comma - 3), comma):
            match = _GROUPED.match(text, start)
            if match:
                yield match
                resume = match.end()
                break


@lru_cache(maxsize=4096)
def _digits_hash(digits: str) -> int:
    """The token hash of ``digits`` (one token), as :func:`token_hashes` gives it, in plain
    integers: a few bytes are not worth an array (5 us against 85 us)."""
    hashed, power = 0, 1
    for byte in digits.encode("utf-8"):
        hashed = (hashed + (byte + 1) * power) & _MASK64
        power = (power * int(_P)) & _MASK64
    hashed ^= hashed >> 30
    hashed = (hashed * _MIX1) & _MASK64
    hashed ^= hashed >> 27
    hashed = (hashed * _MIX2) & _MASK64
    return hashed ^ (hashed >> 31)


#: Month names are figures too: a recurring report differs from last week's in its dates.
MONTH_WORDS = {
    name: f"month{number}"
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sept", "sep"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}


def _hashes(text: str) -> U64:
    data = np.frombuffer(text.encode(), dtype=np.uint8)
    return token_hashes(data, *token_spans(data))


@lru_cache(maxsize=1)
def _number_word_hashes() -> tuple[U64, U64]:
    """Token hashes of the number and month words (sorted) and of the figure each one
    stands for (the digits, or ``monthN``)."""
    names = {**NUMBER_WORDS, **MONTH_WORDS}
    words, values = _hashes(" ".join(names)), _hashes(" ".join(names.values()))
    order = np.argsort(words)
    return words[order], values[order]


@lru_cache(maxsize=1)
def month_keys() -> frozenset[int]:
    """The figure keys :func:`number_keys` gives month names."""
    return frozenset(int(h) for h in _hashes(" ".join(sorted(set(MONTH_WORDS.values())))))


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
