"""How redundant a corpus is, from a scan's result: the figures of ``dedup scan --stats``.

Every figure comes from the :class:`~dedup.result.Result` alone: the articles and words
the run compared (``Result.stats``), and its groups. Words are those of the comparison
texts (page junk and boilerplate left out), the count the canonical choice weighs.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any, get_args

from dedup.result import SCHEMA_VERSION, Group, Result, Rule

#: How many of the largest groups the figures list.
TOP_GROUPS = 10
#: Every rule, in the order the figures list them (a rule no copy matched counts 0).
RULES: tuple[str, ...] = get_args(Rule)


@dataclass(frozen=True)
class SourceTally:
    """How many groups a source's article is canonical of, and how many copies it has."""

    source: str | None
    canonicals: int
    copies: int

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "canonicals": self.canonicals, "copies": self.copies}


@dataclass(frozen=True)
class Redundancy:
    """The share of a corpus that copies of other articles take up, and where it lies."""

    articles: int
    groups: int
    copies: int
    words: int
    copy_words: int
    rules: tuple[tuple[str, int], ...]
    sources: tuple[SourceTally, ...]
    top_groups: tuple[Group, ...]

    @property
    def article_share(self) -> float:
        """Copies over articles: the share of articles a collapse would drop."""
        return self.copies / self.articles if self.articles else 0.0

    @property
    def word_share(self) -> float:
        """Words of the copies over the words of every article."""
        return self.copy_words / self.words if self.words else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "articles": self.articles,
            "groups": self.groups,
            "copies": self.copies,
            "words": self.words,
            "copy_words": self.copy_words,
            "redundant": {
                "articles": round(self.article_share, 4),
                "words": round(self.word_share, 4),
            },
            "rules": dict(self.rules),
            "sources": [tally.to_dict() for tally in self.sources],
            "top_groups": [top_group(group) for group in self.top_groups],
        }


def top_group(group: Group) -> dict[str, Any]:
    """A group as the figures list it: its number, size and canonical article."""
    canonical = group.canonical
    return {
        "group": group.id,
        "size": group.size,
        "canonical": {
            "ref": canonical.ref,
            "location": canonical.location,
            "source": canonical.source,
            "title": canonical.title,
        },
    }


def measure_redundancy(result: Result, *, top: int = TOP_GROUPS) -> Redundancy:
    """The figures of ``result``: totals, shares, copies per rule and per source, and the
    ``top`` largest groups (ties in group order)."""
    members = [member for group in result.groups for member in group.copies]
    rules: Counter[str | None] = Counter(member.rule for member in members)
    largest = sorted(result.groups, key=lambda group: (-group.size, group.id))[:top]
    return Redundancy(
        articles=result.stats.articles,
        groups=len(result.groups),
        copies=len(members),
        words=result.stats.words,
        copy_words=sum(member.score.words_b for member in members),
        rules=tuple((rule, rules[rule]) for rule in RULES),
        sources=tally_sources(result),
        top_groups=tuple(largest),
    )


def tally_sources(result: Result) -> tuple[SourceTally, ...]:
    """Canonical articles and copies per source, most copies first, then by name (articles
    without a source under None, last among equals)."""
    canonicals = Counter(group.canonical.source for group in result.groups)
    copies = Counter(m.article.source for group in result.groups for m in group.copies)
    tallies = [SourceTally(s, canonicals[s], copies[s]) for s in {*canonicals, *copies}]
    return tuple(
        sorted(tallies, key=lambda t: (-t.copies, -t.canonicals, t.source is None, t.source or ""))
    )
