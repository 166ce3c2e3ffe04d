"""The options engine: which labelled HER2-directed regimens fit this patient now, and why.

Every regimen in the knowledge base implements one or more indications.  Each
indication is a list of conditions; each condition kind has one evaluator here that
returns met / not met / unknown together with the patient fact it looked at.

* all conditions of an indication met -> an :class:`Option` (with the products whose
  own label allows each component);
* some condition not met -> an :class:`Exclusion` naming the failed conditions;
* nothing failed but a fact is missing -> *undecided*, with the missing fact listed.

No number appears here: every threshold and window comes from the condition record.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from her2path.domain.assessment import (
    Component,
    Condition,
    Exclusion,
    LineSummary,
    Option,
    ProductChoice,
    Unknown,
)
from her2path.domain.explain import Note, RuleStep, Severity
from her2path.domain.patient import (
    NodalStatus,
    Patient,
    ReceptorStatus,
    Setting,
    Sex,
    TherapySetting,
)
from her2path.engine.her2 import Her2Answer
from her2path.engine.history import (
    History,
    count_regimens,
    early_recurrence,
    matches,
)
from her2path.kb.her2 import ExpressionCategory
from her2path.kb.model import KnowledgeBase
from her2path.kb.therapy import (
    AdjuvantRiskCond,
    CompletionCond,
    ComponentRole,
    DrugClass,
    Her2Cond,
    HighRiskCond,
    HormoneReceptorCond,
    Indication,
    MenopausalCond,
    NeoadjuvantExtentCond,
    NoEarlyAntiHer2Cond,
    PdL1Cond,
    PriorClassesCond,
    PriorRegimensCond,
    Product,
    Regimen,
    SettingCond,
    SiteCond,
    SmallNodeNegativeCond,
    StageCond,
    TherapyScope,
)
from her2path.kb.therapy import (
    Condition as CondDef,
)

EARLY_SETTINGS = (
    Setting.early_preoperative,
    Setting.early_postoperative,
    Setting.early_residual_disease,
)


@dataclass(frozen=True)
class Facts:
    """The patient facts the rules read, derived once per assessment."""

    patient: Patient
    as_of: date
    her2: Her2Answer
    history: History

    @property
    def category(self) -> ExpressionCategory:
        return self.her2.expression_category

    @property
    def age(self) -> int:
        b = self.patient.birth_date
        a = self.as_of
        return a.year - b.year - ((a.month, a.day) < (b.month, b.day))

    @property
    def hr_positive(self) -> bool | None:
        """ER or PR positive (ER-low counts as positive); None when not decidable."""
        c = self.patient.cancer
        values = [c.er, c.pr]
        if any(v in (ReceptorStatus.positive, ReceptorStatus.low) for v in values):
            return True
        if all(v is ReceptorStatus.negative for v in values):
            return False
        return None

    def hr_text(self) -> str:
        c = self.patient.cancer
        er = c.er.value if c.er else "unknown"
        pr = c.pr.value if c.pr else "unknown"
        return f"ER {er}, PR {pr}"


@dataclass(frozen=True)
class Result:
    """The outcome of one condition: met (True/False) or unknown (None)."""

    met: bool | None
    fact: str
    field: str | None = None


Evaluator = Callable[[CondDef, Facts], Result]


def _site(c: CondDef, f: Facts) -> Result:
    assert isinstance(c, SiteCond)
    site = f.patient.cancer.site.value
    return Result(site in c.sites, f"site: {site}")


def _setting(c: CondDef, f: Facts) -> Result:
    assert isinstance(c, SettingCond)
    s = f.patient.cancer.setting.value
    return Result(s in c.settings, f"setting: {s}")


def _her2(c: CondDef, f: Facts) -> Result:
    assert isinstance(c, Her2Cond)
    cat = f.category
    fact = f"HER2 {f.her2.status.value}, category {cat.value}"
    if cat is ExpressionCategory.not_determinable:
        return Result(None, fact + " (testing not complete)", "her2_results")
    return Result(cat in c.categories, fact)


def _prior_regimens(c: CondDef, f: Facts) -> Result:
    assert isinstance(c, PriorRegimensCond)
    n = count_regimens(f.history, c.classes, c.scope)
    what = "/".join(x.value for x in c.classes) or "systemic"
    fact = f"{n} prior {what} regimen(s) ({c.scope.value})"
    if c.early_recurrence_counts and c.recurrence_window is not None:
        hit, why = early_recurrence(f.history, c.classes, c.recurrence_window)
        if hit:
            n += 1
            fact += f"; counts one more: {why}"
    ok = (c.at_least is None or n >= c.at_least) and (c.at_most is None or n <= c.at_most)
    return Result(ok, fact)


def _prior_classes(c: CondDef, f: Facts) -> Result:
    assert isinstance(c, PriorClassesCond)
    groups = f.history.in_scope(c.scope)
    missing: list[str] = []
    seen: list[str] = []
    for cls in c.all_of:
        hits = [
            g
            for g in groups
            if cls in g.classes
            and (g.progressed or not c.progressed)
            and (not c.completed or (g.end is not None and g.end <= f.as_of))
        ]
        if (
            not hits
            and cls is DrugClass.anthracycline
            and c.history_anthracycline_counts
            and f.patient.history.anthracycline is not None
        ):
            seen.append(f"anthracycline ({f.patient.history.anthracycline.drug}, history)")
            continue
        if hits:
            seen.append(f"{cls.value}: {hits[0].label()}")
        else:
            missing.append(cls.value)
    verb = "progressed on" if c.progressed else "completed" if c.completed else "received"
    if missing:
        return Result(False, f"not {verb} ({c.scope.value}): {', '.join(missing)}")
    return Result(True, f"{verb}: " + "; ".join(seen))


def _early_anti_her2(f: Facts) -> list[str]:
    return [g.label() for g in f.history.groups if g.early and DrugClass.anti_her2 in g.classes]


def _no_early_anti_her2(c: CondDef, f: Facts) -> Result:
    assert isinstance(c, NoEarlyAntiHer2Cond)
    started = _early_anti_her2(f)
    if started:
        return Result(False, "already started: " + "; ".join(started))
    return Result(True, "no HER2-directed therapy for early disease recorded")


def _completion(c: CondDef, f: Facts) -> Result:
    assert isinstance(c, CompletionCond)
    neo = [
        g
        for g in f.history.groups
        if g.setting is TherapySetting.neoadjuvant and DrugClass.anti_her2 in g.classes
    ]
    if not neo:
        return Result(False, "no pre-operative HER2-directed therapy recorded")
    first = min(g.start for g in f.history.groups if g.early and DrugClass.anti_her2 in g.classes)
    done = c.total.after(first)
    weeks = (f.as_of - first).days // 7
    fact = f"HER2-directed therapy since {first.isoformat()} ({weeks} weeks); {c.total} ends {done}"
    return Result(f.as_of < done, fact)


def _hormone_receptor(c: CondDef, f: Facts) -> Result:
    assert isinstance(c, HormoneReceptorCond)
    hr = f.hr_positive
    if hr is None:
        return Result(None, f.hr_text(), "cancer.er")
    return Result(hr is c.positive, f.hr_text())


def _menopausal(c: CondDef, f: Facts) -> Result:
    assert isinstance(c, MenopausalCond)
    m = f.patient.menopausal_status
    if f.patient.sex is Sex.male:
        return Result(False, "male patient (the indication names women by menopausal status)")
    if m is None:
        return Result(None, "menopausal status not recorded", "menopausal_status")
    return Result(m.value in c.statuses, f"menopausal status: {m.value}")


def _pdl1(c: CondDef, f: Facts) -> Result:
    assert isinstance(c, PdL1Cond)
    cps = f.patient.cancer.pdl1_cps
    if cps is None:
        return Result(None, "PD-L1 CPS not recorded", "cancer.pdl1_cps")
    return Result(cps >= c.at_least, f"PD-L1 CPS {cps:g}")


def _size(f: Facts) -> str:
    s = f.patient.cancer.tumour_size_mm
    return f"tumour {s:g} mm" if s is not None else "tumour size unknown"


def _adjuvant_risk(c: CondDef, f: Facts) -> Result:
    assert isinstance(c, AdjuvantRiskCond)
    ca = f.patient.cancer
    if ca.nodal_status is NodalStatus.positive:
        return Result(True, "node-positive")
    if ca.nodal_status is None:
        return Result(None, "nodal status not recorded", "cancer.nodal_status")
    hr = f.hr_positive
    if hr is False:
        return Result(True, f"node-negative, {f.hr_text()}")
    if hr is None:
        return Result(None, f"node-negative, {f.hr_text()}", "cancer.er")
    features: list[bool | None] = [
        None if ca.tumour_size_mm is None else ca.tumour_size_mm > c.size_above_mm,
        f.age < c.age_below_years,
        None if ca.grade is None else ca.grade >= c.grade_at_least,
    ]
    fact = f"node-negative, {f.hr_text()}, {_size(f)}, age {f.age}, grade {ca.grade or 'unknown'}"
    if any(x is True for x in features):
        return Result(True, fact)
    if any(x is None for x in features):
        field_ = "cancer.tumour_size_mm" if ca.tumour_size_mm is None else "cancer.grade"
        return Result(None, fact, field_)
    return Result(False, fact + " (no high-risk feature)")


def _neoadjuvant_extent(c: CondDef, f: Facts) -> Result:
    assert isinstance(c, NeoadjuvantExtentCond)
    ca = f.patient.cancer
    if ca.setting is Setting.locally_advanced:
        return Result(True, "locally advanced disease")
    if ca.inflammatory:
        return Result(True, "inflammatory breast cancer")
    if ca.nodal_status is NodalStatus.positive:
        return Result(True, "node-positive")
    if ca.tumour_size_mm is not None and ca.tumour_size_mm > c.size_above_mm:
        return Result(True, _size(f))
    if ca.nodal_status is None:
        return Result(None, f"{_size(f)}, nodal status not recorded", "cancer.nodal_status")
    if ca.tumour_size_mm is None:
        return Result(None, "node-negative, tumour size not recorded", "cancer.tumour_size_mm")
    return Result(False, f"node-negative, {_size(f)}")


def _high_risk(c: CondDef, f: Facts) -> Result:
    assert isinstance(c, HighRiskCond)
    ns = f.patient.cancer.nodal_status
    if ns is NodalStatus.positive:
        return Result(True, "node-positive")
    if ns is None:
        return Result(None, "nodal status not recorded", "cancer.nodal_status")
    return Result(
        None, "node-negative: high risk of recurrence is a clinical judgement", "clinical_judgement"
    )


def _small_node_negative(c: CondDef, f: Facts) -> Result:
    assert isinstance(c, SmallNodeNegativeCond)
    ca = f.patient.cancer
    if ca.nodal_status is NodalStatus.positive:
        return Result(False, "node-positive")
    if ca.tumour_size_mm is not None and ca.tumour_size_mm > c.size_at_most_mm:
        return Result(False, _size(f))
    if ca.nodal_status is None:
        return Result(None, "nodal status not recorded", "cancer.nodal_status")
    if ca.tumour_size_mm is None:
        return Result(None, "tumour size not recorded", "cancer.tumour_size_mm")
    return Result(True, f"node-negative, {_size(f)}")


def _stage(c: CondDef, f: Facts) -> Result:
    assert isinstance(c, StageCond)
    st = f.patient.cancer.stage
    if st is None:
        return Result(None, "stage not recorded", "cancer.stage")
    return Result(st in c.stages, f"stage {st}")


EVALUATORS: dict[str, Evaluator] = {
    "site": _site,
    "setting": _setting,
    "her2": _her2,
    "prior_regimens": _prior_regimens,
    "prior_classes": _prior_classes,
    "no_early_anti_her2": _no_early_anti_her2,
    "completion": _completion,
    "hormone_receptor": _hormone_receptor,
    "menopausal": _menopausal,
    "pdl1_cps": _pdl1,
    "adjuvant_risk": _adjuvant_risk,
    "neoadjuvant_extent": _neoadjuvant_extent,
    "high_risk": _high_risk,
    "small_node_negative": _small_node_negative,
    "stage": _stage,
}


def evaluate(cond: CondDef, facts: Facts) -> Result:
    return EVALUATORS[cond.kind](cond, facts)


# --------------------------------------------------------------------------- indexes


@dataclass
class Catalogue:
    """Look-ups over the knowledge base, built once per knowledge base."""

    products: dict[str, Product]
    indications: dict[str, Indication]
    regimens: dict[str, Regimen]
    labelled: dict[str, list[Product]] = field(default_factory=dict)
    regimen_products: dict[str, list[str]] = field(default_factory=dict)
    sites: dict[str, set[str]] = field(default_factory=dict)
    components: dict[tuple[str, str], list[Component]] = field(default_factory=dict)
    site_exclusions: dict[tuple[str, str], Exclusion] = field(default_factory=dict)


_CATALOGUES: dict[int, tuple[KnowledgeBase, Catalogue]] = {}


def catalogue(kb: KnowledgeBase) -> Catalogue:
    hit = _CATALOGUES.get(id(kb))
    if hit is not None and hit[0] is kb:
        return hit[1]
    cat = Catalogue(
        products={p.id: p for p in kb.products},
        indications={i.id: i for i in kb.indications.indications},
        regimens={r.id: r for r in kb.regimens.regimens},
    )
    for p in kb.products:
        for pi in p.indications:
            cat.labelled.setdefault(pi.id, []).append(p)
    cat.sites = {i.id: i.sites() for i in kb.indications.indications}
    for r in kb.regimens.regimens:
        ids = set(r.ingredients())
        cat.regimen_products[r.id] = [p.id for p in kb.products if set(p.ingredients) & ids]
    _CATALOGUES[id(kb)] = (kb, cat)
    return cat


# --------------------------------------------------------------------------- options


class IndicationResult:
    """The conditions of one indication evaluated for the patient (steps built once)."""

    __slots__ = ("_steps", "failed", "indication", "results", "unknown")

    def __init__(self, indication: Indication, results: list[tuple[CondDef, Result]]) -> None:
        self.indication = indication
        self.results = results
        self.failed = [(c, r) for c, r in results if r.met is False]
        self.unknown = [(c, r) for c, r in results if r.met is None]
        self._steps: dict[int, RuleStep] = {}

    @property
    def met(self) -> bool:
        return not self.failed and not self.unknown

    def step(self, c: CondDef, r: Result) -> RuleStep:
        key = id(c)
        hit = self._steps.get(key)
        if hit is None:
            hit = self._steps[key] = _step(self.indication, c, r)
        return hit


def check_indication(ind: Indication, facts: Facts) -> IndicationResult:
    return IndicationResult(ind, [(c, evaluate(c, facts)) for c in ind.when])


def _choice(p: Product, ind: Indication, via: str | None) -> ProductChoice:
    own = next((pi for pi in p.indications if pi.id == ind.id), None)
    if own is not None:
        sources = own.sources
    else:
        part = next(x for x in ind.partners if x.ingredient in p.ingredients)
        sources = part.sources
        if via is not None:
            lab = next(pi for pi in p.indications if pi.id == via)
            sources = [*part.sources, *lab.sources]
    return ProductChoice.model_construct(
        product=p.id,
        name=f"{p.name} ({p.nonproprietary})",
        route=p.route.value,
        biosimilar_of=p.biosimilar_of,
        sources=sources,
    )


def products_for(cat: Catalogue, ingredient: str, ind: Indication) -> list[ProductChoice]:
    """Products that may fill ``ingredient`` under ``ind``: own label, or named partner."""
    found: dict[str, ProductChoice] = {}
    for p in cat.labelled.get(ind.id, []):
        if ingredient in p.ingredients:
            found[p.id] = _choice(p, ind, None)
    for part in ind.partners:
        if part.ingredient != ingredient:
            continue
        for via in part.labelled_for:
            for p in cat.labelled.get(via, []):
                if ingredient in p.ingredients and p.id not in found:
                    found[p.id] = _choice(p, ind, via)
        for pid in part.products:
            if pid not in found:
                found[pid] = _choice(cat.products[pid], ind, None)
    return list(found.values())


def _components(cat: Catalogue, reg: Regimen, ind: Indication) -> list[Component]:
    out: list[Component] = []
    for c in reg.components:
        if c.ingredient is not None and c.role in (
            ComponentRole.her2_directed,
            ComponentRole.immunotherapy,
        ):
            out.append(
                Component(
                    ingredient=c.ingredient,
                    role=c.role.value,
                    products=products_for(cat, c.ingredient, ind),
                    text=c.text,
                )
            )
        else:
            out.append(Component(ingredient=None, role=c.role.value, one_of=c.ids(), text=c.text))
    return out


def _condition(c: CondDef, r: Result) -> Condition:
    return Condition.model_construct(
        condition=c.text, fact=r.fact, met=bool(r.met), sources=c.sources
    )


def _step(ind: Indication, c: CondDef, r: Result) -> RuleStep:
    outcome = "not met" if r.met is False else "unknown"
    return RuleStep.model_construct(
        rule=f"{ind.id}.{c.kind}", text=f"{c.text} - {r.fact}", outcome=outcome, sources=c.sources
    )


@dataclass
class OptionsAnswer:
    options: list[Option]
    exclusions: list[Exclusion]
    undecided: list[Exclusion]
    unknowns: list[Unknown]


def _option(cat: Catalogue, reg: Regimen, res: IndicationResult, facts: Facts) -> Option:
    ind = res.indication
    key = (reg.id, ind.id)
    comps = cat.components.get(key)
    if comps is None:  # the same for every patient: built once per knowledge base
        comps = cat.components[key] = _components(cat, reg, ind)
    products = [ch.product for comp in comps for ch in comp.products]
    notes: list[Note] = []
    if ind.basis == "trial":
        notes.append(
            Note(
                code="trial_based",
                severity=Severity.info,
                text=ind.note or "No label lists this use; it rests on trial evidence",
                sources=ind.sources,
            )
        )
    elif ind.verification.value not in ("L", "G"):
        notes.append(
            Note(
                code="indication_not_label_verified",
                severity=Severity.warn,
                text=ind.note
                or f"Indication verified at level {ind.verification.value} only; check the label",
                sources=ind.sources,
            )
        )
    if ind.brain_metastases and facts.patient.cancer.brain_metastases:
        notes.append(
            Note(
                code="brain_metastases_in_label",
                severity=Severity.info,
                text=f"Brain metastases recorded: {ind.brain_metastases}",
                sources=ind.sources,
            )
        )
    line = None
    if facts.patient.cancer.setting is Setting.metastatic:
        n = count_regimens(facts.history, [], TherapyScope.metastatic)
        line = f"line {n + 1}"
    return Option(
        id=ind.id,
        regimen=reg.id,
        products=list(dict.fromkeys(products)),
        title=f"{reg.name} - {ind.title}",
        setting=facts.patient.cancer.setting.value,
        line=line,
        why=[_condition(c, r) for c, r in res.results],
        basis=ind.basis,
        verification=ind.verification.value,
        components=comps,
        notes=notes,
        flags=[],
        blocked=False,
        sources=[*ind.sources, *reg.sources],
    )


def regimen_relevant(reg: Regimen, cat: Catalogue, site: str) -> bool:
    return any(site in cat.sites[i] for i in reg.indications)


def options_for(kb: KnowledgeBase, facts: Facts) -> OptionsAnswer:
    """Evaluate every regimen's indications for the patient."""
    cat = catalogue(kb)
    site = facts.patient.cancer.site.value
    options: list[Option] = []
    exclusions: list[Exclusion] = []
    undecided: list[Exclusion] = []
    unknowns: dict[tuple[str, str], Unknown] = {}
    cache: dict[str, IndicationResult] = {}

    def memo(ind: Indication) -> IndicationResult:
        hit = cache.get(ind.id)
        if hit is None:
            hit = cache[ind.id] = check_indication(ind, facts)
        return hit

    for reg in kb.regimens.regimens:
        if not regimen_relevant(reg, cat, site):
            continue
        results = [memo(cat.indications[i]) for i in reg.indications]
        met = [r for r in results if r.met]
        for r in met:
            options.append(_option(cat, reg, r, facts))
        if met:
            continue
        open_ = [r for r in results if not r.failed]
        if open_:
            steps = [r.step(c, x) for r in open_ for c, x in r.unknown]
            undecided.append(
                Exclusion(
                    id=reg.id, products=_reg_products(cat, reg), title=reg.name, reasons=steps
                )
            )
            for r in open_:
                for c, x in r.unknown:
                    fld = x.field or c.kind
                    unknowns.setdefault(
                        (fld, reg.id),
                        Unknown(
                            field=fld,
                            needed_for=reg.id,
                            text=f"unknown - needed to decide {reg.name}: {c.text}",
                        ),
                    )
            continue
        on_site = [r for r in results if site in cat.sites[r.indication.id]] or results
        steps = [r.step(c, x) for r in on_site for c, x in r.failed]
        exclusions.append(
            Exclusion(id=reg.id, products=_reg_products(cat, reg), title=reg.name, reasons=steps)
        )
    exclusions += product_exclusions(kb, cat, facts, options, memo)
    exclusions += partner_rules(cat, options)
    return OptionsAnswer(options, exclusions, undecided, list(unknowns.values()))


