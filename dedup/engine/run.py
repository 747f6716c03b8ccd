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
import json
import struct
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import replace
from functools import partial
from typing import Any, TextIO

import numpy as np

from dedup.article import Article
from dedup.config import Config
from dedup.engine.corpus import Corpus, Found, cut_texts, digest, learn_boilerplate
from dedup.engine.fingerprint import SignatureStore, fingerprint
from dedup.engine.grouping import group_corpus
from dedup.engine.load import load_articles, load_corpus, walk
from dedup.engine.pairs import verify_pairs
from dedup.engine.signature import ANCHOR_THRESHOLD, SCHEME, BandTable, band_layout
from dedup.engine.spill import Spill, spilled
from dedup.engine.verify import Side, score_pair
from dedup.errors import InputError, SpillError, ignore
from dedup.progress import ProgressCallback, no_progress
from dedup.reading import Reading, Tally
from dedup.result import PairScore, Result, Stats
from dedup.store.scan import ScanStore
from dedup.text.prepare import build_text, split_units
from dedup.text.shingles import ANCHOR_SHINGLES

WarningCallback = Callable[[InputError], None]
#: Bytes of a comparison text's digest (the key of its signature and band keys).
DIGEST_SIZE = 16
#: Band keys of the representatives are kept for the next run (which then fingerprints
#: only texts it has not seen) up to this many: 63 MB at 250,000.
MAX_BANDS_KEPT = 250_000
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
) -> Result:
    """Every group of copies in ``paths`` (files, folders, ``-``), reading only what the
    store does not hold. Articles in the result have no body. ``per_file`` counts the
    articles of each file."""
    laps = Laps()
    warn, report = on_warning or ignore, progress or no_progress
    tally = Tally()
    events = walk(paths, config, stdin, tally.left_out)
    tally.find(e.path for e in events if isinstance(e, Found))

    def attempt(spill: Spill) -> Result:
        tally.restart()
        corpus = load_corpus(events, config, held, spill, tally.counting(warn), report)
        if per_file is not None:
            per_file.clear()
            per_file.update(corpus.count_per_path())
        return with_reading(run(corpus, held, cache, report, laps), tally.reading(len(corpus)))

    given = contextlib.nullcontext(store) if store is not None else ScanStore.in_memory(config)
    with given as held:
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
    given = articles if isinstance(articles, Sequence) else list(articles)

    def attempt(spill: Spill) -> Result:
        corpus = load_articles(given, config, spill)
        result = run(corpus, store, cache, progress or no_progress, laps)
        files = len({article.path for article in given})
        return with_reading(result, Reading(files=files, articles=len(corpus)))

    with ScanStore.in_memory(config) as store:
        return spilled(attempt, spill_warning(on_warning or ignore))


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
    pairs, hits = find_candidates(corpus, digests, reps, cache, store, report)
    if focus is not None:
        edges, pairs = _near(edges, pairs, focus)
    laps("candidates")
    verified = verify_pairs(corpus, prepared, pairs, store, report)
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


def _near(edges: Edges, pairs: Edges, focus: Collection[int]) -> tuple[Edges, Edges]:
    """The exact edges and candidate pairs that reach the ``focus``: pairs of a focus
    article or of the representative of its exact copies, and the exact copies of every
    article those pairs hold (exact edges join each copy to its representative)."""
    reps = {*focus, *(a for a, b in edges if b in focus)}
    pairs = [(a, b) for a, b in pairs if a in reps or b in reps]
    near = reps | {x for pair in pairs for x in pair}
    return [(a, b) for a, b in edges if a in near], pairs


