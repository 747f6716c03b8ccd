"""Where a Dask run goes: its cluster (one named, or a local one started for the run)
and its work folder."""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dedup.dask.checkpoint import check_work_folder
from dedup.errors import DedupError


@dataclass(frozen=True)
class DaskOptions:
    """Where a Dask run goes: a scheduler's address (or a local cluster of ``workers``),
    and the work folder that keeps its stages (a temporary one when None)."""

    scheduler: str | None = None
    workers: int = 2
    work_dir: str | None = None
    #: Bytes of input per read task (a JSON Lines file twice as large is read in ranges).
    part_bytes: int = 2 << 20
    #: Articles per shard of ids (and per bucket of the shuffles).
    shard_articles: int = 20_000


@contextlib.contextmanager
def work_root(work_dir: str | None) -> Iterator[Path]:
    """The work folder named (made absolute: workers have working folders of their own),
    or a temporary one removed at the end."""
    if work_dir is not None:
        check_work_folder(Path(work_dir))
        yield Path(os.path.abspath(work_dir))
        return
    with tempfile.TemporaryDirectory(prefix="dedup-dask-") as folder:
        yield Path(folder)


@contextlib.contextmanager
def connect(options: DaskOptions) -> Iterator[Any]:
    """A client of the scheduler named, or of a local cluster started for the run."""
    from distributed import Client, LocalCluster

    if options.scheduler is not None:
        try:
            client = Client(options.scheduler, timeout="20s")  # type: ignore[no-untyped-call]
        except (OSError, TimeoutError, ValueError) as exc:
            message = f"cannot reach the Dask scheduler at {options.scheduler}: {exc}"
            raise DedupError(message) from None
        with client:
            yield client
        return
    cluster = LocalCluster(  # type: ignore[no-untyped-call]
        n_workers=options.workers,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        silence_logs=logging.ERROR,
        # No dashboard, and its HTTP server on any free port rather than 8787.
        scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
    )
    with cluster, Client(cluster) as client:  # type: ignore[no-untyped-call]
        yield client
