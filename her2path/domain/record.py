"""What was read from a health record, before it becomes a patient document.

Every field may be unknown.  The FHIR adapter fills it; the order checks and the
chart summary work from it directly, because a record rarely says everything the
patient document requires (the cancer setting, for one).
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import Field

from her2path.domain.explain import Explained
from her2path.domain.her2 import Her2Result, TumourSite
from her2path.domain.patient import (
    TNM,
    LVEFReading,
    Pregnancy,
    ReceptorStatus,
    ReportedHer2,
    Setting,
    Sex,
)


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
