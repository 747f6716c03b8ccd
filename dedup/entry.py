"""The console script's entry point: Ctrl-C is exit 130 even while modules still load."""

from __future__ import annotations

import sys

EXIT_INTERRUPTED = 130


def main() -> None:
    """Load the command line and run it; an interrupt during start-up exits quietly."""
    try:
        from dedup.cli import main as run

        run()
    except KeyboardInterrupt:
        sys.stderr.write("dedup: interrupted\n")
        sys.exit(EXIT_INTERRUPTED)
