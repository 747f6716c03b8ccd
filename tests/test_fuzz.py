"""Hostile input, fuzzed (Hypothesis): reading never raises, and no command shows a traceback.

Files are dump-shaped text with broken line ends, BOMs, NULs, invalid UTF-8 and very long
lines; JSON and JSON Lines whose values have the wrong types; and arbitrary bytes, each
possibly gzipped (or a broken gzip). Through the reading API, a file gives articles or
one-line :class:`InputError` warnings, and a text file's articles cover its content lines
in order without overlap. Through the command line (``split``, ``scan``, ``check``,
``collapse --dry-run``), every run exits 0, 1 or 2, prints no traceback and writes only
``dedup: `` lines on stderr. ``benchmarks/fuzz.py`` runs these reading checks at scale.
"""

from __future__ import annotations

import gzip
import itertools
import json
import re
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from fixture_corpus import isolate
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_split_properties import PIECES, is_content, original_lines

from dedup.article import Article
from dedup.cli import cli
from dedup.config import Config
from dedup.errors import InputError
from dedup.read.decode import BINARY_PROBE
from dedup.read.files import read_file
from dedup.render.articles import COLUMNS

FAST = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SLOW = settings(
    max_examples=1500,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
CLI_FAST = settings(
    FAST, max_examples=6, suppress_health_check=[*FAST.suppress_health_check,
                                                 HealthCheck.function_scoped_fixture]
)  # fmt: skip
CLI_SLOW = settings(CLI_FAST, max_examples=80)

# ---------------------------------------------------------------------------------------
# Strategies: what a file may hold.

#: Byte sequences that break decoding: stray continuation and lead bytes, an overlong
#: slash, an encoded surrogate, a UTF-16 BOM, and bytes beyond Unicode.
BAD_UTF8 = [b"\xff", b"\xfe", b"\x80", b"\xc3", b"\xe2\x80", b"\xc0\xaf", b"\xed\xa0\x80",
            b"\xff\xfe", b"\xf8\x88\x80\x80\x80", b"\xf4\x90\x80\x80"]  # fmt: skip
#: Control bytes and odd line breaks: NUL, NEL, form feed, Unicode line separators.
ODD = [b"\x00", b"\x00\x00\x00", b"\x0c", b"\x0b", b"\x1b[1m", "\x85".encode(),
       "\u2028".encode(), "\u2029".encode(), b"\xc2\x85", "\ufeff".encode()]  # fmt: skip
#: Invented words only (the seeds are never copied).
WORDS = ["harbour", "council", "lantern", "Brimvale", "quarry", "ferry", "vote", "(AP)", "—",
         "said", "on", "Tuesday", "ago", "-", "…", "Ünterhof", "«»", "'", "渡し船"]  # fmt: skip

LINE_CHARS = st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n")
TEXT_LINE = st.one_of(
    st.sampled_from(PIECES),
    st.lists(st.sampled_from(WORDS), min_size=1, max_size=30).map(" ".join),
    st.text(LINE_CHARS, max_size=40),
)
#: A line long enough to push what follows past the binary probe, or a body on one line.
LONG_LINE = st.builds(
    lambda word, size: (word + " ") * size,
    st.sampled_from(WORDS),
    st.integers(min_value=BINARY_PROBE // 8, max_value=BINARY_PROBE // 2),
)
LINE_END = st.sampled_from([b"\n", b"\n", b"\r\n", b"\r", b"\n\n", b"\r\r\n", b""])


@st.composite
def dump_bytes(draw: st.DrawFn, *, long_lines: bool = True) -> bytes:
    """Bytes shaped like a dump, with mixed line ends and bad bytes dropped in anywhere."""
    pieces = [TEXT_LINE, LONG_LINE] if long_lines and draw(st.integers(0, 5)) == 0 else [TEXT_LINE]
    lines = draw(st.lists(st.one_of(*pieces), max_size=40))
    chunks: list[bytes] = [b"\xef\xbb\xbf"] if draw(st.booleans()) else []
    for line in lines:
        chunks.append(line.encode("utf-8"))
        if draw(st.integers(0, 7)) == 0:
            chunks.append(draw(st.sampled_from(BAD_UTF8 + ODD)))
        chunks.append(draw(LINE_END))
    return b"".join(chunks)


FIELD_NAMES = ["title", "text", "headline", "body", "content", "source", "articles", "", "é"]
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(PIECES),
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.sampled_from(FIELD_NAMES) | st.text(max_size=5), inner, max_size=5),
    ),
    max_leaves=12,
)
#: Records with the expected field names but values of any type, sometimes the right one.
RECORDS = st.fixed_dictionaries(
    {},
    optional={name: JSON_VALUES | st.sampled_from(PIECES) for name in FIELD_NAMES[:6]},
)


