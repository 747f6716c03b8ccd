"""One run of the engine: read → prepare → fingerprint → candidates → verify → group.

Every command that finds copies goes through :func:`run`, over one :class:`Corpus`, with
a store (:class:`dedup.store.scan.ScanStore`) that remembers what was read and scored.
The store on disk lets a re-scan skip unchanged files and pairs already scored; without
one the same code runs over a store in memory, so the result is byte for byte the same
either way. Results do not depend on input order: articles are ordered by (path, index),
seeds are fixed, and every tie is broken by that order.

- :func:`scan_paths` runs on files and folders (``dedup scan``);
- :func:`find_duplicates` runs on articles handed in whole (the library, ``collapse``).
"""

from __future__ import annotations

import contextlib
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import replace
from typing import Any, TextIO

from dedup.article import Article
from dedup.config import Config
from dedup.engine.boilerplate import cut_texts, learn_boilerplate
from dedup.engine.candidates import find_candidates
from dedup.engine.corpus import Corpus
from dedup.engine.deferred import deferring
from dedup.engine.fingerprint import SignatureStore
from dedup.engine.grouping import group_corpus
from dedup.engine.heap import reuse_freed_memory
from dedup.engine.load import load_articles, load_corpus
from dedup.engine.pairs import verify_pairs
from dedup.engine.signature import ANCHOR_THRESHOLD, SCHEME, band_layout
from dedup.engine.spill import Spill, spilled
from dedup.engine.verify import Side, score_pair
from dedup.errors import InputError, SpillError, ignore
from dedup.progress import ProgressCallback, no_progress
from dedup.read.ahead import Walked, walk_paths
from dedup.read.files import SURROGATES_IN_TEXT, without_lone_surrogates
from dedup.read.walk import Found
from dedup.reading import Reading, Tally
from dedup.result import PairScore, Result, Stats
from dedup.store.scan import ScanStore
from dedup.text.prepare import build_text, split_units
from dedup.text.shingles import ANCHOR_SHINGLES

WarningCallback = Callable[[InputError], None]
Edges = list[tuple[int, int]]


def scan_paths(
    paths: Sequence[str],
    config: Config,
    cache: SignatureStore | None = None,
    store: ScanStore | None = None,
    *,
    progress: ProgressCallback | None = None,
    on_warning: WarningCallback | None = None,
    per_file: Counter[str] | None = None,
    stdin: TextIO | None = None,
    walked: Callable[[], Walked] | None = None,
) -> Result:
    """Every group of copies in ``paths`` (files, folders, ``-``), reading only what the
    store does not hold. Articles in the result have no body. ``per_file`` counts the
    articles of each file; ``walked`` gives their walk when it was begun ahead
    (:class:`dedup.read.ahead.WalkAhead`)."""
    reuse_freed_memory()
    laps = Laps()
    warn, report = on_warning or ignore, progress or no_progress
    tally = Tally()

    @deferring()  # the index and cache writes nothing waits for are put off (deferred.defer)
    def attempt(spill: Spill) -> Result:
        tally.restart()
        corpus = load_corpus(events, config, held, spill, tally.counting(warn), report)
        if per_file is not None:
            per_file.clear()
            per_file.update(corpus.count_per_path())
        return with_reading(run(corpus, held, cache, report, laps), tally.reading(len(corpus)))

    given = contextlib.nullcontext(store) if store is not None else ScanStore.in_memory(config)
    with given as held:
        held.read_ahead(("snapshot", "bands"))  # read while the folders are walked
        walk = walked() if walked is not None else walk_paths(paths, config, stdin=stdin)
        events = walk.told(tally.left_out)
        tally.find(e.path for e in events if isinstance(e, Found))
        return spilled(attempt, spill_warning(warn))


def find_duplicates(
    articles: Iterable[Article],
    config: Config | None = None,
    *,
    progress: ProgressCallback | None = None,
    cache: SignatureStore | None = None,
    on_warning: WarningCallback | None = None,
) -> Result:
    """Every group of copies among ``articles``, each with its canonical article and scores.
    A damaged spill file makes the run start again (``articles`` are held, as they are
    anyway, so they can be read twice)."""
    config = config or Config()
    laps = Laps()
    given = [_encodable(article, on_warning or ignore) for article in articles]

    @deferring()
    def attempt(spill: Spill) -> Result:
        corpus = load_articles(given, config, spill)
        result = run(corpus, store, cache, progress or no_progress, laps)
        files = len({article.path for article in given})
        return with_reading(result, Reading(files=files, articles=len(corpus)))

    with ScanStore.in_memory(config) as store:
        return spilled(attempt, spill_warning(on_warning or ignore))


def _encodable(article: Article, warn: WarningCallback) -> Article:
    """``article``, its lone surrogates replaced (and ``warn`` told, naming it)."""
    mended = without_lone_surrogates(article)
    if mended is None:
        return article
    warn(InputError(article.path, SURROGATES_IN_TEXT, article.line))
    return mended


