"""Knowledge-base model of the OMOP CDM 5.4 concept mapping (``knowledge/omop/*.yaml``).

Each entry maps OMOP concepts to one code of the cohort layout (a tumour site, a
drug id, an IHC score, a kind of measurement).  Concepts are given by
``concept_id`` where the id was confirmed, and by vocabulary code (LOINC, RxNorm,
SNOMED) otherwise; codes are resolved to ids through the CONCEPT table of the
registry when it is supplied.  A user file of the same shape overrides entries by
``id`` and adds new ones (``her2path audit --omop --concept-map FILE``).
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from her2path.kb.provenance import KBModel, Sourced

Loc = tuple[str | int, ...]


class ConceptRole(StrEnum):
    """What a mapped concept means for the cohort layout."""

    site = "site"
    metastasis = "metastasis"
    her2_ihc = "her2_ihc"
    her2_ish_ratio = "her2_ish_ratio"
    her2_copies = "her2_copies"
    cep17_copies = "cep17_copies"
    lvef = "lvef"
    pregnancy_test = "pregnancy_test"
    ihc_value = "ihc_value"
    result_value = "result_value"
    drug = "drug"
    gender = "gender"
    disease_episode = "disease_episode"


class CodeRef(KBModel):
    vocabulary: str = Field(min_length=2, description="OMOP vocabulary_id, e.g. LOINC, RxNorm")
    code: str = Field(min_length=1, description="concept_code in that vocabulary")


class ConceptMap(Sourced):
    """OMOP concepts that mean one layout code."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    role: ConceptRole
    maps_to: str = Field(min_length=1, description="The layout code (site, drug id, score, ...)")
    concept_ids: list[int] = Field(default_factory=list)
    codes: list[CodeRef] = Field(default_factory=list)
    text: str = Field(min_length=3)


class OmopKnowledge(KBModel):
    concepts: list[ConceptMap] = Field(min_length=1)

    def kb_check(self, kb: object) -> list[tuple[Loc, str]]:
        found: list[tuple[Loc, str]] = []
        ids = [c.id for c in self.concepts]
        for i, c in enumerate(self.concepts):
            if ids.count(c.id) > 1:
                found.append((("concepts", i, "id"), f"duplicate mapping id '{c.id}'"))
            if not c.concept_ids and not c.codes:
                found.append((("concepts", i), "give concept_ids or codes"))
        return found

    def merged(self, override: OmopKnowledge | None) -> OmopKnowledge:
        """This mapping with a user's entries replacing those of the same id."""
        if override is None:
            return self
        by_id = {c.id: c for c in self.concepts}
        for c in override.concepts:
            by_id[c.id] = c
        return OmopKnowledge(concepts=list(by_id.values()))
