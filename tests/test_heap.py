"""A scanning process reuses the buffers it frees instead of faulting their pages in again."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from dedup.engine.heap import reuse_freed_memory

#: Allocates and frees buffers of a few megabytes, as a scan does per batch, and prints the
#: page faults that took; with "tuned" as its argument, after reuse_freed_memory().
CHURN = """
import resource, sys
from dedup.engine.heap import reuse_freed_memory
if sys.argv[1] == "tuned":
    assert reuse_freed_memory()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
kept = []
for i in range(200):
    buffer = bytearray(2_000_000 + (i % 7) * 100_000)
    other = bytes(300_000)
    kept.append(bytes(5_000))
    del buffer, other
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def _glibc_linux() -> bool:
    try:
        return sys.platform.startswith("linux") and bool(os.confstr("CS_GNU_LIBC_VERSION"))
    except (ValueError, OSError):
        return False


def _faults(mode: str) -> int:
    done = subprocess.run(
        [sys.executable, "-c", CHURN, mode], capture_output=True, text=True, check=True
    )
    return int(done.stdout)


@pytest.mark.skipif(not _glibc_linux(), reason="the setting is glibc's (Linux)")
def test_freed_buffers_are_reused_without_page_faults() -> None:
    assert _faults("tuned") * 2 < _faults("default")


@pytest.mark.skipif(_glibc_linux(), reason="glibc takes the setting")
def test_elsewhere_nothing_is_changed() -> None:
    assert reuse_freed_memory() is False