def encode_json(value: Any, *, ascii_only: bool) -> bytes:
    # json.dumps writes NaN and Infinity, which json.loads reads back: both are exercised.
    return json.dumps(value, ensure_ascii=ascii_only).encode("utf-8", errors="surrogatepass")


@st.composite
def json_bytes(draw: st.DrawFn) -> bytes:
    """One JSON document: a value of any type, a list of records, or ``{"articles": ...}``."""
    value = draw(
        st.one_of(
            JSON_VALUES,
            st.lists(RECORDS | JSON_VALUES, max_size=6),
            st.builds(lambda v: {"articles": v}, st.lists(RECORDS | JSON_VALUES, max_size=6)),
            st.builds(lambda v: {"articles": v}, JSON_VALUES),
        )
    )
    data = encode_json(value, ascii_only=draw(st.booleans()))
    return draw(mangled(data))


@st.composite
def jsonl_bytes(draw: st.DrawFn) -> bytes:
    """JSON Lines: records and values of any type, blank lines, broken lines, bad bytes."""
    lines = draw(
        st.lists(
            st.one_of(
                RECORDS.map(lambda r: encode_json(r, ascii_only=False)),
                JSON_VALUES.map(lambda v: encode_json(v, ascii_only=True)),
                st.sampled_from([b"", b"   ", b"{", b'{"title": "a"', b"[[[[", b"\xff{}"]),
                st.binary(max_size=30),
            ),
            max_size=12,
        )
    )
    return draw(LINE_END).join(lines)


@st.composite
def mangled(draw: st.DrawFn, data: bytes) -> bytes:
    """``data`` as is, cut short, with bad bytes inserted, or nested beyond any limit."""
    how = draw(st.sampled_from(["as is", "as is", "cut", "insert", "deep"]))
    if how == "cut" and data:
        return data[: draw(st.integers(0, len(data) - 1))]
    if how == "insert":
        at = draw(st.integers(0, len(data)))
        return data[:at] + draw(st.sampled_from(BAD_UTF8 + ODD)) + data[at:]
    if how == "deep":
        depth = draw(st.sampled_from([100, 5000, 200_000]))
        return b"[" * depth + data + b"]" * draw(st.sampled_from([0, depth]))
    return data


@st.composite
def gzipped(draw: st.DrawFn, data: bytes) -> bytes:
    """``data`` gzipped whole, gzipped and cut short, or a gzip header over plain bytes."""
    packed = gzip.compress(data, mtime=0)
    how = draw(st.sampled_from(["whole", "cut", "header"]))
    if how == "cut":
        return packed[: draw(st.integers(0, len(packed) - 1))]
    if how == "header":
        return b"\x1f\x8b" + data
    return packed


SUFFIXES = [".txt", ".md", ".json", ".jsonl", ""]


@dataclass(frozen=True)
class FuzzFile:
    """A file to write: its name and bytes."""

    name: str
    data: bytes

    def __repr__(self) -> str:  # what Hypothesis prints for a failing example
        return (
            f"FuzzFile({self.name!r}, {self.data[:400]!r}{'...' if len(self.data) > 400 else ''})"
        )


@st.composite
def fuzz_files(draw: st.DrawFn, *, long_lines: bool = True) -> FuzzFile:
    """A file of any kind under a name whose suffix may or may not match its content."""
    suffix = draw(st.sampled_from(SUFFIXES))
    content = {
        ".txt": dump_bytes(long_lines=long_lines),
        ".md": dump_bytes(long_lines=long_lines),
        ".json": json_bytes(),
        ".jsonl": jsonl_bytes(),
        "": st.binary(max_size=300),
    }[suffix]
    plain = draw(st.one_of(content, st.binary(max_size=200)) if suffix else content)
    gz = draw(st.integers(0, 5)) == 0
    data = draw(gzipped(plain)) if gz else plain
    return FuzzFile("file" + suffix + (".gz" if gz else ""), data)


# ---------------------------------------------------------------------------------------
# The reading API.


def read(path: Path) -> tuple[list[Article], list[Any]]:
    warnings: list[Any] = []
    articles = list(read_file(str(path), Config(), warnings.append))
    return articles, warnings


