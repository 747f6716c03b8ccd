"""HTML: saved web pages (``.html``, ``.htm``, gzipped or not) and, when asked, HTML in
JSON records, read through trafilatura, the main-content extractor.

A page gives one article: the text trafilatura extracts as the page's main content
(navigation, related links, comments and footer left out), titled by the page's metadata
or ``<title>``, with the site's name as its source and the publication date as its age
when the page states them. A page whose extracted text holds no sentence (nothing, or
menu words only) gives a warning and no article.

trafilatura (and lxml under it), :mod:`logging` and :mod:`html` are imported when HTML is
first read, never before: a run over text dumps does not pay for them.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dedup.article import Article, Kind
from dedup.errors import InputError
from dedup.read.decode import read_whole
from dedup.read.pagetext import is_fragment
from dedup.read.split import find_dateline_source

if TYPE_CHECKING:
    from collections.abc import Callable

    WarningCallback = Callable[[InputError], None]

#: File name suffixes (before any ``.gz``) read as HTML pages.
HTML_SUFFIXES = frozenset({"html", "htm"})
NO_PAGE_TEXT = "no article text found in the page, skipped"
#: A record's warnings open as the other records' "no text" ones do: a summary that counts
#: skips by reason counts them as records with no text.
NO_RECORD_TEXT = "record has no text: no article text found in its HTML, skipped"
UNREADABLE = "cannot extract text from the HTML ({}), skipped"
UNREADABLE_RECORD = "record has no text: cannot extract text from its HTML ({}), skipped"
#: A text is HTML when it holds one of these tags (a record's plain text may hold "<").
_TAG = re.compile(
    r"<(?:!doctype\s+html|html|head|body|article|main|section|div|p|br|h[1-6]|span|ul|ol|li"
    r"|table|blockquote|a\s)[^>]*>",
    re.IGNORECASE,
)
#: Words of a paragraph looked for in the page's source to tell its line.
PROBE_WORDS = 6
#: Between two words in the source: spaces, punctuation, tags and character references.
_BETWEEN = r"(?:<[^>]*>|&#?\w+;|[\W_])+"
_WORD = re.compile(r"\w+")
_BODY = re.compile(r"<body\b", re.IGNORECASE)
_TITLE = re.compile(r"<title\b[^>]*>(.*?)</title\s*>", re.IGNORECASE | re.DOTALL)
_TAGS = re.compile(r"<[^>]*>")
#: Characters of a page searched for its ``<title>`` (it sits in the head).
TITLE_REACH = 1 << 16
_LOGGERS = ("trafilatura", "htmldate", "courlan", "justext", "charset_normalizer")


@dataclass(frozen=True)
class Page:
    """What trafilatura found in an HTML text: its main text as paragraphs, and metadata."""

    title: str | None
    paragraphs: tuple[str, ...]
    sitename: str | None
    date: str | None


def is_html(text: str) -> bool:
    """Whether ``text`` (a JSON record's) is HTML: it holds a common HTML tag."""
    return _TAG.search(text) is not None


def read_page(path: str, limit: int) -> Iterator[Article]:
    """The article of the saved page at ``path`` (at most ``limit`` bytes, gunzipped);
    :class:`InputError` when it holds no article text."""
    data = read_whole(path, limit)
    try:
        page = extract_page(data)
    except ValueError as exc:
        raise InputError(path, UNREADABLE.format(exc)) from None
    if page is None:
        raise InputError(path, NO_PAGE_TEXT)
    title, body = title_and_body(page)
    line, end_line = locate(data, title, body)
    yield _article(path, 0, line, end_line, title, body, page)


def read_record_html(
    path: str,
    where: tuple[int, int],
    html: str,
    record: tuple[str | None, object],
    on_warning: WarningCallback,
) -> Article | None:
    """A JSON record whose text is HTML as an article, or None with a warning when the
    HTML holds no article text. ``where`` is the record's number and line, ``record`` its
    own title (if any) and ``source`` value: both win over the page's metadata."""
    number, line = where
    try:
        page = extract_page(html)
    except ValueError as exc:
        on_warning(InputError(path, UNREADABLE_RECORD.format(exc), line))
        return None
    if page is None:
        on_warning(InputError(path, NO_RECORD_TEXT, line))
        return None
    own_title, source = record
    sitename = source.strip() if isinstance(source, str) and source.strip() else page.sitename
    page = dataclasses.replace(page, sitename=sitename)
    title, body = title_and_body(page, _clean(own_title))
    return _article(path, number, line, line, title, body, page, kind="record")


def _article(
    path: str,
    index: int,
    line: int,
    end_line: int,
    title: str,
    body: tuple[str, ...],
    page: Page,
    kind: Kind = "main",
) -> Article:
    dateline = find_dateline_source(body)
    return Article(
        path=path,
        index=index,
        line=line,
        end_line=end_line,
        title=title,
        body=body,
        kind=kind,
        source=page.sitename,
        age=page.date,
        extra=(("dateline", dateline),) if dateline else (),
    )


def extract_page(html: bytes | str) -> Page | None:
    """The main text and metadata trafilatura finds in ``html``; None when the main text
    holds no sentence. A failure inside the extractor raises :class:`ValueError`."""
    import trafilatura

    _quiet_loggers()
    try:
        found = trafilatura.bare_extraction(html, with_metadata=True, include_comments=False)
    except Exception as exc:  # a third-party parser's failure on one page, never a crash
        raise ValueError(f"{type(exc).__name__}: {' '.join(str(exc).split())}") from None
    if found is None or isinstance(found, dict):
        return None
    lines = (" ".join(line.split()) for line in (found.text or "").split("\n"))
    paragraphs = tuple(filter(None, lines))
    if all(is_fragment(p) for p in paragraphs):
        return None
    title = _clean(found.title) or title_element(html)
    return Page(title, paragraphs, _clean(found.sitename), _clean(found.date))


def title_element(html: bytes | str) -> str | None:
    """The text of the page's ``<title>`` element, character references resolved (for a
    page whose title trafilatura does not take: it leaves out one holding a full stop)."""
    from html import unescape

    head = html[:TITLE_REACH]
    text = head.decode("utf-8", "replace") if isinstance(head, bytes) else head
    found = _TITLE.search(text)
    return _clean(unescape(_TAGS.sub(" ", found.group(1)))) if found else None


def _clean(value: str | None) -> str | None:
    text = " ".join((value or "").split())
    return text or None


def title_and_body(page: Page, own_title: str | None = None) -> tuple[str, tuple[str, ...]]:
    """The article's title (``own_title``, else the page's) and body paragraphs: a first
    paragraph repeating either title (the headline inside the article) is left out of the
    body; an article without a title is titled by its first paragraph, as a plain file is
    by its first line."""
    paragraphs = page.paragraphs
    titles = {t.casefold() for t in (own_title, page.title) if t}
    if len(paragraphs) > 1 and paragraphs[0].casefold() in titles:
        paragraphs = paragraphs[1:]
    title = own_title or page.title
    if title is None:
        return paragraphs[0], paragraphs[1:]
    return title, paragraphs


def locate(data: bytes, title: str, body: Sequence[str]) -> tuple[int, int]:
    """The lines of the page source where the article starts (its headline, or its first
    paragraph) and where its last paragraph starts (its last appearance: an article may
    repeat a paragraph); 1 and the last line when they cannot be found (the text may be
    written with entities the probe does not foresee)."""
    text = data.decode("utf-8", "replace")
    body_at = _BODY.search(text)
    start = body_at.start() if body_at else 0
    last_line = _line(text, len(text))
    first = _find(text, body[0], start) if body else None
    if first is None:
        return 1, last_line
    heading = _find_last(text, title, start, first)
    begin = heading if heading is not None else first
    end = _find_last(text, body[-1], first, len(text)) if len(body) > 1 else first
    return _line(text, begin), _line(text, end) if end is not None else last_line


def _probe(paragraph: str) -> re.Pattern[str] | None:
    words = _WORD.findall(paragraph)[:PROBE_WORDS]
    if not words:
        return None
    return re.compile(r"\b" + _BETWEEN.join(map(re.escape, words)) + r"\b")


def _find(text: str, paragraph: str, start: int) -> int | None:
    probe = _probe(paragraph)
    found = probe.search(text, start) if probe else None
    return found.start() if found else None


def _find_last(text: str, paragraph: str, start: int, stop: int) -> int | None:
    probe = _probe(paragraph)
    found = [m.start() for m in probe.finditer(text, start, stop)] if probe else []
    return found[-1] if found else None


def _line(text: str, offset: int) -> int:
    """The 1-based line holding ``offset``, counting CRLF and CR as one line end."""
    crlf = text.count("\r\n", 0, offset)
    return text.count("\n", 0, offset) + text.count("\r", 0, offset) - crlf + 1


def _quiet_loggers() -> None:
    """trafilatura and the libraries under it log through :mod:`logging`: a handler that
    drops their records keeps Python's last-resort handler from printing them on stderr
    when the program has set up no logging (a program that has still gets them)."""
    import logging

    for name in _LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(h, logging.NullHandler) for h in logger.handlers):
            logger.addHandler(logging.NullHandler())
