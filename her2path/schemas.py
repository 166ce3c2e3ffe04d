"""The published JSON Schemas: one name per document her2path reads or writes."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from her2path.cdshooks.models import CdsResponse
from her2path.domain.assessment import Assessment
from her2path.domain.events import AdverseEvent
from her2path.domain.her2 import Her2Case
from her2path.domain.patient import Patient
from her2path.engine.cardiac import CardiacAnswer
from her2path.engine.checklist import ChecklistAnswer
from her2path.engine.course import WorkedCourse, WorkedCourseResult
from her2path.engine.dosing import DoseAnswer, DoseRequest
from her2path.engine.events import EventAnswer
from her2path.engine.her2 import Her2Answer
from her2path.engine.late_dose import LateDoseAnswer
from her2path.engine.schedule import Schedule
from her2path.engine.windows import WindowsAnswer
from her2path.fhir.model import FhirImport

SCHEMAS: dict[str, type[BaseModel]] = {
    "her2-input": Her2Case,
    "her2-result": Her2Answer,
    "fhir-import": FhirImport,
    "cds-response": CdsResponse,
    "event-input": AdverseEvent,
    "event-result": EventAnswer,
    "checklist-result": ChecklistAnswer,
    "contraception-result": WindowsAnswer,
    "dose-input": DoseRequest,
    "dose-result": DoseAnswer,
    "late-dose-result": LateDoseAnswer,
    "schedule-result": Schedule,
    "cardiac-result": CardiacAnswer,
    "course-input": WorkedCourse,
    "course-result": WorkedCourseResult,
    "patient": Patient,
    "assessment": Assessment,
}


def schema_for(name: str) -> dict[str, Any]:
    model = SCHEMAS[name]
    schema = model.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"https://her2path.example/schemas/{name}.json"
    return schema
