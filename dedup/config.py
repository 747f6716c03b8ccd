"""Settings: one frozen object carries every option into the core.

Precedence, highest first: command-line flag > ``DEDUP_*`` environment variable >
``[tool.dedup]`` in ``pyproject.toml`` (or a ``dedup.toml``) > the defaults below.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from dedup.errors import ConfigError
from dedup.read import markers
from dedup.tuning import DEFAULT as DEFAULT_TUNING
from dedup.tuning import Tuning

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

DEFAULT_INCLUDE: tuple[str, ...] = tuple(
    f"*.{ext}{gz}" for ext in ("txt", "md", "jsonl", "json", "html", "htm") for gz in ("", ".gz")
)
DEFAULT_EXCLUDE: tuple[str, ...] = (
    ".git",
    ".hg",
    ".svn",
    "node_modules",
    "__pycache__",
    ".venv",
    ".tox",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
)


#: Values of ``engine``: this machine's processes, or a Dask cluster (docs/dask.md).
ENGINES = ("local", "dask")
#: Values of ``grouping``: whole stories, or near-identical copies of the canonical only.
GROUPINGS = ("story", "copies")
#: The highest ``lsh_threshold``: above it datasketch finds no band layout of 2 or more
#: bands for 16 permutations (its bound is 0.93 there, 0.999 for 1024).
MAX_LSH_THRESHOLD = 0.9
#: ``seed`` seeds numpy's generator, which takes 0 to 2**32 - 1.
MAX_SEED = 2**32 - 1
#: Settings that hold regular expressions (matched against paragraphs).
REGEX_SETTINGS = ("junk_patterns", "extra_junk_patterns")


class SettingError(ConfigError):
    """A setting holds a value dedup cannot use; ``setting`` names it, so that
    :func:`load_config` can say where the value came from."""

    def __init__(self, setting: str, message: str) -> None:
        self.setting = setting
        super().__init__(message)

    def __reduce__(self) -> tuple[type[SettingError], tuple[str, str]]:
        return (SettingError, (self.setting, str(self)))


@dataclass(frozen=True)
class Config:
    """Every setting dedup knows. Construct with keywords; unknown keys are an error."""

    # Reading
    include: tuple[str, ...] = DEFAULT_INCLUDE
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    extra_exclude: tuple[str, ...] = ()
    title_fields: tuple[str, ...] = ("title", "headline")
    text_fields: tuple[str, ...] = ("text", "body", "content")
    #: A JSON record's text that is HTML goes through trafilatura, as a page does.
    records_html: bool = False
    chrome_markers: tuple[str, ...] = markers.CHROME_MARKERS
    extra_chrome_markers: tuple[str, ...] = ()
    #: MiB of (decompressed) text read from one file, or from one JSON line.
    max_file_mb: int = 256
    # Comparing
    junk_patterns: tuple[str, ...] = markers.JUNK_PATTERNS
    extra_junk_patterns: tuple[str, ...] = ()
    boilerplate_min_docs: int = 4
    shingle_size: int = 5
    num_perm: int = 128
    seed: int = 1
    lsh_threshold: float = 0.4
    similarity: float = 0.85
    containment: float = 0.75
    coverage: float = 0.8
    min_words: int = 60
    number_overlap: float = 0.9
    # Grouping: "story" (every version of a story) or "copies" (copies of the canonical only)
    grouping: str = "story"
    chain_containment: float = 0.1
    # Choosing the canonical article
    preferred_sources: tuple[str, ...] = markers.WIRE_SOURCES
    aggregators: tuple[str, ...] = markers.AGGREGATORS
    # Running
    corpus_root: str | None = None
    #: ``dedup check``: the file of accepted pairs (see dedup.engine.baseline).
    baseline: str | None = None
    cache: bool = True
    cache_path: str | None = None
    jobs: int = 0
    #: ``dedup scan``: where detection runs (``--engine``).
    engine: str = "local"
    #: How work is cut up (never a user setting: it changes speed, not results).
    tuning: Tuning = field(default=DEFAULT_TUNING, repr=False, compare=False)

    def __post_init__(self) -> None:
        _check_range("shingle_size", self.shingle_size, 1, 50)
        _check_range("num_perm", self.num_perm, 16, 1024)
        _check_range("boilerplate_min_docs", self.boilerplate_min_docs, 2, 10**9)
        _check_range("min_words", self.min_words, 1, 10**6)
        _check_range("jobs", self.jobs, 0, 1024)
        _check_range("seed", self.seed, 0, MAX_SEED)
        _check_range("max_file_mb", self.max_file_mb, 1, 1 << 20)
        if self.grouping not in GROUPINGS:
            raise SettingError(
                "grouping", f"grouping must be one of {', '.join(GROUPINGS)}, got {self.grouping!r}"
            )
        if self.engine not in ENGINES:
            raise SettingError(
                "engine", f"engine must be one of {', '.join(ENGINES)}, got {self.engine!r}"
            )
        _check_range("lsh_threshold", self.lsh_threshold, 0.0, MAX_LSH_THRESHOLD)
        ranged = ("similarity", "containment", "coverage", "number_overlap", "chain_containment")
        for name in ranged:
            _check_range(name, getattr(self, name), 0.0, 1.0)
        _check_strings(self)
        _check_patterns(self)

    @property
    def all_exclude(self) -> tuple[str, ...]:
        return self.exclude + self.extra_exclude

    @property
    def all_chrome_markers(self) -> tuple[str, ...]:
        return self.chrome_markers + self.extra_chrome_markers

    @property
    def all_junk_patterns(self) -> tuple[str, ...]:
        return self.junk_patterns + self.extra_junk_patterns

    @property
    def effective_jobs(self) -> int:
        return self.jobs or os.cpu_count() or 1

    def replace(self, **changes: Any) -> Config:
        """A copy with ``changes`` applied, validated like the constructor."""
        check_keys(changes, origin="option")
        return dataclasses.replace(self, **{k: coerce(k, v, "option") for k, v in changes.items()})


def _check_range(name: str, value: float, low: float, high: float) -> None:
    if not low <= value <= high:
        raise SettingError(name, f"{name} must be between {low} and {high}, got {value!r}")


def _check_strings(config: Config) -> None:
    """No text setting may hold a NUL character (no path or pattern can)."""
    for item in fields(config):
        value = getattr(config, item.name)
        texts = value if isinstance(value, tuple) else (value,)
        if any(isinstance(text, str) and "\0" in text for text in texts):
            raise SettingError(item.name, f"{item.name} must not hold a NUL character")


def _check_patterns(config: Config) -> None:
    """Every junk pattern compiles, alone and with the others as they are matched (the
    ``^`` ones as one alternation), and none is empty (it would match every paragraph)."""
    for name in REGEX_SETTINGS:
        for pattern in getattr(config, name):
            if not pattern.strip():
                raise SettingError(name, f"{name}: {pattern!r} is empty: it would match every text")
            _compile(name, pattern)
    anchored = [p for p in config.all_junk_patterns if p.startswith("^")]
    if anchored:
        extra = any(p.startswith("^") for p in config.extra_junk_patterns)
        name = "extra_junk_patterns" if extra else "junk_patterns"
        try:
            re.compile("|".join(f"(?:{p})" for p in anchored))
        except (re.error, OverflowError, RecursionError, ValueError) as exc:
            raise SettingError(
                name, f"{name}: the patterns starting with ^ do not combine: {exc}"
            ) from None


def _compile(name: str, pattern: str) -> None:
    try:
        re.compile(pattern)
    except (re.error, OverflowError, RecursionError, ValueError) as exc:
        raise SettingError(
            name, f"{name}: {pattern!r} is not a valid regular expression: {exc}"
        ) from None


FIELD_TYPES: dict[str, Any] = {f.name: f.type for f in fields(Config) if f.name != "tuning"}


def check_keys(values: Mapping[str, Any], *, origin: str) -> None:
    """Reject unknown keys, naming the nearest valid one."""
    for key in values:
        if key not in FIELD_TYPES:
            near = difflib.get_close_matches(key, FIELD_TYPES, n=1)
            hint = f"; did you mean {near[0]!r}?" if near else ""
            raise ConfigError(f"{origin}: unknown setting {key!r}{hint}")


def _list_of(text: str) -> Any:
    """A list given as text: comma-separated, or a JSON list (for items that hold commas,
    as a regex with a count like ``{1,3}`` does)."""
    if text.lstrip().startswith("["):
        try:
            return json.loads(text)
        except ValueError:
            raise TypeError("a JSON list of strings") from None
    return [part.strip() for part in text.split(",") if part.strip()]


def coerce(key: str, value: Any, origin: str) -> Any:
    """Turn a TOML or environment value into the type ``key`` holds."""
    kind = str(FIELD_TYPES[key])
    try:
        if kind.startswith("tuple"):
            if isinstance(value, str):
                value = _list_of(value)
            if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
                raise TypeError("a list of strings")
            return tuple(value)
        if kind == "bool":
            if isinstance(value, str):
                lowered = value.strip().lower()
                if lowered not in {"1", "0", "true", "false", "yes", "no", "on", "off"}:
                    raise TypeError("true or false")
                return lowered in {"1", "true", "yes", "on"}
            if not isinstance(value, bool):
                raise TypeError("true or false")
            return value
        if kind == "int":
            if isinstance(value, bool) or not isinstance(value, (int, str)):
                raise TypeError("a whole number")
            return int(value)
        if kind == "float":
            if isinstance(value, bool) or not isinstance(value, (int, float, str)):
                raise TypeError("a number")
            return float(value)
        if value is None or isinstance(value, str):
            return value or None
        raise TypeError("a string")
    except (TypeError, ValueError) as exc:
        fallback = _EXPECTED.get(kind, "a list of strings")
        expected = exc.args[0] if isinstance(exc, TypeError) and exc.args else fallback
        raise ConfigError(f"{origin}: {key} must be {expected}, got {value!r}") from None


_EXPECTED = {
    "int": "a whole number",
    "float": "a number",
    "bool": "true or false",
    "str | None": "a string",
}


def find_config_file(start: Path) -> Path | None:
    """The nearest ``dedup.toml`` or ``pyproject.toml`` with a ``[tool.dedup]`` table."""
    for folder in (start, *start.parents):
        candidate = folder / "dedup.toml"
        if candidate.is_file():
            return candidate
        candidate = folder / "pyproject.toml"
        if candidate.is_file() and "[tool.dedup" in _read_text(candidate):
            return candidate
    return None


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None


def read_config_file(path: Path) -> dict[str, Any]:
    """The settings table of a config file, checked and typed."""
    try:
        data = tomllib.loads(_read_text(path))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    table = data.get("tool", {}).get("dedup", {}) if path.name == "pyproject.toml" else data
    if path.name == "dedup.toml" and "tool" in table:
        table = table["tool"].get("dedup", table)
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.dedup] must be a table")
    table = {k.replace("-", "_"): v for k, v in table.items()}
    check_keys(table, origin=str(path))
    return {k: coerce(k, v, str(path)) for k, v in table.items()}


def read_env(environ: Mapping[str, str]) -> dict[str, Any]:
    """Settings from ``DEDUP_*`` variables (e.g. ``DEDUP_SHINGLE_SIZE=4``)."""
    values: dict[str, Any] = {}
    for name, raw in environ.items():
        if not name.startswith("DEDUP_") or name in IGNORED_ENV:
            continue
        key = name[len("DEDUP_") :].lower()
        check_keys({key: raw}, origin=f"environment variable {name}")
        values[key] = coerce(key, raw, f"environment variable {name}")
    return values


#: DEDUP_* variables that are not settings (read elsewhere, e.g. by the CLI).
IGNORED_ENV = frozenset({"DEDUP_CONFIG", "DEDUP_REGEN_GOLDEN"})


def load_config(
    flags: Mapping[str, Any] | None = None,
    *,
    config_file: Path | None = None,
    cwd: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> Config:
    """Merge defaults, the config file, ``DEDUP_*`` variables and flags, in that order."""
    environ = os.environ if environ is None else environ
    if config_file is None and environ.get("DEDUP_CONFIG"):
        config_file = Path(environ["DEDUP_CONFIG"])
    if config_file is None:
        config_file = find_config_file((cwd or Path.cwd()).resolve())
    elif not config_file.is_file():
        raise ConfigError(f"{config_file}: config file not found")
    merged: dict[str, Any] = {}
    origins: dict[str, str] = {}
    if config_file is not None:
        merged.update(read_config_file(config_file))
        origins.update(dict.fromkeys(merged, str(config_file)))
    from_env = read_env(environ)
    merged.update(from_env)
    origins.update({key: f"environment variable {name}" for key, name in _env_names(environ)})
    given = {k: v for k, v in (flags or {}).items() if v is not None}
    check_keys(given, origin="option")
    merged.update({k: coerce(k, v, "option") for k, v in given.items()})
    for key in given:  # an option's error names the setting, as typed on the command line
        origins.pop(key, None)
    try:
        return Config(**merged)
    except SettingError as exc:
        origin = origins.get(exc.setting)
        if origin is None:
            raise
        raise ConfigError(f"{origin}: {exc}") from None


def _env_names(environ: Mapping[str, str]) -> list[tuple[str, str]]:
    """(setting, variable) for every ``DEDUP_*`` variable that is a setting."""
    names = [name for name in environ if name.startswith("DEDUP_") and name not in IGNORED_ENV]
    return [(name[len("DEDUP_") :].lower(), name) for name in names]
