"""Look-ups from FHIR codings to knowledge-base meaning, built once per knowledge base."""

from __future__ import annotations

from dataclasses import dataclass

from her2path.fhir.resources import Coding
from her2path.kb.interop import (
    Answer,
    ConditionCode,
    DrugCode,
    IgnoredDrugCode,
    ObservationCode,
    StageCode,
    UnitFactor,
)
from her2path.kb.model import KnowledgeBase


@dataclass(frozen=True)
class CodeIndex:
    systems: dict[str, str]
    observations: dict[tuple[str, str], ObservationCode]
    answers: dict[tuple[str, str], Answer]
    texts: dict[str, Answer]
    stages: dict[tuple[str, str], StageCode]
    condition_codes: dict[tuple[str, str], ConditionCode]
    condition_prefixes: list[ConditionCode]
    units: dict[tuple[str, str], UnitFactor]
    drugs: dict[str, DrugCode]
    ignored_drugs: dict[str, IgnoredDrugCode]
    rxnorm: str

    def system_id(self, uri: str) -> str | None:
        """The knowledge-base id of a code-system URI or alias (``None`` if unknown)."""
        return self.systems.get(uri.strip().lower())

    def observation(self, codes: list[Coding]) -> ObservationCode | None:
        for c in codes:
            sid = self.system_id(c.system)
            if sid is not None and (sid, c.code) in self.observations:
                return self.observations[(sid, c.code)]
        return None

    def answer(self, codes: list[Coding], text: str | None = None) -> Answer | None:
        for c in codes:
            sid = self.system_id(c.system)
            if sid is not None and (sid, c.code) in self.answers:
                return self.answers[(sid, c.code)]
        for candidate in [text, *(c.display for c in codes)]:
            found = self.text_answer(candidate)
            if found is not None:
                return found
        return None

    def text_answer(self, text: str | None) -> Answer | None:
        if text is None:
            return None
        return self.texts.get(" ".join(text.lower().split()))

    def stage(self, codes: list[Coding]) -> StageCode | None:
        for c in codes:
            sid = self.system_id(c.system)
            if sid is not None and (sid, c.code) in self.stages:
                return self.stages[(sid, c.code)]
        return None

    def condition(self, codes: list[Coding]) -> ConditionCode | None:
        for c in codes:
            sid = self.system_id(c.system)
            if sid is None:
                continue
            if (sid, c.code) in self.condition_codes:
                return self.condition_codes[(sid, c.code)]
            # Longest matching prefix wins (C16.0 before C16).
            matches = [
                p
                for p in self.condition_prefixes
                if p.system == sid and p.prefix is not None and c.code.startswith(p.prefix)
            ]
            if matches:
                return max(matches, key=lambda p: len(p.prefix or ""))
        return None

    def drug(self, codes: list[Coding]) -> tuple[DrugCode | None, IgnoredDrugCode | None]:
        """The drug an RxNorm coding names, or the reason a known placeholder is ignored."""
        ignored: IgnoredDrugCode | None = None
        for c in codes:
            if self.system_id(c.system) != self.rxnorm:
                continue
            if c.code in self.drugs:
                return self.drugs[c.code], None
            if c.code in self.ignored_drugs:
                ignored = self.ignored_drugs[c.code]
        return None, ignored


def build_index(kb: KnowledgeBase) -> CodeIndex:
    ix = kb.interop
    systems: dict[str, str] = {}
    rxnorm = "rxnorm"
    for s in ix.systems:
        for uri in [s.uri, *s.aliases]:
            systems[uri.lower()] = s.id
        if s.uri.lower() == "http://www.nlm.nih.gov/research/umls/rxnorm":
            rxnorm = s.id
    return CodeIndex(
        systems=systems,
        observations={(o.system, o.code): o for o in ix.observations},
        answers={(a.system, a.code): a.answer for a in ix.answers},
        texts={" ".join(t.text.lower().split()): t.answer for t in ix.answer_texts},
        stages={(s.system, s.code): s for s in ix.stages},
        condition_codes={(c.system, c.code): c for c in ix.conditions if c.code is not None},
        condition_prefixes=[c for c in ix.conditions if c.prefix is not None],
        units={(u.concept.value, u.unit): u for u in ix.units},
        drugs=drug_map(kb),
        ignored_drugs=ix.ignored_drug_codes(),
        rxnorm=rxnorm,
    )


def drug_map(kb: KnowledgeBase) -> dict[str, DrugCode]:
    """RxNorm code -> drug: the product and ingredient files first, then the interop tables."""
    found: dict[str, DrugCode] = {}
    for product in kb.products:
        for rx in product.rxnorm:
            found[rx.code] = DrugCode(
                code=rx.code,
                display=rx.name or product.name,
                tty=None if rx.tty == "unknown" else rx.tty,
                product=product.id,
                ingredients=list(product.ingredients),
                sources=list(rx.sources),
            )
    for ingredient in kb.ingredients.ingredients:
        if ingredient.rxnorm is not None and ingredient.rxnorm.code not in found:
            found[ingredient.rxnorm.code] = DrugCode(
                code=ingredient.rxnorm.code,
                display=ingredient.name,
                tty=None if ingredient.rxnorm.tty == "unknown" else ingredient.rxnorm.tty,
                product=None,
                ingredients=[ingredient.id],
                sources=list(ingredient.rxnorm.sources),
            )
    for code, drug in kb.interop.drug_codes().items():
        found.setdefault(code, drug)
    return found


_CACHE: dict[int, tuple[KnowledgeBase, CodeIndex]] = {}


def index_for(kb: KnowledgeBase) -> CodeIndex:
    """The code index of ``kb`` (cached per knowledge-base object)."""
    hit = _CACHE.get(id(kb))
    if hit is not None and hit[0] is kb:
        return hit[1]
    index = build_index(kb)
    if len(_CACHE) > 8:
        _CACHE.clear()
    _CACHE[id(kb)] = (kb, index)
    return index
