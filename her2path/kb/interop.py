"""Knowledge-base models for EHR interoperability: codes, value maps and order checks.

``knowledge/interop/codes.yaml`` says which LOINC / SNOMED CT / ICD-10 codes carry
which concept (a HER2 IHC score, an LVEF, a cancer diagnosis ...) and what each
coded or written answer means.  ``knowledge/interop/drugs/*.yaml`` map RxNorm codes
(ingredient, brand, clinical or branded drug) to the product and ingredient ids of
the knowledge base.  ``knowledge/interop/orders/*.yaml`` hold the order-time checks
the CDS Hooks service applies to a draft order.  The FHIR adapter matches by these
codes only, never by a declared profile.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import Field, model_validator

from her2path.kb.provenance import KBModel, Sourced

# The knowledge base may not import the domain package (the domain imports the
# knowledge-base models); these literals mirror her2path.domain.her2.
Site = Literal["breast", "gastric", "gej", "oesophageal"]
Origin = Literal["primary", "metastasis", "recurrence"]
ProcedureKind = Literal["core_biopsy", "endoscopic_biopsy", "excision", "resection"]

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"


class Concept(StrEnum):
    """What an observation measures, as far as her2path is concerned."""

    her2_ihc = "her2_ihc"
    her2_ish = "her2_ish"
    her2_ish_ratio = "her2_ish_ratio"
    her2_copies = "her2_copies"
    cep17_copies = "cep17_copies"
    cells_counted = "cells_counted"
    her2_interpretation = "her2_interpretation"
    er = "er"
    pr = "pr"
    lvef = "lvef"
    weight = "weight"
    height = "height"
    pregnancy_status = "pregnancy_status"
    hcg = "hcg"
    stage_group = "stage_group"
    t_category = "t_category"
    n_category = "n_category"
    m_category = "m_category"


class Answer(StrEnum):
    """The meaning of a coded or written result value."""

    positive = "positive"
    negative = "negative"
    equivocal = "equivocal"
    indeterminate = "indeterminate"
    her2_low = "her2_low"
    ihc_0 = "ihc_0"
    ihc_1 = "ihc_1"
    ihc_2 = "ihc_2"
    ihc_3 = "ihc_3"
    pregnant = "pregnant"
    not_pregnant = "not_pregnant"
    unknown = "unknown"


class CodeSystem(KBModel):
    """A code system and the other URIs real systems use for it."""

    id: str
    uri: str
    aliases: list[str] = Field(default_factory=list)


class ObservationCode(Sourced):
    system: str = Field(description="Code-system id from 'systems'")
    code: str
    concept: Concept
    display: str
    site: Site | None = Field(
        default=None, description="Set when the code is specific to one tumour site"
    )


class AnswerCode(Sourced):
    system: str
    code: str
    answer: Answer
    display: str


class AnswerText(Sourced):
    """A written value (compared without case and surrounding spaces)."""

    text: str
    answer: Answer


class StageCode(Sourced):
    """A coded stage group or T/N/M category and the value it stands for."""

    system: str
    code: str
    kind: str = Field(pattern=r"^(group|t|n|m)$")
    value: str = Field(description="Stage group (I..IV) or T/N/M category (cT3, pN1, cM0)")


class ConditionCode(Sourced):
    """A cancer diagnosis code: exact ``code`` or a ``prefix`` (ICD-10 families)."""

    system: str
    code: str | None = None
    prefix: str | None = None
    site: Site | None = Field(default=None, description="Primary site; null for secondaries")
    kind: str = Field(pattern=r"^(primary|secondary)$")
    display: str

    @model_validator(mode="after")
    def _code_or_prefix(self) -> ConditionCode:
        if (self.code is None) == (self.prefix is None):
            raise ValueError("give exactly one of 'code' and 'prefix'")
        if self.kind == "primary" and self.site is None:
            raise ValueError("a primary cancer code needs its site")
        return self


class UnitFactor(Sourced):
    """Converts a UCUM unit of one concept to the unit the patient document uses."""

    concept: Concept
    unit: str
    factor: float = Field(gt=0)


class SpecimenPolicy(Sourced):
    """How a HER2 result with no Specimen resource is placed (recorded as a note each time)."""

    origin: Origin
    procedure: ProcedureKind
    text: str


class ReportedCategory(Sourced):
    """The label category a laboratory's own HER2 call stands for (when no counts are given)."""

    method: str | None = Field(default=None, pattern=r"^(ihc|ish|summary)$")
    call: str | None = None
    ihc_score: str | None = None
    category: str


