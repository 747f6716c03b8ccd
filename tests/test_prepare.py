"""split_units and its junk matching give exactly what the plain, slower way gives."""

from __future__ import annotations

import dataclasses
import hashlib
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dedup.article import Article
from dedup.config import Config
from dedup.read.pagetext import reduce_page
from dedup.text.junk import junk_matcher
from dedup.text.normalize import fold, normalize, repair, split_sentences
from dedup.text.prepare import (
    _TERMINAL,
    SHORT_PARAGRAPH,
    _locate_units,
    build_text,
    reflow,
    split_many,
    split_units,
    unit_hash,
    units_from_lengths,
)
from dedup.text.spilled import build_spilled, cut_spilled

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
EXTRA = (r"said\s+on", r"(?i)REUTERS", r"the (company|bank)", r"billion$", r"^the", r"ha{2}")


def _reference(article: Article, config: Config) -> tuple[Any, ...]:
    """split_units the plain way: one paragraph, one pattern, one small array at a time."""
    matcher = junk_matcher(config.all_junk_patterns)
    paragraphs = reflow(article.body)
    title_line = article.title
    page = reduce_page(title_line, paragraphs)  # tested on its own in test_pagetext
    if page is not None:
        title_line, paragraphs = page
    folded = [fold(repair(p)) for p in paragraphs]
    units: list[str] = []
    junk: list[bool] = []
    for paragraph, unit in zip(paragraphs, folded, strict=True):
        if not unit:
            continue
        is_junk = matcher.hits(unit)
        if not is_junk or len(paragraph) <= SHORT_PARAGRAPH:
            units.append(unit)
            junk.append(is_junk)
            continue
        for sentence in filter(None, map(fold, split_sentences(repair(paragraph)))):
            units.append(sentence)
            junk.append(matcher.hits(sentence))
    kept = [u for u, j in zip(units, junk, strict=True) if not j]
    title = normalize(title_line)
    body = " ".join(kept)
    text = f"{title}\n{body}" if title else body
    digest = hashlib.blake2b(text.encode(), digest_size=16).digest() if body else b""
    words = body.count(" ") + 1 if body else 0
    hashes = [unit_hash(u) for u in kept]
    context = hashes[int(np.argmax([len(u) for u in kept]))] if kept else 0
    return (text, words, digest, len(units) - len(kept), kept, hashes, context)


def _got(article: Article, config: Config) -> tuple[Any, ...]:
    units = split_units(article, config)
    text, words, digest, dropped = dataclasses.astuple(units.prepared)
    located = _located(text, units.lengths)
    return (text, words, digest, dropped, located, units.hashes, units.context)


def _located(text: str, lengths: list[int]) -> list[str]:
    """The units of a comparison text as its unit lengths place them: after the title's
    line, one space apart."""
    at = text.find("\n") + 1
    found = []
    for length in lengths:
        found.append(text[at : at + length])
        at += length + 1
    assert at == len(text) + 1 or not lengths, "the units end where the text ends"
    return found


def _assert_same(article: Article, config: Config) -> None:
    want, got = _reference(article, config), _got(article, config)
    assert got == want
    assert all(type(x) is int for x in [*got[5], got[6]])


def _article(title: str, body: tuple[str, ...]) -> Article:
    return Article(path="a.jsonl", index=0, line=1, end_line=1, title=title, body=body)


LONG = "The council met on Tuesday to weigh the plan. " * 8
CASES = [
    ("Plain title", ("First paragraph here.", "Second one,", "continued in lower case.")),
    ("", ("Advertisement", "Sign in to access your portfolio", "Body text stays.")),
    ("Junk glued", (LONG + "Sign in to access your portfolio", "Photo: a caption")),
    (
        "“Curly” — title",
        ("“We’re ready,” she said — at £5.", "ASCII `tick` too", "caf\u00c3\u00a9"),
    ),
    ("Empties", ("\u200b", "  ", "Words", "\ufeff")),
    ("All junk", ("Advertisement", "Share")),
    ("Spaces", ("Two  spaces\tand tab", " lead and trail ", "line\nbreak inside")),
    ("Getty", ("Crowds gather - John Doe/Getty Images", "Pictured via getty images")),
    (
        "Captions inside",
        (
            "Crews worked through the night.",
            "A crew at work. John Smith via Getty Images",
            "Rain fell - Jo Bo/Reuters",
            "Officials expect more rain.",
        ),
    ),
    ("Nothing", ()),
    ("", ("Advertisement",) * 6 + (LONG, "0")),
]


@pytest.mark.parametrize(("title", "body"), CASES)
def test_split_units_matches_the_plain_way(title: str, body: tuple[str, ...]) -> None:
    _assert_same(_article(title, body), Config())
    _assert_same(_article(title, body), Config(extra_junk_patterns=EXTRA))


