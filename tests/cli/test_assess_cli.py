from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from her2path.cli.main import app
from tests.patients import EXAMPLES

runner = CliRunner()


def _path(prefix: str) -> str:
    return str(next(EXAMPLES.glob(f"{prefix}*.json")))


def test_assess_text() -> None:
    r = runner.invoke(app, ["assess", _path("08"), "--as-of", "2026-07-01"])
    assert r.exit_code == 0, r.output
    for text in ("Options", "Not offered", "HER2 rule path", "Knowledge base", "tucatinib"):
        assert text in r.output


def test_assess_json_matches_schema_fields() -> None:
    r = runner.invoke(app, ["assess", _path("14"), "--as-of", "2026-07-01", "--format", "json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["patient_id"] == "ex14-gastric-1l"
    assert {o["regimen"] for o in data["options"]} == {
        "trastuzumab_cisplatin_fluoropyrimidine",
        "pembrolizumab_trastuzumab_chemotherapy",
    }


def test_assess_invalid_document(tmp_path) -> None:  # type: ignore[no-untyped-def]
    data = json.loads(Path(_path("08")).read_text(encoding="utf-8"))
    data["lvef"][0]["percent"] = 140
    data["therapies"][0]["drug"] = "unknown_drug"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data), encoding="utf-8")
    r = runner.invoke(app, ["assess", str(bad), "--as-of", "2026-07-01"])
    assert r.exit_code == 2
    assert "lvef[0].percent" in r.output and "therapies[0].drug" in r.output


def test_bad_as_of() -> None:
    r = runner.invoke(app, ["assess", _path("08"), "--as-of", "yesterday"])
    assert r.exit_code == 2
    assert "--as-of" in r.output


def test_schemas() -> None:
    for name, field in (("patient", "cancer"), ("assessment", "options")):
        r = runner.invoke(app, ["schema", name])
        assert r.exit_code == 0
        assert field in json.loads(r.output)["properties"]


def test_demo_assesses_examples() -> None:
    r = runner.invoke(app, ["demo"])
    assert r.exit_code == 0, r.output
    assert "examples/patients/14-gastric-first-line-cps-positive.json" in r.output
