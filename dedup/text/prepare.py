"""Turning articles into comparison texts: normalised, with junk and boilerplate left out.

Units are paragraphs of normalised text (sentences, where a long paragraph holds junk).
A unit is left out of comparison when it matches a known junk pattern (promos, captions,
"Sign in to access your portfolio"...) or when the corpus shows it to be boilerplate: it
recurs in articles about many different stories, and mostly in those, as site
navigation and promos do. A paragraph a wire story's copies and versions share is not
boilerplate, however many copies there are: it is the story. The article itself is
never changed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from xxhash import xxh3_64_intdigest

from dedup.arrays import distinct_counts, distinct_rows
from dedup.article import Article
from dedup.config import Config
from dedup.read.pagetext import reduce_page
from dedup.text.junk import JunkMatcher, junk_matcher
from dedup.text.normalize import (
    fold,
    fold_paragraphs,
    normalize,
    repair,
    split_sentences,
)

U64 = npt.NDArray[np.uint64]

#: A paragraph this short that holds junk is junk as a whole (a caption, a promo line).
SHORT_PARAGRAPH = 300
_TERMINAL = tuple(".!?:;\"'”’)")


@dataclass(frozen=True)
class Prepared:
    """What comparison needs of one article."""

    text: str
    words: int
    digest: bytes
    dropped: int


@dataclass(frozen=True)
class Units:
    """An article's comparison text before corpus boilerplate is known, with the length
    and hash of every unit in it, so that boilerplate can be cut out later without a
    second copy of the text. Known junk is already left out. The units follow the title's
    line one space apart; lengths and hashes are plain ints (an article's few units cost
    more as arrays, made and read one article at a time)."""

    prepared: Prepared
    lengths: list[int]
    hashes: list[int]
    context: int


def _make_prepared(title: str, units: Sequence[str], dropped: int) -> Prepared:
    text = _joined(title, units)
    if not any(units):  # the title line alone: no body
        return Prepared(text, 0, b"", dropped)
    encoded = text.encode()
    digest = hashlib.blake2b(encoded, digest_size=16).digest()
    words = _spaces(encoded) - title.count(" ") + 1
    return Prepared(text, words, digest, dropped)


def _joined(title: str, units: Sequence[str]) -> str:
    """A comparison text: the title line (if any), then the units parted by spaces."""
    body = " ".join(units)
    if not body:
        return f"{title}\n" if title else ""
    return f"{title}\n{body}" if title else body


def _spaces(encoded: bytes) -> int:
    """How many spaces UTF-8 text holds (a space is byte 32, which encodes nothing else):
    about 1.8 us on 3.7 KB of news, where ``bytes.count`` takes about 7 us."""
    return int(np.count_nonzero(np.frombuffer(encoded, dtype=np.uint8) == _SPACE))


#: The space byte as a numpy scalar: compared with it, an array needs no conversion.
_SPACE = np.uint8(32)


def unit_hash(unit: str) -> int:
    """A unit's 64-bit hash (XXH3: units are many and short, and no one gains by forging
    one; the text's digest stays BLAKE2)."""
    return xxh3_64_intdigest(unit.encode())


def split_units(article: Article, config: Config) -> Units:
    """Normalise an article into units (paragraphs) and mark the known junk among them.

    A whole saved page (menus, share buttons, footers around the article) is first reduced
    to its headline and article paragraphs (:mod:`dedup.read.pagetext`).

    A short paragraph holding junk (a caption, a promo line) is junk as a whole; a long one
    is cut into sentences so that only its junk sentences are left out (the Yahoo copy's
    "Sign in to access your portfolio" glued to the story's last line).
    """
    return split_many([article], config)[0]


def split_many(articles: Sequence[Article], config: Config) -> list[Units]:
    """:func:`split_units` of each article, their paragraphs folded all at once (many
    articles fold in about half the time they take one by one)."""
    matcher = junk_matcher(config.all_junk_patterns)
    read = [_paragraphs(article) for article in articles]
    folded = fold_paragraphs([p for _, paragraphs in read for p in paragraphs])
    units: list[Units] = []
    at = 0
    for title_line, paragraphs in read:
        mine = folded[at : at + len(paragraphs)]
        units.append(_junk_left_out(matcher, title_line, paragraphs, mine))
        at += len(paragraphs)
    return units


def _paragraphs(article: Article) -> tuple[str, list[str]]:
    """An article's title line and paragraphs: a whole saved page's headline and article
    paragraphs only."""
    paragraphs = reflow(article.body)
    page = reduce_page(article.title, paragraphs) if article.kind != "related" else None
    return (article.title, paragraphs) if page is None else page


def _junk_left_out(
    matcher: JunkMatcher, title_line: str, paragraphs: list[str], folded: list[str]
) -> Units:
    """The units of an article's paragraphs (and ``folded``, their folded forms), junk left
    out: a junk paragraph whole when it is short, else its junk sentences."""
    # One search of the whole body tells whether any paragraph needs the floating patterns.
    floating = matcher.floating_in("\n".join(folded))
    if not all(folded):
        kept_pairs = [(p, u) for p, u in zip(paragraphs, folded, strict=True) if u]
        paragraphs, folded = [p for p, _ in kept_pairs], [u for _, u in kept_pairs]
    flags = matcher.flags(folded, floating)
    title = normalize(title_line)
    if not any(flags):
        return _locate_units(title, folded, 0)
    units: list[str] = []
    junk: list[bool] = []
    for paragraph, unit, is_junk in zip(paragraphs, folded, flags, strict=True):
        if not is_junk or len(paragraph) <= SHORT_PARAGRAPH:
            units.append(unit)
            junk.append(is_junk)
            continue
        for sentence in filter(None, map(fold, split_sentences(repair(paragraph)))):
            units.append(sentence)
            junk.append(matcher.hits(sentence))  # any pattern: a sentence ends mid-line
    kept = [u for u, j in zip(units, junk, strict=True) if not j]
    return _locate_units(title, kept, len(units) - len(kept))


