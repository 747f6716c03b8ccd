"""Grouping verified pairs without chaining.

Connected components of the verified-pair graph are only a first cut: A~B and B~C can
join a C that is nothing like A. Inside each component the canonical article is chosen
by the rules in :mod:`dedup.canonical`, and only members that verify against *it* join
its group; the rest form groups of their own the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

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
    sets = UnionFind(n)
    for a, b in edges:
        sets.union(a, b)
    found: dict[int, list[int]] = {}
    for i in range(n):
        found.setdefault(sets.find(i), []).append(i)
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
class Cluster:
    """A canonical member, its verified copies with their scores, and why it is canonical."""

    canonical: int
    copies: tuple[tuple[int, PairScore], ...]
    reason: str


Chooser = Callable[[Sequence[int]], tuple[int, str]]
Scorer = Callable[[int, int], PairScore]


def split_component(members: Sequence[int], choose: Chooser, score: Scorer) -> list[Cluster]:
    """Groups inside one component, each verified member against its group's canonical."""
    clusters: list[Cluster] = []
    remaining = sorted(members)
    while len(remaining) > 1:
        canonical, reason = choose(remaining)
        copies: list[tuple[int, PairScore]] = []
        rest: list[int] = []
        for member in remaining:
            if member == canonical:
                continue
            pair = score(canonical, member)
            if pair.is_copy:
                copies.append((member, pair))
            else:
                rest.append(member)
        if copies:
            clusters.append(Cluster(canonical, tuple(copies), reason))
        remaining = rest
    return clusters