def _reg_products(cat: Catalogue, reg: Regimen) -> list[str]:
    return list(cat.regimen_products[reg.id])


def product_exclusions(
    kb: KnowledgeBase,
    cat: Catalogue,
    facts: Facts,
    options: list[Option],
    check: Callable[[Indication], IndicationResult] | None = None,
) -> list[Exclusion]:
    """Every HER2-directed product not offered, with its own label's reason."""
    offered = {p for o in options for p in o.products}
    site = facts.patient.cancer.site.value
    out: list[Exclusion] = []
    for p in kb.products:
        if p.id in offered:
            continue
        own = [cat.indications[pi.id] for pi in p.indications]
        on_site = [i for i in own if site in cat.sites[i.id]]
        if not on_site:
            out.append(_site_exclusion(cat, p, site))
            continue
        steps: list[RuleStep] = []
        for ind in on_site:
            res = check(ind) if check is not None else check_indication(ind, facts)
            bad = res.failed or res.unknown
            if res.met:
                steps.append(
                    RuleStep(
                        rule=f"product.{p.id}.{ind.id}",
                        text=f"{ind.title}: conditions met, but no regimen combination offers it",
                        outcome="not offered",
                        sources=ind.sources,
                    )
                )
            elif bad:
                c, r = bad[0]
                steps.append(res.step(c, r))
        if steps:
            out.append(
                Exclusion(
                    id=f"product.{p.id}",
                    products=[p.id],
                    title=f"{p.name} ({p.nonproprietary})",
                    reasons=steps,
                )
            )
    return out


