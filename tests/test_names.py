"""File names that are not plain text: every output stays valid UTF-8, one record per line.

A name may hold bytes that are not UTF-8 (Python sees them as lone surrogates through
``os.fsdecode``), a newline, a tab or a backslash. Every format escapes them by the rule
of docs/formats.md ("File names in output"); ``--only ... -0`` writes the raw bytes.
The command-line tests run in-process on a strict UTF-8 and on a strict ASCII stdout;
the ``slow`` ones run the real program with ``PYTHONIOENCODING``.
"""

from __future__ import annotations

import codecs
import csv
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from fixture_corpus import BAKERY, isolate
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.cli import cli
from dedup.render import escape_name, escape_undecodable, printable_record, to_json

TITLE = "Café in Oxley Green marks 150 years of baking"
ORIGINAL = b"0-original.txt"
#: The odd names (bytes as the file system holds them) and how output must show them.
ODD = {
    b"caf\xff.txt": "caf\\xff.txt",
    b"new\nline.txt": "new\\nline.txt",
    b"tab\there.txt": "tab\\there.txt",
    b"back\\slash.txt": "back\\\\slash.txt",
}
SHOWN = {f"corpus/{shown}" for shown in ODD.values()}
RAW = {b"corpus/" + name for name in ODD}
ENCODINGS = ["utf-8", "ascii"]


