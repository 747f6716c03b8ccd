"""A long fuzz run of the reading API: does any file make reading raise or cut badly?

Each input is a file written to a temporary folder and read with
``dedup.read.files.read_file``, in this process: an invented dump (chrome markers,
source/age/``- source`` lines, blank lines, one-line bodies), JSON or JSON Lines whose
values have the wrong types (numbers, lists, nulls, nesting), or random bytes; then mutated
(bad UTF-8, NULs, BOMs, CR/LF/CR, very long lines, cuts, repeats, deep nesting), named with
a suffix that may not match, and sometimes gzipped whole, cut or with a bare gzip header.

A crash is any exception out of ``read_file``. A failure is a broken promise: a warning
that is not a one-line ``InputError`` naming the file, or (text files) article spans out of
order, overlapping, outside the file, or leaving a content line uncovered. The script
prints inputs tried, crashes, failures, the rate and the slowest input, and for each
distinct crash its input number and traceback head; ``--crash-dir`` keeps the inputs.
Input ``i`` of seed ``s`` depends only on (s, i): ``--start i --count 1`` replays it::

    python benchmarks/fuzz.py                           # 1,000,000 inputs, seed 1
    python benchmarks/fuzz.py --count 100000 --seed 7
    python benchmarks/fuzz.py --start 4242 --count 1 --crash-dir /tmp/crash
    python benchmarks/fuzz.py --engine atheris --count 200000   # coverage-guided

``--engine atheris`` (when ``pip install atheris`` works) feeds libFuzzer's inputs through
the same checks, starting from a corpus of this generator's inputs; libFuzzer prints its
own counts ("Done N runs") and stops at the first crash. Exits 1 when anything crashed or
failed, else 0.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import random
import re
import signal
import sys
import tempfile
import time
import traceback
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SUFFIXES = [".txt", ".md", ".json", ".jsonl", ""]
#: Bytes that break decoding or lines: bad UTF-8, NULs, controls, NEL, LS, BOM, line ends.
BAD_BYTES = [b"\xff", b"\xfe", b"\x80", b"\xc3", b"\xe2\x80", b"\xc0\xaf", b"\xed\xa0\x80",
             b"\xff\xfe", b"\xf4\x90\x80\x80", b"\x00", b"\x00\x00", b"\x0c", b"\x1b[0m",
             b"\xc2\x85", b"\xe2\x80\xa8", b"\xef\xbb\xbf", b"\r", b"\n", b"\r\n",
             b"\t"]  # fmt: skip
LINE_ENDS = [b"\n", b"\n", b"\n", b"\r\n", b"\r", b"\n\n", b"\r\r\n"]
#: Invented text only: never the seeds' or the corpora's.
WORDS = ["harbour", "council", "lantern", "quarry", "ferry", "vote", "said", "on", "Tuesday",
         "the", "a", "of", "to", "and", "was", "Brimvale", "Ostmark", "tidewater", "orchard",
         "bridge", "mayor", "(AP)", "—", "–", "-", "…", "«", "»", "'", '"', "Ünterhof",
         "récolte", "12", "2025", "3.5%", "مدينة", "渡し船"]  # fmt: skip
SOURCES = ["Coastline Herald", "Valley Courier", "Associated Press", "Yahoo", "AP", "Reuters",
           "Tidewater Post", "Brimvale Daily"]  # fmt: skip
AGES = ["4 hours ago", "22 minutes ago", "an hour ago", "yesterday", "just now",
        "3 August 2025", "2025-08-03 14:05", "vor 2 Stunden", "hace 3 horas",
        "sometime"]  # fmt: skip
FIELDS = ["title", "text", "headline", "body", "content", "source", "articles", "", "é"]


@dataclass
class Tally:
    """What a run tried and found."""

    tried: int = 0
    crashes: int = 0
    failures: int = 0
    warnings: int = 0
    articles: int = 0
    slowest: tuple[float, int] = (0.0, -1)
    seen: dict[str, int] = field(default_factory=dict)  # crash/failure kind -> first input


# ---------------------------------------------------------------------------------------
# Generating inputs.


#: A fixed stream of invented words; a sentence is a slice of it (drawing each word costs
#: more than reading the input does).
_STREAM = " ".join(random.Random(0).choices(WORDS, k=20_000)) + " "
_STARTS = [0] + [m.end() for m in re.finditer(" ", _STREAM)]


def sentence(rng: random.Random, words: int) -> str:
    first = rng.randrange(len(_STARTS) - words)
    return _STREAM[_STARTS[first] : _STARTS[first + words]].rstrip()


def dump_text(rng: random.Random) -> str:
    """An invented dump: main article, chrome, related blocks; parts dropped at random."""
    from dedup.read.markers import CHROME_MARKERS

    lines = [sentence(rng, rng.randint(1, 12))]
    lines += [sentence(rng, rng.randint(5, 60)) for _ in range(rng.randint(0, 6))]
    if rng.random() < 0.8:
        lines += rng.sample(CHROME_MARKERS, rng.randint(1, len(CHROME_MARKERS)))
        lines += ["Explore what Newsdeck AI can do for you:", "Related Articles", ""]
    for _ in range(rng.randint(0, 5)):
        source = rng.choice(SOURCES)
        block = ["", source, rng.choice(AGES), f"{rng.choice(['-', '—', '–'])} {source}"]
        block += [sentence(rng, rng.randint(1, 12)), sentence(rng, rng.randint(0, 300))]
        lines += [line for line in block if rng.random() < 0.9]
    return "\n".join(lines)


def json_value(rng: random.Random, depth: int = 0) -> Any:
    """A JSON value of any type, records with the expected fields among them."""
    roll = rng.random()
    if depth > 3 or roll < 0.4:
        scalars = [None, True, False, 0, -1, 2**70, 1.5, float("nan"), float("inf"), "", " "]
        return rng.choice([*scalars, sentence(rng, rng.randint(1, 20)), "\ud800", "\x00"])
    if roll < 0.55:
        return [json_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    keys = rng.sample(FIELDS, rng.randint(0, 4))
    return {key: json_value(rng, depth + 1) for key in keys}


def record(rng: random.Random) -> Any:
    """A record that is often right ({"title": str, "text": str}) and often not."""
    if rng.random() < 0.4:
        return {"title": sentence(rng, 6), "text": dump_text(rng), "source": rng.choice(SOURCES)}
    return json_value(rng)


def encode(value: Any, rng: random.Random) -> bytes:
    text = json.dumps(value, ensure_ascii=rng.random() < 0.5)
    return text.encode("utf-8", errors="surrogatepass")


def base_input(rng: random.Random, kind: str) -> bytes:
    if kind in (".txt", ".md"):
        return dump_text(rng).encode("utf-8")
    if kind == ".json":
        shape = rng.random()
        records = [record(rng) for _ in range(rng.randint(0, 5))]
        value = records if shape < 0.5 else {"articles": records} if shape < 0.7 else record(rng)
        return encode(value, rng)
    if kind == ".jsonl":
        lines = [encode(record(rng), rng) for _ in range(rng.randint(0, 8))]
        return rng.choice(LINE_ENDS).join(lines)
    return rng.randbytes(rng.randint(0, 600))


def mutate(data: bytes, rng: random.Random) -> bytes:
    """One random edit of ``data``."""
    at = rng.randint(0, len(data))
    roll = rng.random()
    if roll < 0.3:
        return data[:at] + rng.choice(BAD_BYTES) + data[at:]
    if roll < 0.4 and data:
        return data[:at] + bytes([rng.randrange(256)]) + data[at + 1 :]
    if roll < 0.5:
        return data[: at + rng.randint(0, 20)] if rng.random() < 0.5 else data[at:]
    if roll < 0.6:
        piece = data[at : at + rng.randint(1, 200)]
        return data[:at] + piece * rng.randint(2, 5) + data[at:]
    if roll < 0.7:  # a very long line, often past the 8 KiB binary probe
        return data[:at] + (rng.choice(WORDS).encode() + b" ") * rng.randint(500, 4000) + data[at:]
    if roll < 0.8:
        return data.replace(b"\n", rng.choice([b"\r", b"\r\n", b"\n\n", b"\x85", b""]))
    if roll < 0.85:
        depth = rng.choice([50, 1000, 100_000])
        return b"[" * depth + data + b"]" * rng.choice([0, depth])
    if roll < 0.9:
        return b"\xef\xbb\xbf" * rng.randint(1, 2) + data
    if roll < 0.95:
        return data.replace(b'"', rng.choice([b"", b"'", b'"' * 2]), rng.randint(1, 3))
    return data[:at] + rng.randbytes(rng.randint(1, 40)) + data[at:]


def make_input(seed: int, number: int) -> tuple[str, bytes]:
    """Input ``number`` of ``seed``: its file name and its bytes."""
    rng = random.Random(seed * 1_000_003 + number)
    kind = rng.choice(SUFFIXES)
    suffix = kind if rng.random() < 0.85 else rng.choice(SUFFIXES)
    data = base_input(rng, kind)
    for _ in range(rng.choice([0, 1, 1, 2, 3, 5])):
        data = mutate(data, rng)
    if rng.random() < 0.1:
        packed = gzip.compress(data, mtime=0, compresslevel=1)
        how = rng.random()
        if how < 0.3:
            packed = packed[: rng.randint(0, len(packed) - 1)]
        elif how < 0.4:
            packed = b"\x1f\x8b" + data
        return f"in{suffix}.gz", packed
    return f"in{suffix}", data


# ---------------------------------------------------------------------------------------
# Checking one input.


def original_lines(text: str) -> list[str]:
    return re.split(r"\r\n|\r|\n", text.removeprefix("\ufeff"))


def is_blank(line: str) -> bool:
    """Whitespace and byte-order marks only (the reader may drop a second leading BOM)."""
    return not line.replace("\ufeff", "").strip()


def unpacked(name: str, data: bytes) -> bytes | None:
    """The bytes the reader sees in a file: gunzipped by magic or name (None if broken)."""
    if data[:2] != b"\x1f\x8b" and not name.endswith(".gz"):
        return data
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error):
        return None


def check_articles(articles: Sequence[Any], name: str, plain: bytes | None) -> str | None:
    """What is wrong with ``articles`` read from a file of ``plain`` bytes (once gunzipped;
    None when that failed, and only the spans' order is checked), or None."""
    from dedup.config import Config
    from dedup.read.split import chrome_matcher

    if not articles:
        return None
    if any(not 1 <= a.line <= a.end_line for a in articles):
        return "span with line > end_line"
    if name.removesuffix(".gz").endswith((".json", ".jsonl")):
        lines = [a.line for a in articles]
        return None if lines == sorted(lines) else "records out of order"
    for before, after in itertools.pairwise(articles):
        if before.end_line >= after.line:
            return "overlapping spans"
    if plain is None:
        return None
    lines = original_lines(plain.decode("utf-8", errors="replace"))
    if articles[-1].end_line > len(lines):
        return "span past the end of the file"
    is_chrome = chrome_matcher(Config().all_chrome_markers)
    spans = iter(articles)
    span = next(spans)
    for number, line in enumerate(lines, start=1):
        if is_blank(line) or is_chrome(line.lstrip("\ufeff")):  # a second BOM may be dropped
            continue
        while span is not None and span.end_line < number:
            span = next(spans, None)
        if span is None or span.line > number:
            return f"content line {number} in no article"
    return None


def check_warnings(warnings: Sequence[Any], path: str) -> str | None:
    from dedup.errors import InputError

    for warning in warnings:
        if not isinstance(warning, InputError) or warning.path != path:
            return f"warning not an InputError naming the file: {warning!r}"
        if "\n" in str(warning) or "\r" in str(warning):
            return "warning of more than one line"
    return None


def make_checker(folder: Path) -> Callable[[str, bytes], tuple[str | None, int, int]]:
    """A function that writes one input, reads it and returns (problem, articles, warnings);
    an exception out of ``read_file`` propagates."""
    from dedup.config import Config
    from dedup.read.files import read_file

    config = Config()

    def check(name: str, data: bytes) -> tuple[str | None, int, int]:
        path = folder / name
        path.write_bytes(data)
        warnings: list[Any] = []
        articles = list(read_file(str(path), config, warnings.append))
        problem = check_warnings(warnings, str(path))
        problem = problem or check_articles(articles, name, unpacked(name, data))
        return problem, len(articles), len(warnings)

    return check


# ---------------------------------------------------------------------------------------
# Running.


def crash_kind(exc: BaseException) -> str:
    """The exception type and the innermost frame inside dedup: one key per distinct bug."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "/dedup/" in f.filename]
    where = f"{Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else "?"
    return f"{type(exc).__name__} at {where}"


def report(tally: Tally, kind: str, number: int, name: str, data: bytes, detail: str,
           crash_dir: Path | None) -> None:  # fmt: skip
    if kind in tally.seen:
        return
    tally.seen[kind] = number
    print(f"\n{kind}: input {number} ({name}, {len(data)} bytes) {data[:120]!r}", flush=True)
    print("  " + detail.strip().replace("\n", "\n  "), flush=True)
    if crash_dir is not None:
        crash_dir.mkdir(parents=True, exist_ok=True)
        (crash_dir / f"input-{number}-{name}").write_bytes(data)


def stop_on_signals() -> None:
    """Ctrl-C or SIGTERM end the run with its figures, even when the run was started in
    the background (where the shell ignores SIGINT for it)."""

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, interrupt)
    signal.signal(signal.SIGTERM, interrupt)


def run_random(args: argparse.Namespace, folder: Path) -> Tally:
    stop_on_signals()
    check = make_checker(folder)
    tally = Tally()
    start = time.perf_counter()
    shown = start
    try:
        for number in range(args.start, args.start + args.count):
            name, data = make_input(args.seed, number)
            began = time.perf_counter()
            try:
                problem, articles, warnings = check(name, data)
            except Exception as exc:
                tally.crashes += 1
                head = "".join(traceback.format_exception(exc)[-6:])
                report(tally, crash_kind(exc), number, name, data, head, args.crash_dir)
            else:
                tally.articles += articles
                tally.warnings += warnings
                if problem is not None:
                    tally.failures += 1
                    report(tally, "failure: " + problem.split(":")[0], number, name, data, problem,
                           args.crash_dir)  # fmt: skip
            spent = time.perf_counter() - began
            tally.slowest = max(tally.slowest, (spent, number))
            tally.tried += 1
            if not args.quiet and began - shown >= 30:  # progress every 30 s
                shown = began
                rate = tally.tried / (began - start)
                print(f"  {tally.tried:,} inputs, {tally.crashes} crashes, {tally.failures} "
                      f"failures, {rate:,.0f}/s", file=sys.stderr, flush=True)  # fmt: skip
    except KeyboardInterrupt:  # a long run stopped early still prints its figures
        print(f"\ninterrupted after {tally.tried:,} inputs", flush=True)
    elapsed = time.perf_counter() - start
    last = args.start + tally.tried - 1
    print(f"\nengine random, seed {args.seed}, inputs {args.start:,}..{last:,}")
    print(f"inputs tried: {tally.tried:,}")
    distinct = sum(1 for kind in tally.seen if not kind.startswith("failure"))
    print(f"crashes:      {tally.crashes:,} ({distinct} distinct)")
    print(f"failures:     {tally.failures:,}")
    print(f"articles read {tally.articles:,}, warnings {tally.warnings:,}")
    print(f"time {elapsed:,.1f} s, {tally.tried / elapsed:,.0f} inputs/s; slowest input "
          f"{tally.slowest[1]} at {tally.slowest[0] * 1000:,.1f} ms")  # fmt: skip
    return tally


def run_atheris(args: argparse.Namespace, folder: Path) -> int:
    try:
        import atheris
    except ImportError:
        print("skipped: atheris is not installed (pip install atheris)")
        return 0
    with atheris.instrument_imports():
        import dedup.read.decode
        import dedup.read.files
        import dedup.read.paragraphs
        import dedup.read.split  # noqa: F401
    check = make_checker(folder)
    corpus = folder / "corpus"
    corpus.mkdir()
    for number in range(200):  # start from dump- and JSON-shaped inputs
        name, data = make_input(args.seed, number)
        (corpus / f"{number}").write_bytes(
            SUFFIXES.index(name[2:].removesuffix(".gz")).to_bytes(1, "big") + data
        )

    def one_input(raw: bytes) -> None:
        suffix = SUFFIXES[raw[0] % len(SUFFIXES)] if raw else ""
        data = raw[1:]
        gz = bool(raw) and raw[0] >= 128
        name = f"in{suffix}.gz" if gz else f"in{suffix}"
        packed = gzip.compress(data, mtime=0, compresslevel=1) if gz else data
        problem, _, _ = check(name, packed)
        if problem is not None:
            raise AssertionError(problem)

    artifacts = args.crash_dir or folder
    artifacts.mkdir(parents=True, exist_ok=True)
    argv = [sys.argv[0], f"-runs={args.count}", f"-seed={args.seed}", "-max_len=65536",
            "-rss_limit_mb=1024", f"-artifact_prefix={artifacts}/", str(corpus)]  # fmt: skip
    atheris.Setup(argv, one_input)
    atheris.Fuzz()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1_000_000, help="inputs to try")
    parser.add_argument("--seed", type=int, default=1, help="seed of the generator")
    parser.add_argument("--start", type=int, default=0, help="number of the first input")
    parser.add_argument("--engine", choices=["random", "atheris"], default="random")
    parser.add_argument("--crash-dir", type=Path, help="keep crashing inputs in this folder")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress lines")
    args = parser.parse_args(argv)
    # Files go to memory where the system offers it: a disk write costs more than a read.
    memory = "/dev/shm" if Path("/dev/shm").is_dir() else None
    with tempfile.TemporaryDirectory(prefix="dedup-fuzz-", dir=memory) as folder:
        if args.engine == "atheris":
            return run_atheris(args, Path(folder))
        tally = run_random(args, Path(folder))
    return 1 if tally.crashes or tally.failures else 0


if __name__ == "__main__":
    sys.exit(main())
