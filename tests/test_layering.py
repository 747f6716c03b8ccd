"""The architecture rules: the core never loads click or rich; one module per engine."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from functools import partial
from pathlib import Path

import click

PACKAGE = Path(__file__).resolve().parents[1] / "dedup"


def imports_of(module: str) -> list[str]:
    """Files of the package (outside the CLI too) whose source imports ``module``."""
    pattern = re.compile(rf"^\s*(?:import|from)\s+{module}\b", re.MULTILINE)
    return sorted(
        str(path.relative_to(PACKAGE.parent))
        for path in PACKAGE.rglob("*.py")
        if pattern.search(path.read_text(encoding="utf-8"))
    )


def test_importing_the_pipeline_loads_neither_click_nor_rich() -> None:
    code = (
        "import sys, dedup.engine.run, dedup.collapse, dedup.text.align, dedup.read.locate, "
        "dedup.render.groups; "
        "print(sorted(m for m in ('click', 'rich') if m in sys.modules))"
    )
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "[]"


def test_the_core_never_imports_click_or_rich() -> None:
    """Core modules (all but ``dedup/cli`` and ``dedup/render``) import neither; renderers
    may use rich, never click."""
    for module in ("click", "rich"):
        core = [
            path
            for path in imports_of(module)
            if not path.startswith(("dedup/cli/", "dedup/render/"))
        ]
        assert core == [], module
    assert all(path.startswith("dedup/cli/") for path in imports_of("click"))


def test_only_signature_imports_datasketch() -> None:
    assert imports_of("datasketch") == ["dedup/engine/signature.py"]


def test_only_verify_imports_rapidfuzz() -> None:
    assert imports_of("rapidfuzz") == ["dedup/engine/verify.py"]


def test_the_core_never_prints() -> None:
    printing = re.compile(r"^\s*print\(", re.MULTILINE)
    offenders = [
        str(path)
        for path in PACKAGE.rglob("*.py")
        if "cli" not in path.parts and printing.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_reading_and_text_processing_never_import_the_layers_above() -> None:
    """``read`` and ``text`` sit under the engine: they import neither it nor the stores,
    the renderers or the command line."""
    pattern = re.compile(r"^\s*(?:import|from)\s+dedup\.(engine|store|render|cli)\b", re.M)
    offenders = [
        str(path.relative_to(PACKAGE.parent))
        for folder in ("read", "text")
        for path in (PACKAGE / folder).rglob("*.py")
        if pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_the_command_line_loads_no_subcommand_until_one_runs() -> None:
    """``dedup --version`` and ``dedup --help`` import neither the engine nor numpy."""
    code = (
        "import sys; from click.testing import CliRunner; from dedup.cli import cli; "
        "CliRunner().invoke(cli, ['--help']); CliRunner().invoke(cli, ['--version']); "
        "print(sorted(m for m in ('numpy', 'dedup.engine.run', 'rich') if m in sys.modules))"
    )
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "[]"


def test_each_commands_help_loads_neither_the_engine_nor_numpy() -> None:
    """``dedup scan --help`` (and every other command's) starts as fast as ``--help``: the
    engine, the stores and what they load are imported only when a command runs."""
    code = (
        "import sys; from click.testing import CliRunner; from dedup.cli import COMMANDS, cli; "
        "codes = [CliRunner().invoke(cli, [name, '--help']).exit_code for name in COMMANDS]; "
        "heavy = ('numpy', 'sqlite3', 'rapidfuzz', 'rich', 'dedup.engine.run'); "
        "print(codes.count(0) == len(codes), sorted(m for m in heavy if m in sys.modules))"
    )
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "True []"


def test_the_listed_help_of_each_command_is_its_own() -> None:
    from dedup.cli import COMMANDS, cli

    ctx = click.Context(cli)
    for name, (_, _, listed) in COMMANDS.items():
        command = cli.get_command(ctx, name)
        assert command is not None and command.get_short_help_str(limit=100) == listed, name


def test_a_warm_piped_scan_loads_neither_rich_nor_ftfy(tmp_path: Path) -> None:
    """Neither draws anything or repairs a text a warm run into a pipe has no need of:
    together they cost a warm ``dedup check`` about 0.1 s."""
    corpus = tmp_path / "a.txt"
    corpus.write_text("A title\n\nA body of a few words that say something.\n", encoding="utf-8")
    cache = str(tmp_path / "cache" / "s.sqlite")
    code = (
        "import sys; from click.testing import CliRunner; from dedup.cli import cli; "
        f"args = ['scan', {str(corpus)!r}, '--cache-path', {cache!r}, '-q', '-f', 'tsv']; "
        "CliRunner().invoke(cli, args); "
        "print(sorted(m for m in ('ftfy', 'rich') if m in sys.modules))"
    )
    run = partial(subprocess.run, [sys.executable, "-c", code], capture_output=True, text=True)
    run(check=True)  # cold: the file is read
    assert run(check=True).stdout.strip() == "[]"


def test_a_check_in_one_process_loads_no_worker_machinery(tmp_path: Path) -> None:
    """Process pools (multiprocessing, concurrent.futures) are imported when workers
    start, and platformdirs only to find the default cache folder: a small check with a
    cache path of its own needs neither (about 0.1 s of a warm ``dedup check``)."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("A title\n\nA body of a few words that say it.\n")
    new = tmp_path / "new.txt"
    new.write_text("Another title\n\nAnother body of words that say something else.\n")
    cache = str(tmp_path / "cache" / "s.sqlite")
    modules = ("concurrent.futures", "multiprocessing", "platformdirs")
    code = (
        "import sys; from click.testing import CliRunner; from dedup.cli import cli; "
        f"args = ['check', {str(new)!r}, '--corpus-root', {str(corpus)!r}, "
        f"'--cache-path', {cache!r}, '-q']; "
        "code = CliRunner().invoke(cli, args).exit_code; "
        f"print(code, sorted(m for m in {modules!r} if m in sys.modules))"
    )
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "0 []"


def test_modules_and_functions_stay_small() -> None:
    """The house rule (CONTRIBUTING.md): no module of the package over 400 lines,
    no function over 40, counted from its ``def`` to its last line."""
    too_long: list[str] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        name = str(path.relative_to(PACKAGE.parent))
        if len(source.splitlines()) > 400:
            too_long.append(f"{name}: {len(source.splitlines())} lines")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                size = (node.end_lineno or node.lineno) - node.lineno + 1
                if size > 40:
                    too_long.append(f"{name}:{node.lineno} {node.name}: {size} lines")
    assert too_long == []
