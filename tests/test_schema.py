"""The JSON Schema shipped in the package (``dedup/schema/scan.schema.json``) holds for the
real output of ``scan --format json``, ``scan --format jsonl`` and ``split --format jsonl``,
on the examples, on a folder full of trouble, and on the seeds when ``../shared`` exists."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fixture_corpus import isolate
from jsonschema import Draft202012Validator

from dedup.cli import cli

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def load_schema(name: str = "scan") -> dict[str, Any]:
    text = resources.files("dedup").joinpath(f"schema/{name}.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def validator(definition: str | None = None) -> Draft202012Validator:
    """The whole document's validator, or one for a definition (a jsonl line)."""
    schema = load_schema()
    if definition is not None:
        schema = {"$defs": schema["$defs"], "$ref": f"#/$defs/{definition}"}
    return Draft202012Validator(schema)


def run(*args: str) -> str:
    result = CliRunner().invoke(cli, [*args, "--no-cache"] if args[0] == "scan" else list(args))
    assert result.exit_code in (0, 1), result.stderr
    return result.stdout


def assert_valid(paths: list[str]) -> dict[str, Any]:
    """Every output of ``paths`` is valid; the json document, for more checks."""
    document: dict[str, Any] = json.loads(run("scan", *paths, "-f", "json"))
    validator().validate(document)
    for line in run("scan", *paths, "-f", "jsonl").splitlines():
        validator("group").validate(json.loads(line))
    for line in run("split", *paths, "-f", "jsonl").splitlines():
        validator("article").validate(json.loads(line))
    return document


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    isolate(monkeypatch, tmp_path)


@pytest.mark.parametrize("name", ["scan", "stats", "collapse"])
def test_the_schema_is_a_valid_json_schema(name: str) -> None:
    Draft202012Validator.check_schema(load_schema(name))


def test_stats_output_holds_to_its_schema() -> None:
    document = json.loads(run("scan", str(EXAMPLES), "--stats", "-f", "json"))
    Draft202012Validator(load_schema("stats")).validate(document)
    document["redundant"]["articles"] = 1.5
    assert not Draft202012Validator(load_schema("stats")).is_valid(document)


@pytest.mark.parametrize("annotate", ["--annotate", "--no-annotate"])
def test_collapse_lines_hold_to_their_schema(annotate: str) -> None:
    out = run("collapse", str(EXAMPLES), "-o", "-", "-q", "--no-cache", annotate)
    lines = [json.loads(line) for line in out.splitlines()]
    check = Draft202012Validator(load_schema("collapse"))
    for line in lines:
        check.validate(line)
    kinds = {line["dedup"]["kind"] for line in lines} if annotate == "--annotate" else set()
    assert kinds == (
        set() if annotate == "--no-annotate" else {"main", "related", "plain", "record"}
    )
    texts = [line for line in lines if "text" in line and "title" in line]
    texts[0]["dedup"] = {"role": "kept"}
    assert not check.is_valid(texts[0])


def test_the_examples_output_holds_to_the_schema() -> None:
    document = assert_valid([str(EXAMPLES)])
    assert document["groups"] and document["read"]["articles"] > 0
    fields = {k for g in document["groups"] for m in g["copies"] for k in m.get("extra", {})}
    assert "dateline" in fields  # the schema is held to extra's fields too


def test_skips_hold_to_the_schema(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "empty.txt").write_text("")
    (tmp_path / "in" / "notes.csv").write_text("a,b\n")
    (tmp_path / "in" / "x.jsonl").write_text('{"title": "t"}\n{"text": "Headline\\nBody."}\n')
    document = assert_valid([str(tmp_path / "in")])
    assert document["skipped"]["files"] == {"empty": 1, "left out by --include": 1}
    assert document["skipped"]["records"] == {"no text": 1}


def test_a_document_with_a_wrong_field_fails_the_schema() -> None:
    document = json.loads(run("scan", str(EXAMPLES), "-f", "json"))
    document["groups"][0]["copies"][0]["extra"] = {"dateline": 3}
    assert not validator().is_valid(document)
    del document["groups"][0]["copies"][0]["extra"]
    del document["read"]["files"]
    assert not validator().is_valid(document)


def test_the_seeds_output_holds_to_the_schema(seed_paths: list[Path]) -> None:
    document = assert_valid([str(path) for path in seed_paths])
    assert document["read"]["files"] == len(seed_paths)
