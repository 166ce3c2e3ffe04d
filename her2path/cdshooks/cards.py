"""Render engine findings as CDS Hooks cards (summary, detail, indicator, source, links)."""

from __future__ import annotations

import copy
import uuid
from typing import Any

from her2path.cdshooks.models import (
    Action,
    Card,
    Coding,
    Indicator,
    Link,
    Source,
    Suggestion,
)
from her2path.domain.assessment import Assessment
from her2path.domain.explain import Severity
from her2path.engine.order_checks import Finding, FindingCode
from her2path.fhir.model import FhirImport
from her2path.kb.model import KnowledgeBase

TOPIC_SYSTEM = "https://her2path.org/cds/finding"
OVERRIDE_SYSTEM = "https://her2path.org/cds/override-reason"
OVERRIDE_REASONS = [
    Coding(system=OVERRIDE_SYSTEM, code="aware-benefit", display="Aware; benefit outweighs risk"),
    Coding(system=OVERRIDE_SYSTEM, code="record-wrong", display="Record is out of date or wrong"),
    Coding(system=OVERRIDE_SYSTEM, code="result-elsewhere", display="Result documented elsewhere"),
]
_INDICATOR = {
    Severity.block: Indicator.critical,
    Severity.warn: Indicator.warning,
    Severity.info: Indicator.info,
}
UCUM = "http://unitsofmeasure.org"
_NS = uuid.UUID("6f1d2c1e-4b7a-5e7e-9a51-3c2f0b8d9e10")


def card_id(hook_instance: str, *parts: str) -> str:
    """A card or suggestion id that is unique per request and the same on every run."""
    return str(uuid.uuid5(_NS, "|".join([hook_instance, *parts])))


def _source(kb: KnowledgeBase, finding: Finding) -> tuple[Source, list[Link]]:
    registry = kb.registry.by_id()
    links: list[Link] = []
    for ref in finding.sources:
        src = registry.get(ref.source)
        if src is not None and src.url and src.url.startswith("http"):
            label = f"{src.title[:60]} — {ref.where[:50]}"
            if all(link.url != src.url for link in links):
                links.append(Link(label=label, url=src.url))
    first = registry.get(finding.sources[0].source)
    source = Source(
        label=f"her2path (knowledge base {kb.version})",
        url=first.url if first is not None and first.url else None,
        topic=Coding(system=TOPIC_SYSTEM, code=finding.code.value, display=finding.code.value),
    )
    return source, links[:3]


def _detail(finding: Finding) -> str:
    refs = "; ".join(f"{r.source} {r.where}" for r in finding.sources[:4])
    return f"{finding.detail}\n\n*Sources:* {refs}"


def finding_card(
    kb: KnowledgeBase,
    finding: Finding,
    hook_instance: str,
    drafts: dict[str, dict[str, Any]] | None = None,
) -> Card:
    key = (finding.code.value, finding.order or "", finding.summary)
    source, links = _source(kb, finding)
    suggestions: list[Suggestion] = []
    draft = (drafts or {}).get(finding.order or "")
    if finding.dose is not None and draft is not None:
        updated = with_dose(draft, finding.dose.mg, "mg")
        suggestions.append(
            Suggestion(
                label=f"Change the dose to {finding.dose.mg:g} mg",
                uuid=card_id(hook_instance, "suggestion", *key),
                isRecommended=True,
                actions=[
                    Action(
                        type="update",
                        description=f"Set the dose to {finding.dose.mg:g} mg",
                        resource=updated,
                    )
                ],
            )
        )
    indicator = _INDICATOR[finding.severity]
    return Card(
        uuid=card_id(hook_instance, *key),
        summary=finding.summary,
        detail=_detail(finding),
        indicator=indicator,
        source=source,
        suggestions=suggestions,
        selectionBehavior="at-most-one" if suggestions else None,
        overrideReasons=OVERRIDE_REASONS if indicator is not Indicator.info else [],
        links=links,
    )


def assessment_cards(kb: KnowledgeBase, a: Assessment, hook_instance: str) -> list[Card]:
    """Options now, and the blocking or warning safety findings, from a full assessment."""
    cards: list[Card] = []
    if a.options:
        lines = [
            f"- {o.title}" + (" (blocked by a safety finding)" if o.blocked else "")
            for o in a.options
        ]
        cards.append(
            finding_card(
                kb,
                Finding(
                    code=FindingCode.labelled_products,
                    severity=Severity.info,
                    order=None,
                    summary=f"{len(a.options)} label-supported HER2-directed option(s) now",
                    detail="\n".join(lines),
                    sources=[s for o in a.options for s in o.sources][:6],
                ),
                hook_instance,
            )
        )
    for f in a.safety:
        if f.severity is Severity.info:
            continue
        drugs = f" ({', '.join(f.drugs)})" if f.drugs else ""
        cards.append(
            finding_card(
                kb,
                Finding(
                    code=FindingCode.safety,
                    severity=f.severity,
                    order=None,
                    summary=f"{f.text}{drugs}",
                    detail=f"{f.text}{drugs}",
                    sources=list(f.sources),
                ),
                hook_instance,
            )
        )
    return cards


def with_dose(resource: dict[str, Any], mg: float, unit: str) -> dict[str, Any]:
    """A copy of a MedicationRequest whose first dose is ``mg`` (other content kept)."""
    updated = copy.deepcopy(resource)
    instructions = updated.setdefault("dosageInstruction", [{}])
    if not instructions:
        instructions.append({})
    first = instructions[0]
    rates = first.setdefault("doseAndRate", [{}])
    if not rates:
        rates.append({})
    rates[0]["doseQuantity"] = {"value": mg, "unit": unit, "system": UCUM, "code": unit}
    return updated


def import_card(
    kb: KnowledgeBase, imported: FhirImport, unavailable: dict[str, str], hook_instance: str
) -> Card | None:
    """An info card listing data that was not used or could not be had (nothing silent)."""
    lines: list[str] = []
    for key, why in unavailable.items():
        lines.append(f"- data '{key}' not available: {why}")
    for m in imported.missing:
        lines.append(f"- {m.field}: {m.text}")
    for item in imported.ignored[:20]:
        code = f" ({item.code})" if item.code else ""
        lines.append(f"- {item.resource}{code}: {item.reason}")
    if len(imported.ignored) > 20:
        lines.append(f"- … and {len(imported.ignored) - 20} more")
    if not lines:
        return None
    return Card(
        uuid=card_id(hook_instance, "import"),
        summary=(
            f"Record read with gaps: {len(imported.ignored)} item(s) not used, "
            f"{len(imported.missing) + len(unavailable)} fact(s) missing"
        ),
        detail="\n".join(lines),
        indicator=Indicator.info,
        source=Source(
            label=f"her2path (knowledge base {kb.version})",
            topic=Coding(system=TOPIC_SYSTEM, code="import", display="import"),
        ),
    )
