"""Which member of a group ``dedup collapse`` keeps: the ``--keep`` rules.

By default the group's canonical article stays. Rules narrow the group's members in the
order given, each rule keeping the members it prefers when any qualifies, and the first
member left (the canonical when it is left) is kept:

- ``canonical``: the canonical article;
- ``path:GLOB``: members whose path (as named) matches GLOB (``*`` also crosses ``/``),
  as rmlint's ``-k``/``//`` tagging keeps files under an original folder;
- ``oldest:FIELD`` / ``newest:FIELD``: the record(s) with the earliest or latest date in
  the JSON field FIELD (ISO 8601 or most written forms; a record without a date that
  reads is never preferred by it).
"""

from __future__ import annotations

import fnmatch
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Literal

from dedup.article import Article

Order = Literal["canonical", "path", "oldest", "newest"]
Key = tuple[str, int]
#: The JSON record of an article, or None when it has none (a dump's, a plain file's).
RecordOf = Callable[[Article], "dict[str, Any] | None"]


@dataclass(frozen=True)
class KeepRule:
    """One ``--keep`` rule: its kind and its argument (a glob or a field name)."""

    kind: Order
    argument: str = ""

    @classmethod
    def parse(cls, text: str) -> KeepRule:
        """``canonical``, ``path:GLOB``, ``oldest:FIELD`` or ``newest:FIELD``; ValueError
        naming the accepted forms otherwise."""
        kind, _, argument = text.partition(":")
        if kind == "canonical" and not argument:
            return cls("canonical")
        if kind in ("path", "oldest", "newest") and argument:
            return cls(kind, argument)  # type: ignore[arg-type]
        raise ValueError(
            f"{text!r} is not a keep rule: use canonical, path:GLOB, oldest:FIELD or newest:FIELD"
        )

    def __str__(self) -> str:
        return self.kind if self.kind == "canonical" else f"{self.kind}:{self.argument}"


def date_fields(rules: Iterable[KeepRule]) -> list[str]:
    """The record fields the rules compare dates of."""
    return [r.argument for r in rules if r.kind in ("oldest", "newest")]


def choose(members: Sequence[Article], rules: Sequence[KeepRule], record_of: RecordOf) -> Article:
    """The member to keep of ``members`` (the canonical first, then its copies)."""
    left = list(members)
    for rule in rules:
        if len(left) == 1:
            break
        left = _narrow(left, rule, members[0], record_of)
    return left[0]


def _narrow(
    left: list[Article], rule: KeepRule, canonical: Article, record_of: RecordOf
) -> list[Article]:
    if rule.kind == "canonical":
        preferred = [a for a in left if a is canonical]
    elif rule.kind == "path":
        preferred = [a for a in left if fnmatch.fnmatchcase(a.path, rule.argument)]
    else:
        dates = {id(a): parse_date(_field(record_of(a), rule.argument)) for a in left}
        known = [d for d in dates.values() if d is not None]
        best = (min if rule.kind == "oldest" else max)(known) if known else None
        preferred = [a for a in left if best is not None and dates[id(a)] == best]
    return preferred or left


def _field(record: dict[str, Any] | None, name: str) -> Any:
    return None if record is None else record.get(name)


def parse_date(value: Any) -> datetime | None:
    """A date and time from a record's field, in UTC when it names a zone, or None."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        from dateutil import parser  # loaded only for dates ISO 8601 does not read

        with warnings.catch_warnings():  # a zone name it cannot place: read as no zone
            warnings.simplefilter("ignore")
            try:
                parsed = parser.parse(value)
            except (ValueError, OverflowError):
                return None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(timezone.utc).replace(tzinfo=None)
    return parsed
