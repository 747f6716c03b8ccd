"""What ``dedup check`` should find, worked out the slow way: one full run over everything.

The corpus index of ``check`` must agree with this on the cases the tests build.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from dedup.article import Article
from dedup.config import Config
from dedup.engine.run import find_duplicates
from dedup.result import Group, Match


def find_matches(
    targets: Sequence[Article],
    corpus: Iterable[Article],
    config: Config | None = None,
) -> list[Match]:
    """Which ``targets`` copy each other or any article of ``corpus`` (for ``dedup check``)."""
    wanted = {(t.path, t.index) for t in targets}
    others = [a for a in corpus if (a.path, a.index) not in wanted]
    result = find_duplicates([*targets, *others], config)
    matches: list[Match] = []
    for group in result.groups:
        joined = {(m.article.path, m.article.index): m for m in group.copies}
        for member in group.copies:
            if (member.article.path, member.article.index) in wanted:
                through = member.via or group.canonical
                matches.append(Match(member.article, through, member.link or member.score))
        canonical = group.canonical
        if (canonical.path, canonical.index) in wanted:
            original = _first_other(group, wanted)
            pair = {(canonical.path, canonical.index), (original.path, original.index)}
            if not any(
                {(m.article.path, m.article.index), (m.original.path, m.original.index)} == pair
                for m in matches
            ):
                score = joined[(original.path, original.index)].score
                matches.append(Match(canonical, original, score))
    return sorted(matches, key=lambda m: (m.article.path, m.article.index))


def _first_other(group: Group, wanted: set[tuple[str, int]]) -> Article:
    """The first member not being checked (else the first of all), preferring those that
    verify against the canonical directly."""
    others = [m for m in group.copies if (m.article.path, m.article.index) not in wanted]
    candidates = others or list(group.copies)
    direct = [m for m in candidates if m.via is None]
    return (direct or candidates)[0].article
