"""A tiny reader for simple FHIR Shorthand instances (test helper, not a SUSHI replacement).

It turns the ``Instance:`` blocks of the mCODE example FSH into R4-like dicts for the
few elements the FHIR adapter reads: codes and values, dates, subject, status, gender,
birth date and stage summary. Anything else is left out.
"""

from __future__ import annotations

import re
from typing import Any

ALIASES = {
    "LNC": "http://loinc.org",
    "SCT": "http://snomed.info/sct",
    "RXN": "http://www.nlm.nih.gov/research/umls/rxnorm",
}
KINDS = {
    "CancerPatient": "Patient",
    "PrimaryCancerCondition": "Condition",
    "SecondaryCancerCondition": "Condition",
    "USCoreCondition": "Condition",
    "TumorMarkerTest": "Observation",
    "TNMStageGroup": "Observation",
    "TNMPrimaryTumorCategory": "Observation",
    "TNMRegionalNodesCategory": "Observation",
    "TNMDistantMetastasesCategory": "Observation",
    "ECOGPerformanceStatus": "Observation",
    "http://hl7.org/fhir/StructureDefinition/bodyweight": "Observation",
    "http://hl7.org/fhir/StructureDefinition/bodyheight": "Observation",
    "CancerRelatedMedicationRequest": "MedicationRequest",
    "CancerRelatedMedicationAdministration": "MedicationAdministration",
}
# Codes that the profile fixes (SUSHI writes them into the instance).
FIXED = {
    "http://hl7.org/fhir/StructureDefinition/bodyweight": "29463-7",
    "http://hl7.org/fhir/StructureDefinition/bodyheight": "8302-2",
}
_CODE = re.compile(r'^([A-Za-z]+)#([^\s"]+)(?:\s+"([^"]*)")?')
_QTY = re.compile(r"^([0-9.]+)\s+'([^']+)'")


def _concept(text: str) -> dict[str, Any] | None:
    m = _CODE.match(text)
    if not m or m.group(1) not in ALIASES:
        return None
    coding = {"system": ALIASES[m.group(1)], "code": m.group(2)}
    if m.group(3):
        coding["display"] = m.group(3)
    return {"coding": [coding]}


def read_instances(text: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    for raw in text.splitlines():
        line = raw.split("//")[0].rstrip() if "://" not in raw else raw.rstrip()
        if line.startswith("Instance:"):
            current = {"id": line.split(":", 1)[1].strip()}
            found.append(current)
            continue
        if current is None:
            continue
        if line.startswith("InstanceOf:"):
            profile = line.split(":", 1)[1].strip()
            kind = KINDS.get(profile)
            if kind:
                current["resourceType"] = kind
            if profile in FIXED:
                current["code"] = {"coding": [{"system": ALIASES["LNC"], "code": FIXED[profile]}]}
            continue
        if not line.startswith("* ") or " = " not in line:
            continue
        path, value = (p.strip() for p in line[2:].split(" = ", 1))
        if path in ("code", "valueCodeableConcept", "medicationCodeableConcept"):
            cc = _concept(value)
            if cc:
                current[path] = cc
        elif path == "stage.summary":
            cc = _concept(value)
            if cc:
                current["stage"] = [{"summary": cc}]
        elif path == "valueQuantity":
            m = _QTY.match(value)
            if m:
                current[path] = {"value": float(m.group(1)), "code": m.group(2)}
        elif path in (
            "effectiveDateTime",
            "onsetDateTime",
            "authoredOn",
            "birthDate",
            "recordedDate",
        ):
            current[path] = value.strip('"')
        elif path == "effectivePeriod.start":
            current.setdefault("effectivePeriod", {})["start"] = value.strip('"')
        elif path in ("status", "gender"):
            current[path] = value.split()[0].lstrip("#")
        elif path == "subject":
            m2 = re.match(r"Reference\(([^)]+)\)", value)
            if m2:
                current["subject"] = {"reference": f"Patient/{m2.group(1)}"}
    return [r for r in found if "resourceType" in r]
