"""Child processes that end with their parent, even when it is killed outright."""

from __future__ import annotations

import contextlib
import signal
import sys

#: prctl(2) option: the signal the kernel sends a process when its parent dies (Linux).
_PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """Have the kernel SIGKILL this process when the process that started it dies (Linux,
    through ctypes, about 2 ms; a no-op elsewhere). A parent killed by SIGKILL has no time
    to end its children: this ends them anyway. A caller checks that the parent had not
    died already (``os.getppid()``), as the kernel then sends nothing."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
