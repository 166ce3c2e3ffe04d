"""A treatment course: the regimen, when it started, what was given, holds and plans.

The course is part of the patient document (``Patient.course``).  LVEF readings stay
on the patient (``Patient.lvef``); the course says which regimen they are judged
against.  Everything not recorded stays ``None``.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import Field, model_validator

from her2path.domain.her2 import DomainModel


class DoseKind(StrEnum):
    loading = "loading"
    maintenance = "maintenance"


class CourseSetting(StrEnum):
    """The therapy setting of the course (same values as ``TherapySetting``)."""

    neoadjuvant = "neoadjuvant"
    adjuvant = "adjuvant"
    extended_adjuvant = "extended_adjuvant"
    metastatic = "metastatic"


class AdministeredDose(DomainModel):
    """One dose given: when, which product, how much and on which weight."""

    date: date
    product: str = Field(min_length=1, max_length=64, description="Dosing id of the product")
    dose_mg: float | None = Field(default=None, gt=0, le=20000)
    weight_kg: float | None = Field(default=None, gt=20, le=350)
    kind: DoseKind | None = None
    level: int = Field(default=0, ge=0, le=5, description="Dose-reduction level (0 = start)")


class Hold(DomainModel):
    """A documented interruption of one or more products."""

    start: date
    end: date | None = None
    products: list[str] = Field(default_factory=list, description="Empty = the whole regimen")
    reason: str | None = Field(default=None, max_length=200)

    @model_validator(mode="after")
    def _order(self) -> Hold:
        if self.end is not None and self.end < self.start:
            raise ValueError("end is before start")
        return self


class PlannedDose(DomainModel):
    date: date
    product: str = Field(min_length=1, max_length=64)


class Course(DomainModel):
    """The current (or a past) course of one regimen."""

    regimen: str = Field(min_length=1, max_length=64, description="Regimen id")
    setting: CourseSetting
    start: date
    administered: list[AdministeredDose] = Field(default_factory=list)
    holds: list[Hold] = Field(default_factory=list)
    planned: list[PlannedDose] = Field(default_factory=list)
    baseline_lvef_date: date | None = Field(
        default=None, description="Which LVEF reading is the baseline; default: last before start"
    )
    completed: date | None = Field(default=None, description="Date the course ended")

    @model_validator(mode="after")
    def _dates(self) -> Course:
        bad = [f"administered[{i}]" for i, d in enumerate(self.administered) if d.date < self.start]
        if bad:
            raise ValueError(f"dose before the course start: {', '.join(bad)}")
        if self.completed is not None and self.completed < self.start:
            raise ValueError("completed is before start")
        return self


class MissingFact(DomainModel):
    """A fact the course engines needed and did not get (reported, never guessed)."""

    field: str
    needed_for: str
    text: str
