"""Dose calculation: milligrams for one administration, with every step explained.

Pure: the knowledge base and a :class:`DoseRequest` in, a :class:`DoseAnswer` out.
All constants (dose per kg or m², formula constants, rounding policy, ladders,
vial sizes) come from ``kb.dosing``.  The unrounded dose is always reported next to
the rounded one; a missing measurement gives an answer without milligrams and a
:class:`MissingFact` naming what is needed.
"""

from __future__ import annotations

import itertools
import math
from enum import StrEnum

from pydantic import Field

from her2path.domain.course import DoseKind, MissingFact
from her2path.domain.explain import Explained, Note, RuleStep, Severity
from her2path.domain.patient import Sex
from her2path.errors import InputError, Problem
from her2path.kb.dosing import DoseBasis, DoseSpec, DrugDosing, RoundingMode
from her2path.kb.model import KnowledgeBase
from her2path.kb.provenance import SourceRef


class BsaMethod(StrEnum):
    mosteller = "mosteller"
    dubois = "dubois"


class DoseRequest(Explained):
    """What to dose and the patient measurements available."""

    drug: str = Field(description="Product or partner id")
    spec: str | None = Field(default=None, description="Dose spec id; default: first matching")
    setting: str | None = None
    tumour: str | None = None
    partner: str | None = Field(default=None, description="HER2 partner, for partner doses")
    kind: DoseKind | None = Field(
        default=None, description="loading or maintenance; default loading when the spec has one"
    )
    level: int = Field(default=0, ge=0, le=5, description="Dose-reduction level, 0 = start")
    first_dose: bool = Field(default=False, description="First administration of the drug")
    weight_kg: float | None = Field(default=None, gt=20, le=350)
    height_cm: float | None = Field(default=None, gt=100, le=250)
    age_years: float | None = Field(default=None, ge=18, le=120)
    sex: Sex | None = None
    serum_creatinine_mg_dl: float | None = Field(default=None, gt=0.1, le=20)
    bsa_method: BsaMethod = BsaMethod.mosteller
    rounding: RoundingMode | None = Field(default=None, description="Override the KB policy")
    vial_tolerance_percent: float | None = Field(default=None, ge=0, le=25)
    previous_weight_kg: float | None = Field(
        default=None, gt=20, le=350, description="Weight used for the last calculation"
    )


class Computation(Explained):
    """An intermediate value (BSA, creatinine clearance) and how it was obtained."""

    name: str
    value: float
    unit: str
    formula: str
    sources: list[SourceRef] = Field(min_length=1)


class Timing(Explained):
    text: str
    sources: list[SourceRef]


class DoseAnswer(Explained):
    kb_version: str
    drug: str
    name: str
    spec: str
    spec_title: str
    kind: DoseKind
    level: int
    basis: DoseBasis
    per_unit: float | None = Field(description="Dose in basis units (mg/kg, mg/m², mg, AUC)")
    unit: str
    unrounded_mg: float | None
    dose_mg: float | None = Field(description="Rounded dose per administration")
    rounding: str
    per_day: int
    frequency: str
    timing: Timing | None
    stop: bool = Field(default=False, description="True when the ladder has no lower level")
    computations: list[Computation] = Field(default_factory=list)
    steps: list[RuleStep] = Field(default_factory=list)
    notes: list[Note] = Field(default_factory=list)
    missing: list[MissingFact] = Field(default_factory=list)


def drug_entry(kb: KnowledgeBase, drug: str) -> DrugDosing:
    entry = kb.dosing.by_id().get(drug)
    if entry is None:
        allowed = ", ".join(sorted(kb.dosing.by_id()))
        raise InputError([Problem("drug", f"unknown drug '{drug}'; allowed: {allowed}")])
    return entry


def choose_spec(
    entry: DrugDosing,
    spec: str | None,
    setting: str | None = None,
    tumour: str | None = None,
    partner: str | None = None,
) -> DoseSpec:
    """The dose spec asked for, or the first one matching setting, tumour and partner."""
    if spec is not None:
        found = entry.spec(spec)
        if found is None:
            allowed = ", ".join(s.id for s in entry.specs)
            raise InputError([Problem("spec", f"unknown dose '{spec}'; allowed: {allowed}")])
        return found
    for s in entry.specs:
        if setting and s.settings and setting not in s.settings:
            continue
        if tumour and s.tumours and tumour not in s.tumours:
            continue
        if partner and s.partners and partner not in s.partners:
            continue
        return s
    allowed = ", ".join(s.id for s in entry.specs)
    raise InputError(
        [Problem("spec", f"no dose of '{entry.id}' matches; choose one of: {allowed}")]
    )


