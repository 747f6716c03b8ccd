"""dedup's own exceptions. The core raises these; the CLI maps them to exit codes."""

from __future__ import annotations


class DedupError(Exception):
    """Base class for every error dedup reports to a user."""


class InputError(DedupError):
    """A file could not be read or understood. Carries the file and, where known, the line."""

    def __init__(self, path: str, message: str, line: int | None = None) -> None:
        self.path = path
        self.line = line
        self.reason = message
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {message}")

    def __reduce__(self) -> tuple[type[InputError], tuple[str, str, int | None]]:
        # Warnings travel back from reading workers.
        return (InputError, (self.path, self.reason, self.line))


class ConfigError(DedupError):
    """A configuration file, variable or option holds a value dedup cannot use."""


class CacheError(DedupError):
    """The signature cache could not be opened or written."""


class SpillError(DedupError):
    """A temporary spill file of a run could not be written or read back. Carries its path."""

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        super().__init__(message)

    def __reduce__(self) -> tuple[type[SpillError], tuple[str, str]]:
        # Raised in workers, it travels back to the parent pickled.
        return (SpillError, (self.path, str(self)))


def ignore(warning: object) -> None:
    """The default warning callback: drop the warning."""
