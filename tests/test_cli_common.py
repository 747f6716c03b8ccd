"""Shared command-line behaviour: warning limits and the console entry point."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from dedup.cli import cli
from dedup.cli.common import Warnings
from dedup.config import load_config
from dedup.errors import ConfigError, InputError


def test_a_failing_file_gets_a_bounded_number_of_warning_lines(
    capsys: pytest.CaptureFixture[str],
) -> None:
    warn = Warnings()
    for line in range(1, 101):
        warn(InputError("bad.jsonl", "malformed JSON", line))
    warn(InputError("other.jsonl", "malformed JSON", 3))
    for line in range(1, 23):
        warn(InputError("worse.jsonl", "malformed JSON", line))
    warn.finish()
    lines = capsys.readouterr().err.splitlines()
    assert warn.count == 123
    assert len(lines) == 2 * Warnings.PER_FILE + 2
    assert lines[0] == "dedup: warning: bad.jsonl:1: malformed JSON"
    assert lines[Warnings.PER_FILE - 1] == "dedup: warning: bad.jsonl:20: malformed JSON"
    assert lines[Warnings.PER_FILE] == "dedup: warning: other.jsonl:3: malformed JSON"
    assert lines[-2] == "dedup: warning: worse.jsonl:20: malformed JSON"
    assert lines[-1] == (
        "dedup: 82 further warnings not shown (20 shown per file; 2 files had more)"
    )


@pytest.mark.parametrize(
    "command",
    [["scan"], ["report", "-o", "page.html"], ["collapse", "-o", "kept.jsonl"]],
    ids=lambda c: c[0],
)
def test_every_command_counts_the_warnings_it_did_not_show(
    command: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("bad.jsonl").write_text("{not json\n" * (Warnings.PER_FILE + 5), encoding="utf-8")
    result = CliRunner().invoke(cli, [*command, "bad.jsonl", "--no-cache"])
    assert result.exit_code == 0, result.stderr
    lines = result.stderr.splitlines()
    assert sum(line.startswith("dedup: warning: bad.jsonl:") for line in lines) == 20
    assert "dedup: 5 further warnings not shown (20 shown per file; 1 file had more)" in lines


def test_no_count_of_hidden_warnings_when_none_were_hidden(
    capsys: pytest.CaptureFixture[str],
) -> None:
    warn = Warnings()
    for line in range(1, Warnings.PER_FILE + 1):
        warn(InputError("bad.jsonl", "malformed JSON", line))
    warn.finish()
    assert len(capsys.readouterr().err.splitlines()) == Warnings.PER_FILE
    quiet = Warnings(quiet=True)
    for line in range(1, 30):
        quiet(InputError("bad.jsonl", "malformed JSON", line))
    quiet.finish()
    assert capsys.readouterr().err == ""


def test_quiet_warnings_are_counted_not_printed(capsys: pytest.CaptureFixture[str]) -> None:
    warn = Warnings(quiet=True)
    warn(InputError("a.txt", "binary file, skipped"))
    assert (warn.count, capsys.readouterr().err) == (1, "")


def test_python_dash_m_runs_the_command_line() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "dedup", "--version"], capture_output=True, text=True, check=False
    )
    assert (done.returncode, done.stdout.strip()) == (0, "dedup, version 0.3.4")


def test_the_installed_version_is_the_package_version() -> None:
    """The version is set in one place (``dedup.__version__``), which the build reads."""
    import importlib.metadata

    import dedup

    assert importlib.metadata.version("dedup") == dedup.__version__


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("DEDUP_SIMILARITY", "abc", "similarity must be a number, got 'abc'"),
        ("DEDUP_JOBS", "1.5", "jobs must be a whole number, got '1.5'"),
        ("DEDUP_CACHE", "maybe", "cache must be true or false, got 'maybe'"),
        ("DEDUP_SIMILARTY", "0.9", "unknown setting 'similarty'; did you mean 'similarity'?"),
        ("DEDUP_EXCLUDE", '["drafts"', "exclude must be a JSON list of strings, got '[\"drafts\"'"),
    ],
)
def test_bad_environment_settings_name_the_variable_and_the_fix(
    name: str, value: str, message: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        load_config(environ={name: value}, config_file=None, cwd=Path("/"))
    assert str(raised.value) == f"environment variable {name}: {message}"


def test_a_list_in_the_environment_may_be_a_json_list_for_items_with_commas() -> None:
    environ = {
        "DEDUP_EXTRA_JUNK_PATTERNS": r'["^\\d{1,3} comments$", "a, b"]',
        "DEDUP_EXCLUDE": ".git, drafts",
    }
    config = load_config(environ=environ, config_file=None, cwd=Path("/"))
    assert config.extra_junk_patterns == (r"^\d{1,3} comments$", "a, b")
    assert config.exclude == (".git", "drafts")


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found: list[tuple[str, ...]] = []
    ctx = click.Context(group)
    for name in sorted(group.list_commands(ctx)):
        command = group.get_command(ctx, name)
        found.append((*prefix, name))
        if isinstance(command, click.Group):
            found += _commands(command, (*prefix, name))
    return found


@pytest.mark.parametrize("words", _commands(cli), ids=" ".join)
def test_every_command_has_help_with_a_one_line_summary(words: tuple[str, ...]) -> None:
    result = CliRunner().invoke(cli, [*words, "--help"], prog_name="dedup")
    assert result.exit_code == 0
    assert result.output.startswith(f"Usage: dedup {' '.join(words)} ")
    summary = CliRunner().invoke(cli, [*words[:-1], "--help"], prog_name="dedup").output
    line = next(x for x in summary.splitlines() if x.strip().startswith(f"{words[-1]} "))
    assert not line.rstrip().endswith("...")  # the summary is a whole sentence


@pytest.mark.parametrize("name", ["scan", "check", "collapse", "explain", "split"])
def test_main_commands_show_examples(name: str) -> None:
    assert "Examples:" in CliRunner().invoke(cli, [name, "--help"]).output


def test_ctrl_c_while_a_command_loads_is_exit_130_with_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Click would print "Aborted!" and exit 1 (which means "copies found")."""
    import dedup.cli
    from dedup import entry

    def interrupted(*args: object) -> object:
        raise KeyboardInterrupt

    monkeypatch.setattr(dedup.cli.LazyGroup, "get_command", interrupted)
    monkeypatch.setattr("sys.argv", ["dedup", "scan", "examples"])
    before = signal.getsignal(signal.SIGINT)
    try:
        with pytest.raises(SystemExit) as stopped:
            entry.main()
        # Once the run has ended, a second Ctrl-C cannot kill Python as it shuts down.
        assert signal.getsignal(signal.SIGINT) == signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, before)
    assert stopped.value.code == 130
    assert capsys.readouterr().err == "dedup: interrupted\n"


def test_sigterm_is_exit_143_with_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import dedup.cli
    from dedup import entry

    def terminated(*args: object) -> object:
        signal.raise_signal(signal.SIGTERM)  # the handler entry.main installs raises
        return None

    monkeypatch.setattr(dedup.cli.LazyGroup, "get_command", terminated)
    monkeypatch.setattr("sys.argv", ["dedup", "scan", "examples"])
    before = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        with pytest.raises(SystemExit) as stopped:
            entry.main()
    finally:
        for number, handler in before.items():
            signal.signal(number, handler)
    assert stopped.value.code == 143
    assert capsys.readouterr().err == "dedup: terminated\n"
