"""Cut one file's text into articles: a dump's main article and its related blocks.

A dump is one aggregator page saved as text: the main article, a run of site chrome
("Hashtags", "Comments", "Related Articles", ...), then related blocks shaped
``<source>`` / ``<age>`` / ``- <source>`` / ``<headline>`` / ``<body>``. Any other text
is one plain article. Line numbers are 1-based in the original file.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from dedup.article import Article, Kind
from dedup.config import Config
from dedup.read import markers
from dedup.read.paragraphs import WRAP_WIDTHS, assemble_paragraphs, join_wrapped, looks_wrapped

#: How many content lines after a related-section marker the first block header may sit.
OPENING_REACH = 3
#: Lines longer than this (whitespace runs counted as one) are text, even when they
#: start like a chrome marker.
SHORT_LINE = 64

_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_AGE = re.compile(
    r"^(?:updated:?\s+|posted:?\s+)?(?:"
    r"(?:about\s+|over\s+|almost\s+|nearly\s+)?(?:\d+|an?|one|a\s+few)\s*"
    r"(?:s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?|w|wks?|weeks?|mo|months?"
    r"|y|yrs?|years?)\s+ago"
    r"|just\s+now|moments?\s+ago|yesterday|today|last\s+(?:night|week|month|year)"
    r"|(?:il\s+y\s+a|vor|hace|há)\s+(?:\d+|une?|einer?|un[ao]?)\s+\w+"
    rf"|(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*,?\s+)?(?:\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH},?"
    rf"\s+\d{{4}}|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}})"
    r"|\d{4}-\d{2}-\d{2}(?:[ t]\d{2}:\d{2}(?::\d{2})?)?"
    r"|\d{1,2}[/.]\d{1,2}[/.]\d{2,4}"
    r")(?:,?\s*(?:at\s+)?\d{1,2}[:.]\d{2}\s*(?:am|pm)?)?\.?$",
    re.IGNORECASE,
)
_DASH = re.compile(r"^(?:-|–|—|â€“|â€”)\s+(\S.*)$")
_DATELINE = re.compile(
    r"^[A-Z][\w.,'’ -]{1,60}?\s*\(([A-Z][\w.&' -]{0,39})\)\s*(?:—|–|-|â€”|â€“|--)"
)
_DATELINE_NAMES = {"AP": "Associated Press"}
_FOLD = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "…": "..."})


def split_lines(text: str) -> list[str]:
    """The file's lines, with CRLF/CR read as line ends and a leading BOM dropped."""
    text = text.removeprefix("\ufeff")
    if "\r" in text:  # a quick scan; most text has none
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.split("\n")


def fold(line: str) -> str:
    """A line reduced for matching markers: trimmed, case-folded, quotes and dots unified."""
    line = line.replace("â€¦", "...").translate(_FOLD)
    return " ".join(line.casefold().split())


@lru_cache(maxsize=64)
def chrome_matcher(chrome_markers: tuple[str, ...]) -> Callable[[str], bool]:
    """A predicate telling whether one line is site chrome, for this marker list."""
    exact: set[str] = set()
    prefixes: list[str] = []
    for marker in chrome_markers:
        key = fold(marker)
        if key.endswith("..."):
            prefixes.append(key[:-3].rstrip())
        if key:
            exact.add(key.rstrip(":"))

    @lru_cache(maxsize=4096)  # short lines (chrome, sources, ages) recur in every dump
    def is_short_chrome(line: str) -> bool:
        compact = " ".join(line.split())  # folding never shortens it: a cheap first test
        if not compact or len(compact) > SHORT_LINE:
            return False
        key = fold(compact)
        if len(key) > SHORT_LINE:
            return False
        return key.rstrip(":") in exact or any(p and key.startswith(p) for p in prefixes)

    def is_chrome(line: str) -> bool:
        # A longer line is a paragraph, however much whitespace it holds.
        return len(line) <= 4 * SHORT_LINE and is_short_chrome(line)

    return is_chrome


def is_age(line: str) -> bool:
    """True for a related block's age line: "4 hours ago", "yesterday", a date."""
    return len(line) <= 48 and _AGE.match(line.strip()) is not None


def is_source_name(line: str) -> bool:
    """True for a line that can be an outlet's name: short, few words, no sentence end."""
    text = line.strip()
    return (
        0 < len(text) <= 60
        and len(text.split()) <= 8
        and text[-1] not in ".!?:;,"
        and _DASH.match(text) is None
        and any(ch.isalpha() for ch in text)
        and not is_age(text)
    )


def dash_source(line: str) -> str | None:
    """The name in a ``- <source>`` line, or None."""
    found = _DASH.match(line.strip())
    if found and is_source_name(found.group(1)):
        return found.group(1).strip()
    return None


def find_dateline_source(paragraphs: Sequence[str]) -> str | None:
    """The origin a dateline names ("NEW DELHI (AP) —" gives "Associated Press")."""
    for paragraph in paragraphs[:3]:
        found = _DATELINE.match(paragraph.strip())
        if found:
            name = found.group(1).strip()
            return _DATELINE_NAMES.get(name, name)
    return None


