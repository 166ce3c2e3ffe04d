"""The patient document: everything the engine may need about one patient.

Every input adapter (JSON, FHIR, CSV/Parquet, web form) produces this model.
Facts that were not recorded stay ``None`` (unknown) and are reported as such by
the engine; nothing here fills in a default that could be mistaken for a fact.
Drug identifiers are checked against the knowledge base by
:func:`her2path.adapters.patient_json.check_against_kb`, not here, because the
domain model does not read the knowledge base.
"""

from __future__ import annotations

import datetime
from datetime import date
from enum import StrEnum

from pydantic import Field, model_validator

from her2path.domain.course import Course
from her2path.domain.events import AdverseEvent, LabResult
from her2path.domain.her2 import DomainModel, Her2Result, TumourSite


class Sex(StrEnum):
    female = "female"
    male = "male"
    other = "other"


class PregnancyStatus(StrEnum):
    pregnant = "pregnant"
    not_pregnant = "not_pregnant"
    unknown = "unknown"


class MenopausalStatus(StrEnum):
    premenopausal = "premenopausal"
    perimenopausal = "perimenopausal"
    postmenopausal = "postmenopausal"
    not_applicable = "not_applicable"


class Setting(StrEnum):
    """The clinical setting the patient is in now."""

    early_preoperative = "early_preoperative"
    early_postoperative = "early_postoperative"
    early_residual_disease = "early_residual_disease"
    locally_advanced = "locally_advanced"
    metastatic = "metastatic"


class ReceptorStatus(StrEnum):
    positive = "positive"
    low = "low"
    negative = "negative"


class NodalStatus(StrEnum):
    positive = "positive"
    negative = "negative"


class TherapySetting(StrEnum):
    """The setting a past or current therapy was given in."""

    neoadjuvant = "neoadjuvant"
    adjuvant = "adjuvant"
    extended_adjuvant = "extended_adjuvant"
    metastatic = "metastatic"


class StopReason(StrEnum):
    completed = "completed"
    progression = "progression"
    toxicity = "toxicity"
    cardiotoxicity = "cardiotoxicity"
    patient_choice = "patient_choice"
    other = "other"


class EventKind(StrEnum):
    recurrence = "recurrence"
    progression = "progression"
    metastasis_diagnosed = "metastasis_diagnosed"
    surgery = "surgery"


class Pregnancy(DomainModel):
    status: PregnancyStatus
    checked: date | None = Field(default=None, description="Date of the test or assessment")


class TNM(DomainModel):
    t: str | None = Field(
        default=None, pattern=r"^[cpy]{0,2}T(X|is|0|1mi|1a|1b|1c|1|2|3|4a|4b|4c|4d|4)$"
    )
    n: str | None = Field(
        default=None, pattern=r"^[cpy]{0,2}N(X|0|1mi|1a|1b|1c|1|2a|2b|2|3a|3b|3c|3)$"
    )
    m: str | None = Field(default=None, pattern=r"^[cp]?M(0|1|1a|1b|1c)$")


class Cancer(DomainModel):
    site: TumourSite
    setting: Setting
    diagnosis_date: date | None = None
    stage: str | None = Field(
        default=None, pattern=r"^(0|I|IA|IB|II|IIA|IIB|III|IIIA|IIIB|IIIC|IV)$"
    )
    tnm: TNM | None = None
    tumour_size_mm: float | None = Field(default=None, gt=0, le=500)
    nodal_status: NodalStatus | None = None
    grade: int | None = Field(default=None, ge=1, le=3)
    er: ReceptorStatus | None = None
    pr: ReceptorStatus | None = None
    inflammatory: bool | None = None
    brain_metastases: bool | None = None
    pdl1_cps: float | None = Field(
        default=None, ge=0, le=100, description="PD-L1 combined positive score"
    )


class LVEFReading(DomainModel):
    date: date
    percent: float = Field(ge=5, le=95, description="Left-ventricular ejection fraction, %")
    lln: float | None = Field(
        default=None, ge=30, le=70, description="Institutional lower limit of normal, %"
    )
    method: str | None = Field(default=None, description="echo, MUGA, MRI")
    symptomatic_heart_failure: bool | None = None


class Therapy(DomainModel):
    """A past or current therapy. ``drug`` is a product or ingredient id of the knowledge base."""

    drug: str = Field(min_length=1, max_length=64)
    setting: TherapySetting
    start: date
    end: date | None = None
    reason_stopped: StopReason | None = None
    regimen: str | None = Field(default=None, description="Regimen id from the knowledge base")

    @model_validator(mode="after")
    def _dates(self) -> Therapy:
        if self.end is not None and self.end < self.start:
            raise ValueError("end is before start")
        if self.reason_stopped is not None and self.end is None:
            raise ValueError("reason_stopped needs an end date")
        return self