def assert_read_well(path: Path, file: FuzzFile) -> None:
    """Reading ``file`` never raises; warnings are one-line InputErrors naming it; a text
    file's articles cover its content lines in order, each exactly once."""
    articles, warnings = read(path)
    for warning in warnings:
        assert isinstance(warning, InputError), warning
        assert warning.path == str(path)
        assert str(warning).startswith(str(path))
        assert "\n" not in str(warning) and "\r" not in str(warning), str(warning)
    for article in articles:
        assert article.path == str(path)
        assert isinstance(article.title, str) and isinstance(article.body, tuple)
        assert 1 <= article.line <= article.end_line
    plain = unpacked(file)
    if not articles or plain is None:
        return
    if not file.name.removesuffix(".gz").endswith((".json", ".jsonl")):
        assert_spans_cover(articles, plain.decode("utf-8", errors="replace"))
    else:  # JSON records: one line each, in file order
        lines = [a.line for a in articles]
        assert lines == sorted(lines)
        assert lines[-1] <= plain.count(b"\n") + 1


def unpacked(file: FuzzFile) -> bytes | None:
    """The bytes the reader sees: gunzipped by magic or name (None when that fails)."""
    if file.data[:2] != b"\x1f\x8b" and not file.name.endswith(".gz"):
        return file.data
    try:
        return gzip.decompress(file.data)
    except (OSError, EOFError, zlib.error):
        return None


def assert_spans_cover(articles: list[Article], text: str) -> None:
    """Article line spans are numbered in order, do not overlap and cover every content
    line of ``text`` (the file as decoded), with no span outside the file."""
    lines = original_lines(text)
    assert [a.index for a in articles] == list(
        range(articles[0].index, len(articles) + articles[0].index)
    )
    for before, after in itertools.pairwise(articles):
        assert before.end_line < after.line, (before, after)
    assert articles[-1].end_line <= len(lines)
    for number, line in enumerate(lines, start=1):
        if is_content(line.replace("\ufeff", "")):  # a second leading BOM may be dropped
            owners = [a for a in articles if a.line <= number <= a.end_line]
            assert len(owners) == 1, (number, line[:80], len(owners))


@FAST
@given(fuzz_files())
def test_reading_any_file_never_raises(
    tmp_path_factory: pytest.TempPathFactory, file: FuzzFile
) -> None:
    path = tmp_path_factory.mktemp("read") / file.name
    path.write_bytes(file.data)
    assert_read_well(path, file)


@pytest.mark.slow
@SLOW
@given(fuzz_files())
def test_reading_any_file_never_raises_long_run(
    tmp_path_factory: pytest.TempPathFactory, file: FuzzFile
) -> None:
    path = tmp_path_factory.mktemp("read") / file.name
    path.write_bytes(file.data)
    assert_read_well(path, file)


#: Edge cases of the strategies above, run on every commit: (name, bytes, titles read,
#: the reason of each warning, where one is given).
EDGES = [
    ("deep.json", b"[" * 200_000, [], ["invalid JSON (maximum recursion depth exceeded"]),
    ("deep.jsonl", b'{"title": 1, "text": []}\n' + b"[" * 200_000 + b"\nnull\n", [],
     ["record has neither title (title, headline) nor text",
      "malformed JSON line (maximum recursion depth exceeded",
      "record is not a JSON object"]),
    ("nul-after-probe.txt", b"x" * (BINARY_PROBE + 10) + b"\0tail\r\rHashtags\r\n",
     ["x" * (BINARY_PROBE + 10) + "\0tail"], []),
    ("cut.txt.gz", gzip.compress(b"Headline\nbody\n", mtime=0)[:-9], [],
     ["not a valid gzip file"]),
    ("fake.txt", b"\x1f\x8bnot gzip at all\n", [], ["not a valid gzip file"]),
    ("articles-dict.json", b'{"articles": {"title": "t", "text": "x"}}', [],
     ["expected a list of records"]),
    ("nan.json", b"NaN", [], ["expected a list of records"]),
    ("bad.jsonl", b'{"title": "T", "text": "x"}\r\n\xff{"title": 2}\r\n', ["T"],
     ["invalid UTF-8, decoded with replacement", "malformed JSON line"]),
]  # fmt: skip