def with_reading(result: Result, reading: Reading) -> Result:
    """``result`` with what its run read and skipped in its stats."""
    return replace(result, stats=replace(result.stats, reading=reading))


def spill_warning(warn: WarningCallback) -> Callable[[SpillError], None]:
    """Tell ``warn`` that a damaged spill file makes the run read its inputs again."""

    def told(exc: SpillError) -> None:
        warn(InputError(exc.path, f"spill file {exc.damage}; reading the inputs again"))

    return told


def run(
    corpus: Corpus,
    store: ScanStore,
    cache: SignatureStore | None,
    report: ProgressCallback,
    laps: Laps,
    *,
    focus: Collection[int] | None = None,
) -> Result:
    """The stages after reading: boilerplate, exact copies, candidates, verdicts, groups.
    With a ``focus``, only pairs involving one of those articles count (``dedup check``)."""
    corpus.boilerplate = learn_boilerplate(corpus, store)
    prepared = cut_texts(corpus, store)
    laps("prepare")
    digests = prepared.digests()
    edges, reps = exact_edges(digests)
    among = None if focus is None else _focus_reps(edges, focus)
    pairs, hits = find_candidates(corpus, digests, reps, cache, store, report, among=among)
    if among is not None:
        edges, pairs = _near(edges, pairs, among)
    laps("candidates")
    verified = verify_pairs(corpus, digests, pairs, store, report)
    laps("verify")
    groups = group_corpus(corpus, prepared, edges + verified, store)
    laps("group")
    counts = (len(corpus), len(edges), len(pairs), len(verified))
    words = prepared.total_words()
    stats = Stats(*counts, len(corpus.boilerplate), hits, laps.seconds, words=words)
    return Result(tuple(groups), parameters(corpus.config), stats)


def exact_edges(digests: Sequence[bytes]) -> tuple[Edges, list[int]]:
    """Edges joining identical comparison texts (by their ``digests``, one per article),
    and one representative per distinct text (an empty digest is no text)."""
    first: dict[bytes, int] = {}
    edges: Edges = []
    reps: list[int] = []
    for i, text in enumerate(digests):
        if not text:
            continue
        seen = first.setdefault(text, i)
        if seen == i:
            reps.append(i)
        else:
            edges.append((seen, i))
    return edges, reps


def _focus_reps(edges: Edges, focus: Collection[int]) -> set[int]:
    """The ``focus`` articles and the representatives of their exact copies (exact edges
    join each copy to its representative)."""
    wanted = set(focus)
    return {*wanted, *(a for a, b in edges if b in wanted)}


def _near(edges: Edges, pairs: Edges, reps: set[int]) -> tuple[Edges, Edges]:
    """The exact edges and candidate pairs that reach the focus articles and the
    representatives of their exact copies (``reps``): their pairs, and the exact copies of
    every article those pairs hold."""
    pairs = [(a, b) for a, b in pairs if a in reps or b in reps]
    near = reps | {x for pair in pairs for x in pair}
    return [(a, b) for a, b in edges if a in near], pairs


def compare(a: Article, b: Article, config: Config | None = None) -> PairScore:
    """Score two articles on their own (junk patterns apply; corpus boilerplate does not)."""
    config = config or Config()
    a, b = (without_lone_surrogates(x) or x for x in (a, b))
    left, right = (build_text(split_units(x, config), frozenset()) for x in (a, b))
    return score_pair(Side.of(left, config), Side.of(right, config), config)


def parameters(config: Config) -> dict[str, Any]:
    """The parameters in force, reported with every result."""
    bands, rows = band_layout(config.lsh_threshold, config.num_perm)
    anchor_bands, anchor_rows = band_layout(ANCHOR_THRESHOLD, config.num_perm)
    keys = (
        "shingle_size",
        "num_perm",
        "seed",
        "lsh_threshold",
        "similarity",
        "containment",
        "coverage",
        "min_words",
        "number_overlap",
        "boilerplate_min_docs",
        "grouping",
        "chain_containment",
    )
    return {
        **{k: getattr(config, k) for k in keys},
        "lsh_bands": bands,
        "lsh_rows": rows,
        "anchor_shingles": ANCHOR_SHINGLES,
        "anchor_threshold": ANCHOR_THRESHOLD,
        "anchor_bands": anchor_bands,
        "anchor_rows": anchor_rows,
        "minhash_scheme": SCHEME,
    }


class Laps:
    """Seconds spent in each stage."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.last = time.perf_counter()

    def __call__(self, stage: str) -> None:
        now = time.perf_counter()
        self.seconds[stage] = round(now - self.last, 4)
        self.last = now


__all__ = ["compare", "find_duplicates", "parameters", "run", "scan_paths"]
