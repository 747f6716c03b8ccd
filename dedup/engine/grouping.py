"""The group stage: verified pairs become groups, each with its canonical article.

Each connected component of the verified pairs is ranked by the canonical rules
(:mod:`dedup.engine.canonical`) and cut into groups (:func:`dedup.engine.group.group_component`).
The groups of a run are kept in the store by what they depend on, so a re-scan of the
same files with the same settings takes them from there.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import orjson

from dedup.article import Article
from dedup.engine import canonical
from dedup.engine.corpus import Corpus, digest
from dedup.engine.group import Cluster, Explain, Joined, Linkage, components, group_component
from dedup.engine.pairs import StoredScorer
from dedup.engine.records import article_fields, article_of
from dedup.result import Group, Member
from dedup.store.rows import score_fields, score_of
from dedup.store.scan import ScanStore
from dedup.text.prepare import Prepared

Edges = list[tuple[int, int]]


def group_corpus(
    corpus: Corpus, prepared: Sequence[Prepared], edges: Edges, store: ScanStore
) -> list[Group]:
    """Groups from the verified ``edges``, one or more per connected component. The groups
    of the very same files (same stat, same reading), edges and grouping rules are taken
    from the store, with the articles they report: a warm run reads no fields of them."""
    key = _clusters_key(corpus, edges)
    stored = _stored_groups(store, key, corpus)
    if stored is not None:
        return stored
    clusters = cluster_corpus(corpus, prepared, edges, store)
    articles = {i: corpus.article(i) for i in _reported(clusters)}
    store.put_memo("clusters", key, clusters_to_json(clusters, articles))
    return _groups(clusters, articles)


def _stored_groups(store: ScanStore, key: bytes, corpus: Corpus) -> list[Group] | None:
    found = store.get("clusters", [key]).get(key)
    if found is None:
        return None
    try:
        clusters, stored = clusters_from_json(found, corpus.path)
    except (ValueError, TypeError, KeyError):  # a row of another layout: work them out again
        return None
    if corpus.given is not None:  # articles handed in whole are reported whole
        stored = {i: corpus.article(i) for i in stored}
    return _groups(clusters, stored)


def _reported(clusters: Sequence[Cluster]) -> list[int]:
    """The articles ``clusters`` report: canonicals, copies and the copies they joined by."""
    found = [c.canonical for c in clusters]
    found += [k for c in clusters for j in c.copies for k in (j.member, j.via) if k is not None]
    return found


def _groups(clusters: Sequence[Cluster], articles: Mapping[int, Article]) -> list[Group]:
    return [
        Group(
            number, articles[c.canonical], tuple(_member(articles, j) for j in c.copies), c.reason
        )
        for number, c in enumerate(clusters, 1)
    ]


def cluster_corpus(
    corpus: Corpus, prepared: Sequence[Prepared], edges: Edges, store: ScanStore
) -> list[Cluster]:
    """The clusters of each connected component of ``edges``, in order of canonical, each
    member scored against its canonical (scores the store holds are not redone)."""
    config = corpus.config
    score = StoredScorer(corpus, prepared, store)
    found = components(len(corpus), edges)
    neighbours = adjacency(edges)
    ranked = {members[0]: _rank(corpus, prepared, members) for members in found}
    score.prefetch([(order[0], m) for order, _ in ranked.values() for m in order[1:]])
    linkage = Linkage(config.grouping == "copies", config.chain_containment)
    clusters: list[Cluster] = []
    for members in found:
        order, explain = ranked.pop(members[0])
        clusters.extend(group_component(order, explain, neighbours, score, linkage))
    score.save()
    return sorted(clusters, key=lambda c: c.canonical)


def _clusters_key(corpus: Corpus, edges: Edges) -> bytes:
    """What the groups depend on beyond the settings the store is kept by: the files read
    (learned boilerplate is keyed the same way), the edges and the grouping rules."""
    config = corpus.config
    rules = [config.grouping, config.chain_containment]
    rules += [config.preferred_sources, config.aggregators]
    joined = np.asarray(edges, dtype=np.int64).tobytes()
    return digest(b"\0".join((corpus.files_read(), joined, json.dumps(rules).encode())))


def _rank(
    corpus: Corpus, prepared: Sequence[Prepared], members: Sequence[int]
) -> tuple[list[int], Explain]:
    """A component's members in order of preference as canonical, and why."""
    heads = [corpus.head(m) for m in members]
    ranking = canonical.rank(heads, [prepared[m].words for m in members], corpus.config)
    local = {m: k for k, m in enumerate(members)}

    def explain(best: int, runner: int | None) -> str:
        return ranking.reason(local[best], None if runner is None else local[runner])

    return [members[k] for k in ranking.order], explain


def adjacency(edges: Iterable[tuple[int, int]]) -> dict[int, list[int]]:
    """Each article's partners in ``edges``, sorted (so walks over them are deterministic)."""
    found: dict[int, set[int]] = {}
    for a, b in edges:
        found.setdefault(a, set()).add(b)
        found.setdefault(b, set()).add(a)
    return {k: sorted(v) for k, v in found.items()}


def _member(articles: Mapping[int, Article], joined: Joined) -> Member:
    via = None if joined.via is None else articles[joined.via]
    return Member(articles[joined.member], joined.score, via, joined.link)


def clusters_to_json(clusters: Sequence[Cluster], articles: Mapping[int, Article]) -> str:
    """``clusters`` and the bodiless ``articles`` they report (but for their paths), as
    JSON that :func:`clusters_from_json` reads back exactly."""

    def joined(j: Joined) -> list[object]:
        link = None if j.link is None else score_fields(j.link)
        return [j.member, score_fields(j.score), j.via, link]

    found = [[c.canonical, c.reason, [joined(j) for j in c.copies]] for c in clusters]
    reported = [[i, *article_fields(a)] for i, a in articles.items()]
    return json.dumps({"clusters": found, "articles": reported}, ensure_ascii=False)


def clusters_from_json(
    text: str, path_of: Callable[[int], str]
) -> tuple[list[Cluster], dict[int, Article]]:
    """The clusters and articles :func:`clusters_to_json` wrote, each article with the
    path ``path_of`` gives it."""

    def joined(member: int, score: list[Any], via: int | None, link: list[Any] | None) -> Joined:
        return Joined(member, score_of(score), via, None if link is None else score_of(link))

    found = orjson.loads(text)
    clusters = [
        Cluster(canonical, tuple(joined(*j) for j in copies), reason)
        for canonical, reason, copies in found["clusters"]
    ]
    articles = {i: article_of(fields, path_of(i)) for i, *fields in found["articles"]}
    return clusters, articles
