"""Knowledge-base models for pregnancy, contraception and breastfeeding windows.

Each product carries its own windows after the last dose (they differ: seven
months for trastuzumab-based antibodies, four months for margetuximab, one week
for tucatinib).  A window that no source confirms is stored as ``None`` with an
``M`` source reference, so the engine can say "unknown" instead of guessing.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from enum import StrEnum

from pydantic import Field

from her2path.kb.provenance import KBModel, Sourced


class DurationUnit(StrEnum):
    days = "days"
    weeks = "weeks"
    months = "months"


class Duration(KBModel):
    """A length of time as a label states it (calendar months stay months)."""

    value: int = Field(ge=0, le=1000)
    unit: DurationUnit

    def after(self, start: date) -> date:
        """The date this duration after ``start`` (months: same day, clamped to month end)."""
        if self.unit is DurationUnit.days:
            return start + timedelta(days=self.value)
        if self.unit is DurationUnit.weeks:
            return start + timedelta(weeks=self.value)
        months = start.month - 1 + self.value
        year = start.year + months // 12
        month = months % 12 + 1
        day = min(start.day, calendar.monthrange(year, month)[1])
        return date(year, month, day)

    def before(self, end: date) -> date:
        """The date this duration before ``end`` (months clamped like :meth:`after`)."""
        if self.unit is DurationUnit.days:
            return end - timedelta(days=self.value)
        if self.unit is DurationUnit.weeks:
            return end - timedelta(weeks=self.value)
        months = end.month - 1 - self.value
        year = end.year + months // 12
        month = months % 12 + 1
        day = min(end.day, calendar.monthrange(year, month)[1])
        return date(year, month, day)

    def __str__(self) -> str:
        unit = self.unit.value[:-1] if self.value == 1 else self.unit.value
        return f"{self.value} {unit}"


class Window(Sourced):
    """How long something applies after the last dose; ``after_last_dose`` null = not verified."""

    after_last_dose: Duration | None
    text: str = Field(min_length=3)


class ReproductiveRule(Sourced):
    """Contraception and lactation windows of one or more products."""

    products: list[str] = Field(min_length=1)
    contraception_female: Window
    contraception_male: Window | None = Field(
        default=None, description="Males with partners who can become pregnant; null = none stated"
    )
    lactation: Window


class ReproductiveKnowledge(KBModel):
    rules: list[ReproductiveRule] = Field(min_length=1)

    def for_product(self, product_id: str) -> ReproductiveRule | None:
        for r in self.rules:
            if product_id in r.products:
                return r
        return None

    def kb_check(self, kb: object) -> list[tuple[tuple[str | int, ...], str]]:
        known = {p.id for p in getattr(kb, "products", [])}
        found: list[tuple[tuple[str | int, ...], str]] = []
        seen: set[str] = set()
        for i, r in enumerate(self.rules):
            for j, p in enumerate(r.products):
                if known and p not in known:
                    found.append((("rules", i, "products", j), f"unknown product id '{p}'"))
                if p in seen:
                    found.append((("rules", i, "products", j), f"product '{p}' listed twice"))
                seen.add(p)
        return found
