"""A labelled corpus for the accuracy benchmark: planted copies, hard negatives, fillers.

``build_plan`` chooses real articles and makes copies of them; ``write_corpus`` lays the
plan out as files (dumps with chrome and related blocks, about 10% gzip-compressed;
plain article files, half of them whole saved pages with a site's navigation and
footer; JSON Lines exports) and returns the truth keyed by ``"path#index"``.
"""

from __future__ import annotations

import dataclasses
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from corpus_gen import (
    SITE_PAGES,
    STRENGTHS,
    TRANSFORMS,
    Block,
    SourceArticle,
    load_bbc,
    load_reuters,
    load_source_articles,
    read_measured_pairs,
    render_jsonl,
    render_page,
    render_plain,
    write_dump,
)
from negatives import (
    ArticlePair,
    pair_background,
    pair_followups,
    pair_recurring,
    pair_same_event,
    pair_templated,
)

Place = Literal["main", "related", "plain", "jsonl", "any"]

#: How much of everything each ``--size`` plants.
SIZES: dict[str, dict[str, int]] = {
    "small": {"per_variant": 6, "repeated": 4, "negatives": 10, "fillers": 150},
    "full": {"per_variant": 30, "repeated": 20, "negatives": 40, "fillers": 1200},
}
#: Index of the first record of a JSON Lines export (``Article.index``).
JSONL_FIRST_INDEX = 0

AGES = ("12 minutes ago", "40 minutes ago", "an hour ago", "3 hours ago", "9 hours ago")
AGES_OLD = ("yesterday", "2 days ago", "4 days ago", "a week ago")
OUTLETS = (
    "Yahoo",
    "MSN",
    "NewsBreak",
    "The Harlow Gazette",
    "Riverside Daily",
    "Northgate Post",
    "Bay City Herald",
    "Evening Sentinel",
)


@dataclass(frozen=True)
class Item:
    """One article to write somewhere; ``id`` names it in the plan."""

    id: str
    block: Block
    place: Place = "any"


@dataclass
class Plan:
    """What to write and what is true about it, in item ids."""

    items: list[Item] = field(default_factory=list)
    families: list[list[str]] = field(default_factory=list)
    copy_pairs: list[tuple[str, str, str]] = field(default_factory=list)
    negative_pairs: list[tuple[str, str, str]] = field(default_factory=list)
    repeated: list[list[str]] = field(default_factory=list)
    originals: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Truth:
    """The plan's labels keyed by ``"path#index"`` (paths relative to the corpus root)."""

    keys: tuple[str, ...]
    groups: tuple[tuple[str, ...], ...]
    copy_pairs: tuple[tuple[str, str, str], ...]
    negative_pairs: tuple[tuple[str, str, str], ...]
    originals: tuple[str, ...]
    files: int


def _as_original(article: SourceArticle) -> Block:
    """A wire original: Reuters text gets its dateline, BBC text its outlet."""
    if article.corpus == "reuters" and article.dateline:
        city = article.dateline.split(",")[0].strip()
        lead = f"{city} (Reuters) - {article.paragraphs[0]}"
        return Block(article.title, (lead, *article.paragraphs[1:]), "Reuters")
    return Block(article.title, article.paragraphs, "BBC News")


def _plant_copies(plan: Plan, bases: list[SourceArticle], rng: random.Random, per: int) -> None:
    variants = [(name, s) for name in TRANSFORMS for s in STRENGTHS for _ in range(per)]
    rng.shuffle(variants)
    while variants:
        base = bases.pop()
        take = rng.randint(1, 3)
        chunk, variants = variants[:take], variants[take:]
        original = _as_original(base)
        plan.items.append(Item(base.id, original, rng.choice(("related", "any"))))
        plan.originals.append(base.id)
        family = [base.id]
        for number, (name, strength) in enumerate(chunk):
            title, body = TRANSFORMS[name](original.title, original.paragraphs, rng, strength)
            copy_id = f"{base.id}/{name}-{strength}-{number}"
            place: Place = rng.choice(("main", "plain")) if name == "rewrap" else "any"
            plan.items.append(Item(copy_id, Block(title, body, rng.choice(OUTLETS)), place))
            plan.copy_pairs.append((base.id, copy_id, f"{name}/{strength}"))
            family.append(copy_id)
        plan.families.append(family)


