"""Things recorded over a course that the patient document does not hold itself."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import Field

from her2path.domain.her2 import DomainModel


class Route(StrEnum):
    intravenous = "intravenous"
    subcutaneous = "subcutaneous"
    oral = "oral"


class DoseKind(StrEnum):
    loading = "loading"
    maintenance = "maintenance"


class AdministeredDose(DomainModel):
    """One dose given. ``product`` is a product id of the knowledge base (e.g. ``herceptin``).

    When the patient has a current course, the course engine sees the dose among the
    course's administered doses (date, product, dose, weight, kind, level).
    """

    date: date
    product: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9_]+$")
    dose_mg: float = Field(gt=0, le=20000, description="Dose actually given, mg")
    weight_kg: float | None = Field(default=None, gt=20, le=350, description="Weight dosed on")
    kind: DoseKind | None = None
    level: int = Field(default=0, ge=0, le=5, description="Dose-reduction level (0 = start)")
    route: Route | None = None
    cycle: int | None = Field(default=None, ge=1, le=500)
    note: str | None = Field(default=None, max_length=500, pattern=r"^[^\x00-\x1f\x7f]*$")

    def course_entry(self) -> dict[str, object]:
        """The fields a course's administered dose holds."""
        return self.model_dump(
            mode="json", include={"date", "product", "dose_mg", "weight_kg", "kind", "level"}
        )


class CourseStart(DomainModel):
    """Start a new treatment course (it becomes the patient's current course)."""

    regimen: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9_]+$")
    setting: str = Field(
        pattern=r"^(neoadjuvant|adjuvant|extended_adjuvant|metastatic)$",
        description="neoadjuvant, adjuvant, extended_adjuvant or metastatic",
    )
    start: date
    baseline_lvef_date: date | None = None
