"""HER2 test results as a validated domain model.

Three kinds of result: IHC (a score and/or the staining pattern), dual-probe ISH
(ratio, HER2 and CEP17 copies, cells counted, an optional blinded recount) and
single-probe ISH.  Each result names its specimen and date.  Everything here is
validated on construction; an invalid result never reaches the engine.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from her2path.kb.her2 import Completeness, IHCScore, Intensity


class DomainModel(BaseModel):
    """Base of the domain model: unknown fields are rejected, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class TumourSite(StrEnum):
    breast = "breast"
    gastric = "gastric"
    gej = "gej"
    oesophageal = "oesophageal"


class SpecimenOrigin(StrEnum):
    primary = "primary"
    metastasis = "metastasis"
    recurrence = "recurrence"


class Procedure(StrEnum):
    core_biopsy = "core_biopsy"
    endoscopic_biopsy = "endoscopic_biopsy"
    excision = "excision"
    resection = "resection"


class DiseaseSetting(StrEnum):
    """The setting the HER2 answer is asked for (decides which result governs)."""

    early = "early"
    metastatic = "metastatic"


class Specimen(DomainModel):
    id: str | None = Field(default=None, max_length=64, description="Laboratory specimen id")
    origin: SpecimenOrigin
    procedure: Procedure
    collected: date | None = Field(default=None, description="Date the tissue was taken")
    after_neoadjuvant: bool = Field(
        default=False, description="Taken after pre-operative (neoadjuvant) therapy"
    )

    def key(self) -> tuple[str, ...]:
        """Results with the same key are read together as one specimen.

        The laboratory id when there is one; otherwise origin, procedure and collection
        date; results with neither id nor collection date are grouped by origin and
        procedure alone.
        """
        if self.id:
            return ("id", self.id)
        when = self.collected.isoformat() if self.collected else "undated"
        return ("spec", self.origin.value, self.procedure.value, when)


class StainingPattern(DomainModel):
    intensity: Intensity
    completeness: Completeness
    percent_cells: float = Field(ge=0, le=100, description="% of invasive tumour cells stained")
    largest_cluster_cells: int | None = Field(
        default=None, ge=0, description="Cells in the largest stained cohesive cluster (biopsy)"
    )


class IHCResult(DomainModel):
    kind: Literal["ihc"] = "ihc"
    date: date
    specimen: Specimen
    score: IHCScore | None = None
    pattern: StainingPattern | None = None
    membrane_staining: bool | None = Field(
        default=None,
        description="For IHC 0: whether faint, incomplete membrane staining is present",
    )

    @model_validator(mode="after")
    def _score_or_pattern(self) -> IHCResult:
        if self.score is None and self.pattern is None:
            raise ValueError("an IHC result needs a score (0, 1+, 2+, 3+) or a staining pattern")
        return self


class ISHCount(DomainModel):
    """One count of a dual-probe ISH slide."""

    ratio: float | None = Field(default=None, gt=0, le=100, description="HER2/CEP17 ratio")
    her2_copies: float = Field(ge=0, le=200, description="Mean HER2 signals per cell")
    cep17_copies: float | None = Field(
        default=None, gt=0, le=200, description="Mean CEP17 signals per cell"
    )
    cells_counted: int | None = Field(default=None, ge=1, le=10000)

    @model_validator(mode="after")
    def _ratio_or_cep17(self) -> ISHCount:
        if self.ratio is None and self.cep17_copies is None:
            raise ValueError("give the HER2/CEP17 ratio, or the CEP17 copies to compute it")
        return self

    @property
    def computed_ratio(self) -> float | None:
        if self.cep17_copies is None:
            return None
        return self.her2_copies / self.cep17_copies

    @property
    def effective_ratio(self) -> float:
        """The reported ratio, or the one computed from copy numbers when none is reported."""
        if self.ratio is not None:
            return self.ratio
        computed = self.computed_ratio
        assert computed is not None  # guaranteed by the validator
        return computed


class DualProbeISHResult(DomainModel):
    kind: Literal["dual_probe_ish"] = "dual_probe_ish"
    date: date
    specimen: Specimen
    count: ISHCount
    recount: ISHCount | None = Field(
        default=None, description="Blinded second-observer recount of at least 20 cells"
    )


class SingleProbeISHResult(DomainModel):
    kind: Literal["single_probe_ish"] = "single_probe_ish"
    date: date
    specimen: Specimen
    her2_copies: float = Field(ge=0, le=200)
    cells_counted: int | None = Field(default=None, ge=1, le=10000)


Her2Result = Annotated[
    IHCResult | DualProbeISHResult | SingleProbeISHResult, Field(discriminator="kind")
]


class Her2Case(DomainModel):
    """What the HER2 interpreter is asked: one site, its results, and the setting."""

    site: TumourSite
    results: list[Her2Result] = Field(default_factory=list)
    setting: DiseaseSetting | None = None
