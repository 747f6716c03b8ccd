"""dedup: find syndicated copies of news articles across a corpus and collapse them.

The library never prints; the command line lives in :mod:`dedup.cli`. The names below
load when first used, so that the command line (:mod:`dedup.entry`) starts at once.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING without loading typing (16 ms at start-up)
if TYPE_CHECKING:
    from typing import Any

    from dedup.article import Article
    from dedup.config import Config, load_config
    from dedup.errors import CacheError, ConfigError, DedupError, InputError
    from dedup.result import Group, Member, PairScore, Result

#: The one place the version is set: the build (pyproject.toml, hatch) reads it from here.
__version__ = "0.3.4"

#: Where each public name lives.
_HOMES = {
    "Article": "dedup.article",
    "CacheError": "dedup.errors",
    "Config": "dedup.config",
    "ConfigError": "dedup.errors",
    "DedupError": "dedup.errors",
    "Group": "dedup.result",
    "InputError": "dedup.errors",
    "Member": "dedup.result",
    "PairScore": "dedup.result",
    "Result": "dedup.result",
    "load_config": "dedup.config",
}


def __getattr__(name: str) -> Any:
    import importlib

    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'dedup' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


__all__ = [
    "Article",
    "CacheError",
    "Config",
    "ConfigError",
    "DedupError",
    "Group",
    "InputError",
    "Member",
    "PairScore",
    "Result",
    "__version__",
    "load_config",
]
