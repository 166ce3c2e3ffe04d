"""Provenance: the registry of sources and the references every fact carries.

Every clinical fact in the knowledge base names at least one source from the
registry in ``knowledge/sources.yaml`` together with *where* in that source the
fact stands (label section, guideline figure or table, seed file).  Where two
sources disagree, the fact records the disagreement beside itself.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class KBModel(BaseModel):
    """Base for every knowledge-base model: immutable, no unknown keys."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class SourceKind(StrEnum):
    """What sort of document a source is; decides how much weight it carries."""

    label = "label"
    guideline = "guideline"
    trial = "trial"
    standard = "standard"
    formula = "formula"
    seed = "seed"
    secondary = "secondary"
    project = "project"


class Verification(StrEnum):
    """How the fact was checked (mirrors the levels of the reference notes)."""

    label_text = "L"
    guideline_text = "G"
    trial_record = "T"
    secondary = "S"
    unverified = "M"
    project_policy = "P"


class Source(KBModel):
    """One entry of the source registry."""

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    title: str = Field(min_length=3)
    kind: SourceKind
    publisher: str | None = None
    edition: str = Field(min_length=2, description="Revision date, version or year")
    url: str | None = None
    file: str | None = Field(default=None, description="Seed file name, for seed documents")
    note: str | None = None


class SourceRef(KBModel):
    """A pointer from a fact into the registry: which source, and where in it."""

    source: str = Field(min_length=1)
    where: str = Field(min_length=1, description="Section, table, figure or page")
    verification: Verification | None = None


class Disagreement(KBModel):
    """A source that says something else, and how the knowledge base resolved it."""

    source: SourceRef
    says: str = Field(min_length=3)
    resolution: str = Field(min_length=3)


class Sourced(KBModel):
    """Base for every fact: at least one source, and any recorded disagreement."""

    sources: list[SourceRef] = Field(min_length=1)
    disagreements: list[Disagreement] = Field(default_factory=list)


class SourceRegistry(KBModel):
    """The whole registry, as loaded from ``sources.yaml``."""

    sources: list[Source] = Field(min_length=1)

    def by_id(self) -> dict[str, Source]:
        return {s.id: s for s in self.sources}
