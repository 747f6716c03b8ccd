"""What every command shares: exit codes, error mapping, warnings, the stores, settings,
and a run (its quiet choice, warnings and clock)."""

from __future__ import annotations

import contextlib
import functools
import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from dedup import __version__
from dedup.config import Config, load_config
from dedup.errors import CacheError, DedupError, InputError
from dedup.progress import ProgressCallback
from dedup.reading import Reading
from dedup.targets import refuse_store_as_input

# The stores (which load numpy and sqlite3) and the renderers are imported where they are
# used, so that a check forks its walk (dedup.read.ahead) as early as it can.
if TYPE_CHECKING:
    from dedup.result import Result
    from dedup.store.scan import ScanStore
    from dedup.store.signatures import SignatureCache

#: Exit codes, documented in the README: the linter convention (ruff, flake8, pre-commit
#: hooks), 1 when something is found.
EXIT_OK = 0
EXIT_FOUND = 1
EXIT_ERROR = 2
EXIT_INTERRUPTED = 130

F = TypeVar("F", bound=Callable[..., Any])

#: The exit code the running command has reached (see :func:`reached`).
_reached = EXIT_OK


def reached(code: int) -> None:
    """Record the exit code the run has reached, once its findings are known and before
    they are printed: a closed stdout (``dedup scan corpus/ | head -1``) ends the run
    quietly with it, so a reader that stops early still learns that copies were found."""
    global _reached
    _reached = code


def exit_code(found: bool) -> int:
    """The exit code of a run that found copies (1) or not (0), recorded as reached."""
    code = EXIT_FOUND if found else EXIT_OK
    reached(code)
    return code


def handle_errors(func: F) -> F:
    """Turn every failure into one line on stderr and exit 2; Ctrl-C into exit 130.

    dedup's own errors say what went wrong; running out of memory, and a failing disk or
    folder (full, read-only, gone: an ``OSError`` nothing else reported), get a line of
    their own; anything else is a bug, reported as an internal error with its traceback
    saved to a file. Exit 1 stays "copies found": a failure never exits 1. A closed stdout
    (``dedup scan | head``) ends the run quietly, with no message, with the exit code the
    run had reached (see :func:`reached`). Click's own errors (usage) pass through.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        reached(EXIT_OK)
        try:
            return _flushed(func, *args, **kwargs)
        except DedupError as exc:
            _fail(str(exc))
        except KeyboardInterrupt:
            click.echo("dedup: interrupted", err=True)
            sys.exit(EXIT_INTERRUPTED)
        except BrokenPipeError:
            _silence_stdout()
            sys.exit(_reached)
        except MemoryError:
            _fail("out of memory; run with fewer --jobs, or on fewer files at a time")
        except OSError as exc:
            _fail(describe_os_error(exc))
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as exc:  # a bug: one line, the traceback kept for the report
            _fail(f"internal error: {_one_line(exc)}{_save_traceback(exc)}")

    return wrapper  # type: ignore[return-value]


def _flushed(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``func``'s return, once the results it printed are flushed to stdout."""
    try:
        result = func(*args, **kwargs)
    except SystemExit:
        _flush_closing()  # the exit code holds only once the results are out
        raise
    _flush_results()
    return result


def _flush_results() -> None:
    """Flush stdout now, so that a disk that is full under it fails here (a closed pipe
    still ends the run quietly) rather than in Python's own flush at exit (exit 120)."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise DedupError(f"cannot write the results to stdout: {exc.strerror or exc}") from None


def _flush_closing() -> None:
    """:func:`_flush_results` as the command exits with its own code: a reader that has
    gone away leaves that code as it is."""
    try:
        _flush_results()
    except BrokenPipeError:
        _silence_stdout()


def _fail(message: str) -> NoReturn:
    """Print ``message`` as the one error line and exit 2 (results already printed stay)."""
    try:
        sys.stdout.flush()
    except (OSError, ValueError):
        _silence_stdout()  # stdout itself failed: Python's flush at exit must not fail again
    click.echo(f"dedup: error: {message}", err=True)
    sys.exit(EXIT_ERROR)


def describe_os_error(exc: OSError) -> str:
    """``PATH: reason`` for a failed file operation (``PATH -> OTHER`` for a rename)."""
    reason = exc.strerror or _one_line(exc)
    if exc.filename is None:
        return reason
    where = os.fsdecode(exc.filename)
    if exc.filename2 is not None:
        where = f"{where} -> {os.fsdecode(exc.filename2)}"
    return f"{where}: {reason}"


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _save_traceback(exc: BaseException) -> str:
    """Write ``exc``'s traceback to a file in the temporary folder; where, for the error line."""
    import tempfile
    import traceback

    report = f"dedup {__version__}\n{sys.argv!r}\n" + "".join(traceback.format_exception(exc))
    try:
        descriptor, path = tempfile.mkstemp(prefix="dedup-crash-", suffix=".txt")
        with os.fdopen(descriptor, "w", encoding="utf-8", errors="replace") as handle:
            handle.write(report)
    except OSError:
        return ""
    return f" (a bug: please report it with {path})"


