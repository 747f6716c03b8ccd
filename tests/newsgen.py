"""Invented news text for engine tests: deterministic, varied, and nobody's copyright.

Sentences are assembled from invented names, places and figures so that two generated
stories share no more than chance wording, while a story and its copies share it all.
"""

from __future__ import annotations

import random

from dedup.article import Article

NAMES = [
    "Ilsa Marrow",
    "Tobin Vance",
    "Quill Ashdown",
    "Perpetua Lind",
    "Osric Fell",
    "Juno Barrow",
]
PLACES = ["Harrowgate", "Port Elspeth", "Vandermeer", "Coldwater Reach", "Milbrook", "Saltmarsh"]
BODIES = ["the harbour authority", "the county council", "the rail union", "the water board"]
VERBS = ["approved", "rejected", "postponed", "questioned", "welcomed", "criticised"]
THINGS = ["a plan to widen the coastal road", "new limits on night flights", "a fare increase"]
THINGS += ["the sale of the old mill", "a budget for flood defences", "a strike ballot"]
LINKS = ["Officials said", "Residents argued", "Critics noted", "Supporters insisted"]
ENDS = ["the decision would be reviewed next spring", "talks would continue this week"]
ENDS += ["costs had risen sharply since last year", "the vote was closer than expected"]


SYLLABLES = ["ka", "lo", "mer", "tin", "sa", "vor", "el", "dun", "ri", "pa", "gol", "shen"]


def word(rng: random.Random) -> str:
    """An invented word, so that different stories share only chance wording."""
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3)))


def sentence(rng: random.Random) -> str:
    """One invented news sentence with a name, a place, a figure and invented words."""
    return (
        f"{rng.choice(LINKS)} that {rng.choice(BODIES)} in {rng.choice(PLACES)} had "
        f"{rng.choice(VERBS)} the {word(rng)} {word(rng)} plan after {rng.choice(NAMES)} "
        f"said {rng.randint(2, 9800)} {word(rng)} people {rng.choice(ENDS)} in {word(rng)}."
    )


def story(seed: int, paragraphs: int = 8, sentences: int = 3) -> tuple[str, list[str]]:
    """A headline and ``paragraphs`` paragraphs of an invented story."""
    rng = random.Random(seed)
    title = f"{rng.choice(PLACES)} {rng.choice(VERBS)} {rng.choice(THINGS)} ({seed})"
    body = [" ".join(sentence(rng) for _ in range(sentences)) for _ in range(paragraphs)]
    return title, body


def article(
    path: str,
    title: str,
    body: list[str],
    *,
    index: int = 0,
    source: str | None = None,
    age: str | None = None,
) -> Article:
    """An Article as the reader would produce it (one line per paragraph)."""
    return Article(
        path=path,
        index=index,
        line=1,
        end_line=1 + len(body),
        title=title,
        body=tuple(body),
        kind="related" if source else "plain",
        source=source,
        age=age,
    )
