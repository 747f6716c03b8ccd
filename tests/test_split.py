"""The dump splitter: the real seeds (when present), their variants, invented dumps."""

from __future__ import annotations

import gzip
import re
import textwrap
from collections.abc import Callable
from itertools import combinations
from pathlib import Path

import pytest
from conftest import DUMPS, build_dump

from dedup.article import Article
from dedup.config import Config
from dedup.read import markers
from dedup.read.files import read_file
from dedup.read.paragraphs import assemble_paragraphs
from dedup.read.split import fold, is_age, split_dump, split_lines

CHROME = {fold(m) for m in markers.CHROME_MARKERS}


def shape(articles: list[Article]) -> list[tuple[int, str, str | None, str]]:
    """What must not change when a dump is edited: the cut, the sources, the titles."""
    return [(a.index, a.kind, a.source, fold(a.title)) for a in articles]


def assert_no_chrome(articles: list[Article]) -> None:
    for article in articles:
        for text in (article.title, *article.body):
            assert fold(text) not in CHROME, (article.ref, text)
            assert not fold(text).startswith("explore what daily8"), (article.ref, text)
            assert "Try Our AI Features" not in text


# --- the real seeds -------------------------------------------------------------------


def seed(seed_paths: list[Path], prefix: str) -> tuple[Path, str]:
    path = next((p for p in seed_paths if p.name.startswith(prefix)), None)
    if path is None:
        pytest.skip(f"no seed {prefix}_*")
    return path, path.read_text(encoding="utf-8")


def test_seed_000_gives_main_and_three_al_jazeera_articles(seed_paths: list[Path]) -> None:
    path, text = seed(seed_paths, "000")
    articles = split_dump(text, str(path))
    assert [a.kind for a in articles] == ["main", "related", "related", "related"]
    assert [a.index for a in articles] == [0, 1, 2, 3]
    assert [a.source for a in articles[1:]] == ["Al Jazeera"] * 3
    assert all(a.age and a.age.endswith("ago") for a in articles[1:])
    assert_no_chrome(articles)


def test_seed_001_gives_yahoo_ap_and_fox_related(seed_paths: list[Path]) -> None:
    path, text = seed(seed_paths, "001")
    articles = split_dump(text, str(path))
    assert [a.kind for a in articles] == ["main", "related", "related", "related"]
    assert [a.source for a in articles[1:]] == ["Yahoo", "Associated Press", "Fox News"]
    # Both copies of the wire story carry its dateline.
    assert [dict(a.extra).get("dateline") for a in articles[1:3]] == ["Associated Press"] * 2
    assert_no_chrome(articles)


def test_seed_line_spans_point_at_the_right_lines(seed_paths: list[Path]) -> None:
    for path in seed_paths:
        lines = path.read_text(encoding="utf-8").splitlines()
        articles = split_dump("\n".join(lines), str(path))
        for article in articles:
            first = lines[article.line - 1].strip()
            assert first == (article.title if article.kind == "main" else article.source)
            assert lines[article.end_line - 1].strip() in article.body[-1]
        ends = [a.end_line for a in articles]
        starts = [a.line for a in articles]
        assert all(end < start for end, start in zip(ends[:-1], starts[1:], strict=True))


def _drop_lines(pattern: str) -> Callable[[str], str]:
    regex = re.compile(pattern)
    return lambda text: "\n".join(x for x in text.split("\n") if not regex.match(x))