@dataclass(frozen=True)
class Header:
    """A related block's opening lines, as indexes into the content-line list."""

    end: int
    source: str | None
    age: str | None
    credit: str | None = None
    dashed: bool = False


class Page:
    """One file's lines with chrome marked, and the cutting rules that use them."""

    def __init__(self, text: str, config: Config) -> None:
        self.lines = [line.rstrip() for line in split_lines(text)]
        is_chrome = chrome_matcher(config.all_chrome_markers)
        self.chrome = [is_chrome(line) for line in self.lines]
        self.content = [
            i for i, line in enumerate(self.lines) if line.strip() and not self.chrome[i]
        ]
        self.wrapped = self.looks_hard_wrapped()

    def looks_hard_wrapped(self) -> bool:
        """Whether the whole text is hard-wrapped: no long line, and at least two runs of
        lines that read as greedily wrapped paragraphs."""
        if any(len(self.lines[i].strip()) > WRAP_WIDTHS[1] for i in self.content):
            return False
        runs: list[list[str]] = [[]]
        for k, i in enumerate(self.content):
            if k and i != self.content[k - 1] + 1:
                runs.append([])
            runs[-1].append(self.lines[i])
        return sum(1 for run in runs if looks_wrapped(run, several=True)) >= 2

    def text(self, k: int) -> str:
        """The trimmed text of content line number ``k`` (an index into ``content``)."""
        return self.lines[self.content[k]].strip()

    def paragraphs(self, start: int, stop: int) -> tuple[str, ...]:
        """The paragraphs of content lines ``start`` to ``stop``; chrome lines break them."""
        if start >= stop:
            return ()
        first, last = self.content[start], self.content[stop - 1]
        rows = ["" if self.chrome[i] else self.lines[i] for i in range(first, last + 1)]
        return assemble_paragraphs(rows, wrapped_text=self.wrapped)

    def title_size(self, start: int, stop: int) -> int:
        """How many content lines from ``start`` form the title: 1, or up to 3 when the
        title is hard-wrapped and a blank line parts it from the body."""
        end = start + 1
        while end < stop and self.content[end] == self.content[end - 1] + 1:
            end += 1
        if start >= stop or end == start + 1 or end - start > 3 or end == stop:
            return min(1, stop - start)
        group = [self.text(k) for k in range(start, end)]
        return end - start if self.wrapped and looks_wrapped(group, several=True) else 1

    def header_at(self, k: int) -> Header | None:
        """The related-block header starting at content line ``k``, if there is one."""
        texts = [self.text(j) for j in range(k, min(k + 3, len(self.content)))]
        texts += [""] * (3 - len(texts))
        first, second, third = texts
        if is_source_name(first):
            repeated = dash_source(third)
            if repeated is not None and fold(repeated) == fold(first) and len(second) <= 48:
                return Header(k + 3, first, second, dashed=True)  # any age, in any language
            if is_age(second):
                credit = dash_source(third)
                if credit is not None:
                    return Header(k + 3, first, second, _credit(first, credit), dashed=True)
                return Header(k + 2, first, second)
            credit = dash_source(second)
            if credit is not None:
                return Header(k + 2, first, None, _credit(first, credit), dashed=True)
        if is_age(first) and dash_source(second) is not None:
            return Header(k + 2, dash_source(second), first, dashed=True)
        return None

    def is_strong_header(self, k: int) -> bool:
        """A header no paragraph imitates: a ``- <source>`` line after an age line, or
        repeating the source line above it."""
        header = self.header_at(k)
        if header is None or not header.dashed:
            return False
        return header.age is not None or header.credit is None

    def related_start(self) -> int | None:
        """The content index where the related section starts, or None.

        The first "Related Articles" line; failing that, the first strong header
        after the title; failing that, whatever follows a run of three chrome lines.
        """
        related = _folded(markers.RELATED_MARKERS)
        for i, line in enumerate(self.lines):
            if self.chrome[i] and fold(line).rstrip(":") in related:
                start = _first_content_after(self.content, i)
                if self.opens_blocks(start) or self.has_aggregator_chrome():
                    return start
        for k in range(1, len(self.content)):
            if self.is_strong_header(k):
                return k
        return self.after_chrome_run()

    def after_chrome_run(self) -> int | None:
        """Whatever follows a run of three chrome lines, one of them an aggregator's own
        (a saved web page's "Share" and "Advertisement" lines do not make a dump), when
        related blocks open there."""
        own = _folded(markers.DUMP_MARKERS)
        run: list[str] = []
        for i, line in enumerate(self.lines):
            if self.chrome[i]:
                run.append(fold(line).rstrip(":"))
                if len(run) >= 3 and own.intersection(run):
                    start = _first_content_after(self.content, i)
                    if self.opens_blocks(start):
                        return start
            elif line.strip():
                run = []
        return None

    def has_aggregator_chrome(self) -> bool:
        """Whether the text carries chrome only an aggregator dump has, besides the related
        section's own marker."""
        own = _folded(markers.AGGREGATOR_MARKERS)
        return any(
            self.chrome[i] and fold(line).rstrip(":") in own for i, line in enumerate(self.lines)
        )

    def opens_blocks(self, k: int) -> bool:
        """Whether related blocks start at content line ``k``: a block header there or just
        after (a list of bare headlines under "Related stories" on a web page is no block)."""
        ahead = range(k, min(k + OPENING_REACH, len(self.content)))
        return any(self.header_at(j) is not None for j in ahead)

    def is_dump(self, start: int | None) -> bool:
        kinds = {fold(line) for i, line in enumerate(self.lines) if self.chrome[i]}
        return start is not None or len(kinds) >= 2


