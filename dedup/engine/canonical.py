"""Choosing the canonical article of a group, by stated rules, with the reason it won.

Rules, in order:
1. the origin: the outlet the texts themselves name in a dateline ("NEW DELHI (AP) —"),
   then any preferred (wire) source, then other outlets; aggregators come last;
2. the most complete clean copy (most words once junk and boilerplate are left out);
3. the earliest (largest age, where the dump gives one);
4. path order (path, then index in the file).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from dedup.article import Article
from dedup.config import Config

#: A dateline's "(" stands within this many characters of its paragraph's start.
DATELINE_OPENS = 81
_DATELINE = re.compile(
    rf"^[^\n]{{0,{DATELINE_OPENS - 1}}}?"
    r"\((AP|Reuters|AFP|Bloomberg|UPI|PA|dpa|Kyodo|Xinhua|ANSA|EFE|CNN|BBC)\)\s*[-—–:]"
)
_ALIASES = {
    "ap": "associated press",
    "the associated press": "associated press",
    "agence france-presse": "afp",
    "pa": "pa media",
    "press association": "pa media",
    "thomson reuters": "reuters",
}
_AGE = re.compile(r"(an?|one|\d+)\s+(second|minute|hour|day|week|month|year)s?\s+ago", re.I)
_MINUTES = {"second": 0, "minute": 1, "hour": 60, "day": 1440, "week": 10080, "month": 43200}
_MINUTES["year"] = 525600


def canonical_name(source: str) -> str:
    name = source.strip().casefold()
    return _ALIASES.get(name, name)


def dateline_origin(article: Article) -> str | None:
    """The outlet an article's first paragraph names as its origin, e.g. AP in "X (AP) —"."""
    return dateline_in(article.body)


def dateline_in(body: Sequence[str]) -> str | None:
    """:func:`dateline_origin` of an article with this body."""
    for paragraph in body[:2]:
        match = _DATELINE.match(paragraph.strip())
        if match:
            return canonical_name(match.group(1))
    return None


def age_minutes(age: str | None) -> int:
    """How long ago an article was published, in minutes; -1 when unknown."""
    match = _AGE.search(age or "")
    if not match:
        return -1
    count = 1 if match.group(1).lower() in {"a", "an", "one"} else int(match.group(1))
    return count * _MINUTES[match.group(2).lower()]


def group_origin(articles: Sequence[Article]) -> str | None:
    """The origin most members' datelines name, if any do."""
    named = Counter(o for o in map(dateline_origin, articles) if o)
    return min(named, key=lambda o: (-named[o], o)) if named else None


def _source_rank(article: Article, origin: str | None, config: Config) -> tuple[float, str]:
    source = canonical_name(article.source) if article.source else None
    preferred, aggregators = _source_lists(config.preferred_sources, config.aggregators)
    if source and source == origin:
        return 0, f"{article.source} is the origin the dateline names"
    if source in preferred:
        return 1 + preferred.index(source) / 100, f"{article.source} is a preferred source"
    if source and source not in aggregators:
        return 2, f"{article.source} is the outlet, not an aggregator"
    if source is None:
        return 3, "no source named"
    return 4, f"{article.source} is an aggregator"


@lru_cache(maxsize=8)
def _source_lists(
    preferred: tuple[str, ...], aggregators: tuple[str, ...]
) -> tuple[list[str], frozenset[str]]:
    """Preferred sources (in order) and aggregators, by canonical name."""
    return [canonical_name(s) for s in preferred], frozenset(map(canonical_name, aggregators))


@dataclass(frozen=True)
class Ranking:
    """Articles in order of preference as canonical, and why one beats another."""

    order: list[int]
    ranks: list[tuple[float, str]]
    articles: Sequence[Article]
    words: Sequence[int]

    def reason(self, best: int, runner: int | None) -> str:
        """Why ``best`` is canonical rather than ``runner`` (None: it stood alone)."""
        others = [] if runner is None else [runner]
        return _reason(best, others, self.ranks, self.articles, self.words)


def rank(articles: Sequence[Article], words: Sequence[int], config: Config) -> Ranking:
    """The order in which ``articles`` (one group's candidates) are preferred as canonical."""
    origin = group_origin(articles)
    ranks = [_source_rank(a, origin, config) for a in articles]

    def key(i: int) -> tuple[float, int, int, str, int]:
        a = articles[i]
        return (ranks[i][0], -words[i], -age_minutes(a.age), a.path, a.index)

    return Ranking(sorted(range(len(articles)), key=key), ranks, articles, words)


def choose(articles: Sequence[Article], words: Sequence[int], config: Config) -> tuple[int, str]:
    """Index (into ``articles``) of the canonical article and why it won."""
    ranking = rank(articles, words, config)
    best = ranking.order[0]
    runner = ranking.order[1] if len(ranking.order) > 1 else None
    return best, ranking.reason(best, runner)


def _reason(
    best: int,
    others: Sequence[int],
    ranks: Sequence[tuple[float, str]],
    articles: Sequence[Article],
    words: Sequence[int],
) -> str:
    if not others:
        return "only member"
    runner = others[0]
    if ranks[best][0] < ranks[runner][0]:
        return f"source: {ranks[best][1]}"
    if words[best] > words[runner]:
        return f"most complete copy ({words[best]} words vs {words[runner]})"
    if age_minutes(articles[best].age) > age_minutes(articles[runner].age):
        return f"earliest ({articles[best].age})"
    return "first in path order"
