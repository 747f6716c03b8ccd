"""dedup: find syndicated copies of news articles across a corpus and collapse them.

The library never prints; the command line lives in :mod:`dedup.cli`.
"""

from __future__ import annotations

from dedup.article import Article
from dedup.config import Config, load_config
from dedup.errors import CacheError, ConfigError, DedupError, InputError
from dedup.result import Group, Member, PairScore, Result

__version__ = "0.1.0"

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
