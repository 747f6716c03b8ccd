"""Renderers: turn results into text on a stream, one record at a time.

What the renderers of every command share lives here: the options they honour and the
cleaning of a cell for tab-separated output.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CONTROL = re.compile(r"[\t\r\n\x0b\x0c\x1c-\x1f\x85\u2028\u2029]+")


@dataclass(frozen=True)
class RenderOptions:
    """Choices a renderer honours; ``header`` is None for the format's own default."""

    header: bool | None = None


def clean_cell(value: str) -> str:
    """A cell with tabs and line breaks turned into single spaces."""
    return _CONTROL.sub(" ", value)
