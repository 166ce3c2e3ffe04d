"""Dated contraception and breastfeeding answers for a patient after the last dose.

Builds on :mod:`her2path.engine.reproductive` (the per-product windows): given the
products and their last-dose dates, and who is asking (a person who can become
pregnant, or a man whose partner can), it returns each product's dates and, for a
regimen of several products, the date that ends last.  Pure: no clock.
"""

from __future__ import annotations

from datetime import date

from pydantic import Field

from her2path.domain.explain import Explained
from her2path.domain.patient import Patient, Sex
from her2path.engine.reproductive import (
    Person,
    WindowAnswer,
    contraception_until,
    lactation_until,
    latest_until,
)
from her2path.errors import InputError, Problem
from her2path.kb.model import KnowledgeBase


class WindowsAnswer(Explained):
    kb_version: str
    person: Person
    contraception: list[WindowAnswer]
    lactation: list[WindowAnswer] = Field(
        default_factory=list, description="Only for a person who can breastfeed"
    )
    contraception_until: WindowAnswer | None = Field(
        default=None, description="The window that ends last (an unknown window wins)"
    )
    lactation_until: WindowAnswer | None = None
    notes: list[str] = Field(default_factory=list)


def dated_windows(
    kb: KnowledgeBase, last_doses: dict[str, date], person: Person | str
) -> WindowsAnswer:
    """Each product's contraception (and lactation) end date after its last dose."""
    who = Person(person)
    if not last_doses:
        raise InputError([Problem("product", "give at least one product and its last dose")])
    contraception = [contraception_until(kb, p, d, who) for p, d in last_doses.items()]
    lactation = (
        [lactation_until(kb, p, d) for p, d in last_doses.items()] if who is Person.female else []
    )
    notes: list[str] = []
    if who is Person.male:
        notes.append(
            "The male windows apply when a partner can become pregnant; "
            "the patient document does not record the partner."
        )
    return WindowsAnswer(
        kb_version=kb.version,
        person=who,
        contraception=contraception,
        lactation=lactation,
        contraception_until=latest_until(contraception),
        lactation_until=latest_until(lactation),
        notes=notes,
    )


def last_doses_from_patient(
    patient: Patient, products: list[str]
) -> tuple[dict[str, date], list[Problem]]:
    """The last-dose date of each product from the patient's therapies (their end dates)."""
    found: dict[str, date] = {}
    problems: list[Problem] = []
    for product in products:
        ends = [t.end for t in patient.therapies if t.drug == product]
        if not ends:
            problems.append(Problem("--product", f"no therapy with '{product}' in the patient"))
        elif any(e is None for e in ends):
            problems.append(
                Problem(
                    "--product",
                    f"'{product}' is still being given (no end date): the window starts "
                    "at the last dose, which is not known yet",
                )
            )
        else:
            found[product] = max(e for e in ends if e is not None)
    return found, problems


def person_from_patient(patient: Patient) -> tuple[Person | None, list[str]]:
    """Whose windows apply (None when the document cannot say), with notes."""
    if patient.sex is Sex.male:
        return Person.male, []
    if patient.sex is Sex.other:
        return None, ["sex 'other': give --person female or male"]
    if patient.can_become_pregnant is False:
        return Person.female, [
            "The patient cannot become pregnant: the contraception dates do not apply to her."
        ]
    if patient.can_become_pregnant is None:
        return Person.female, [
            "Whether the patient can become pregnant is not recorded; the dates apply if she can."
        ]
    return Person.female, []
