"""``dedup scan``: formats (golden files), exit codes, streams, configuration, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import GOLDEN, assert_golden
from fixture_corpus import isolate, write_corpus

from dedup.cli import cli
from dedup.render.groups import COLUMNS


@pytest.fixture(autouse=True)
def corpus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    isolate(monkeypatch, tmp_path)
    return write_corpus(tmp_path)


def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), input=stdin)
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("fmt", ["tsv", "csv", "jsonl", "json", "table"])
def test_each_format_matches_its_golden_file(fmt: str) -> None:
    code, out, err = run("scan", "corpus", "--format", fmt)
    assert code == 1
    assert_golden(GOLDEN / "cli" / (f"scan.{fmt}" if fmt != "table" else "scan-table.txt"), out)
    assert err.startswith("dedup: 8 articles read from 4 files, 3 groups, 3 copies in ")


def test_piped_output_is_tsv_one_copy_per_line_without_header() -> None:
    code, out, err = run("scan", "corpus")
    assert code == 1
    rows = [line.split("\t") for line in out.splitlines()]
    assert [row[0] for row in rows] == [
        "corpus/three.jsonl:1",
        "corpus/one.txt:11",
        "corpus/copy.txt:1",
    ]
    assert [row[1] for row in rows] == [
        "corpus/one.txt:17",
        "corpus/two.txt:11",
        "corpus/two.txt:17",
    ]
    assert [row[4] for row in rows] == ["resemblance", "exact", "exact"]
    assert all(len(row) == len(COLUMNS) for row in rows)
    assert "\x1b[" not in out
    assert len(err.splitlines()) == 1


def test_header_is_printed_only_when_asked() -> None:
    _, out, _ = run("scan", "corpus", "--header")
    assert out.splitlines()[0] == "\t".join(COLUMNS)
    _, out, _ = run("scan", "corpus", "--format", "csv", "--no-header")
    assert not out.startswith("copy_location")


def test_jsonl_lines_parse_and_name_the_canonical_article() -> None:
    _, out, _ = run("scan", "corpus", "-f", "jsonl")
    groups = [json.loads(line) for line in out.splitlines()]
    assert [g["canonical"]["source"] for g in groups] == [
        "Lisvale Courier",
        "Associated Press",
        "Reuters",
    ]
    assert groups[1]["copies"][0]["path"] == "corpus/one.txt"
    assert groups[0]["copies"][0]["rule"] == "resemblance"
    assert 0.85 <= groups[0]["copies"][0]["similarity"] < 1


def test_only_copies_prints_refs_and_only_copy_files_prints_whole_copies() -> None:
    code, out, _ = run("scan", "corpus", "--only", "copies")
    assert (code, out) == (1, "corpus/three.jsonl#0\ncorpus/one.txt#1\ncorpus/copy.txt#0\n")
    _, out, _ = run("scan", "corpus", "--only", "copy-files", "--null")
    assert out == "corpus/copy.txt\0corpus/three.jsonl\0"


def test_exit_codes_follow_grep(tmp_path: Path) -> None:
    assert run("scan", "corpus", "--exit-zero")[0] == 0
    code, out, err = run("scan", "corpus/one.txt")
    assert (code, out) == (0, "")
    assert "0 groups, 0 copies" in err


def test_quiet_prints_results_only() -> None:
    code, out, err = run("scan", "corpus", "--quiet")
    assert code == 1 and out.count("\n") == 3
    assert err == ""


def test_paths_can_come_from_stdin() -> None:
    code, out, _ = run("scan", "-", "--only", "copies", stdin="corpus/one.txt\ncorpus/two.txt\n")
    assert (code, out) == (1, "corpus/one.txt#1\n")


def test_a_missing_path_is_one_line_and_exit_2() -> None:
    code, out, err = run("scan", "corpus", "nowhere")
    assert (code, out) == (2, "")
    assert err == "dedup: error: nowhere: no such file or directory\n"


def test_invalid_toml_is_an_error_naming_the_file(tmp_path: Path) -> None:
    (tmp_path / "dedup.toml").write_text("similarity = \n", encoding="utf-8")
    code, out, err = run("scan", "corpus")
    assert (code, out) == (2, "")
    assert err.startswith("dedup: error: ") and "dedup.toml: invalid TOML" in err
    assert len(err.splitlines()) == 1


def test_an_unknown_key_names_the_nearest_key(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.dedup]\nsimilarty = 0.9\n", encoding="utf-8")
    (tmp_path / "dedup.toml").unlink()
    code, _, err = run("scan", "corpus")
    assert code == 2
    assert "unknown setting 'similarty'; did you mean 'similarity'?" in err
    assert "Traceback" not in err


def test_a_bad_option_value_is_exit_2() -> None:
    code, out, err = run("scan", "corpus", "--similarity", "1.5")
    assert (code, out) == (2, "")
    assert err == "dedup: error: similarity must be between 0.0 and 1.0, got 1.5\n"


def test_settings_precedence_flag_over_env_over_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def shingle_size(*args: str) -> int:
        _, out, _ = run("scan", "corpus", "-f", "json", *args)
        return int(json.loads(out)["parameters"]["shingle_size"])

    (tmp_path / "dedup.toml").write_text("shingle_size = 4\n", encoding="utf-8")
    assert shingle_size() == 4
    monkeypatch.setenv("DEDUP_SHINGLE_SIZE", "3")
    assert shingle_size() == 3
    assert shingle_size("--shingle-size", "6") == 6
    other = tmp_path / "other.toml"
    other.write_text("num_perm = 64\n", encoding="utf-8")
    _, out, _ = run("scan", "corpus", "-f", "json", "--config", str(other))
    assert json.loads(out)["parameters"]["num_perm"] == 64


def test_a_malformed_jsonl_line_is_a_warning_naming_file_and_line(tmp_path: Path) -> None:
    records = tmp_path / "records.jsonl"
    good = {"title": "Quiet night in Ambleford", "text": "Nothing happened at all. " * 10}
    records.write_text(json.dumps(good) + "\n{not json\n", encoding="utf-8")
    code, out, err = run("scan", "records.jsonl")
    assert (code, out) == (0, "")
    assert err.splitlines()[0].startswith("dedup: warning: records.jsonl:2: malformed JSON line")
    assert run("scan", "records.jsonl", "-q")[2] == ""


def test_ctrl_c_exits_130_with_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupt(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("dedup.engine.run.scan_paths", interrupt)
    code, out, err = run("scan", "corpus")
    assert (code, out, err) == (130, "", "dedup: interrupted\n")


def test_the_cache_is_used_and_can_be_turned_off(tmp_path: Path) -> None:
    cache = tmp_path / "sigs.sqlite"
    assert run("scan", "corpus", "--cache-path", str(cache))[0] == 1
    assert cache.exists()
    other = tmp_path / "unused.sqlite"
    assert run("scan", "corpus", "--no-cache", "--cache-path", str(other))[0] == 1
    assert not other.exists()


@pytest.mark.parametrize("command", ["scan", "check", "collapse", "explain"])
def test_every_command_has_help_with_an_example(command: str) -> None:
    code, out, _ = run(command, "--help")
    assert code == 0
    assert "Examples:" in out and f"dedup {command}" in out


def test_unusable_default_cache_folder_costs_a_warning_not_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder would go", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    code, out, err = run("scan", "corpus")
    assert code == 1 and out  # copies found and reported as usual
    assert "running without the signature cache" in err.splitlines()[0]
    code, out, err = run("scan", "corpus", "--cache-path", str(blocker / "c.sqlite"))
    assert (code, out) == (2, "")
    assert err.startswith("dedup: error: ") and len(err.splitlines()) == 1