@lru_cache(maxsize=8)
def _folded(names: tuple[str, ...]) -> frozenset[str]:
    """Marker lines as :func:`fold` gives them, without a trailing colon."""
    return frozenset(fold(name).rstrip(":") for name in names)


def _credit(source: str, credit: str) -> str | None:
    return None if fold(source) == fold(credit) else credit


def _is_short_name(line: str) -> bool:
    return len(line) <= 40 and len(line.split()) <= 4 and is_source_name(line)


def _first_content_after(content: Sequence[int], line_index: int) -> int:
    for k, i in enumerate(content):
        if i > line_index:
            return k
    return len(content)


def split_dump(text: str, path: str, config: Config | None = None) -> list[Article]:
    """Cut ``text`` (the contents of ``path``) into articles; never raises.

    A dump gives its main article (index 0, kind "main") and its related blocks
    (index 1, 2, ..., kind "related"); any other text gives one "plain" article.
    Text with no content at all gives no article.
    """
    page = Page(text, config or Config())
    if not page.content:
        return []
    start = page.related_start()
    kind: Kind = "main" if page.is_dump(start) else "plain"
    cut = start if start is not None else len(page.content)
    articles: list[Article] = []
    if cut > 0:
        articles.append(build_article(page, path, 0, range(0, cut), kind, None))
    if start is not None:
        for number, (span, header) in enumerate(cut_related(page, cut), start=1):
            articles.append(build_article(page, path, number, span, "related", header))
    return articles


def title_from_text(text: str, config: Config) -> tuple[str, list[str]] | None:
    """A text's title found as a plain file's is (its first content line, or the lines of
    a hard-wrapped title), and the lines after it; None when the text has no content."""
    page = Page(text, config)
    if not page.content:
        return None
    size = page.title_size(0, len(page.content))
    title = join_wrapped([page.text(k) for k in range(size)])
    return title, page.lines[page.content[size - 1] + 1 :]


def cut_related(page: Page, start: int) -> list[tuple[range, Header | None]]:
    """The related section's blocks as content-index ranges with their headers.

    Content before the first header is cut into blank-line separated groups.
    """
    headers: list[tuple[int, Header]] = []
    k = start
    while k < len(page.content):
        header = page.header_at(k)
        if header is not None:
            headers.append((k, header))
            # The headline is never a header, unless the block has no headline at all.
            k = header.end if page.is_strong_header(header.end) else header.end + 1
        else:
            k += 1
    first = headers[0][0] if headers else len(page.content)
    blocks: list[tuple[range, Header | None]] = [
        (group, None) for group in _groups(page, range(start, first))
    ]
    for n, (k, header) in enumerate(headers):
        end = headers[n + 1][0] if n + 1 < len(headers) else len(page.content)
        blocks.append((range(k, end), header))
    return blocks


def _groups(page: Page, span: range) -> list[range]:
    groups: list[range] = []
    begin = span.start
    for k in range(span.start + 1, span.stop):
        if page.content[k] - page.content[k - 1] > 1:
            groups.append(range(begin, k))
            begin = k
    if begin < span.stop:
        groups.append(range(begin, span.stop))
    return groups


def build_article(
    page: Page, path: str, index: int, span: range, kind: Kind, header: Header | None
) -> Article:
    """The article made of content lines ``span``; a header's lines give source and age."""
    source = age = credit = None
    first = span.start
    if header is not None:
        source, age, credit, first = header.source, header.age, header.credit, header.end
    elif kind == "related" and len(span) >= 3 and _is_short_name(page.text(span.start)):
        source, first = page.text(span.start), span.start + 1
    size = page.title_size(first, span.stop)
    title = join_wrapped([page.text(k) for k in range(first, first + size)])
    body = page.paragraphs(first + size, span.stop)
    dateline = find_dateline_source(body)
    extra: list[tuple[str, str]] = [("credit", credit)] if credit else []
    if dateline is not None:
        extra.append(("dateline", dateline))
        source = source if kind == "related" else dateline
    return Article(
        path=path,
        index=index,
        line=page.content[span.start] + 1,
        end_line=page.content[span.stop - 1] + 1,
        title=title,
        body=body,
        kind=kind,
        source=source,
        age=age,
        extra=tuple(extra),
    )
