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


class AdministeredDose(DomainModel):
    """One dose given. ``product`` is a product id of the knowledge base (e.g. ``herceptin``)."""

    date: date
    product: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9_]+$")
    dose_mg: float = Field(gt=0, le=5000, description="Dose actually given, mg")
    route: Route | None = None
    cycle: int | None = Field(default=None, ge=1, le=500)
    note: str | None = Field(default=None, max_length=500)
