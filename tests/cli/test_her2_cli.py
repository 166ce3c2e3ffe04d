"""`her2path her2`, `version` and `schema` from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from her2path.cli.main import app
from her2path.engine.her2 import Her2Answer
from her2path.kb import KnowledgeBase

runner = CliRunner()
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "her2"


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_issue_example_flags_give_json_answer(kb: KnowledgeBase) -> None:
    code, out = invoke(
        "her2",
        "--site",
        "breast",
        "--ihc",
        "2+",
        "--ish-ratio",
        "2.3",
        "--her2-copies",
        "4.6",
        "--cep17-copies",
        "2.0",
        "--date",
        "2026-01-05",
        "--format",
        "json",
    )
    assert code == 0, out
    answer = Her2Answer.model_validate_json(out)
    assert answer.status.value == "positive"
    assert answer.ish_group == 1
    assert answer.kb_version == kb.version


def test_text_output_shows_status_rule_path_and_kb_version(kb: KnowledgeBase) -> None:
    code, out = invoke("her2", "--site", "breast", "--ihc", "2+")
    assert code == 0, out
    assert "equivocal" in out
    assert "reflex ISH" in out
    assert "ASCO18" in out
    assert kb.version in out


def test_json_file_input() -> None:
    code, out = invoke("her2", str(EXAMPLES / "ultralow.json"), "--format", "json")
    assert code == 0, out
    assert json.loads(out)["expression_category"] == "her2_ultralow"


def test_recount_flags() -> None:
    code, out = invoke(
        "her2",
        "--site",
        "breast",
        "--ihc",
        "2+",
        "--ish-ratio",
        "2.2",
        "--her2-copies",
        "3.5",
        "--recount-ratio",
        "2.1",
        "--recount-her2-copies",
        "3.4",
        "--format",
        "json",
    )
    assert code == 0, out
    assert json.loads(out)["status"] == "negative"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--site", "breast", "--ihc", "4+"], ["--ihc: Input should be '0', '1+', '2+' or '3+'"]),
        (
            ["--site", "breast", "--ish-ratio", "-1", "--her2-copies", "4"],
            ["--ish-ratio: Input should be greater than 0"],
        ),
        (
            ["--site", "liver", "--ihc", "1+"],
            ["--site: Input should be 'breast', 'gastric', 'gej' or 'oesophageal'"],
        ),
        (
            ["--site", "breast", "--recount-ratio", "2.1", "--recount-her2-copies", "3"],
            ["--recount-*: a blinded recount needs the original count"],
        ),
        (
            ["--site", "breast", "--ihc", "4+", "--ish-ratio", "-1"],
            ["--ihc:", "--ish-ratio:", "--her2-copies: Field required"],
        ),
        (["--ihc", "2+"], ["--site: required"]),
    ],
)
def test_bad_input_names_each_field_and_allowed_values(
    args: list[str], expected: list[str]
) -> None:
    code, out = invoke("her2", *args)
    assert code == 2
    assert f"({len(expected)} problem(s))" in out
    for e in expected:
        assert e in out


def test_bad_json_file_lists_every_problem(tmp_path: Path) -> None:
    doc = {
        "site": "breast",
        "results": [
            {
                "kind": "ihc",
                "date": "2026-02-30",
                "score": "4+",
                "specimen": {"origin": "lung", "procedure": "core_biopsy"},
            },
            {"kind": "pcr", "date": "2026-01-01"},
        ],
    }
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc))
    code, out = invoke("her2", str(path))
    assert code == 2
    assert "results[0].date" in out
    assert "results[0].score" in out
    assert "results[0].specimen.origin" in out
    assert "results[1]: unknown result kind" in out


def test_invalid_json_syntax_names_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"site": "breast",\n "results": [}')
    code, out = invoke("her2", str(path))
    assert code == 2
    assert "line 2" in out


def test_version_prints_package_and_kb(kb: KnowledgeBase) -> None:
    code, out = invoke("version")
    assert code == 0
    assert "her2path 0.1.0" in out
    assert kb.version in out


@pytest.mark.parametrize("name", ["her2-input", "her2-result"])
def test_schema_command_prints_json_schema(name: str) -> None:
    code, out = invoke("schema", name)
    assert code == 0
    schema = json.loads(out)
    assert schema["$id"].endswith(f"{name}.json")
    assert "properties" in schema


def test_unknown_schema_lists_allowed_names() -> None:
    code, out = invoke("schema", "nope")
    assert code == 2
    assert "her2-result" in out


def test_demo_runs_every_example() -> None:
    code, out = invoke("demo")
    assert code == 0, out
    for example in EXAMPLES.glob("*.json"):
        assert example.name in out
