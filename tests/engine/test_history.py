from __future__ import annotations

from datetime import date

from her2path.adapters.patient_json import parse_patient
from her2path.engine.history import build_history, count_regimens, early_recurrence
from her2path.kb import KnowledgeBase
from her2path.kb.reproductive import Duration, DurationUnit
from her2path.kb.therapy import DrugClass, TherapyScope
from tests.patients import example, run

SIX = Duration(value=6, unit=DurationUnit.months)


def history(kb: KnowledgeBase, data: dict[str, object], as_of: date = date(2026, 7, 1)):  # type: ignore[no-untyped-def]
    return build_history(kb, parse_patient(kb, data), as_of)


def test_regimen_grouping_and_continuation(kb: KnowledgeBase) -> None:
    data = example("08")
    data["therapies"].append(
        {
            "drug": "phesgo",
            "setting": "metastatic",
            "start": "2025-02-01",
            "regimen": "hp_maintenance",
        }
    )
    h = history(kb, data)
    assert count_regimens(h, [DrugClass.anti_her2], TherapyScope.metastatic) == 1


def test_early_course_counts_once(kb: KnowledgeBase) -> None:
    h = history(kb, example("09"))
    assert count_regimens(h, [DrugClass.anti_her2], TherapyScope.any) == 3
    assert count_regimens(h, [DrugClass.anti_her2], TherapyScope.metastatic) == 2


def test_early_recurrence_window_boundaries(kb: KnowledgeBase) -> None:
    data = example("10")  # adjuvant T-DM1 ended 2026-01-20
    data["events"][-1]["date"] = "2026-07-20"  # exactly 6 months: within
    data["cancer"]["diagnosis_date"] = "2024-11-01"
    h = history(kb, data, date(2026, 8, 1))
    hit, why = early_recurrence(h, [DrugClass.anti_her2], SIX)
    assert hit is True and "within 6 months" in why
    data["events"][-1]["date"] = "2026-07-21"  # one day later: not within
    h = history(kb, data, date(2026, 8, 1))
    assert early_recurrence(h, [DrugClass.anti_her2], SIX)[0] is False


def test_late_recurrence_needs_metastatic_regimen_for_tdxd(kb: KnowledgeBase) -> None:
    data = example("10")
    data["events"][-1]["date"] = "2026-07-25"
    a = run(kb, data, date(2026, 8, 1))
    assert "tdxd" in {e.id for e in a.exclusions}
