"""The Assessment: everything the engine concludes about one patient, with reasons.

Output adapters (JSON, terminal, HTML, CDS cards, FHIR, patient report) render
this one model; none of them re-derives a conclusion.
"""

from __future__ import annotations

from datetime import date

from pydantic import Field

from her2path.domain.explain import Explained, Note, RuleStep, Severity
from her2path.engine.course import CourseState
from her2path.engine.events import EventAnswer
from her2path.engine.her2 import Her2Answer
from her2path.kb.provenance import SourceRef


class Condition(Explained):
    """One condition of an indication and the patient fact that satisfied (or failed) it."""

    condition: str
    fact: str
    met: bool
    sources: list[SourceRef] = Field(min_length=1)


class ProductChoice(Explained):
    """A product that may fill a HER2-directed component, and the label that allows it."""

    product: str
    name: str
    route: str = Field(description="iv, sc or oral")
    biosimilar_of: str | None = None
    sources: list[SourceRef] = Field(min_length=1)


class Component(Explained):
    """One component of an offered regimen and the products (or partner drugs) that fill it."""

    ingredient: str | None = Field(description="HER2-directed ingredient; null for partners")
    role: str
    products: list[ProductChoice] = Field(default_factory=list)
    one_of: list[str] = Field(default_factory=list, description="Partner drug ids, any one")
    text: str | None = None


class Option(Explained):
    """A label-supported HER2-directed option for the patient now."""

    id: str = Field(description="Indication id in the knowledge base")
    regimen: str | None = Field(description="Regimen id, when the option is a regimen")
    products: list[str] = Field(min_length=1, description="Product ids given in this option")
    title: str
    setting: str
    line: str | None = None
    why: list[Condition] = Field(min_length=1)
    basis: str = Field(default="label", description="label, or trial when no label lists it")
    verification: str = Field(description="Verification level of the indication (L/G/T/S/M/P)")
    components: list[Component] = Field(default_factory=list)
    notes: list[Note] = Field(default_factory=list, description="Remarks on the option")
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


class LineSummary(Explained):
    """What the therapy history says about the line of therapy (metastatic disease)."""

    metastatic_regimens: int
    metastatic_anti_her2_regimens: int
    early_recurrence_within_window: bool | None = Field(
        description="Recurrence during or within the labels' window after (neo)adjuvant therapy"
    )
    line: int | None = Field(description="The metastatic line the next regimen would be")
    text: str


class Assessment(Explained):
    kb_version: str
    patient_id: str
    as_of: date
    her2: Her2Answer
    options: list[Option]
    exclusions: list[Exclusion]
    safety: list[SafetyFinding]
    unknowns: list[Unknown]
    undecided: list[Exclusion] = Field(
        default_factory=list, description="Options that depend on a fact not recorded"
    )
    advice: list[Note] = Field(default_factory=list)
    line: LineSummary | None = None
    setting: str
    site: str
    course: CourseState | None = Field(
        default=None, description="State of the current course, when the patient has one"
    )
    events: list[EventAnswer] = Field(
        default_factory=list,
        description="Open adverse events (not resolved on the as-of date) and the label's answer",
    )
    ignored_input: list[IgnoredInput] = Field(
        default_factory=list, description="Input items not used, each with the reason"
    )
