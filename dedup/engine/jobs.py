"""Spreading the per-article work (normalising, shingling, MinHash) over processes.

Work is cut into chunks in article order and gathered back in the same order, so a run
with any number of jobs gives exactly the result of a single-job run. Small corpora stay
in one process: starting workers costs more than it saves.

Workers start from a small server process (multiprocessing's ``forkserver``), not from
the parent: a forked worker would count as its own a copy of everything the parent holds
(at a million articles, about 800 MB each). The work is pickled to each worker once, when it
starts; the items are sent one by one.

Workers never outlive the run: each dies with its parent, however the parent ends (Ctrl-C,
SIGTERM, SIGKILL, a crash), so nothing is left holding the terminal, a pipe or the spill
files. Ctrl-C and SIGTERM are the parent's alone to handle: workers ignore them.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import numpy.typing as npt

from dedup.article import Article
from dedup.atomic import process_alive
from dedup.config import Config
from dedup.engine.deferred import settle_while_busy
from dedup.engine.heap import reuse_freed_memory
from dedup.engine.interrupts import interrupts_held
from dedup.errors import DedupError
from dedup.orphans import die_with_parent
from dedup.progress import ProgressCallback
from dedup.text.prepare import Units, split_many

if TYPE_CHECKING:  # imported where workers start: a run in one process never needs them
    import multiprocessing.context
    from concurrent.futures import ProcessPoolExecutor

U32 = npt.NDArray[np.uint32]
T = TypeVar("T")
R = TypeVar("R")

#: The work a worker does, handed to it once when it starts.
_WORK: Callable[[Any], Any] | None = None
#: Modules the server that starts workers imports once, so each worker starts with them.
PRELOAD = ["dedup.engine.run"]
#: Seconds between a worker's looks at its parent, where the kernel cannot watch for it.
_PARENT_POLL = 0.5
#: Seconds to wait for the pool's manager thread once its workers are killed: first for it
#: to see them gone, then (when a killed worker left it reading half a result) to stop.
_MANAGER_SETTLE = 0.5
_MANAGER_WAIT = 5.0


def _run_installed(item: Any) -> Any:
    assert _WORK is not None, "worker started without its work"
    return _WORK(item)


def map_ordered(work: Callable[[T], R], items: Sequence[T], jobs: int) -> Iterator[R]:
    """``work(item)`` for each item, in order, on ``jobs`` processes, yielded as they arrive.

    ``work`` is pickled once to each worker (what it holds must be picklable), each item on
    its own.
    """
    if jobs <= 1 or len(items) <= 1:
        yield from map(work, items)
        return
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    handed = _hand_off(work)
    pool = ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=_context(),
        initializer=_start_worker,
        initargs=(os.getpid(), handed),
    )
    try:
        # The workers (and the server they start from) start here: they inherit Ctrl-C
        # and SIGTERM held back, and take them up only once they ignore them.
        with interrupts_held():
            futures = [pool.submit(_run_installed, item) for item in items]
        futures.reverse()  # popped in order; the last item's stays until the end
        while futures:
            settle_while_busy(futures[0])
            yield futures.pop().result()
        pool.shutdown()
    except (BrokenProcessPool, BrokenPipeError):  # a worker gone, or one that never started
        _stop(pool)
        raise DedupError(
            "a worker process died unexpectedly (out of memory?); run again with fewer --jobs"
        ) from None
    except BaseException:  # Ctrl-C, an error, or the results no longer wanted
        _stop(pool)
        raise
    finally:
        if isinstance(handed, Handoff):
            handed.close()


#: Work that pickles larger than this reaches the workers through a file (see Handoff).
HANDOFF_BYTES = 1 << 20


class Handoff:
    """Work pickled once into an unnamed temporary file, whose descriptor each worker
    receives as it starts and reads the work from. Sent down each worker's start-up pipe
    instead, large work (a corpus's columns: 19 MB at 100,000 articles) holds the parent
    until that worker has read it all, worker after worker. The file has no name, so
    nothing is left behind however the run ends."""

    def __init__(self, fd: int, size: int) -> None:
        self.fd = fd
        self.size = size

    def __reduce__(self) -> tuple[Callable[..., Handoff], tuple[Any, int]]:
        from multiprocessing import reduction  # only while a worker is being started

        return (_received, (reduction.DupFd(self.fd), self.size))

    def load(self) -> Callable[[Any], Any]:
        """The work, read from the file (whose descriptor is then closed)."""
        parts: list[bytes] = []
        done = 0
        while done < self.size:
            part = os.pread(self.fd, self.size - done, done)
            if not part:
                raise DedupError("the work handed to a worker process was cut short")
            parts.append(part)
            done += len(part)
        self.close()
        work: Callable[[Any], Any] = pickle.loads(b"".join(parts))
        return work

    def close(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self.fd)


def _received(dup: Any, size: int) -> Handoff:
    return Handoff(dup.detach(), size)


def _hand_off(work: Callable[[Any], Any]) -> Callable[[Any], Any] | Handoff:
    """``work`` itself when it pickles small, else a :class:`Handoff` of it."""
    data = pickle.dumps(work, protocol=pickle.HIGHEST_PROTOCOL)
    if len(data) <= HANDOFF_BYTES:
        return work
    with tempfile.TemporaryFile() as file:
        file.write(data)
        file.flush()
        return Handoff(os.dup(file.fileno()), len(data))


def start_early(config: Config) -> None:
    """Start the server workers start from now, when ``config`` runs on several jobs, so
    that it loads dedup's modules while this process goes on (planning what to read)."""
    if config.effective_jobs <= 1:
        return
    context = _context()
    if context.get_start_method() != "forkserver":
        return
    from multiprocessing import forkserver, resource_tracker

    # The tracker lets Ctrl-C through as it starts: started first, it leaves the server to
    # start with Ctrl-C held back, as it does from a pool (whose queues start the tracker).
    resource_tracker.ensure_running()
    with interrupts_held():
        forkserver.ensure_running()


def _context() -> multiprocessing.context.BaseContext:
    """Where workers start from: a server process holding only dedup's modules where
    there is one (POSIX), else a fresh interpreter each (``spawn``)."""
    import multiprocessing

    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(_preload())
    return context


def _preload() -> list[str]:
    """:data:`PRELOAD`, unless the folder dedup runs in holds another ``dedup``. The
    server starts as ``python -c`` does, with that folder first on its path (Python 3.11
    gives it no other), so it would import that ``dedup`` in place of this one, and no
    worker could start. Without a preload each worker imports dedup from this process's
    path instead (0.4 s more on a 100k scan). A folder holding this very ``dedup`` (a
    checkout of it, installed editable) keeps the preload."""
    try:
        here = os.getcwd()
    except OSError:  # a folder removed under the run: nothing to tell, so nothing to risk
        return []
    ours = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for name in ("dedup", "dedup.py"):
        there = os.path.join(here, name)
        if os.path.exists(there) and not _same_file(there, ours):
            return []
    return PRELOAD


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _stop(pool: ProcessPoolExecutor) -> None:
    """End the pool at once: drop the work not started and kill the workers, which would
    otherwise finish their tasks first (and, after a second Ctrl-C, wait for more forever)."""
    with interrupts_held():  # a second Ctrl-C waits until the pool is gone
        workers = list((pool._processes or {}).values())  # Python 3.14: pool.kill_workers()
        manager: threading.Thread | None = getattr(pool, "_executor_manager_thread", None)
        results = getattr(pool, "_result_queue", None)
        pool.shutdown(wait=False, cancel_futures=True)
        for worker in workers:
            with contextlib.suppress(OSError, ValueError):
                worker.kill()
        if manager is None:
            return
        with _quiet(manager):
            manager.join(_MANAGER_SETTLE)  # it reaps the workers: exit finds nothing to wait for
            if manager.is_alive():
                # A worker killed while sending a result leaves the manager reading the rest
                # of it for ever, and Python's exit waits for the manager: with the last
                # write end closed, it reads the end of the pipe instead and stops.
                with contextlib.suppress(AttributeError, OSError):
                    results._writer.close()  # type: ignore[union-attr]
                manager.join(_MANAGER_WAIT)


@contextlib.contextmanager
def _quiet(thread: threading.Thread) -> Iterator[None]:
    """Keep what ``thread`` raises while the block runs off stderr (the manager of a pool
    whose workers were killed may trip over the futures it was told to cancel)."""
    previous = threading.excepthook

    def hook(args: threading.ExceptHookArgs) -> None:
        if args.thread is not thread:
            previous(args)

    threading.excepthook = hook
    try:
        yield
    finally:
        threading.excepthook = previous


def _start_worker(parent: int, work: Callable[[Any], Any] | Handoff) -> None:
    """What every worker does first: take its work, leave Ctrl-C and SIGTERM to the parent
    (which stops the workers as it ends), die with the parent, and reuse freed memory."""
    global _WORK
    _WORK = work.load() if isinstance(work, Handoff) else work
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "SIGTERM"):
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})
    die_with_parent()
    reuse_freed_memory()
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()


