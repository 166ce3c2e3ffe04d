"""Dated contraception and breastfeeding answers (on top of the reproductive windows)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from her2path.cli.main import app
from her2path.domain.patient import Patient
from her2path.engine.reproductive import Person
from her2path.engine.windows import dated_windows, last_doses_from_patient, person_from_patient
from her2path.errors import InputError
from her2path.kb import KnowledgeBase

runner = CliRunner()
LAST = date(2026, 1, 31)


@pytest.mark.parametrize(
    ("product", "female_until", "male_until"),
    [
        ("herceptin", date(2026, 8, 31), None),
        ("kadcyla", date(2026, 8, 31), date(2026, 5, 31)),
        ("enhertu", date(2026, 8, 31), date(2026, 5, 31)),
        ("tukysa", date(2026, 2, 7), date(2026, 2, 7)),
    ],
)
def test_dates_per_drug(
    kb: KnowledgeBase, product: str, female_until: date, male_until: date | None
) -> None:
    f = dated_windows(kb, {product: LAST}, Person.female)
    assert f.contraception[0].until == female_until
    assert f.contraception[0].sources
    assert f.lactation and f.lactation[0].product == product
    m = dated_windows(kb, {product: LAST}, Person.male)
    assert not m.lactation
    assert m.contraception[0].until == male_until
    if male_until is None:
        assert not m.contraception[0].applies


def test_regimen_takes_the_latest_date(kb: KnowledgeBase) -> None:
    a = dated_windows(
        kb, {"tukysa": date(2026, 3, 1), "herceptin": date(2026, 1, 31)}, Person.female
    )
    assert a.contraception_until is not None
    assert a.contraception_until.product == "herceptin"
    assert a.contraception_until.until == date(2026, 8, 31)


def test_no_products_is_an_input_error(kb: KnowledgeBase) -> None:
    with pytest.raises(InputError):
        dated_windows(kb, {}, Person.female)


def _patient(**extra: Any) -> Patient:
    doc: dict[str, Any] = {
        "id": "p",
        "sex": "female",
        "birth_date": "1980-01-01",
        "cancer": {"site": "breast", "setting": "metastatic"},
        "therapies": [
            {
                "drug": "enhertu",
                "setting": "metastatic",
                "start": "2025-01-01",
                "end": "2026-02-10",
            },
            {"drug": "tukysa", "setting": "metastatic", "start": "2026-03-01"},
        ],
    }
    doc.update(extra)
    return Patient.model_validate(doc)


def test_last_doses_and_person_from_patient() -> None:
    p = _patient(can_become_pregnant=True)
    doses, problems = last_doses_from_patient(p, ["enhertu", "tukysa", "kadcyla"])
    assert doses == {"enhertu": date(2026, 2, 10)}
    assert [x.message.split("'")[1] for x in problems] == ["tukysa", "kadcyla"]
    assert person_from_patient(p) == (Person.female, [])
    who, notes = person_from_patient(_patient(can_become_pregnant=False))
    assert who is Person.female and "cannot become pregnant" in notes[0]
    assert person_from_patient(_patient(sex="male"))[0] is Person.male
    assert person_from_patient(_patient(sex="other"))[0] is None


def test_cli_flags_and_patient(tmp_path: Path) -> None:
    r = runner.invoke(
        app,
        ["contraception", "--product", "enhertu", "--last-dose", "2026-01-31",
         "--person", "male", "--format", "json"],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["contraception"][0]["until"] == "2026-05-31"
    assert data["lactation"] == []
    doc = _patient(can_become_pregnant=True).model_dump(mode="json")
    path = tmp_path / "p.json"
    path.write_text(json.dumps(doc))
    r = runner.invoke(app, ["contraception", str(path), "--product", "enhertu"])
    assert r.exit_code == 0, r.output
    assert "until 2026-09-10" in r.output and "ENH-PI" in r.output
    r = runner.invoke(app, ["contraception", str(path), "--product", "tukysa"])
    assert r.exit_code == 2 and "still being given" in r.output
    r = runner.invoke(app, ["contraception", "--product", "enhertu", "--person", "female"])
    assert r.exit_code == 2 and "--last-dose" in r.output
    r = runner.invoke(
        app, ["contraception", "--product", "enhertu", "--last-dose", "x", "--person", "female"]
    )
    assert r.exit_code == 2 and "not a date" in r.output
