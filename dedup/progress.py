"""The progress callback the core accepts; the CLI supplies one that draws a bar."""

from __future__ import annotations

from collections.abc import Callable

#: ``progress(stage, done, total)``: ``stage`` names the step ("read", "signatures",
#: "verify", ...), ``done`` counts work finished so far, ``total`` is None when unknown.
ProgressCallback = Callable[[str, int, "int | None"], None]


def no_progress(stage: str, done: int, total: int | None) -> None:
    """The default callback: report nothing."""
