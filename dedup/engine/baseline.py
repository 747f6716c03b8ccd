"""A baseline: pairs of articles accepted as duplicates, which ``dedup check`` no longer
reports (as ``detect-secrets`` does with its ``.secrets.baseline``).

A pair is named by the digests of its two articles' comparison texts (their text after
normalisation and junk removal, as the exact rule compares them), so an entry holds while
the articles move within or between files. Locations and the title are written beside the
digests for the reader; they are not matched. The file is JSON, written in one piece:
a reader never sees half of it, and an existing file is replaced only when asked.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dedup.errors import InputError

if TYPE_CHECKING:  # read before a check forks its walk: the rest is imported where used
    from dedup.result import Match

#: The format of the file; a reader refuses any other.
FORMAT = 1
#: What the file says about itself, for whoever opens it.
NOTE = (
    "Pairs of articles accepted as duplicates: dedup check does not report them. "
    "Written by dedup check --write-baseline / --update-baseline; pairs are matched by "
    "the digests of the two articles' texts, the locations and title are for reading."
)
_DIGEST = re.compile(r"[0-9a-f]*")

Pair = tuple[str, str]


@dataclass(frozen=True)
class Entry:
    """One accepted pair: its digests (sorted) and, for the reader, where it was seen."""

    digests: Pair
    article: str
    original: str
    title: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "digests": list(self.digests),
            "article": self.article,
            "original": self.original,
            "title": self.title,
        }


@dataclass(frozen=True)
class Baseline:
    """The accepted pairs, by their digests."""

    entries: tuple[Entry, ...] = ()

    @property
    def pairs(self) -> frozenset[Pair]:
        return frozenset(entry.digests for entry in self.entries)

    def adding(self, matches: Iterable[Match]) -> Baseline:
        """This baseline with the pairs of ``matches`` it does not hold yet."""
        known = {entry.digests: entry for entry in self.entries}
        for match in matches:
            known.setdefault(pair_of(match), entry_of(match))
        return Baseline(tuple(sorted(known.values(), key=_order)))


def pair_of(match: Match) -> Pair:
    first, second = sorted(match.digests)
    return (first, second)


def entry_of(match: Match) -> Entry:
    title = " ".join(match.article.title.split())
    return Entry(pair_of(match), match.article.location, match.original.location, title)


def _order(entry: Entry) -> tuple[str, str, Pair]:
    return (entry.article, entry.original, entry.digests)


def read_baseline(path: Path) -> Baseline:
    """The baseline in ``path``; :class:`InputError` naming it when it is missing or not a
    baseline of this format."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(
            str(path), "baseline not found; create it with dedup check --write-baseline"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(str(path), f"cannot read the baseline: {exc}") from None
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise InputError(str(path), f"baseline is not valid JSON ({exc})") from None
    return Baseline(tuple(_entries(str(path), data)))


def _entries(path: str, data: Any) -> list[Entry]:
    if not isinstance(data, dict) or data.get("dedup_baseline") != FORMAT:
        raise InputError(path, f'not a dedup baseline (expected "dedup_baseline": {FORMAT})')
    pairs = data.get("pairs")
    if not isinstance(pairs, list):
        raise InputError(path, 'baseline has no "pairs" list')
    return [_entry(path, number, item) for number, item in enumerate(pairs, 1)]


def _entry(path: str, number: int, item: Any) -> Entry:
    digests = item.get("digests") if isinstance(item, dict) else None
    if not (
        isinstance(digests, list)
        and len(digests) == 2
        and all(isinstance(d, str) and _DIGEST.fullmatch(d) for d in digests)
    ):
        raise InputError(path, f'baseline pair {number}: expected "digests": two hex strings')
    info = [item.get(key) for key in ("article", "original", "title")]
    article, original, title = (value if isinstance(value, str) else "" for value in info)
    first, second = sorted(digests)
    return Entry((first, second), article, original, title)


def write_baseline(baseline: Baseline, path: Path, *, replace: bool) -> None:
    """Write ``baseline`` to ``path`` at once (:func:`dedup.atomic.atomic_file`). An
    existing ``path`` is an error unless ``replace``."""
    document = {
        "dedup_baseline": FORMAT,
        "note": NOTE,
        "pairs": [entry.to_dict() for entry in baseline.entries],
    }
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    from dedup.atomic import atomic_file

    hint = "use --update-baseline to add to it, or remove it first"
    with atomic_file(path, force=replace, errors="backslashreplace", exists=hint) as out:
        out.write(text)


def accepted_and_not(
    matches: Sequence[Match], baseline: Baseline
) -> tuple[list[Match], list[Match]]:
    """``matches`` split into those the baseline accepts and the rest."""
    pairs = baseline.pairs
    accepted = [m for m in matches if pair_of(m) in pairs]
    return accepted, [m for m in matches if pair_of(m) not in pairs]
