"""A small invented corpus for the command line tests: dumps, a plain article, JSON Lines.

Every text here was written for these tests. Planted copies:

* group 1: the ferry story, original from Associated Press in ``two.txt`` (related #1),
  copied by Yahoo in ``one.txt`` (related #1) with page junk appended;
* group 2: the orchard story, from Reuters in ``two.txt`` (related #2), copied whole
  into ``copy.txt`` (a plain article, so that file is entirely a copy);
* group 3: the chess story in ``one.txt`` (related #2), lightly edited with a sentence
  added in the one record of ``three.jsonl``.

Everything else is distinct.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

FERRY = (
    "HALVERSUND, Norway (AP) — A passenger ferry with 212 people on board ran aground "
    "outside the harbour of Halversund on Sunday evening after its steering failed in "
    "strong winds, the coastal administration said. Nobody was seriously hurt, and all "
    "passengers were taken ashore by lifeboats and fishing vessels within three hours. "
    "Investigators will board the vessel on Monday to examine the steering gear, which "
    "had been serviced only two weeks earlier, according to the operator. The ferry "
    "line said crossings to the outer islands would run on a reduced timetable until a "
    "replacement vessel arrives from Bergen later this week."
)
ORCHARD = (
    "A late spring frost destroyed nearly 40 percent of the apple blossom in the Tarnow "
    "valley this week, growers said on Thursday, warning that prices for local fruit "
    "could rise sharply in the autumn. Temperatures fell to minus five degrees on two "
    "consecutive nights, and many orchards had no frost protection because the early "
    "warm weather had already brought the trees into flower. The regional farmers' union "
    "asked the government for emergency support and said smaller family orchards would "
    "be hit hardest, since they rarely carry insurance against weather damage."
)
LIBRARY = (
    "The city council of Merrowby approved plans on Tuesday to turn its disused railway "
    "goods shed into a public library with a reading garden, ending a decade of debate "
    "over the site. Construction is expected to begin next spring and cost about 14 "
    "million pounds, most of it from a national heritage fund. Local residents had "
    "campaigned against earlier proposals for a car park, arguing that the red brick "
    "shed was one of the last reminders of the town's history as a railway junction."
)
CHESS = (
    "A fourteen-year-old from Lisvale won the national junior chess championship on "
    "Saturday after a tense final round that lasted more than six hours. She defeated "
    "the defending champion with the black pieces in a long endgame, and said afterwards "
    "that she had prepared the opening with her grandfather, a retired mathematics "
    "teacher who taught her the game when she was five. The title earns her a place in "
    "the European youth championship, to be held in Ljubljana in September this year."
)
BRIDGE = (
    "Engineers closed the old stone bridge over the river Calder at Brimsley on Friday "
    "after divers found that two of its piers had been undermined by floodwater. The "
    "county said the bridge, which carries about 9,000 vehicles a day, would stay shut "
    "for at least six weeks while repairs are designed. Drivers face a detour of eleven "
    "miles, and the bus company has added extra services between the two halves of the "
    "town. Shop owners on the high street fear a sharp drop in trade during the closure."
)
BAKERY = (
    "A bakery in the village of Oxley Green has been baking bread in the same wood fired "
    "oven for 150 years, and on Sunday its owners celebrated with a street party that "
    "drew more than a thousand visitors. The fifth generation of the family now runs the "
    "shop, starting work at three in the morning to have loaves ready by seven. They "
    "said the secret was patience rather than any special recipe, and that they hoped "
    "their daughter would one day take over the oven and keep the tradition alive."
)
JUNK = "The Associated Press Sign in to access your portfolio"

CHROME = ["Hashtags", "", "Try Our AI Features", "Comments", "No comments yet...", ""]


def dump(title: str, body: str, related: list[tuple[str, str, str, str]]) -> str:
    """A dump: main article, chrome, then related blocks (source, age, title, body)."""
    lines = [title, body, *CHROME, "Related Articles", ""]
    for source, age, headline, text in related:
        lines += [source, age, f"- {source}", headline, text, ""]
    return "\n".join(lines) + "\n"


def write_corpus(root: Path) -> Path:
    """Write the corpus into ``root/corpus`` and return that folder."""
    corpus = root / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    (corpus / "one.txt").write_text(
        dump(
            "Merrowby votes to turn goods shed into library",
            LIBRARY,
            [
                ("Yahoo", "22 minutes ago", "Ferry runs aground off Halversund", f"{FERRY} {JUNK}"),
                ("Lisvale Courier", "3 hours ago", "Teenager wins junior chess title", CHESS),
            ],
        ),
        encoding="utf-8",
    )
    (corpus / "two.txt").write_text(
        dump(
            "Stone bridge at Brimsley closed after flood damage",
            BRIDGE,
            [
                ("Associated Press", "an hour ago", "Ferry runs aground off Halversund", FERRY),
                ("Reuters", "5 hours ago", "Frost wipes out apple blossom in Tarnow", ORCHARD),
            ],
        ),
        encoding="utf-8",
    )
    (corpus / "copy.txt").write_text(
        "Frost wipes out apple blossom in Tarnow\n" + ORCHARD + "\n", encoding="utf-8"
    )
    edited = CHESS.replace("A fourteen-year-old", "A 14-year-old girl") + (
        " Organisers said more players had entered than ever before."
    )
    record = {"title": "Lisvale girl is junior chess champion", "text": edited}
    (corpus / "three.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    return corpus


def write_distinct(path: Path) -> Path:
    """A plain article that copies nothing in the corpus."""
    path.write_text("Oxley Green bakery marks 150 years\n" + BAKERY + "\n", encoding="utf-8")
    return path


def write_copy_of_ferry(path: Path) -> Path:
    """A plain article that copies the ferry story, with a different headline."""
    path.write_text("Ferry with 212 aboard aground in Norway\n" + FERRY + "\n", encoding="utf-8")
    return path


def isolate(monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    """Run in ``home`` with no DEDUP_* variables and a user cache folder inside ``home``.

    An empty ``dedup.toml`` in ``home`` stops the search for configuration files above it.
    """
    for name in list(os.environ):
        if name.startswith("DEDUP_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".user-cache"))
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.delenv("NO_COLOR", raising=False)
    (home / "dedup.toml").write_text("", encoding="utf-8")
    monkeypatch.chdir(home)


#: The lines of a summary that say what a run read and skipped (``dedup check``'s too).
SUMMARY = re.compile(r"dedup: [\d,]+ articles? read from .*\n|dedup: skipped .*\n")


def without_summary(stderr: str) -> str:
    """``stderr`` less the summary's lines, for tests about the other messages."""
    return SUMMARY.sub("", stderr)


def run_cli(*args: str) -> tuple[int, str, str]:
    """``dedup ARGS`` in this process: exit code, stdout, stderr; an exception other than
    the command's own exit fails the test with it."""
    from click.testing import CliRunner

    from dedup.cli import cli

    result = CliRunner().invoke(cli, list(args))
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), result.exception
    return result.exit_code, result.stdout, result.stderr
