from __future__ import annotations

from newsgen import article, story

from dedup.canonical import age_minutes, choose, dateline_origin
from dedup.cluster import UnionFind, components, split_component
from dedup.config import Config
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


def _score(copy: bool) -> PairScore:
    return PairScore(1.0, 1.0, 1.0, 1.0, 1.0, 50, 50, "resemblance" if copy else None, "")


def test_component_is_split_around_its_canonical() -> None:
    # 0 is canonical; 1 copies 0; 2 copies 1 but not 0; 3 copies 2.
    similar = {(0, 1), (1, 2), (2, 3)}

    def score(a: int, b: int) -> PairScore:
        return _score((min(a, b), max(a, b)) in similar)

    clusters = split_component([3, 2, 1, 0], lambda m: (min(m), "first"), score)
    assert [(c.canonical, [i for i, _ in c.copies]) for c in clusters] == [(0, [1]), (2, [3])]
