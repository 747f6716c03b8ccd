"""The documentation cannot drift: generated parts are current, every setting, command and
output column is documented, and every link between the documents leads somewhere."""

from __future__ import annotations

import importlib.util
import re
from dataclasses import fields
from pathlib import Path
from types import ModuleType

import click
import pytest

from dedup.cli import cli
from dedup.collapse import MANIFEST_COLUMNS
from dedup.config import IGNORED_ENV, Config, check_keys
from dedup.errors import ConfigError
from dedup.render import articles as article_formats
from dedup.render import groups as group_formats

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
README_LIMIT = 10_000


def load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("docs_generate", DOCS / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def read(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def settings() -> list[str]:
    """Every ``Config`` field a user can set: the keys the config loader accepts."""
    keys = []
    for field in fields(Config):
        try:
            check_keys({field.name: None}, origin="docs")
        except ConfigError:
            continue
        keys.append(field.name)
    return keys


def setting_row(key: str) -> list[str]:
    """The cells of ``key``'s row in configuration.md, or [] when it has none."""
    for line in read("configuration.md").splitlines():
        if line.startswith(f"| `{key}` |"):
            return [cell.strip() for cell in line.strip().strip("|").split("|")]
    return []


def all_commands(group: click.Group = cli) -> list[click.Command]:
    found: list[click.Command] = [group]
    for _, command in load_generator().subcommands(group):
        found += all_commands(command) if isinstance(command, click.Group) else [command]
    return found


def test_commands_md_is_what_generate_py_writes() -> None:
    generate = load_generator()
    current = read("commands.md")
    assert generate.render(current) == current, (
        "docs/commands.md is out of date with the commands' --help: "
        "run `python docs/generate.py` and commit the result"
    )


def test_every_command_has_a_section_in_commands_md() -> None:
    text = read("commands.md")
    missing = [
        name
        for name in load_generator().command_names()
        if f"## `{name}`\n" not in text or f"<!-- help: {name} -->" not in text
    ]
    assert missing == [], "run `python docs/generate.py` to add their sections"


def test_every_setting_is_documented_with_its_environment_variable() -> None:
    missing = [
        key
        for key in settings()
        if not setting_row(key) or f"`DEDUP_{key.upper()}`" not in setting_row(key)[1]
    ]
    assert missing == [], "add a row `| `key` | `DEDUP_KEY` | flag | default | meaning |`"


def test_documented_defaults_are_the_real_ones() -> None:
    defaults = Config()
    wrong = {}
    for key in settings():
        value = getattr(defaults, key)
        if isinstance(value, bool):
            shown = "true" if value else "false"
        elif isinstance(value, (int, float, str)):
            shown = str(value)
        else:  # lists and "none": described in words
            continue
        cells = setting_row(key)
        if len(cells) < 4 or shown not in cells[3]:
            wrong[key] = shown
    assert wrong == {}


def test_every_flag_of_a_setting_is_documented() -> None:
    keys = set(settings())
    missing = set()
    for command in all_commands():
        for param in command.params:
            if isinstance(param, click.Option) and param.name in keys:
                row = " ".join(setting_row(param.name)[2:3])
                missing |= {opt for opt in param.opts + param.secondary_opts if opt not in row}
    assert missing == set()


def test_configuration_md_names_no_variable_that_is_not_a_setting() -> None:
    known = {f"DEDUP_{key.upper()}" for key in settings()} | IGNORED_ENV
    named = set(re.findall(r"\bDEDUP_[A-Z_]+\b", read("configuration.md")))
    assert named - known == set()


@pytest.mark.parametrize(
    "column",
    [*group_formats.COLUMNS, *article_formats.COLUMNS, *MANIFEST_COLUMNS],
)
def test_every_output_column_is_in_formats_md(column: str) -> None:
    assert f"`{column}`" in read("formats.md")


def test_every_output_format_is_in_formats_md() -> None:
    text = read("formats.md")
    formats = {
        choice
        for command in all_commands()
        for param in command.params
        if "--format" in getattr(param, "opts", ()) and isinstance(param.type, click.Choice)
        for choice in param.type.choices
    }
    assert formats, "no --format option found"
    assert {f for f in formats if f"`{f}`" not in text} == set()


def test_readme_stays_short() -> None:
    size = len((ROOT / "README.md").read_bytes())
    assert size < README_LIMIT, "the README is a five-minute read; move reference to docs/"


def anchor(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    text = re.sub(r"```.*?```", "", path.read_text(encoding="utf-8"), flags=re.S)
    return {anchor(h) for h in re.findall(r"^#+ (.+)$", text, flags=re.M)}


DOCUMENTS = [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *sorted(DOCS.glob("*.md"))]


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: p.name)
def test_links_between_documents_lead_somewhere(document: Path) -> None:
    links = re.findall(r"\]\(([^)\s]+)\)", document.read_text(encoding="utf-8"))
    broken = [target for target in links if not leads_somewhere(document, target)]
    assert broken == []


def leads_somewhere(document: Path, target: str) -> bool:
    """Whether a link of ``document`` names an existing file (and heading, for Markdown)."""
    if re.match(r"[a-z]+:", target):  # a URL: not checked
        return True
    file, _, fragment = target.partition("#")
    path = (document.parent / file).resolve() if file else document
    if not path.exists():
        return False
    return not fragment or path.suffix != ".md" or fragment in anchors(path)