def body_surface_area(
    kb: KnowledgeBase, weight_kg: float, height_cm: float, method: BsaMethod
) -> Computation:
    f = kb.dosing.formulas
    if method is BsaMethod.mosteller:
        value = math.sqrt(height_cm * weight_kg / f.mosteller_divisor.value)
        return Computation(
            name="bsa_mosteller",
            value=round(value, 4),
            unit="m²",
            formula=f.mosteller_divisor.meaning,
            sources=f.mosteller_divisor.sources,
        )
    value = (
        f.dubois_coefficient.value
        * weight_kg**f.dubois_weight_exponent.value
        * height_cm**f.dubois_height_exponent.value
    )
    return Computation(
        name="bsa_dubois",
        value=round(value, 4),
        unit="m²",
        formula=f.dubois_coefficient.meaning,
        sources=f.dubois_coefficient.sources,
    )


def creatinine_clearance(
    kb: KnowledgeBase, age_years: float, weight_kg: float, creatinine_mg_dl: float, sex: Sex
) -> Computation:
    """Cockcroft-Gault; the female factor applies to ``female`` only."""
    f = kb.dosing.formulas
    value = (
        (f.cg_age_offset.value - age_years) * weight_kg / (f.cg_divisor.value * creatinine_mg_dl)
    )
    sources = list(f.cg_age_offset.sources)
    formula = f.cg_age_offset.meaning
    if sex is Sex.female:
        value *= f.cg_female_factor.value
        formula += f"; × {f.cg_female_factor.value:g} for women"
    return Computation(
        name="crcl_cockcroft_gault",
        value=round(value, 2),
        unit="mL/min",
        formula=formula,
        sources=sources,
    )


def _round_increment(value: float, increment: float) -> float:
    return math.floor(value / increment + 0.5) * increment


