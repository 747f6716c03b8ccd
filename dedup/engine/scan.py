"""``dedup scan`` with a store: a re-scan reads only the files it must and scores no pair twice.

:func:`scan_paths` gives exactly what ``find_duplicates(read_articles(paths))`` gives, with
bodiless articles. Per file the store keeps what scanning needs (:mod:`dedup.store.scan`);
boilerplate is learned from the stored unit hashes of the whole corpus, as the in-memory
pipeline learns it from the texts. A file is read again only when it is new or changed, or
when one of its texts is needed: a text with boilerplate cut out that the store lacks, a
signature the signature cache lacks, a pair the store has not scored. Exact edges,
candidates, verification, grouping and the canonical choice are the very functions
:func:`dedup.engine.run.find_duplicates` uses.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import partial
from typing import TextIO

import numpy as np
import numpy.typing as npt

from dedup.article import Article
from dedup.config import Config
from dedup.engine.corpus import Corpus, Found, learn_stored_boilerplate, load_corpus, walk
from dedup.engine.group import component_order
from dedup.engine.jobs import SignatureStore, map_chunks, map_each_chunk
from dedup.engine.run import Laps, exact_edges, group_edges, parameters
from dedup.engine.screen import Sides, verify_screened
from dedup.engine.signature import BandTable, Permutations, fingerprints
from dedup.engine.spill import Spill
from dedup.engine.verify import Side, score_pair
from dedup.errors import InputError
from dedup.progress import ProgressCallback, no_progress
from dedup.read.files import read_file
from dedup.result import Group, PairScore, Result, Stats
from dedup.store.scan import ScanStore, score_from_json, score_to_json
from dedup.text.prepare import Prepared, signature_params

U32 = npt.NDArray[np.uint32]
WarningCallback = Callable[[InputError], None]
Edges = list[tuple[int, int]]

#: Signatures looked up in the cache at a time.
LOOKUP_CHUNK = 10_000
#: Below this many bytes of input, ``in_memory`` (when given) runs instead of the store.
SMALL_INPUT_BYTES = 4_000_000


def scan_paths(
    paths: Sequence[str],
    config: Config,
    *,
    cache: SignatureStore | None,
    store: ScanStore,
    progress: ProgressCallback | None = None,
    on_warning: WarningCallback | None = None,
    per_file: Counter[str] | None = None,
    stdin: TextIO | None = None,
    in_memory: Callable[[Iterable[Article]], Result] | None = None,
) -> Result:
    """Every group of copies in ``paths`` (files, folders, ``-``), reading only what is needed.

    Equals ``find_duplicates(read_articles(paths, config), config)`` but for bodiless
    articles. ``per_file`` counts the articles of each file. An input under
    ``SMALL_INPUT_BYTES`` goes to ``in_memory`` when given (the store would cost more).
    """
    report = progress or no_progress
    warn = on_warning or _ignore
    laps = Laps()
    events = walk(paths, config, stdin)
    if in_memory is not None and _input_bytes(events) < SMALL_INPUT_BYTES:
        return in_memory(_replay(events, config, warn))
    with Spill() as spill:
        corpus = load_corpus(events, config, store, spill, warn, report)
        if per_file is not None:
            per_file.update(corpus.count_per_path())
        return _scan(corpus, cache, store, report, laps)


def _scan(
    corpus: Corpus,
    cache: SignatureStore | None,
    store: ScanStore,
    report: ProgressCallback,
    laps: Laps,
) -> Result:
    """The stages after reading: boilerplate, exact copies, candidates, verdicts, groups."""
    corpus.boilerplate = learn_corpus_boilerplate(corpus, store)
    prepared = cut_texts(corpus, store)
    laps("prepare")
    edges, reps = exact_edges(prepared)
    pairs, hits = find_candidates(corpus, prepared, reps, cache, store, report)
    laps("candidates")
    verified = verify_pairs(corpus, prepared, pairs, store, report)
    laps("verify")
    groups = group_corpus(corpus, prepared, edges + verified, store)
    laps("group")
    counts = (len(corpus), len(edges), len(pairs), len(verified))
    stats = Stats(*counts, len(corpus.boilerplate), hits, laps.seconds)
    return Result(tuple(groups), parameters(corpus.config), stats)


def learn_corpus_boilerplate(corpus: Corpus, store: ScanStore) -> frozenset[int]:
    """Boilerplate learned from the stored unit hashes; what was learned from the very same
    files (same stat, same reading) is taken from the store."""
    key = b"b" + _digest("\n".join(corpus.stamps).encode())
    found = store.get_values([key]).get(key)
    if found is not None:
        return frozenset(int(h) for h in json.loads(found))
    learned = learn_stored_boilerplate(corpus)
    store.put_memo(key, json.dumps(sorted(learned)))
    return learned


def find_candidates(
    corpus: Corpus,
    prepared: Sequence[Prepared],
    reps: Sequence[int],
    cache: SignatureStore | None,
    store: ScanStore,
    report: ProgressCallback,
) -> tuple[Edges, int]:
    """Candidate pairs among the representatives, and how many signatures the cache held.

    Candidates depend only on the representatives' texts, in order: when their digests are
    those of a run the store remembers, its candidates are taken and no signature is read.
    """
    key = b"p" + _digest(b"".join(prepared[i].digest for i in reps))
    found = store.get_values([key]).get(key)
    if found is not None:
        flat = json.loads(found)
        pairs = [(reps[flat[k]], reps[flat[k + 1]]) for k in range(0, len(flat), 2)]
        return pairs, len(reps) if cache is not None else 0
    table, hits = fingerprint(corpus, prepared, reps, cache, report)
    local = table.pairs()
    store.put_memo(key, json.dumps(local.ravel().tolist()))
    return [(reps[i], reps[j]) for i, j in local.tolist()], hits


def cut_texts(corpus: Corpus, store: ScanStore) -> list[Prepared]:
    """Each article's comparison text as far as later stages need it before its text: the
    digest, words and dropped units once boilerplate is cut out (texts read where known)."""
    columns = corpus.columns
    light = [columns.light(i) for i in range(len(columns))]
    if not corpus.boilerplate or not light:
        return light
    known = np.fromiter(corpus.boilerplate, dtype=np.uint64, count=len(corpus.boilerplate))
    mask = np.isin(columns.hashes, known)
    owner = np.repeat(np.arange(len(columns)), np.diff(columns.starts))
    keys: dict[int, bytes] = {}
    for i in np.unique(owner[mask]).tolist():
        cut = mask[columns.starts[i] : columns.starts[i + 1]]
        own = columns.unit_hashes(i).tobytes()
        keys[i] = b"c" + _digest(columns.digests[i] + own + cut.tobytes())
    wanted = [key for i, key in keys.items() if not corpus.has_text(i)]
    stored = store.get_values(wanted)
    corpus.need(i for i, key in keys.items() if key not in stored)
    fresh: list[tuple[bytes, str]] = []
    for i, key in keys.items():
        if key in stored:
            digest, words, dropped = json.loads(stored[key])
            light[i] = Prepared("", words, bytes.fromhex(digest), dropped)
        else:
            p = corpus.full(i)
            light[i] = Prepared("", p.words, p.digest, p.dropped)
            fresh.append((key, json.dumps([p.digest.hex(), p.words, p.dropped])))
    store.put_values(fresh)
    return light


def fingerprint(
    corpus: Corpus,
    prepared: Sequence[Prepared],
    reps: Sequence[int],
    cache: SignatureStore | None,
    report: ProgressCallback,
) -> tuple[BandTable, int]:
    """LSH band keys of the representatives, and how many of their signatures the cache
    held. Rows are read from the cache or computed (and cached) a chunk at a time."""
    config = corpus.config
    params = signature_params(config)
    table = BandTable(len(reps), config.num_perm, config.lsh_threshold)
    keys = [prepared[i].digest for i in reps]
    missing: list[int] = []
    for first in range(0, len(keys), LOOKUP_CHUNK):
        chunk = keys[first : first + LOOKUP_CHUNK]
        cached = cache.get_many(params, chunk) if cache is not None else {}
        hits = [k for k, key in enumerate(chunk) if key in cached]
        if hits:
            table.fill(np.asarray(hits) + first, np.stack([cached[chunk[k]] for k in hits]))
        missing += [first + k for k, key in enumerate(chunk) if key not in cached]
    corpus.need(reps[k] for k in missing)
    done = 0
    for positions, rows in map_each_chunk(partial(_sign_articles, corpus, reps), missing, config):
        table.fill(np.asarray(positions), rows)
        if cache is not None:
            cache.put_many(params, zip([keys[k] for k in positions], rows, strict=True))
        done += len(positions)
        report("signatures", done, len(missing))
    return table, len(reps) - len(missing)


def verify_pairs(
    corpus: Corpus,
    prepared: Sequence[Prepared],
    pairs: Sequence[tuple[int, int]],
    store: ScanStore,
    report: ProgressCallback,
) -> Edges:
    """The candidate pairs that verify as copies; verdicts the store holds are not redone."""
    keys = [b"q" + prepared[a].digest + prepared[b].digest for a, b in pairs]
    verdicts = {key: value == "true" for key, value in store.get_values(keys).items()}
    todo = [k for k, key in enumerate(keys) if key not in verdicts]
    todo = [todo[k] for k in component_order([pairs[k] for k in todo])]
    corpus.need(x for k in todo for x in pairs[k])
    copies = verify_screened(corpus, [pairs[k] for k in todo], report)
    fresh = dict(zip([keys[k] for k in todo], copies, strict=True))
    store.put_values((key, "true" if copy else "false") for key, copy in fresh.items())
    verdicts.update(fresh)
    return [pair for pair, key in zip(pairs, keys, strict=True) if verdicts[key]]


def _sign_articles(
    corpus: Corpus, reps: Sequence[int], positions: Sequence[int], config: Config
) -> U32:
    """Fingerprint rows of the representatives at ``positions`` of ``reps``."""
    texts = [corpus.full(reps[k]).text for k in positions]
    return fingerprints(texts, config.shingle_size, Permutations(config.num_perm, config.seed))


def _score_articles(
    corpus: Corpus, pairs: Sequence[tuple[int, int]], config: Config
) -> list[PairScore]:
    """Full scores of pairs, texts read in the calling process."""
    side = Sides(corpus, config)
    return [score_pair(side(a), side(b), config) for a, b in pairs]


def group_corpus(
    corpus: Corpus, prepared: Sequence[Prepared], edges: Edges, store: ScanStore
) -> list[Group]:
    """Groups from the verified edges, members scored against canonicals via the store."""
    scorer = StoredScorer(corpus, prepared, store)
    articles = _ArticleView(corpus)
    words = [p.words for p in prepared]
    groups = group_edges(articles, words, edges, scorer, corpus.config, heads=corpus.head)
    store.put_values(scorer.fresh.items())
    return groups


class _ArticleView:
    """The corpus's articles by position, each read from the spill when asked."""

    def __init__(self, corpus: Corpus) -> None:
        self.corpus = corpus

    def __len__(self) -> int:
        return len(self.corpus)

    def __getitem__(self, index: int) -> Article:
        return self.corpus.article(index)


