"""`her2path event` and `her2path checklist` from the command line."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from her2path.cli.main import app
from her2path.engine.events import EventAnswer

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_event_flags_json() -> None:
    code, out = invoke(
        "event", "--product", "enhertu", "--type", "ild_pneumonitis", "--grade", "1",
        "--onset", "2026-01-31", "--resolved", "2026-03-01", "--ladder", "breast",
        "--as-of", "2026-03-05", "--format", "json",
    )  # fmt: skip
    assert code == 0, out
    answer = EventAnswer.model_validate_json(out)
    assert answer.resume is not None and answer.resume.dose_level == 1
    assert answer.sources[0].source == "ENH-PI"


def test_event_flags_text_with_modifier() -> None:
    code, out = invoke(
        "event", "--product", "tukysa", "--type", "diarrhoea", "--grade", "3",
        "--onset", "2026-04-20", "--resolved", "2026-04-25",
        "--modifier", "on_antidiarrhoeal_treatment=yes", "--as-of", "2026-05-01",
    )  # fmt: skip
    assert code == 0, out
    assert "withhold" in out and "250 mg twice daily" in out and "TUK-PI" in out


def test_event_file_and_list() -> None:
    doc = json.loads((ROOT / "examples/events/tdxd-ild-grade2.json").read_text())
    path = ROOT / "examples/events/tdxd-ild-grade2.json"
    code, out = invoke("event", str(path.parent / "missing.json"))
    assert code == 2 and "file not found" in out
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        one = Path(d) / "one.json"
        one.write_text(json.dumps(doc["event"]))
        code, out = invoke("event", str(one), "--as-of", doc["as_of"], "--format", "json")
        assert code == 0, out
        assert json.loads(out)["action"] == "discontinue_permanently"
        many = Path(d) / "many.json"
        many.write_text(json.dumps([doc["event"], doc["event"]]))
        code, out = invoke("event", str(many), "--as-of", doc["as_of"], "--format", "json")
        assert code == 0, out
        assert len(json.loads(out)) == 2


def test_event_worked_example_matches_golden() -> None:
    name = "tdm1-platelets-grade4-lowest-level.json"
    code, out = invoke("event", str(ROOT / "examples/events" / name), "--format", "json")
    assert code == 0, out
    from her2path.tools.golden import normalise

    golden = json.loads((ROOT / "tests/golden/events" / name).read_text())
    assert normalise(json.loads(out)) == golden


def test_event_bad_input_names_the_flag() -> None:
    code, out = invoke(
        "event", "--product", "kadcyla", "--type", "sunburn", "--grade", "7",
        "--onset", "2026-01-01", "--as-of", "2026-02-01",
    )  # fmt: skip
    assert code == 2
    assert "--grade" in out and "--type" in out and "ild_pneumonitis" in out


def test_event_missing_required_flags() -> None:
    code, out = invoke("event", "--product", "kadcyla")
    assert code == 2
    assert "--type" in out and "--grade" in out and "--onset" in out


def test_event_bad_modifier_syntax() -> None:
    code, out = invoke(
        "event", "--product", "tukysa", "--type", "diarrhoea", "--grade", "3",
        "--onset", "2026-01-01", "--modifier", "on_antidiarrhoeal_treatment",
    )  # fmt: skip
    assert code == 2 and "NAME=yes" in out


def test_checklist_command() -> None:
    path = ROOT / "examples/checklists/margenza-old-echo.json"
    doc = json.loads(path.read_text())
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "patient.json"
        p.write_text(json.dumps(doc["patient"]))
        code, out = invoke("checklist", str(p), "--product", "margenza", "--as-of", doc["as_of"])
        assert code == 0, out
        assert "not_met" in out and "MAR-PI" in out
        code, out = invoke(
            "checklist", str(p), "--product", "margenza", "--as-of", doc["as_of"],
            "--format", "json",
        )  # fmt: skip
        assert code == 0
        assert json.loads(out)["items"][1]["status"] == "not_met"
