"""What the therapy history says: regimens, drug classes received, line of therapy.

Therapies are grouped into regimens: the same regimen id in the same setting is one
regimen (a regimen that ``continues`` another, such as HP maintenance after THP, joins
it); therapies without a regimen id are grouped by setting and start date.  All
(neo)adjuvant and extended adjuvant therapy together forms one early course.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from her2path.domain.patient import EventKind, Patient, StopReason, Therapy, TherapySetting
from her2path.kb.model import KnowledgeBase
from her2path.kb.reproductive import Duration
from her2path.kb.therapy import DrugClass, TherapyScope

EARLY = (TherapySetting.neoadjuvant, TherapySetting.adjuvant, TherapySetting.extended_adjuvant)


def drug_ingredients(kb: KnowledgeBase, drug: str) -> list[str]:
    """Ingredient ids of a product or ingredient id (empty when unknown)."""
    for p in kb.products:
        if p.id == drug:
            return list(p.ingredients)
    if any(i.id == drug for i in kb.ingredients.ingredients):
        return [drug]
    return []


def drug_classes(kb: KnowledgeBase, drug: str) -> set[DrugClass]:
    by_id = {i.id: i for i in kb.ingredients.ingredients}
    found: set[DrugClass] = set()
    for ing in drug_ingredients(kb, drug):
        found.update(by_id[ing].classes)
    return found


@dataclass
class RegimenGroup:
    """Therapies given together as one regimen."""

    setting: TherapySetting
    start: date
    end: date | None
    therapies: list[Therapy] = field(default_factory=list)
    classes: set[DrugClass] = field(default_factory=set)
    ingredients: set[str] = field(default_factory=set)
    progressed: bool = False

    @property
    def early(self) -> bool:
        return self.setting in EARLY

    def label(self) -> str:
        names = sorted({t.regimen or t.drug for t in self.therapies})
        when = self.start.isoformat()
        return f"{'/'.join(names)} ({self.setting.value}, from {when})"


@dataclass
class History:
    groups: list[RegimenGroup]
    recurrence: date | None = None

    def in_scope(self, scope: TherapyScope) -> list[RegimenGroup]:
        if scope is TherapyScope.any:
            return list(self.groups)
        if scope is TherapyScope.metastatic:
            return [g for g in self.groups if g.setting is TherapySetting.metastatic]
        if scope is TherapyScope.early:
            return [g for g in self.groups if g.early]
        return [g for g in self.groups if g.setting.value == scope.value]


def _continues(kb: KnowledgeBase) -> dict[str, str]:
    return {r.id: r.continues for r in kb.regimens.regimens if r.continues is not None}


def build_history(kb: KnowledgeBase, patient: Patient, as_of: date) -> History:
    """Group the patient's therapies (started on or before ``as_of``) into regimens."""
    cont = _continues(kb)
    groups: dict[tuple[str, str], RegimenGroup] = {}
    for t in sorted(patient.therapies, key=lambda t: t.start):
        if t.start > as_of:
            continue
        regimen = cont.get(t.regimen, t.regimen) if t.regimen else None
        key = (t.setting.value, regimen or f"start:{t.start.isoformat()}")
        g = groups.get(key)
        if g is None:
            g = RegimenGroup(setting=t.setting, start=t.start, end=t.end)
            groups[key] = g
        g.therapies.append(t)
        g.start = min(g.start, t.start)
        ends = [x.end for x in g.therapies]
        g.end = None if any(e is None for e in ends) else max(e for e in ends if e is not None)
        g.classes |= drug_classes(kb, t.drug)
        g.ingredients |= set(drug_ingredients(kb, t.drug))
        if t.reason_stopped is StopReason.progression:
            g.progressed = True
    events = sorted(patient.events, key=lambda e: e.date)
    for g in groups.values():
        if g.setting is not TherapySetting.metastatic or g.progressed:
            continue
        stop = g.end or as_of
        if any(
            e.kind is EventKind.progression and g.start <= e.date <= stop and e.date <= as_of
            for e in events
        ):
            g.progressed = True
    recurrences = [
        e.date
        for e in events
        if e.kind in (EventKind.recurrence, EventKind.metastasis_diagnosed) and e.date <= as_of
    ]
    return History(
        groups=sorted(groups.values(), key=lambda g: g.start),
        recurrence=min(recurrences) if recurrences else None,
    )


def matches(g: RegimenGroup, classes: list[DrugClass]) -> bool:
    """A regimen counts for ``classes`` when it has any of them (empty: any systemic drug)."""
    return bool(g.classes) and (not classes or bool(g.classes & set(classes)))


def early_recurrence(
    h: History, classes: list[DrugClass], window: Duration
) -> tuple[bool | None, str]:
    """Did the disease recur during, or within ``window`` of completing, early therapy?"""
    early = [g for g in h.groups if g.early and matches(g, classes)]
    if not early:
        return False, "no (neo)adjuvant therapy of that kind recorded"
    if h.recurrence is None:
        return False, "no recurrence or metastasis date recorded"
    ends = [g.end for g in early]
    if any(e is None for e in ends):
        return True, f"recurrence on {h.recurrence.isoformat()} during (neo)adjuvant therapy"
    last = max(e for e in ends if e is not None)
    limit = window.after(last)
    if h.recurrence <= limit:
        return True, (
            f"recurrence on {h.recurrence.isoformat()}, within {window} of completing "
            f"(neo)adjuvant therapy on {last.isoformat()}"
        )
    return False, (
        f"recurrence on {h.recurrence.isoformat()}, more than {window} after completing "
        f"(neo)adjuvant therapy on {last.isoformat()}"
    )


def count_regimens(h: History, classes: list[DrugClass], scope: TherapyScope) -> int:
    """Regimens in ``scope`` containing ``classes``; the early course counts at most once."""
    groups = [g for g in h.in_scope(scope) if matches(g, classes)]
    late = [g for g in groups if not g.early]
    return len(late) + (1 if any(g.early for g in groups) else 0)