def find_candidates(
    corpus: Corpus,
    digests: Sequence[bytes],
    reps: Sequence[int],
    cache: SignatureStore | None,
    store: ScanStore,
    report: ProgressCallback,
) -> tuple[Edges, int]:
    """Candidate pairs among the representatives (LSH on their fingerprint rows), and how
    many signatures the cache held.

    Candidates depend only on the representatives' texts, in order: when their digests are
    those of a run the store remembers, its candidates are taken and no signature is read.
    """
    key = digest(b"".join([digests[i] for i in reps]))
    found = store.get("candidates", [key]).get(key)
    if found is not None:
        flat = json.loads(found)
        pairs = [(reps[flat[k]], reps[flat[k + 1]]) for k in range(0, len(flat), 2)]
        return pairs, len(reps) if cache is not None else 0
    table, hits = _band_table(corpus, [digests[i] for i in reps], reps, cache, store, report)
    local = table.pairs()
    store.put_memo("candidates", key, json.dumps(local.ravel().tolist()))
    return [(reps[i], reps[j]) for i, j in local.tolist()], hits


def _band_table(
    corpus: Corpus,
    keys: Sequence[bytes],
    reps: Sequence[int],
    cache: SignatureStore | None,
    store: ScanStore,
    report: ProgressCallback,
) -> tuple[BandTable, int]:
    """The band keys of the representatives (digests ``keys``): those the store kept, the
    others fingerprinted; and how many were not made (kept, or in the cache). A table
    with new keys is kept for the next run."""
    config = corpus.config
    table = BandTable(len(reps), config.num_perm, config.lsh_threshold)
    todo = _known_bands(store, keys, table)
    made = np.asarray(todo, dtype=np.int64)
    hits = (
        len(reps)
        - len(todo)
        + fingerprint(
            [keys[k] for k in todo],
            partial(_rep_text, corpus, [reps[k] for k in todo]),
            lambda positions, rows: table.fill(made[positions], rows),
            config,
            cache,
            report,
            before_making=lambda missing: corpus.need(reps[todo[k]] for k in missing),
        )
    )
    value = _encode_bands(keys, table) if len(reps) <= MAX_BANDS_KEPT and todo else None
    if value is not None and store.path is not None:
        store.store_whole("bands", value)
    return table, hits


def _known_bands(store: ScanStore, keys: Sequence[bytes], table: BandTable) -> list[int]:
    """Fill ``table`` with the band keys the store kept of texts with those digests (made
    by the last run that made any); the positions left to fingerprint."""
    kept = store.load_whole("bands", partial(_decode_bands, table))
    if kept is None or any(len(key) != DIGEST_SIZE for key in keys):
        return list(range(len(keys)))
    where, stored = kept
    found = [(k, where[key]) for k, key in enumerate(keys) if key in where]
    if found:
        here, there = np.asarray(found, dtype=np.intp).T
        table.copy_rows(stored, here, there)
    held = {k for k, _ in found}
    return [k for k in range(len(keys)) if k not in held]


def _encode_bands(keys: Sequence[bytes], table: BandTable) -> bytes | None:
    """The band keys of texts with digests ``keys``, as the store keeps them."""
    if any(len(key) != DIGEST_SIZE for key in keys):
        return None
    return struct.pack("<Q", len(keys)) + b"".join(keys) + table.to_bytes()


def _decode_bands(like: BandTable, data: bytes) -> tuple[dict[bytes, int], BandTable]:
    """What :func:`_encode_bands` wrote (made with the settings of ``like``): each digest's
    row, and the rows."""
    (count,) = struct.unpack_from("<Q", data) if len(data) >= 8 else (-1,)
    end = 8 + DIGEST_SIZE * count
    if count < 0 or len(data) < end:
        raise ValueError("too short for band keys")
    table = BandTable.from_bytes(data[end:], like.num_perm, like.threshold)
    if len(table.valid) != count:
        raise ValueError("band keys of another count of texts")
    where = {data[at : at + DIGEST_SIZE]: k for k, at in enumerate(range(8, end, DIGEST_SIZE))}
    return where, table


def _rep_text(corpus: Corpus, reps: Sequence[int], k: int) -> str:
    return corpus.text(reps[k])


def compare(a: Article, b: Article, config: Config | None = None) -> PairScore:
    """Score two articles on their own (junk patterns apply; corpus boilerplate does not)."""
    config = config or Config()
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
