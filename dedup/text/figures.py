"""Figures in text: keys that name a number's value however it is written.

Verification compares the figures two texts state ("14" and "fourteen", "2,000" and
"2000", "9:40 p.m." and "21:40" agree): a key is the token hash of the figure's digits
written plainly (:mod:`dedup.text.shingles`), and month names are figures too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from dedup.text.normalize import NUMBER_WORDS
from dedup.text.shingles import Shingles, token_hash, token_hashes, token_spans

U64 = npt.NDArray[np.uint64]


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
    """:func:`token_hash` of a figure's digits (figures recur: kept)."""
    return token_hash(digits)


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
