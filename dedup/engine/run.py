"""The detection pipeline: prepare → exact → fingerprint → candidates → verify → group.

``find_duplicates`` is the library's entry point. It never prints; progress goes to an
injected callback. Results do not depend on input order: articles are sorted by
(path, index) first, seeds are fixed, and every tie is broken by that order.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol

from dedup.article import Article
from dedup.config import Config
from dedup.engine import canonical
from dedup.engine.group import (
    Cluster,
    Explain,
    Joined,
    Linkage,
    Scorer,
    components,
    group_component,
)
from dedup.engine.jobs import SignatureStore, compute_signatures, prepare_parallel, verify_parallel
from dedup.engine.signature import ANCHOR_THRESHOLD, SCHEME, band_layout, candidate_pairs
from dedup.engine.verify import Side, score_pair
from dedup.progress import ProgressCallback, no_progress
from dedup.result import Group, Match, Member, PairScore, Result, Stats
from dedup.text.prepare import Prepared, build_text, split_units
from dedup.text.shingles import ANCHOR_SHINGLES


class _Verifier:
    """Scores pairs of prepared articles, keeping the most recently used sides.

    Pairs arrive sorted, so an article's side is usually reused at once; the bound keeps
    memory flat however many articles take part in candidate pairs.
    """

    KEEP = 1024

    def __init__(self, prepared: Sequence[Prepared], config: Config) -> None:
        self.prepared = prepared
        self.config = config
        self.sides: OrderedDict[int, Side] = OrderedDict()

    def side(self, i: int) -> Side:
        found = self.sides.get(i)
        if found is None:
            found = self.sides[i] = Side.of(self.prepared[i], self.config)
            if len(self.sides) > self.KEEP:
                self.sides.popitem(last=False)
        else:
            self.sides.move_to_end(i)
        return found

    def __call__(self, a: int, b: int, *, quick: bool = False) -> PairScore:
        return score_pair(self.side(a), self.side(b), self.config, quick=quick)


def parameters(config: Config) -> dict[str, Any]:
    """The parameters in force, reported with every result."""
    bands, rows = band_layout(config.lsh_threshold, config.num_perm)
    anchor_bands, anchor_rows = band_layout(ANCHOR_THRESHOLD, config.num_perm)
    keys = (
        "shingle_size",
        "num_perm",
        "seed",
        "lsh_threshold",
        "similarity",
        "containment",
        "coverage",
        "min_words",
        "number_overlap",
        "boilerplate_min_docs",
        "grouping",
        "chain_containment",
    )
    return {
        **{k: getattr(config, k) for k in keys},
        "lsh_bands": bands,
        "lsh_rows": rows,
        "anchor_shingles": ANCHOR_SHINGLES,
        "anchor_threshold": ANCHOR_THRESHOLD,
        "anchor_bands": anchor_bands,
        "anchor_rows": anchor_rows,
        "minhash_scheme": SCHEME,
    }


def find_duplicates(
    articles: Iterable[Article],
    config: Config | None = None,
    *,
    progress: ProgressCallback | None = None,
    cache: SignatureStore | None = None,
) -> Result:
    """Every group of copies among ``articles``, each with its canonical article and scores."""
    config = config or Config()
    report = progress or no_progress
    lap = Laps()
    ordered = sorted(articles, key=lambda a: (a.path, a.index))
    prepared, boilerplate = prepare_parallel(ordered, config, report)
    lap("prepare")
    edges, reps = exact_edges(prepared)
    sigs, hits = compute_signatures([prepared[i] for i in reps], config, cache, report)
    lap("signatures")
    pairs = [(reps[i], reps[j]) for i, j in candidate_pairs(sigs, config.lsh_threshold).tolist()]
    lap("candidates")
    verifier = _Verifier(prepared, config)
    verified = _verify(pairs, prepared, config, report)
    lap("verify")
    words = [p.words for p in prepared]
    groups = group_edges(ordered, words, edges + verified, verifier, config)
    lap("group")
    stats = Stats(
        articles=len(ordered),
        exact_pairs=len(edges),
        candidate_pairs=len(pairs),
        verified_pairs=len(verified),
        boilerplate_lines=boilerplate,
        cache_hits=hits,
        seconds=lap.seconds,
    )
    return Result(tuple(groups), parameters(config), stats)


class Laps:
    """Seconds spent in each stage."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.last = time.perf_counter()

    def __call__(self, stage: str) -> None:
        now = time.perf_counter()
        self.seconds[stage] = round(now - self.last, 4)
        self.last = now


