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
    """A temporary spill file of a run could not be written or read back. Carries its path
    and, when it was written but came back damaged, the ``damage`` found (reading the inputs
    again into a new spill folder mends that; it does not mend a full disk)."""

    def __init__(self, path: str, message: str, damage: str = "") -> None:
        self.path = path
        self.damage = damage
        super().__init__(message)

    def __reduce__(self) -> tuple[type[SpillError], tuple[str, str, str]]:
        # Raised in workers, it travels back to the parent pickled.
        return (SpillError, (self.path, str(self), self.damage))


def ignore(warning: object) -> None:
    """The default warning callback: drop the warning."""
