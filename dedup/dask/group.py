"""The group stage of a Dask run, on the client: verified pairs into groups, by the local
engine's own code (:func:`dedup.engine.group.group_component`,
:func:`dedup.engine.canonical.rank`), over the components of :mod:`dedup.dask.graph`.

Only the articles that end up in a component are fetched from the work folder: their
fields (for the canonical rules and the report) and their comparison texts (for the
scores grouping asks for). Scores are taken as the local engine's scorer takes them: the
full score of every canonical-to-member pair grouping asks for first, kept by the two
texts' digests, and a quick look for a member reached through a chain.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from dedup.article import Article
from dedup.config import Config
from dedup.dask.graph import Graph
from dedup.engine import canonical
from dedup.engine.group import Cluster, Explain, Joined, Linkage, group_component
from dedup.engine.records import decode_fields
from dedup.engine.verify import Side, score_pair
from dedup.result import Group, Member, PairScore
from dedup.text.prepare import Prepared

#: Comparison sides kept at once, as :class:`dedup.engine.pairs.Sides` keeps them.
KEEP = 1024


@dataclass(frozen=True)
class Held:
    """What the client holds of one grouped article: its fields as encoded, the path its
    file was named by, and its comparison text."""

    fields: bytes
    path: str
    prepared: Prepared

    def head(self) -> Article:
        """The article with the openings the canonical rules read."""
        return decode_fields(self.fields, self.path, heads=True)


class HeldScorer:
    """Scores of pairs of held articles, as :class:`dedup.engine.pairs.StoredScorer` gives
    them: full scores kept by the two digests, the pairs in ``first`` always in full."""

    def __init__(self, held: dict[int, Held], config: Config) -> None:
        self.held = held
        self.config = config
        self.sides: dict[int, Side] = {}
        self.full: dict[bytes, PairScore] = {}
        self.first: set[bytes] = set()

    def key(self, a: int, b: int) -> bytes:
        return self.held[a].prepared.digest + self.held[b].prepared.digest

    def side(self, i: int) -> Side:
        """Article ``i``'s comparison side, kept while at most ``KEEP`` are (components
        are grouped one after the other)."""
        found = self.sides.get(i)
        if found is None:
            if len(self.sides) >= KEEP:
                self.sides.clear()
            found = self.sides[i] = Side.of(self.held[i].prepared, self.config)
        return found

    def __call__(self, a: int, b: int, *, quick: bool = False) -> PairScore:
        key = self.key(a, b)
        found = self.full.get(key)
        if found is not None:
            return found
        if quick and key not in self.first:  # a quick rejection is no full score: not kept
            return score_pair(self.side(a), self.side(b), self.config, quick=True)
        score = self.full[key] = score_pair(self.side(a), self.side(b), self.config)
        return score


def group_held(graph: Graph, held: dict[int, Held], config: Config) -> list[Group]:
    """Groups from the ``graph`` of exact and verified edges (every article in it is
    ``held``), numbered in order of their canonical article."""
    found = list(graph.components())
    neighbours = graph
    score = HeldScorer(held, config)
    heads = {i: h.head() for i, h in held.items()}
    ranked = {members[0]: _rank(heads, held, members, config) for members in found}
    score.first = {score.key(order[0], m) for order, _ in ranked.values() for m in order[1:]}
    linkage = Linkage(config.grouping == "copies", config.chain_containment)
    clusters: list[Cluster] = []
    for members in found:
        order, explain = ranked.pop(members[0])
        clusters.extend(group_component(order, explain, neighbours, score, linkage))
    clusters.sort(key=lambda c: c.canonical)

    def article(i: int) -> Article:
        return replace(heads[i], body=())

    def member(joined: Joined) -> Member:
        via = None if joined.via is None else article(joined.via)
        return Member(article(joined.member), joined.score, via, joined.link)

    return [
        Group(number, article(c.canonical), tuple(member(j) for j in c.copies), c.reason)
        for number, c in enumerate(clusters, 1)
    ]


def _rank(
    heads: dict[int, Article], held: dict[int, Held], members: Sequence[int], config: Config
) -> tuple[list[int], Explain]:
    """A component's members in order of preference as canonical, and why."""
    words = [held[m].prepared.words for m in members]
    ranking = canonical.rank([heads[m] for m in members], words, config)
    local = {m: k for k, m in enumerate(members)}

    def explain(best: int, runner: int | None) -> str:
        return ranking.reason(local[best], None if runner is None else local[runner])

    return [members[k] for k in ranking.order], explain
