"""Properties of find_duplicates a user relies on: determinism, parallel equality, caching."""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pytest
from check_oracle import find_matches
from hypothesis import given, settings
from hypothesis import strategies as st
from newsgen import article, story

from dedup.article import Article
from dedup.config import Config
from dedup.engine.run import find_duplicates
from dedup.read.files import read_articles
from dedup.result import Result
from dedup.tuning import Tuning


def corpus(stories: int = 30) -> list[Article]:
    """Distinct stories, every third one copied (trimmed) and every fifth one exactly."""
    articles = []
    for seed in range(stories):
        title, body = story(seed, paragraphs=6)
        articles.append(article(f"s{seed:02}.txt", title, body))
        if seed % 3 == 0:
            articles.append(article(f"t{seed:02}.txt", title, body[:4]))
        if seed % 5 == 0:
            articles.append(article(f"x{seed:02}.txt", title, body, source="Yahoo"))
    return articles


def summary(result: Result) -> list[tuple[str, tuple[str, ...], tuple[str | None, ...]]]:
    return [
        (
            g.canonical.ref,
            tuple(m.article.ref for m in g.copies),
            tuple(m.score.rule for m in g.copies),
        )
        for g in result.groups
    ]


def test_finds_the_planted_groups() -> None:
    result = find_duplicates(corpus())
    expected = {f"s{seed:02}.txt" for seed in range(30) if seed % 3 == 0 or seed % 5 == 0}
    assert {g.canonical.path for g in result.groups} == expected
    assert result.copies == 10 + 6


def test_result_does_not_depend_on_input_order() -> None:
    articles = corpus()
    expected = summary(find_duplicates(articles))
    for seed in range(3):
        shuffled = articles[:]
        random.Random(seed).shuffle(shuffled)
        assert summary(find_duplicates(shuffled)) == expected


def test_parallel_run_equals_single_job() -> None:
    # Tiny work sizes, so that every stage cuts its work up and two jobs really run.
    tuning = Tuning(
        parallel_min=0, chunk=7, part_bytes=2000, set_chunk=5, pair_parallel_min=0, pair_chunk=3
    )
    articles = corpus()
    single = find_duplicates(articles, Config(jobs=1, tuning=tuning))
    double = find_duplicates(articles, Config(jobs=2, tuning=tuning))
    assert summary(single) == summary(double)


class DictStore:
    """A signature store in memory, standing in for the SQLite cache."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, bytes], np.ndarray] = {}

    def get_many(self, params: str, keys: Sequence[bytes]) -> dict[bytes, np.ndarray]:
        return {k: self.rows[(params, k)] for k in keys if (params, k) in self.rows}

    def put_many(self, params: str, items: Iterable[tuple[bytes, np.ndarray]]) -> None:
        self.rows.update({(params, k): v for k, v in items})


def test_warm_cache_reads_signatures_and_gives_the_same_result() -> None:
    store, articles = DictStore(), corpus()
    cold = find_duplicates(articles, cache=store)
    warm = find_duplicates(articles, cache=store)
    assert cold.stats.cache_hits == 0
    assert warm.stats.cache_hits == len(store.rows) > 0
    assert summary(cold) == summary(warm)
    other = find_duplicates(articles, Config(shingle_size=4), cache=store)
    assert other.stats.cache_hits == 0  # other parameters never reuse these signatures


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(0, 10_000), min_size=1, max_size=4, unique=True), st.integers(2, 4))
def test_identical_texts_always_group(seeds: list[int], copies: int) -> None:
    articles = []
    for seed in seeds:
        title, body = story(seed, paragraphs=2, sentences=2)
        articles += [article(f"{seed}-{n}.txt", title, body) for n in range(copies)]
    result = find_duplicates(articles)
    assert len(result.groups) == len(seeds)
    assert all(len(g.copies) == copies - 1 for g in result.groups)


def test_find_matches_reports_targets_that_copy_the_corpus() -> None:
    articles = corpus(10)
    title, body = story(4, paragraphs=6)
    new_copy = article("new/copy.txt", title, body[:5])
    new_story = article("new/fresh.txt", *story(99, paragraphs=6))
    matches = find_matches([new_copy, new_story], articles)
    assert [(m.article.path, m.original.path) for m in matches] == [("new/copy.txt", "s04.txt")]


def test_seeds_group_only_the_syndicated_ap_story(seed_paths: list[Path]) -> None:
    articles = list(read_articles([str(p) for p in seed_paths], Config()))
    result = find_duplicates(articles)
    assert len(result.groups) == 1
    (group,) = result.groups
    assert group.canonical.source == "Associated Press"
    assert [m.article.source for m in group.copies] == ["Yahoo"]
    mains = [a for a in articles if a.kind == "main"]
    assert len(mains) == 2
    grouped = {group.canonical.ref, group.copies[0].article.ref}
    assert not grouped & {a.ref for a in mains}


def test_stored_cuts_come_back_as_they_were_even_a_text_left_without_a_body() -> None:
    from dedup.engine.boilerplate import Cuts

    made = {3: (b"a" * 16, 40, 1), 7: (b"", 0, 5), 9: (b"b" * 16, 12, 0)}
    stored = Cuts.of(made).to_json()
    back = Cuts.from_json([3, 7, 9], stored)
    assert {i: (back[i].digest, back[i].words, back[i].dropped) for i in back} == made
    with pytest.raises(ValueError, match="do not fit"):
        Cuts.from_json([3, 7], stored)


def test_boilerplate_cut_on_workers_gives_each_texts_own_cut(tmp_path: Path) -> None:
    """Texts that hold learned boilerplate are cut on all jobs: each cut text's digest,
    words and dropped units are those of the text cut in the parent."""
    from dedup.engine.boilerplate import cut_texts
    from dedup.engine.load import load_articles
    from dedup.engine.spill import Spill
    from dedup.store.scan import ScanStore
    from dedup.text.normalize import normalize
    from dedup.text.prepare import unit_hash

    notice = "The Glenholm Echo is published every Thursday by the Glenholm Press Company."
    articles = []
    for seed in range(40):
        title, body = story(seed)
        extra = (notice,) if seed % 4 else ()
        articles.append(Article(f"{seed % 3}.txt", seed, 1, 9, title, (*body, *extra), "record"))
    tuning = Tuning(parallel_min=0, chunk=7)
    config = Config(jobs=2, tuning=tuning)
    with Spill(str(tmp_path)) as spill, ScanStore(None, "test") as store:
        corpus = load_articles(articles, config, spill)
        corpus.boilerplate = frozenset({unit_hash(normalize(notice))})
        cut = cut_texts(corpus, store)
        expected = [corpus.full(i) for i in range(len(corpus))]
        # What signing reads: the text alone, the same with the boilerplate cut out.
        assert [corpus.text(i) for i in range(len(corpus))] == [p.text for p in expected]
    assert len(cut.cut) == 30
    for i, p in enumerate(expected):
        assert (cut[i].digest, cut[i].words, cut[i].dropped) == (p.digest, p.words, p.dropped)