class InteropCodes(KBModel):
    systems: list[CodeSystem] = Field(min_length=1)
    observations: list[ObservationCode] = Field(min_length=1)
    answers: list[AnswerCode] = Field(min_length=1)
    answer_texts: list[AnswerText] = Field(default_factory=list)
    stages: list[StageCode] = Field(default_factory=list)
    conditions: list[ConditionCode] = Field(min_length=1)
    units: list[UnitFactor] = Field(default_factory=list)
    unrecorded_specimen: SpecimenPolicy
    reported_categories: list[ReportedCategory] = Field(default_factory=list)

    def kb_check(self, kb: Any) -> list[tuple[tuple[str | int, ...], str]]:
        known = {s.id for s in self.systems}
        found: list[tuple[tuple[str | int, ...], str]] = []
        groups: list[tuple[str, list[Any]]] = [
            ("observations", self.observations),
            ("answers", self.answers),
            ("stages", self.stages),
            ("conditions", self.conditions),
        ]
        for name, items in groups:
            for i, item in enumerate(items):
                if item.system not in known:
                    found.append(((name, i, "system"), f"unknown code system '{item.system}'"))
        return found


class DrugCode(Sourced):
    """One RxNorm code and what it stands for in the knowledge base."""

    code: str
    display: str
    tty: str | None = Field(default=None, description="RxNorm term type, when verified")
    product: str | None = Field(default=None, description="Product id; null = any product")
    ingredients: list[str] = Field(min_length=1, description="Ingredient (or partner) ids")


class IgnoredDrugCode(Sourced):
    code: str
    reason: str


class DrugTable(KBModel):
    id: str
    system: str = RXNORM
    codes: list[DrugCode] = Field(default_factory=list)
    ignored: list[IgnoredDrugCode] = Field(default_factory=list)


class DoseStep(Sourced):
    """One dose of a schedule: per kg or fixed, and the days to the next dose."""

    name: str = Field(description="loading or maintenance")
    mg_per_kg: float | None = Field(default=None, gt=0)
    mg: float | None = Field(default=None, gt=0)
    interval_days: int = Field(ge=1)

    @model_validator(mode="after")
    def _one_amount(self) -> DoseStep:
        if (self.mg_per_kg is None) == (self.mg is None):
            raise ValueError("give exactly one of 'mg_per_kg' and 'mg'")
        return self


class DoseSchedule(Sourced):
    id: str
    sites: list[Site] = Field(min_length=1)
    steps: list[DoseStep] = Field(min_length=1)


class LvefRule(Sourced):
    """Order-time LVEF checks of one ingredient (label section on cardiomyopathy)."""

    baseline_required: bool
    recheck_days: int | None = Field(default=None, ge=1, description="Monitoring interval")


class OrderRule(Sourced):
    """What must hold before one ingredient (or product) is ordered."""

    id: str
    ingredient: str
    products: list[str] = Field(default_factory=list, description="Empty = every product")
    her2_categories: list[str] = Field(min_length=1, description="Labelled HER2 categories")
    sites: list[Site] = Field(min_length=1, description="Labelled tumour sites")
    verify_pregnancy: bool
    requires_with: list[str] = Field(
        default_factory=list, description="Ingredients that must be given with it"
    )
    lvef: LvefRule | None = None
    schedules: list[DoseSchedule] = Field(default_factory=list)
    not_interchangeable_with: list[str] = Field(default_factory=list)


class DoseTolerance(Sourced):
    """How far an ordered dose may differ from the computed one before a card is shown."""

    percent: float = Field(gt=0, lt=50)


class PregnancyCheckPolicy(Sourced):
    """How old a pregnancy test or status may be and still count as verified before an order."""

    valid_days: int = Field(ge=0)


class OrderRules(KBModel):
    id: str
    rules: list[OrderRule] = Field(default_factory=list)
    dose_tolerance: DoseTolerance | None = None
    pregnancy_check: PregnancyCheckPolicy | None = None


