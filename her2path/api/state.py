"""What every request handler shares: settings, knowledge base, database, store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from fastapi import Request
from pydantic import BaseModel

from her2path.adapters.patient_json import check_against_kb, known_drugs
from her2path.api.security import salted_ref
from her2path.domain.assessment import Assessment
from her2path.domain.patient import Patient
from her2path.errors import Problem
from her2path.kb.model import KnowledgeBase
from her2path.settings import Settings
from her2path.store.db import Database
from her2path.store.repo import Checker, PatientStore, StoredPatient


@dataclass
class AppState:
    settings: Settings
    kb: KnowledgeBase
    db: Database
    store: PatientStore

    def patient_ref(self, patient_id: str) -> str:
        return salted_ref(self.settings.log_salt, patient_id)

    def audit_assessment(
        self, channel: str, patient: Patient, as_of: date, assessment: Assessment
    ) -> None:
        """Record that an assessment was shown or returned (input, hashes, kb version)."""
        self.store.audit(
            channel=channel,
            action="assessment",
            patient_ref=self.patient_ref(patient.id),
            kb_version=assessment.kb_version,
            input_doc={"as_of": as_of.isoformat(), "patient": patient.model_dump(mode="json")},
            output=assessment,
        )

    def audit_other(
        self, channel: str, action: str, input_doc: Any, output: BaseModel, kb_version: str
    ) -> None:
        self.store.audit(
            channel=channel,
            action=action,
            patient_ref=None,
            kb_version=kb_version,
            input_doc=input_doc,
            output=output,
        )


def kb_checker(kb: KnowledgeBase) -> Checker:
    """Ids in a stored patient (therapies, course, doses) must be known to the knowledge base."""
    dose_ids = known_drugs(kb) | {d.id for d in kb.dosing.drugs}

    def check(stored: StoredPatient) -> list[Problem]:
        found = check_against_kb(kb, stored.patient)
        for i, d in enumerate(stored.doses):
            if d.product not in dose_ids:
                found.append(
                    Problem(
                        f"doses[{i}].product",
                        f"unknown drug '{d.product}'; allowed: {', '.join(sorted(dose_ids))}",
                    )
                )
        return found

    return check


def app_state(request: Request) -> AppState:
    state: AppState = request.app.state.her2path
    return state
