"""The bridge from the server to the pure engines.

The server calls only these functions, so that the engines that assess a patient
(options, exclusions, safety) and follow a course (dosing, schedule, cardiac
monitoring) can be added without touching the routes: when an engine module is
present it is used; until then the answer says plainly what is not yet assessed.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from datetime import date
from typing import Any, cast

from pydantic import BaseModel

from her2path.domain.assessment import Assessment, Unknown
from her2path.domain.her2 import DiseaseSetting, Her2Case
from her2path.domain.patient import Patient, Setting
from her2path.engine.her2 import Her2Answer, interpret
from her2path.kb.model import KnowledgeBase

AssessFn = Callable[[KnowledgeBase, Patient, date], Assessment]


def her2_case(patient: Patient) -> Her2Case:
    """The HER2 question for a patient: their site, their results, their setting."""
    setting = (
        DiseaseSetting.metastatic
        if patient.cancer.setting is Setting.metastatic
        else DiseaseSetting.early
    )
    return Her2Case(site=patient.cancer.site, results=patient.her2_results, setting=setting)


def _full_assess() -> AssessFn | None:
    try:
        module = importlib.import_module("her2path.engine.assess")
    except ImportError:
        return None
    fn = getattr(module, "assess", None)
    return cast(AssessFn, fn) if callable(fn) else None


def assess_patient(kb: KnowledgeBase, patient: Patient, as_of: date) -> Assessment:
    """The full assessment when the assessment engine is present, else HER2 status only."""
    full = _full_assess()
    if full is not None:
        return full(kb, patient, as_of)
    answer: Her2Answer = interpret(kb, her2_case(patient))
    context = {"setting": patient.cancer.setting.value, "site": patient.cancer.site.value}
    return Assessment.model_validate(
        {
            "kb_version": kb.version,
            "patient_id": patient.id,
            "as_of": as_of,
            "her2": answer,
            "options": [],
            "exclusions": [],
            "safety": [],
            "unknowns": [
                Unknown(
                    field="options",
                    needed_for="treatment options and safety checks",
                    text="Treatment options and safety checks are not assessed by this "
                    "build; only the HER2 status is shown.",
                )
            ],
            **{k: v for k, v in context.items() if k in Assessment.model_fields},
        }
    )


def _optional(module_name: str, attr: str) -> Any:
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return None
    return getattr(module, attr, None)


def course_state_model() -> type[BaseModel] | None:
    """The course engine's answer model, when the course engine is present."""
    model = _optional("her2path.engine.course", "CourseState")
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def course_state(kb: KnowledgeBase, patient: Patient, as_of: date) -> BaseModel | None:
    """The current course's state (next doses, holds, LVEF due), or None without a course.

    Raises :class:`her2path.errors.InputError` when the course names something the
    knowledge base does not know.
    """
    fn = _optional("her2path.engine.course", "course_state")
    if fn is None or getattr(patient, "course", None) is None:
        return None
    state = fn(kb, patient, as_of)
    return state if isinstance(state, BaseModel) else None