def vial_total(target: float, sizes: list[float]) -> float:
    """The achievable total (sum of whole vials) nearest to ``target``."""
    ordered = sorted(set(sizes))
    ranges = [range(int(target // s) + 2) for s in ordered]
    best = 0.0
    for counts in itertools.product(*ranges):
        total = sum(c * s for c, s in zip(counts, ordered, strict=True))
        if abs(total - target) < abs(best - target) or (
            abs(total - target) == abs(best - target) and total < best
        ):
            best = total
    return best


def round_dose(
    kb: KnowledgeBase,
    entry: DrugDosing,
    unrounded: float,
    mode: RoundingMode | None = None,
    tolerance: float | None = None,
) -> tuple[float, str, list[Note]]:
    """Round a calculated dose per the policy; return the dose, how, and any notes."""
    policy = kb.dosing.rounding
    mode = mode or policy.mode
    tol = policy.vial_tolerance_percent if tolerance is None else tolerance
    notes: list[Note] = []
    if mode is RoundingMode.exact:
        return round(unrounded, 2), "not rounded", notes
    if mode is RoundingMode.vial:
        if entry.vials is None:
            notes.append(
                Note(
                    code="no_vial_sizes",
                    severity=Severity.info,
                    text=f"No vial sizes are recorded for {entry.name}; rounded to the nearest mg.",
                    sources=policy.sources,
                )
            )
        else:
            total = vial_total(unrounded, entry.vials.sizes_mg)
            diff = abs(total - unrounded) / unrounded * 100
            if total > 0 and diff <= tol:
                sizes = ", ".join(f"{s:g}" for s in entry.vials.sizes_mg)
                return (
                    total,
                    f"rounded to whole vials ({sizes} mg): {diff:.1f}% from the calculated "
                    f"dose, within the {tol:g}% tolerance",
                    notes,
                )
            notes.append(
                Note(
                    code="vial_outside_tolerance",
                    severity=Severity.info,
                    text=f"The nearest whole-vial amount ({total:g} mg) is {diff:.1f}% from the "
                    f"calculated dose, beyond the {tol:g}% tolerance; rounded to the nearest mg.",
                    sources=[*policy.sources, *entry.vials.sources],
                )
            )
    value = _round_increment(unrounded, policy.increment_mg)
    return value, f"rounded to the nearest {policy.increment_mg:g} mg", notes


def frequency_text(spec: DoseSpec) -> str:
    per = {1: "once", 2: "twice", 3: "three times"}.get(spec.per_day, f"{spec.per_day} times")
    if spec.interval_days == 1:
        text = f"{per} daily"
        if spec.days_of_cycle is not None and spec.cycle_days is not None:
            a, b = spec.days_of_cycle
            text += f" on days {a}-{b} of a {spec.cycle_days}-day cycle"
        return text
    if spec.interval_days % 7 == 0:
        weeks = spec.interval_days // 7
        return "weekly" if weeks == 1 else f"every {weeks} weeks"
    return f"every {spec.interval_days} days"


def _missing(field: str, spec: DoseSpec, entry: DrugDosing) -> MissingFact:
    return MissingFact(
        field=field,
        needed_for=f"{entry.name} dose ({spec.basis.unit})",
        text=f"unknown: {field} is needed to calculate the {entry.name} dose",
    )


def calculate_dose(kb: KnowledgeBase, req: DoseRequest) -> DoseAnswer:
    """Dose for one administration of ``req.drug``."""
    entry = drug_entry(kb, req.drug)
    spec = choose_spec(entry, req.spec, req.setting, req.tumour, req.partner)
    kind = req.kind or (DoseKind.loading if spec.loading is not None else DoseKind.maintenance)
    steps: list[RuleStep] = []
    notes: list[Note] = []
    missing: list[MissingFact] = []
    computations: list[Computation] = []

    if kind is DoseKind.loading and spec.loading is None:
        notes.append(
            Note(
                code="no_loading_dose",
                severity=Severity.info,
                text=f"{entry.name} ({spec.title}) has no loading dose; the usual dose applies.",
                sources=spec.sources,
            )
        )
        kind = DoseKind.maintenance
    per_unit: float | None = spec.loading if kind is DoseKind.loading else spec.maintenance
    steps.append(
        RuleStep(
            rule=f"dosing.{entry.id}.{spec.id}.{kind.value}",
            text=f"{spec.title}",
            outcome=f"{kind.value} dose {per_unit:g} {spec.basis.unit}",
            sources=spec.sources,
        )
    )
    stop = False
    if req.level > 0:
        ladder = entry.ladder_for(spec.id)
        if ladder is None:
            reason = entry.no_reduction or f"{entry.name} has no dose-reduction levels"
            raise InputError([Problem("level", reason)])
        if kind is DoseKind.loading:
            raise InputError([Problem("level", "a reduced dose is never a loading dose")])
        if req.level >= len(ladder.levels):
            stop = True
            per_unit = None
            steps.append(
                RuleStep(
                    rule=f"dosing.{entry.id}.reduction",
                    text=ladder.text,
                    outcome=f"no level {req.level}: a further reduction means stopping",
                    sources=ladder.sources,
                )
            )
        else:
            per_unit = ladder.levels[req.level]
            steps.append(
                RuleStep(
                    rule=f"dosing.{entry.id}.reduction",
                    text=ladder.text,
                    outcome=f"level {req.level}: {per_unit:g} {spec.basis.unit}"
                    + ("" if ladder.re_escalation else "; do not re-escalate later"),
                    sources=ladder.sources,
                )
            )
    if per_unit is not None and spec.max_per_kg is not None and per_unit > spec.max_per_kg:
        per_unit = spec.max_per_kg
        steps.append(
            RuleStep(
                rule=f"dosing.{entry.id}.{spec.id}.ceiling",
                text=f"never above {spec.max_per_kg:g} mg/kg",
                outcome=f"capped at {spec.max_per_kg:g} mg/kg",
                sources=spec.sources,
            )
        )

    unrounded: float | None = None
    if per_unit is not None:
        unrounded = _amount(kb, req, entry, spec, per_unit, computations, missing)

    dose_mg: float | None = None
    rounding = "not applicable"
    if unrounded is not None:
        if spec.basis is DoseBasis.fixed_mg:
            dose_mg, rounding = unrounded, "fixed dose, not rounded"
        else:
            dose_mg, rounding, more = round_dose(
                kb, entry, unrounded, req.rounding, req.vial_tolerance_percent
            )
            notes += more
    if spec.escalation is not None and kind is DoseKind.maintenance and req.level == 0:
        plan = "; ".join(
            f"days {s.day_from}-{s.day_to}: {s.dose:g} mg"
            if s.day_to is not None
            else f"from day {s.day_from}: {s.dose:g} mg"
            for s in spec.escalation.steps
        )
        notes.append(
            Note(
                code="optional_escalation",
                severity=Severity.info,
                text=f"{spec.escalation.text} ({plan})",
                sources=spec.escalation.sources,
            )
        )
    if spec.note:
        notes.append(
            Note(code="dose_note", severity=Severity.info, text=spec.note, sources=spec.sources)
        )
    notes += _weight_change(kb, req, spec)
    first = kind is DoseKind.loading or (spec.loading is None and req.first_dose)
    timing_spec = spec.first if first else spec.later
    timing = (
        Timing(
            text=("first " if timing_spec is spec.first else "later ") + timing_spec.describe(),
            sources=timing_spec.sources,
        )
        if timing_spec is not None
        else None
    )
    return DoseAnswer(
        kb_version=kb.version,
        drug=req.drug,
        name=entry.name,
        spec=spec.id,
        spec_title=spec.title,
        kind=kind,
        level=req.level,
        basis=spec.basis,
        per_unit=per_unit,
        unit=spec.basis.unit,
        unrounded_mg=None if unrounded is None else round(unrounded, 2),
        dose_mg=dose_mg,
        rounding=rounding,
        per_day=spec.per_day,
        frequency=frequency_text(spec),
        timing=timing,
        stop=stop,
        computations=computations,
        steps=steps,
        notes=notes,
        missing=missing,
    )


def _amount(
    kb: KnowledgeBase,
    req: DoseRequest,
    entry: DrugDosing,
    spec: DoseSpec,
    per_unit: float,
    computations: list[Computation],
    missing: list[MissingFact],
) -> float | None:
    if spec.basis is DoseBasis.fixed_mg:
        return per_unit
    if spec.basis is DoseBasis.mg_per_kg:
        if req.weight_kg is None:
            missing.append(_missing("weight_kg", spec, entry))
            return None
        return per_unit * req.weight_kg
    if spec.basis is DoseBasis.mg_per_m2:
        for name, value in (("weight_kg", req.weight_kg), ("height_cm", req.height_cm)):
            if value is None:
                missing.append(_missing(name, spec, entry))
        if req.weight_kg is None or req.height_cm is None:
            return None
        bsa = body_surface_area(kb, req.weight_kg, req.height_cm, req.bsa_method)
        computations.append(bsa)
        return per_unit * bsa.value
    # Calvert: AUC × (capped creatinine clearance + offset)
    needed = {
        "age_years": req.age_years,
        "weight_kg": req.weight_kg,
        "serum_creatinine_mg_dl": req.serum_creatinine_mg_dl,
        "sex": req.sex,
    }
    for name, known in needed.items():
        if known is None:
            missing.append(_missing(name, spec, entry))
    if (
        req.age_years is None
        or req.weight_kg is None
        or req.serum_creatinine_mg_dl is None
        or req.sex is None
    ):
        return None
    crcl = creatinine_clearance(
        kb, req.age_years, req.weight_kg, req.serum_creatinine_mg_dl, req.sex
    )
    computations.append(crcl)
    f = kb.dosing.formulas
    gfr = min(crcl.value, f.calvert_gfr_cap.value)
    computations.append(
        Computation(
            name="gfr_used",
            value=gfr,
            unit="mL/min",
            formula=f.calvert_gfr_cap.meaning,
            sources=f.calvert_gfr_cap.sources,
        )
    )
    return per_unit * (gfr + f.calvert_gfr_offset.value)


def _weight_change(kb: KnowledgeBase, req: DoseRequest, spec: DoseSpec) -> list[Note]:
    if req.previous_weight_kg is None or req.weight_kg is None:
        return []
    if spec.basis not in (DoseBasis.mg_per_kg, DoseBasis.mg_per_m2, DoseBasis.auc):
        return []
    threshold = kb.dosing.weight_change_percent
    change = abs(req.weight_kg - req.previous_weight_kg) / req.previous_weight_kg * 100
    if change < threshold.value:
        return []
    return [
        Note(
            code="weight_changed",
            severity=Severity.warn,
            text=f"Weight changed {change:.1f}% since the last calculation "
            f"({req.previous_weight_kg:g} → {req.weight_kg:g} kg), at or beyond the "
            f"{threshold.value:g}% threshold: recalculate the dose.",
            sources=threshold.sources,
        )
    ]