def _watch_parent(parent: int) -> None:
    """Exit as soon as dedup's process is gone: its sentinel (a pipe it holds open) says
    so, or, where there is no sentinel, it no longer exists."""
    import multiprocessing.connection

    process = multiprocessing.parent_process()
    sentinel = process.sentinel if process is not None else None
    if sentinel is not None:
        multiprocessing.connection.wait([sentinel])
    else:
        while process_alive(parent):
            time.sleep(_PARENT_POLL)
    os._exit(1)


def _with_config(work: Callable[[Sequence[T], Config], R], config: Config, chunk: Sequence[T]) -> R:
    return work(chunk, config)


def map_chunks(
    work: Callable[[Sequence[T], Config], list[R]],
    items: Sequence[T],
    config: Config,
    stage: str,
    report: ProgressCallback,
    *,
    pairs: bool = False,
) -> list[R]:
    """``work`` over ``items`` in chunks, in order, on ``config.effective_jobs`` processes
    (``pairs``: see :func:`map_each_chunk`)."""
    results: list[R] = []
    for _, part in map_each_chunk(work, items, config, pairs=pairs):
        results.extend(part)
        report(stage, len(results), len(items))
    return results


def map_each_chunk(
    work: Callable[[Sequence[T], Config], R],
    items: Sequence[T],
    config: Config,
    *,
    pairs: bool = False,
) -> Iterator[tuple[Sequence[T], R]]:
    """Each chunk of ``items`` with ``work(chunk, config)``, in order, as results arrive
    (on ``config.effective_jobs`` processes when there are enough items). Items that are
    ``pairs`` to score, each costing several articles' work, go in smaller chunks and to
    workers from fewer of them (``Tuning.pair_chunk``, ``Tuning.pair_parallel_min``)."""
    tuning = config.tuning
    size = tuning.pair_chunk if pairs else tuning.chunk
    least = tuning.pair_parallel_min if pairs else tuning.parallel_min
    jobs = config.effective_jobs if len(items) >= least else 1
    chunks = [items[first : first + size] for first in range(0, len(items), size)]
    results = map_ordered(partial(_with_config, work, config), chunks, jobs)
    yield from zip(chunks, results, strict=True)


def _units_chunk(articles: Sequence[Article], config: Config) -> list[Units]:
    return split_many(articles, config)


def split_parallel(
    articles: Sequence[Article], config: Config, report: ProgressCallback
) -> list[Units]:
    """:func:`dedup.text.prepare.split_units` of every article, on all jobs, in order."""
    return map_chunks(_units_chunk, articles, config, "prepare", report)
