"""Knowledge-base models for doses: how much, how often, how fast, and what to do when late.

One YAML file per product or partner drug under ``knowledge/dosing/`` (named by its
fixed id).  A file holds the drug's dose specifications (one per schedule, setting or
tumour), its dose-reduction ladders, its late-dose rule and, for infused products,
the vial sizes used for rounding.  ``knowledge/dosing/_common.yaml`` holds the
formula constants (body-surface area, Calvert, Cockcroft-Gault), the rounding
policy and the weight-change threshold.  No number used by the dose engine lives in
Python.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, model_validator

from her2path.kb.provenance import KBModel, Sourced


class DoseBasis(StrEnum):
    """What the dose number is multiplied by."""

    mg_per_kg = "mg_per_kg"
    mg_per_m2 = "mg_per_m2"
    fixed_mg = "fixed_mg"
    auc = "auc"

    @property
    def unit(self) -> str:
        return {
            "mg_per_kg": "mg/kg",
            "mg_per_m2": "mg/m²",
            "fixed_mg": "mg",
            "auc": "mg/mL·min (AUC)",
        }[self.value]


class Route(StrEnum):
    iv = "iv"
    sc = "sc"
    oral = "oral"


class DrugKind(StrEnum):
    her2_directed = "her2_directed"
    chemotherapy = "chemotherapy"
    endocrine = "endocrine"
    immunotherapy = "immunotherapy"


class Timing(Sourced):
    """Infusion or injection time (minutes) and observation afterwards."""

    minutes_min: int = Field(ge=0)
    minutes_max: int | None = Field(default=None, ge=0)
    observe_minutes: int | None = Field(default=None, ge=0)
    text: str | None = None

    def describe(self) -> str:
        span = (
            f"{self.minutes_min}-{self.minutes_max} min"
            if self.minutes_max is not None and self.minutes_max != self.minutes_min
            else f"{self.minutes_min} min"
        )
        if self.observe_minutes:
            span += f"; observe at least {self.observe_minutes} min afterwards"
        if self.text:
            span += f" ({self.text})"
        return span


class EscalationStep(KBModel):
    """One step of an optional start-low dose escalation (neratinib)."""

    day_from: int = Field(ge=1)
    day_to: int | None = Field(default=None, ge=1)
    dose: float = Field(gt=0)


class Escalation(Sourced):
    text: str
    steps: list[EscalationStep] = Field(min_length=1)


class DoseSpec(Sourced):
    """One way of giving the drug: loading and maintenance amount, interval, times."""

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    title: str
    basis: DoseBasis
    loading: float | None = Field(default=None, gt=0, description="First dose, in basis units")
    maintenance: float = Field(gt=0, description="Usual dose, in basis units")
    interval_days: int = Field(ge=1, description="Days between administrations (1 = daily)")
    per_day: int = Field(default=1, ge=1, description="Doses per day on dosing days (2 = BID)")
    days_of_cycle: tuple[int, int] | None = Field(
        default=None, description="First and last dosing day of a cycle (oral/continuous drugs)"
    )
    cycle_days: int | None = Field(default=None, ge=1)
    settings: list[str] = Field(
        default_factory=list, description="Therapy settings this spec is for; empty = any"
    )
    tumours: list[str] = Field(default_factory=list, description="Tumour sites; empty = any")
    partners: list[str] = Field(
        default_factory=list,
        description="Drug ids this partner dose belongs with (capecitabine 750 vs 1000)",
    )
    max_per_kg: float | None = Field(default=None, gt=0, description="Never exceed (mg/kg)")
    first: Timing | None = None
    later: Timing | None = None
    first_loading_only: bool = Field(
        default=True, description="The first timing applies to the loading/first dose only"
    )
    escalation: Escalation | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _loading_not_below_maintenance(self) -> DoseSpec:
        if self.loading is not None and self.loading < self.maintenance:
            raise ValueError("loading dose is below the maintenance dose")
        if self.max_per_kg is not None and self.basis is not DoseBasis.mg_per_kg:
            raise ValueError("max_per_kg needs basis mg_per_kg")
        if self.max_per_kg is not None and self.maintenance > self.max_per_kg:
            raise ValueError("maintenance dose above its own ceiling")
        return self


class ReductionLadder(Sourced):
    """Dose levels, starting dose first; needing a level beyond the last means stop."""

    specs: list[str] = Field(min_length=1, description="Dose spec ids this ladder applies to")
    levels: list[float] = Field(min_length=2)
    re_escalation: bool = False
    text: str

    @model_validator(mode="after")
    def _descending(self) -> ReductionLadder:
        if any(b >= a for a, b in zip(self.levels, self.levels[1:], strict=False)):
            raise ValueError("reduction levels must fall strictly")
        return self


class LateDoseKind(StrEnum):
    """How a late or missed dose is handled."""

    days_late = "days_late"  # trastuzumab IV: lateness past the scheduled date
    time_since_last = "time_since_last"  # pertuzumab / Phesgo: gap between two doses
    no_reload = "no_reload"  # give as soon as possible, keep the interval
    oral_skip = "oral_skip"  # do not make up; next dose at the usual time


class LateDoseRule(Sourced):
    kind: LateDoseKind
    reload_when_days_over: int | None = Field(
        default=None, ge=0, description="days_late: reload when lateness exceeds this"
    )
    reload_when_days_at_least: int | None = Field(
        default=None, ge=1, description="time_since_last: reload when the gap reaches this"
    )
    keep_interval_days: int | None = Field(default=None, ge=1)
    next_dose: str = Field(description="When the next dose falls, in words")
    text: str

    @model_validator(mode="after")
    def _parameters(self) -> LateDoseRule:
        if self.kind is LateDoseKind.days_late and self.reload_when_days_over is None:
            raise ValueError("days_late needs reload_when_days_over")
        if self.kind is LateDoseKind.time_since_last and self.reload_when_days_at_least is None:
            raise ValueError("time_since_last needs reload_when_days_at_least")
        return self


class Vials(Sourced):
    sizes_mg: list[float] = Field(min_length=1)


class DrugDosing(Sourced):
    """All dosing knowledge for one product or partner drug."""

    id: str = Field(pattern=r"^[a-z0-9_]+$", description="Fixed product or partner id")
    name: str
    ingredient: str
    kind: DrugKind
    route: Route
    also_for: list[str] = Field(
        default_factory=list, description="Other product ids dosed exactly like this one"
    )
    specs: list[DoseSpec] = Field(min_length=1)
    reductions: list[ReductionLadder] = Field(default_factory=list)
    no_reduction: str | None = Field(default=None, description="When the label allows none")
    late_dose: LateDoseRule | None = None
    vials: Vials | None = None

    @model_validator(mode="after")
    def _spec_refs(self) -> DrugDosing:
        ids = [s.id for s in self.specs]
        if len(ids) != len(set(ids)):
            raise ValueError("duplicate dose spec id")
        for ladder in self.reductions:
            for ref in ladder.specs:
                if ref not in ids:
                    raise ValueError(f"reduction ladder names unknown spec '{ref}'")
        return self

    def spec(self, spec_id: str) -> DoseSpec | None:
        return next((s for s in self.specs if s.id == spec_id), None)

    def ladder_for(self, spec_id: str) -> ReductionLadder | None:
        return next((r for r in self.reductions if spec_id in r.specs), None)


class Constant(Sourced):
    value: float
    meaning: str


class Formulas(KBModel):
    """Constants of the body-size and renal formulas, each with its source."""

    mosteller_divisor: Constant
    dubois_coefficient: Constant
    dubois_weight_exponent: Constant
    dubois_height_exponent: Constant
    calvert_gfr_offset: Constant
    calvert_gfr_cap: Constant
    cg_age_offset: Constant
    cg_divisor: Constant
    cg_female_factor: Constant


class RoundingMode(StrEnum):
    exact = "exact"
    nearest_mg = "nearest_mg"
    vial = "vial"


class RoundingPolicy(Sourced):
    mode: RoundingMode
    increment_mg: float = Field(default=1.0, gt=0)
    vial_tolerance_percent: float = Field(default=10.0, ge=0, le=25)
    text: str


class DosingCommon(KBModel):
    formulas: Formulas
    rounding: RoundingPolicy
    weight_change_percent: Constant
    drugs: list[DrugDosing] = Field(default_factory=list)

    def by_id(self) -> dict[str, DrugDosing]:
        """Every product id (including ``also_for``) mapped to its dosing entry."""
        found: dict[str, DrugDosing] = {}
        for d in self.drugs:
            found[d.id] = d
            for other in d.also_for:
                found[other] = d
        return found

    def kb_check(self, kb: object) -> list[tuple[tuple[str | int, ...], str]]:
        problems: list[tuple[tuple[str | int, ...], str]] = []
        seen: dict[str, int] = {}
        for i, d in enumerate(self.drugs):
            for pid in [d.id, *d.also_for]:
                if pid in seen:
                    problems.append((("drugs", i, "id"), f"product '{pid}' dosed twice"))
                seen[pid] = i
        known = known_ids(kb)
        if known:
            for i, d in enumerate(self.drugs):
                if d.kind not in (DrugKind.her2_directed, DrugKind.immunotherapy):
                    continue
                for pid in [d.id, *d.also_for]:
                    if pid not in known:
                        problems.append((("drugs", i), f"unknown product or drug id '{pid}'"))
        return problems


def section_ids(section: object) -> set[str]:
    """Ids found in a knowledge-base section of unknown shape (list, mapping or wrapper)."""
    if section is None:
        return set()
    if isinstance(section, dict):
        return {k for k in section if isinstance(k, str)}
    if isinstance(section, list | tuple):
        ids: set[str] = set()
        for item in section:
            pid = item.get("id") if isinstance(item, dict) else getattr(item, "id", None)
            if isinstance(pid, str):
                ids.add(pid)
        return ids
    for name in ("items", "products", "regimens"):
        inner = getattr(section, name, None)
        if isinstance(inner, list | dict):
            return section_ids(inner)
    return set()


def known_ids(kb: object) -> set[str]:
    """Product ids of the products section, when that section exists (else empty)."""
    return section_ids(getattr(kb, "products", None))
