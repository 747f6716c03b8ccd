from __future__ import annotations

from newsgen import article, story

from dedup.config import Config
from dedup.engine.canonical import age_minutes, choose, dateline_origin
from dedup.engine.group import Cluster, Linkage, Scorer, UnionFind, components, group_component
from dedup.result import PairScore

TITLE, BODY = story(3)
DATELINED = [f"SALTMARSH (AP) — {BODY[0]}", *BODY[1:]]


def test_dateline_names_the_origin() -> None:
    assert dateline_origin(article("a", TITLE, DATELINED)) == "associated press"
    reuters = [f"LONDON (Reuters) - {BODY[0]}"]
    assert dateline_origin(article("a", TITLE, reuters)) == "reuters"
    assert dateline_origin(article("a", TITLE, BODY)) is None


def test_origin_named_in_dateline_beats_aggregator_and_length() -> None:
    members = [
        article("yahoo.txt", TITLE, DATELINED, source="Yahoo"),
        article("ap.txt", TITLE, DATELINED, source="Associated Press"),
    ]
    best, reason = choose(members, [400, 380], Config())
    assert members[best].path == "ap.txt"
    assert "origin" in reason


def test_preferred_sources_are_configurable() -> None:
    members = [
        article("a.txt", TITLE, BODY, source="Milbrook Gazette"),
        article("b.txt", TITLE, BODY, source="Harrowgate Herald"),
    ]
    config = Config(preferred_sources=("Harrowgate Herald",))
    best, reason = choose(members, [300, 300], config)
    assert members[best].path == "b.txt"
    assert "preferred" in reason


def test_most_complete_then_earliest_then_path_order() -> None:
    a = article("b.txt", TITLE, BODY, source="Gazette", age="2 hours ago")
    b = article("a.txt", TITLE, BODY, source="Herald", age="5 hours ago")
    best, reason = choose([a, b], [500, 300], Config())
    assert (best, reason.startswith("most complete")) == (0, True)
    best, reason = choose([a, b], [300, 300], Config())
    assert (best, reason) == (1, "earliest (5 hours ago)")
    c = article("c.txt", TITLE, BODY, source="Herald")
    d = article("a.txt", TITLE, BODY, source="Herald")
    assert choose([c, d], [300, 300], Config()) == (1, "first in path order")


def test_ages_in_minutes() -> None:
    assert age_minutes("an hour ago") == 60
    assert age_minutes("22 minutes ago") == 22
    assert age_minutes("3 days ago") == 3 * 1440
    assert age_minutes("yesterday at noon") == -1
    assert age_minutes(None) == -1


def test_components_and_union_find() -> None:
    sets = UnionFind(5)
    sets.union(0, 1)
    sets.union(3, 4)
    sets.union(1, 0)
    assert sets.find(1) == sets.find(0) != sets.find(3)
    assert components(6, [(4, 3), (0, 1), (1, 2)]) == [[0, 1, 2], [3, 4]]


def _score(copy: bool, containment: float = 1.0) -> PairScore:
    rule = "resemblance" if copy else None
    return PairScore(1.0, containment, containment, 1.0, 1.0, 50, 50, rule, "")


CHAIN = {(0, 1), (1, 2), (2, 3)}  # 0 is canonical; 1 copies 0; 2 copies 1; 3 copies 2
NEIGHBOURS = {0: [1], 1: [0, 2], 2: [1, 3], 3: [2]}


def _explain(best: int, runner: int | None) -> str:
    return f"{best} before {runner}"


def _chain_score(far: set[int]) -> Scorer:
    """Scores of the chain: members in ``far`` share little text with member 0."""

    def score(a: int, b: int, *, quick: bool = False) -> PairScore:
        pair = (min(a, b), max(a, b))
        distant = 0 in pair and (a in far or b in far)
        return _score(pair in CHAIN, 0.05 if distant else 0.5)

    return score


def _shape(clusters: list[Cluster]) -> list[tuple[int, list[tuple[int, int | None]]]]:
    return [(c.canonical, [(j.member, j.via) for j in c.copies]) for c in clusters]


def test_a_story_group_holds_the_whole_chain_each_member_saying_through_whom() -> None:
    clusters = group_component([0, 1, 2, 3], _explain, NEIGHBOURS, _chain_score(set()), Linkage())
    assert _shape(clusters) == [(0, [(1, None), (2, 1), (3, 2)])]
    assert clusters[0].reason == "0 before 1"


def test_a_chained_member_sharing_too_little_with_the_canonical_starts_its_own_group() -> None:
    score = _chain_score({3})
    clusters = group_component([0, 1, 2, 3], _explain, NEIGHBOURS, score, Linkage())
    assert _shape(clusters) == [(0, [(1, None), (2, 1)])]
    score = _chain_score({2, 3})
    clusters = group_component([0, 1, 2, 3], _explain, NEIGHBOURS, score, Linkage())
    assert _shape(clusters) == [(0, [(1, None)]), (2, [(3, None)])]


def test_strict_groups_hold_only_copies_of_their_canonical() -> None:
    strict = Linkage(strict=True)
    clusters = group_component([0, 1, 2, 3], _explain, NEIGHBOURS, _chain_score(set()), strict)
    assert _shape(clusters) == [(0, [(1, None)]), (2, [(3, None)])]


def test_the_next_canonical_is_the_best_member_left() -> None:
    """Ranked 3, 0, 1, 2, members two apart sharing little: 3 takes 2; 0 then takes 1."""

    def score(a: int, b: int, *, quick: bool = False) -> PairScore:
        return _score(abs(a - b) == 1, 0.5 if abs(a - b) == 1 else 0.05)

    clusters = group_component([3, 0, 1, 2], _explain, NEIGHBOURS, score, Linkage())
    assert _shape(clusters) == [(0, [(1, None)]), (3, [(2, None)])]


def test_a_long_chain_of_members_is_grouped_with_scores_linear_in_its_pairs() -> None:
    """A path of 2,000 members that each share little with the far ones: many groups, and
    no member is scored against more canonicals than it has partners."""
    n = 2000
    neighbours = {m: [k for k in (m - 1, m + 1) if 0 <= k < n] for m in range(n)}
    calls: list[tuple[int, int]] = []

    def score(a: int, b: int, *, quick: bool = False) -> PairScore:
        calls.append((a, b))
        near = abs(a - b) == 1
        return _score(near, 0.5 if abs(a - b) <= 3 else 0.0)

    clusters = group_component(list(range(n)), _explain, neighbours, score, Linkage())
    assert sum(len(c.copies) + 1 for c in clusters) == n
    assert len(calls) <= 4 * n


def test_grouping_scores_each_member_against_its_canonical_once() -> None:
    """A star of 300 copies around one article costs 300 scores, not 300 squared."""
    members = list(range(301))
    neighbours = {0: members[1:], **{m: [0] for m in members[1:]}}
    calls: list[tuple[int, int]] = []

    def score(a: int, b: int, *, quick: bool = False) -> PairScore:
        calls.append((a, b))
        return _score(True)

    clusters = group_component(members, _explain, neighbours, score, Linkage())
    assert len(clusters) == 1 and len(clusters[0].copies) == 300
    assert len(calls) == 300
