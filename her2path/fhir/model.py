"""What the FHIR adapter returns: the facts it read, the patient document, and what it left out."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import Field

from her2path.domain.explain import Explained
from her2path.domain.her2 import Her2Result, TumourSite
from her2path.domain.patient import (
    TNM,
    LVEFReading,
    Patient,
    Pregnancy,
    ReceptorStatus,
    ReportedHer2,
    Setting,
    Sex,
    Therapy,
)


class IgnoredItem(Explained):
    """A resource (or part of one) the adapter did not use, and why."""

    resource: str = Field(description="Type/id of the resource")
    code: str | None = Field(default=None, description="system|code that was looked at")
    reason: str


class ImportNote(Explained):
    """Something the adapter did that a reader should know (an assumption, a choice)."""

    resource: str
    text: str


class MissingFact(Explained):
    """A fact the patient document needs that the record does not give."""

    field: str
    text: str


class ExposureKind(StrEnum):
    request = "request"
    administration = "administration"
    statement = "statement"


class DrugExposure(Explained):
    """One medication resource, normalised to knowledge-base ids."""

    resource: str
    kind: ExposureKind
    status: str | None
    code: str
    display: str | None
    product: str | None
    ingredients: list[str]
    start: date | None
    end: date | None = None
    dose_mg: float | None = None
    stop_reason: str | None = None


class ImportedFacts(Explained):
    """Everything read from the record; every field may be unknown."""

    patient_id: str | None = None
    sex: Sex | None = None
    birth_date: date | None = None
    site: TumourSite | None = None
    diagnosis_date: date | None = None
    metastatic: bool | None = Field(
        default=None, description="True when a secondary cancer, stage IV or M1 is recorded"
    )
    metastatic_since: date | None = None
    stage: str | None = None
    tnm: TNM | None = None
    er: ReceptorStatus | None = None
    pr: ReceptorStatus | None = None
    her2_results: list[Her2Result] = Field(default_factory=list)
    her2_reported: list[ReportedHer2] = Field(default_factory=list)
    lvef: list[LVEFReading] = Field(default_factory=list)
    weight_kg: float | None = None
    weight_date: date | None = None
    height_cm: float | None = None
    pregnancy: Pregnancy | None = None
    exposures: list[DrugExposure] = Field(default_factory=list)

    @property
    def setting(self) -> Setting | None:
        return Setting.metastatic if self.metastatic else None


class FhirImport(Explained):
    """The result of reading FHIR input: the patient document when it can be built."""

    kb_version: str
    patient: Patient | None
    facts: ImportedFacts
    therapies: list[Therapy] = Field(default_factory=list)
    missing: list[MissingFact] = Field(default_factory=list)
    ignored: list[IgnoredItem] = Field(default_factory=list)
    notes: list[ImportNote] = Field(default_factory=list)
