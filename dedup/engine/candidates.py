"""The candidates stage: LSH band keys of the representatives, and the pairs they give.

Band keys come from the store's ``bands`` row (by comparison-text digest), and only texts
it does not hold are fingerprinted (:mod:`dedup.engine.fingerprint`). A scan searches the
whole band table (:meth:`dedup.engine.signature.BandTable.pairs`). A check wants only the
pairs of a few articles (its *focus*): :func:`focus_pairs` finds exactly those pairs of
the whole search, by looking up the focus articles' band keys in each band instead of
sorting every band, and it searches the rows of the store's ``bands`` where they lie, in a
block beside one of the texts the store lacks (:func:`focus_bands`), instead of copying
them into one table. Candidate pairs are remembered by the digests of the texts they were
found among (``candidates``), so a run over the very same texts reads no band key at all.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import partial

import numpy as np
import numpy.typing as npt

from dedup.arrays import distinct_rows
from dedup.config import Config
from dedup.engine.corpus import Corpus, digest
from dedup.engine.deferred import defer
from dedup.engine.fingerprint import SignatureStore, fingerprint
from dedup.engine.signature import BUCKET_WINDOW, LARGE_BUCKET, BandTable, Keys, key_order
from dedup.progress import ProgressCallback
from dedup.store.scan import ScanStore

I64 = npt.NDArray[np.int64]
U64 = npt.NDArray[np.uint64]
IntP = npt.NDArray[np.intp]
Mask = npt.NDArray[np.bool_]
Edges = list[tuple[int, int]]
#: The digests of the texts whose band keys the store kept, and those keys.
Kept = tuple[U64, BandTable]
#: A band table and the place in the search of each of its rows (-1: not searched).
Block = tuple[IntP, BandTable]
#: Positions of representatives whose band keys the store kept, the rows of the store
#: holding them, and the positions left to fingerprint.
Known = tuple[IntP, IntP, IntP]
#: Bytes of a comparison text's digest (the key of its signature and band keys).
DIGEST_SIZE = 16
#: Band keys of the representatives are kept for the next run (which then fingerprints
#: only texts it has not seen) up to this many: 63 MB at 250,000.
MAX_BANDS_KEPT = 250_000
#: A check rewrites the ``bands`` row only when more than this share of its texts are
#: not in it (a scan rewrites it whenever one is missing).
FOCUS_REWRITE_SHARE = 0.02
#: A focused search screens band keys on their low bits (a table of 2**20 flags: a few
#: hundred keys of a few checked articles let through one key in several thousand).
_SCREEN_MASK = np.uint32((1 << 20) - 1)
#: Rows of band keys screened at once: their masked copy (1 MB for 31 bands) is reused
#: from the heap, where the copy of a whole table is faulted in afresh (100,005 rows of
#: stored keys in a new process: 20 ms against 31-33 ms).
_SCREEN_ROWS = 8192
#: A focused search of more than this share of the rows searches them all instead.
WHOLE_SEARCH_SHARE = 0.05


def find_candidates(
    corpus: Corpus,
    digests: Sequence[bytes],
    reps: Sequence[int],
    cache: SignatureStore | None,
    store: ScanStore,
    report: ProgressCallback,
    *,
    among: Collection[int] | None = None,
) -> tuple[Edges, int]:
    """Candidate pairs among the representatives ``reps`` (LSH on their fingerprint rows),
    and how many signatures were not made (kept in the store, or in the cache).

    With ``among`` (representatives), only the pairs with one of them are found: exactly
    those of the whole search that hold one. Candidates depend only on the
    representatives' texts, in order (and on ``among``): when a run the store remembers
    had the same, its candidates are taken and no signature is read.
    """
    chosen = _positions(reps, among)
    keys = [digests[i] for i in reps]
    texts = b"".join(keys)
    key = _memo_key(texts, chosen)
    found = store.get("candidates", [key]).get(key)
    if found is not None:
        flat = json.loads(found)
        pairs = [(reps[flat[k]], reps[flat[k + 1]]) for k in range(0, len(flat), 2)]
        return pairs, len(reps) if cache is not None else 0
    kept = _stored_bands(store, corpus.config) if _all_digests(keys) else None
    search = _Search(corpus, keys, _as_words(texts, len(keys)), reps, cache, store, report)
    if chosen is None:
        table, hits = band_table(search, kept)
        local = table.pairs()
    else:
        blocks, hits = focus_bands(search, kept)
        local = focus_pairs(blocks, chosen)
    store.put_memo("candidates", key, json.dumps(local.ravel().tolist()))
    return [(reps[i], reps[j]) for i, j in local.tolist()], hits


def _positions(reps: Sequence[int], among: Collection[int] | None) -> IntP | None:
    """The places in ``reps`` (ascending) of the representatives ``among``."""
    if among is None:
        return None
    wanted = np.fromiter(among, dtype=np.int64, count=len(among))
    places = np.flatnonzero(np.isin(np.asarray(reps, dtype=np.int64), wanted))
    return places.astype(np.intp)


def _memo_key(texts: bytes, chosen: IntP | None) -> bytes:
    """The ``candidates`` key of a search: the representatives' digests laid end to end
    (``texts``), and for a focused search the places it was focused on."""
    if chosen is None:
        return digest(texts)
    return digest(b"focus\0" + texts + chosen.astype("<i8").tobytes())


@dataclass(frozen=True)
class _Search:
    """What a candidate search fingerprints: the representatives (of ``corpus``) and
    their digests (``keys``), with where signatures are kept and progress told."""

    corpus: Corpus
    keys: Sequence[bytes]
    words: U64  # the digests as rows of two words (:func:`_as_words`)
    reps: Sequence[int]
    cache: SignatureStore | None
    store: ScanStore
    report: ProgressCallback

    def fill(self, table: BandTable, todo: Sequence[int], at: IntP | None = None) -> int:
        """Fill ``table`` with the band keys of the texts at the positions ``todo`` of the
        representatives (fingerprinted, or taken from the cache), in its rows ``at`` (by
        default the positions themselves); how many the cache held."""
        made = np.asarray(todo, dtype=np.int64) if at is None else at
        corpus, reps = self.corpus, self.reps
        return fingerprint(
            [self.keys[k] for k in todo],
            partial(_rep_texts, corpus, [reps[k] for k in todo]),
            lambda positions, rows: table.fill(made[positions], rows),
            corpus.config,
            self.cache,
            self.report,
            before_making=lambda missing: corpus.need(reps[todo[k]] for k in missing),
        )

    def new_table(self, count: int) -> BandTable:
        config = self.corpus.config
        return BandTable(count, config.num_perm, config.lsh_threshold)


def band_table(
    search: _Search, kept: Kept | None, *, focused: bool = False, known: Known | None = None
) -> tuple[BandTable, int]:
    """The band keys of the representatives: those the store ``kept`` (where
    :func:`_known` finds them, unless given), the others fingerprinted; and how many were
    not made (kept, or in the cache). A table with new keys is kept for the next run; a
    ``focused`` run (a check) keeps it only when more than ``FOCUS_REWRITE_SHARE`` of its
    texts were new to the stored one."""
    count = len(search.reps)
    table = search.new_table(count)
    here, there, left = known if known is not None else _known(search.words, kept)
    if kept is not None:
        table.copy_rows(kept[1], here, there)
    todo: list[int] = left.tolist()
    hits = count - len(todo) + search.fill(table, todo)
    worth = bool(todo) and (not focused or kept is None or len(todo) > FOCUS_REWRITE_SHARE * count)
    if worth and count <= MAX_BANDS_KEPT and search.store.path is not None:
        value = _encode_bands(search.keys, table)
        if value is not None:
            defer(partial(search.store.store_whole, "bands", value))
    return table, hits


def focus_bands(search: _Search, kept: Kept | None) -> tuple[list[Block], int]:
    """The band keys of a focused search (a check), in blocks. The store's rows are
    searched where they lie, not copied, and only the texts it does not hold are
    fingerprinted into a table of their own, unless they are more than
    ``FOCUS_REWRITE_SHARE`` of the representatives (the one table :func:`band_table`
    makes is then kept for the next run)."""
    count = len(search.reps)
    known = _known(search.words, kept)
    here, there, todo = known
    if kept is None or len(todo) > FOCUS_REWRITE_SHARE * count:
        table, hits = band_table(search, kept, focused=True, known=known)
        return single_block(table), hits
    stored, rows = kept
    new = search.new_table(len(todo))
    made = search.fill(new, todo.tolist(), at=np.arange(len(todo)))
    places = np.full(len(stored), -1, dtype=np.intp)
    places[there] = here
    return [(todo, new), (places, rows)], len(here) + made


def single_block(table: BandTable) -> list[Block]:
    """A table as the one block of a search, its rows in their places."""
    return [(np.arange(len(table.valid), dtype=np.intp), table)]


def _stored_bands(store: ScanStore, config: Config) -> Kept | None:
    """The digests and band keys of the texts the store kept (made by the last run that
    made any), if it holds them for these settings."""
    like = BandTable(0, config.num_perm, config.lsh_threshold)
    return store.load_whole("bands", partial(_decode_bands, like))


def _known(words: U64, kept: Kept | None) -> Known:
    """Which representatives (by their digests' ``words``) the store ``kept`` band keys
    of, and in which of its rows; and the positions left to fingerprint."""
    none = np.zeros(0, dtype=np.intp)
    if kept is None:
        return none, none, np.arange(len(words), dtype=np.intp)
    here, there = _matches(words, kept[0])
    left = np.ones(len(words), dtype=bool)
    left[here] = False
    return here, there, np.flatnonzero(left).astype(np.intp)


def _all_digests(keys: Sequence[bytes]) -> bool:
    """Whether every key is a digest (``DIGEST_SIZE`` bytes long)."""
    return set(map(len, keys)) <= {DIGEST_SIZE}


def _as_words(data: bytes, count: int, offset: int = 0) -> U64:
    """``count`` digests laid end to end in ``data`` from ``offset``, as rows of two
    64-bit words."""
    words = np.frombuffer(data, dtype="<u8", count=2 * count, offset=offset)
    return words.reshape(count, 2).astype(np.uint64, copy=False)


def _matches(wanted: U64, stored: U64) -> tuple[IntP, IntP]:
    """The rows of ``wanted`` digests found among the ``stored`` ones, and where: found by
    their first word and checked whole (digests that share a first word are never found,
    so at worst a text is fingerprinted again). The wanted words are looked up in sorted
    order: far fewer cache misses than looking them up as they come."""
    if not len(stored) or not len(wanted):
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp)
    order = np.argsort(stored[:, 0])
    firsts = stored[order, 0]
    asked = np.argsort(wanted[:, 0])
    at = np.empty(len(wanted), dtype=np.intp)
    at[asked] = np.searchsorted(firsts, wanted[asked, 0])
    there = order[np.minimum(at, len(order) - 1)]
    same = (stored[there] == wanted).all(axis=1)
    return np.flatnonzero(same).astype(np.intp), there[same].astype(np.intp)


def _encode_bands(keys: Sequence[bytes], table: BandTable) -> bytes | None:
    """The band keys of texts with digests ``keys``, as the store keeps them."""
    if not _all_digests(keys):
        return None
    return struct.pack("<Q", len(keys)) + b"".join(keys) + table.to_bytes()


def _decode_bands(like: BandTable, data: bytes) -> tuple[U64, BandTable]:
    """What :func:`_encode_bands` wrote (made with the settings of ``like``): the digests
    (as :func:`_as_words` gives them), and their rows."""
    (count,) = struct.unpack_from("<Q", data) if len(data) >= 8 else (-1,)
    end = 8 + DIGEST_SIZE * count
    if count < 0 or len(data) < end:
        raise ValueError("too short for band keys")
    table = BandTable.from_bytes(memoryview(data)[end:], like.num_perm, like.threshold)
    if len(table.valid) != count:
        raise ValueError("band keys of another count of texts")
    return _as_words(data, count, 8), table


def _rep_texts(corpus: Corpus, reps: Sequence[int], positions: Sequence[int]) -> list[str]:
    return corpus.texts_at([reps[k] for k in positions])


def focus_pairs(blocks: Sequence[Block], among: IntP, *, whole: float = WHOLE_SEARCH_SHARE) -> I64:
    """The pairs of the whole search (:meth:`BandTable.pairs` of the ``blocks`` as one
    table, :func:`stacked`) that hold a row of ``among`` (ascending, distinct), found
    without sorting whole bands: the rows sharing a band key with a row of ``among``
    (:func:`_sharing`), ranked in their bucket as the whole search ranks them (key, then
    row), so a bucket over ``LARGE_BUCKET`` gives each of them its ``BUCKET_WINDOW``
    neighbours on either side, as it does there. When ``among`` is more than a share
    ``whole`` of the rows, the whole search is cheaper, and is done."""
    table = blocks[0][1]
    count = sum(int((places >= 0).sum()) for places, _ in blocks)
    if len(among) > whole * count:
        pairs = stacked(blocks, count).pairs()
        return pairs[np.isin(pairs[:, 0], among) | np.isin(pairs[:, 1], among)]
    found: list[I64] = []
    located = _locate(blocks, among, count)
    for part in range(len(table.keys)):
        keys, valid = _rows_of(blocks, located, part, len(among))
        if valid.any():
            rows, buckets = _sharing(blocks, part, keys[valid])
            found.append(_bucket_partners(rows, buckets, among[valid]))
    if not found:
        return np.zeros((0, 2), dtype=np.int64)
    pairs = np.concatenate(found)
    pairs.sort(axis=1)
    return distinct_rows(pairs)


def stacked(blocks: Sequence[Block], count: int) -> BandTable:
    """The ``count`` rows of ``blocks`` as one table, each row in its place."""
    first = blocks[0][1]
    table = BandTable(count, first.num_perm, first.threshold)
    for places, block in blocks:
        used = np.flatnonzero(places >= 0)
        used = used[np.argsort(places[used])]
        table.copy_rows(block, places[used], used)
    return table


def _locate(blocks: Sequence[Block], rows: IntP, count: int) -> list[tuple[Mask, IntP]]:
    """For each block, which of ``rows`` (of the ``count`` rows of the search) it holds,
    and where."""
    located = []
    for places, _ in blocks:
        used = np.flatnonzero(places >= 0)
        inverse = np.full(count, -1, dtype=np.intp)
        inverse[places[used]] = used
        mine = inverse[rows]
        located.append((mine >= 0, mine[mine >= 0]))
    return located


def _rows_of(
    blocks: Sequence[Block], located: Sequence[tuple[Mask, IntP]], part: int, size: int
) -> tuple[Keys, Mask]:
    """The band keys of ``part`` of ``size`` rows of the search (where ``located`` found
    them), and whether each is valid."""
    keys = np.zeros((size, blocks[0][1].keys[part].shape[1]), dtype=np.uint32)
    valid = np.zeros(size, dtype=bool)
    for (_, table), (has, mine) in zip(blocks, located, strict=True):
        keys[has] = table.keys[part][mine]
        valid[has] = table.valid[mine, part]
    return keys, valid


def _sharing(blocks: Sequence[Block], part: int, chosen: Keys) -> tuple[IntP, U64]:
    """The valid rows of the search that share a band key of ``part`` with ``chosen``
    (the keys of some rows), once per band they share, by row, with their bucket (band
    and key in one number). Rows are screened on the low bits of their keys (one pass
    over each table, however many rows are chosen) and the few that pass checked
    exactly."""
    width = chosen.shape[1]
    bands = np.arange(width, dtype=np.uint64) << np.uint64(32)
    wanted = np.sort((bands | chosen).ravel())
    screen = np.zeros(_SCREEN_MASK + 1, dtype=bool)
    screen[chosen & _SCREEN_MASK] = True
    rows: list[IntP] = []
    buckets: list[U64] = []
    for places, table in blocks:
        keys = table.keys[part]
        flat = _screened(keys, screen)
        mine, band = np.divmod(flat, width)
        found = bands[band] | keys.ravel()[flat]
        at = np.minimum(np.searchsorted(wanted, found), len(wanted) - 1)
        hit = (wanted[at] == found) & table.valid[mine, part] & (places[mine] >= 0)
        rows.append(places[mine[hit]])
        buckets.append(found[hit])
    found_rows = np.concatenate(rows)
    order = np.argsort(found_rows, kind="stable")
    return found_rows[order].astype(np.intp), np.concatenate(buckets)[order]


def _screened(keys: Keys, screen: Mask) -> IntP:
    """The flat places of the ``keys`` whose low bits ``screen`` flags, found a run of
    ``_SCREEN_ROWS`` rows at a time."""
    found = [
        np.flatnonzero(screen.take(keys[a : a + _SCREEN_ROWS] & _SCREEN_MASK)) + a * keys.shape[1]
        for a in range(0, len(keys), _SCREEN_ROWS)  # take: faster than indexing
    ]
    return np.concatenate(found) if found else np.zeros(0, dtype=np.intp)


def _bucket_partners(members: IntP, keys: Keys, chosen: IntP) -> I64:
    """The pairs of the whole search that hold a row of ``chosen``, from the rows
    ``members`` of every bucket a chosen row is in (in row order within a bucket) and
    their buckets ``keys`` (band and band key)."""
    order, ranked = key_order(keys)
    rows = members[order]
    starts = np.flatnonzero(np.r_[True, ranked[1:] != ranked[:-1]])
    sizes = np.diff(np.r_[starts, len(rows)])
    bucket = np.repeat(np.arange(len(starts)), sizes)
    at = np.flatnonzero(np.isin(rows, chosen))
    first, size = starts[bucket[at]], sizes[bucket[at]]
    large = size > LARGE_BUCKET
    low = np.where(large, np.maximum(first, at - BUCKET_WINDOW), first)
    high = np.where(large, np.minimum(first + size, at + BUCKET_WINDOW + 1), first + size)
    counts = high - low
    mine = np.repeat(at, counts)
    theirs = np.repeat(low - np.cumsum(counts) + counts, counts) + np.arange(counts.sum())
    keep = theirs != mine
    return np.stack((rows[mine[keep]], rows[theirs[keep]]), axis=1).astype(np.int64)
