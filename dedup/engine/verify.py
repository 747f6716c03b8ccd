"""Deciding whether two candidate articles are copies. The only module that imports rapidfuzz.

Every candidate pair from LSH is checked here on the comparison texts:
- *exact*: identical comparison texts;
- *resemblance*: rapidfuzz's normalised Indel similarity of the whole texts is high;
- *containment*: most of the shorter text's shingles are in the longer one, and most of
  its words appear in the same order there (trimmed, padded or paragraph-dropped copies);
- *version*: two long texts of one story as a wire service updates it through the day
  (new top paragraphs, added paragraphs, a few updated figures): a good share of their
  shingles in common, or the shorter mostly inside the longer.
Short texts must be near-identical under the same title (a corrected typo in a title is
the same title). Numbers must agree: aligning the two word sequences (rapidfuzz's
Levenshtein opcodes), a copy may add or drop words, but it does not replace one figure
with another; a version of a long story may update a few of them (no date, though).
Figures are compared by value, whatever their writing ("2,000" and "2000"). Templated
notices and recurring reports differ mainly in names and figures; a wire copy with page
junk appended only adds.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from functools import cached_property
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
from rapidfuzz.distance import Indel, LCSseq, Levenshtein

from dedup.config import Config
from dedup.result import PairScore, Rule
from dedup.text.figures import month_keys, number_keys
from dedup.text.prepare import Prepared
from dedup.text.shingles import Shingles, shingle

#: Candidates sharing less than this share of shingles are rejected without further work.
QUICK_REJECT = 0.3
#: Texts shorter than ``Config.min_words`` must be at least this similar to count as copies.
SHORT_TEXT_SIMILARITY = 0.95
#: Titles at least this similar (character level) are one title with a typo corrected.
TITLE_TYPO_SIMILARITY = 0.85
#: A version shares this share of its shingles with the other text (Jaccard) ...
VERSION_JACCARD = 0.35
#: ... or has this share of the shorter text's shingles inside the longer one; either way,
#: VERSION_ALIGNED of the shorter text's words stand in the same order in the longer (an
#: update keeps the story's order; a follow-up reuses passages here and there).
VERSION_CONTAINMENT = 0.6
VERSION_ALIGNED = 0.7
#: A change block with at most this many words on each side is an edit (figures updated);
#: a longer one is a passage replaced by another.
FIGURE_EDIT_WORDS = 8
#: A longer block is still an edit of figures when, figures aside, at most this share of
#: its words differ between its two sides.
TEMPLATE_WORD_CHANGES = 0.25
#: An edit stands between matching runs of at least this many words.
EDIT_ANCHOR_WORDS = 3
#: A story this long may be updated in several figures: up to VERSION_FIGURES of them, or
#: up to VERSION_FIGURE_SHARE of its figures; a shorter item in one figure at most.
VERSION_LONG_WORDS = 150
VERSION_FIGURES = 3
VERSION_FIGURE_SHARE = 0.4


class Side:
    """One article of a pair, as verification sees it; the costlier views are computed
    only when a rule needs them."""

    def __init__(self, prepared: Prepared, size: int) -> None:
        self.prepared = prepared
        self.size = size

    @classmethod
    def of(cls, prepared: Prepared, config: Config) -> Side:
        return cls(prepared, config.shingle_size)

    @cached_property
    def shingles(self) -> Shingles:
        """The text's shingles: not made for a pair of identical texts, which needs none."""
        return shingle(self.prepared.text, self.size)

    @cached_property
    def unique(self) -> npt.NDArray[np.uint64]:
        """The text's distinct shingle hashes."""
        return self.shingles.unique()

    @cached_property
    def words(self) -> list[int]:
        """Word hashes in order."""
        return list(self.shingles.tokens.tolist())

    @cached_property
    def numbers(self) -> list[int]:
        """Per word: 0, or a key naming the number's value."""
        return list(number_keys(self.prepared.text, self.shingles).tolist())

    @cached_property
    def title(self) -> str:
        """The normalised title line."""
        text = self.prepared.text
        newline = text.find("\n")
        return text[:newline] if newline >= 0 else ""

    @cached_property
    def body_from(self) -> int:
        """Index of the first word after the title line."""
        text = self.prepared.text
        newline = text.find("\n")
        body_start = len(text[: newline + 1].encode()) if newline >= 0 else 0
        return int(np.searchsorted(self.shingles.token_starts, body_start))


