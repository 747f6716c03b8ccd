"""``dedup scan --engine dask``: the local engine's detection, spread over a Dask cluster.

The same rules run under another scheduler: every stage calls the local engine's own
functions (reading and splitting, boilerplate, MinHash rows and band keys, the band
buckets' pairs, ``score_pair``, grouping and the canonical rule), on partitions of the
corpus instead of on chunks of it. Stage outputs are Parquet files in a work folder, and
the partitions exchange them as files (:mod:`dedup.dask.shuffle`), so a run that stops
resumes from its last finished stage (:mod:`dedup.dask.checkpoint`).

Nothing here is imported unless ``--engine dask`` is asked for: dask, distributed and
pyarrow are the optional extra ``dedup[dask]``.
"""

from __future__ import annotations

from dedup.errors import DedupError

#: What a run without the optional extra says.
MISSING_EXTRA = "--engine dask needs the optional extra: pip install 'dedup[dask]'"


def require_dask() -> None:
    """Raise a :class:`DedupError` naming the extra when dask, distributed or pyarrow is
    not installed."""
    try:
        import dask  # noqa: F401
        import distributed  # noqa: F401
        import pyarrow  # noqa: F401
    except ImportError:
        raise DedupError(MISSING_EXTRA) from None
