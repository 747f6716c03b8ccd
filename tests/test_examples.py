"""``examples/`` against its answer key ``tests/fixtures/examples_labels.json``.

The key lists the groups of copies planted in the examples, the articles that must
stay apart (independent reports of one event, a follow-up, templated notices) and
the canonical article some groups should choose.
"""

from __future__ import annotations

import json
import os
import re
from functools import cache
from pathlib import Path

import pytest

from dedup.article import Article
from dedup.config import Config
from dedup.engine.run import find_duplicates
from dedup.read.files import read_articles
from dedup.result import Result

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
LABELS = Path(__file__).resolve().parent / "fixtures" / "examples_labels.json"
SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"


def load_labels() -> dict[str, list[list[str]]]:
    labels: dict[str, list[list[str]]] = json.loads(LABELS.read_text())
    return labels


def ref(article: Article) -> str:
    return f"{Path(os.path.relpath(article.path, EXAMPLES)).as_posix()}#{article.index}"


@cache
def read_examples() -> tuple[Article, ...]:
    return tuple(read_articles([str(EXAMPLES)], Config(cache=False)))


@cache
def run_examples() -> Result:
    return find_duplicates(read_examples(), Config(cache=False))


def predicted_groups() -> list[set[str]]:
    return [{ref(g.canonical), *(ref(m.article) for m in g.copies)} for g in run_examples().groups]


def test_labels_reference_each_article_once() -> None:
    labels = load_labels()
    grouped = [r for group in labels["groups"] for r in group]
    assert len(grouped) == len(set(grouped))
    assert all(len(group) >= 2 for group in labels["groups"])
    assert all(len(pair) == 2 for pair in labels["must_stay_apart"])
    assert set(labels["canonical"]) <= set(grouped)


def test_every_labelled_article_exists() -> None:
    labels = load_labels()
    found = {ref(a) for a in read_examples()}
    referenced = {r for group in labels["groups"] for r in group}
    referenced |= {r for pair in labels["must_stay_apart"] for r in pair}
    assert referenced - found == set()


def test_examples_hold_dumps_plain_files_jsonl_gzip_and_a_web_page() -> None:
    kinds = {a.kind for a in read_examples()}
    assert kinds == {"main", "related", "plain", "record"}
    assert any(a.path.endswith(".txt.gz") for a in read_examples())
    assert any(a.path.endswith(".html") for a in read_examples())
    assert 8 <= len(list((EXAMPLES / "dumps").iterdir())) <= 12


def test_find_duplicates_finds_exactly_the_labelled_groups() -> None:
    expected = {frozenset(group) for group in load_labels()["groups"]}
    predicted = {frozenset(group) for group in predicted_groups()}
    assert sorted(map(sorted, predicted - expected)) == [], "grouped but not labelled so"
    assert sorted(map(sorted, expected - predicted)) == [], "labelled but not found as one group"


@pytest.mark.parametrize("pair", load_labels()["must_stay_apart"], ids="|".join)
def test_must_stay_apart(pair: list[str]) -> None:
    a, b = pair
    merged = [sorted(group) for group in predicted_groups() if a in group and b in group]
    assert merged == [], f"{a} and {b} were grouped"


@pytest.mark.parametrize("canonical", load_labels()["canonical"])
def test_canonical_choice(canonical: str) -> None:
    by_member = {ref(m.article): ref(g.canonical) for g in run_examples().groups for m in g.copies}
    holder = next(g for g in load_labels()["groups"] if canonical in g)
    assert {by_member.get(r, r) for r in holder} == {canonical}


def _word_runs(text: str, size: int = 12) -> set[str]:
    words = re.findall(r"\w+", text.lower())
    return {" ".join(words[i : i + size]) for i in range(len(words) - size + 1)}


def test_examples_share_no_text_with_the_seeds() -> None:
    """No 12-word run in common (the shared junk line "The Associated Press Sign in…" is 9)."""
    if not SEEDS.is_dir():
        pytest.skip("../shared/seeds is not available")
    seeds = set().union(*(_word_runs(p.read_text("utf-8")) for p in SEEDS.glob("*.txt")))
    examples = set().union(*(_word_runs(a.text) for a in read_examples()))
    assert sorted(seeds & examples) == []
