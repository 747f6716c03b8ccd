"""Holding Ctrl-C and SIGTERM back while work that must not be broken off half-way runs."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from typing import Any


@contextlib.contextmanager
def interrupts_held() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM back until the block ends, then act on them: blocked for
    this thread and the processes it starts, and, when another thread of this process
    takes the signal, its handler kept waiting. For work that must not be broken off
    half-way: a pool stopped half-way through starting a worker would leave that worker
    unknown, to outlive the run; a spill folder half made or half removed would stay."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    wanted = (signal.SIGINT, signal.SIGTERM)
    caught: list[int] = []
    previous: dict[int, Any] = {}
    if threading.current_thread() is threading.main_thread():
        previous = {sig: signal.signal(sig, lambda sig, _: caught.append(sig)) for sig in wanted}
    held = signal.pthread_sigmask(signal.SIG_BLOCK, set(wanted))
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        for sig in caught[:1]:
            signal.raise_signal(sig)
