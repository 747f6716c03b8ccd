"""Work the parent of a run puts off: writing what only the next run reads (the scan
index, the last signatures for the cache). Done while workers are busy, the parent's
time is free; done between stages, the workers would wait for it.

A run marks its extent with :func:`deferring`; :func:`dedup.engine.jobs.map_ordered`
does the work put off while its workers have tasks left.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from concurrent.futures import Future


class _Deferred(threading.local):
    """The work this thread's run has put off (None outside a :func:`deferring` block)."""

    work: list[Callable[[], None]] | None = None


_deferred = _Deferred()


@contextlib.contextmanager
def deferring() -> Iterator[None]:
    """Within the block, :func:`defer` puts work off until workers are next busy; what is
    left is done when the block ends, and dropped when it raises."""
    previous = _deferred.work
    _deferred.work = []
    try:
        yield
        settle()
    finally:
        _deferred.work = previous


def defer(work: Callable[[], None]) -> None:
    """Do ``work``, which nothing later in the run waits for (writing what the next run
    reads), once the next pool has its workers busy: the parent's time is free then, and
    otherwise the workers would wait for it. At once outside a :func:`deferring` block."""
    if _deferred.work is None:
        work()
    else:
        _deferred.work.append(work)


def settle() -> None:
    """Do the work put off so far, in the order it was put off."""
    pending = _deferred.work
    while pending:
        pending.pop(0)()


def settle_while_busy(last: Future[Any]) -> None:
    """Do work put off while the workers are still busy (``last``, their last task, is not
    done): a short pool leaves the rest to a later one."""
    pending = _deferred.work
    while pending and not last.done():
        pending.pop(0)()
