"""The current course inside ``assess`` (next doses, LVEF, holds) and its input checks."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from her2path.adapters.patient_json import read_patient
from her2path.engine.assess import assess
from her2path.engine.cardiac import LvefAction
from her2path.errors import InputError
from her2path.kb import KnowledgeBase

ROOT = Path(__file__).resolve().parents[2]
PATIENT = ROOT / "examples" / "patients" / "21-metastatic-thp-course.json"
AS_OF = date(2026, 7, 1)


def test_assessment_carries_course_state(kb: KnowledgeBase) -> None:
    a = assess(kb, read_patient(kb, PATIENT, AS_OF), AS_OF)
    assert a.course is not None
    assert a.course.regimen == "thp_then_hp"
    drugs = {n.drug: n for n in a.course.next_doses}
    assert set(drugs) == {"herceptin", "perjeta"}  # docetaxel x 6 is complete
    assert drugs["herceptin"].due == date(2026, 7, 20)
    assert drugs["herceptin"].dose is not None and drugs["herceptin"].dose.dose_mg == 396
    assert a.course.next_lvef_due == date(2026, 9, 1)
    leading = [r.leading.action for r in a.course.cardiac.readings]
    assert leading == [LvefAction.withhold, LvefAction.resume]


def test_patient_without_course_has_none(kb: KnowledgeBase) -> None:
    other = ROOT / "examples" / "patients" / "07-metastatic-first-line-hr-positive.json"
    assert assess(kb, read_patient(kb, other, AS_OF), AS_OF).course is None


def test_course_product_outside_the_regimen_is_an_input_problem(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    text = PATIENT.read_text().replace('"product": "docetaxel"', '"product": "paclitaxel"', 1)
    bad = tmp_path / "bad.json"
    bad.write_text(text)
    with pytest.raises(InputError) as exc:
        read_patient(kb, bad, AS_OF)
    assert any(p.where.startswith("course.administered[") for p in exc.value.problems)


def test_listed_regimen_without_schedule_is_not_covered(kb: KnowledgeBase, tmp_path: Path) -> None:
    text = PATIENT.read_text().replace(
        '"regimen": "thp_then_hp",\n    "setting"', '"regimen": "tdxd_then_thp",\n    "setting"'
    )
    bad = tmp_path / "bad.json"
    bad.write_text(text)
    with pytest.raises(InputError) as exc:
        read_patient(kb, bad, AS_OF)
    msgs = [p.message for p in exc.value.problems if p.where == "course.regimen"]
    assert msgs and "no encoded schedule" in msgs[0]
