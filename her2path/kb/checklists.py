"""Knowledge-base models for the pre-treatment checklist of each product label.

One file per product under ``knowledge/checklists/``.  Each item names a
``check`` the engine knows how to evaluate against the patient document, and
the parameters the label gives (for example the HER2 categories the indication
requires, or how recent a baseline LVEF must be).  Where the label gives no time
window, none is stored, and the engine says so instead of assuming one.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, model_validator

from her2path.kb.her2 import ExpressionCategory
from her2path.kb.provenance import KBModel, Sourced


class CheckKind(StrEnum):
    her2_category = "her2_category"
    lvef_recorded = "lvef_recorded"
    pregnancy_status = "pregnancy_status"
    labs_recorded = "labs_recorded"
    pdl1_cps = "pdl1_cps"


class LabTest(StrEnum):
    """Laboratory tests a checklist may ask for (values live in the patient document)."""

    alt = "alt"
    ast = "ast"
    bilirubin = "bilirubin"
    platelets = "platelets"
    neutrophils = "neutrophils"
    creatinine = "creatinine"


class ChecklistItem(Sourced):
    id: str = Field(pattern=r"^[a-z0-9_]+(\.[a-z0-9_]+)+$")
    check: CheckKind
    text: str = Field(min_length=3)
    her2_categories: list[ExpressionCategory] = Field(default_factory=list)
    max_age_days: int | None = Field(
        default=None, ge=0, le=365, description="How recent the result must be, if the label says"
    )
    at_least_lln: bool = Field(
        default=False, description="LVEF must be at or above the institutional lower limit"
    )
    labs: list[LabTest] = Field(default_factory=list)
    min_value: float | None = None

    @model_validator(mode="after")
    def _params(self) -> ChecklistItem:
        if self.check is CheckKind.her2_category and not self.her2_categories:
            raise ValueError("a her2_category item needs her2_categories")
        if self.check is CheckKind.labs_recorded and not self.labs:
            raise ValueError("a labs_recorded item needs labs")
        if self.check is CheckKind.pdl1_cps and self.min_value is None:
            raise ValueError("a pdl1_cps item needs min_value")
        return self


class Checklist(KBModel):
    product: str = Field(pattern=r"^[a-z0-9_]+$")
    items: list[ChecklistItem] = Field(min_length=1)

    def kb_check(self, kb: object) -> list[tuple[tuple[str | int, ...], str]]:
        known = {p.id for p in getattr(kb, "products", [])}
        if known and self.product not in known:
            return [(("product",), f"unknown product id '{self.product}'")]
        return []

    @model_validator(mode="after")
    def _unique(self) -> Checklist:
        ids = [i.id for i in self.items]
        if len(ids) != len(set(ids)):
            raise ValueError("duplicate checklist item ids")
        return self