class Measures(NamedTuple):
    """The raw measurements of a pair, before any rule is applied."""

    similarity: float
    containment_ab: float
    containment_ba: float
    aligned: float
    numbers: float
    titles_differ: bool
    jaccard: float = 0.0
    changed_figures: int = 0
    dates_changed: bool = False


def measure(a: Side, b: Side) -> Measures:
    """Similarity, containment both ways, word alignment and number agreement of a pair."""
    shared = np.intersect1d(a.unique, b.unique, assume_unique=True)
    short, long_ = (a, b) if len(a.shingles.tokens) <= len(b.shingles.tokens) else (b, a)
    union = len(a.unique) + len(b.unique) - len(shared)
    retitled = titles_differ(a, b)
    agreement, changed, dates = number_agreement(short, long_, passages=retitled)
    return Measures(
        similarity=Indel.normalized_similarity(a.prepared.text, b.prepared.text),
        containment_ab=len(shared) / len(a.unique) if len(a.unique) else 0.0,
        containment_ba=len(shared) / len(b.unique) if len(b.unique) else 0.0,
        aligned=_aligned_similarity(short, long_, shared),
        numbers=agreement,
        titles_differ=retitled,
        jaccard=len(shared) / union if union else 0.0,
        changed_figures=changed,
        dates_changed=dates,
    )


def titles_differ(a: Side, b: Side) -> bool:
    """Whether one title replaces words of the other (adding "CORRECTED" does not, nor does
    a corrected typo): short templated items often differ only in the company or place
    their title names."""
    title_a, title_b = a.words[: a.body_from], b.words[: b.body_from]
    replaced = any(a2 > a1 and b2 > b1 for (a1, a2), (b1, b2) in _change_blocks(title_a, title_b))
    return replaced and Indel.normalized_similarity(a.title, b.title) < TITLE_TYPO_SIMILARITY


def number_agreement(
    short: Side, long_: Side, *, passages: bool = False
) -> tuple[float, int, bool]:
    """1 minus the share of the shorter body's numbers that the other text changes, how
    many figures it changes, and whether a month is among them (a new date).

    The word sequences are aligned (rapidfuzz's Levenshtein opcodes) and cut into change
    blocks between matching stretches. A block with words on one side only is an addition
    or a cut (junk appended, a paragraph dropped) and says nothing about numbers; a block
    with words on both sides is an edit when it is short or when, figures aside, its two
    sides hold much the same words (a table or a templated sentence with new figures); the
    numbers an edit removes but does not put back elsewhere are changed figures. A long
    block whose sides hold different words is a passage cut and another added (a
    write-through), not an edit of figures, unless ``passages`` (under another headline,
    new passages with other figures are other news: their figures count too). Titles are
    left out.
    """
    a, b = short.words[short.body_from :], long_.words[long_.body_from :]
    num_a, num_b = short.numbers[short.body_from :], long_.numbers[long_.body_from :]
    removed: Counter[int] = Counter()
    added: Counter[int] = Counter()
    for (a1, a2), (b1, b2) in _change_blocks(a, b, bridge=EDIT_ANCHOR_WORDS - 1):
        both = a2 > a1 and b2 > b1
        if both and (passages or _is_edit(a[a1:a2], b[b1:b2], num_a[a1:a2], num_b[b1:b2])):
            removed.update(n for n in num_a[a1:a2] if n)
            added.update(n for n in num_b[b1:b2] if n)
    changed = max(sum((removed - added).values()), sum((added - removed).values()))
    dates = any(key in month_keys() for key in (removed - added) + (added - removed))
    agreement = max(0.0, 1.0 - changed / max(1, sum(1 for n in num_a if n)))
    return agreement, changed, dates


