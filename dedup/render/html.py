"""The review report: every group of copies on one self-contained HTML page, for people.

The page needs no network: its style is inlined, it runs no script, and its
Content-Security-Policy forbids loading anything. Groups come largest first (ties by the
canonical article's place); each shows its canonical article, its members with their rule
and scores, and, for the first ``diff_groups`` groups, the aligned differences between each
member and the canonical, as ``dedup explain`` computes them (:mod:`dedup.text.align`).
Every title, text and name on the page is escaped: the corpus is untrusted.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import TextIO

from dedup import __version__
from dedup.article import Article
from dedup.render import RenderOptions, TextLoader, escape_name, escape_undecodable
from dedup.render.sidebyside import side_by_side
from dedup.result import Group, Member, Result
from dedup.text.align import Alignment, align_texts

#: How many groups (the largest) get text differences, unless told otherwise.
DIFF_GROUPS = 100
#: How many members of one group get text differences at most.
DIFFS_PER_GROUP = 20
#: Words of shared text kept around each difference (``dedup explain``'s default).
CONTEXT = 12
#: Upper bounds of the group-size bins past the single sizes 2..9.
SIZE_BINS = ((10, 19), (20, 49), (50, 99), (100, None))
SAME_WORDS = '<p class="why same">The two texts hold the same words in the same order.</p>'
_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'"


@dataclass(frozen=True)
class PageOptions:
    """What the page shows: ``context`` words around each difference (0: whole texts),
    differences for the ``diff_groups`` largest groups, texts found by ``texts``."""

    context: int = CONTEXT
    diff_groups: int = DIFF_GROUPS
    texts: TextLoader | None = None


def render_html(result: Result, stream: TextIO, options: RenderOptions) -> None:
    """The report page with the default choices (``dedup scan --format html``)."""
    write_page(result, stream, PageOptions(texts=options.texts))


def write_page(result: Result, stream: TextIO, options: PageOptions) -> None:
    """Write the whole page to ``stream``, a group at a time after the summary."""
    groups = sort_groups(result.groups)
    diffed = groups[: max(options.diff_groups, 0)]
    load = options.texts or held_texts
    texts = load([a for g in diffed for a in (g.canonical, *_copies_shown(g))])
    stream.write(page_head(result, groups))
    stream.write(summary(result, groups, len(diffed)))
    for position, group in enumerate(groups):
        shown = texts if position < len(diffed) else None
        stream.write(group_section(group, shown, options.context, options.diff_groups))
    stream.write(f"</main><footer>{_footer()}</footer></body></html>\n")


def sort_groups(groups: Iterable[Group]) -> list[Group]:
    """Largest first; ties by the canonical article's file, line and index."""
    return sorted(
        groups, key=lambda g: (-g.size, g.canonical.path, g.canonical.line, g.canonical.index)
    )


def _copies_shown(group: Group) -> Iterator[Article]:
    return (m.article for m in group.copies[:DIFFS_PER_GROUP])


def held_texts(articles: Sequence[Article]) -> dict[str, str]:
    """The texts the articles themselves hold (a scan's result holds none)."""
    return {a.ref: a.text for a in articles if a.body}


def esc(text: str) -> str:
    """Text (a title, a source, a passage) safe in HTML content and attribute values."""
    return html.escape(escape_undecodable(text), quote=True)


def esc_name(name: str) -> str:
    """A file name, ref or location safe in HTML, escaped as every format writes names."""
    return html.escape(escape_name(name), quote=True)


def esc_loc(name: str) -> str:
    """:func:`esc_name` with a line-break opportunity after each ``/``, for table cells."""
    return esc_name(name).replace("/", "/<wbr>")


def page_head(result: Result, groups: Sequence[Group]) -> str:
    """The document's head and the page's own header."""
    style = resources.files("dedup.render").joinpath("report.css").read_text(encoding="utf-8")
    copies = sum(len(g.copies) for g in groups)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>dedup report: {_count(len(groups), 'group')}, "
        f"{_count(copies, 'copy', 'copies')}</title>\n<style>\n{style}</style></head>\n"
        '<body><header class="page"><h1>Review of copies</h1>'
        f'<p class="meta">{_count(result.stats.articles, "article")} read · '
        f"{_count(len(groups), 'group')} · {_count(copies, 'copy', 'copies')} · "
        f"made by dedup {esc(__version__)}</p></header><main>\n"
    )


