"""Comparison texts read back from the spill (a text and its unit lengths, see
:mod:`dedup.engine.spill`) with learned boilerplate cut out: what
:func:`dedup.text.prepare.build_text` gives of the units
:func:`~dedup.text.prepare.units_from_lengths` reads back, without making them (a text
holding boilerplate is read back in the cut, signing and verification stages)."""

from __future__ import annotations

from collections.abc import Sequence

from dedup.text.prepare import Prepared, _joined, _make_prepared, cut_lengths


def build_spilled(
    text: str, lengths: Sequence[int], light: Prepared, hashes: Sequence[int], cut: frozenset[int]
) -> Prepared:
    """``build_text(units_from_lengths(text, lengths, light, hashes, ...), cut)`` in plain
    ints, no array made: a text read back from the spill with its ``cut`` units (learned
    boilerplate) left out."""
    found = cut_lengths(text, lengths, hashes, cut)
    if found is None:
        return Prepared(text, light.words, light.digest, light.dropped)
    title, kept, dropped = found
    return _make_prepared(title, kept, light.dropped + dropped)


def cut_spilled(
    text: str, lengths: Sequence[int], hashes: Sequence[int], cut: frozenset[int]
) -> str:
    """``build_spilled(...).text``, without the digest and counts that go with it."""
    found = cut_lengths(text, lengths, hashes, cut)
    return text if found is None else _joined(*found[:2])