def _is_edit(
    words_a: Sequence[int], words_b: Sequence[int], nums_a: Sequence[int], nums_b: Sequence[int]
) -> bool:
    """Whether a change block with words on both sides edits figures in place."""
    if len(words_a) <= FIGURE_EDIT_WORDS and len(words_b) <= FIGURE_EDIT_WORDS:
        return True
    plain_a = Counter(w for w, n in zip(words_a, nums_a, strict=True) if not n)
    plain_b = Counter(w for w, n in zip(words_b, nums_b, strict=True) if not n)
    differ = max(sum((plain_a - plain_b).values()), sum((plain_b - plain_a).values()))
    return differ <= TEMPLATE_WORD_CHANGES * max(1, len(words_a), len(words_b))


def _change_blocks(
    a: list[int], b: list[int], bridge: int = 0
) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """Maximal runs of non-matching opcodes, as (a span, b span). Matching runs of at most
    ``bridge`` words between two changes are part of the change: unrelated passages align
    on scattered common words, and those are no anchor for an edit."""
    blocks: list[tuple[tuple[int, int], tuple[int, int]]] = []
    for op in Levenshtein.opcodes(a, b):
        if op.tag == "equal" and (op.src_end - op.src_start > bridge or not blocks):
            continue
        # A short match after a change joins it, and so does a change right after it.
        if blocks and _touches(blocks[-1], op.src_start, op.dest_start):
            (a1, _), (b1, _) = blocks[-1]
            blocks[-1] = ((a1, op.src_end), (b1, op.dest_end))
        else:
            blocks.append(((op.src_start, op.src_end), (op.dest_start, op.dest_end)))
    return blocks


def _touches(block: tuple[tuple[int, int], tuple[int, int]], a: int, b: int) -> bool:
    return block[0][1] == a and block[1][1] == b


def score_pair(a: Side, b: Side, config: Config, *, quick: bool = False) -> PairScore:
    """Both scores of a pair, the rule that fires (if any) and why.

    With ``quick``, a pair whose texts share less than ``QUICK_REJECT`` of either text's
    shingles is rejected on that alone, its other scores left at 0: no rule can hold for
    texts that far apart, and most LSH candidates are such pairs.
    """
    exact = exact_score(a.prepared, b.prepared)
    if exact is not None:
        return exact
    if quick:
        shared = len(np.intersect1d(a.unique, b.unique, assume_unique=True))
        c_ab = shared / len(a.unique) if len(a.unique) else 0.0
        c_ba = shared / len(b.unique) if len(b.unique) else 0.0
        if max(c_ab, c_ba) < QUICK_REJECT:
            reason = f"only {max(c_ab, c_ba):.0%} of either text's shingles are shared"
            words = (a.prepared.words, b.prepared.words)
            return PairScore(0.0, c_ab, c_ba, 0.0, 0.0, *words, None, reason)
    m = measure(a, b)
    rule, reason, overlap = decide(a.prepared, b.prepared, m, config)
    return PairScore(
        m.similarity,
        m.containment_ab,
        m.containment_ba,
        m.aligned,
        overlap,
        a.prepared.words,
        b.prepared.words,
        rule,
        reason,
    )


def exact_score(a: Prepared, b: Prepared) -> PairScore | None:
    """The score of identical comparison texts, every measure 1 (None for texts that
    differ): their digests and word counts tell it, their texts are not needed."""
    if not a.digest or a.digest != b.digest:
        return None
    reason = "identical after normalisation and junk removal"
    return PairScore(1.0, 1.0, 1.0, 1.0, 1.0, a.words, b.words, "exact", reason)


def decide(a: Prepared, b: Prepared, m: Measures, config: Config) -> tuple[Rule | None, str, float]:
    """Apply the rules in order (exact, resemblance, containment, version); the first that
    holds wins.

    A whole copy (resemblance) carries the same numbers as its original, so both texts'
    numbers must agree; a trimmed copy (containment) need only keep the shorter text's. A
    long text that would be a copy but for a few updated figures is a version.
    """
    if a.digest and a.digest == b.digest:
        return "exact", "identical after normalisation and junk removal", 1.0
    if not a.digest or not b.digest:
        return None, "one text is empty after junk removal", m.numbers
    shorter = min(a.words, b.words)
    figures_ok = m.numbers >= config.number_overlap
    few_changed = _few_figures_updated(shorter, m, config)
    reasons = []
    rules: tuple[tuple[Rule, tuple[bool, str]], ...] = (
        ("resemblance", _resembles(shorter, m, config)),
        ("containment", _contains(shorter, m, config)),
        ("version", _versions(shorter, m, config)),
    )
    for rule, (holds, why) in rules:
        if holds and rule == "version" and m.titles_differ:
            why = f"{why}, but under another headline"
        elif holds and figures_ok:
            return rule, why, m.numbers
        elif holds and few_changed:
            return "version", f"{why}, {m.changed_figures} figure(s) updated", m.numbers
        if holds:
            why = f"{why}, but {m.changed_figures} of the numbers differ ({1 - m.numbers:.0%})"
        reasons.append(why)
    return None, "; ".join(reasons), m.numbers


