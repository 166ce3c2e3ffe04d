"""Knowledge-base models for HER2-directed products, their indications and regimens.

* :class:`Ingredient` — one active ingredient (RxNorm ingredient code, drug classes);
* :class:`Product` — one marketed product with its route, codes and **its own**
  labelled indications (biosimilars differ from the reference product);
* :class:`Indication` — the conditions of one labelled use, as data: site, setting,
  HER2 category, line of therapy, prerequisites and required partners;
* :class:`Regimen` — the components a use is given in, and which indications it implements;
* :class:`SafetyKnowledge` — safety rules (pregnancy, heart, lungs) and LVEF start thresholds.

Every condition is a small typed record with its own sources; the engine has one
evaluator per condition kind and never hard-codes a number.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field, model_validator

from her2path.kb.her2 import ExpressionCategory
from her2path.kb.provenance import KBModel, Sourced, Verification
from her2path.kb.reproductive import Duration

Loc = tuple[str | int, ...]
ID = r"^[a-z][a-z0-9_]*$"


class DrugClass(StrEnum):
    """Classes the indication rules refer to (e.g. "prior taxane")."""

    anti_her2 = "anti_her2"
    trastuzumab = "trastuzumab"
    pertuzumab = "pertuzumab"
    antibody_drug_conjugate = "antibody_drug_conjugate"
    tyrosine_kinase_inhibitor = "tyrosine_kinase_inhibitor"
    chemotherapy = "chemotherapy"
    anthracycline = "anthracycline"
    taxane = "taxane"
    platinum = "platinum"
    fluoropyrimidine = "fluoropyrimidine"
    endocrine = "endocrine"
    immunotherapy = "immunotherapy"


class Route(StrEnum):
    iv = "iv"
    sc = "sc"
    oral = "oral"


class Site(StrEnum):
    breast = "breast"
    gastric = "gastric"
    gej = "gej"


class PatientSetting(StrEnum):
    """Mirror of :class:`her2path.domain.patient.Setting` (the KB does not import the domain)."""

    early_preoperative = "early_preoperative"
    early_postoperative = "early_postoperative"
    early_residual_disease = "early_residual_disease"
    locally_advanced = "locally_advanced"
    metastatic = "metastatic"


class TherapyScope(StrEnum):
    """Which part of the therapy history a rule counts."""

    metastatic = "metastatic"
    early = "early"
    neoadjuvant = "neoadjuvant"
    adjuvant = "adjuvant"
    any = "any"


class RxNormCode(Sourced):
    code: str = Field(pattern=r"^\d{3,8}$")
    tty: Literal["IN", "PIN", "MIN", "BN", "SCD", "SBD", "unknown"] = "unknown"
    name: str | None = None


class Ingredient(Sourced):
    id: str = Field(pattern=ID)
    name: str = Field(min_length=2)
    classes: list[DrugClass] = Field(min_length=1)
    rxnorm: RxNormCode | None = Field(
        default=None, description="RxNorm ingredient code; null when no source confirms one"
    )
    note: str | None = None


class ProductIndication(Sourced):
    """A product's own labelled use: the indication id and where its label says so."""

    id: str


class Product(Sourced):
    id: str = Field(pattern=ID)
    name: str
    brand: str
    nonproprietary: str = Field(description="Nonproprietary name with the biosimilar suffix")
    ingredients: list[str] = Field(min_length=1)
    route: Route
    label: str = Field(description="Source id of the product's own prescribing information")
    biosimilar_of: str | None = None
    interchangeable: bool = False
    rxnorm: list[RxNormCode] = Field(default_factory=list)
    must_be_given_with: list[str] = Field(
        default_factory=list,
        description="Ingredient ids one of which must be part of the same regimen",
    )
    indications: list[ProductIndication] = Field(min_length=1)

    def indication_ids(self) -> set[str]:
        return {i.id for i in self.indications}

    def kb_check(self, kb: object) -> list[tuple[Loc, str]]:
        return check_product(self, kb)


# --------------------------------------------------------------------------- conditions


class _Cond(Sourced):
    text: str = Field(min_length=3, description="The condition in words, shown to the reader")


class SiteCond(_Cond):
    kind: Literal["site"] = "site"
    sites: list[Site] = Field(min_length=1)


class SettingCond(_Cond):
    kind: Literal["setting"] = "setting"
    settings: list[PatientSetting] = Field(min_length=1)


class Her2Cond(_Cond):
    kind: Literal["her2"] = "her2"
    categories: list[ExpressionCategory] = Field(min_length=1)