def exact_edges(prepared: Sequence[Prepared]) -> tuple[list[tuple[int, int]], list[int]]:
    """Edges joining identical comparison texts, and one representative per distinct text."""
    first: dict[bytes, int] = {}
    edges: list[tuple[int, int]] = []
    reps: list[int] = []
    for i, p in enumerate(prepared):
        if not p.digest:
            continue
        seen = first.setdefault(p.digest, i)
        if seen == i:
            reps.append(i)
        else:
            edges.append((seen, i))
    return edges, reps


def _verify(
    pairs: Sequence[tuple[int, int]],
    prepared: Sequence[Prepared],
    config: Config,
    report: ProgressCallback,
) -> list[tuple[int, int]]:
    """The candidate pairs that verify as copies, checked on all jobs."""
    texts = [(prepared[a], prepared[b]) for a, b in pairs]
    verdicts = verify_parallel(texts, config, report)
    return [pair for pair, copy in zip(pairs, verdicts, strict=True) if copy]


class Articles(Protocol):
    """Articles by position: a list, or a view that reads each one when asked."""

    def __len__(self) -> int: ...

    def __getitem__(self, index: int, /) -> Article: ...


def group_edges(
    articles: Articles,
    words: Sequence[int],
    edges: Sequence[tuple[int, int]],
    score: Scorer,
    config: Config,
    *,
    heads: Callable[[int], Article] | None = None,
) -> list[Group]:
    """Groups of copies from verified ``edges``, each member scored by ``score`` against its
    canonical. ``heads(i)`` gives the article the canonical rules see (default ``articles[i]``)."""
    view = heads or articles.__getitem__

    def rank(members: Sequence[int]) -> tuple[list[int], Explain]:
        ranking = canonical.rank([view(m) for m in members], [words[m] for m in members], config)
        local = {m: k for k, m in enumerate(members)}

        def explain(best: int, runner: int | None) -> str:
            return ranking.reason(local[best], None if runner is None else local[runner])

        return [members[k] for k in ranking.order], explain

    found = components(len(articles), edges)
    neighbours = adjacency(edges)
    ranked = {members[0]: rank(members) for members in found}
    prefetch = getattr(score, "prefetch", None)
    if prefetch is not None:  # a scorer that reads stored scores gets them in one go
        firsts = [ranked[members[0]][0] for members in found]
        prefetch([(order[0], m) for order in firsts for m in order[1:]])
    linkage = Linkage(config.grouping == "copies", config.chain_containment)
    clusters: list[Cluster] = []
    for members in found:
        order, explain = ranked.pop(members[0])
        clusters.extend(group_component(order, explain, neighbours, score, linkage))
    clusters.sort(key=lambda c: c.canonical)
    return [
        Group(
            id=number,
            canonical=articles[c.canonical],
            copies=tuple(_member(articles, j) for j in c.copies),
            reason=c.reason,
        )
        for number, c in enumerate(clusters, 1)
    ]


def adjacency(edges: Iterable[tuple[int, int]]) -> dict[int, list[int]]:
    """Each article's partners in ``edges``, sorted (so walks over them are deterministic)."""
    found: dict[int, set[int]] = {}
    for a, b in edges:
        found.setdefault(a, set()).add(b)
        found.setdefault(b, set()).add(a)
    return {k: sorted(v) for k, v in found.items()}


def _member(articles: Articles, joined: Joined) -> Member:
    via = None if joined.via is None else articles[joined.via]
    return Member(articles[joined.member], joined.score, via, joined.link)


def compare(a: Article, b: Article, config: Config | None = None) -> PairScore:
    """Score two articles on their own (junk patterns apply; corpus boilerplate does not)."""
    config = config or Config()
    left, right = (build_text(split_units(x, config), frozenset()) for x in (a, b))
    return score_pair(Side.of(left, config), Side.of(right, config), config)


def find_matches(
    targets: Sequence[Article],
    corpus: Iterable[Article],
    config: Config | None = None,
    *,
    progress: ProgressCallback | None = None,
    cache: SignatureStore | None = None,
) -> list[Match]:
    """Which ``targets`` copy each other or any article of ``corpus`` (for ``dedup check``)."""
    wanted = {(t.path, t.index) for t in targets}
    others = [a for a in corpus if (a.path, a.index) not in wanted]
    result = find_duplicates([*targets, *others], config, progress=progress, cache=cache)
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


__all__ = [
    "compare",
    "exact_edges",
    "find_duplicates",
    "find_matches",
    "group_edges",
    "parameters",
]
