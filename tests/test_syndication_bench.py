"""The syndication benchmark's generator, on a tiny corpus of invented text."""

from __future__ import annotations

import itertools
import random
import sys
from pathlib import Path

import pytest

pytest.importorskip("datasketch")
pytest.importorskip("numpy")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from corpus_gen import SourceArticle
from syndication_corpus import (
    JACCARD_CAP,
    Corpus,
    Pools,
    build_corpus,
    jaccard,
    make_versions,
    max_cross,
    shingles,
)
from syndication_forms import FORMS, Labels, write_forms
from syndication_score import describe, evaluate, story_pair_jaccards
from syndication_sites import SITE_BY_NAME

from dedup.config import Config
from dedup.read.files import read_articles

COUNTS = {
    "news": 4,
    "same_event": 1,
    "background": 1,
    "templated": 1,
    "recurring": 1,
    "fillers": 2,
}
_SYLLABLES = ("ka", "lo", "mi", "ner", "tu", "vas", "po", "ril", "sen", "da", "gor", "phe")


def _word(rng: random.Random) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3)))


def _sentence(rng: random.Random) -> str:
    words = [_word(rng) for _ in range(rng.randint(10, 16))]
    words.insert(3, f"Mayor {_word(rng).capitalize()}")
    words.insert(6, str(rng.randint(3, 90)))
    text = " ".join(words).capitalize() + "."
    return f'"{text}"' if rng.random() < 0.3 else text


def _article(ident: str, category: str, paragraphs: int, rng: random.Random) -> SourceArticle:
    body = tuple(" ".join(_sentence(rng) for _ in range(2)) for _ in range(paragraphs))
    return SourceArticle(ident, _sentence(rng)[:50].rstrip("."), body, category)


def _pools(seed: int = 3) -> Pools:
    rng = random.Random(seed)
    news = [_article(f"n{i}", "cat", 7, rng) for i in range(COUNTS["news"])]
    donors = [_article(f"d{i}", "cat", 3, rng) for i in range(20)]
    others = [_article(f"o{i}", "cat", 5, rng) for i in range(12)]
    notices = [
        SourceArticle(
            f"t{i}",
            f"{_word(rng).upper()} CORP <{_word(rng)[:3].upper()}> SETS QUARTERLY",
            (f"Qtly div {i + 2} cts vs {i + 2} cts prior Pay April {i + 1} Record March {i + 9}",),
            "earn",
        )
        for i in range(6)
    ]
    reports = [
        SourceArticle(f"r{i}", "HARBOUR BANK ADDS RESERVES", (_sentence(rng), _sentence(rng)), "x")
        for i in range(4)
    ]
    return Pools(news, donors, others, [notices[k:] for k in range(6)], [reports])


def _corpus(seed: int = 3) -> Corpus:
    return build_corpus(_pools(seed), dict(COUNTS), random.Random(seed))


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[Corpus, Path, dict[str, Labels]]:
    corpus = _corpus()
    root = tmp_path_factory.mktemp("syndication")
    return corpus, root, write_forms(corpus, root, seed=3)


def test_versions_differ_but_overlap() -> None:
    pools = _pools()
    versions = make_versions(pools.news[0], pools.donors, 4, random.Random(5))
    assert len(versions) == 4
    texts = [shingles("\n".join((t, *p))) for t, p in versions]
    for before, after in itertools.pairwise(texts):
        assert 0.0 < jaccard(before, after) < 1.0


def test_corpus_is_deterministic() -> None:
    assert _corpus(3).pages == _corpus(3).pages
    assert _corpus(3).pages != _corpus(4).pages


def test_every_story_and_negative_type_is_made() -> None:
    corpus = _corpus()
    roles = {p.role for p in corpus.pages}
    assert {"reprint", "same_event", "background", "templated", "recurring", "filler"} <= roles
    reprinted = [p for s, p in corpus.stories().items() if s[0] in "str" and "/" not in s]
    assert len(reprinted) == 6
    assert all(len(pages) >= 2 for pages in reprinted)


def test_negatives_stay_under_the_cap() -> None:
    corpus = _corpus()
    stories = corpus.stories()
    negatives = [p for p in corpus.pages if p.negative_of]
    assert len(negatives) == 4
    for page in negatives:
        assert page.story != page.negative_of
        assert max_cross(stories[page.negative_of], page.text) <= JACCARD_CAP
    assert describe(corpus, story_pair_jaccards(corpus))["negative_max_jaccard"] <= JACCARD_CAP


def test_labels_cover_every_article_read(written: tuple[Corpus, Path, dict[str, Labels]]) -> None:
    _, root, labels = written
    for form in FORMS:
        folder = root / form
        keys = {
            f"{Path(a.path).relative_to(folder).as_posix()}#{a.index}"
            for a in read_articles([str(folder)], Config(cache=False))
        }
        assert set(labels[form].story_of) <= keys, form
        if form != "page":  # a page's comment thread may be read as more articles
            assert keys == set(labels[form].story_of), form


def test_forms_hold_the_same_pages(written: tuple[Corpus, Path, dict[str, Labels]]) -> None:
    corpus, _, labels = written
    ids = {p.id for p in corpus.pages}
    for form in FORMS:
        assert set(labels[form].page_of.values()) == ids, form
    assert len(labels["clean"].page_of) == len(labels["page"].page_of) == len(ids)


def test_pages_carry_their_sites_chrome(written: tuple[Corpus, Path, dict[str, Labels]]) -> None:
    corpus, root, labels = written
    pages = {p.id: p for p in corpus.pages}
    for key, page_id in labels["page"].page_of.items():
        text = (root / "page" / key.split("#")[0]).read_text(encoding="utf-8")
        site = SITE_BY_NAME[pages[page_id].site]
        lines = set(text.splitlines())
        assert set(site.nav) <= lines and set(site.footer) <= lines
        assert pages[page_id].block.paragraphs[0] in lines
        clean = (root / "clean" / _key_of(labels["clean"], page_id)).read_text(encoding="utf-8")
        assert site.footer[-1] not in clean


def _key_of(labels: Labels, page_id: str) -> str:
    return next(k for k, p in sorted(labels.page_of.items()) if p == page_id).split("#")[0]


def test_perfect_grouping_scores_one(written: tuple[Corpus, Path, dict[str, Labels]]) -> None:
    corpus, _, labels = written
    pages = {p.id: p for p in corpus.pages}
    truth = [g for g in labels["clean"].groups() if len(g) > 1]
    scores = evaluate(truth, labels["clean"], pages, story_pair_jaccards(corpus))
    assert scores["pairwise"]["f1"] == scores["bcubed"]["f1"] == 1.0
    assert all(merged == 0 for merged, _ in scores["false_merges"].values())
    assert sum(found for found, _ in scores["band_recall"]) == scores["pairwise"]["true_positives"]
