"""``dedup explain``: why two articles are, or are not, copies of each other."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from dedup.article import Article
from dedup.cli.common import Warnings, build_config, exit_code
from dedup.cli.options import detection_command
from dedup.cli.output import make_console, plural, wants_color
from dedup.config import Config
from dedup.errors import InputError
from dedup.read.locate import locate_article
from dedup.result import PairScore
from dedup.text.align import Alignment, Span, align_texts, condense, marked, render_plain

STYLES = {"removed": "bold red strike", "added": "bold green underline"}

if TYPE_CHECKING:  # rich is loaded where a styled report is drawn
    from rich.text import Text


@click.command("explain", short_help="Show why two articles are, or are not, copies.")
@click.argument("first", metavar="A")
@click.argument("second", metavar="B")
@click.option(
    "--context",
    type=click.IntRange(min=0),
    default=12,
    show_default=True,
    help="Words of shared text kept around each difference; 0 shows the whole texts.",
)
@click.option(
    "--quiet",
    "-q",
    is_flag=True,
    help="No warnings about A and B (those about the rest of their files are never shown).",
)
@detection_command
def explain(first: str, second: str, context: int, quiet: bool, **settings: Any) -> None:
    """Show why articles A and B are copies or not: scores, the deciding rule, and
    an aligned view of both texts.

    A and B are PATH (the file's first article), PATH#INDEX or PATH:LINE, as printed
    by dedup scan. In the aligned view, [-text-] is only in A and {+text+} only
    in B (on a terminal: red struck-through and green underlined).

    Exits 1 when the two are copies (as linters exit 1 on a finding), 0 when they are
    not, 2 on bad input.

    \b
    Examples:
      dedup explain a.txt#2 b.txt#1
      dedup explain a.txt:14 b.txt:40 --context 0
    """
    from dedup.engine.run import compare

    config = build_config(**settings)
    warnings = Warnings(quiet=quiet)
    tell = once(warnings)
    a = locate_article(first, config, on_warning=tell)
    b = locate_article(second, config, on_warning=tell)
    warnings.finish()
    score = compare(a, b, config)
    alignment = align_texts(a.text, b.text)
    code = exit_code(score.is_copy)
    echo_report(a, b, score, config, alignment, context)
    sys.exit(code)


def once(warn: Callable[[InputError], None]) -> Callable[[InputError], None]:
    """``warn``, passed each warning once (A and B in one file share its warnings)."""
    seen: set[str] = set()

    def warn_once(warning: InputError) -> None:
        if str(warning) not in seen:
            seen.add(str(warning))
            warn(warning)

    return warn_once


def describe(label: str, article: Article) -> str:
    """``A  path#2  path:14-20  "Title" (Source)``."""
    source = f" ({article.source})" if article.source else ""
    span = f"{article.location}-{article.end_line}" if article.end_line > article.line else ""
    where = span or article.location
    return f'{label}  {article.ref}  {where}  "{article.title}"{source}'


def score_lines(score: PairScore, config: Config) -> list[str]:
    """The scores, each with the threshold it is held to, and the verdict."""
    verdict = f"copies (rule: {score.rule})" if score.is_copy else "not copies"
    return [
        f"similarity   {score.similarity:.4f}  (copies at >= {config.similarity})",
        f"containment  {score.containment:.4f}  (A in B {score.containment_ab:.4f}, "
        f"B in A {score.containment_ba:.4f}; copies at >= {config.containment})",
        f"aligned      {score.aligned:.4f}",
        f"numbers      {score.number_overlap:.4f}  (share of figures in common)",
        f"words        {score.words_a:,} / {score.words_b:,}",
        f"verdict      {verdict}: {score.reason}",
    ]


def alignment_line(alignment: Alignment) -> str:
    """How many words the texts share, and what only one of them holds."""
    return (
        f"shared       {alignment.shared_words:,} of {alignment.words_a:,} words in A, "
        f"of {alignment.words_b:,} in B; only in A: {only(alignment.removed)}; "
        f"only in B: {only(alignment.added)}"
    )


def only(spans: tuple[Span, ...]) -> str:
    if not spans:
        return "nothing"
    return f"{plural(len(spans), 'span')} ({plural(sum(s.words for s in spans), 'word')})"


def echo_report(
    a: Article, b: Article, score: PairScore, config: Config, alignment: Alignment, context: int
) -> None:
    """Print the whole explanation to stdout."""
    for line in (describe("A", a), describe("B", b), "", *score_lines(score, config), ""):
        click.echo(line)
    click.echo(alignment_line(alignment))
    click.echo("[-only in A-]  {+only in B+}")
    click.echo("")
    spans = condense(alignment, context)
    if wants_color(sys.stdout):
        make_console(sys.stdout).print(styled(spans), soft_wrap=True)
    else:
        click.echo(render_plain(spans))


def styled(spans: tuple[Span, ...]) -> Text:
    """The aligned view as rich text, keeping the plain markers for copy and paste."""
    from rich.text import Text

    text = Text()
    for kind, part in marked(spans):
        text.append(part, style=STYLES.get(kind, ""))
    return text
