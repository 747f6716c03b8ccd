"""Rewrite the help blocks of docs/commands.md from the commands' own ``--help``.

    python docs/generate.py           # rewrite docs/commands.md in place
    python docs/generate.py --check   # exit 1, changing nothing, if it is out of date

Every command's section holds its ``--help`` output between two markers::

    <!-- help: dedup scan -->
    ...
    <!-- end help -->

Only the text between markers is generated; the prose around it is written by hand and
kept as it is. A command without a block gets a new section at the end of the file; a
block for a command that no longer exists is an error. ``tests/test_docs.py`` fails when
the file differs from what this script would write.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from pathlib import Path

import click
from click.testing import CliRunner

from dedup.cli import cli

COMMANDS_MD = Path(__file__).resolve().parent / "commands.md"

#: Help is wrapped as on an 80-column terminal, whatever terminal runs the script.
WIDTH = 80

_BLOCK = re.compile(r"<!-- help: (?P<name>[a-z][a-z -]*?) -->\n.*?<!-- end help -->", re.S)


def command_names(group: click.Group = cli, prefix: tuple[str, ...] = ("dedup",)) -> list[str]:
    """``dedup``, then every command and subcommand under it, e.g. ``dedup cache info``."""
    names = [" ".join(prefix)]
    for name, command in subcommands(group):
        if isinstance(command, click.Group):
            names += command_names(command, (*prefix, name))
        else:
            names.append(" ".join((*prefix, name)))
    return names


def subcommands(group: click.Group) -> list[tuple[str, click.Command]]:
    """The group's commands by name (asked for, so lazily loaded ones are loaded)."""
    ctx = click.Context(group)
    found = ((name, group.get_command(ctx, name)) for name in group.list_commands(ctx))
    return sorted((name, command) for name, command in found if command is not None)


def help_text(name: str) -> str:
    """What ``NAME --help`` prints, e.g. for ``dedup cache info``."""
    words = name.split()[1:]
    result = CliRunner().invoke(cli, [*words, "--help"], prog_name="dedup", terminal_width=WIDTH)
    if result.exit_code != 0:
        raise RuntimeError(f"{name} --help exited {result.exit_code}: {result.output}")
    return result.output


def help_block(name: str) -> str:
    """The generated block of one command, markers included."""
    return f"<!-- help: {name} -->\n```text\n{help_text(name).rstrip()}\n```\n<!-- end help -->"


def render(current: str) -> str:
    """``current`` (the text of commands.md) with every help block brought up to date."""
    names = command_names()
    stale = [m["name"] for m in _BLOCK.finditer(current) if m["name"] not in names]
    if stale:
        raise ValueError(
            f"{COMMANDS_MD.name} documents {', '.join(stale)}, which is no longer a command: "
            "remove that section by hand"
        )
    text = _BLOCK.sub(lambda match: help_block(match["name"]), current)
    documented = {m["name"] for m in _BLOCK.finditer(text)}
    for name in names:
        if name not in documented:
            text = text.rstrip("\n") + f"\n\n## `{name}`\n\n{help_block(name)}\n"
    return text


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Regenerate docs/commands.md from --help.")
    parser.add_argument("--check", action="store_true", help="only report whether it is stale")
    args = parser.parse_args(argv)
    current = COMMANDS_MD.read_text(encoding="utf-8") if COMMANDS_MD.exists() else ""
    wanted = render(current)
    if wanted == current:
        return 0
    if args.check:
        print(f"{COMMANDS_MD} is out of date: run python docs/generate.py", file=sys.stderr)
        return 1
    COMMANDS_MD.write_text(wanted, encoding="utf-8")
    print(f"rewrote {COMMANDS_MD}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
