"""What a run read and what it skipped, and why, counted at one place.

Reading never stops on bad input: every file, folder or record it passes over is reported
as an :class:`InputError` naming it (see :mod:`dedup.read`). A :class:`Tally` sees each
of those warnings as it goes by, sorts it by what was skipped and why (:func:`classify`)
and gives the counts as a :class:`Reading`, which the summary line and ``--format json``
show. Files and folders that the include and exclude globs leave out give no warning: the
walk tells the tally of them (:meth:`Tally.left_out`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from dedup.errors import InputError

#: What a skip passed over.
Unit = Literal["file", "folder", "record"]
UNITS: tuple[Unit, ...] = ("file", "folder", "record")
WarningCallback = Callable[[InputError], None]

#: Reasons files are left out without a warning, as the summary words them.
LEFT_OUT_INCLUDE = "left out by --include"
LEFT_OUT_EXCLUDE = "left out by --exclude"
#: A file read in spite of its bytes: not a skip, counted apart.
INVALID_UTF8 = "invalid UTF-8"

#: How a warning's reason starts, what it skipped and the reason as the summary words it.
#: Longer openings come before shorter ones they begin with ("cannot read folder").
REASONS: tuple[tuple[str, Unit, str], ...] = (
    ("empty file", "file", "empty"),
    ("no text, skipped", "file", "no text"),
    ("binary file", "file", "binary"),
    ("not a valid gzip file", "file", "not valid gzip"),
    ("file over the", "file", "too large"),
    ("not a regular file", "file", "not a regular file"),
    ("no such file", "file", "missing"),
    ("cannot read folder", "folder", "unreadable"),
    ("cannot read", "file", "unreadable"),
    ("invalid JSON", "file", "invalid JSON"),
    ("expected a list of records", "file", "not a list of records"),
    ("line over the", "record", "too large"),
    ("malformed JSON line", "record", "malformed JSON"),
    ("record is not a JSON object", "record", "not a JSON object"),
    ("record has neither title", "record", "no text"),
    ("record has no text", "record", "no text"),
)


@dataclass(frozen=True)
class Skip:
    """What a warning says was passed over (a file, folder or record), and why."""

    unit: Unit
    reason: str


def classify(error: InputError) -> Skip | None:
    """What ``error`` skipped, or None for a warning that skipped nothing (invalid UTF-8
    decoded with replacement, a spill file read again). A reason this module does not
    know that still says ``skipped`` counts as a skipped file, worded as its message
    opens."""
    message = error.reason
    for opening, unit, reason in REASONS:
        if message.startswith(opening):
            return Skip(unit, reason)
    if "skipped" not in message:
        return None
    return Skip("file", message.split(" (", 1)[0].split(",", 1)[0].strip() or "skipped")


@dataclass(frozen=True)
class Reading:
    """What one run read (files, articles) and what it skipped, per unit and reason.

    ``files`` counts the files read, whether or not they held an article; a file skipped
    whole is counted under ``skipped["file"]`` instead. ``invalid_utf8`` counts files read
    with invalid UTF-8 decoded with replacement (read, not skipped).
    """

    files: int = 0
    articles: int = 0
    skipped: Mapping[Unit, Mapping[str, int]] = field(default_factory=dict)
    invalid_utf8: int = 0

    def count(self, unit: Unit) -> int:
        """How many ``unit``s were skipped, for every reason."""
        return sum(self.skipped.get(unit, {}).values())

    @property
    def any_skipped(self) -> bool:
        return any(self.count(unit) for unit in UNITS)

    def to_dict(self) -> dict[str, Any]:
        """The ``read`` and ``skipped`` fields of ``--format json`` (docs/formats.md)."""
        return {
            "read": {
                "files": self.files,
                "articles": self.articles,
                "invalid_utf8_files": self.invalid_utf8,
            },
            "skipped": {
                f"{unit}s": dict(sorted(self.skipped.get(unit, {}).items())) for unit in UNITS
            },
        }


class Tally:
    """Counts what a run reads and skips: a warning callback that counts (pass it through
    :meth:`counting` to forward each warning too), told of left-out files by the walk and
    of the files found to read by the reader."""

    def __init__(self) -> None:
        self.left: Counter[tuple[Unit, str]] = Counter()
        self.found: list[str] = []
        #: Articles read, for a caller that learns it only from the run (``check``).
        self.articles = 0
        self.restart()

    def restart(self) -> None:
        """Forget the warnings counted so far (a run reading its inputs again); the files
        found and left out stay."""
        self.skipped_files: dict[str, str] = {}
        self.skipped_folders: dict[str, str] = {}
        self.records: Counter[str] = Counter()
        self.invalid_utf8: set[str] = set()

    def __call__(self, error: InputError) -> None:
        skip = classify(error)
        if skip is None:
            if error.reason.startswith(INVALID_UTF8):
                self.invalid_utf8.add(error.path)
        elif skip.unit == "record":
            self.records[skip.reason] += 1
        elif skip.unit == "folder":
            self.skipped_folders.setdefault(error.path, skip.reason)
        else:  # a file counts once, under the first reason given for it
            self.skipped_files.setdefault(error.path, skip.reason)

    def counting(self, forward: WarningCallback) -> WarningCallback:
        """A warning callback that counts each warning, then hands it to ``forward``."""

        def warn(error: InputError) -> None:
            self(error)
            forward(error)

        return warn

    def left_out(self, path: str, unit: Unit, reason: str) -> None:
        """``path`` (a file or folder) was passed over by the globs, without a warning."""
        self.left[(unit, reason)] += 1

    def find(self, paths: Iterable[str]) -> None:
        """These files were found to be read."""
        self.found.extend(paths)

    def reading(self, articles: int) -> Reading:
        """The counts so far, with ``articles`` read."""
        skipped: dict[Unit, Counter[str]] = {unit: Counter() for unit in UNITS}
        skipped["file"].update(self.skipped_files.values())
        skipped["folder"].update(self.skipped_folders.values())
        skipped["record"].update(self.records)
        for (unit, reason), count in self.left.items():
            skipped[unit][reason] += count
        files = sum(1 for path in set(self.found) if path not in self.skipped_files)
        kept = {unit: dict(counts) for unit, counts in skipped.items() if counts}
        return Reading(files, articles, kept, len(self.invalid_utf8))
