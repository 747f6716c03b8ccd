"""Competitor pipelines that ``speed.py`` times against dedup, plus the floor.

Each anchor reads a JSONL corpus (``title``/``text`` per line) and returns groups of
near-duplicate article indexes (``list[set[int]]``): normalise (NFKC, casefold), word
5-gram shingles, MinHash with 128 permutations, LSH at threshold 0.5, union-find.
None of them verifies candidates; dedup does, so dedup does strictly more work.

- ``datasketch-update``: ``MinHash.update`` once per shingle, ``MinHashLSH``.
- ``datasketch-bulk``: ``MinHash.bulk`` (``update_batch``), ``MinHashLSH``.
- ``rensa-strings``: rensa ``RMinHash.from_token_sets`` on shingle strings, ``RMinHashLSH``
  ``insert_many`` + ``query_all``.
- ``rensa-hashes``: shingles hashed with numpy, rensa
  ``digest_matrix_from_flat_token_hashes`` + ``RMinHashLSH.insert_matrix`` and duplicate
  flags; pairs of the flagged rows from their LSH band keys.
- ``floor``: read + normalise + shingle + hash, no MinHash: no pipeline can beat it.

text-dedup runs as its own command (``text_dedup_command``) from another virtualenv.

Run one anchor in this process and print a JSON line of figures::

    python benchmarks/anchors.py NAME CORPUS.jsonl [--limit N]
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import sys
import time
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

SHINGLE = 5
NUM_PERM = 128
THRESHOLD = 0.5
#: datasketch's optimal layout for threshold 0.5 and 128 permutations is 25 bands of 5;
#: rensa needs the bands to divide the permutations, so it gets 32 bands of 4.
RENSA_BANDS = 32
BATCH = 2000
#: Texts hashed together by ``hash_shingles``: big enough to amortise numpy calls,
#: small enough to keep its byte-level arrays to tens of megabytes.
HASH_BATCH = 500
WORD = re.compile(r"\w+")

Groups = list[set[int]]


def read_texts(path: Path, limit: int | None = None) -> list[str]:
    """Title and text of each JSONL record, the first ``limit`` records at most."""
    texts: list[str] = []
    with path.open(encoding="utf-8") as stream:
        for line in itertools.islice(stream, limit):
            record = json.loads(line)
            texts.append(f"{record.get('title', '')}\n\n{record.get('text', '')}")
    return texts


def words_of(text: str) -> list[str]:
    """Word tokens of the NFKC-normalised, casefolded text."""
    return WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def shingle(words: Sequence[str]) -> list[str]:
    """Word 5-grams joined by spaces; a short text gives one shingle of all its words."""
    if len(words) < SHINGLE:
        return [" ".join(words)]
    return [" ".join(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)]


_WEIGHTS = np.random.default_rng(5).integers(1, 2**63, SHINGLE, dtype=np.uint64) | np.uint64(1)
_P = np.uint64(0x100000001B3)  # odd, so its powers are invertible modulo 2**64
_P_INV = np.uint64(pow(0x100000001B3, -1, 1 << 64))
_WORD_BYTE = np.zeros(256, dtype=bool)
_WORD_BYTE[list(b"abcdefghijklmnopqrstuvwxyz0123456789_")] = True
_WORD_BYTE[128:] = True  # UTF-8 bytes of non-ASCII letters (casefolded text has no A-Z)


def _mix(x: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    mixed: npt.NDArray[np.uint64] = x ^ (x >> np.uint64(31))
    return mixed


_TABLES: list[npt.NDArray[np.uint64]] = []


def _power_tables(length: int) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint64]]:
    """P**i and P**-i modulo 2**64 for i < length, grown and kept between calls."""
    if not _TABLES or len(_TABLES[0]) < length:
        size = max(length, 2 * len(_TABLES[0]) if _TABLES else length)
        _TABLES[:] = [
            np.cumprod(np.full(size, _P, dtype=np.uint64)) * _P_INV,
            np.cumprod(np.full(size, _P_INV, dtype=np.uint64)) * _P,
        ]
    return _TABLES[0][:length], _TABLES[1][:length]


def hash_shingles(texts: Sequence[str]) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint64]]:
    """64-bit hashes of every text's word 5-grams, flat, with row offsets per text.

    Normalises (NFKC, casefold), then hashes bytes with numpy alone: word spans from a
    byte mask, a polynomial hash per word from prefix sums, five words per shingle.
    """
    parts = [unicodedata.normalize("NFKC", text).casefold().encode("utf-8") for text in texts]
    data = np.frombuffer(b"\n".join(parts), dtype=np.uint8)
    mask = np.concatenate(([False], _WORD_BYTE[data], [False]))
    edges = np.diff(mask.view(np.int8))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    powers, inverse = _power_tables(len(data))
    weighted = (data.astype(np.uint64) + np.uint64(1)) * powers
    prefix = np.concatenate((np.zeros(1, dtype=np.uint64), np.cumsum(weighted, dtype=np.uint64)))
    tokens = _mix((prefix[ends] - prefix[starts]) * inverse[starts])
    doc_starts = np.cumsum([0] + [len(part) + 1 for part in parts[:-1]])
    doc = np.searchsorted(doc_starts, starts, side="right") - 1
    count = max(len(tokens) - SHINGLE + 1, 0)
    shingles = np.zeros(count, dtype=np.uint64)
    for offset in range(SHINGLE):
        shingles += tokens[offset : offset + count] * _WEIGHTS[offset]
    inside = doc[:count] == doc[SHINGLE - 1 : SHINGLE - 1 + count]
    per_doc = np.bincount(doc[:count][inside], minlength=len(texts))
    offsets = np.zeros(len(texts) + 1, dtype=np.uint64)
    np.cumsum(per_doc, out=offsets[1:])
    return _mix(shingles[inside]), offsets


def group_pairs(count: int, pairs: Iterable[tuple[int, int]]) -> Groups:
    """Connected components of more than one member (union-find)."""
    parent = list(range(count))

    def find(item: int) -> int:
        while parent[item] != item:
            parent[item] = parent[parent[item]]
            item = parent[item]
        return item

    for a, b in pairs:
        root_a, root_b = find(a), find(b)
        if root_a != root_b:
            parent[max(root_a, root_b)] = min(root_a, root_b)
    members: dict[int, set[int]] = defaultdict(set)
    for item in range(count):
        members[find(item)].add(item)
    return [group for group in members.values() if len(group) > 1]


def _cluster_datasketch(minhashes: Iterator[object], count: int) -> Groups:
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
    pairs: list[tuple[int, int]] = []
    for index, minhash in enumerate(minhashes):
        pairs.extend((index, other) for other in lsh.query(minhash))
        lsh.insert(index, minhash)
    return group_pairs(count, pairs)


def run_datasketch_update(texts: Sequence[str]) -> Groups:
    """datasketch as its README shows it: one ``update`` call per shingle."""
    from datasketch import MinHash

    def minhashes() -> Iterator[object]:
        for text in texts:
            minhash = MinHash(num_perm=NUM_PERM)
            for item in shingle(words_of(text)):
                minhash.update(item.encode("utf-8"))
            yield minhash

    return _cluster_datasketch(minhashes(), len(texts))


def run_datasketch_bulk(texts: Sequence[str]) -> Groups:
    """datasketch's batch path: ``MinHash.bulk`` over a batch of documents."""
    from datasketch import MinHash

    def minhashes() -> Iterator[object]:
        for start in range(0, len(texts), BATCH):
            batch = [
                [item.encode("utf-8") for item in shingle(words_of(text))]
                for text in texts[start : start + BATCH]
            ]
            yield from MinHash.bulk(batch, num_perm=NUM_PERM)

    return _cluster_datasketch(minhashes(), len(texts))