class PriorRegimensCond(_Cond):
    """Count prior regimens that contain a drug of ``classes`` (empty: any systemic drug).

    ``early_recurrence_counts``: a recurrence during or within ``recurrence_window`` of
    completing (neo)adjuvant therapy of that class counts as one regimen in the
    metastatic setting, where the label says so.
    """

    kind: Literal["prior_regimens"] = "prior_regimens"
    classes: list[DrugClass] = Field(default_factory=list)
    scope: TherapyScope
    at_least: int | None = Field(default=None, ge=0)
    at_most: int | None = Field(default=None, ge=0)
    early_recurrence_counts: bool = False
    recurrence_window: Duration | None = None

    @model_validator(mode="after")
    def _bounds(self) -> PriorRegimensCond:
        if self.at_least is None and self.at_most is None:
            raise ValueError("give at_least and/or at_most")
        if self.early_recurrence_counts and self.recurrence_window is None:
            raise ValueError("early_recurrence_counts needs recurrence_window")
        return self


class PriorClassesCond(_Cond):
    """The patient has received a drug of every class in ``all_of`` (within ``scope``)."""

    kind: Literal["prior_classes"] = "prior_classes"
    all_of: list[DrugClass] = Field(min_length=1)
    scope: TherapyScope = TherapyScope.any
    progressed: bool = Field(
        default=False, description="The disease progressed on it (stopped for progression)"
    )
    completed: bool = Field(default=False, description="The therapy has ended")
    history_anthracycline_counts: bool = Field(
        default=False, description="history.anthracycline also proves anthracycline exposure"
    )


class NoEarlyAntiHer2Cond(_Cond):
    """No HER2-directed therapy has been started for early disease yet."""

    kind: Literal["no_early_anti_her2"] = "no_early_anti_her2"


class CompletionCond(_Cond):
    """HER2-directed therapy for early disease started before surgery and not yet complete."""

    kind: Literal["completion"] = "completion"
    total: Duration


class HormoneReceptorCond(_Cond):
    kind: Literal["hormone_receptor"] = "hormone_receptor"
    positive: bool


class MenopausalCond(_Cond):
    kind: Literal["menopausal"] = "menopausal"
    statuses: list[Literal["premenopausal", "perimenopausal", "postmenopausal"]] = Field(
        min_length=1
    )


class PdL1Cond(_Cond):
    kind: Literal["pdl1_cps"] = "pdl1_cps"
    at_least: float = Field(ge=0, le=100)


class AdjuvantRiskCond(_Cond):
    """Node-positive, or node-negative with ER/PR-negative disease or one high-risk feature."""

    kind: Literal["adjuvant_risk"] = "adjuvant_risk"
    size_above_mm: float = Field(gt=0)
    age_below_years: int = Field(gt=0)
    grade_at_least: int = Field(ge=1, le=3)


class NeoadjuvantExtentCond(_Cond):
    """Locally advanced, inflammatory, or early with tumour above a size or nodes positive."""

    kind: Literal["neoadjuvant_extent"] = "neoadjuvant_extent"
    size_above_mm: float = Field(gt=0)


class HighRiskCond(_Cond):
    """High risk of recurrence: met when node-positive; otherwise left to clinical judgement."""

    kind: Literal["high_risk"] = "high_risk"


class SmallNodeNegativeCond(_Cond):
    kind: Literal["small_node_negative"] = "small_node_negative"
    size_at_most_mm: float = Field(gt=0)


class StageCond(_Cond):
    kind: Literal["stage"] = "stage"
    stages: list[str] = Field(min_length=1)


Condition = Annotated[
    SiteCond
    | SettingCond
    | Her2Cond
    | PriorRegimensCond
    | PriorClassesCond
    | NoEarlyAntiHer2Cond
    | CompletionCond
    | HormoneReceptorCond
    | MenopausalCond
    | PdL1Cond
    | AdjuvantRiskCond
    | NeoadjuvantExtentCond
    | HighRiskCond
    | SmallNodeNegativeCond
    | StageCond,
    Field(discriminator="kind"),
]


class Partner(Sourced):
    """A HER2-directed partner an indication requires, and which products may fill it.

    ``labelled_for``: products whose own label lists that indication qualify;
    ``products``: products named explicitly.
    """

    ingredient: str
    labelled_for: list[str] = Field(default_factory=list)
    products: list[str] = Field(default_factory=list)
    text: str = Field(min_length=3)