@pytest.mark.parametrize(("name", "data", "titles", "reasons"), EDGES, ids=[e[0] for e in EDGES])
def test_reading_edge_cases(
    tmp_path: Path, name: str, data: bytes, titles: list[str], reasons: list[str]
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    assert_read_well(path, FuzzFile(name, data))
    articles, warnings = read(path)
    assert [a.title for a in articles] == titles
    assert len(warnings) == len(reasons)
    for warning, reason in zip(warnings, reasons, strict=True):
        assert warning.reason.startswith(reason), warning


def test_bom_controls_and_odd_line_breaks_keep_the_text(tmp_path: Path) -> None:
    path = tmp_path / "odd.md"
    path.write_bytes(b"\xef\xbb\xbf\xef\xbb\xbfTitle\r\n\xff\xfe\r\x85\xe2\x80\xa8 body\x0c\r")
    articles, warnings = read(path)
    assert [str(w) for w in warnings] == [f"{path}:2: invalid UTF-8, decoded with replacement"]
    (article,) = articles
    assert (article.line, article.end_line, article.title) == (1, 3, "Title")
    assert "\ufffd\ufffd" in " ".join(article.body)


# ---------------------------------------------------------------------------------------
# The command line.

#: What a command may exit with: 0 nothing found, 1 copies found (scan, check), 2 bad input.
EXITS = {"split": {0, 2}, "scan": {0, 1, 2}, "check": {0, 1, 2}, "collapse": {0, 2}}
TRACE = re.compile(r"Traceback|File \"[^\"]+\", line \d+")


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    isolate(monkeypatch, tmp_path)
    return tmp_path


def invoke(command: str, *args: str) -> Result:
    return CliRunner().invoke(cli, [command, *args])


def assert_clean_exit(command: str, result: Result) -> None:
    """Exit 0/1/2 (no exception escaped), no traceback, only ``dedup: `` lines on stderr."""
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        command,
        repr(result.exception),
    )
    assert result.exit_code in EXITS[command], (command, result.exit_code, result.stderr)
    assert not TRACE.search(result.stdout + result.stderr), (command, result.stderr)
    for line in result.stderr.splitlines():
        assert line.startswith("dedup: "), (command, line)


def split_rows(stdout: str) -> dict[str, list[tuple[int, int, int]]]:
    """``dedup split`` TSV rows as (index, line, end_line) per path."""
    rows: dict[str, list[tuple[int, int, int]]] = {}
    lines = stdout.split("\n")  # "\n" ends a row; str.splitlines would also break on NEL
    assert lines.pop() == ""
    for row in lines:
        fields = row.split("\t")
        assert len(fields) == len(COLUMNS), row
        rows.setdefault(fields[0], []).append((int(fields[1]), int(fields[2]), int(fields[3])))
    return rows


def assert_commands_behave(folder: Path, files: list[FuzzFile]) -> None:
    """Write ``files`` into ``folder/in`` and run every reading command over them."""
    inputs = folder / "in"
    inputs.mkdir(parents=True)
    paths = []
    for number, file in enumerate(files):
        path = inputs / f"{number}-{file.name}"
        path.write_bytes(file.data)
        paths.append(path)
    runs = {
        "split": ["--format", "tsv", *map(str, paths)],  # named files are read whatever their name
        "scan": ["--no-cache", "-j", "1", "--format", "jsonl", str(inputs)],
        "check": ["--no-cache", "-j", "1", "--corpus-root", str(inputs), *map(str, paths)],
        "collapse": ["--no-cache", "-j", "1", "--dry-run", "-o", str(folder / "out.jsonl"),
                     str(inputs)],
    }  # fmt: skip
    for command, args in runs.items():
        result = invoke(command, *args)
        assert_clean_exit(command, result)
        if command in ("scan", "collapse"):  # stdout carries results only
            lines = result.stdout.split("\n")  # a title may hold NEL or U+2028
            assert lines.pop() == ""
            for line in lines:
                json.loads(line)
        if command == "split":
            assert_split_matches_reading(split_rows(result.stdout), paths)
    assert sorted(p.name for p in inputs.iterdir()) == sorted(p.name for p in paths)
    assert [p.read_bytes() for p in paths] == [f.data for f in files]  # inputs untouched
    assert not (folder / "out.jsonl").exists()  # a dry run writes nothing


def assert_split_matches_reading(
    rows: dict[str, list[tuple[int, int, int]]], paths: list[Path]
) -> None:
    """``dedup split`` prints each file's articles with the spans the reading API gives."""
    for path in paths:
        articles, _ = read(path)
        expected = [(a.index, a.line, a.end_line) for a in articles]
        assert rows.get(str(path), []) == expected, path.name


FOLDERS = st.lists(fuzz_files(long_lines=False), min_size=1, max_size=4)
_counter = itertools.count()


@CLI_FAST
@given(FOLDERS)
def test_commands_exit_cleanly_on_any_folder(home: Path, files: list[FuzzFile]) -> None:
    assert_commands_behave(home / f"run{next(_counter)}", files)


@pytest.mark.slow
@CLI_SLOW
@given(st.lists(fuzz_files(), min_size=1, max_size=6))
def test_commands_exit_cleanly_on_any_folder_long_run(home: Path, files: list[FuzzFile]) -> None:
    assert_commands_behave(home / f"run{next(_counter)}", files)
