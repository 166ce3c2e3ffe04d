"""The root of the knowledge base: one field per section of :data:`loader.LAYOUT`."""

from __future__ import annotations

from pydantic import Field

from her2path.kb.adverse_events import AdverseEventKnowledge
from her2path.kb.audits import AuditKnowledge
from her2path.kb.cardiac import CardiacKnowledge
from her2path.kb.checklists import Checklist
from her2path.kb.dosing import DosingCommon
from her2path.kb.her2 import Her2Knowledge
from her2path.kb.interop import InteropKnowledge
from her2path.kb.omop import OmopKnowledge
from her2path.kb.patient_info import PatientInfo
from her2path.kb.provenance import KBModel, SourceRegistry
from her2path.kb.reproductive import ReproductiveKnowledge
from her2path.kb.schedules import RegimenSchedule
from her2path.kb.synthetic import SyntheticKnowledge
from her2path.kb.therapy import (
    IndicationKnowledge,
    IngredientKnowledge,
    Product,
    RegimenKnowledge,
    SafetyKnowledge,
)


class KBMeta(KBModel):
    """Name and version of the knowledge base; the version appears in every output."""

    name: str
    version: str = Field(pattern=r"^\d{4}\.\d{1,2}\.\d+$")
    description: str
    content_hash: str = Field(description="Hash of the YAML files, filled by the loader")

    @property
    def full_version(self) -> str:
        return f"{self.version}+{self.content_hash}"


class KnowledgeBase(KBModel):
    meta: KBMeta
    registry: SourceRegistry
    her2: Her2Knowledge
    interop: InteropKnowledge
    patient_info: PatientInfo
    dosing: DosingCommon
    schedules: list[RegimenSchedule] = Field(default_factory=list)
    cardiac: CardiacKnowledge
    ingredients: IngredientKnowledge
    products: list[Product]
    indications: IndicationKnowledge
    regimens: RegimenKnowledge
    safety: SafetyKnowledge
    reproductive: ReproductiveKnowledge
    adverse_events: AdverseEventKnowledge
    checklists: list[Checklist] = Field(default_factory=list)
    audits: AuditKnowledge
    synthetic: SyntheticKnowledge
    omop: OmopKnowledge

    @property
    def version(self) -> str:
        return self.meta.full_version
