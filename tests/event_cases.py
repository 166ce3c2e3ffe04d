"""Builders for adverse-event tests."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from her2path.domain.events import AdverseEvent
from her2path.engine.events import EventAnswer, manage_event
from her2path.kb import KnowledgeBase

ONSET = date(2026, 3, 2)
AS_OF = date(2026, 6, 1)


def event(product: str, type_: str, grade: int, **extra: Any) -> AdverseEvent:
    doc: dict[str, Any] = {"product": product, "type": type_, "grade": grade, "onset": ONSET}
    if "days" in extra:
        doc["resolved"] = ONSET + timedelta(days=extra.pop("days"))
    doc.update(extra)
    return AdverseEvent.model_validate(doc)


def answer(kb: KnowledgeBase, product: str, type_: str, grade: int, **extra: Any) -> EventAnswer:
    return manage_event(kb, event(product, type_, grade, **extra), AS_OF)


def cites(a: EventAnswer, source: str, where: str = "") -> bool:
    """True when the answer cites ``source`` at a location containing ``where``."""
    return any(s.source == source and where in s.where for s in a.sources)


def rule_ids(a: EventAnswer) -> list[str]:
    return [s.rule for s in a.rule_path]