def _plant_repeated(plan: Plan, bases: list[SourceArticle], rng: random.Random, n: int) -> None:
    """Articles that recur verbatim as the same related block in 4-8 dumps."""
    for _ in range(n):
        base = bases.pop()
        original = _as_original(base)
        copies = [f"{base.id}/repeat-{k}" for k in range(rng.randint(4, 8))]
        for k, copy_id in enumerate(copies):
            age = AGES[k % len(AGES)] if k < len(AGES) else AGES_OLD[k % len(AGES_OLD)]
            plan.items.append(Item(copy_id, dataclasses.replace(original, age=age), "related"))
        plan.families.append(copies)
        plan.repeated.append(copies)
        plan.copy_pairs += [(copies[0], c, "repeated_related") for c in copies[1:]]


@dataclass
class _Ledger:
    """Which real articles are placed, and which near-duplicate twins each one has."""

    twins: dict[str, set[str]]
    used: set[str] = field(default_factory=set)
    negatives: set[str] = field(default_factory=set)

    def can_place(self, article: SourceArticle) -> bool:
        if article.id in self.used:
            return article.id in self.negatives
        return not self.twins.get(article.id, set()) & self.used


def _read_twins(shared_dir: Path) -> dict[str, set[str]]:
    """Articles the corpora READMEs measured as near-duplicates (J >= 0.8) of each other."""
    twins: dict[str, set[str]] = {}
    for corpus in ("bbc", "reuters"):
        for a, b, score, _ in read_measured_pairs(shared_dir, corpus):
            if score >= 0.8:
                twins.setdefault(a, set()).add(b)
                twins.setdefault(b, set()).add(a)
    return twins


def _plant_negatives(plan: Plan, label: str, pairs: Sequence[ArticlePair], ledger: _Ledger) -> None:
    for a, b in pairs:
        if not (ledger.can_place(a) and ledger.can_place(b)):
            continue
        for article in (a, b):
            if article.id not in ledger.negatives:
                block = Block(article.title, article.paragraphs, _outlet_for(article))
                plan.items.append(Item(article.id, block))
                ledger.used.add(article.id)
                ledger.negatives.add(article.id)
        plan.negative_pairs.append((a.id, b.id, label))


def _outlet_for(article: SourceArticle) -> str:
    return OUTLETS[sum(map(ord, article.id)) % len(OUTLETS)]


def _fit_as_base(article: SourceArticle) -> bool:
    """120+ words in 4+ paragraphs, none over 40% of the words, so trims stay gradual."""
    longest = max((len(p.split()) for p in article.paragraphs), default=0)
    return (
        article.word_count >= 120
        and len(article.paragraphs) >= 4
        and longest <= 0.4 * article.word_count
    )


def build_plan(shared_dir: Path, size: str, seed: int) -> Plan:
    """Choose articles, plant copies and hard negatives, fill up with unrelated articles."""
    counts = SIZES[size]
    rng = random.Random(seed)
    pool = load_source_articles(shared_dir)
    rng.shuffle(pool)
    bases = [a for a in pool if _fit_as_base(a)]
    plan = Plan()
    ledger = _Ledger(_read_twins(shared_dir))
    n_bases = 3 * counts["per_variant"] * len(TRANSFORMS) + counts["repeated"]
    chosen, bases = bases[:n_bases], bases[n_bases:]
    ledger.used.update(a.id for a in chosen)
    _plant_copies(plan, chosen, rng, counts["per_variant"])
    _plant_repeated(plan, chosen, rng, counts["repeated"])
    free = [a for a in pool if a.id not in ledger.used]
    bbc_free = [a for a in free if a.corpus == "bbc"]
    half = len(bbc_free) // 2
    n = counts["negatives"]
    bbc_by_id = {a.id: a for a in load_bbc(shared_dir)}
    reuters = load_reuters(shared_dir)
    _plant_negatives(plan, "same_event", pair_same_event(bbc_free[:half], rng, n), ledger)
    _plant_negatives(plan, "background", pair_background(bbc_free[half:], rng, n), ledger)
    _plant_negatives(plan, "bbc_followup", pair_followups(shared_dir, bbc_by_id), ledger)
    _plant_negatives(plan, "templated", pair_templated(shared_dir, reuters, rng, n), ledger)
    _plant_negatives(plan, "recurring", pair_recurring(reuters, n), ledger)
    fillers = [a for a in free if a.id not in ledger.used][: counts["fillers"]]
    plan.items += [Item(a.id, Block(a.title, a.paragraphs, rng.choice(OUTLETS))) for a in fillers]
    return plan


