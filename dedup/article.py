"""The one data type every stage shares: an article cut out of a file."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Kind = Literal["main", "related", "plain", "record"]


@dataclass(frozen=True)
class Article:
    """One article found in a file.

    ``path`` is the file as the user named it (relative to where they pointed),
    ``index`` is the article's position in that file (0 for a dump's main article,
    1, 2, ... for its related blocks, the record number in a JSON Lines export),
    ``line``/``end_line`` are the 1-based inclusive line span it occupies.
    ``body`` holds the paragraphs as the file has them; chrome is never part of it.
    """

    path: str
    index: int
    line: int
    end_line: int
    title: str
    body: tuple[str, ...]
    kind: Kind = "plain"
    source: str | None = None
    age: str | None = None
    extra: tuple[tuple[str, str], ...] = field(default=(), compare=False)

    @property
    def text(self) -> str:
        """Title and body as one text, paragraphs separated by newlines."""
        return "\n".join((self.title, *self.body)) if self.title else "\n".join(self.body)

    @property
    def location(self) -> str:
        """``path:line``, the form editors and grep understand."""
        return f"{self.path}:{self.line}"

    @property
    def ref(self) -> str:
        """``path#index``, unambiguous even for JSON Lines records."""
        return f"{self.path}#{self.index}"

    @property
    def word_count(self) -> int:
        return sum(len(p.split()) for p in self.body)

    def to_dict(self, *, with_body: bool = True) -> dict[str, Any]:
        """A JSON-ready record of this article."""
        record: dict[str, Any] = {
            "path": self.path,
            "index": self.index,
            "line": self.line,
            "end_line": self.end_line,
            "kind": self.kind,
            "source": self.source,
            "age": self.age,
            "title": self.title,
        }
        if with_body:
            record["body"] = list(self.body)
        if self.extra:
            record["extra"] = dict(self.extra)
        return record
