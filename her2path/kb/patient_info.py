"""Plain-language texts for the patient report, each a sourced fact of the knowledge base.

The report builder only picks texts from here (by HER2 category, HER2 status and
product id); it writes no clinical statement of its own.
"""

from __future__ import annotations

from pydantic import Field

from her2path.kb.her2 import ExpressionCategory, Her2Status
from her2path.kb.provenance import KBModel, Sourced


class PlainText(Sourced):
    text: str = Field(min_length=3)


class CategoryText(Sourced):
    """What a HER2 expression category means, in plain words."""

    category: ExpressionCategory
    text: str = Field(min_length=3)


class StatusText(Sourced):
    """What a HER2 status that is not final (equivocal, no result) means for the patient."""

    status: Her2Status
    text: str = Field(min_length=3)


class ProductInfo(Sourced):
    """How one medicine is given and what to watch for, for the products it applies to."""

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    applies_to: list[str] = Field(min_length=1, description="Product ids")
    name: str
    how_given: str
    time_in_chair: str
    common_effects: list[str] = Field(min_length=1)
    call_right_away: list[str] = Field(min_length=1)
    heart: str | None = None
    pregnancy: str
    breastfeeding: str


class PatientInfo(KBModel):
    supports_not_replaces: PlainText
    her2_categories: list[CategoryText] = Field(min_length=1)
    her2_statuses: list[StatusText] = Field(default_factory=list)
    heart_checks: PlainText
    no_options_yet: PlainText
    paused: PlainText = Field(description="Shown when the team has paused a medicine")
    general_call: PlainText
    questions: list[PlainText] = Field(min_length=1)
    products: list[ProductInfo] = Field(min_length=1)

    def category(self, category: ExpressionCategory) -> CategoryText | None:
        return next((c for c in self.her2_categories if c.category is category), None)

    def status(self, status: Her2Status) -> StatusText | None:
        return next((s for s in self.her2_statuses if s.status is status), None)

    def product(self, product_id: str) -> ProductInfo | None:
        return next((p for p in self.products if product_id in p.applies_to), None)
