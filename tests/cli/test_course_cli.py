"""The dose, schedule, cardiac and course commands end to end."""

from __future__ import annotations

import json
from pathlib import Path

from icalendar import Calendar
from typer.testing import CliRunner

from her2path.cli.main import app

RUN = CliRunner()
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "courses"


def test_dose_json() -> None:
    res = RUN.invoke(app, ["dose", "--drug", "kadcyla", "--weight", "70", "--format", "json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["dose_mg"] == 252 and data["unrounded_mg"] == 252


def test_dose_late_reload() -> None:
    res = RUN.invoke(
        app,
        [
            "dose",
            "--drug",
            "herceptin",
            "--spec",
            "q3w",
            "--weight",
            "70",
            "--scheduled",
            "2026-03-01",
            "--given-on",
            "2026-03-09",
            "--format",
            "json",
        ],
    )
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["action"] == "loading" and data["next_due"] == "2026-03-30"


def test_dose_bad_flag_names_the_flag() -> None:
    res = RUN.invoke(app, ["dose", "--drug", "kadcyla", "--weight", "70", "--sex", "woman"])
    assert res.exit_code == 2
    assert "--sex" in res.output or "--sex" in (res.stderr if res.stderr_bytes else "")


def test_schedule_ics(tmp_path: Path) -> None:
    target = tmp_path / "tch.ics"
    res = RUN.invoke(
        app,
        [
            "schedule",
            "--regimen",
            "tch",
            "--start",
            "2026-01-05",
            "--ics",
            str(target),
            "--format",
            "json",
        ],
    )
    assert res.exit_code == 0, res.output
    cal = Calendar.from_ical(target.read_bytes())
    assert len(list(cal.walk("VEVENT"))) == 42


def test_cardiac_flags() -> None:
    res = RUN.invoke(
        app,
        [
            "cardiac",
            "--product",
            "herceptin",
            "--product",
            "enhertu",
            "--start",
            "2026-01-01",
            "--reading",
            "2026-01-01:66:50",
            "--reading",
            "2026-03-01:50:50",
            "--as-of",
            "2026-03-02",
            "--format",
            "json",
        ],
    )
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    verdicts = {v["table"]: v["action"] for v in data["readings"][0]["verdicts"]}
    assert verdicts == {"trastuzumab": "withhold", "tdxd": "continue"}
    assert data["readings"][0]["leading"]["action"] == "withhold"


def test_cardiac_and_course_on_a_worked_course() -> None:
    path = str(EXAMPLES / "metastatic_fourth_hold_stop.json")
    res = RUN.invoke(app, ["cardiac", path, "--format", "json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["states"][0]["state"] == "stopped"
    res = RUN.invoke(app, ["course", path])
    assert res.exit_code == 0, res.output
    assert "Stopped permanently" in res.output
