"""Knowledge-base model for the proportions of the synthetic cohort generator.

The generator (``her2path synth``) draws every proportion from
``knowledge/synthetic.yaml``; each proportion cites where it comes from.  Some are
published figures (HER2-positive in 15-20% of breast cancers); others are
assumptions made so that every audit has cases to find, and say so.
"""

from __future__ import annotations

from pydantic import Field

from her2path.kb.provenance import KBModel, Sourced

Loc = tuple[str | int, ...]


class Proportion(Sourced):
    value: float = Field(ge=0)
    unit: str = "fraction"
    meaning: str = Field(min_length=3)


class SyntheticKnowledge(KBModel):
    """Named proportions and distributions the generator reads."""

    proportions: dict[str, Proportion]

    def p(self, name: str) -> float:
        return self.proportions[name].value

    def kb_check(self, kb: object) -> list[tuple[Loc, str]]:
        found: list[tuple[Loc, str]] = []
        for name, prop in self.proportions.items():
            if prop.unit == "fraction" and prop.value > 1:
                found.append((("proportions", name, "value"), "a fraction must be at most 1"))
        return found
