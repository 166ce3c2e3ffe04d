"""Adverse events during treatment, and laboratory results, as validated domain models.

An :class:`AdverseEvent` says what happened (type, CTCAE grade), when (onset,
and resolution or still ongoing), on which product, and at which dose level the
patient was (0 = starting dose, 1 = first reduction, ...).  Facts some labels use
to choose the action (``modifiers``, e.g. whether the diarrhoea happened despite
antidiarrhoeal treatment) are optional: a fact that is not given stays unknown
and the engine says which fact it needs.
"""

from __future__ import annotations

from datetime import date

from pydantic import Field, model_validator

from her2path.domain.her2 import DomainModel
from her2path.kb.adverse_events import EventSetting, EventType, Modifier
from her2path.kb.checklists import LabTest


class AdverseEvent(DomainModel):
    product: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9_]+$")
    type: EventType
    grade: int = Field(ge=1, le=5, description="CTCAE grade 1-5")
    onset: date
    resolved: date | None = Field(
        default=None,
        description="Date the event resolved to the grade the label asks; None = ongoing",
    )
    dose_level: int = Field(
        default=0, ge=0, le=10, description="Dose level before the event: 0 = starting dose"
    )
    ladder: str | None = Field(
        default=None,
        description="Ladder variant when a product has several (e.g. with_capecitabine)",
    )
    setting: EventSetting | None = Field(
        default=None, description="early or metastatic; some labels' tables differ"
    )
    treatment_start: date | None = Field(
        default=None, description="First dose of the product (day 1), for day-based schedules"
    )
    modifiers: dict[Modifier, bool] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _dates(self) -> AdverseEvent:
        if self.resolved is not None and self.resolved < self.onset:
            raise ValueError("resolved is before onset")
        if self.treatment_start is not None and self.treatment_start > self.onset:
            raise ValueError("treatment_start is after onset")
        return self

    @property
    def ongoing(self) -> bool:
        return self.resolved is None

    def days_to_resolution(self) -> int | None:
        """Days from onset to resolution (same day = 0); None while ongoing."""
        if self.resolved is None:
            return None
        return (self.resolved - self.onset).days

    def treatment_day(self, on: date) -> int | None:
        """Day of treatment on a date (the first dose is day 1)."""
        if self.treatment_start is None:
            return None
        return (on - self.treatment_start).days + 1


class LabResult(DomainModel):
    test: LabTest
    date: date
    value: float = Field(ge=0)
    unit: str = Field(min_length=1, max_length=32, description="e.g. U/L, x ULN, 10^9/L")