class DiseaseEvent(DomainModel):
    kind: EventKind
    date: date
    site: str | None = None


class Anthracycline(DomainModel):
    drug: str = Field(description="doxorubicin, epirubicin, ...")
    cumulative_mg_per_m2: float | None = Field(default=None, ge=0, le=2000)
    last_dose: date | None = None


class History(DomainModel):
    interstitial_lung_disease: bool | None = Field(
        default=None, description="Interstitial lung disease or pneumonitis, ever"
    )
    heart_failure: bool | None = None
    anthracycline: Anthracycline | None = None
    no_anthracycline: bool | None = Field(
        default=None, description="True when anthracycline exposure was asked and denied"
    )


class ReportedHer2Method(StrEnum):
    ihc = "ihc"
    ish = "ish"
    summary = "summary"


class ReportedHer2Call(StrEnum):
    """A HER2 call as the laboratory wrote it (not re-derived by her2path)."""

    positive = "positive"
    negative = "negative"
    equivocal = "equivocal"
    low = "low"
    indeterminate = "indeterminate"


class ReportedHer2(DomainModel):
    """A HER2 result as reported by a source system, kept even when it cannot be re-read.

    Coded records often carry only a call ("Negative"), an IHC score or an ISH ratio,
    sometimes without a date or a specimen.  They are kept here so that nothing is
    lost; results complete enough for the interpreter also appear in ``her2_results``.
    """

    method: ReportedHer2Method
    date: datetime.date | None = None
    call: ReportedHer2Call | None = None
    ihc_score: str | None = Field(default=None, pattern=r"^(0|1\+|2\+|3\+)$")
    ish_ratio: float | None = Field(default=None, gt=0, le=100)
    her2_copies: float | None = Field(default=None, ge=0, le=200)
    cep17_copies: float | None = Field(default=None, gt=0, le=200)
    cells_counted: int | None = Field(default=None, ge=1, le=10000)
    code: str = Field(description="system|code of the source observation")
    text: str | None = Field(default=None, max_length=200)


class Patient(DomainModel):
    """One patient, as every adapter delivers it to the engine."""

    id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")
    sex: Sex
    birth_date: date
    weight_kg: float | None = Field(default=None, gt=20, le=350)
    weight_date: date | None = None
    height_cm: float | None = Field(default=None, gt=100, le=250)
    serum_creatinine_mg_dl: float | None = Field(
        default=None, gt=0.1, le=20, description="Latest serum creatinine, mg/dL"
    )
    can_become_pregnant: bool | None = None
    pregnancy: Pregnancy | None = None
    breastfeeding: bool | None = None
    menopausal_status: MenopausalStatus | None = None
    cancer: Cancer
    her2_results: list[Her2Result] = Field(default_factory=list)
    her2_reported: list[ReportedHer2] = Field(
        default_factory=list, description="HER2 results as coded by the source system"
    )
    lvef: list[LVEFReading] = Field(default_factory=list)
    therapies: list[Therapy] = Field(default_factory=list)
    events: list[DiseaseEvent] = Field(default_factory=list)
    history: History = Field(default_factory=History)
    adverse_events: list[AdverseEvent] = Field(default_factory=list)
    labs: list[LabResult] = Field(default_factory=list)
    course: Course | None = Field(default=None, description="The current treatment course")

    @model_validator(mode="after")
    def _dates_after_birth(self) -> Patient:
        dated: list[tuple[str, date | None]] = [
            ("cancer.diagnosis_date", self.cancer.diagnosis_date),
            ("weight_date", self.weight_date),
            ("pregnancy.checked", self.pregnancy.checked if self.pregnancy else None),
        ]
        dated += [(f"lvef[{i}].date", r.date) for i, r in enumerate(self.lvef)]
        dated += [(f"therapies[{i}].start", t.start) for i, t in enumerate(self.therapies)]
        dated += [(f"events[{i}].date", e.date) for i, e in enumerate(self.events)]
        dated += [(f"her2_results[{i}].date", r.date) for i, r in enumerate(self.her2_results)]
        dated += [
            (f"adverse_events[{i}].onset", e.onset) for i, e in enumerate(self.adverse_events)
        ]
        dated += [(f"labs[{i}].date", r.date) for i, r in enumerate(self.labs)]
        if self.course is not None:
            dated.append(("course.start", self.course.start))
        bad = [name for name, d in dated if d is not None and d < self.birth_date]
        if bad:
            raise ValueError(f"date before birth_date: {', '.join(bad)}")
        return self
