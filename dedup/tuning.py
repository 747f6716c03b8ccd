"""How the engine cuts its work: sizes that change speed and memory, never results."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Tuning:
    """Work sizes of one run. Every value changes only how work is cut up, not what is
    found: tests shrink them to drive large-corpus paths with small inputs."""

    #: Bytes of input per read task: enough to keep a worker busy, small enough to share.
    part_bytes: int = 4 << 20
    #: A JSON Lines file this large is read in line-aligned byte ranges by several workers.
    range_bytes: int = 8 << 20
    #: Below this many items a stage runs in the calling process (workers cost more).
    parallel_min: int = 4000
    #: Items per task of a stage spread over workers.
    chunk: int = 1000
    #: Candidate pairs from which verification and scoring run on workers: a pair to score
    #: costs about three articles' reading, and starting workers a fifth of a second.
    pair_parallel_min: int = 500
    #: Candidate pairs per task: a few thousand pairs still come in even shares.
    pair_chunk: int = 250
    #: Articles whose shingle sets one task builds and spills.
    set_chunk: int = 2000
    #: Signatures looked up in the cache at a time.
    lookup_chunk: int = 10_000
    #: Signatures made before they are written to the cache, in one transaction: each
    #: transaction rewrites every index page it touches, so many small ones cost twice
    #: the time (a run killed midway loses at most these).
    store_chunk: int = 20_000
    #: Articles per stored chunk of a file's row in the scan index.
    row_articles: int = 20_000
    #: Files written to the scan index per transaction.
    batch_files: int = 2000
    #: Bytes of text whose shingles are hashed and signed in one batch: 256 KiB signs
    #: about 6-8% faster than 128 KiB (fewer, fuller permutation chunks), for about 10 MB
    #: more in each worker (512 KiB: a point faster, 30 MB more).
    batch_bytes: int = 1 << 18
    #: Shingles permuted at a time: their uint32 values stay in the L2 cache.
    chunk_shingles: int = 1 << 15
    #: MinHash permutations applied at a time.
    perm_block: int = 8
    #: A file modified less than this long before it was read is read again next time
    #: (a later change could keep the same time stamp: git's "racy" rule).
    racy_ns: int = 2_000_000_000


DEFAULT = Tuning()