def run_rensa_strings(texts: Sequence[str]) -> Groups:
    """rensa fed with shingle strings: ``from_token_sets``, ``insert_many``, ``query_all``."""
    from rensa import RMinHash, RMinHashLSH

    lsh = RMinHashLSH(THRESHOLD, NUM_PERM, RENSA_BANDS)
    minhashes: list[object] = []
    for start in range(0, len(texts), BATCH):
        batch = [shingle(words_of(text)) for text in texts[start : start + BATCH]]
        made = RMinHash.from_token_sets(batch, NUM_PERM, 42)
        lsh.insert_many(made, start_key=start)
        minhashes.extend(made)
    candidates = lsh.query_all(minhashes)
    pairs = ((i, int(j)) for i, found in enumerate(candidates) for j in found if j != i)
    return group_pairs(len(texts), pairs)


def run_rensa_hashes(texts: Sequence[str]) -> Groups:
    """rensa's fastest path: numpy-hashed shingles into a digest matrix, LSH flags."""
    from rensa import RMinHash, RMinHashLSH

    lsh = RMinHashLSH(THRESHOLD, NUM_PERM, RENSA_BANDS)
    matrices: list[tuple[int, Any]] = []
    for start in range(0, len(texts), HASH_BATCH):
        hashes, offsets = hash_shingles(texts[start : start + HASH_BATCH])
        matrix = RMinHash.digest_matrix_from_flat_token_hashes(hashes, offsets, NUM_PERM, 42)
        lsh.insert_matrix(matrix, start_key=start)
        matrices.append((start, matrix))
    buckets: dict[bytes, list[int]] = defaultdict(list)
    rows = NUM_PERM // RENSA_BANDS
    for start, matrix in matrices:
        flags = lsh.query_duplicate_flags_matrix(matrix)
        flagged = [i for i, flag in enumerate(flags) if flag]
        if not flagged:
            continue
        digests = np.asarray(matrix.to_rows(), dtype=np.uint32)[flagged]
        for i, digest in zip(flagged, digests, strict=True):
            for band in range(RENSA_BANDS):
                key = band.to_bytes(1, "big") + digest[band * rows : (band + 1) * rows].tobytes()
                buckets[key].append(start + i)
    pairs = ((members[0], other) for members in buckets.values() for other in members[1:])
    return group_pairs(len(texts), pairs)


