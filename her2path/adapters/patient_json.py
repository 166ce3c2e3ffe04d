"""Read a patient document (JSON) into the validated :class:`Patient` model.

Every problem is reported at once, each with its field path: schema errors from the
model, drug and regimen ids the knowledge base does not know, and dates after the
assessment date.  Nothing is guessed or filled in.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from her2path.adapters.validation import problems_from, read_json
from her2path.domain.patient import Patient
from her2path.engine.course import check_course
from her2path.errors import InputError, Problem
from her2path.kb.model import KnowledgeBase
from her2path.kb.therapy import DrugClass


def known_drugs(kb: KnowledgeBase) -> set[str]:
    """Product and ingredient ids a therapy may name."""
    return {p.id for p in kb.products} | {i.id for i in kb.ingredients.ingredients}


def _drug_problem(kb: KnowledgeBase, where: str, drug: object) -> Problem | None:
    if isinstance(drug, str) and drug not in known_drugs(kb):
        return Problem(
            where,
            f"unknown drug '{drug}'; use a product id (e.g. herceptin, kadcyla) or an "
            "ingredient id (e.g. trastuzumab, paclitaxel) - see 'her2path kb check'",
        )
    return None


def _regimen_problem(kb: KnowledgeBase, where: str, regimen: object) -> Problem | None:
    known = [r.id for r in kb.regimens.regimens]
    if isinstance(regimen, str) and regimen not in known:
        return Problem(where, f"unknown regimen '{regimen}'; allowed: {', '.join(known)}")
    return None


def _raw_problems(kb: KnowledgeBase, data: Any) -> list[Problem]:
    """Id problems found in the raw document, so they are reported with schema problems."""
    found: list[Problem] = []
    if not isinstance(data, dict):
        return found
    therapies = data.get("therapies")
    if isinstance(therapies, list):
        for i, t in enumerate(therapies):
            if not isinstance(t, dict):
                continue
            for p in (
                _drug_problem(kb, f"therapies[{i}].drug", t.get("drug")),
                _regimen_problem(kb, f"therapies[{i}].regimen", t.get("regimen")),
            ):
                if p is not None:
                    found.append(p)
    return found


def check_against_kb(kb: KnowledgeBase, patient: Patient) -> list[Problem]:
    """Problems a valid document can still have: ids the knowledge base does not know."""
    found: list[Problem] = []
    for i, t in enumerate(patient.therapies):
        for p in (
            _drug_problem(kb, f"therapies[{i}].drug", t.drug),
            _regimen_problem(kb, f"therapies[{i}].regimen", t.regimen),
        ):
            if p is not None:
                found.append(p)
    products = kb.adverse_events.known_products()
    for i, ev in enumerate(patient.adverse_events):
        if ev.product not in products:
            found.append(
                Problem(
                    f"adverse_events[{i}].product",
                    f"unknown product '{ev.product}'; allowed: {', '.join(products)}",
                )
            )
    if patient.course is not None:
        found += check_course(kb, patient.course)
    a = patient.history.anthracycline
    if a is not None:
        by_id = {i.id: i for i in kb.ingredients.ingredients}
        ing = by_id.get(a.drug)
        if ing is None or DrugClass.anthracycline not in ing.classes:
            names = sorted(i.id for i in by_id.values() if DrugClass.anthracycline in i.classes)
            found.append(
                Problem(
                    "history.anthracycline.drug",
                    f"'{a.drug}' is not an anthracycline; allowed: {', '.join(names)}",
                )
            )
    return found


def check_dates(patient: Patient, as_of: date) -> list[Problem]:
    """Recorded dates after the assessment date cannot be facts yet."""
    dated: list[tuple[str, date | None]] = [
        ("birth_date", patient.birth_date),
        ("cancer.diagnosis_date", patient.cancer.diagnosis_date),
        ("pregnancy.checked", patient.pregnancy.checked if patient.pregnancy else None),
    ]
    dated += [(f"lvef[{i}].date", r.date) for i, r in enumerate(patient.lvef)]
    dated += [(f"therapies[{i}].start", t.start) for i, t in enumerate(patient.therapies)]
    dated += [(f"events[{i}].date", e.date) for i, e in enumerate(patient.events)]
    dated += [(f"her2_results[{i}].date", r.date) for i, r in enumerate(patient.her2_results)]
    dated += [(f"adverse_events[{i}].onset", e.onset) for i, e in enumerate(patient.adverse_events)]
    dated += [(f"labs[{i}].date", r.date) for i, r in enumerate(patient.labs)]
    return [
        Problem(name, f"{d.isoformat()} is after the assessment date {as_of.isoformat()}")
        for name, d in dated
        if d is not None and d > as_of
    ]


def parse_patient(kb: KnowledgeBase, data: Any, as_of: date | None = None) -> Patient:
    """Validate a patient document; raise :class:`InputError` listing every problem."""
    problems = _raw_problems(kb, data)
    try:
        patient = Patient.model_validate(data)
    except ValidationError as exc:
        raise InputError(problems_from(exc) + problems) from None
    problems = check_against_kb(kb, patient)
    if as_of is not None:
        problems += check_dates(patient, as_of)
    if problems:
        raise InputError(problems)
    return patient


def read_patient(kb: KnowledgeBase, path: Path, as_of: date | None = None) -> Patient:
    return parse_patient(kb, read_json(path), as_of)
