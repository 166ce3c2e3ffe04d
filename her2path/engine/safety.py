"""Safety findings: pregnancy, breastfeeding, contraception, heart and lungs.

Each rule of ``knowledge/safety.yaml`` names a trigger; the checker for that trigger
decides whether it fires for this patient and which of the offered products it
concerns.  LVEF starting thresholds are per product (``lvef_start``).  A fact that is
needed but not recorded becomes an :class:`Unknown`, never a silent pass.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from her2path.domain.assessment import Option, SafetyFinding, Unknown
from her2path.domain.explain import Note, Severity
from her2path.domain.patient import (
    LVEFReading,
    PregnancyStatus,
    Setting,
    Sex,
    StopReason,
)
from her2path.engine.history import drug_classes, drug_ingredients
from her2path.engine.options import Facts
from her2path.kb.model import KnowledgeBase
from her2path.kb.reproductive import Window
from her2path.kb.therapy import DrugClass, LvefStart, Product, SafetyRule, SafetyTrigger

METASTATIC_SITES_LOCALLY_ADVANCED = ("gastric", "gej")


@dataclass
class SafetyAnswer:
    findings: list[SafetyFinding]
    unknowns: list[Unknown]


@dataclass
class _Ctx:
    kb: KnowledgeBase
    facts: Facts
    products: list[Product]
    findings: list[SafetyFinding]
    unknowns: list[Unknown]

    def concerned(self, rule: SafetyRule, only: set[str] | None = None) -> list[str]:
        ings = set(rule.ingredients) if only is None else set(rule.ingredients) & only
        return [p.id for p in self.products if set(p.ingredients) & ings]

    def add(self, rule: SafetyRule, drugs: list[str], extra: str = "") -> None:
        if not drugs:
            return
        self.findings.append(
            SafetyFinding(
                code=rule.id,
                severity=Severity(rule.severity),
                drugs=drugs,
                text=rule.text + (f" ({extra})" if extra else ""),
                sources=rule.sources,
            )
        )

    def unknown(self, field: str, needed_for: str) -> None:
        if any(u.field == field and u.needed_for == needed_for for u in self.unknowns):
            return
        self.unknowns.append(
            Unknown(
                field=field, needed_for=needed_for, text=f"unknown - needed to decide {needed_for}"
            )
        )


def _can_conceive(c: _Ctx) -> bool | None:
    p = c.facts.patient
    if p.sex is Sex.male:
        return False
    return p.can_become_pregnant


def _pregnant(c: _Ctx, rule: SafetyRule) -> None:
    preg = c.facts.patient.pregnancy
    if preg is not None and preg.status is PregnancyStatus.pregnant:
        when = f"checked {preg.checked.isoformat()}" if preg.checked else "date not recorded"
        c.add(rule, c.concerned(rule), f"pregnant, {when}")


def _pregnancy_unverified(c: _Ctx, rule: SafetyRule) -> None:
    can = _can_conceive(c)
    drugs = c.concerned(rule)
    if not drugs:
        return
    if can is None:
        c.unknown("can_become_pregnant", "whether pregnancy must be excluded before starting")
        return
    if not can:
        return
    preg = c.facts.patient.pregnancy
    if preg is not None and preg.status is PregnancyStatus.pregnant:
        return
    if preg is None or preg.status is PregnancyStatus.unknown or preg.checked is None:
        c.add(rule, drugs, "pregnancy status not recorded or not dated")
        return
    if rule.max_age is not None and rule.max_age.after(preg.checked) < c.facts.as_of:
        c.add(rule, drugs, f"last checked {preg.checked.isoformat()}, older than {rule.max_age}")


def _windows(c: _Ctx, drugs: list[str], topic: str, male: bool = False) -> dict[str, list[str]]:
    """Products grouped by their window after the last dose (so flags stay per product)."""
    groups: dict[str, list[str]] = {}
    for pid in drugs:
        r = c.kb.reproductive.for_product(pid)
        if r is None:
            continue
        if topic == "lactation":
            w: Window | None = r.lactation
        else:
            w = r.contraception_male if male else r.contraception_female
        if w is None:
            continue
        dur = w.after_last_dose
        groups.setdefault(str(dur) if dur else "unknown (not verified)", []).append(pid)
    return groups


def _add_windows(c: _Ctx, rule: SafetyRule, groups: dict[str, list[str]], lead: str) -> None:
    for window, drugs in groups.items():
        c.add(rule, drugs, f"{lead}: {window} after the last dose")


def _breastfeeding(c: _Ctx, rule: SafetyRule) -> None:
    drugs = c.concerned(rule)
    if not drugs or c.facts.patient.sex is Sex.male:
        return
    bf = c.facts.patient.breastfeeding
    if bf is None:
        if _can_conceive(c) is not False:
            c.unknown("breastfeeding", "breastfeeding advice")
        return
    if bf:
        _add_windows(c, rule, _windows(c, drugs, "lactation"), "lactation window")


def _reproductive(c: _Ctx, rule: SafetyRule) -> None:
    drugs = c.concerned(rule)
    if not drugs:
        return
    if c.facts.patient.sex is Sex.male:
        lead = "men with partners who can become pregnant"
        _add_windows(c, rule, _windows(c, drugs, "contraception", male=True), lead)
        return
    preg = c.facts.patient.pregnancy
    if preg is not None and preg.status is PregnancyStatus.pregnant:
        return  # the pregnancy finding applies instead
    if _can_conceive(c):
        _add_windows(c, rule, _windows(c, drugs, "contraception"), "contraception window")


def _latest_lvef(c: _Ctx) -> LVEFReading | None:
    readings = [r for r in c.facts.patient.lvef if r.date <= c.facts.as_of]
    return max(readings, key=lambda r: r.date) if readings else None


def _no_baseline(c: _Ctx, rule: SafetyRule) -> None:
    drugs = c.concerned(rule)
    if not drugs:
        return
    last = _latest_lvef(c)
    if last is None:
        c.add(rule, drugs, "no LVEF reading recorded")
        c.unknown("lvef", "cardiac eligibility (LVEF before starting)")
        return
    if rule.max_age is not None and rule.max_age.after(last.date) < c.facts.as_of:
        c.add(rule, drugs, f"latest LVEF {last.date.isoformat()} is older than {rule.max_age}")


def _stopped_for_heart(c: _Ctx) -> set[str]:
    return {
        ing
        for t in c.facts.patient.therapies
        if t.reason_stopped is StopReason.cardiotoxicity
        for ing in drug_ingredients(c.kb, t.drug)
    }


def _prior_cardiotoxicity(c: _Ctx, rule: SafetyRule) -> None:
    stopped = _stopped_for_heart(c)
    if not stopped:
        return
    if rule.same_ingredient_only:
        c.add(rule, c.concerned(rule, stopped), "stopped: " + ", ".join(sorted(stopped)))
        return
    same = set(c.concerned(rule, stopped))
    others = [p for p in c.concerned(rule) if p not in same]
    c.add(rule, others, "stopped: " + ", ".join(sorted(stopped)))


def _prior_anthracycline(c: _Ctx, rule: SafetyRule) -> None:
    drugs = c.concerned(rule)
    if not drugs:
        return
    p = c.facts.patient
    given = [t.drug for t in p.therapies if DrugClass.anthracycline in drug_classes(c.kb, t.drug)]
    if p.history.anthracycline is not None:
        a = p.history.anthracycline
        dose = (
            f", cumulative {a.cumulative_mg_per_m2:g} mg/m2"
            if a.cumulative_mg_per_m2 is not None
            else ""
        )
        given.append(f"{a.drug}{dose}")
    if given:
        c.add(rule, drugs, "received " + ", ".join(dict.fromkeys(given)))
    elif p.history.no_anthracycline is None:
        c.unknown("history.anthracycline", "cardiac risk from prior anthracycline")


def _heart_failure(c: _Ctx, rule: SafetyRule) -> None:
    drugs = c.concerned(rule)
    if not drugs:
        return
    p = c.facts.patient
    if p.history.heart_failure or any(r.symptomatic_heart_failure for r in p.lvef):
        c.add(rule, drugs)
    elif p.history.heart_failure is None:
        c.unknown("history.heart_failure", "cardiac risk (history of heart failure)")


def _ild(c: _Ctx, rule: SafetyRule) -> None:
    drugs = c.concerned(rule)
    if not drugs:
        return
    ild = c.facts.patient.history.interstitial_lung_disease
    if ild:
        c.add(rule, drugs)
    elif ild is None:
        c.unknown("history.interstitial_lung_disease", "lung risk with T-DXd (ILD history)")


def _non_interchangeable(c: _Ctx, rule: SafetyRule) -> None:
    drugs = c.concerned(rule)
    ings = {i for pid in drugs for p in c.products if p.id == pid for i in p.ingredients}
    if len(ings & set(rule.ingredients)) >= 1 and drugs:
        c.add(rule, drugs)


CHECKS: dict[SafetyTrigger, Callable[[_Ctx, SafetyRule], None]] = {
    SafetyTrigger.pregnant: _pregnant,
    SafetyTrigger.pregnancy_unverified: _pregnancy_unverified,
    SafetyTrigger.breastfeeding: _breastfeeding,
    SafetyTrigger.reproductive_potential: _reproductive,
    SafetyTrigger.no_baseline_lvef: _no_baseline,
    SafetyTrigger.prior_cardiotoxicity_stop: _prior_cardiotoxicity,
    SafetyTrigger.prior_anthracycline: _prior_anthracycline,
    SafetyTrigger.heart_failure_history: _heart_failure,
    SafetyTrigger.ild_history: _ild,
    SafetyTrigger.non_interchangeable: _non_interchangeable,
}


def _scope(facts: Facts) -> str:
    ca = facts.patient.cancer
    if ca.setting is Setting.metastatic:
        return "metastatic"
    if (
        ca.setting is Setting.locally_advanced
        and ca.site.value in METASTATIC_SITES_LOCALLY_ADVANCED
    ):
        return "metastatic"
    return "early"


def _had_anthracycline(c: _Ctx) -> bool:
    p = c.facts.patient
    if p.history.anthracycline is not None:
        return True
    return any(DrugClass.anthracycline in drug_classes(c.kb, t.drug) for t in p.therapies)


def _lvef_start(c: _Ctx, t: LvefStart) -> None:
    drugs = [p.id for p in c.products if p.id in t.products]
    if not drugs or t.scope not in ("any", _scope(c.facts)):
        return
    last = _latest_lvef(c)
    if last is None:
        return  # reported by the no-baseline rule
    reasons: list[str] = []
    minimum = t.min_percent
    if t.after_anthracycline_min_percent is not None and _had_anthracycline(c):
        minimum = t.after_anthracycline_min_percent
    if minimum is not None and last.percent < minimum:
        reasons.append(f"LVEF {last.percent:g}% below {minimum:g}%")
    if t.below_lln:
        lln = last.lln if last.lln is not None else t.lln_fallback_percent
        if lln is None:
            c.unknown("lvef.lln", f"LVEF threshold for {', '.join(drugs)}")
        elif last.percent < lln:
            reasons.append(f"LVEF {last.percent:g}% below the lower limit {lln:g}%")
    if reasons:
        c.findings.append(
            SafetyFinding(
                code=f"lvef_start.{t.id}",
                severity=Severity(t.severity),
                drugs=drugs,
                text=f"{t.text} ({'; '.join(reasons)}, measured {last.date.isoformat()})",
                sources=t.sources,
            )
        )


def safety_for(kb: KnowledgeBase, facts: Facts, options: list[Option]) -> SafetyAnswer:
    """Findings for the products the options offer."""
    offered = {p for o in options for p in o.products}
    products = [p for p in kb.products if p.id in offered]
    ctx = _Ctx(kb, facts, products, [], [])
    for rule in kb.safety.rules:
        CHECKS[rule.trigger](ctx, rule)
    for t in kb.safety.lvef_start:
        _lvef_start(ctx, t)
    return SafetyAnswer(ctx.findings, ctx.unknowns)


def attach(options: list[Option], findings: list[SafetyFinding]) -> list[Option]:
    """Copy each finding onto the options whose products it concerns."""
    out: list[Option] = []
    for o in options:
        flags = [
            Note(code=f.code, severity=f.severity, text=f.text, sources=f.sources)
            for f in findings
            if not f.drugs or set(f.drugs) & set(o.products)
        ]
        blocked = any(f.severity is Severity.block for f in flags)
        out.append(o.model_copy(update={"flags": flags, "blocked": blocked}))
    return out