def summary(result: Result, groups: Sequence[Group], diffed: int) -> str:
    """Key figures, the histograms, the settings and an index of every group."""
    members = [m for g in groups for m in g.copies]
    articles = result.stats.articles
    share = f"{len(members) / articles:.1%}" if articles else "–"
    figures = (
        (f"{articles:,}", "articles read"),
        (f"{len(groups):,}", "groups of copies"),
        (f"{len(members):,}", "copies"),
        (share, "of the articles are copies"),
    )
    cards = "".join(f'<div class="figure"><b>{v}</b><span>{k}</span></div>' for v, k in figures)
    charts = (
        chart("Group sizes", "sizes", size_histogram(g.size for g in groups), "groups"),
        chart(
            "Similarity to the canonical", "similarities", similarity_histogram(members), "copies"
        ),
        chart("Rules", "rules", Counter(m.rule or "none" for m in members).most_common(), "copies"),
    )
    return (
        f'<section id="summary"><div class="figures">{cards}</div>'
        f'<div class="charts">{"".join(charts)}</div>'
        f"{diff_note(len(groups), diffed)}{settings(result.parameters)}{group_index(groups)}"
        "</section>\n"
    )


def chart(title: str, name: str, bins: Sequence[tuple[str, int]], unit: str) -> str:
    """A horizontal bar chart: one row per bin, bars scaled to the largest."""
    top = max((count for _, count in bins), default=0) or 1
    rows = "".join(
        f'<span class="label">{esc(label)}</span>'
        f'<span class="track" title="{count:,} {unit}"><span class="fill{"" if count else " zero"}"'
        f' style="width:{100 * count / top:.1f}%"></span></span>'
        f'<span class="count">{count:,}</span>'
        for label, count in bins
    )
    empty = "" if bins else f'<p class="muted">No {unit}.</p>'
    return (
        f'<div class="card chart" id="chart-{name}"><h3>{esc(title)}</h3>'
        f'<div class="bars">{rows}</div>{empty}</div>'
    )


def size_histogram(sizes: Iterable[int]) -> list[tuple[str, int]]:
    """Groups per size: sizes 2 to 9 one by one, then 10–19, 20–49, 50–99, 100+; bins
    past the largest group left out."""
    counts = Counter(sizes)
    if not counts:
        return []
    largest = max(counts)
    bins = [(str(size), counts[size]) for size in range(2, min(largest, 9) + 1)]
    for low, high in SIZE_BINS:
        if largest >= low:
            label = f"{low}–{high}" if high is not None else f"{low}+"
            total = sum(n for size, n in counts.items() if low <= size <= (high or size))
            bins.append((label, total))
    return bins


def similarity_histogram(members: Sequence[Member]) -> list[tuple[str, int]]:
    """Copies per similarity: below 0.50, then bins of 0.05 up to 1.00 (inclusive), from
    the lowest bin holding a copy."""
    if not members:
        return []
    counts = Counter(min(int(m.score.similarity * 20), 19) for m in members)
    first = min(counts)
    bins = [("< 0.50", sum(n for b, n in counts.items() if b < 10))] if first < 10 else []
    bins += [(f"{b / 20:.2f}–{(b + 1) / 20:.2f}", counts[b]) for b in range(max(first, 10), 20)]
    return bins


def diff_note(total: int, diffed: int) -> str:
    if total <= diffed:
        return ""
    return (
        f'<p class="note" id="diff-note">Text differences are shown for the {diffed:,} largest '
        f"of {total:,} groups, for at most {DIFFS_PER_GROUP} copies in each; the other groups "
        "list their members and scores (<code>dedup report --diff-groups</code> shows more, "
        "<code>dedup explain</code> any pair).</p>"
    )


def settings(parameters: Mapping[str, object]) -> str:
    rows = "".join(
        f"<tr><td><code>{esc(str(k))}</code></td><td>{esc(str(v))}</td></tr>"
        for k, v in parameters.items()
    )
    return (
        f'<details class="card settings"><summary>Settings of this run</summary>'
        f"<table>{rows}</table></details>"
    )


def group_index(groups: Sequence[Group]) -> str:
    rows = "".join(
        f'<tr><td><a href="#group-{g.id}">{g.id}</a></td><td class="num">{g.size}</td>'
        f"<td>{esc(g.canonical.title)}</td>"
        f'<td class="loc">{esc_loc(g.canonical.location)}</td></tr>'
        for g in groups
    )
    return (
        f'<details class="card index"><summary>All {_count(len(groups), "group")}, '
        "largest first</summary><table><thead><tr><th>group</th><th>size</th><th>canonical "
        f"title</th><th>location</th></tr></thead><tbody>{rows}</tbody></table></details>"
    )


