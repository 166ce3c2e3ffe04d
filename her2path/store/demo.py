"""Load demonstration patients into a store, idempotently (existing ids are left alone)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from her2path.adapters.validation import parse, read_json
from her2path.domain.her2 import DiseaseSetting, Her2Case
from her2path.domain.patient import Patient
from her2path.store.records import AdministeredDose
from her2path.store.repo import PatientStore

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

# A HER2 example has no patient around it; the demo gives each one a neutral frame.
_DEMO_BIRTH = "1970-01-01"


def _from_her2_case(stem: str, data: Any) -> tuple[Patient, str]:
    case = parse(Her2Case, data)
    setting = "metastatic" if case.setting is DiseaseSetting.metastatic else "early_postoperative"
    patient = parse(
        Patient,
        {
            "id": f"demo-{stem}",
            "sex": "female" if case.site.value == "breast" else "male",
            "birth_date": _DEMO_BIRTH,
            "cancer": {"site": case.site.value, "setting": setting},
            "her2_results": [r.model_dump(mode="json") for r in case.results],
        },
    )
    return patient, f"HER2 example {stem}"


def load_demo(store: PatientStore, examples: Path = EXAMPLES) -> int:
    """Store every demo patient not stored yet; returns how many were added.

    The demo set (``examples/web-demo``, with doses), the example patients of the
    assessment engine (``examples/patients``) and one patient per HER2 example.
    """
    added = 0
    for path in sorted((examples / "web-demo").glob("*.json")):
        doc = read_json(path)
        patient = parse(Patient, doc["patient"])
        if store.exists(patient.id):
            continue
        store.create(patient, doc.get("label"))
        for d in doc.get("doses", []):
            store.add_dose(patient.id, parse(AdministeredDose, d))
        added += 1
    for path in sorted((examples / "patients").glob("*.json")):
        patient = parse(Patient, read_json(path))
        if store.exists(patient.id):
            continue
        store.create(patient, f"Example {path.stem}")
        added += 1
    for path in sorted((examples / "her2").glob("*.json")):
        patient, label = _from_her2_case(path.stem, read_json(path))
        if store.exists(patient.id):
            continue
        store.create(patient, label)
        added += 1
    return added
