"""How a scanning process's C heap hands memory back to the system: less eagerly than
glibc does by default.

A scan allocates and frees buffers of a few megabytes per batch of articles (numpy's
arrays, joined texts). With glibc's defaults many of them are mapped afresh each time
and given back when freed, so every page is faulted in and zeroed again by the kernel:
in a one-process scan of 25,000 articles, 115,000 page faults and 1.2 s of system time
against 44,000 and 0.7 s with the thresholds here (docs/benchmarks.md), under which such
buffers are reused from the heap instead. Each process keeps at most ``TRIM_BYTES`` freed at the
top of its heap, so memory still goes back once a stage is done with it.
"""

from __future__ import annotations

import contextlib
import os
import sys
from functools import cache

#: glibc's ``mallopt`` parameters (malloc.h): M_TRIM_THRESHOLD and M_MMAP_THRESHOLD.
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
#: Allocations from this size on get pages of their own, given back when freed.
MMAP_BYTES = 16 << 20
#: Freed memory at the top of the heap is given back once it exceeds this.
TRIM_BYTES = 32 << 20


@cache
def reuse_freed_memory() -> bool:
    """Have this process's heap keep and reuse the buffers it frees (glibc on Linux; a no-op
    elsewhere). True when the setting took; done once per process."""
    if not sys.platform.startswith("linux") or not _glibc():
        return False
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        mallopt = ctypes.CDLL(None).mallopt
        return bool(
            mallopt(_M_MMAP_THRESHOLD, MMAP_BYTES) and mallopt(_M_TRIM_THRESHOLD, TRIM_BYTES)
        )
    return False


def _glibc() -> bool:
    try:
        return bool(os.confstr("CS_GNU_LIBC_VERSION"))
    except (ValueError, OSError):  # not a name this C library knows: not glibc
        return False