@pytest.fixture
def corpus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``corpus/`` holding one article five times: ``0-original.txt`` and the odd names."""
    isolate(monkeypatch, tmp_path)
    folder = tmp_path / "corpus"
    folder.mkdir()
    text = f"{TITLE}\n{BAKERY}\n".encode()
    (folder / os.fsdecode(ORIGINAL)).write_bytes(text)
    for name in ODD:
        try:
            (folder / os.fsdecode(name)).write_bytes(text)
        except OSError as exc:  # a file system that only takes UTF-8 names, say
            pytest.skip(f"cannot create a file named {name!r}: {exc}")
    return folder


def invoke(encoding: str, *args: str) -> tuple[int, bytes, str]:
    """Run dedup in-process with a strict ``encoding`` stdout: exit code, stdout bytes,
    stderr."""
    result = CliRunner(charset=encoding).invoke(cli, list(args))
    assert isinstance(result.exception, (SystemExit, type(None))), result.exception
    return result.exit_code, result.stdout_bytes, result.stderr


def lines_of(output: bytes) -> list[str]:
    """Output decoded as strict UTF-8 and split on newlines only (what ``wc -l`` counts)."""
    text = output.decode("utf-8")
    assert text.endswith("\n")
    return text[:-1].split("\n")


# ---- the rule ---------------------------------------------------------------------------


def test_ordinary_names_are_left_as_they_are() -> None:
    for name in ("corpus/one.txt", "Zürich/café – 2024.txt", "a b/c#1", "x:12"):
        assert escape_name(name) == name


def test_each_kind_of_odd_character_has_its_escape() -> None:
    assert escape_name(os.fsdecode(b"a\xff\xfe.txt")) == "a\\xff\\xfe.txt"
    assert escape_name("a\tb\nc\rd\\e") == "a\\tb\\nc\\rd\\\\e"
    assert escape_name("bell\x07del\x7f") == "bell\\x07del\\x7f"
    assert escape_name("nel\x85ls\u2028") == "nel\\xc2\\x85ls\\xe2\\x80\\xa8"


@given(st.binary(max_size=40))
def test_an_escaped_name_is_one_line_of_utf8_that_gives_back_the_bytes(raw: bytes) -> None:
    escaped = escape_name(os.fsdecode(raw))
    encoded = escaped.encode("utf-8")  # strict: no lone surrogate is left
    assert len(escaped.splitlines()) <= 1
    assert "\t" not in escaped
    assert codecs.escape_decode(encoded)[0] == raw  # the recipe docs/formats.md gives


@given(st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=40))
def test_names_without_control_characters_or_backslashes_print_unchanged(name: str) -> None:
    name = name.replace("\\", "").replace("\u2028", "").replace("\u2029", "")
    assert escape_name(name) == name


def test_json_records_escape_names_and_undecodable_bytes_elsewhere() -> None:
    odd = os.fsdecode(b"caf\xff\n.txt")
    record = {"path": odd, "title": f"{odd}\tx", "copies": [{"via": f"{odd}#2", "n": 1}]}
    assert printable_record(record) == {
        "path": "caf\\xff\\n.txt",
        "title": "caf\\xff\n.txt\tx",
        "copies": [{"via": "caf\\xff\\n.txt#2", "n": 1}],
    }
    assert escape_undecodable("plain café") == "plain café"


_ANY_TEXT = st.sampled_from(
    ["plain", 'say "hi"', "end\\", "caf\udcff", "a\u2028b", "x\x85y", "tab\t", "line\n"]
) | st.text(st.characters(codec=None), max_size=12)
_KEYS = st.sampled_from(["path", "ref", "via", "title", "n"])
_LEAVES = st.none() | st.integers() | st.floats(allow_nan=False) | _ANY_TEXT
_RECORDS = st.dictionaries(
    _KEYS, _LEAVES | st.lists(st.dictionaries(_KEYS, _LEAVES, max_size=3), max_size=2), max_size=4
)


class _Stream:
    def __init__(self, encoding: str) -> None:
        self.encoding = encoding


@settings(max_examples=400)
@given(_RECORDS, st.sampled_from(["utf-8", "ascii"]))
def test_json_lines_are_the_escaped_record_whatever_its_strings_hold(
    record: object, encoding: str
) -> None:
    want = json.dumps(printable_record(record), ensure_ascii=encoding == "ascii")
    assert to_json(record, _Stream(encoding)) == want  # type: ignore[arg-type]


# ---- dedup scan -------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_scan_tsv_has_one_line_of_twelve_columns_per_copy(corpus: Path, encoding: str) -> None:
    code, out, err = invoke(encoding, "scan", "corpus", "-f", "tsv")
    assert code == 1, err
    rows = [line.split("\t") for line in lines_of(out)]
    assert all(len(row) == 12 for row in rows)
    assert {row[0] for row in rows} == {f"{shown}:1" for shown in SHOWN}
    assert {row[6] for row in rows} == {f"{shown}#0" for shown in SHOWN}
    assert {row[1] for row in rows} == {"corpus/0-original.txt:1"}


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_scan_csv_has_one_line_per_copy(corpus: Path, encoding: str) -> None:
    code, out, _ = invoke(encoding, "scan", "corpus", "-f", "csv")
    assert code == 1
    lines = lines_of(out)
    rows = [next(csv.reader([line])) for line in lines]
    assert rows[0][0] == "copy_location" and len(rows) == 1 + len(ODD)
    assert {row[0] for row in rows[1:]} == {f"{shown}:1" for shown in SHOWN}


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_scan_jsonl_is_one_parseable_line_per_group(corpus: Path, encoding: str) -> None:
    code, out, _ = invoke(encoding, "scan", "corpus", "-f", "jsonl")
    assert code == 1
    (line,) = lines_of(out)
    group = json.loads(line)
    assert group["canonical"]["path"] == "corpus/0-original.txt"
    assert group["canonical"]["title"] == TITLE
    assert {copy["path"] for copy in group["copies"]} == SHOWN


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_scan_json_parses(corpus: Path, encoding: str) -> None:
    code, out, _ = invoke(encoding, "scan", "corpus", "-f", "json")
    assert code == 1
    (group,) = json.loads(out.decode("utf-8"))["groups"]
    assert {copy["path"] for copy in group["copies"]} == SHOWN


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_scan_table_writes_on_any_stdout(corpus: Path, encoding: str) -> None:
    code, out, _ = invoke(encoding, "scan", "corpus", "-f", "table")
    assert code == 1
    text = out.decode(encoding)
    assert "caf\\xff.txt:1" in text and "new\\nline.txt:1" in text
    assert ("Café" if encoding == "utf-8" else "Caf\\xc3\\xa9") in text


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize(("only", "suffix"), [("copies", "#0"), ("copy-files", "")])
def test_scan_only_prints_one_escaped_name_per_line(
    corpus: Path, encoding: str, only: str, suffix: str
) -> None:
    code, out, _ = invoke(encoding, "scan", "corpus", "--only", only)
    assert code == 1
    assert sorted(lines_of(out)) == sorted(shown + suffix for shown in SHOWN)


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize(("only", "suffix"), [("copies", b"#0"), ("copy-files", b"")])
def test_scan_only_null_writes_the_names_own_bytes(
    corpus: Path, encoding: str, only: str, suffix: bytes
) -> None:
    code, out, _ = invoke(encoding, "scan", "corpus", "--only", only, "-0")
    assert code == 1
    assert out.endswith(b"\0")
    entries = out[:-1].split(b"\0")
    assert sorted(entries) == sorted(raw + suffix for raw in RAW)
    if only == "copy-files":
        assert all(os.path.isfile(entry) for entry in entries)


# ---- dedup split, check, collapse -------------------------------------------------------


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_split_jsonl_and_tsv_are_one_line_per_article(corpus: Path, encoding: str) -> None:
    code, out, _ = invoke(encoding, "split", "corpus", "-f", "jsonl")
    assert code == 0
    paths = {json.loads(line)["path"] for line in lines_of(out)}
    assert paths == {*SHOWN, "corpus/0-original.txt"}
    code, out, _ = invoke(encoding, "split", "corpus", "-f", "tsv")
    assert code == 0
    assert {line.split("\t")[0] for line in lines_of(out)} == paths


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_check_prints_one_line_per_match(corpus: Path, encoding: str) -> None:
    files = sorted(str(path) for path in Path("corpus").iterdir())
    code, out, _ = invoke(encoding, "check", *files)
    assert code == 1
    line = re.compile(
        r'(\S+):1: "Caf(?:é|\\xc3\\xa9) in .*" duplicates (\S+):1 \(similarity 1\.00\)'
    )
    found = [line.fullmatch(text) for text in lines_of(out)]
    assert all(found)
    # Every copy once, each naming the original (a pair is one finding, not one each way).
    assert sorted(match[1] for match in found if match) == sorted(SHOWN)
    assert {match[2] for match in found if match} == {"corpus/0-original.txt"}


def test_collapse_manifest_is_one_line_of_five_columns_per_article(corpus: Path) -> None:
    code, _, err = invoke("utf-8", "collapse", "corpus", "--output-dir", "out")
    assert code == 0, err
    manifest = lines_of(Path("out/manifest.tsv").read_bytes())
    rows = [line.split("\t") for line in manifest]
    assert all(len(row) == 5 for row in rows)
    assert {row[2] for row in rows if row[1] == "copy"} == {f"{shown}#0" for shown in SHOWN}


def test_collapse_jsonl_escapes_the_refs_of_copies(corpus: Path) -> None:
    code, _, _ = invoke("utf-8", "collapse", "corpus", "--output", "out.jsonl")
    assert code == 0
    (record,) = [json.loads(line) for line in lines_of(Path("out.jsonl").read_bytes())]
    copies = record["dedup"]["copies"]
    assert {copy["ref"] for copy in copies} == {f"{shown}#0" for shown in SHOWN}


# ---- the real program, on a real stdout -------------------------------------------------

#: Each command and the lines it prints (None: not a line-based format).
COMMANDS: list[tuple[list[str], int | None]] = [
    (["scan", "corpus", "-f", "tsv"], len(ODD)),
    (["scan", "corpus", "-f", "csv"], 1 + len(ODD)),
    (["scan", "corpus", "-f", "jsonl"], 1),
    (["scan", "corpus", "-f", "json"], None),
    (["scan", "corpus", "-f", "table"], None),
    (["scan", "corpus", "--only", "copies"], len(ODD)),
    (["scan", "corpus", "--only", "copy-files"], len(ODD)),
    (["split", "corpus", "-f", "jsonl"], 1 + len(ODD)),
]


def run_dedup(encoding: str, *args: str | bytes) -> subprocess.CompletedProcess[bytes]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("DEDUP_")}
    env["PYTHONIOENCODING"] = encoding
    command = [sys.executable, "-m", "dedup", *args]
    return subprocess.run(command, env=env, capture_output=True, timeout=300, check=False)


@pytest.mark.slow
@pytest.mark.parametrize("encoding", ["utf-8:strict", "ascii"])
def test_the_program_writes_every_format_on_a_strict_stdout(corpus: Path, encoding: str) -> None:
    for args, count in COMMANDS:
        done = run_dedup(encoding, *args)
        assert done.returncode == (0 if args[0] == "split" else 1), (args, done.stderr)
        assert b"Traceback" not in done.stderr
        text = done.stdout.decode("utf-8")
        if count is not None:
            assert len(lines_of(done.stdout)) == count, args
        if args[-1] == "json":
            json.loads(text)
        elif args[-1] == "jsonl":
            assert all(json.loads(line) for line in lines_of(done.stdout))
        assert "caf\\xff.txt" in text or "caf\\\\xff.txt" in text, args


@pytest.mark.slow
@pytest.mark.parametrize("encoding", ["utf-8:strict", "ascii"])
def test_the_program_writes_raw_names_with_null_and_checks_odd_files(
    corpus: Path, encoding: str
) -> None:
    done = run_dedup(encoding, "scan", "corpus", "--only", "copy-files", "-0")
    assert done.returncode == 1, done.stderr
    assert sorted(done.stdout[:-1].split(b"\0")) == sorted(RAW)
    files = sorted(os.fsencode(path) for path in Path("corpus").iterdir())
    done = run_dedup(encoding, "check", *files)
    assert done.returncode == 1, done.stderr
    assert len(lines_of(done.stdout)) == len(files) - 1  # each copy, not the original
