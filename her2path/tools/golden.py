"""Regenerate the golden outputs of the bundled examples and the published schemas.

Run with ``make golden``; review the diff before committing: a change to a golden
file is a change to what her2path tells clinicians.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from her2path.adapters.patient_json import read_patient
from her2path.adapters.validation import parse, read_json
from her2path.domain.events import AdverseEvent
from her2path.domain.her2 import Her2Case
from her2path.domain.patient import Patient
from her2path.engine.assess import assess
from her2path.engine.checklist import pretreatment_checklist
from her2path.engine.course import WorkedCourse, review_worked_course
from her2path.engine.events import manage_event
from her2path.engine.her2 import interpret
from her2path.kb import KnowledgeBase, load_default
from her2path.schemas import SCHEMAS, schema_for

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden"
SCHEMA_DIR = ROOT / "docs" / "schemas"
PATIENTS = ROOT / "examples" / "patients"
#: The date the example patients are assessed on (they are written as of this date).
AS_OF = date(2026, 7, 1)
KB_PLACEHOLDER = "<kb-version>"


def her2_golden(kb: KnowledgeBase, example: Path) -> str:
    """The golden text for one HER2 example (the answer as indented JSON)."""
    answer = interpret(kb, parse(Her2Case, read_json(example)))
    data = normalise(json.loads(answer.model_dump_json()))
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def fhir_golden(kb: KnowledgeBase, example: Path) -> str:
    """The golden text for one FHIR example (the import result as indented JSON)."""
    from her2path.fhir import import_fhir

    text = import_fhir(kb, read_json(example)).model_dump_json(indent=2) + "\n"
    return text.replace(kb.version, KB_PLACEHOLDER)


def cds_golden(kb: KnowledgeBase, example: Path) -> str:
    """The golden text for one CDS Hooks request (the cards, on a fixed date)."""
    from datetime import date

    from her2path.cdshooks.models import HookRequest
    from her2path.cdshooks.service import ORDER_SELECT, ORDER_SIGN, PATIENT_VIEW, respond
    from her2path.fhir.resources import walk_resources

    body = HookRequest.model_validate(read_json(example))
    service = {"patient-view": PATIENT_VIEW, "order-select": ORDER_SELECT}.get(
        body.hook, ORDER_SIGN
    )
    resources = list(walk_resources(body.prefetch or {}))
    answer = respond(kb, service, body, resources, {}, date(2026, 11, 22))
    text = answer.model_dump_json(indent=2, exclude_none=True) + "\n"
    return text.replace(kb.version, KB_PLACEHOLDER)


def normalise(value: Any) -> Any:
    """Replace every ``kb_version`` value by a placeholder (see decision 0105)."""
    if isinstance(value, dict):
        return {
            k: (KB_PLACEHOLDER if k == "kb_version" else normalise(v)) for k, v in value.items()
        }
    if isinstance(value, list):
        return [normalise(v) for v in value]
    return value


def course_golden(kb: KnowledgeBase, example: Path) -> str:
    """The golden text for one worked course (examples/courses), version replaced."""
    result = review_worked_course(kb, parse(WorkedCourse, read_json(example)))
    data = normalise(json.loads(result.model_dump_json()))
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def assessment_golden(kb: KnowledgeBase, example: Path) -> str:
    """The golden text for one example patient, assessed as of :data:`AS_OF`."""
    a = assess(kb, read_patient(kb, example, AS_OF), AS_OF)
    data = normalise(json.loads(a.model_dump_json()))
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def patient_examples() -> list[Path]:
    return sorted(PATIENTS.glob("*.json"))


def event_golden(kb: KnowledgeBase, example: Path) -> str:
    """The golden text for one adverse-event example: ``{"as_of", "event"}``."""
    doc = read_json(example)
    answer = manage_event(kb, parse(AdverseEvent, doc["event"]), date.fromisoformat(doc["as_of"]))
    data = normalise(json.loads(answer.model_dump_json()))
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def checklist_golden(kb: KnowledgeBase, example: Path) -> str:
    """The golden text for one checklist example: ``{"product", "as_of", "patient"}``."""
    doc = read_json(example)
    patient = parse(Patient, doc["patient"])
    answer = pretreatment_checklist(kb, doc["product"], patient, date.fromisoformat(doc["as_of"]))
    data = normalise(json.loads(answer.model_dump_json()))
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def schema_text(name: str) -> str:
    return json.dumps(schema_for(name), indent=2) + "\n"


#: golden set name -> (examples folder, renderer); other concerns add their own entries.
GOLDEN_SETS: dict[str, tuple[Path, Callable[[KnowledgeBase, Path], str]]] = {
    "her2": (ROOT / "examples" / "her2", her2_golden),
    "fhir": (ROOT / "examples" / "fhir", fhir_golden),
    "cds": (ROOT / "examples" / "cds", cds_golden),
    "courses": (ROOT / "examples" / "courses", course_golden),
    "assessments": (PATIENTS, assessment_golden),
    "events": (ROOT / "examples" / "events", event_golden),
    "checklists": (ROOT / "examples" / "checklists", checklist_golden),
}


def regenerate() -> list[Path]:
    kb = load_default()
    written: list[Path] = []
    for name, (folder, render) in GOLDEN_SETS.items():
        target = GOLDEN / name
        target.mkdir(parents=True, exist_ok=True)
        for example in sorted(folder.glob("*.json")):
            path = target / example.name
            path.write_text(render(kb, example), encoding="utf-8")
            written.append(path)
    SCHEMA_DIR.mkdir(parents=True, exist_ok=True)
    for name in SCHEMAS:
        path = SCHEMA_DIR / f"{name}.json"
        path.write_text(schema_text(name), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for p in regenerate():
        print(p.relative_to(ROOT))