def _locate_units(title: str, kept: Sequence[str], dropped: int) -> Units:
    prepared = _make_prepared(title, kept, dropped)
    lengths = list(map(len, kept))
    hashes = [xxh3_64_intdigest(u.encode()) for u in kept]
    context = hashes[lengths.index(max(lengths))] if kept else 0
    return Units(prepared, lengths, hashes, context)


def units_from_lengths(
    text: str, lengths: list[int], light: Prepared, hashes: list[int], context: int
) -> Units:
    """The units of a comparison text read back from its unit lengths (see
    :mod:`dedup.engine.spill`); ``light`` gives its words, digest and dropped count,
    ``hashes`` and ``context`` its units'."""
    prepared = Prepared(text, light.words, light.digest, light.dropped)
    return Units(prepared, lengths, hashes, context)


def reflow(paragraphs: Sequence[str]) -> list[str]:
    """Undo hard wrapping: a line that stops mid-sentence and a line that continues it
    in lower case are one paragraph."""
    merged: list[list[str]] = []  # each paragraph's lines, joined at the end
    for paragraph in paragraphs:
        text = paragraph.strip()
        if not text:
            continue
        if merged and text[0].islower() and not merged[-1][-1].endswith(_TERMINAL):
            merged[-1].append(text)
        else:
            merged.append([text])
    return [" ".join(lines) for lines in merged]


#: A unit is boilerplate only when at least this share of the articles holding it are about
#: different stories: copies of one wire story share their paragraphs, and those are the
#: story, however many copies there are.
DISTINCT_STORY_SHARE = 0.5


def boilerplate_of(
    hashes: U64, counts: npt.NDArray[np.int64], contexts: U64, min_docs: int
) -> frozenset[int]:
    """Unit hashes that recur in at least ``min_docs`` articles about different stories, and
    in articles about different stories for the most part: site chrome, never text that
    copies of a story share. ``hashes`` are every article's unit hashes end to end,
    ``counts`` how many each article has, ``contexts`` each article's longest unit hash.

    An article's story is told by its longest unit; for that unit itself, by the unit next
    to it (a paragraph recurring across articles as their longest says nothing of their
    stories, while the copies of one story keep its paragraphs in order)."""
    # Only a unit seen in ``min_docs`` articles at all can be boilerplate: the costly count
    # of distinct stories runs on those few rows alone.
    unit, seen = distinct_counts(hashes)
    frequent = seen >= min_docs
    keep = np.isin(hashes, unit[frequent])
    if not keep.any():
        return frozenset()
    stories = row_stories(hashes, counts, contexts)[keep]
    rows = distinct_rows(np.stack((hashes[keep], stories), axis=1))
    found, varied = distinct_counts(rows[:, 0])
    many = (varied >= min_docs) & (varied >= DISTINCT_STORY_SHARE * seen[frequent])
    return frozenset(int(h) for h in found[many])


def row_stories(hashes: U64, counts: npt.NDArray[np.int64], contexts: U64) -> U64:
    """Per unit row, the story of its article: the longest unit's hash, or for that unit
    itself the unit next to it (the one after, or before when it is last; itself when it
    stands alone), which copies of one story share and unrelated articles do not."""
    article = np.repeat(np.arange(len(counts)), counts)
    ends = np.cumsum(counts)[article]  # one past each row's article's last row
    starts = ends - counts[article]
    stories = contexts[article]
    rows = np.flatnonzero(hashes == stories)
    after = rows + 1
    before = rows - 1
    neighbour = np.where(after < ends[rows], after, np.where(before >= starts[rows], before, rows))
    stories[rows] = hashes[neighbour] ^ _NEIGHBOUR_SALT
    return stories


#: Keeps a neighbour's hash, used as a story, apart from the same unit's own hash.
_NEIGHBOUR_SALT = np.uint64(0x9E3779B97F4A7C15)


def build_text(units: Units, boilerplate: frozenset[int]) -> Prepared:
    """The comparison text: the normalised title, then every unit that is neither junk nor
    boilerplate. Without boilerplate in the article this is the text already built."""
    found = cut_lengths(units.prepared.text, units.lengths, units.hashes, boilerplate)
    if found is None:
        return units.prepared
    title, kept, cut = found
    return _make_prepared(title, kept, units.prepared.dropped + cut)


def cut_lengths(
    text: str, lengths: Sequence[int], hashes: Sequence[int], cut: frozenset[int]
) -> tuple[str, list[str], int] | None:
    """The title, the units kept and how many were cut of a comparison text whose units
    have ``lengths`` (after the title's line, one space apart) and ``hashes``, the units
    in ``cut`` left out; None when none is."""
    dropped = [h in cut for h in hashes] if cut else []
    if not any(dropped):
        return None
    newline = text.find("\n")  # normalised titles and units never hold one
    start = newline + 1 if newline >= 0 else 0
    title = text[:newline] if newline >= 0 else ""
    kept: list[str] = []
    for size, drop in zip(lengths, dropped, strict=True):
        if not drop:
            kept.append(text[start : start + size])
        start += size + 1
    return title, kept, sum(dropped)
