"""Explanation types shared by every engine: rule steps, next steps and notes.

Every answer her2path gives is built from these, so that each conclusion carries
the rule that reached it and the sources behind that rule.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from her2path.kb.provenance import SourceRef


class Explained(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RuleStep(Explained):
    """One step of the rule path: which rule fired, what it found, and why."""

    rule: str = Field(description="Knowledge-base rule id, e.g. breast.dual_probe_groups.2")
    text: str
    outcome: str
    sources: list[SourceRef] = Field(min_length=1)


class NextStep(Explained):
    """Something that must happen before the answer is final."""

    code: str
    text: str
    sources: list[SourceRef] = Field(min_length=1)


class Severity(StrEnum):
    block = "block"
    warn = "warn"
    info = "info"


class Note(Explained):
    """A remark attached to an answer: an inconsistency, a caveat, a comment to report."""

    code: str
    severity: Severity
    text: str
    sources: list[SourceRef] = Field(min_length=1)
