"""Knowledge-base models for regimen schedules: the phases of a regimen and what each gives.

One YAML file per regimen under ``knowledge/schedules/`` named by the fixed regimen id.
A regimen is a list of phases (e.g. AC every 3 weeks x 4, then weekly paclitaxel with
weekly trastuzumab x 12, then trastuzumab every 3 weeks).  Each phase lists components:
a drug (a dosing id), the dose specification used and how many administrations.  The
loading dose is given only at the first administration of a drug in the whole course, so
a switch from weekly to three-weekly trastuzumab never reloads.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, model_validator

from her2path.kb.dosing import section_ids
from her2path.kb.provenance import KBModel, Sourced


class Disease(StrEnum):
    early = "early"
    metastatic = "metastatic"


class Component(KBModel):
    """One drug within a phase."""

    drug: str = Field(description="Dosing id (product or partner drug)")
    spec: str = Field(description="Dose spec id of that drug")
    spec_by_tumour: dict[str, str] = Field(
        default_factory=dict, description="Tumour site -> spec id, where the dose differs"
    )
    count: int | None = Field(
        default=None,
        ge=1,
        description="Administrations (or cycles for oral drugs); None = as long as the phase",
    )
    every_days: int | None = Field(default=None, ge=1, description="Overrides the spec interval")
    offset_days: int = Field(default=0, ge=0, description="Day of the phase of the first dose")
    block_days: int | None = Field(
        default=None, ge=1, description="Continuous daily drugs: one calendar entry per block"
    )
    max_days: int | None = Field(
        default=None, ge=1, description="Upper limit from the first dose (e.g. 24 months)"
    )
    note: str | None = None


class Phase(Sourced):
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    title: str
    length_days: int | None = Field(
        default=None, ge=1, description="None: open-ended (until progression or the total limit)"
    )
    components: list[Component] = Field(min_length=1)


class RegimenSchedule(Sourced):
    """The phases of one regimen."""

    id: str = Field(pattern=r"^[a-z0-9_]+$", description="Fixed regimen id")
    title: str
    disease: Disease
    her2_total_weeks: int | None = Field(
        default=None, ge=1, description="Early disease: HER2-directed therapy limit (52 weeks)"
    )
    total: str = Field(description="How long the regimen lasts, in words")
    phases: list[Phase] = Field(min_length=1)
    notes: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _open_phase_last(self) -> RegimenSchedule:
        for p in self.phases[:-1]:
            if p.length_days is None:
                raise ValueError(f"phase '{p.id}' is open-ended but not the last phase")
        return self

    def kb_check(self, kb: object) -> list[tuple[tuple[str | int, ...], str]]:
        problems: list[tuple[tuple[str | int, ...], str]] = []
        dosing = getattr(kb, "dosing", None)
        drugs = dosing.by_id() if dosing is not None else {}
        for i, phase in enumerate(self.phases):
            for j, comp in enumerate(phase.components):
                loc: tuple[str | int, ...] = ("phases", i, "components", j)
                entry = drugs.get(comp.drug)
                if entry is None:
                    problems.append(((*loc, "drug"), f"no dosing entry for '{comp.drug}'"))
                    continue
                for spec in [comp.spec, *comp.spec_by_tumour.values()]:
                    if entry.spec(spec) is None:
                        problems.append(((*loc, "spec"), f"'{comp.drug}' has no dose '{spec}'"))
        known = section_ids(getattr(kb, "regimens", None))
        if known and self.id not in known:
            problems.append((("id",), f"regimen '{self.id}' is not in the regimen list"))
        return problems