_PIECES = st.sampled_from(
    [
        "Advertisement",
        "Sign in to access your portfolio",
        "via getty images",
        " - Jo Bo/Reuters",
        "try the Times free for a month",
        "The bank said",
        "the company",
        "billion",
        "Haa",
        "caf\u00c3\u00a9",
        "“Quote”",
        "£5",
        "  ",
        "\t",
        "`",
        "said on",
        LONG,
        "lower case",
        "End.",
    ]
)
_PARAGRAPH = st.lists(_PIECES, max_size=5).map(" ".join) | st.text(max_size=20)


@SETTINGS
@given(st.text(max_size=20), st.lists(_PARAGRAPH, max_size=8))
def test_split_units_matches_the_plain_way_on_any_article(title: str, body: list[str]) -> None:
    _assert_same(_article(title, tuple(body)), Config())
    _assert_same(_article(title, tuple(body)), Config(extra_junk_patterns=EXTRA))


@SETTINGS
@given(st.lists(st.tuples(st.text(max_size=12), st.lists(_PARAGRAPH, max_size=6)), max_size=6))
def test_split_many_gives_each_article_what_the_plain_way_gives(
    articles: list[tuple[str, list[str]]],
) -> None:
    config = Config()
    given_ = [_article(title, tuple(body)) for title, body in articles]
    for article, units in zip(given_, split_many(given_, config), strict=True):
        want = _reference(article, config)
        text, words, digest, dropped = dataclasses.astuple(units.prepared)
        assert (text, words, digest, dropped) == want[:4]
        assert [_located(text, units.lengths), units.hashes, units.context] == list(want[4:])


def _plain_reflow(paragraphs: list[str]) -> list[str]:
    merged: list[str] = []
    for paragraph in paragraphs:
        text = paragraph.strip()
        if text and merged and text[0].islower() and not merged[-1].endswith(_TERMINAL):
            merged[-1] = f"{merged[-1]} {text}"
        elif text:
            merged.append(text)
    return merged


_LINE_ENDS = st.sampled_from(["", ".", "!", ":", "”", ")", " ", "a", "é", "1"])


@SETTINGS
@given(st.lists(st.tuples(st.sampled_from(["", " ", "a", "B", "é", "1", "“"]), _LINE_ENDS)))
def test_reflow_joins_lines_as_the_plain_way_does(pieces: list[tuple[str, str]]) -> None:
    paragraphs = [f"{start}x{end}" if start or end else "" for start, end in pieces]
    assert reflow(paragraphs) == _plain_reflow(paragraphs)


def test_a_text_of_many_continued_lines_is_one_paragraph() -> None:
    lines = ["the council met again and", "talked on into the night"] * 5000
    assert reflow(lines) == [" ".join(lines)]


def test_junk_flags_are_hits() -> None:
    matcher = junk_matcher(Config(extra_junk_patterns=EXTRA).all_junk_patterns)
    units = ["advertisement", "the bank said", "sign in to access your portfolio now", "x"]
    for floating in ((), matcher.floating):
        assert matcher.flags(units, floating) == [matcher.hits(u, floating) for u in units]


_LINES = st.lists(_PIECES, min_size=1, max_size=4).map(" ".join).map(fold)
_BOUND_PATTERNS = (r"storm(?! hits)", r"(?<!a )storm", r"\Astorm", r"storm\Z", r"(?-m:storm$)")


@SETTINGS
@given(st.lists(_LINES, min_size=1, max_size=6), st.sampled_from(["", *_BOUND_PATTERNS]))
def test_the_patterns_found_in_units_joined_hold_every_pattern_a_unit_matches(
    units: list[str], extra: str
) -> None:
    patterns = (*Config().all_junk_patterns, *(extra, "storm$", "^storm") * bool(extra))
    matcher = junk_matcher(patterns)
    units = [u for u in (*units, *(["storm"] if extra else [])) if u]
    found = matcher.floating_in("\n".join(units))
    for pattern in matcher.floating:
        if any(pattern.search(unit) for unit in units):
            assert pattern in found, pattern.pattern


_UNIT = st.text(alphabet=st.sampled_from("ab é€\U0001f600"), min_size=1, max_size=9)


@SETTINGS
@given(st.text(max_size=8), st.lists(_UNIT, max_size=8), st.data())
def test_texts_read_back_from_the_spill_are_cut_as_their_units_are(
    title: str, kept: list[str], data: st.DataObject
) -> None:
    units = _locate_units(normalize(title), kept, 1)
    hashes = units.hashes
    cut = frozenset(data.draw(st.lists(st.sampled_from(hashes), unique=True)) if hashes else [])
    text, lengths = units.prepared.text, [len(u) for u in kept]
    light = dataclasses.replace(units.prepared, text="")
    back = units_from_lengths(text, lengths, light, units.hashes, 0)
    want = build_text(back, cut)
    assert build_spilled(text, lengths, light, hashes, cut) == want
    assert cut_spilled(text, lengths, hashes, cut) == want.text