class Indication(Sourced):
    """One labelled (or, where marked, trial-based) use and its conditions."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*\.[a-z0-9_]+$")
    title: str = Field(min_length=3)
    basis: Literal["label", "trial"] = "label"
    verification: Verification = Field(description="How well the indication itself is verified")
    when: list[Condition] = Field(min_length=2)
    partners: list[Partner] = Field(default_factory=list)
    note: str | None = None
    brain_metastases: str | None = Field(
        default=None, description="What the label says about brain metastases, when it does"
    )

    def sites(self) -> set[str]:
        for c in self.when:
            if isinstance(c, SiteCond):
                return {s.value for s in c.sites}
        return set()


# --------------------------------------------------------------------------- regimens


class ComponentRole(StrEnum):
    her2_directed = "her2_directed"
    chemotherapy = "chemotherapy"
    endocrine = "endocrine"
    immunotherapy = "immunotherapy"


class Component(KBModel):
    """One component: a HER2-directed ingredient (product chosen by label) or partner drugs."""

    ingredient: str | None = None
    one_of: list[str] = Field(default_factory=list, description="Partner ids, any one of them")
    role: ComponentRole
    text: str | None = None

    @model_validator(mode="after")
    def _one(self) -> Component:
        if (self.ingredient is None) == (not self.one_of):
            raise ValueError("give either 'ingredient' or 'one_of'")
        return self

    def ids(self) -> list[str]:
        return [self.ingredient] if self.ingredient else list(self.one_of)


class Phase(KBModel):
    name: str
    text: str


class Regimen(Sourced):
    id: str = Field(pattern=ID)
    name: str
    indications: list[str] = Field(min_length=1, description="Indication ids it implements")
    components: list[Component] = Field(min_length=1)
    phases: list[Phase] = Field(default_factory=list)
    continues: str | None = Field(
        default=None, description="Regimen this one continues (not a new line of therapy)"
    )

    def ingredients(self) -> list[str]:
        return [i for c in self.components for i in c.ids()]


class EndocrineAlongside(Sourced):
    """Endocrine therapy given alongside HER2-directed therapy in HR-positive disease."""

    regimens: list[str] = Field(min_length=1)
    partners: list[str] = Field(min_length=1)
    text: str = Field(min_length=3)


class Advice(Sourced):
    """A piece of advice the engine attaches when its situation arises."""

    code: str = Field(pattern=ID)
    text: str = Field(min_length=3)


class RegimenKnowledge(KBModel):
    regimens: list[Regimen] = Field(min_length=1)
    endocrine_alongside: EndocrineAlongside
    advice: list[Advice] = Field(min_length=1)

    def regimen(self, rid: str) -> Regimen:
        for r in self.regimens:
            if r.id == rid:
                return r
        raise KeyError(rid)

    def advice_for(self, code: str) -> Advice:
        for a in self.advice:
            if a.code == code:
                return a
        raise KeyError(code)

    def kb_check(self, kb: object) -> list[tuple[Loc, str]]:
        found: list[tuple[Loc, str]] = []
        ingredients = {i.id for i in getattr(getattr(kb, "ingredients", None), "ingredients", [])}
        indications = {i.id for i in getattr(getattr(kb, "indications", None), "indications", [])}
        products = getattr(kb, "products", [])
        regimens = {r.id for r in self.regimens}
        for n, r in enumerate(self.regimens):
            for j, ind in enumerate(r.indications):
                if ind not in indications:
                    found.append((("regimens", n, "indications", j), f"unknown indication '{ind}'"))
            for j, c in enumerate(r.components):
                for x in c.ids():
                    if x not in ingredients:
                        found.append(
                            (("regimens", n, "components", j), f"unknown ingredient '{x}'")
                        )
            if r.continues is not None and r.continues not in regimens:
                found.append((("regimens", n, "continues"), f"unknown regimen '{r.continues}'"))
            present = set(r.ingredients())
            for p in products:
                needs = set(p.must_be_given_with)
                if set(p.ingredients) & present and needs and not present & needs:
                    msg = f"{p.id} must be given with one of {p.must_be_given_with}"
                    found.append((("regimens", n, "components"), msg))
        for j, x in enumerate(self.endocrine_alongside.regimens):
            if x not in regimens:
                found.append((("endocrine_alongside", "regimens", j), f"unknown regimen '{x}'"))
        for j, x in enumerate(self.endocrine_alongside.partners):
            if x not in ingredients:
                found.append((("endocrine_alongside", "partners", j), f"unknown ingredient '{x}'"))
        return found


# --------------------------------------------------------------------------- safety


class SafetyTrigger(StrEnum):
    pregnant = "pregnant"
    pregnancy_unverified = "pregnancy_unverified"
    breastfeeding = "breastfeeding"
    reproductive_potential = "reproductive_potential"
    no_baseline_lvef = "no_baseline_lvef"
    prior_cardiotoxicity_stop = "prior_cardiotoxicity_stop"
    prior_anthracycline = "prior_anthracycline"
    heart_failure_history = "heart_failure_history"
    ild_history = "ild_history"
    non_interchangeable = "non_interchangeable"


class SafetyRule(Sourced):
    id: str = Field(pattern=ID)
    trigger: SafetyTrigger
    severity: Literal["block", "warn", "info"]
    ingredients: list[str] = Field(min_length=1, description="Ingredients the rule concerns")
    text: str = Field(min_length=3)
    max_age: Duration | None = Field(
        default=None, description="For checks that go stale (pregnancy test, baseline LVEF)"
    )
    same_ingredient_only: bool = Field(
        default=False,
        description="prior_cardiotoxicity_stop: concern only the ingredient that was stopped",
    )


class LvefStart(Sourced):
    """The lowest LVEF at which a product may be started, per setting."""

    id: str = Field(pattern=ID)
    products: list[str] = Field(min_length=1)
    scope: Literal["early", "metastatic", "any"]
    min_percent: float | None = Field(default=None, ge=20, le=70)
    below_lln: bool = Field(default=False, description="Below the institutional LLN fails")
    lln_fallback_percent: float | None = Field(default=None, ge=20, le=70)
    after_anthracycline_min_percent: float | None = Field(
        default=None,
        ge=20,
        le=70,
        description="Lowest LVEF when an anthracycline was given before (replaces min_percent)",
    )
    severity: Literal["block", "warn"]
    text: str = Field(min_length=3)

    @model_validator(mode="after")
    def _some(self) -> LvefStart:
        if self.min_percent is None and not self.below_lln:
            raise ValueError("give min_percent and/or below_lln")
        return self


class SafetyKnowledge(KBModel):
    rules: list[SafetyRule] = Field(min_length=1)
    lvef_start: list[LvefStart] = Field(min_length=1)

    def kb_check(self, kb: object) -> list[tuple[Loc, str]]:
        found: list[tuple[Loc, str]] = []
        ingredients = {i.id for i in getattr(getattr(kb, "ingredients", None), "ingredients", [])}
        products = {p.id for p in getattr(kb, "products", [])}
        for n, r in enumerate(self.rules):
            for j, x in enumerate(r.ingredients):
                if x not in ingredients:
                    found.append((("rules", n, "ingredients", j), f"unknown ingredient '{x}'"))
        for n, t in enumerate(self.lvef_start):
            for j, x in enumerate(t.products):
                if x not in products:
                    found.append((("lvef_start", n, "products", j), f"unknown product '{x}'"))
        return found


class IngredientKnowledge(KBModel):
    ingredients: list[Ingredient] = Field(min_length=1)

    def kb_check(self, kb: object) -> list[tuple[Loc, str]]:
        found: list[tuple[Loc, str]] = []
        seen: set[str] = set()
        for n, i in enumerate(self.ingredients):
            if i.id in seen:
                found.append((("ingredients", n, "id"), f"duplicate id '{i.id}'"))
            seen.add(i.id)
        return found


class IndicationKnowledge(KBModel):
    indications: list[Indication] = Field(min_length=1)

    def kb_check(self, kb: object) -> list[tuple[Loc, str]]:
        found: list[tuple[Loc, str]] = []
        ingredients = {i.id for i in getattr(getattr(kb, "ingredients", None), "ingredients", [])}
        products = {p.id for p in getattr(kb, "products", [])}
        ids = {i.id for i in self.indications}
        seen: set[str] = set()
        for n, ind in enumerate(self.indications):
            if ind.id in seen:
                found.append((("indications", n, "id"), f"duplicate id '{ind.id}'"))
            seen.add(ind.id)
            for j, part in enumerate(ind.partners):
                loc: Loc = ("indications", n, "partners", j)
                if part.ingredient not in ingredients:
                    found.append((loc, f"unknown ingredient '{part.ingredient}'"))
                found += [
                    (loc, f"unknown indication '{x}'") for x in part.labelled_for if x not in ids
                ]
                found += [
                    (loc, f"unknown product '{x}'") for x in part.products if x not in products
                ]
        return found


def check_product(p: Product, kb: object) -> list[tuple[Loc, str]]:
    """Cross-check one product against the ingredient and indication sections."""
    found: list[tuple[Loc, str]] = []
    ingredients = {i.id for i in getattr(getattr(kb, "ingredients", None), "ingredients", [])}
    indications = {i.id for i in getattr(getattr(kb, "indications", None), "indications", [])}
    products = {q.id for q in getattr(kb, "products", [])}
    for j, ing in enumerate(p.ingredients):
        if ing not in ingredients:
            found.append((("ingredients", j), f"unknown ingredient '{ing}'"))
    for j, ing in enumerate(p.must_be_given_with):
        if ing not in ingredients:
            found.append((("must_be_given_with", j), f"unknown ingredient '{ing}'"))
    for j, pi in enumerate(p.indications):
        if pi.id not in indications:
            found.append((("indications", j, "id"), f"unknown indication '{pi.id}'"))
    if p.biosimilar_of is not None and p.biosimilar_of not in products:
        found.append((("biosimilar_of",), f"unknown product '{p.biosimilar_of}'"))
    return found