def run_floor(texts: Sequence[str]) -> Groups:
    """Read, normalise, shingle and hash every article; no MinHash, no grouping."""
    for start in range(0, len(texts), HASH_BATCH):
        hash_shingles(texts[start : start + HASH_BATCH])
    return []


ANCHORS: dict[str, Callable[[Sequence[str]], Groups]] = {
    "datasketch-update": run_datasketch_update,
    "datasketch-bulk": run_datasketch_bulk,
    "rensa-strings": run_rensa_strings,
    "rensa-hashes": run_rensa_hashes,
    "floor": run_floor,
}


def text_dedup_command(
    python: Path, corpus: Path, workdir: Path, jobs: int
) -> tuple[list[str], dict[str, str]]:
    """The command line (and extra environment) that runs text-dedup's MinHash offline."""
    argv = [
        str(python),
        "-m",
        "text_dedup.minhash",
        "--path",
        "json",
        "--data_files",
        str(corpus),
        "--split",
        "train",
        "--cache_dir",
        str(workdir / "hf-cache"),
        "--output",
        str(workdir / "text-dedup-out"),
        "--column",
        "text",
        "--num_perm",
        str(NUM_PERM),
        "--threshold",
        str(THRESHOLD),
        "--ngram",
        str(SHINGLE),
        "--num_proc",
        str(jobs),
        "--clean_cache",
    ]
    env = {"HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1", "TQDM_DISABLE": "1"}
    return argv, env


def parse_text_dedup_removed(output: str) -> int | None:
    """How many documents text-dedup removed, read from its closing log lines."""
    flat = " ".join(output.split())
    before = re.search(r"Before\s*:\s*(?:\S+\.py:\d+\s+)?(\d+)", flat)
    after = re.search(r"After\s*:\s*(?:\S+\.py:\d+\s+)?(\d+)", flat)
    if before is None or after is None:
        return None
    return int(before.group(1)) - int(after.group(1))


def main(argv: Sequence[str] | None = None) -> int:
    """Run one anchor on a corpus and print ``{"articles", "groups", "copies", "seconds"}``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("name", choices=sorted(ANCHORS))
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--limit", type=int, default=None, help="Read only the first N articles.")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    texts = read_texts(args.corpus, args.limit)
    groups = ANCHORS[args.name](texts)
    figures = {
        "articles": len(texts),
        "groups": len(groups),
        "copies": sum(len(group) - 1 for group in groups),
        "seconds": round(time.perf_counter() - started, 3),
    }
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
