"""Invalid patient documents are rejected with every problem listed by field."""

from __future__ import annotations

from datetime import date

import pytest

from her2path.adapters.patient_json import check_against_kb, parse_patient
from her2path.domain.patient import Patient
from her2path.errors import InputError
from her2path.kb import KnowledgeBase
from tests.patients import example


def problems(kb: KnowledgeBase, data: object, as_of: date | None = None) -> dict[str, str]:
    with pytest.raises(InputError) as exc:
        parse_patient(kb, data, as_of)
    return {p.where: p.message for p in exc.value.problems}


def test_every_problem_listed_by_field(kb: KnowledgeBase) -> None:
    data = example("08")
    data["weight_kg"] = "heavy"
    data["birth_date"] = "1972-02-30"
    data["lvef"][0]["percent"] = 140
    data["therapies"][0]["drug"] = "herceptinx"
    data["cancer"]["setting"] = "palliative"
    found = problems(kb, data)
    assert "weight_kg" in found
    assert "birth_date" in found
    assert "lvef[0].percent" in found and "95" in found["lvef[0].percent"]
    assert "therapies[0].drug" in found and "herceptinx" in found["therapies[0].drug"]
    assert "cancer.setting" in found and "metastatic" in found["cancer.setting"]


def test_unknown_regimen_and_field(kb: KnowledgeBase) -> None:
    data = example("08")
    data["therapies"][0]["regimen"] = "thp_forever"
    data["favourite_colour"] = "blue"
    found = problems(kb, data)
    assert "thp_forever" in found["therapies[0].regimen"]
    assert "unknown field" in found["favourite_colour"]


def test_impossible_dates(kb: KnowledgeBase) -> None:
    data = example("08")
    data["therapies"][0]["end"] = "2024-01-01"  # before its start
    assert "end is before start" in problems(kb, data)["therapies[0]"]
    data = example("08")
    data["events"][0]["date"] = "1960-01-01"  # before birth
    data["lvef"][0]["date"] = "1961-01-01"
    message = problems(kb, data)["(document)"]
    assert "events[0].date" in message and "lvef[0].date" in message


def test_dates_after_the_assessment_date(kb: KnowledgeBase) -> None:
    data = example("08")
    found = problems(kb, data, date(2026, 1, 1))
    assert "lvef[1].date" in found and "after the assessment date" in found["lvef[1].date"]


def test_not_an_object(kb: KnowledgeBase) -> None:
    assert problems(kb, [1, 2, 3])


def test_check_against_kb_on_a_valid_model(kb: KnowledgeBase) -> None:
    data = example("03")
    data["history"]["anthracycline"]["drug"] = "paclitaxel"
    data["therapies"][0]["drug"] = "nonexistent"
    p = Patient.model_validate(data)
    found = {x.where for x in check_against_kb(kb, p)}
    assert found == {"therapies[0].drug", "history.anthracycline.drug"}


def test_every_example_is_valid(kb: KnowledgeBase) -> None:
    from tests.patients import EXAMPLES

    names = sorted(p.name for p in EXAMPLES.glob("*.json"))
    assert len(names) >= 15
    for name in names:
        parse_patient(kb, example(name[:2]), date(2026, 7, 1))
