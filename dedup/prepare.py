"""Turning articles into comparison texts: normalised, with junk and boilerplate left out.

Units are paragraphs of normalised text (sentences, where a long paragraph holds junk).
A unit is left out of comparison when it matches a known junk pattern (promos, captions,
"Sign in to access your portfolio"...) or when the corpus shows it to be boilerplate: it
recurs in articles about many different stories, as site navigation and promos do. A
paragraph a wire story's copies share is not boilerplate: its articles are all the same
story. The article itself is never changed.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from dedup.article import Article
from dedup.config import Config
from dedup.normalize import (
    NORMALIZER_VERSION,
    fold,
    normalize,
    repair,
    split_sentences,
)
from dedup.signature import FINGERPRINT_LAYOUT

U64 = npt.NDArray[np.uint64]

#: A paragraph this short that holds junk is junk as a whole (a caption, a promo line).
SHORT_PARAGRAPH = 300
_TERMINAL = tuple(".!?:;\"'”’)")


@dataclass(frozen=True)
class Units:
    """An article's normalised title and body units, with a stable hash per unit."""

    title: str
    sentences: tuple[str, ...]
    hashes: U64
    junk: npt.NDArray[np.bool_]

    @property
    def context(self) -> int:
        """The hash of the longest non-junk sentence: what the article is about."""
        kept = [i for i in range(len(self.sentences)) if not self.junk[i]]
        if not kept:
            return 0
        return int(self.hashes[max(kept, key=lambda i: (len(self.sentences[i]), -i))])


@dataclass(frozen=True)
class Prepared:
    """What comparison needs of one article."""

    text: str
    words: int
    digest: bytes
    dropped: int


def unit_hash(sentence: str) -> int:
    return int.from_bytes(hashlib.blake2b(sentence.encode(), digest_size=8).digest(), "little")


@dataclass(frozen=True)
class JunkMatcher:
    """Junk patterns, split for speed: ``^``-anchored ones are tried only at a unit's start
    (one combined ``match``); the others are searched one by one, so each keeps re's fast
    literal-prefix scan. Patterns see normalised (lower-case) text."""

    anchored: re.Pattern[str] | None
    floating: tuple[re.Pattern[str], ...]

    def floating_in(self, text: str) -> tuple[re.Pattern[str], ...]:
        """The floating patterns that occur anywhere in ``text``."""
        return tuple(f for f in self.floating if f.search(text))

    def hits(self, unit: str, floating: tuple[re.Pattern[str], ...] | None = None) -> bool:
        """Whether a normalised unit holds junk; ``floating`` narrows the patterns to try."""
        if self.anchored is not None and self.anchored.match(unit):
            return True
        return any(f.search(unit) for f in (self.floating if floating is None else floating))


@lru_cache(maxsize=16)
def junk_matcher(patterns: tuple[str, ...]) -> JunkMatcher:
    anchored = [p for p in patterns if p.startswith("^")]
    floating = tuple(re.compile(p) for p in patterns if not p.startswith("^"))
    combined = re.compile("|".join(f"(?:{p})" for p in anchored)) if anchored else None
    return JunkMatcher(combined, floating)


def split_units(article: Article, config: Config) -> Units:
    """Normalise an article into units (paragraphs) and mark the known junk among them.

    A short paragraph holding junk (a caption, a promo line) is junk as a whole; a long one
    is cut into sentences so that only its junk sentences are left out (the Yahoo copy's
    "Sign in to access your portfolio" glued to the story's last line).
    """
    matcher = junk_matcher(config.all_junk_patterns)
    paragraphs = reflow(article.body)
    # One search of the whole body tells whether any paragraph needs the floating patterns.
    folded = [fold(repair(p)) for p in paragraphs]
    floating = matcher.floating_in("\n".join(folded))
    units: list[str] = []
    junk: list[bool] = []
    for paragraph, unit in zip(paragraphs, folded, strict=True):
        if not unit:
            continue
        is_junk = matcher.hits(unit, floating)
        if not is_junk or len(paragraph) <= SHORT_PARAGRAPH:
            units.append(unit)
            junk.append(is_junk)
            continue
        for sentence in filter(None, map(fold, split_sentences(repair(paragraph)))):
            units.append(sentence)
            junk.append(matcher.hits(sentence, floating))
    hashes = np.fromiter((unit_hash(u) for u in units), dtype=np.uint64, count=len(units))
    return Units(normalize(article.title), tuple(units), hashes, np.array(junk, dtype=bool))


def reflow(paragraphs: Sequence[str]) -> list[str]:
    """Undo hard wrapping: a line that stops mid-sentence and a line that continues it
    in lower case are one paragraph."""
    merged: list[str] = []
    for paragraph in paragraphs:
        text = paragraph.strip()
        if not text:
            continue
        if merged and text[0].islower() and not merged[-1].endswith(_TERMINAL):
            merged[-1] = f"{merged[-1]} {text}"
        else:
            merged.append(text)
    return merged


def learn_boilerplate(all_units: Iterable[Units], min_docs: int) -> frozenset[int]:
    """Unit hashes that recur in at least ``min_docs`` articles about different stories."""
    pairs: list[U64] = []
    for units in all_units:
        if len(units.hashes):
            context = np.full(len(units.hashes), units.context, dtype=np.uint64)
            pairs.append(np.stack((units.hashes, context), axis=1))
    if not pairs:
        return frozenset()
    distinct = np.unique(np.concatenate(pairs), axis=0)
    sentence, counts = np.unique(distinct[:, 0], return_counts=True)
    return frozenset(int(h) for h in sentence[counts >= min_docs])


def build_text(units: Units, boilerplate: frozenset[int]) -> Prepared:
    """The comparison text: normalised title, then every kept sentence."""
    kept = [
        s
        for s, h, j in zip(units.sentences, units.hashes, units.junk, strict=True)
        if not j and int(h) not in boilerplate
    ]
    body = " ".join(kept)
    text = f"{units.title}\n{body}" if units.title else body
    digest = hashlib.blake2b(text.encode(), digest_size=16).digest() if body else b""
    words = body.count(" ") + 1 if body else 0
    return Prepared(text, words, digest, len(units.sentences) - len(kept))


def prepare_all(articles: Sequence[Article], config: Config) -> list[Prepared]:
    """Comparison texts for a whole corpus, boilerplate learned from the corpus itself."""
    units = [split_units(a, config) for a in articles]
    boilerplate = learn_boilerplate(units, config.boilerplate_min_docs)
    return [build_text(u, boilerplate) for u in units]


def signature_params(config: Config) -> str:
    """Everything that changes a signature, as one cache key string."""
    return (
        f"norm{NORMALIZER_VERSION}:k{config.shingle_size}:p{config.num_perm}:s{config.seed}"
        f":{FINGERPRINT_LAYOUT}"
    )
