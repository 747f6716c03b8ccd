"""The ``dedup`` command line: a click group; one module per subcommand."""

from __future__ import annotations

import click

from dedup import __version__

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.group(context_settings=CONTEXT_SETTINGS)
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
    """Console-script entry point (see :mod:`dedup.entry`)."""
    cli()


from dedup.cli.cache_cmd import cache_group  # noqa: E402

cli.add_command(cache_group)

from dedup.cli.check_cmd import check  # noqa: E402
from dedup.cli.collapse_cmd import collapse_command  # noqa: E402
from dedup.cli.explain_cmd import explain  # noqa: E402
from dedup.cli.scan_cmd import scan  # noqa: E402

for _command in (scan, check, collapse_command, explain):
    cli.add_command(_command)

from dedup.cli.split_cmd import split  # noqa: E402

cli.add_command(split)