def group_section(
    group: Group, texts: Mapping[str, str] | None, context: int, diff_groups: int
) -> str:
    """One group: header, canonical article, members table, then the differences."""
    return (
        f'<section class="group" id="group-{group.id}" data-group="{group.id}" '
        f'data-size="{group.size}"><header><h2>Group {group.id}</h2>'
        f'<span class="size">{_count(group.size, "article")}</span></header>'
        f"{canonical_block(group)}{members_table(group)}"
        f'<div class="diffs">{diffs(group, texts, context, diff_groups)}</div></section>\n'
    )


def canonical_block(group: Group) -> str:
    article = group.canonical
    source = f" · {esc(article.source)}" if article.source else ""
    age = f" · {esc(article.age)}" if article.age else ""
    return (
        f'<div class="canonical"><span class="badge">canonical</span>'
        f'<div class="title">{esc(article.title)}</div>'
        f'<div class="muted"><span class="loc">{esc_loc(_span(article))}</span>{source}{age}</div>'
        f'<div class="muted">Chosen because: {esc(group.reason)}</div></div>'
    )


def members_table(group: Group) -> str:
    rows = "".join(member_row(m) for m in group.copies)
    return (
        '<div class="members"><table><thead><tr><th>copy</th><th>source</th><th>title</th>'
        "<th>relation</th><th>rule</th><th>similarity</th><th>containment</th><th>via</th>"
        f"</tr></thead><tbody>{rows}</tbody></table></div>"
    )


def member_row(member: Member) -> str:
    article, score = member.article, member.score
    via = esc_loc(member.via.location) if member.via is not None else ""
    return (
        f'<tr class="member" data-ref="{esc_name(article.ref)}">'
        f'<td class="loc">{esc_loc(article.location)}</td><td>{esc(article.source or "")}</td>'
        f'<td class="title">{esc(article.title)}</td>'
        f'<td><span class="badge {member.relation}">{member.relation}</span></td>'
        f'<td>{esc(member.rule or "")}</td><td class="num">{score.similarity:.4f}</td>'
        f'<td class="num">{score.containment:.4f}</td><td class="loc">{via}</td></tr>'
    )


def diffs(group: Group, texts: Mapping[str, str] | None, context: int, diff_groups: int) -> str:
    """Each member's differences with the canonical, or why they are not shown."""
    if texts is None:
        return (
            f'<p class="muted">Text differences are shown for the {diff_groups:,} largest '
            "groups only.</p>"
        )
    canonical = texts.get(group.canonical.ref)
    if canonical is None:
        return f'<p class="muted">{_missing(group.canonical)}</p>'
    parts = [
        member_diff(m, canonical, texts.get(m.article.ref), context)
        for m in group.copies[:DIFFS_PER_GROUP]
    ]
    rest = len(group.copies) - DIFFS_PER_GROUP
    if rest > 0:
        parts.append(
            f'<p class="muted">{_count(rest, "more copy", "more copies")} without '
            f"differences shown (at most {DIFFS_PER_GROUP} a group).</p>"
        )
    return "".join(parts)


def member_diff(member: Member, canonical: str, text: str | None, context: int) -> str:
    """A collapsed block: what the member lacks and adds, then the side-by-side view."""
    article = member.article
    head = f'<span class="loc">{esc_loc(article.location)}</span> · {esc(article.title)}'
    if text is None:
        return f'<p class="muted">{head}: {_missing(article)}</p>'
    alignment = align_texts(canonical, text)
    changed = alignment.removed or alignment.added
    view = side_by_side(alignment, context) if changed else SAME_WORDS
    return (
        f'<details class="diff" data-ref="{esc_name(article.ref)}"><summary>{head} · '
        f'<span class="muted">{esc(change_summary(alignment))}</span></summary>'
        f'<p class="why">{esc(member.reason)}</p>{view}</details>'
    )


def change_summary(alignment: Alignment) -> str:
    """``12 words only in the canonical, 3 only in the copy`` (or ``same words``)."""
    removed = sum(s.words for s in alignment.removed)
    added = sum(s.words for s in alignment.added)
    if not removed and not added:
        return "same words"
    return f"{_count(removed, 'word')} only in the canonical, {added:,} only in the copy"


def _span(article: Article) -> str:
    if article.end_line > article.line:
        return f"{article.location}-{article.end_line}"
    return article.location


def _missing(article: Article) -> str:
    return (
        f"the text of {esc_name(article.ref)} was not found again (its file changed or "
        "vanished since it was read)"
    )


def _count(count: int, word: str, words: str | None = None) -> str:
    return f"{count:,} {word if count == 1 else words or word + 's'}"


def _footer() -> str:
    return (
        '<p class="legend">Text marked <del>like this</del> is only in the canonical article, '
        "<ins>like this</ins> only in the copy; … marks shared text left out. "
        f"Made by dedup {esc(__version__)}; this page loads nothing from the network.</p>"
    )
