"""How a syndicated copy differs from its original: one function per transformation.

Every function has the shape ``transform_<name>(title, paragraphs, rng, strength)``
and returns ``(title, paragraphs)``; ``strength`` is ``"light"``, ``"medium"`` or
``"heavy"``. They never mutate their input and depend only on ``rng`` for chance,
so a seeded ``random.Random`` makes every copy reproducible. The junk lines and
added sentences below were written for this benchmark.
"""

from __future__ import annotations

import random
import re
import textwrap
from collections.abc import Callable, Sequence
from typing import Literal

Strength = Literal["light", "medium", "heavy"]
Paragraphs = tuple[str, ...]
Transform = Callable[[str, Sequence[str], random.Random, Strength], tuple[str, Paragraphs]]

STRENGTHS: tuple[Strength, ...] = ("light", "medium", "heavy")

#: Lines publishers append after a syndicated story.
JUNK_TAIL: tuple[str, ...] = (
    "The Associated Press Sign in to access your portfolio",
    "Sign in to access your portfolio",
    "Sign in to see your saved stories and alerts",
    "Advertisement",
    "Read more: the top stories from around the region this week",
    "Subscribe to our morning briefing for the day's biggest headlines.",
    "Copyright 2025 Northgate Media Group. All rights reserved.",
    "Follow us on social media for the latest updates.",
    "Recommended Stories",
    "Share this article",
)
#: Lines inserted inside a body: photo captions and promos.
JUNK_INSIDE: tuple[str, ...] = (
    "Crowds gathered outside the building on Tuesday morning. - Sam Porter/Getty Images",
    "Photo: Officials speak to reporters after the meeting.",
    "Get unlimited access to award-winning local journalism."
    " Try The Harlow Gazette free for a month.",
    "Watch: our reporter explains what happens next (2:14)",
    "Don't miss out: sign up for breaking news alerts on your phone.",
)
#: Lines a saved page carries before the story: navigation and bylines.
JUNK_HEAD: tuple[str, ...] = (
    "Skip to main content",
    "Home | News | Sport | Business | Weather | Contact Us",
    "By Morgan Ellis, Staff Reporter",
    "Updated 9:14 AM EST",
)
#: Sentences an editor adds to a syndicated copy.
ADDED_SENTENCES: tuple[str, ...] = (
    "The company did not immediately respond to a request for comment.",
    "Officials said more details would be released later in the week.",
    "Local residents told this newspaper they were watching the situation closely.",
    "This article has been updated with additional reporting.",
    "Analysts contacted on Friday said the figures were broadly in line with expectations.",
    "A spokesperson declined to comment further when reached by phone.",
)
_SYNONYMS: dict[str, str] = {
    "said": "stated",
    "says": "states",
    "told": "informed",
    "big": "large",
    "also": "additionally",
    "but": "however",
    "about": "around",
    "because": "as",
    "rise": "increase",
    "fall": "decline",
    "buy": "purchase",
    "help": "assist",
    "start": "begin",
    "show": "indicate",
    "new": "fresh",
    "plans": "intends",
    "made": "produced",
}
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'])")


def transform_exact(
    title: str, paragraphs: Sequence[str], rng: random.Random, strength: Strength
) -> tuple[str, Paragraphs]:
    """A verbatim copy."""
    return title, tuple(paragraphs)


def transform_junk(
    title: str, paragraphs: Sequence[str], rng: random.Random, strength: Strength
) -> tuple[str, Paragraphs]:
    """Page junk appended (light), plus a byline and caption (medium), plus navigation (heavy)."""
    body = list(paragraphs)
    tail_count = {"light": 1, "medium": 2, "heavy": 4}[strength]
    tail = rng.sample(JUNK_TAIL, tail_count)
    if strength != "light":
        body.insert(rng.randint(1, max(1, len(body) - 1)), rng.choice(JUNK_INSIDE))
        body.insert(0, JUNK_HEAD[2])
    if strength == "heavy":
        body.insert(rng.randint(2, max(2, len(body) - 1)), rng.choice(JUNK_INSIDE))
        body[:0] = JUNK_HEAD[:2]
    return title, (*body, *tail)


def _keep_words(paragraphs: Sequence[str], share: float) -> int:
    """How many leading paragraphs hold at least ``share`` of the words (never all of them)."""
    total = sum(len(p.split()) for p in paragraphs)
    running = 0
    for count, paragraph in enumerate(paragraphs, start=1):
        running += len(paragraph.split())
        if running >= share * total:
            return max(1, min(count, len(paragraphs) - 1))
    return max(1, len(paragraphs) - 1)


def transform_trim(
    title: str, paragraphs: Sequence[str], rng: random.Random, strength: Strength
) -> tuple[str, Paragraphs]:
    """The first paragraphs only: about 90% (light), 75% (medium) or 60% (heavy) of the words."""
    share = {"light": 0.9, "medium": 0.75, "heavy": 0.6}[strength]
    return title, tuple(paragraphs[: _keep_words(paragraphs, share)])


def transform_drop_paragraph(
    title: str, paragraphs: Sequence[str], rng: random.Random, strength: Strength
) -> tuple[str, Paragraphs]:
    """Up to one (light), two (medium) or three (heavy) paragraphs dropped, never the first.

    A paragraph is only dropped while the copy keeps at least 60% of the words.
    """
    wanted = {"light": 1, "medium": 2, "heavy": 3}[strength]
    total = sum(len(p.split()) for p in paragraphs)
    kept = total
    order = list(range(1, len(paragraphs)))
    rng.shuffle(order)
    dropped: set[int] = set()
    for index in order:
        size = len(paragraphs[index].split())
        if len(dropped) < wanted and kept - size >= 0.6 * total:
            dropped.add(index)
            kept -= size
    return title, tuple(p for i, p in enumerate(paragraphs) if i not in dropped)


