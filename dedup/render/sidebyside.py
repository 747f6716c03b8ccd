"""The side-by-side view of two aligned texts, as HTML: the canonical article on the left,
a copy on the right, rows paired where both texts break a paragraph, and what only one
side holds marked (``<del>`` left, ``<ins>`` right). The alignment is
:func:`dedup.text.align.align_texts`, the one ``dedup explain`` shows.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field

from dedup.render import escape_undecodable
from dedup.text.align import Alignment, Span, SpanKind, condense


@dataclass
class Row:
    """One line of the side-by-side view: the canonical's side and the member's side."""

    left: list[tuple[SpanKind, str]] = field(default_factory=list)
    right: list[tuple[SpanKind, str]] = field(default_factory=list)

    def side(self, kind: SpanKind) -> list[tuple[SpanKind, str]]:
        return self.left if kind == "removed" else self.right

    @property
    def changed(self) -> bool:
        return any(kind != "equal" for kind, _ in (*self.left, *self.right))


def side_by_side(alignment: Alignment, context: int) -> str:
    """The two texts in two columns, rows paired where both texts break a paragraph."""
    rows = "".join(
        f'<tr class="{"changed" if row.changed else "same"}">{_cell(row.left)}{_cell(row.right)}'
        "</tr>"
        for row in diff_rows(condense(alignment, context))
    )
    return (
        '<table class="sbs"><thead><tr><th>canonical <del>only here</del></th>'
        f"<th>copy <ins>only here</ins></th></tr></thead><tbody>{rows}</tbody></table>"
    )


def diff_rows(spans: Sequence[Span]) -> list[Row]:
    """Rows of the side-by-side view: a shared line break starts a new row on both sides;
    text only in the canonical goes left, text only in the member right, and whole
    paragraphs only one side holds get rows of their own."""
    rows = [Row()]
    for position, span in enumerate(spans):
        if span.kind == "equal":
            for number, piece in enumerate(span.text.split("\n")):
                if number:
                    rows.append(Row())
                if piece:
                    rows[-1].left.append(("equal", piece))
                    rows[-1].right.append(("equal", piece))
        elif _whole_paragraphs(spans, position):
            if rows[-1].left or rows[-1].right:
                rows.append(Row())
            rows[-1].side(span.kind).append((span.kind, span.text.strip("\n")))
            rows.append(Row())
        else:
            rows[-1].side(span.kind).append((span.kind, span.text))
    return [row for row in rows if any(text.strip() for _, text in (*row.left, *row.right))]


def _whole_paragraphs(spans: Sequence[Span], position: int) -> bool:
    """Whether a span only one side holds starts and ends at paragraph breaks."""
    text, before, after = spans[position].text, spans[:position], spans[position + 1 :]
    starts = text.startswith("\n") or not before or _ends_paragraph(before[-1], "end")
    ends = text.endswith("\n") or not after or _ends_paragraph(after[0], "start")
    return starts and ends


def _ends_paragraph(span: Span, where: str) -> bool:
    if span.kind != "equal":
        return False
    return span.text.endswith("\n") if where == "end" else span.text.startswith("\n")


def _cell(parts: Sequence[tuple[SpanKind, str]]) -> str:
    """One side of a row. Spans always meet between words, but an equal span holds the
    canonical's spacing, so a space goes back where two spans meet without one."""
    if not any(text.strip() for _, text in parts):
        return '<td class="blank"></td>'
    marked, previous = [], ""
    for kind, text in parts:
        if previous and text and not previous[-1].isspace() and not text[0].isspace():
            text = " " + text
        marked.append(_mark(kind, text))
        previous = text or previous
    return f"<td>{''.join(marked).strip()}</td>"


def _mark(kind: SpanKind, text: str) -> str:
    if kind == "equal" or not text.strip():
        return _esc(text)
    lead, trail = text[: len(text) - len(text.lstrip())], text[len(text.rstrip()) :]
    tag = "del" if kind == "removed" else "ins"
    return f"{_esc(lead)}<{tag}>{_esc(text.strip())}</{tag}>{_esc(trail)}"


def _esc(text: str) -> str:
    return html.escape(escape_undecodable(text), quote=True)