def _site_exclusion(cat: Catalogue, p: Product, site: str) -> Exclusion:
    """The product's own label has no indication for the site (the same for every patient)."""
    key = (p.id, site)
    hit = cat.site_exclusions.get(key)
    if hit is None:
        hit = cat.site_exclusions[key] = Exclusion(
            id=f"product.{p.id}",
            products=[p.id],
            title=f"{p.name} ({p.nonproprietary})",
            reasons=[
                RuleStep(
                    rule=f"product.{p.id}.site",
                    text=f"{p.name}'s own label has no indication for {site} cancer",
                    outcome="not labelled for this site",
                    sources=[*p.sources, *[s for pi in p.indications for s in pi.sources]],
                )
            ],
        )
    return hit


def partner_rules(cat: Catalogue, options: list[Option]) -> list[Exclusion]:
    """A product that must be given with a partner is never offered alone."""
    out: list[Exclusion] = []
    offered = {p for o in options for p in o.products}
    for p in cat.products.values():
        if not p.must_be_given_with or p.id not in offered:
            continue
        partners = ", ".join(p.must_be_given_with)
        out.append(
            Exclusion(
                id=f"{p.id}.alone",
                products=[p.id],
                title=f"{p.name} without {partners}",
                reasons=[
                    RuleStep(
                        rule=f"product.{p.id}.must_be_given_with",
                        text=f"{p.name} is labelled only together with one of: {partners}",
                        outcome="never alone",
                        sources=p.sources,
                    )
                ],
            )
        )
    return out


def line_summary(kb: KnowledgeBase, facts: Facts) -> LineSummary | None:
    """The metastatic line derived from the therapy history."""
    if facts.patient.cancer.setting not in (Setting.metastatic, Setting.locally_advanced):
        return None
    h = facts.history
    total = count_regimens(h, [], TherapyScope.metastatic)
    her2 = count_regimens(h, [DrugClass.anti_her2], TherapyScope.metastatic)
    windows = [
        c.recurrence_window
        for i in kb.indications.indications
        for c in i.when
        if isinstance(c, PriorRegimensCond) and c.recurrence_window is not None
    ]
    hit: bool | None = None
    why = "no labelled recurrence window applies"
    if windows:
        hit, why = early_recurrence(h, [DrugClass.anti_her2], windows[0])
    early = [g for g in h.groups if g.early and matches(g, [])]
    text = (
        f"{total} prior regimen(s) for advanced disease, {her2} with an anti-HER2 drug; "
        f"early therapy: {len(early)} regimen(s); {why}"
    )
    return LineSummary(
        metastatic_regimens=total,
        metastatic_anti_her2_regimens=her2,
        early_recurrence_within_window=hit,
        line=total + 1,
        text=text,
    )