def _assign_places(plan: Plan, rng: random.Random) -> tuple[list[Item], ...]:
    by_place: dict[str, list[Item]] = {p: [] for p in ("main", "related", "plain", "jsonl", "any")}
    repeated_ids = {i for group in plan.repeated for i in group}
    for item in plan.items:
        if item.id not in repeated_ids:
            by_place[item.place].append(item)
    flexible = by_place["any"]
    rng.shuffle(flexible)
    n_plain = len(flexible) // 5
    n_jsonl = len(flexible) // 10
    by_place["plain"] += flexible[:n_plain]
    by_place["jsonl"] += flexible[n_plain : n_plain + n_jsonl]
    rest = flexible[n_plain + n_jsonl :]
    related_total = len(by_place["related"]) + len(repeated_ids) + len(rest)
    dumps = max(len(by_place["main"]), math.ceil(related_total / 4), 8)
    need = max(0, dumps - len(by_place["main"]))
    mains = by_place["main"] + rest[:need]
    return mains, by_place["related"] + rest[need:], by_place["plain"], by_place["jsonl"]


def _distribute(
    plan: Plan, mains: list[Item], related: list[Item], rng: random.Random
) -> list[list[Item]]:
    slots: list[list[Item]] = [[] for _ in mains]
    by_id = {item.id: item for item in plan.items}
    for group in plan.repeated:
        for dump, item_id in zip(rng.sample(range(len(mains)), len(group)), group, strict=True):
            slots[dump].append(by_id[item_id])
    rng.shuffle(related)
    for item in related:
        slots[min(range(len(slots)), key=lambda d: (len(slots[d]), rng.random()))].append(item)
    for slot in slots:
        rng.shuffle(slot)
    return slots


def write_corpus(plan: Plan, root: Path, seed: int) -> Truth:
    """Write the plan under ``root`` and return its truth in ``path#index`` keys."""
    rng = random.Random(seed + 1)
    mains, related, plain, jsonl = _assign_places(plan, rng)
    rng.shuffle(mains)
    keys: dict[str, str] = {}
    for number, (main, blocks) in enumerate(
        zip(mains, _distribute(plan, mains, related, rng), strict=True)
    ):
        name = Path("dumps") / f"{number:04d}_{rng.getrandbits(64):016x}.txt"
        written = write_dump(
            root / name, main.block, [b.block for b in blocks], compress=rng.random() < 0.1
        )
        rel = written.relative_to(root).as_posix()
        keys[main.id] = f"{rel}#0"
        keys.update({b.id: f"{rel}#{k}" for k, b in enumerate(blocks, start=1)})
    for number, item in enumerate(plain):
        rel = f"articles/{number:05d}.txt"
        (root / "articles").mkdir(parents=True, exist_ok=True)
        page = rng.random() < 0.5
        text = render_page(item.block, rng.choice(sorted(SITE_PAGES))) if page else None
        (root / rel).write_text(text or render_plain(item.block), encoding="utf-8")
        keys[item.id] = f"{rel}#0"
    for start in range(0, len(jsonl), 40):
        chunk = jsonl[start : start + 40]
        rel = f"exports/export-{start // 40:03d}.jsonl"
        (root / "exports").mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(render_jsonl([i.block for i in chunk]), encoding="utf-8")
        keys.update({i.id: f"{rel}#{k + JSONL_FIRST_INDEX}" for k, i in enumerate(chunk)})
    return _translate(plan, keys, files=len(mains) + len(plain) + math.ceil(len(jsonl) / 40))


def _translate(plan: Plan, keys: dict[str, str], files: int) -> Truth:
    return Truth(
        keys=tuple(sorted(keys.values())),
        groups=tuple(tuple(keys[i] for i in family) for family in plan.families),
        copy_pairs=tuple((keys[a], keys[b], label) for a, b, label in plan.copy_pairs),
        negative_pairs=tuple((keys[a], keys[b], label) for a, b, label in plan.negative_pairs),
        originals=tuple(keys[i] for i in plan.originals),
        files=files,
    )
