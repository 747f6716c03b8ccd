"""An aligned view of two texts: which word spans they share and where they differ.

Used by ``dedup explain``. Built on :mod:`difflib` over word tokens; paragraph breaks
are kept as tokens of their own so the view keeps the texts' shape.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

#: ``equal``: both texts hold the span; ``removed``: only the first; ``added``: only the second.
SpanKind = Literal["equal", "removed", "added"]

_TOKEN = re.compile(r"\n|[^\S\n]*\S+")
_ELLIPSIS = " …"


@dataclass(frozen=True)
class Span:
    """A run of text that is shared, or only in the first (removed) or second (added) text."""

    kind: SpanKind
    text: str

    @property
    def words(self) -> int:
        return len(self.text.split())


@dataclass(frozen=True)
class Alignment:
    """The spans of an alignment in reading order and how many words each side shares."""

    spans: tuple[Span, ...]
    shared_words: int
    words_a: int
    words_b: int

    @property
    def removed(self) -> tuple[Span, ...]:
        return tuple(s for s in self.spans if s.kind == "removed")

    @property
    def added(self) -> tuple[Span, ...]:
        return tuple(s for s in self.spans if s.kind == "added")


def tokenize(text: str) -> list[str]:
    """Words with the whitespace before them, and each line break as a token."""
    return _TOKEN.findall(text)


def _key(token: str) -> str:
    return token.strip() or token


def align_texts(a: str, b: str) -> Alignment:
    """Align ``a`` with ``b`` word by word; whitespace differences never count."""
    tokens_a, tokens_b = tokenize(a), tokenize(b)
    matcher = difflib.SequenceMatcher(
        None, [_key(t) for t in tokens_a], [_key(t) for t in tokens_b], autojunk=False
    )
    spans: list[Span] = []
    shared = 0
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            shared += sum(1 for t in tokens_a[i1:i2] if t.strip())
            _append(spans, "equal", "".join(tokens_a[i1:i2]))
            continue
        if i2 > i1:
            _append(spans, "removed", "".join(tokens_a[i1:i2]))
        if j2 > j1:
            _append(spans, "added", "".join(tokens_b[j1:j2]))
    return Alignment(
        spans=tuple(spans),
        shared_words=shared,
        words_a=len(a.split()),
        words_b=len(b.split()),
    )


def _append(spans: list[Span], kind: SpanKind, text: str) -> None:
    if spans and spans[-1].kind == kind:
        spans[-1] = Span(kind, spans[-1].text + text)
    else:
        spans.append(Span(kind, text))


def condense(alignment: Alignment, context: int = 12) -> tuple[Span, ...]:
    """The spans with long shared runs cut to ``context`` words either side of a change.

    A shared run at the start keeps only its end, one at the end only its start;
    ``context=0`` or less keeps everything.
    """
    if context <= 0:
        return alignment.spans
    spans = alignment.spans
    out: list[Span] = []
    for position, span in enumerate(spans):
        if span.kind != "equal" or span.words <= 2 * context + 1:
            out.append(span)
            continue
        keep_head = position > 0
        keep_tail = position < len(spans) - 1
        out.append(Span("equal", _cut(span.text, context, keep_head, keep_tail)))
    return tuple(out)


def _cut(text: str, context: int, keep_head: bool, keep_tail: bool) -> str:
    tokens = tokenize(text)
    word_positions = [i for i, t in enumerate(tokens) if t.strip()]
    head = "".join(tokens[: word_positions[context - 1] + 1]) if keep_head else ""
    tail = "".join(tokens[word_positions[-context] :]) if keep_tail else ""
    return head + _ELLIPSIS + tail


def marked(spans: tuple[Span, ...]) -> Iterator[tuple[SpanKind, str]]:
    """Each span's display text: removed as ``[-…-]``, added as ``{+…+}``, shared as is."""
    previous: SpanKind = "equal"
    for span in spans:
        body = span.text.strip()
        if span.kind == "equal" or not body:
            yield span.kind, span.text
        else:
            lead = span.text[: len(span.text) - len(span.text.lstrip())]
            if not lead and previous == "removed":
                lead = " "
            opener, closer = ("[-", "-]") if span.kind == "removed" else ("{+", "+}")
            yield span.kind, f"{lead}{opener}{body}{closer}"
        previous = span.kind


def render_plain(spans: tuple[Span, ...]) -> str:
    """The view as text: removed spans as ``[-…-]``, added spans as ``{+…+}``."""
    return "".join(text for _, text in marked(spans))
