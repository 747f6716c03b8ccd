"""Properties of the splitter that hold for any text (Hypothesis)."""

from __future__ import annotations

import re
from itertools import pairwise

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from dedup.article import Article
from dedup.config import Config
from dedup.read import markers
from dedup.read.split import chrome_matcher, fold, split_dump

IS_CHROME = chrome_matcher(Config().all_chrome_markers)
DASH = re.compile(r"^(?:-|–|—|â€“|â€”)\s+")
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

#: Lines dumps are made of, and lines that imitate them.
PIECES = [
    *markers.CHROME_MARKERS,
    "Explore what Newsdeck AI can do for you:",
    "RELATED ARTICLES",
    "  comments  ",
    "4 hours ago",
    "22 minutes ago",
    "an hour ago",
    "yesterday",
    "just now",
    "3 August 2025",
    "Al Jazeera",
    "Associated Press",
    "Yahoo",
    "- Al Jazeera",
    "- Yahoo",
    "— Fox News",
    "- ",
    "-",
    "NEW TOWN (AP) — The council met on Monday.",
    "A headline about the harbour",
    "A much longer paragraph of body text that goes on for a while, as bodies do, and ends.",
    "    indented continuation of a wrapped line",
    "short",
    "\t",
    "",
    "",
    "",
]
LINE_CHARS = st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n")
LINE = st.one_of(st.sampled_from(PIECES), st.text(LINE_CHARS, max_size=60))
LINE_ENDS = st.sampled_from(["\n", "\r\n", "\r"])


@st.composite
def dumps(draw: st.DrawFn) -> str:
    """Text shaped like a dump, or like a broken one."""
    lines = draw(st.lists(LINE, max_size=40))
    text = draw(LINE_ENDS).join(lines)
    return ("\ufeff" if draw(st.booleans()) else "") + text


def original_lines(text: str) -> list[str]:
    """The file's lines, numbered as editors number them (computed independently)."""
    if text.startswith("\ufeff"):
        text = text[1:]
    return re.split(r"\r\n|\r|\n", text)


def is_content(line: str) -> bool:
    return bool(line.strip()) and not IS_CHROME(line)


def represents(article: Article, line: str) -> bool:
    """Whether the text of ``line`` is in the article: title, body, source, age or credit."""
    text = line.strip()
    fields = [article.title, *article.body, article.source or "", article.age or ""]
    fields += [value for _, value in article.extra]
    if any(text in field for field in fields):
        return True
    named = DASH.sub("", text)
    return named != text and any(fold(named) == fold(field) for field in fields)


@SETTINGS
@given(st.text())
def test_never_raises_on_any_text(text: str) -> None:
    articles = split_dump(text, "any.txt")
    assert all(isinstance(article, Article) for article in articles)


@SETTINGS
@given(dumps())
def test_every_content_line_lands_in_exactly_one_article(text: str) -> None:
    articles = split_dump(text, "dump.txt")
    lines = original_lines(text)
    for number, line in enumerate(lines, start=1):
        if not is_content(line):
            continue
        owners = [a for a in articles if a.line <= number <= a.end_line]
        assert len(owners) == 1, (number, line)
        assert represents(owners[0], line), (number, line, owners[0])


@SETTINGS
@given(dumps())
def test_line_spans_are_ordered_and_point_at_content(text: str) -> None:
    articles = split_dump(text, "dump.txt")
    lines = original_lines(text)
    if articles:  # 0 for the main article (absent when the text opens with its related section)
        first = articles[0].index
        assert first in (0, 1)
        assert [a.index for a in articles] == list(range(first, first + len(articles)))
    for article in articles:
        assert 1 <= article.line <= article.end_line <= len(lines)
        assert is_content(lines[article.line - 1])
        assert is_content(lines[article.end_line - 1])
        assert represents(article, lines[article.line - 1])
    for before, after in pairwise(articles):
        assert before.end_line < after.line


@SETTINGS
@given(dumps())
def test_no_title_is_chrome(text: str) -> None:
    for article in split_dump(text, "dump.txt"):
        assert not IS_CHROME(article.title)
        assert article.title.strip() == article.title


@SETTINGS
@given(dumps())
@example("\ufeff\ufeff")  # a text opening with U+FEFF after its mark (found in CI)
def test_line_ends_and_bom_do_not_change_the_cut(text: str) -> None:
    lf = "\n".join(original_lines(text))
    expected = split_dump(lf, "x")
    # Only a file's first U+FEFF is its byte-order mark: one that opens the text itself is
    # the mark while nothing comes before it, and text once a mark is put before it.
    marked = [] if lf.startswith("\ufeff") else ["\ufeff" + lf]
    for variant in (lf.replace("\n", "\r\n"), *marked):
        assert split_dump(variant, "x") == expected
