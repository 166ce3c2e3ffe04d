"""Worked courses in examples/courses: they exist and say what they are meant to show.

Their golden outputs (tests/golden/courses) are compared by tests/test_golden.py;
regenerate with ``make golden`` and review the diff.
"""

from __future__ import annotations

from pathlib import Path

from her2path.adapters.validation import parse, read_json
from her2path.engine.course import LvefAction, WorkedCourse, review_worked_course
from her2path.kb import KnowledgeBase

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples" / "courses").glob("*.json"))
GOLDEN = ROOT / "tests" / "golden" / "courses"


def test_there_are_worked_courses() -> None:
    names = {p.stem for p in EXAMPLES}
    assert {
        "adjuvant_tch",
        "ac_th_late_dose",
        "neoadjuvant_tchp_then_tdm1",
        "metastatic_thp_lvef_hold",
        "metastatic_fourth_hold_stop",
    } <= names


def test_worked_course_facts(kb: KnowledgeBase) -> None:
    """Spot checks that the goldens say what the examples are meant to show."""

    def load(name: str):  # type: ignore[no-untyped-def]
        return review_worked_course(
            kb, parse(WorkedCourse, read_json(ROOT / "examples" / "courses" / f"{name}.json"))
        ).current

    late = load("ac_th_late_dose")
    h = next(n for n in late.next_doses if n.drug == "herceptin")
    assert h.late and h.kind is not None and h.kind.value == "loading" and h.dose is not None
    assert h.dose.dose_mg == 272  # 4 mg/kg reload after 9 days

    thp = load("metastatic_thp_lvef_hold")
    actions = [r.leading.action for r in thp.cardiac.readings]
    assert actions == [LvefAction.withhold, LvefAction.continue_withholding, LvefAction.resume]
    assert thp.cardiac.readings[1].conflict
    p = next(n for n in thp.next_doses if n.drug == "perjeta")
    assert p.kind is not None and p.kind.value == "maintenance"  # 35 days < 6 weeks

    stop = load("metastatic_fourth_hold_stop")
    assert stop.stopped == ["herceptin"] and not stop.next_doses

    tdm1 = load("neoadjuvant_tchp_then_tdm1")
    assert tdm1.next_doses[0].dose is not None and tdm1.next_doses[0].dose.per_unit == 3.0
    assert tdm1.cardiac.readings[-1].leading.action is LvefAction.not_covered


def test_course_with_unknown_ids_names_each_field(kb: KnowledgeBase) -> None:
    import pytest

    from her2path.errors import InputError

    doc = parse(WorkedCourse, read_json(ROOT / "examples" / "courses" / "adjuvant_tch.json"))
    course = doc.patient.course
    assert course is not None
    bad = course.model_copy(
        update={
            "administered": [
                *course.administered,
                course.administered[0].model_copy(update={"product": "kadcyla"}),
            ]
        }
    )
    with pytest.raises(InputError) as exc:
        review_worked_course(
            kb, doc.model_copy(update={"patient": doc.patient.model_copy(update={"course": bad})})
        )
    where = [p.where for p in exc.value.problems]
    assert where == [f"course.administered[{len(course.administered)}].product"]
    assert "not part of regimen tch" in exc.value.problems[0].message


def test_planned_date_and_hold_floor(kb: KnowledgeBase) -> None:
    from datetime import date

    from her2path.domain.course import PlannedDose

    doc = parse(WorkedCourse, read_json(ROOT / "examples" / "courses" / "adjuvant_tch.json"))
    course = doc.patient.course
    assert course is not None
    planned = course.model_copy(
        update={"planned": [PlannedDose(date=date(2026, 2, 18), product="docetaxel")]}
    )
    patient = doc.patient.model_copy(update={"course": planned})
    state = review_worked_course(kb, doc.model_copy(update={"patient": patient})).current
    assert state is not None
    d = next(n for n in state.next_doses if n.drug == "docetaxel")
    assert d.planned and d.due == date(2026, 2, 18) and not d.late

    thp = parse(
        WorkedCourse, read_json(ROOT / "examples" / "courses" / "metastatic_thp_lvef_hold.json")
    )
    during_hold = review_worked_course(kb, thp.model_copy(update={"as_of": date(2026, 4, 10)}))
    assert during_hold.current is not None
    h = next(n for n in during_hold.current.next_doses if n.drug == "herceptin")
    p = next(n for n in during_hold.current.next_doses if n.drug == "perjeta")
    assert h.held and h.not_before == date(2026, 4, 29)
    assert p.held  # pertuzumab follows trastuzumab
