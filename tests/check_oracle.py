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
        members = [group.canonical, *(m.article for m in group.copies)]
        joined = {(m.article.path, m.article.index): m for m in group.copies}
        for article in members:
            if (article.path, article.index) not in wanted:
                continue
            if article is group.canonical:
                original = _first_other(group, wanted) or group.copies[0].article
                matches.append(
                    Match(article, original, joined[(original.path, original.index)].score)
                )
            else:
                member = joined[(article.path, article.index)]
                through = member.via or group.canonical
                matches.append(Match(article, through, member.link or member.score))
    return sorted(matches, key=lambda m: (m.article.path, m.article.index))


def _first_other(group: Group, wanted: set[tuple[str, int]]) -> Article | None:
    """The first member not being checked, preferring those that verify against the
    canonical directly."""
    others = [m for m in group.copies if (m.article.path, m.article.index) not in wanted]
    direct = [m for m in others if m.via is None]
    return (direct or others)[0].article if others else None
