"""The ``dedup`` command line: a click group; one module per subcommand.

Subcommands are imported when they run (or their own ``--help`` is asked for), so that
``dedup --version`` and ``dedup --help`` do not load the engine (numpy and the rest).
"""

from __future__ import annotations

import importlib
import sys

import click

from dedup import __version__

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

#: Each subcommand: the module and the object that define it, and its one-line help (a
#: test checks it is the command's own ``short_help``).
COMMANDS: dict[str, tuple[str, str, str]] = {
    "cache": ("dedup.cli.cache_cmd", "cache_group", "Inspect or empty the signature cache."),
    "check": (
        "dedup.cli.check_cmd",
        "check",
        "Pre-commit: report given files that copy the corpus.",
    ),
    "collapse": (
        "dedup.cli.collapse_cmd",
        "collapse_command",
        "Write the deduplicated corpus: each kept article as it stands.",
    ),
    "explain": (
        "dedup.cli.explain_cmd",
        "explain",
        "Show why two articles are, or are not, copies.",
    ),
    "report": (
        "dedup.cli.report_cmd",
        "report",
        "Write a review page (HTML) of every group of copies.",
    ),
    "scan": ("dedup.cli.scan_cmd", "scan", "Find every group of copies across files and folders."),
    "split": ("dedup.cli.split_cmd", "split", "Show how files are cut into articles."),
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported when first needed."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        found = COMMANDS.get(cmd_name)
        if found is None:
            return None
        module, name, _ = found
        command: click.Command = getattr(importlib.import_module(module), name)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][2]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "--version", "-V", prog_name="dedup")
def cli() -> None:
    """Find syndicated copies of news articles across a corpus and collapse them.

    \b
    Examples:
      dedup split examples/            # see how dumps are cut into articles
      dedup scan examples/             # find groups of copies
      dedup scan corpus/ | cut -f1     # copy locations, one per line
      dedup check new.txt              # pre-commit: does new.txt copy the corpus?
    """


def main() -> None:
    """Console-script entry point (see :mod:`dedup.entry`): click's main loop, except that
    Ctrl-C at any moment (while a subcommand loads, say) is a ``KeyboardInterrupt`` for
    the entry point to turn into one line and exit 130, never click's "Aborted!" and 1."""
    try:
        with cli.make_context("dedup", sys.argv[1:]) as ctx:
            cli.invoke(ctx)
    except click.exceptions.Exit as stop:
        sys.exit(stop.exit_code)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
    except click.exceptions.Abort:
        raise KeyboardInterrupt from None
