"""Grouping verified pairs: one group per story, without chaining different stories.

A wire story is reprinted in many versions (write-throughs, trims, edits), and two
reprints of one story need not verify as a pair: each verifies against a version in
between. So a group is a connected component of verified pairs, joined through those
in-between members, with the canonical article chosen by :mod:`dedup.engine.canonical`.

Chaining is held in check: a member that does not verify against the canonical joins
only through a member already in the group (its ``via``) and only when it still shares
a good part of its text with the canonical (``chain_containment``). What fails that
starts groups of its own: members are ranked once per component, and the best member
not yet grouped becomes the next canonical. A member is scored against each canonical
whose group reaches it, so grouping a component costs a number of scores bounded by
its verified pairs.

With ``strict`` (``grouping = "copies"``) a group holds only members that verify against
the canonical as copies; the rest form groups of their own the same way.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from dedup.result import PairScore


class UnionFind:
    """Disjoint sets over 0..n-1 with path halving and union by size."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))
        self.size = [1] * n

    def find(self, x: int) -> int:
        parent = self.parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        if self.size[ra] < self.size[rb]:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.size[ra] += self.size[rb]


def components(n: int, edges: Iterable[tuple[int, int]]) -> list[list[int]]:
    """Components with two or more members, each sorted, in order of their first member."""
    pairs = list(edges)
    nodes = sorted({x for pair in pairs for x in pair})  # articles in no edge stand alone
    local = {x: k for k, x in enumerate(nodes)}
    sets = UnionFind(len(nodes))
    for a, b in pairs:
        sets.union(local[a], local[b])
    found: dict[int, list[int]] = {}
    for k, x in enumerate(nodes):
        found.setdefault(sets.find(k), []).append(x)
    return sorted((m for m in found.values() if len(m) > 1), key=lambda m: m[0])


def component_order(pairs: Sequence[tuple[int, int]]) -> list[int]:
    """Positions of ``pairs`` reordered so the pairs of each connected component come
    together (components in order of their first pair): work done for one member of a
    component is then at hand for its other pairs."""
    ids: dict[int, int] = {}
    for a, b in pairs:
        ids.setdefault(a, len(ids))
        ids.setdefault(b, len(ids))
    sets = UnionFind(len(ids))
    for a, b in pairs:
        sets.union(ids[a], ids[b])
    roots = [sets.find(ids[a]) for a, _ in pairs]
    first: dict[int, int] = {}
    for k, root in enumerate(roots):
        first.setdefault(root, k)
    return sorted(range(len(pairs)), key=lambda k: (first[roots[k]], k))


@dataclass(frozen=True)
class Joined:
    """A member of a cluster: its score against the canonical, and, when it joined through
    another member rather than the canonical directly, that member and their link's score."""

    member: int
    score: PairScore
    via: int | None = None
    link: PairScore | None = None


@dataclass(frozen=True)
class Cluster:
    """A canonical member, the members joined to it, and why it is canonical."""

    canonical: int
    copies: tuple[Joined, ...]
    reason: str


#: Why one member is canonical rather than another (None: it stood alone).
Explain = Callable[[int, int | None], str]


class Scorer(Protocol):
    """The full score of a pair; with ``quick``, a pair sharing too few shingles for any
    rule may come back rejected on that alone (its containments set, nothing else)."""

    def __call__(self, a: int, b: int, *, quick: bool = False) -> PairScore: ...


@dataclass(frozen=True)
class Linkage:
    """How members join a group: ``strict`` keeps direct copies of the canonical only;
    otherwise a chained member must hold ``chain_containment`` of its text in common
    with the canonical (shingle containment, the larger direction)."""

    strict: bool = False
    chain_containment: float = 0.1


def group_component(
    order: Sequence[int],
    explain: Explain,
    neighbours: Mapping[int, Sequence[int]],
    score: Scorer,
    linkage: Linkage,
) -> list[Cluster]:
    """Groups inside one connected component of verified pairs (``neighbours``), its
    members given in ``order`` of preference as canonical.

    The best member not yet grouped becomes a canonical and its group grows from it,
    until every member has had its turn. A member is scored against each canonical whose
    group reaches it, so the scores are bounded by the component's pairs.
    """
    position = {m: k for k, m in enumerate(order)}
    done: set[int] = set()
    clusters: list[Cluster] = []
    for canonical in order:
        if canonical in done:
            continue
        done.add(canonical)
        joined = _join(canonical, done, neighbours, score, linkage)
        if joined:
            done.update(j.member for j in joined)
            runner = min((j.member for j in joined), key=position.__getitem__)
            clusters.append(Cluster(canonical, tuple(joined), explain(canonical, runner)))
    return sorted(clusters, key=lambda c: c.canonical)


def _join(
    canonical: int,
    done: set[int],
    neighbours: Mapping[int, Sequence[int]],
    score: Scorer,
    linkage: Linkage,
) -> list[Joined]:
    """Members joined to ``canonical``, walking verified pairs outward from it (nearest
    first) through members not yet grouped (``done``)."""
    accepted: dict[int, Joined] = {}
    direct: dict[int, PairScore] = {}
    queue = deque([canonical])
    while queue:
        parent = queue.popleft()
        for member in neighbours.get(parent, ()):
            if member in accepted or member in done:
                continue
            if member not in direct:  # a quick look first for members reached by a chain
                direct[member] = score(canonical, member, quick=parent != canonical)
            found = _admit(direct[member], parent == canonical, (parent, member), score, linkage)
            if found is not None and found.via is not None:  # the full score, for the report
                found = Joined(member, score(canonical, member), found.via, found.link)
            if found is not None:
                accepted[member] = found
                queue.append(member)
    return sorted(accepted.values(), key=lambda j: j.member)


def _admit(
    direct: PairScore,
    from_canonical: bool,
    pair: tuple[int, int],
    score: Scorer,
    linkage: Linkage,
) -> Joined | None:
    """How a member, reached from a member of the group (``pair``: that one, then it),
    joins the group; None when it does not. ``direct`` is its score against the canonical."""
    parent, member = pair
    if direct.is_copy and not (linkage.strict and direct.rule == "version"):
        return Joined(member, direct)
    if linkage.strict or from_canonical:
        return None
    if direct.containment < linkage.chain_containment:
        return None
    link = score(parent, member)
    return Joined(member, direct, parent, link) if link.is_copy else None
