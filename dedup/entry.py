"""The console script's entry point: Ctrl-C is exit 130 even while modules still load."""

from __future__ import annotations

import signal
import sys

EXIT_INTERRUPTED = 130


def main() -> None:
    """Load the command line and run it; an interrupt during start-up exits quietly.

    Once the run has ended (its output written, its exit code known), Ctrl-C is ignored:
    it could only stop Python while it shuts down, killing it with no word said.
    """
    try:
        from dedup.cli import main as run

        run()
    except KeyboardInterrupt:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        sys.stderr.write("dedup: interrupted\n")
        sys.exit(EXIT_INTERRUPTED)
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
