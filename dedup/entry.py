"""The console script's entry point: Ctrl-C is exit 130 and SIGTERM exit 143, even while
modules still load, each with one line on stderr.

This module and the package's ``__init__`` import nothing at their top level (``sys`` is
loaded already), so that the handling starts within a millisecond of the console script's
first line. What comes before is Python's: its own start and the script's ``import re``
(about 20 ms), where a Ctrl-C gets Python's traceback.
"""

from __future__ import annotations

import sys

EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143
#: The cyclic garbage collector's thresholds for a run (Python's are 700, 10, 10). A run
#: builds hundreds of thousands of long-lived objects (a corpus's paths, digests, stats),
#: and with the default thresholds each full collection walks all of them: 0.08-0.25 s of
#: a 2 s ``dedup check`` against 100,000 articles went to it.
GC_THRESHOLDS = (200_000, 30, 30)
#: dedup does no linear algebra: numpy's OpenBLAS need not start a thread per CPU when it
#: loads (0.05-0.1 s of every run that loads numpy, workers included). A value the user
#: set is kept.
BLAS_THREADS = {"OPENBLAS_NUM_THREADS": "1"}


class Terminated(BaseException):
    """SIGTERM arrived (``timeout``, ``kill``, a service manager stopping a job): the run
    unwinds as on Ctrl-C, removing its spill folder, workers and unfinished output."""


def _terminate(signum: int, frame: object) -> None:
    raise Terminated


def main() -> None:
    """Load the command line and run it; an interrupt during start-up exits quietly.

    Once the run has ended (its output written, its exit code known), Ctrl-C is ignored:
    it could only stop Python while it shuts down, killing it with no word said. The
    process then ends without tearing the interpreter down (see :func:`_leave`).
    """
    status: str | int | None = None
    try:
        import gc
        import os
        import signal

        gc.set_threshold(*GC_THRESHOLDS)
        for name, value in BLAS_THREADS.items():
            os.environ.setdefault(name, value)
        if hasattr(signal, "SIGTERM"):
            signal.signal(signal.SIGTERM, _terminate)
        from dedup.cli import main as run

        run()
    except SystemExit as done:
        status = done.code
    except KeyboardInterrupt:
        _ignore("SIGINT")
        sys.stderr.write("dedup: interrupted\n")
        sys.exit(EXIT_INTERRUPTED)
    except Terminated:
        _ignore("SIGTERM")
        sys.stderr.write("dedup: terminated\n")
        sys.exit(EXIT_TERMINATED)
    finally:
        _ignore("SIGINT")
    _leave(status)


def _leave(status: str | int | None) -> None:
    """Exit with ``status`` as :func:`sys.exit` would, without freeing every object and
    module one by one: with the results out and every store, folder and worker closed,
    that only costs time (0.04-0.06 s of a half-second ``dedup check``). Exit handlers
    run first (``atexit._run_exitfuncs``, as Python's own exit runs them: multiprocessing's
    and coverage's among them). While another thread runs, or when stdout or stderr
    cannot be flushed, Python exits as it always does."""
    import atexit
    import os
    import threading

    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        sys.exit(status)
    if threading.active_count() > 1:
        sys.exit(status)
    if isinstance(status, str):  # sys.exit("message"): the message on stderr, exit 1
        sys.stderr.write(f"{status}\n")
    atexit._run_exitfuncs()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(1 if isinstance(status, str) else status or 0)


def _ignore(name: str) -> None:
    import signal

    signal.signal(getattr(signal, name), signal.SIG_IGN)