def _silence_stdout() -> None:
    # Python flushes stdout at exit; point it at devnull so the flush cannot fail again.
    devnull = os.open(os.devnull, os.O_WRONLY)
    with contextlib.suppress(OSError, ValueError):
        os.dup2(devnull, sys.stdout.fileno())


class Warnings:
    """Collects input warnings, printing each as one line on stderr unless quiet.

    A file that keeps failing (thousands of bad records) gets ``PER_FILE`` lines; the rest
    of its warnings are counted, not shown, and :meth:`finish` says how many there were.
    """

    PER_FILE = 20

    def __init__(self, *, quiet: bool = False) -> None:
        self.quiet = quiet
        self.count = 0
        self.hidden = 0
        self.per_file: Counter[str] = Counter()

    def __call__(self, error: InputError) -> None:
        self.count += 1
        self.per_file[error.path] += 1
        if self.per_file[error.path] > self.PER_FILE:
            self.hidden += 1
        elif not self.quiet:
            click.echo(f"dedup: warning: {error}", err=True)

    def finish(self) -> None:
        """At the end of a run: one line saying how many warnings were not shown, if any."""
        if self.hidden and not self.quiet:
            files = sum(1 for seen in self.per_file.values() if seen > self.PER_FILE)
            click.echo(
                f"dedup: {self.hidden:,} further warning{'s' if self.hidden > 1 else ''} not "
                f"shown ({self.PER_FILE} shown per file; "
                f"{files:,} file{'s' if files > 1 else ''} had more)",
                err=True,
            )


@contextlib.contextmanager
def signature_cache(
    config: Config, paths: Sequence[str], *, quiet: bool = False
) -> Iterator[SignatureCache | None]:
    """The signature cache ``config`` asks for (None when off), closed afterwards.

    A cache whose files would be inputs of the run (``paths``) is refused: see
    :func:`dedup.targets.refuse_store_as_input`.

    A cache the user placed (``cache_path``) that cannot be used is an error; the default
    location being unusable (a read-only home folder, say) only costs speed, so the run
    goes on without a cache after a warning.
    """
    from dedup.store.scan import store_location
    from dedup.store.signatures import SignatureCache

    if config.cache:
        stores = (SignatureCache.location(config), store_location(config))
        refuse_store_as_input(stores, paths, config)
    try:
        cache = SignatureCache.from_config(config, on_warning=None if quiet else echo_warning)
    except CacheError as exc:
        if config.cache_path is not None:
            raise
        if not quiet:
            echo_warning(f"{exc}; running without the signature cache")
        cache = None
    try:
        yield cache
    finally:
        if cache is not None:
            cache.close()


@contextlib.contextmanager
def open_stores(
    config: Config, paths: Sequence[str], *, quiet: bool = False
) -> Iterator[tuple[SignatureCache | None, ScanStore]]:
    """The signature cache (see :func:`signature_cache`) and the scan index, closed
    afterwards; the scan index lives in memory when caching is off or the cache unusable."""
    from dedup.store.scan import ScanStore

    with signature_cache(config, paths, quiet=quiet) as cache:
        where = config if cache is not None or not config.cache else config.replace(cache=False)
        with ScanStore.from_config(where, on_warning=None if quiet else echo_warning) as store:
            yield cache, store


def echo_warning(message: str) -> None:
    """``message`` as a warning line on stderr."""
    click.echo(f"dedup: warning: {message}", err=True)


class Run:
    """One command's run: its settings, whether it is quiet, its warnings and its clock."""

    def __init__(self, config: Config, *, quiet: bool) -> None:
        self.config, self.quiet = config, quiet
        self.warn = Warnings(quiet=quiet)
        self.started = time.perf_counter()

    def seconds(self) -> float:
        """Seconds since the run began."""
        return time.perf_counter() - self.started

    def progress(self) -> contextlib.AbstractContextManager[ProgressCallback | None]:
        """The progress bar (see :func:`dedup.cli.output.progress_bar`)."""
        from dedup.cli.output import progress_bar

        return progress_bar(quiet=self.quiet)

    def stores(
        self, paths: Sequence[str]
    ) -> contextlib.AbstractContextManager[tuple[SignatureCache | None, ScanStore]]:
        """The signature cache and the scan index of a run over ``paths`` (see
        :func:`open_stores`)."""
        return open_stores(self.config, paths, quiet=self.quiet)

    def summary(self, result: Result, reading: Reading | None = None) -> None:
        """The count of warnings not shown, then the summary line on stderr (see
        :func:`dedup.cli.output.echo_summary`)."""
        from dedup.cli.output import echo_summary

        self.warn.finish()
        echo_summary(result, self.seconds(), quiet=self.quiet, reading=reading)


def build_config(config_file: Path | None, **flags: Any) -> Config:
    """Load settings with flags on top; empty repeatable flags leave the setting alone."""
    given = {k: (tuple(v) if isinstance(v, (list, tuple)) else v) for k, v in flags.items()}
    given = {k: v for k, v in given.items() if v not in (None, ())}
    return load_config(given, config_file=config_file)


def stdout_is_terminal() -> bool:
    return sys.stdout.isatty()
