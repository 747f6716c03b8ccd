"""``dedup check`` at corpus scale: a few files against the whole corpus, through its index.

The given files' articles are fingerprinted on their own (junk patterns apply; no
boilerplate is learned from the corpus, unlike ``scan``). The corpus index
(:mod:`dedup.store.corpus_index`, brought up to date by :mod:`dedup.engine.refresh`)
proposes the corpus articles that share an LSH band key with a target, exactly the bands
``scan`` uses; only the files holding those candidates are read again, and
:func:`dedup.engine.verify.score_pair` decides. The given files are compared with each
other too. A target that copies something is reported with its original: the canonical
article (:func:`canonical.choose`) among the target and what it matched, never the
target itself.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from dedup.article import Article
from dedup.config import Config
from dedup.engine import canonical
from dedup.engine.jobs import SignatureStore, compute_signatures, prepare_each
from dedup.engine.refresh import CorpusKeys, refresh_index, relative_paths
from dedup.engine.signature import candidate_pairs
from dedup.engine.verify import Side, score_pair
from dedup.errors import InputError
from dedup.progress import ProgressCallback, no_progress
from dedup.read.files import read_articles, read_file
from dedup.result import Match, PairScore
from dedup.store.corpus_index import CorpusIndex, article_keys
from dedup.text.prepare import Prepared

U32 = npt.NDArray[np.uint32]
I64 = npt.NDArray[np.int64]
WarningCallback = Callable[[InputError], None]

#: At most this many corpus candidates are verified per target, those sharing the most
#: band keys first (an exact copy shares them all), so that a passage that recurs in
#: thousands of pages cannot make a check read the whole corpus.
MAX_CANDIDATES = 64
FILTER_BITS = 22
FILTER_CHUNK = 1 << 20


@dataclass(frozen=True)
class _Item:
    """An article taking part in a check, with its comparison text and verification side."""

    article: Article
    prepared: Prepared
    side: Side
    target: bool


def check_files(
    paths: Sequence[str],
    config: Config,
    *,
    root: str,
    cache: SignatureStore | None = None,
    on_warning: WarningCallback | None = None,
    on_index_warning: Callable[[str], None] | None = None,
    progress: ProgressCallback | None = None,
) -> list[Match]:
    """Which articles of ``paths`` copy each other or an article of the corpus under
    ``root`` (the given files themselves left out of the corpus), sorted by location."""
    report = progress or no_progress
    targets = list(read_articles(paths, config, on_warning=on_warning))
    if not targets:
        return []
    prepared = prepare_each(targets, config, report)
    rows = _fingerprint(prepared, config, cache, report)
    with CorpusIndex.from_config(config, on_warning=on_index_warning) as index:
        corpus = refresh_index(
            index, root, config, cache=cache, on_warning=on_warning, progress=report
        )
    found = find_candidates(article_keys(rows, config), corpus, relative_paths(root, paths))
    items = [_Item(a, p, Side.of(p, config), True) for a, p in zip(targets, prepared, strict=True)]
    loaded = _load(sorted({c for per in found for c in per}), corpus, config, on_warning)
    matched = _verify(items, [[loaded[c] for c in per if c in loaded] for per in found], config)
    for a, b in candidate_pairs(rows, config.lsh_threshold).tolist():
        score = score_pair(items[a].side, items[b].side, config)
        if score.is_copy:
            matched[a].append((items[b], score))
            matched[b].append((items[a], score))
    found_matches = [_match(t, m, config) for t, m in zip(items, matched, strict=True) if m]
    return sorted(found_matches, key=lambda m: (m.article.path, m.article.index))


def _fingerprint(
    prepared: Sequence[Prepared],
    config: Config,
    cache: SignatureStore | None,
    report: ProgressCallback,
) -> U32:
    """Fingerprint rows; an article with an empty comparison text gets empty signatures."""
    rows = np.full((len(prepared), 3 * config.num_perm), np.iinfo(np.uint32).max, np.uint32)
    full = [i for i, p in enumerate(prepared) if p.digest]
    if full:
        rows[full], _ = compute_signatures([prepared[i] for i in full], config, cache, report)
    return rows


def find_candidates(keys: U32, corpus: CorpusKeys, excluded: set[str]) -> list[list[int]]:
    """Per target (a row of band keys), the corpus articles sharing at least one key with it,
    most shared keys first, at most ``MAX_CANDIDATES``; articles of ``excluded`` files
    (root-relative paths) are left out."""
    wanted = keys.ravel()
    owner = np.repeat(np.arange(len(keys), dtype=np.int64), keys.shape[1])
    order = np.argsort(wanted, kind="stable")
    wanted, owner = wanted[order], owner[order]
    owner = owner[wanted != 0]
    wanted = wanted[wanted != 0]
    found: list[list[int]] = [[] for _ in range(len(keys))]
    if not len(wanted) or not len(corpus):
        return found
    hits = _shared_positions(corpus.keys.ravel(), wanted)
    values = corpus.keys.ravel()[hits]
    left = np.searchsorted(wanted, values, side="left")
    counts = np.searchsorted(wanted, values, side="right") - left
    spans = np.repeat(left - (np.cumsum(counts) - counts), counts) + np.arange(counts.sum())
    targets = owner[spans]
    articles = np.repeat(hits // corpus.keys.shape[1], counts)
    keep = ~np.isin(articles, _excluded_articles(corpus, excluded))
    return _rank(targets[keep], articles[keep], found)


def _shared_positions(flat: U32, wanted: U32) -> I64:
    """Positions in ``flat`` holding one of the sorted ``wanted`` keys.

    A bitmap of the keys' low bits rules out almost every position in one gather, in
    chunks so that memory stays small; the few left are checked exactly.
    """
    bitmap = np.zeros(1 << FILTER_BITS, dtype=bool)
    bitmap[wanted & np.uint32((1 << FILTER_BITS) - 1)] = True
    found = []
    for first in range(0, len(flat), FILTER_CHUNK):
        chunk = flat[first : first + FILTER_CHUNK]
        maybe = np.flatnonzero(bitmap[chunk & np.uint32((1 << FILTER_BITS) - 1)])
        at = np.minimum(np.searchsorted(wanted, chunk[maybe]), len(wanted) - 1)
        found.append(maybe[wanted[at] == chunk[maybe]] + first)
    return np.concatenate(found).astype(np.int64)


def _verify(
    targets: Sequence[_Item], candidates: Sequence[Sequence[_Item]], config: Config
) -> list[list[tuple[_Item, PairScore]]]:
    """Per target, the candidates verification finds to be copies, with their scores."""
    matched: list[list[tuple[_Item, PairScore]]] = []
    for target, per in zip(targets, candidates, strict=True):
        scores = [(other, score_pair(target.side, other.side, config)) for other in per]
        matched.append([(other, score) for other, score in scores if score.is_copy])
    return matched


def _excluded_articles(corpus: CorpusKeys, excluded: set[str]) -> I64:
    files = [i for i, relative in enumerate(corpus.relatives) if relative in excluded]
    return np.flatnonzero(np.isin(corpus.file_of, files)).astype(np.int64)


def _rank(targets: I64, articles: I64, found: list[list[int]]) -> list[list[int]]:
    """Group (target, article) hits per target, most hits first, ties in corpus order."""
    if not len(targets):
        return found
    span = int(articles.max()) + 1
    codes, shared = np.unique(targets * span + articles, return_counts=True)
    order = np.lexsort((codes % span, -shared, codes // span))
    for code in codes[order].tolist():
        per = found[code // span]
        if len(per) < MAX_CANDIDATES:
            per.append(code % span)
    return found


def _load(
    chosen: Sequence[int], corpus: CorpusKeys, config: Config, warn: WarningCallback | None
) -> dict[int, _Item]:
    """Read the files holding ``chosen`` corpus articles again and prepare those articles."""
    by_file: dict[int, list[int]] = {}
    for row in chosen:
        by_file.setdefault(int(corpus.file_of[row]), []).append(row)
    rows: list[int] = []
    articles: list[Article] = []
    for file, wanted in by_file.items():
        read = list(read_file(corpus.paths[file], config, warn or _ignore))
        for row in wanted:
            slot = int(corpus.slot_of[row])
            if slot < len(read):  # the file may have shrunk since it was indexed
                rows.append(row)
                articles.append(read[slot])
    prepared = prepare_each(articles, config, no_progress)
    return {
        row: _Item(a, p, Side.of(p, config), False)
        for row, a, p in zip(rows, articles, prepared, strict=True)
        if p.digest
    }


def _match(target: _Item, matched: list[tuple[_Item, PairScore]], config: Config) -> Match:
    """The target and its original: the canonical article among it and what it matched;
    when that is the target itself, the best of the others, corpus articles first."""
    best = _choose([target, *(item for item, _ in matched)], config)
    if best == 0:
        others = [m for m in matched if not m[0].target] or matched
        original, score = others[_choose([item for item, _ in others], config)]
    else:
        original, score = matched[best - 1]
    return Match(target.article, original.article, score)


def _choose(items: Sequence[_Item], config: Config) -> int:
    articles = [i.article for i in items]
    best, _ = canonical.choose(articles, [i.prepared.words for i in items], config)
    return best


def _ignore(error: InputError) -> None:
    """The default warning callback: drop the warning."""
