"""What the detection engine returns: groups of copies, each explaining itself."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from dedup.article import Article
from dedup.reading import Reading

#: The version of the ``--format json`` and ``jsonl`` outputs (dedup/schema/scan.schema.json):
#: raised when a field changes meaning or goes away, not when one is added.
SCHEMA_VERSION = 1

#: Which rule made a pair count as copies.
Rule = Literal["exact", "resemblance", "containment", "version"]
#: How a member of a group relates to its canonical article.
Relation = Literal["exact", "copy", "version"]


@dataclass(frozen=True)
class PairScore:
    """How alike two articles are, measured on their comparison texts.

    ``similarity`` is rapidfuzz's normalised Indel similarity of the whole texts (0..1).
    ``containment_ab`` is the share of ``a``'s shingles found in ``b`` and
    ``containment_ba`` the reverse; ``aligned`` is the share of the shorter text's words
    that appear in the same order in the longer one (rapidfuzz's longest common
    subsequence over words).
    ``rule`` names the rule that fired, or is None when the pair is not a copy,
    and ``reason`` says in words why (or why not).
    """

    similarity: float
    containment_ab: float
    containment_ba: float
    aligned: float
    number_overlap: float
    words_a: int
    words_b: int
    rule: Rule | None
    reason: str

    @property
    def is_copy(self) -> bool:
        return self.rule is not None

    @property
    def containment(self) -> float:
        """The larger of the two containments: how much of the shorter text the longer holds."""
        return max(self.containment_ab, self.containment_ba)

    def to_dict(self) -> dict[str, Any]:
        return {
            "similarity": round(self.similarity, 4),
            "containment": round(self.containment, 4),
            "containment_ab": round(self.containment_ab, 4),
            "containment_ba": round(self.containment_ba, 4),
            "aligned": round(self.aligned, 4),
            "number_overlap": round(self.number_overlap, 4),
            "words": [self.words_a, self.words_b],
            "rule": self.rule,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class Member:
    """A member of a group and its score against the group's canonical article.

    A member that does not verify against the canonical joined through another member,
    ``via``, with whom it verifies (``link`` is their score): a version of the story.
    """

    article: Article
    score: PairScore
    via: Article | None = None
    link: PairScore | None = None

    @property
    def rule(self) -> Rule | None:
        """The rule that joined it: against the canonical, or against ``via``."""
        return self.link.rule if self.link is not None else self.score.rule

    @property
    def relation(self) -> Relation:
        """``exact``, ``copy`` (near-identical, trimmed or padded) or ``version``."""
        if self.via is not None or self.score.rule == "version":
            return "version"
        return "exact" if self.score.rule == "exact" else "copy"

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.article.to_dict(with_body=False),
            **self.score.to_dict(),
            "rule": self.rule,
            "reason": self.reason,
            "relation": self.relation,
            "via": None if self.via is None else self.via.ref,
        }

    @property
    def reason(self) -> str:
        """Why it belongs: its verdict against the canonical, or against ``via``."""
        if self.via is None or self.link is None:
            return self.score.reason
        return f"joined through {self.via.ref}: {self.link.reason}"


@dataclass(frozen=True)
class Group:
    """A canonical article and the copies it stands for. ``id`` is 1-based and stable."""

    id: int
    canonical: Article
    copies: tuple[Member, ...]
    reason: str

    @property
    def size(self) -> int:
        return 1 + len(self.copies)

    def to_dict(self) -> dict[str, Any]:
        return {
            "group": self.id,
            "canonical": self.canonical.to_dict(with_body=False),
            "reason": self.reason,
            "copies": [m.to_dict() for m in self.copies],
        }


@dataclass(frozen=True)
class Stats:
    """Counts and timings of one run, for the summary line and benchmarks."""

    articles: int = 0
    exact_pairs: int = 0
    candidate_pairs: int = 0
    verified_pairs: int = 0
    boilerplate_lines: int = 0
    cache_hits: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    #: What the run read and what it skipped, per reason.
    reading: Reading = field(default_factory=Reading)
    #: Words of every article's comparison text (page junk and boilerplate left out).
    words: int = 0


@dataclass(frozen=True)
class Result:
    """Everything ``find_duplicates`` found, in a stable order (groups by canonical path)."""

    groups: tuple[Group, ...]
    parameters: dict[str, Any]
    stats: Stats

    @property
    def copies(self) -> int:
        return sum(len(g.copies) for g in self.groups)

    def to_dict(self) -> dict[str, Any]:
        """The ``--format json`` document (docs/formats.md; ``dedup/schema``)."""
        return {**self.head(), "groups": [g.to_dict() for g in self.groups]}

    def head(self) -> dict[str, Any]:
        """Every field of the ``--format json`` document but its groups."""
        return {
            "schema_version": SCHEMA_VERSION,
            "parameters": self.parameters,
            **self.stats.reading.to_dict(),
        }


@dataclass(frozen=True)
class Match:
    """For ``dedup check``: ``article`` (from a checked file) copies ``original``.

    ``digests`` are the hex digests of their comparison texts (article's, original's),
    which name the pair in a baseline of accepted findings whatever the files' layout.
    """

    article: Article
    original: Article
    score: PairScore
    digests: tuple[str, str] = field(default=("", ""), compare=False)