def _few_figures_updated(shorter: int, m: Measures, config: Config) -> bool:
    """Whether the figures that differ are a wire story's update, not another edition of a
    templated or recurring item: the same headline and no new date; in a long story
    (``VERSION_LONG_WORDS``) up to ``VERSION_FIGURES`` figures or ``VERSION_FIGURE_SHARE``
    of them; in a shorter item one figure."""
    if shorter < config.min_words or m.dates_changed or m.titles_differ:
        return False
    if shorter >= VERSION_LONG_WORDS:
        return m.changed_figures <= VERSION_FIGURES or 1 - m.numbers <= VERSION_FIGURE_SHARE
    return m.changed_figures <= 1


def _versions(shorter: int, m: Measures, config: Config) -> tuple[bool, str]:
    if shorter < config.min_words:
        return False, f"too short for a version ({shorter} words < {config.min_words})"
    contained = max(m.containment_ab, m.containment_ba)
    shared = m.jaccard >= VERSION_JACCARD or contained >= VERSION_CONTAINMENT
    holds = shared and m.aligned >= VERSION_ALIGNED
    return holds, (
        f"versions: {m.jaccard:.0%} of their shingles shared (needs {VERSION_JACCARD:.0%}) "
        f"or {contained:.0%} of one inside the other (needs {VERSION_CONTAINMENT:.0%}), "
        f"and {m.aligned:.0%} of the shorter's words in order (needs {VERSION_ALIGNED:.0%})"
    )


def _resembles(shorter: int, m: Measures, config: Config) -> tuple[bool, str]:
    if shorter < config.min_words:
        needed = max(config.similarity, SHORT_TEXT_SIMILARITY)
        if m.titles_differ:
            return False, f"short texts ({shorter} words) under different titles"
        verdict = "nearly identical" if m.similarity >= needed else "not nearly identical"
        return m.similarity >= needed, f"short texts ({shorter} words) {verdict}"
    sign = ">=" if m.similarity >= config.similarity else "<"
    return m.similarity >= config.similarity, (
        f"similarity {m.similarity:.2f} {sign} {config.similarity:.2f}"
    )


def _contains(shorter: int, m: Measures, config: Config) -> tuple[bool, str]:
    contained = max(m.containment_ab, m.containment_ba)
    which = "first" if m.containment_ab >= m.containment_ba else "second"
    if shorter < config.min_words:
        whole = contained >= SHORT_TEXT_SIMILARITY and m.aligned >= SHORT_TEXT_SIMILARITY
        if whole and not m.titles_differ:  # a short item with a paragraph added
            return True, f"short text ({shorter} words) held whole in the other, same title"
        return False, f"too short for containment ({shorter} words < {config.min_words})"
    holds = contained >= config.containment and m.aligned >= config.coverage
    return holds, (
        f"{contained:.0%} of the {which} text's shingles lie in the other "
        f"(needs {config.containment:.0%}), {m.aligned:.0%} of its words in order "
        f"(needs {config.coverage:.0%})"
    )


def _aligned_similarity(short: Side, long_: Side, shared: np.ndarray) -> float:
    """Share of the shorter text's words found, in order, in the longer one (rapidfuzz's
    longest common subsequence over word hashes): 1.0 for a trimmed, padded or
    paragraph-dropped copy, low for texts that only share scattered phrases."""
    if not len(shared) or not len(short.words):
        return 0.0
    return LCSseq.similarity(short.words, long_.words) / len(short.words)
