"""Contraception and breastfeeding windows after the last dose (pure functions).

``contraception_until`` answers "until when must this person use contraception after
the last dose of this product?" with the date, the window it comes from and its
sources.  A window that no source confirms gives ``until=None`` and ``known=False``:
the answer is "unknown", never a guess.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import Field

from her2path.domain.explain import Explained
from her2path.errors import InputError, Problem
from her2path.kb.model import KnowledgeBase
from her2path.kb.provenance import SourceRef
from her2path.kb.reproductive import ReproductiveRule, Window


class Person(StrEnum):
    """Whose window: a female patient, or a male patient with a partner who can conceive."""

    female = "female"
    male = "male"


class WindowAnswer(Explained):
    """A dated answer: the last day a precaution applies after the last dose."""

    product: str
    topic: str = Field(description="contraception or lactation")
    person: Person
    last_dose: date
    window: str | None = Field(description="The window as the source states it, e.g. '7 months'")
    until: date | None = Field(description="Last dose plus the window; null when unknown")
    known: bool
    applies: bool = Field(description="False when the label states no window for this person")
    text: str
    sources: list[SourceRef] = Field(min_length=1)


def _rule(kb: KnowledgeBase, product_id: str) -> ReproductiveRule:
    rule = kb.reproductive.for_product(product_id)
    if rule is None:
        known = ", ".join(sorted(p for r in kb.reproductive.rules for p in r.products))
        raise InputError([Problem("product", f"unknown product '{product_id}'; known: {known}")])
    return rule


def _answer(
    product_id: str, topic: str, person: Person, last_dose: date, w: Window | None
) -> WindowAnswer | None:
    if w is None:
        return None
    dur = w.after_last_dose
    return WindowAnswer(
        product=product_id,
        topic=topic,
        person=person,
        last_dose=last_dose,
        window=str(dur) if dur else None,
        until=dur.after(last_dose) if dur else None,
        known=dur is not None,
        applies=True,
        text=w.text,
        sources=w.sources,
    )


def contraception_until(
    kb: KnowledgeBase, product_id: str, last_dose: date, person: Person | str
) -> WindowAnswer:
    """Until when contraception is needed after ``last_dose`` of ``product_id``."""
    who = Person(person)
    rule = _rule(kb, product_id)
    window = rule.contraception_female if who is Person.female else rule.contraception_male
    found = _answer(product_id, "contraception", who, last_dose, window)
    if found is not None:
        return found
    return WindowAnswer(
        product=product_id,
        topic="contraception",
        person=who,
        last_dose=last_dose,
        window=None,
        until=None,
        known=True,
        applies=False,
        text="The label states no contraception window for men for this product",
        sources=rule.sources,
    )


def lactation_until(kb: KnowledgeBase, product_id: str, last_dose: date) -> WindowAnswer:
    """Until when breastfeeding is advised against (or weighed) after ``last_dose``."""
    rule = _rule(kb, product_id)
    found = _answer(product_id, "lactation", Person.female, last_dose, rule.lactation)
    assert found is not None  # lactation is required by the model
    return found


def latest_until(answers: list[WindowAnswer]) -> WindowAnswer | None:
    """For a regimen of several products: the answer that ends last (unknown wins)."""
    relevant = [a for a in answers if a.applies]
    unknown = [a for a in relevant if not a.known]
    if unknown:
        return unknown[0]
    dated = [a for a in relevant if a.until is not None]
    return max(dated, key=lambda a: a.until or date.min) if dated else None
