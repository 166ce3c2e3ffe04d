"""Knowledge-base models for HER2 test interpretation.

The YAML files under ``knowledge/her2/`` mirror the guideline tables row by row:
a reader holding ASCO/CAP 2018 Figure 3 finds each ISH group as one entry of
``dual_probe_groups``.  Numbers appear once, as named cut-offs; rows refer to
them by name through :class:`Band`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import Field, model_validator

from her2path.kb.provenance import KBModel, Sourced


class IHCScore(StrEnum):
    zero = "0"
    one = "1+"
    two = "2+"
    three = "3+"


class Intensity(StrEnum):
    none = "none"
    faint = "faint"
    weak_to_moderate = "weak_to_moderate"
    strong = "strong"


class Completeness(StrEnum):
    none = "none"
    incomplete = "incomplete"
    complete = "complete"
    basolateral = "basolateral"
    lateral = "lateral"


class SpecimenKind(StrEnum):
    """How the gastric guideline groups specimens (biopsy vs surgical)."""

    biopsy = "biopsy"
    resection = "resection"


class Her2Status(StrEnum):
    """The pathology result, as ASCO/CAP and CAP/ASCP/ASCO name it."""

    positive = "positive"
    negative = "negative"
    equivocal = "equivocal"
    no_result = "no_result"


class ExpressionCategory(StrEnum):
    """The category drug labels use for eligibility."""

    her2_positive = "her2_positive"
    her2_low = "her2_low"
    her2_ultralow = "her2_ultralow"
    her2_0 = "her2_0"
    her2_negative = "her2_negative"
    not_determinable = "not_determinable"


class Cutoff(Sourced):
    """A named number the interpretation rules compare against."""

    value: float
    unit: str
    meaning: str = Field(min_length=3)


class Band(KBModel):
    """An interval over one measurement, bounded by named cut-offs.

    ``at_least`` and ``above`` bound from below (inclusive / exclusive);
    ``below`` and ``at_most`` bound from above (exclusive / inclusive).
    """

    at_least: str | None = None
    above: str | None = None
    below: str | None = None
    at_most: str | None = None

    @model_validator(mode="after")
    def _one_bound_per_side(self) -> Band:
        if self.at_least is not None and self.above is not None:
            raise ValueError("give either 'at_least' or 'above', not both")
        if self.below is not None and self.at_most is not None:
            raise ValueError("give either 'below' or 'at_most', not both")
        if all(v is None for v in (self.at_least, self.above, self.below, self.at_most)):
            raise ValueError("a band needs at least one bound")
        return self

    def names(self) -> list[str]:
        return [v for v in (self.at_least, self.above, self.below, self.at_most) if v is not None]

    def contains(self, value: float, cutoffs: dict[str, Cutoff]) -> bool:
        if self.at_least is not None and not value >= cutoffs[self.at_least].value:
            return False
        if self.above is not None and not value > cutoffs[self.above].value:
            return False
        if self.below is not None and not value < cutoffs[self.below].value:
            return False
        return not (self.at_most is not None and not value <= cutoffs[self.at_most].value)

    def describe(self, cutoffs: dict[str, Cutoff]) -> str:
        parts: list[str] = []
        if self.at_least is not None:
            parts.append(f">= {cutoffs[self.at_least].value:g}")
        if self.above is not None:
            parts.append(f"> {cutoffs[self.above].value:g}")
        if self.below is not None:
            parts.append(f"< {cutoffs[self.below].value:g}")
        if self.at_most is not None:
            parts.append(f"<= {cutoffs[self.at_most].value:g}")
        return " and ".join(parts)


class IHCPatternRow(Sourced):
    """One row of an IHC scoring table: a staining pattern and the score it earns."""

    id: str
    score: IHCScore | None = Field(
        description="The score this pattern earns; null means the guideline leaves it to review"
    )
    text: str = Field(min_length=3)
    intensity: list[Intensity] | None = None
    completeness: list[Completeness] | None = None
    percent_cells: Band | None = None
    cluster_cells: Band | None = None
    specimen: list[SpecimenKind] | None = None
    membrane_staining: bool | None = Field(
        default=None, description="Whether the row describes visible membrane staining"
    )


class IHCCallRow(Sourced):
    """What an IHC score means on its own: the result and the step it calls for."""

    score: IHCScore
    status: Her2Status
    next_step: str | None = None
    text: str = Field(min_length=3)


class DualProbeGroup(Sourced):
    """One ASCO/CAP dual-probe ISH group (Figure 3)."""

    group: int = Field(ge=1, le=5)
    ratio: Band
    her2_copies: Band
    initial_status: Her2Status
    needs_concurrent_ihc: bool
    text: str = Field(min_length=3)


class WorkupOutcome(StrEnum):
    positive = "positive"
    negative = "negative"
    recount = "recount"
    dual_probe = "dual_probe"
    adjudicate = "adjudicate"


class ConcurrentIHCWorkup(Sourced):
    """The final call for a dual-probe group 2-4 given concurrent IHC (Figures 4-6)."""

    group: int = Field(ge=2, le=4)
    by_ihc: dict[IHCScore, WorkupOutcome]
    recount_same_group: Literal["positive", "negative"]
    recount_other_group: Literal["adjudicate"]
    comment: str = Field(min_length=3, description="The report comment the guideline asks for")
    text: str = Field(min_length=3)


class SingleProbeBand(Sourced):
    """One band of single-probe ISH (Figure 2)."""

    id: str
    her2_copies: Band
    status: Her2Status | None = Field(description="null: work-up on the same tissue decides")
    text: str = Field(min_length=3)


class SingleProbeWorkup(Sourced):
    """The work-up for single-probe 4.0-6.0 copies by concurrent IHC / dual-probe."""

    by_ihc: dict[IHCScore, WorkupOutcome]
    by_dual_probe_group: dict[int, WorkupOutcome]
    text: str = Field(min_length=3)


class ReviewPoint(Sourced):
    """A boundary the guideline leaves to the pathologist; never decided by software."""

    id: str
    specimen: list[SpecimenKind] | None = None
    percent_cells_equals: str = Field(description="Name of the cut-off at which to stop")
    text: str = Field(min_length=3)


class SiteCriteria(Sourced):
    """All interpretation criteria for one group of tumour sites."""

    name: str
    sites: list[str] = Field(min_length=1)
    guideline: str
    cutoffs: dict[str, Cutoff]
    ihc_patterns: list[IHCPatternRow] = Field(min_length=1)
    ihc_calls: list[IHCCallRow] = Field(min_length=4)
    dual_probe_groups: list[DualProbeGroup] = Field(default_factory=list)
    concurrent_ihc_workup: list[ConcurrentIHCWorkup] = Field(default_factory=list)
    single_probe_bands: list[SingleProbeBand] = Field(default_factory=list)
    single_probe_workup: SingleProbeWorkup | None = None
    ish_ratio_positive: Band | None = Field(
        default=None, description="Ratio-only ISH call, for sites without ISH groups"
    )
    min_cells_counted: str | None = Field(default=None, description="Cut-off name")
    review_points: list[ReviewPoint] = Field(default_factory=list)
    ratio_tolerance: str = Field(
        description="Cut-off name for the reported-vs-computed ratio check"
    )


class CategoryRule(Sourced):
    """A drug-label expression category and the facts that place a result in it."""

    category: ExpressionCategory
    sites: list[str] = Field(min_length=1)
    status: Her2Status
    ihc_scores: list[IHCScore] | None = None
    membrane_staining: bool | None = None
    text: str = Field(min_length=3)


class NextStepDef(Sourced):
    """A next step the interpretation can ask for, in words a clinician can act on."""

    code: str
    text: str = Field(min_length=3)


class GoverningRule(Sourced):
    """One rule for choosing the result that governs when there are several."""

    id: str
    text: str = Field(min_length=3)


class StatusChangeMeaning(Sourced):
    """What a change of HER2 status between two specimens means."""

    id: str
    earlier_origin: list[str]
    later_origin: list[str]
    later_after_neoadjuvant: bool | None = None
    text: str = Field(min_length=3)


class Her2Knowledge(KBModel):
    """Everything the HER2 interpreter reads."""

    criteria: list[SiteCriteria] = Field(min_length=1)
    categories: list[CategoryRule] = Field(min_length=1)
    next_steps: list[NextStepDef] = Field(min_length=1)
    governing: list[GoverningRule] = Field(min_length=1)
    status_changes: list[StatusChangeMeaning] = Field(default_factory=list)

    def kb_check(self, kb: object) -> list[tuple[tuple[str | int, ...], str]]:
        codes = {s.code for s in self.next_steps}
        found: list[tuple[tuple[str | int, ...], str]] = []
        for i, c in enumerate(self.criteria):
            found += [(("criteria", i, *loc), msg) for loc, msg in check_site_criteria(c, codes)]
        return found

    def for_site(self, site: str) -> SiteCriteria:
        for c in self.criteria:
            if site in c.sites:
                return c
        raise KeyError(site)

    def next_step(self, code: str) -> NextStepDef:
        for s in self.next_steps:
            if s.code == code:
                return s
        raise KeyError(code)


Loc = tuple[str | int, ...]


def _probe_points(values: list[float]) -> list[float]:
    """Values on, just below and just above each cut-off, plus the extremes."""
    points = {0.0, 1e6}
    for v in values:
        points.update({v, v - 1e-6, v + 1e-6})
    return sorted(p for p in points if p >= 0)


def check_site_criteria(c: SiteCriteria, step_codes: set[str]) -> list[tuple[Loc, str]]:
    """Cross-checks that pydantic cannot express: names resolve, tables are total."""
    found: list[tuple[Loc, str]] = []
    known = set(c.cutoffs)

    def band(loc: Loc, b: Band | None) -> None:
        if b is None:
            return
        for name in b.names():
            if name not in known:
                found.append((loc, f"unknown cut-off '{name}'; known: {', '.join(sorted(known))}"))

    for i, row in enumerate(c.ihc_patterns):
        band(("ihc_patterns", i, "percent_cells"), row.percent_cells)
        band(("ihc_patterns", i, "cluster_cells"), row.cluster_cells)
    for i, g in enumerate(c.dual_probe_groups):
        band(("dual_probe_groups", i, "ratio"), g.ratio)
        band(("dual_probe_groups", i, "her2_copies"), g.her2_copies)
    for i, s in enumerate(c.single_probe_bands):
        band(("single_probe_bands", i, "her2_copies"), s.her2_copies)
    band(("ish_ratio_positive",), c.ish_ratio_positive)
    for i, rp in enumerate(c.review_points):
        if rp.percent_cells_equals not in known:
            found.append(
                (
                    ("review_points", i, "percent_cells_equals"),
                    f"unknown cut-off '{rp.percent_cells_equals}'",
                )
            )
    for name, loc in (
        (c.min_cells_counted, ("min_cells_counted",)),
        (c.ratio_tolerance, ("ratio_tolerance",)),
    ):
        if name is not None and name not in known:
            found.append((loc, f"unknown cut-off '{name}'"))
    for i, call in enumerate(c.ihc_calls):
        if call.next_step is not None and call.next_step not in step_codes:
            found.append((("ihc_calls", i, "next_step"), f"unknown next step '{call.next_step}'"))
    scores = [call.score for call in c.ihc_calls]
    for score in IHCScore:
        if scores.count(score) != 1:
            found.append((("ihc_calls",), f"IHC score {score} must have exactly one call row"))
    if found:
        return found

    if c.dual_probe_groups:
        numbers = [k.value for k in c.cutoffs.values()]
        for r in _probe_points(numbers):
            for cp in _probe_points(numbers):
                hits = [
                    g.group
                    for g in c.dual_probe_groups
                    if g.ratio.contains(r, c.cutoffs) and g.her2_copies.contains(cp, c.cutoffs)
                ]
                if len(hits) != 1:
                    found.append(
                        (
                            ("dual_probe_groups",),
                            f"ratio {r:g} with {cp:g} copies falls in groups {hits}; "
                            "the groups must cover every value exactly once",
                        )
                    )
                    return found
        groups = {g.group for g in c.dual_probe_groups}
        for i, w in enumerate(c.concurrent_ihc_workup):
            if w.group not in groups:
                found.append((("concurrent_ihc_workup", i, "group"), f"no ISH group {w.group}"))
            missing = [s.value for s in IHCScore if s not in w.by_ihc]
            if missing:
                found.append(
                    (
                        ("concurrent_ihc_workup", i, "by_ihc"),
                        f"no outcome for IHC {', '.join(missing)}",
                    )
                )
        for g in c.dual_probe_groups:
            covered = any(w.group == g.group for w in c.concurrent_ihc_workup)
            if g.needs_concurrent_ihc and not covered:
                found.append((("concurrent_ihc_workup",), f"group {g.group} has no work-up row"))
    if c.single_probe_bands:
        numbers = [k.value for k in c.cutoffs.values()]
        for cp in _probe_points(numbers):
            band_ids = [s.id for s in c.single_probe_bands if s.her2_copies.contains(cp, c.cutoffs)]
            if len(band_ids) != 1:
                found.append(
                    (
                        ("single_probe_bands",),
                        f"{cp:g} copies falls in bands {band_ids}; bands must not overlap or gap",
                    )
                )
                break
    return found
