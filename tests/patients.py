"""Helpers for tests: load an example patient (optionally changed) and assess it."""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path
from typing import Any

from her2path.adapters.patient_json import parse_patient
from her2path.domain.assessment import Assessment, Exclusion, Option
from her2path.engine.assess import assess
from her2path.kb import KnowledgeBase

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "patients"
AS_OF = date(2026, 7, 1)


def example(name: str) -> dict[str, Any]:
    path = next(EXAMPLES.glob(f"{name}*.json"))
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return copy.deepcopy(data)


def run(kb: KnowledgeBase, data: dict[str, Any], as_of: date = AS_OF) -> Assessment:
    return assess(kb, parse_patient(kb, data, as_of), as_of)


def run_example(kb: KnowledgeBase, name: str) -> Assessment:
    return run(kb, example(name))


def option(a: Assessment, regimen: str) -> Option:
    found = [o for o in a.options if o.regimen == regimen]
    assert found, f"{regimen} not offered; offered: {[o.regimen for o in a.options]}"
    return found[0]


def exclusion(a: Assessment, xid: str) -> Exclusion:
    found = [e for e in a.exclusions if e.id == xid]
    assert found, f"{xid} not excluded; excluded: {[e.id for e in a.exclusions]}"
    return found[0]


def sources_of(steps: Any) -> set[str]:
    return {s.source for step in steps for s in step.sources}
