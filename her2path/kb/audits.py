"""Knowledge-base models for cohort audits (``knowledge/audits.yaml``).

An audit is a named question asked of every patient of a registry ("IHC 2+ with
no ISH", "doses given during a pregnancy").  Each audit states its definition in
words, the engine rule or knowledge-base rule it reuses, the parameters and drug
classes it reads, the template of the reason shown for a flagged patient, and
its sources.  The engines (``her2path.cohort.engines``) evaluate the audits; no
engine holds a number of its own.
"""

from __future__ import annotations

import string
from typing import TYPE_CHECKING

from pydantic import Field

from her2path.kb.provenance import KBModel, Sourced

if TYPE_CHECKING:
    from her2path.kb.model import KnowledgeBase

Loc = tuple[str | int, ...]

REASON_FIELDS = {"date", "detail", "count", "value"}


class DrugClass(Sourced):
    """A named group of drug ids (product or ingredient ids) an audit refers to.

    Members come from the therapy knowledge: ingredients of the listed ingredient classes
    (``knowledge/ingredients.yaml``), the listed ingredients, and every product that contains
    one of them (``knowledge/products/``); ``drugs`` adds ids explicitly.
    """

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    text: str = Field(min_length=3)
    ingredient_classes: list[str] = Field(default_factory=list)
    ingredients: list[str] = Field(default_factory=list)
    drugs: list[str] = Field(default_factory=list)


class AuditParameter(Sourced):
    """A number an audit compares against, with its unit and meaning."""

    value: float
    unit: str
    meaning: str = Field(min_length=3)


class AuditRule(Sourced):
    """One audit: what it finds, which rule it reuses, and how a finding is worded."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str = Field(min_length=3)
    definition: str = Field(min_length=10)
    reuses: str = Field(min_length=3, description="Engine function or knowledge-base rule reused")
    tables: list[str] = Field(min_length=1, description="Cohort tables the audit reads")
    drug_classes: list[str] = Field(default_factory=list)
    parameters: list[str] = Field(default_factory=list)
    next_step: str | None = Field(
        default=None, description="HER2 next-step code whose presence the audit looks for"
    )
    codes: list[str] = Field(
        default_factory=list, description="Codes the audit selects (stop reasons, categories)"
    )
    reason: str = Field(
        min_length=3,
        description="Template of the reason; may use {date}, {detail}, {count}, {value}",
    )

    def render(self, date: str, detail: str, count: int, value: str) -> str:
        return self.reason.format(date=date, detail=detail, count=count, value=value)


class AuditKnowledge(KBModel):
    """Everything the cohort audits read from the knowledge base."""

    drug_classes: list[DrugClass] = Field(min_length=1)
    parameters: dict[str, AuditParameter] = Field(default_factory=dict)
    audits: list[AuditRule] = Field(min_length=1)

    def drug_class(self, class_id: str) -> DrugClass:
        for c in self.drug_classes:
            if c.id == class_id:
                return c
        raise KeyError(class_id)

    def members(self, kb: KnowledgeBase, class_id: str) -> list[str]:
        """The product and ingredient ids of a drug class, sorted."""
        return sorted(_members(kb)[class_id])

    def audit(self, audit_id: str) -> AuditRule:
        for a in self.audits:
            if a.id == audit_id:
                return a
        raise KeyError(audit_id)

    def known_drugs(self, kb: KnowledgeBase) -> set[str]:
        """Every drug id the cohort layout accepts: products, ingredients, class members."""
        ids = {p.id for p in kb.products} | {i.id for i in kb.ingredients.ingredients}
        return ids | {d for c in self.drug_classes for d in c.drugs}

    def value(self, name: str) -> float:
        return self.parameters[name].value

    def kb_check(self, kb: object) -> list[tuple[Loc, str]]:
        found: list[tuple[Loc, str]] = []
        classes = {c.id for c in self.drug_classes}
        ids = [a.id for a in self.audits]
        steps: set[str] = set()
        her2 = getattr(kb, "her2", None)
        if her2 is not None:
            steps = {s.code for s in her2.next_steps}
        ingredients = getattr(kb, "ingredients", None)
        if ingredients is not None:
            known_i = {i.id for i in ingredients.ingredients}
            known_c = {c.value for i in ingredients.ingredients for c in i.classes}
            for n, dc in enumerate(self.drug_classes):
                for x in dc.ingredients:
                    if x not in known_i:
                        found.append(
                            (("drug_classes", n, "ingredients"), f"unknown ingredient '{x}'")
                        )
                for x in dc.ingredient_classes:
                    if x not in known_c:
                        found.append(
                            (("drug_classes", n, "ingredient_classes"), f"unknown class '{x}'")
                        )
        for i, a in enumerate(self.audits):
            if ids.count(a.id) > 1:
                found.append((("audits", i, "id"), f"duplicate audit id '{a.id}'"))
            for c in a.drug_classes:
                if c not in classes:
                    found.append((("audits", i, "drug_classes"), f"unknown drug class '{c}'"))
            for p in a.parameters:
                if p not in self.parameters:
                    found.append((("audits", i, "parameters"), f"unknown parameter '{p}'"))
            if a.next_step is not None and steps and a.next_step not in steps:
                found.append(
                    (("audits", i, "next_step"), f"unknown HER2 next step '{a.next_step}'")
                )
            used = {f for _, f, _, _ in string.Formatter().parse(a.reason) if f}
            if used - REASON_FIELDS:
                found.append(
                    (
                        ("audits", i, "reason"),
                        f"unknown placeholder(s) {sorted(used - REASON_FIELDS)}; "
                        f"allowed: {sorted(REASON_FIELDS)}",
                    )
                )
        return found


_CACHE: dict[str, dict[str, frozenset[str]]] = {}


def _members(kb: KnowledgeBase) -> dict[str, frozenset[str]]:
    """Drug-class members resolved against the therapy knowledge (once per knowledge base)."""
    key = kb.version
    if key not in _CACHE:
        resolved: dict[str, frozenset[str]] = {}
        for c in kb.audits.drug_classes:
            wanted = set(c.ingredient_classes)
            ingredients = set(c.ingredients) | {
                i.id for i in kb.ingredients.ingredients if wanted & {x.value for x in i.classes}
            }
            products = {p.id for p in kb.products if ingredients & set(p.ingredients)}
            resolved[c.id] = frozenset(ingredients | products | set(c.drugs))
        _CACHE[key] = resolved
    return _CACHE[key]


def labelled_sites(kb: KnowledgeBase) -> dict[str, list[str]]:
    """For each biosimilar product: the tumour sites of its own labelled indications."""
    sites_of = {i.id: i.sites() for i in kb.indications.indications}
    found: dict[str, list[str]] = {}
    for p in kb.products:
        if p.biosimilar_of is None:
            continue
        found[p.id] = sorted({s for ind in p.indications for s in sites_of.get(ind.id, set())})
    return found
