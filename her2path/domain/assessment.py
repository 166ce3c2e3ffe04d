"""The Assessment: everything the engine concludes about one patient, with reasons.

Output adapters (JSON, terminal, HTML, CDS cards, FHIR, patient report) render
this one model; none of them re-derives a conclusion.
"""

from __future__ import annotations

from datetime import date

from pydantic import Field

from her2path.domain.explain import Explained, Note, RuleStep, Severity
from her2path.engine.her2 import Her2Answer
from her2path.kb.provenance import SourceRef


class Condition(Explained):
    """One condition of an indication and the patient fact that satisfied (or failed) it."""

    condition: str
    fact: str
    met: bool
    sources: list[SourceRef] = Field(min_length=1)


class Option(Explained):
    """A label-supported HER2-directed option for the patient now."""

    id: str = Field(description="Indication id in the knowledge base")
    regimen: str | None = Field(description="Regimen id, when the option is a regimen")
    products: list[str] = Field(min_length=1, description="Product ids given in this option")
    title: str
    setting: str
    line: str | None = None
    why: list[Condition] = Field(min_length=1)
    flags: list[Note] = Field(default_factory=list, description="Safety findings that apply")
    blocked: bool = Field(description="True when a blocking safety finding applies")
    sources: list[SourceRef] = Field(min_length=1)


class Exclusion(Explained):
    """A drug or regimen not offered, and why not."""

    id: str
    products: list[str]
    title: str
    reasons: list[RuleStep] = Field(min_length=1)


class SafetyFinding(Explained):
    code: str
    severity: Severity
    drugs: list[str] = Field(description="Product ids the finding concerns; empty means all")
    text: str
    sources: list[SourceRef] = Field(min_length=1)


class Unknown(Explained):
    """A fact that was not recorded and is needed to decide something."""

    field: str
    needed_for: str
    text: str


class IgnoredInput(Explained):
    """A piece of input (a FHIR resource, a row, a value) that was not used, and why."""

    resource: str = Field(description="Type/id of the resource, or the input path")
    code: str | None = Field(default=None, description="system|code that was looked at")
    reason: str


class Assessment(Explained):
    kb_version: str
    patient_id: str
    as_of: date
    her2: Her2Answer
    options: list[Option]
    exclusions: list[Exclusion]
    safety: list[SafetyFinding]
    unknowns: list[Unknown]
    ignored_input: list[IgnoredInput] = Field(
        default_factory=list, description="Input items not used, each with the reason"
    )
