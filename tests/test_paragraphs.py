"""assemble_paragraphs gives what the plain block-by-block way gives."""

from __future__ import annotations

import re
from collections.abc import Sequence

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dedup.read.paragraphs import (
    _HYPHEN_BREAK,
    assemble_paragraphs,
    join_wrapped,
    looks_wrapped,
    split_at_indents,
)
from dedup.read.split import split_lines

SETTINGS = settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _reference(lines: Sequence[str], *, wrapped_text: bool = False) -> tuple[str, ...]:
    blocks: list[list[str]] = [[]]
    for line in lines:
        if line.strip():
            blocks[-1].append(line.rstrip())
        elif blocks[-1]:
            blocks.append([])
    blocks = [block for block in blocks if block]
    paragraphs: list[str] = []
    for block in blocks:
        pieces = split_at_indents(block)
        if len(pieces) > 1:
            paragraphs.extend(join_wrapped(piece) for piece in pieces)
        elif looks_wrapped(block, several=wrapped_text or len(blocks) > 1):
            paragraphs.append(join_wrapped(block))
        else:
            paragraphs.extend(line.strip() for line in block)
    return tuple(paragraphs)


_WORD = st.sampled_from(["alpha", "Beta", "gam-", "ma", "x", "the", "A.", "long" * 12, "é", "-"])
_LINE = st.tuples(
    st.sampled_from(["", "", "  ", "\t"]),
    st.lists(_WORD, min_size=1, max_size=10).map(" ".join),
    st.sampled_from(["", "", " ", "\t"]),
).map("".join)
_BLANK = st.sampled_from(["", " ", "\t", "\u3000"])


@SETTINGS
@given(st.lists(_LINE | _BLANK, max_size=10), st.booleans())
def test_assemble_matches_the_plain_way(lines: list[str], wrapped_text: bool) -> None:
    want = _reference(lines, wrapped_text=wrapped_text)
    assert assemble_paragraphs(lines, wrapped_text=wrapped_text) == want


def test_one_paragraph_per_line_and_wrapped_text() -> None:
    record = "First line.\n\n  Second line.  \n\n\n\nThird\n"
    assert assemble_paragraphs(split_lines(record)) == ("First line.", "Second line.", "Third")
    wrapped = "A paragraph wrapped at a fixed width so that\nit goes on here.\n\nNext one."
    assert assemble_paragraphs(split_lines(wrapped)) == _reference(split_lines(wrapped))


def test_split_lines_reads_every_line_end() -> None:
    assert split_lines("\ufeffa\r\nb\rc\nd") == ["a", "b", "c", "d"]
    assert split_lines("no breaks") == ["no breaks"]


def _plain_join(lines: Sequence[str]) -> str:
    """join_wrapped the plain way: the hyphen test reads the whole text joined so far."""
    text = ""
    for line in (line.strip() for line in lines):
        glue = "" if _HYPHEN_BREAK.search(text) and line[:1].islower() else " "
        text = f"{text}{glue}{line}" if text else line
    return text


_PIECE = st.sampled_from(["", " ", "a", "B", "1", "_", "-", "é-", "x-", "9-", "-\n", "\n", "ab"])


@SETTINGS
@given(st.lists(st.lists(_PIECE, max_size=4).map("".join), max_size=8))
def test_join_wrapped_matches_the_plain_way(lines: list[str]) -> None:
    assert join_wrapped(lines) == _plain_join(lines)


def test_a_long_wrapped_paragraph_joins_whole() -> None:
    lines = ["a wrapped line of a very long paragraph that goes on", "and on-", "ward"] * 2000
    assert join_wrapped(lines) == _plain_join(lines[:3]) + (" " + _plain_join(lines[:3])) * 1999
    assert re.search("on-ward", join_wrapped(lines[:3]))