class StoredScorer:
    """Full scores of pairs, read from the store where it holds them, else computed."""

    KEEP = 1024

    def __init__(self, corpus: Corpus, prepared: Sequence[Prepared], store: ScanStore) -> None:
        self.corpus = corpus
        self.prepared = prepared
        self.store = store
        self.sides: dict[int, Side] = {}
        self.fresh: dict[bytes, str] = {}
        self.known: dict[bytes, str] = {}
        self.asked: set[bytes] = set()

    def prefetch(self, pairs: Sequence[tuple[int, int]]) -> None:
        """The scores of ``pairs`` (those grouping asks for first): read from the store at
        once where it holds them, the others computed on all jobs."""
        keys = [self.key(a, b) for a, b in pairs]
        self.asked.update(keys)
        self.known.update(self.store.get_values(keys))
        todo = [pair for pair, key in zip(pairs, keys, strict=True) if key not in self.known]
        self.corpus.need(x for pair in todo for x in pair)
        work = partial(_score_articles, self.corpus)
        scores = map_chunks(work, todo, self.corpus.config, "group", no_progress)
        for (a, b), score in zip(todo, scores, strict=True):
            self.fresh[self.key(a, b)] = score_to_json(score)

    def key(self, a: int, b: int) -> bytes:
        return b"f" + self.prepared[a].digest + self.prepared[b].digest

    def __call__(self, a: int, b: int, *, quick: bool = False) -> PairScore:
        key = self.key(a, b)
        text = self.fresh.get(key) or self.known.get(key)
        if text is None and key not in self.asked:  # a pair of a component split in two
            text = self.store.get_values([key]).get(key)
        if text is not None:
            return score_from_json(text)
        if quick:  # a quick rejection is no full score: never stored
            return score_pair(self.side(a), self.side(b), self.corpus.config, quick=True)
        score = score_pair(self.side(a), self.side(b), self.corpus.config)
        self.fresh[key] = score_to_json(score)
        return score

    def side(self, i: int) -> Side:
        found = self.sides.get(i)
        if found is None:
            if len(self.sides) >= self.KEEP:
                self.sides.clear()
            found = self.sides[i] = Side.of(self.corpus.full(i), self.corpus.config)
        return found


def _input_bytes(events: Sequence[Found | InputError]) -> int:
    return sum(max(e.size, 0) for e in events if isinstance(e, Found))


def _replay(
    events: Sequence[Found | InputError], config: Config, warn: WarningCallback
) -> Iterator[Article]:
    """The articles of the walked files, warnings in the order reading them gives."""
    for event in events:
        if isinstance(event, InputError):
            warn(event)
        else:
            yield from read_file(event.path, config, warn)


def _digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


def _ignore(error: InputError) -> None:
    """The default warning callback: drop the warning."""


__all__ = ["scan_paths"]
