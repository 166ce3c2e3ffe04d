"""What the FHIR adapter returns: the facts it read, the patient document, and what it left out."""

from __future__ import annotations

from pydantic import Field

from her2path.domain.assessment import IgnoredInput
from her2path.domain.explain import Explained
from her2path.domain.patient import Patient, Therapy
from her2path.domain.record import DrugExposure, ExposureKind, ImportedFacts

__all__ = [
    "DrugExposure",
    "ExposureKind",
    "FhirImport",
    "IgnoredItem",
    "ImportNote",
    "ImportedFacts",
    "MissingFact",
]

#: An input item that was not used (shared with the Assessment, see ``ignored_input``).
IgnoredItem = IgnoredInput


class ImportNote(Explained):
    """Something the adapter did that a reader should know (an assumption, a choice)."""

    resource: str
    text: str


class MissingFact(Explained):
    """A fact the patient document needs that the record does not give."""

    field: str
    text: str


class FhirImport(Explained):
    """The result of reading FHIR input: the patient document when it can be built."""

    kb_version: str
    patient: Patient | None
    facts: ImportedFacts
    therapies: list[Therapy] = Field(default_factory=list)
    missing: list[MissingFact] = Field(default_factory=list)
    ignored: list[IgnoredItem] = Field(default_factory=list)
    notes: list[ImportNote] = Field(default_factory=list)
    used: list[str] = Field(
        default_factory=list, description="Type/id of every resource that was used"
    )