class InteropKnowledge(InteropCodes):
    """The whole interoperability section: ``codes.yaml`` plus the drug and order files."""

    drug_tables: list[DrugTable] = Field(default_factory=list)
    order_rules: list[OrderRules] = Field(default_factory=list)

    def kb_check(self, kb: Any) -> list[tuple[tuple[str | int, ...], str]]:
        found = super().kb_check(kb)
        owned: dict[str, str] = {}
        for product in getattr(kb, "products", []):
            for rx in product.rxnorm:
                owned[rx.code] = f"products/{product.id}.yaml"
        ingredients = getattr(kb, "ingredients", None)
        for ing in getattr(ingredients, "ingredients", []):
            if ing.rxnorm is not None:
                owned[ing.rxnorm.code] = f"ingredients.yaml ({ing.id})"
        products = {p.id for p in getattr(kb, "products", [])}
        known_ingredients = {i.id for i in getattr(ingredients, "ingredients", [])}
        for t, table in enumerate(self.drug_tables):
            for c, code in enumerate(table.codes):
                where = ("drug_tables", t, "codes", c)
                if code.code in owned:
                    found.append((where, f"RxNorm {code.code} is already in {owned[code.code]}"))
                if products and code.product is not None and code.product not in products:
                    found.append((where, f"unknown product '{code.product}'"))
                for ing in code.ingredients:
                    if known_ingredients and ing not in known_ingredients:
                        found.append((where, f"unknown ingredient '{ing}'"))
        found += self._order_sites_match_labels(kb)
        return found

    def _order_sites_match_labels(self, kb: Any) -> list[tuple[tuple[str | int, ...], str]]:
        """The sites an order rule allows must be the sites of the product's own indications.

        The order rules repeat the labelled sites so that an order check needs no options
        engine; this keeps the two from drifting apart.
        """
        found: list[tuple[tuple[str | int, ...], str]] = []
        indications = getattr(kb, "indications", None)
        by_id = {i.id: i for i in getattr(indications, "indications", [])}
        products = {p.id: p for p in getattr(kb, "products", [])}
        if not by_id or not products:
            return found
        label_sites: dict[str, set[str]] = {}
        for pid, product in products.items():
            sites: set[str] = set()
            for pi in product.indications:
                if pi.id in by_id:
                    sites |= by_id[pi.id].sites()
            label_sites[pid] = sites
        order_sites: dict[str, set[str]] = {}
        for o, group in enumerate(self.order_rules):
            for r, rule in enumerate(group.rules):
                covered = rule.products or [
                    pid for pid, p in products.items() if rule.ingredient in p.ingredients
                ]
                allowed = {str(getattr(s, "value", s)) for s in rule.sites}
                for pid in covered:
                    if pid not in label_sites:
                        continue
                    order_sites.setdefault(pid, set()).update(allowed)
                    extra = allowed - label_sites[pid]
                    if extra:
                        found.append(
                            (
                                ("order_rules", o, "rules", r, "sites"),
                                f"{pid}: sites {sorted(extra)} are not in the product's labelled "
                                f"indications ({sorted(label_sites[pid])})",
                            )
                        )
        for pid, allowed in order_sites.items():
            missing = label_sites[pid] - allowed
            if missing:
                found.append(
                    (
                        ("order_rules",),
                        f"{pid}: labelled sites {sorted(missing)} are not allowed by any "
                        "order rule",
                    )
                )
        return found

    def drug_codes(self) -> dict[str, DrugCode]:
        return {c.code: c for t in self.drug_tables for c in t.codes}

    def ignored_drug_codes(self) -> dict[str, IgnoredDrugCode]:
        return {c.code: c for t in self.drug_tables for c in t.ignored}

    def rules(self) -> list[OrderRule]:
        return [r for t in self.order_rules for r in t.rules]

    def dose_tolerance(self) -> DoseTolerance | None:
        return next((t.dose_tolerance for t in self.order_rules if t.dose_tolerance), None)

    def pregnancy_check(self) -> PregnancyCheckPolicy | None:
        return next((t.pregnancy_check for t in self.order_rules if t.pregnancy_check), None)
