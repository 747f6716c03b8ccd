"""Comparison texts read back from the spill (a text and its unit lengths, see
:mod:`dedup.engine.spill`) with learned boilerplate cut out, in plain ints: what
:func:`dedup.text.prepare.build_text` gives of the units
:func:`~dedup.text.prepare.units_from_lengths` reads back, without making their arrays
(a text holding boilerplate is read back in the cut, signing and verification stages)."""

from __future__ import annotations

from collections.abc import Sequence

from dedup.text.prepare import Prepared, _joined, _make_prepared


def build_spilled(
    text: str, lengths: Sequence[int], light: Prepared, hashes: Sequence[int], cut: frozenset[int]
) -> Prepared:
    """``build_text(units_from_lengths(text, lengths, light, hashes, ...), cut)`` in plain
    ints, no array made: a text read back from the spill with its ``cut`` units (learned
    boilerplate) left out."""
    found = _cut_lengths(text, lengths, hashes, cut)
    if found is None:
        return Prepared(text, light.words, light.digest, light.dropped)
    title, kept, dropped = found
    return _make_prepared(title, kept, light.dropped + dropped)


def cut_spilled(
    text: str, lengths: Sequence[int], hashes: Sequence[int], cut: frozenset[int]
) -> str:
    """``build_spilled(...).text``, without the digest and counts that go with it."""
    found = _cut_lengths(text, lengths, hashes, cut)
    return text if found is None else _joined(*found[:2])


def _cut_lengths(
    text: str, lengths: Sequence[int], hashes: Sequence[int], cut: frozenset[int]
) -> tuple[str, list[str], int] | None:
    """What ``_cut_units`` gives of the units of a text read back from their lengths
    (placed as ``units_from_lengths`` places them: after the title's line, one space
    apart): the title, the units kept and how many were cut, or None when none is."""
    dropped = [h in cut for h in hashes] if cut else []
    if not any(dropped):
        return None
    newline = text.find("\n")  # normalised titles and units never hold one
    start = newline + 1 if newline >= 0 else 0
    title = text[:newline] if newline >= 0 else ""
    kept: list[str] = []
    for size, drop in zip(lengths, dropped, strict=True):
        if not drop:
            kept.append(text[start : start + size])
        start += size + 1
    return title, kept, sum(dropped)