def _cut_last_body(text: str) -> str:
    lines = text.rstrip("\n").split("\n")
    lines[-1] = lines[-1][: len(lines[-1]) // 3]
    return "\n".join(lines)


#: Edits a user's tools make to a dump. None of them may change how it is cut.
VARIANTS: dict[str, Callable[[str], str]] = {
    "crlf": lambda t: t.replace("\n", "\r\n"),
    "cr": lambda t: t.replace("\n", "\r"),
    "bom": lambda t: "\ufeff" + t,
    "no_blank_lines": _drop_lines(r"^\s*$"),
    "extra_blank_lines": lambda t: t.replace("\n\n", "\n\n\n\n"),
    "blank_line_everywhere": lambda t: t.replace("\n", "\n\n"),
    "no_dash_source": _drop_lines(r"^- "),
    "no_age": _drop_lines(r"^(\d+|an?) \w+ ago$"),
    "body_cut_off": _cut_last_body,
    "trailing_whitespace": lambda t: t.replace("\n", "  \t\n"),
    "leading_blank_lines": lambda t: "\n\n\n" + t,
    "no_final_newline": lambda t: t.rstrip("\n"),
    "straight_quotes": lambda t: t.translate(str.maketrans("‘’“”", "''\"\"")),
}

#: Applied after the others, which work on LF-separated lines.
LINE_END_EDITS = {"crlf", "cr", "bom"}
COMBINABLE = ["crlf", "bom", "no_blank_lines", "no_dash_source", "no_age", "body_cut_off"]
CASES = [(name,) for name in VARIANTS] + list(combinations(COMBINABLE, 2))


@pytest.mark.parametrize("edits", CASES, ids=["+".join(case) for case in CASES])
def test_seed_variants_split_the_same(seed_paths: list[Path], edits: tuple[str, ...]) -> None:
    for path in seed_paths:
        text = path.read_text(encoding="utf-8")
        expected = split_dump(text, "x")
        for edit in sorted(edits, key=lambda name: name in LINE_END_EDITS):
            text = VARIANTS[edit](text)
        got = split_dump(text, "x")
        assert shape(got) == shape(expected), edits
        assert_no_chrome(got)
        if "no_age" in edits:
            assert all(a.age is None for a in got[1:])
        if "body_cut_off" not in edits:
            assert [a.word_count for a in got] == [a.word_count for a in expected]


def test_gzipped_seed_reads_like_the_original(
    seed_paths: list[Path], write_file: Callable[..., Path]
) -> None:
    for path in seed_paths:
        packed = write_file(path.name + ".gz", gzip.compress(path.read_bytes()))
        expected = split_dump(path.read_text(encoding="utf-8"), "x")
        got = list(read_file(str(packed), Config(), lambda error: None))
        assert shape(got) == shape(expected)
        assert [a.body for a in got] == [a.body for a in expected]


# --- invented dumps ---------------------------------------------------------------------


def split_fixture(name: str, config: Config | None = None) -> list[Article]:
    return split_dump((DUMPS / name).read_text(encoding="utf-8"), name, config)


def test_standard_dump() -> None:
    articles = split_fixture("standard.txt")
    assert [(a.kind, a.source, a.age, a.line, a.end_line) for a in articles] == [
        ("main", None, None, 1, 6),
        ("related", "Coastline Herald", "3 hours ago", 16, 20),
        ("related", "Associated Press", "45 minutes ago", 23, 27),
        ("related", "Valley Courier", "yesterday", 30, 34),
    ]
    main = articles[0]
    assert main.title == "Harbour city opens its first night market in forty years"
    assert len(main.body) == 5  # one paragraph per line, the photo caption included
    assert articles[2].title == "Rail strike called off after overnight talks"
    assert articles[2].body[0].startswith("BRESLAND (AP) —")
    assert_no_chrome(articles)


def test_missing_age_dash_blank_lines_and_cut_off_bodies() -> None:
    articles = split_fixture("tolerant.txt")
    assert [(a.source, a.age, a.line, a.end_line) for a in articles[1:]] == [
        ("Northern Post", "2 hours ago", 9, 12),  # no "- source" line, no blank line after
        ("Weekly Ledger", None, 13, 17),  # no age line, body on two lines
        ("The Daily Compass", "just now", 21, 25),  # after extra blank lines, body cut off
        ("Island Times", "6 hours ago", 26, 29),  # headline only
    ]
    assert articles[2].body == (
        "The national pension fund has sold its entire stake in a coal shipping company, "
        "the fund said on Tuesday, citing climate commitments it made last year.",
        "The sale was worth about 40 million euros, according to people familiar with the deal.",
    )
    assert articles[3].body == (
        "Forecasters issued a storm warning for the western fjords on Wednesday and advised",
    )
    assert articles[4].title == "Island school wins national chess title"
    assert articles[4].body == ()


def test_long_paragraph_starting_like_chrome_is_text() -> None:
    main = split_fixture("tolerant.txt")[0]
    assert main.body[-1].startswith("Comments by the harbour master")


def test_dump_without_related_section() -> None:
    articles = split_fixture("no_related.txt")
    assert [(a.kind, a.title) for a in articles] == [
        ("main", "Volunteers restore a century-old lighthouse lens")
    ]
    assert (articles[0].line, articles[0].end_line) == (2, 4)


def test_related_section_with_no_blocks() -> None:
    articles = split_fixture("empty_related.txt")
    assert [(a.kind, a.line, a.end_line) for a in articles] == [("main", 1, 2)]


def test_non_english_dump_with_mojibake_and_curly_quotes() -> None:
    articles = split_fixture("foreign.txt")
    assert [(a.source, a.age) for a in articles] == [
        (None, None),
        ("Le Courrier du Lac", "il y a 3 heures"),
        ("Nordischer Bote", "4 hours ago"),
    ]
    assert articles[0].title == "«Kein Wunder»: Stadtrat streitet über neue Brücke"
    assert "Ã„rger" in articles[0].body[-1]


def test_hard_wrapped_paragraphs_are_joined() -> None:
    (article,) = split_fixture("wrapped.txt")
    assert article.kind == "plain"
    assert len(article.body) == 3
    assert article.body[0].startswith("The ministry of fisheries cut next year's cod quota")
    assert "northern sea by eleven percent" in article.body[0]
    assert article.body[2] == "The ministry said it would review the quota again in the spring."


def rewrap(text: str, width: int) -> str:
    """The dump as a hard-wrapping tool leaves it: every paragraph (a line of more than
    60 characters) wrapped at ``width`` and followed by a blank line."""
    out = []
    for line in text.split("\n"):
        out.append(textwrap.fill(line, width) + "\n" if len(line) > 60 else line)
    return "\n".join(out)


@pytest.mark.parametrize("width", [40, 60, 72, 79, 100])
def test_hard_wrapped_dump_gives_the_same_articles(width: int) -> None:
    text = (DUMPS / "standard.txt").read_text(encoding="utf-8")
    expected = split_dump(text, "x")
    got = split_dump(rewrap(text, width), "x")
    assert [(a.kind, a.source, a.title, a.body) for a in got] == [
        (a.kind, a.source, a.title, a.body) for a in expected
    ]


@pytest.mark.parametrize("width", [60, 78])
def test_hard_wrapped_seeds_give_the_same_articles(seed_paths: list[Path], width: int) -> None:
    for path in seed_paths:
        text = path.read_text(encoding="utf-8")
        expected = split_dump(text, "x")
        got = split_dump(rewrap(text, width), "x")
        assert shape(got) == shape(expected)
        assert [a.word_count for a in got] == [a.word_count for a in expected]


def test_short_paragraphs_one_per_line_are_not_joined() -> None:
    text = build_dump(
        "Short items",
        ["The mayor spoke first.", "A choir sang two songs after that.", "Then it rained."],
    )
    assert split_dump(text, "x")[0].body == (
        "The mayor spoke first.",
        "A choir sang two songs after that.",
        "Then it rained.",
    )


def test_plain_text_is_one_article_titled_by_its_first_line() -> None:
    (article,) = split_fixture("plain.txt")
    assert (article.kind, article.index, article.line, article.end_line) == ("plain", 0, 2, 4)
    assert article.title == "Town council approves new cycle lanes"
    assert article.source is None


@pytest.mark.parametrize("text", ["", "\n\n", "   \r\n\t", "\ufeff", "Hashtags\nComments\n"])
def test_text_without_content_gives_no_article(text: str) -> None:
    assert split_dump(text, "x") == []


@pytest.mark.parametrize(
    ("dateline", "source"),
    [
        ("NEW TOWN (AP) — The", "Associated Press"),
        ("LONDON (Reuters) - The", "Reuters"),
        ("Kestrel Bay, Norway (AFP) – The", "AFP"),
        ("The", None),
        ("Officials (including the mayor) - said", None),
    ],
)
def test_main_source_comes_from_a_dateline(dateline: str, source: str | None) -> None:
    text = build_dump("Headline", [f"{dateline} bridge was closed on Monday after a crash."])
    assert split_dump(text, "x")[0].source == source


def test_user_chrome_markers_are_removed() -> None:
    text = build_dump("Title", ["First paragraph here.", "Sponsored content", "Last one."])
    config = Config(extra_chrome_markers=("Sponsored content", "Promoted by …"))
    assert split_dump(text, "x", config)[0].body == ("First paragraph here.", "Last one.")
    text = build_dump("Title", ["First paragraph here.", "Promoted by Acme Ltd", "Last one."])
    assert split_dump(text, "x", config)[0].body == ("First paragraph here.", "Last one.")


def test_prefix_marker_only_matches_short_lines() -> None:
    long_line = (
        "Explore what the new budget means for families, pensioners and small firms "
        "across the region in our full guide."
    )
    text = build_dump("Title", [long_line, "Explore what Acme AI can do for you:"])
    assert split_dump(text, "x")[0].body == (long_line,)


def test_line_numbers_ignore_bom_and_count_crlf_once() -> None:
    text = build_dump("Title", ["Para one."], [("Wire", "2 hours ago", "Head", "Body text.")])
    plain = split_dump(text, "x")
    for variant in ("\ufeff" + text, text.replace("\n", "\r\n"), text.replace("\n", "\r")):
        assert [(a.line, a.end_line) for a in split_dump(variant, "x")] == [
            (a.line, a.end_line) for a in plain
        ]
    assert split_lines("a\u2028b\x0cc\n") == ["a\u2028b\x0cc", ""]


def test_related_blocks_without_marker_are_still_found() -> None:
    text = build_dump(
        "Title",
        ["A paragraph of the main story."],
        [("Wire One", "1 hour ago", "Head one", "Body one."), ("Wire Two", None, "Head", "B.")],
        chrome=("Hashtags", "Comments"),
    )
    articles = split_dump(text, "x")
    assert [(a.kind, a.source) for a in articles] == [
        ("main", None),
        ("related", "Wire One"),
        ("related", "Wire Two"),
    ]


def test_dash_line_naming_another_outlet_is_kept_as_credit() -> None:
    text = "\n".join(
        ["Title", "Para.", "Related Articles", "Yahoo", "2 hours ago", "- Daily Record", "H", "B."]
    )
    related = split_dump(text, "x")[1]
    assert (related.source, related.age, dict(related.extra)) == (
        "Yahoo",
        "2 hours ago",
        {"credit": "Daily Record"},
    )


@pytest.mark.parametrize(
    "age",
    [
        "4 hours ago",
        "22 minutes ago",
        "an hour ago",
        "a day ago",
        "yesterday",
        "just now",
        "3 Aug 2025",
        "August 3, 2025",
        "2025-08-03",
        "03/08/2025",
        "vor 2 Stunden",
    ],
)
def test_ages(age: str) -> None:
    assert is_age(age)


@pytest.mark.parametrize("line", ["Al Jazeera", "The hours ago were long", "Four"])
def test_not_ages(line: str) -> None:
    assert not is_age(line)


def test_indented_first_lines_mark_paragraphs_in_wrapped_text() -> None:
    lines = [
        "Grain shipments from the northern ports rose",
        "sharply in March, the port authority said.",
        "    Exporters said the rise reflected an early",
        "thaw on the river.",
        "    Prices were steady.",
    ]
    assert assemble_paragraphs(lines) == (
        "Grain shipments from the northern ports rose sharply in March, the port authority said.",
        "Exporters said the rise reflected an early thaw on the river.",
        "Prices were steady.",
    )


def test_word_broken_at_its_hyphen_is_rejoined() -> None:
    lines = ["The long-awaited report on the harbour was pub-", "lished on Monday by the city."]
    assert assemble_paragraphs(lines, wrapped_text=True) == (
        "The long-awaited report on the harbour was pub-lished on Monday by the city.",
    )
