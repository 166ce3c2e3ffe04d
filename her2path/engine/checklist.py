"""The pre-treatment checklist of a product, evaluated against one patient.

:func:`pretreatment_checklist` is pure: every item of the product's checklist
(``knowledge/checklists/<product>.yaml``) comes back as met, not met or unknown,
with the fact that decided it and the label source.  Missing data is "unknown",
never "met".
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import Field

from her2path.domain.explain import Explained
from her2path.domain.her2 import DiseaseSetting, Her2Case
from her2path.domain.patient import Patient, PregnancyStatus, Setting
from her2path.engine.her2 import interpret
from her2path.errors import InputError, Problem
from her2path.kb.checklists import CheckKind, Checklist, ChecklistItem
from her2path.kb.her2 import ExpressionCategory
from her2path.kb.model import KnowledgeBase
from her2path.kb.provenance import SourceRef, Verification


class ItemStatus(StrEnum):
    met = "met"
    not_met = "not_met"
    unknown = "unknown"


class ChecklistResult(Explained):
    id: str
    text: str
    status: ItemStatus
    fact: str = Field(description="The patient fact that decided the status, or what is missing")
    sources: list[SourceRef] = Field(min_length=1)


class ChecklistAnswer(Explained):
    kb_version: str
    product: str
    as_of: date
    items: list[ChecklistResult]

    @property
    def complete(self) -> bool:
        return all(i.status is ItemStatus.met for i in self.items)


def checklist_for(kb: KnowledgeBase, product: str) -> Checklist:
    for c in kb.checklists:
        if c.product == product:
            return c
    allowed = ", ".join(sorted(c.product for c in kb.checklists))
    raise InputError([Problem("product", f"no checklist for '{product}'; allowed: {allowed}")])


def _her2(kb: KnowledgeBase, item: ChecklistItem, patient: Patient) -> tuple[ItemStatus, str]:
    if not patient.her2_results:
        return ItemStatus.unknown, "no HER2 result recorded — needed to confirm eligibility"
    setting = (
        DiseaseSetting.metastatic
        if patient.cancer.setting is Setting.metastatic
        else DiseaseSetting.early
    )
    answer = interpret(
        kb, Her2Case(site=patient.cancer.site, results=patient.her2_results, setting=setting)
    )
    cat = answer.expression_category
    if cat is ExpressionCategory.not_determinable:
        return ItemStatus.unknown, "HER2 category not determinable from the recorded results"
    allowed = ", ".join(c.value for c in item.her2_categories)
    if cat in item.her2_categories:
        return ItemStatus.met, f"HER2 category {cat.value} (label requires one of: {allowed})"
    return ItemStatus.not_met, f"HER2 category {cat.value}; label requires one of: {allowed}"


def _age_ok(item: ChecklistItem, when: date, as_of: date) -> tuple[bool, str]:
    age = (as_of - when).days
    if item.max_age_days is None:
        return (
            True,
            f"dated {when.isoformat()} (the label sets no time window; confirm it is current)",
        )
    if age <= item.max_age_days:
        return True, f"dated {when.isoformat()}, {age} day(s) old (limit {item.max_age_days})"
    return False, f"dated {when.isoformat()}, {age} day(s) old: older than {item.max_age_days} days"


def _lvef(item: ChecklistItem, patient: Patient, as_of: date) -> tuple[ItemStatus, str]:
    readings = sorted((r for r in patient.lvef if r.date <= as_of), key=lambda r: r.date)
    if not readings:
        return ItemStatus.unknown, "no LVEF recorded — needed before the first dose"
    last = readings[-1]
    ok, why = _age_ok(item, last.date, as_of)
    if not ok:
        return ItemStatus.not_met, f"latest LVEF {last.percent:g}% {why}"
    if item.at_least_lln:
        if last.lln is None:
            return ItemStatus.unknown, (
                f"latest LVEF {last.percent:g}% {why}; lower limit of normal not recorded"
            )
        if last.percent < last.lln:
            return ItemStatus.not_met, (
                f"latest LVEF {last.percent:g}% is below the lower limit of normal {last.lln:g}%"
            )
    return ItemStatus.met, f"latest LVEF {last.percent:g}% {why}"


def _pregnancy_window(kb: KnowledgeBase) -> tuple[int | None, list[SourceRef]]:
    """The local pregnancy-check window of the safety rules (decision 0104), in days."""
    for rule in kb.safety.rules:
        if rule.trigger.value == "pregnancy_unverified" and rule.max_age is not None:
            days = (rule.max_age.after(date(2000, 1, 1)) - date(2000, 1, 1)).days
            policy = [s for s in rule.sources if s.verification is Verification.project_policy]
            return days, policy
    return None, []


def _pregnancy(item: ChecklistItem, patient: Patient, as_of: date) -> tuple[ItemStatus, str]:
    if patient.can_become_pregnant is False:
        return ItemStatus.met, "not applicable: the patient cannot become pregnant"
    if patient.can_become_pregnant is None:
        return ItemStatus.unknown, "whether the patient can become pregnant is not recorded"
    preg = patient.pregnancy
    if preg is None or preg.status is PregnancyStatus.unknown:
        return ItemStatus.unknown, "pregnancy status not verified — needed before starting"
    if preg.status is PregnancyStatus.pregnant:
        return ItemStatus.not_met, "the patient is pregnant (see the label's embryo-fetal warning)"
    if preg.checked is None:
        return ItemStatus.unknown, "not pregnant, but the date of the check is not recorded"
    ok, why = _age_ok(item, preg.checked, as_of)
    return (ItemStatus.met if ok else ItemStatus.not_met), f"not pregnant, check {why}"


def _labs(item: ChecklistItem, patient: Patient, as_of: date) -> tuple[ItemStatus, str]:
    facts: list[str] = []
    status = ItemStatus.met
    for test in item.labs:
        results = sorted(
            (r for r in patient.labs if r.test is test and r.date <= as_of), key=lambda r: r.date
        )
        if not results:
            facts.append(f"{test.value}: not recorded")
            status = ItemStatus.unknown if status is ItemStatus.met else status
            continue
        ok, why = _age_ok(item, results[-1].date, as_of)
        facts.append(f"{test.value} {results[-1].value:g} {results[-1].unit} {why}")
        if not ok:
            status = ItemStatus.not_met
    return status, "; ".join(facts)


def _pdl1(item: ChecklistItem, patient: Patient) -> tuple[ItemStatus, str]:
    cps = patient.cancer.pdl1_cps
    if cps is None or item.min_value is None:
        return ItemStatus.unknown, "PD-L1 CPS not recorded — needed for eligibility"
    if cps >= item.min_value:
        return ItemStatus.met, f"PD-L1 CPS {cps:g} (label requires at least {item.min_value:g})"
    return ItemStatus.not_met, f"PD-L1 CPS {cps:g} is below {item.min_value:g}"


def evaluate_item(
    kb: KnowledgeBase, item: ChecklistItem, patient: Patient, as_of: date
) -> ChecklistResult:
    extra: list[SourceRef] = []
    if item.check is CheckKind.her2_category:
        status, fact = _her2(kb, item, patient)
    elif item.check is CheckKind.lvef_recorded:
        status, fact = _lvef(item, patient, as_of)
    elif item.check is CheckKind.pregnancy_status:
        days, policy = _pregnancy_window(kb) if item.max_age_days is None else (None, [])
        if days is not None:
            item = item.model_copy(update={"max_age_days": days})
            extra = [s for s in policy if s not in item.sources]
        status, fact = _pregnancy(item, patient, as_of)
    elif item.check is CheckKind.labs_recorded:
        status, fact = _labs(item, patient, as_of)
    else:
        status, fact = _pdl1(item, patient)
    return ChecklistResult(
        id=item.id, text=item.text, status=status, fact=fact, sources=[*item.sources, *extra]
    )


def pretreatment_checklist(
    kb: KnowledgeBase, product_id: str, patient: Patient, as_of: date
) -> ChecklistAnswer:
    """Each pre-treatment item of the product's label: met, not met or unknown, with source."""
    checklist = checklist_for(kb, product_id)
    return ChecklistAnswer(
        kb_version=kb.version,
        product=product_id,
        as_of=as_of,
        items=[evaluate_item(kb, i, patient, as_of) for i in checklist.items],
    )