def transform_headline(
    title: str, paragraphs: Sequence[str], rng: random.Random, strength: Strength
) -> tuple[str, Paragraphs]:
    """The headline restyled (light), tagged and reworded (medium) or replaced (heavy)."""
    if strength == "light":
        new = title.capitalize() if title != title.capitalize() else title.title()
    elif strength == "medium":
        words = [_SYNONYMS.get(w.lower(), w) for w in title.split()]
        new = f"UPDATE: {' '.join(words)} | Local News"
    else:
        lead = (paragraphs[0] if paragraphs else title).split()
        new = " ".join(lead[:9]).rstrip(",.;:") + ", report says"
    return new, tuple(paragraphs)


def transform_add_sentence(
    title: str, paragraphs: Sequence[str], rng: random.Random, strength: Strength
) -> tuple[str, Paragraphs]:
    """One (light), two (medium) or four (heavy) editor's sentences added."""
    count = {"light": 1, "medium": 2, "heavy": 4}[strength]
    body = list(paragraphs)
    for sentence in rng.sample(ADDED_SENTENCES, count):
        if body and rng.random() < 0.5:
            at = rng.randrange(len(body))
            body[at] = f"{body[at]} {sentence}"
        else:
            body.insert(rng.randint(1, max(1, len(body))), sentence)
    return title, tuple(body)


def _curl_quotes(text: str) -> str:
    text = re.sub(r'(^|[\s(\[])"', "\\1\u201c", text)
    text = text.replace('"', "\u201d")
    text = re.sub(r"(^|[\s(\[])'", "\\1\u2018", text)
    return text.replace("'", "\u2019")


def _straighten_quotes(text: str) -> str:
    return text.translate(str.maketrans("\u201c\u201d\u2018\u2019", "\"\"''"))


def _restyle_text(text: str, strength: Strength) -> str:
    curly = any(q in text for q in "\u201c\u201d\u2018\u2019")
    text = _straighten_quotes(text) if curly else _curl_quotes(text)
    if strength == "light":
        return text
    if "\u2014" in text:
        text = text.replace(" \u2014 ", " - ").replace("\u2014", "-")
    else:
        text = text.replace(" - ", " \u2014 ").replace("--", "\u2014")
    if strength == "heavy":
        text = text.replace("...", "\u2026").replace(". ", ".  ").replace("% ", "\u00a0% ")
    return text


def transform_restyle(
    title: str, paragraphs: Sequence[str], rng: random.Random, strength: Strength
) -> tuple[str, Paragraphs]:
    """Quotes curled or straightened (light), dashes too (medium), spacing and ellipses (heavy)."""
    return _restyle_text(title, strength), tuple(_restyle_text(p, strength) for p in paragraphs)


def transform_rewrap(
    title: str, paragraphs: Sequence[str], rng: random.Random, strength: Strength
) -> tuple[str, Paragraphs]:
    """Paragraphs hard-wrapped at 78 (light), 64 (medium) or 40 (heavy) columns."""
    width = {"light": 78, "medium": 64, "heavy": 40}[strength]
    return title, tuple(textwrap.fill(p, width=width, break_on_hyphens=False) for p in paragraphs)


def _split_sentences(paragraphs: Sequence[str]) -> list[list[str]]:
    return [[s for s in _SENTENCE_END.split(p) if s] for p in paragraphs]


def _edit_words(sentence: str, rng: random.Random) -> str:
    words = sentence.split()
    swappable = [i for i, w in enumerate(words) if w.lower() in _SYNONYMS]
    if swappable:
        at = rng.choice(swappable)
        words[at] = _SYNONYMS[words[at].lower()]
        return " ".join(words)
    short = [i for i, w in enumerate(words) if 0 < i < len(words) - 1 and len(w) <= 4]
    if short:
        del words[rng.choice(short)]
    return " ".join(words)


def transform_rewrite(
    title: str, paragraphs: Sequence[str], rng: random.Random, strength: Strength
) -> tuple[str, Paragraphs]:
    """Most sentences kept: some dropped, edited word by word, adjacent ones swapped."""
    drop, edit, swaps = {"light": (0.05, 0.1, 0), "medium": (0.1, 0.2, 1), "heavy": (0.15, 0.3, 2)}[
        strength
    ]
    rewritten = []
    for position, sentences in enumerate(_split_sentences(paragraphs)):
        kept = [s for s in sentences if position == 0 or rng.random() >= drop] or sentences[:1]
        kept = [_edit_words(s, rng) if rng.random() < edit else s for s in kept]
        rewritten.append(kept)
    flat = [(p, i) for p, sentences in enumerate(rewritten) for i in range(len(sentences))]
    for _ in range(swaps):
        candidates = [k for k in range(len(flat) - 1) if flat[k][0] == flat[k + 1][0]]
        if candidates:
            p, i = flat[rng.choice(candidates)]
            rewritten[p][i], rewritten[p][i + 1] = rewritten[p][i + 1], rewritten[p][i]
    return title, tuple(" ".join(s) for s in rewritten if s)


#: Every transformation by name, in the order reports list them.
TRANSFORMS: dict[str, Transform] = {
    "exact": transform_exact,
    "junk": transform_junk,
    "trim": transform_trim,
    "drop_paragraph": transform_drop_paragraph,
    "headline": transform_headline,
    "add_sentence": transform_add_sentence,
    "restyle": transform_restyle,
    "rewrap": transform_rewrap,
    "rewrite": transform_rewrite,
}
