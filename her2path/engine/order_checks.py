"""Order-time checks of HER2-directed drug orders, and the chart-open summary.

Pure functions: facts read from the record (:class:`ImportedFacts`), the draft
orders and ``as_of`` go in; typed findings come out, each with the rule's sources.
Every number comes from ``knowledge/interop/orders/*.yaml``.  Rendering the
findings as CDS Hooks cards is the job of :mod:`her2path.cdshooks.cards`.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import Field

from her2path.domain.course import DoseKind
from her2path.domain.explain import Explained, Severity
from her2path.domain.her2 import Her2Case, TumourSite
from her2path.domain.patient import LVEFReading, PregnancyStatus, ReportedHer2, Sex
from her2path.domain.record import DrugExposure, ImportedFacts
from her2path.engine.cardiac import LvefAction, cardiac_review
from her2path.engine.dosing import DoseAnswer, DoseRequest, calculate_dose
from her2path.engine.her2 import interpret
from her2path.errors import Her2PathError
from her2path.kb.cardiac import TherapyContext
from her2path.kb.dosing import DrugDosing
from her2path.kb.interop import DoseSchedule, DoseStep, OrderRule
from her2path.kb.model import KnowledgeBase
from her2path.kb.provenance import SourceRef

ACTIVE = {"active", "in-progress", "on-hold", "intended"}
_METHOD_RANK = {"summary": 0, "ish": 1, "ihc": 2}


class FindingCode(StrEnum):
    her2_status = "her2_status"
    her2_unknown = "her2_unknown"
    her2_not_labelled = "her2_not_labelled"
    labelled_products = "labelled_products"
    site_not_labelled = "site_not_labelled"
    biosimilar_site = "biosimilar_site"
    pregnant = "pregnant"
    pregnancy_unverified = "pregnancy_unverified"
    lvef_no_baseline = "lvef_no_baseline"
    lvef_due = "lvef_due"
    lvef_hold = "lvef_hold"
    previously_stopped = "previously_stopped"
    dose_mismatch = "dose_mismatch"
    dose_unchecked = "dose_unchecked"
    partner_missing = "partner_missing"
    not_interchangeable = "not_interchangeable"
    safety = "safety"


class DoseSuggestion(Explained):
    mg: float
    step: str
    schedule: str
    mg_per_kg: float | None
    weight_kg: float | None
    interval_days: int


class Finding(Explained):
    code: FindingCode
    severity: Severity
    order: str | None = Field(description="Type/id of the draft order; None for the chart")
    summary: str
    detail: str
    sources: list[SourceRef] = Field(min_length=1)
    dose: DoseSuggestion | None = None


class DraftOrder(Explained):
    """A draft order as the engine needs it (read from the FHIR MedicationRequest)."""

    resource: str
    exposure: DrugExposure
    dose_value: float | None = None
    dose_unit: str | None = None
    interval_days: int | None = None


class Her2Picture(Explained):
    category: str | None
    text: str
    sources: list[SourceRef]


# --- HER2 ---------------------------------------------------------------------------


def her2_picture(kb: KnowledgeBase, facts: ImportedFacts) -> Her2Picture:
    """The HER2 category: re-read from counts when possible, else the lab's own call."""
    if facts.site is not None and facts.her2_results:
        answer = interpret(kb, Her2Case(site=facts.site, results=facts.her2_results))
        if answer.expression_category.value != "not_determinable":
            text = (
                f"HER2 {answer.status.value} ({answer.expression_category.value}), "
                f"interpreted from {len(facts.her2_results)} result(s)"
            )
            return Her2Picture(
                category=answer.expression_category.value,
                text=text,
                sources=answer.all_sources() or _project(),
            )
    ordered = sorted(
        facts.her2_reported,
        key=lambda r: (_METHOD_RANK[r.method.value], -(r.date.toordinal() if r.date else 0)),
    )
    for reported in ordered:
        row = _category_row(kb, reported)
        if row is not None:
            when = reported.date.isoformat() if reported.date else "undated"
            what = reported.text or reported.call or reported.ihc_score
            return Her2Picture(
                category=row[0],
                text=f"HER2 reported as {what} ({reported.method.value}, {when}) → {row[0]}",
                sources=row[1],
            )
    return Her2Picture(category=None, text="No usable HER2 result in the record", sources=[])


def _category_row(kb: KnowledgeBase, r: ReportedHer2) -> tuple[str, list[SourceRef]] | None:
    for row in kb.interop.reported_categories:
        if row.method is not None and row.method != r.method.value:
            continue
        if row.call is not None and (r.call is None or row.call != r.call.value):
            continue
        if row.ihc_score is not None and row.ihc_score != r.ihc_score:
            continue
        return row.category, list(row.sources)
    return None


def _project() -> list[SourceRef]:
    return [SourceRef(source="HER2PATH", where="docs/decisions/0403-order-checks-knowledge.md")]


# --- rules --------------------------------------------------------------------------


def rules_for(kb: KnowledgeBase, exposure: DrugExposure) -> list[OrderRule]:
    """The order rules of the drug ordered: its product's rules, or its ingredients' rules."""
    found: list[OrderRule] = []
    for ingredient in exposure.ingredients:
        for rule in kb.interop.rules():
            if rule.ingredient != ingredient:
                continue
            if exposure.product is None or not rule.products or exposure.product in rule.products:
                found.append(rule)
    return found


def _name(exposure: DrugExposure) -> str:
    return exposure.product or "/".join(exposure.ingredients)


def _prior(
    facts: ImportedFacts, ingredients: list[str], as_of: date, skip: str
) -> list[DrugExposure]:
    return [
        e
        for e in facts.exposures
        if e.resource != skip
        and set(e.ingredients) & set(ingredients)
        and e.start is not None
        and e.start <= as_of
    ]


# --- order checks -------------------------------------------------------------------


def check_orders(
    kb: KnowledgeBase, facts: ImportedFacts, orders: list[DraftOrder], as_of: date
) -> list[Finding]:
    """Every finding for every HER2-directed draft order."""
    found: list[Finding] = []
    picture = her2_picture(kb, facts)
    for order in orders:
        rules = rules_for(kb, order.exposure)
        if not rules:
            continue
        found += _eligibility(kb, facts, order, rules, picture)
        found += _pregnancy(kb, facts, order, rules, as_of)
        found += _lvef(kb, facts, order, rules, as_of)
        found += _dose(kb, facts, order, rules, as_of)
        found += _partners(facts, order, rules, orders)
    return found


def _eligibility(
    kb: KnowledgeBase,
    facts: ImportedFacts,
    order: DraftOrder,
    rules: list[OrderRule],
    picture: Her2Picture,
) -> list[Finding]:
    name = _name(order.exposure)
    found: list[Finding] = []
    site = facts.site
    if site is not None:
        site_rules = [r for r in rules if site in r.sites]
        if not site_rules:
            others = _products_for_site(kb, order.exposure.ingredients, site)
            if others and order.exposure.product is not None:
                found.append(
                    Finding(
                        code=FindingCode.biosimilar_site,
                        severity=Severity.block,
                        order=order.resource,
                        summary=f"{name} is not labelled for {site.value} cancer in the US",
                        detail=(
                            f"The US label of {name} does not include {site.value} cancer. "
                            f"Products of the same ingredient labelled for it: {', '.join(others)}."
                        ),
                        sources=[s for r in rules for s in r.sources],
                    )
                )
            else:
                found.append(
                    Finding(
                        code=FindingCode.site_not_labelled,
                        severity=Severity.block,
                        order=order.resource,
                        summary=f"{name} is not labelled for {site.value} cancer",
                        detail=f"No US label of {name} covers {site.value} cancer.",
                        sources=[s for r in rules for s in r.sources],
                    )
                )
            return found
        rules = site_rules
    categories = sorted({c for r in rules for c in r.her2_categories})
    sources = [s for r in rules for s in r.sources]
    if picture.category is None:
        found.append(
            Finding(
                code=FindingCode.her2_unknown,
                severity=Severity.warn,
                order=order.resource,
                summary=f"No HER2 result found; {name} needs {' or '.join(categories)}",
                detail=f"{picture.text}. The label of {name} requires: {', '.join(categories)}.",
                sources=sources,
            )
        )
    elif picture.category not in categories:
        maybe_low = picture.category == "her2_negative" and (
            "her2_low" in categories or "her2_ultralow" in categories
        )
        found.append(
            Finding(
                code=FindingCode.her2_not_labelled,
                severity=Severity.warn if maybe_low else Severity.block,
                order=order.resource,
                summary=f"{name} is labelled for {', '.join(categories)}; record says "
                f"{picture.category}",
                detail=(
                    f"{picture.text}. The label of {name} covers: {', '.join(categories)}."
                    + (
                        " A report of 'negative' does not say whether the tumour is HER2-low or "
                        "HER2-ultralow; check the IHC score."
                        if maybe_low
                        else ""
                    )
                ),
                sources=sources + picture.sources,
            )
        )
    return found


def _products_for_site(kb: KnowledgeBase, ingredients: list[str], site: TumourSite) -> list[str]:
    return sorted(
        {
            p
            for r in kb.interop.rules()
            if r.ingredient in ingredients and site in r.sites
            for p in r.products
        }
    )


def _pregnancy(
    kb: KnowledgeBase, facts: ImportedFacts, order: DraftOrder, rules: list[OrderRule], as_of: date
) -> list[Finding]:
    if not any(r.verify_pregnancy for r in rules) or facts.sex is Sex.male:
        return []
    name = _name(order.exposure)
    sources = [s for r in rules if r.verify_pregnancy for s in r.sources]
    preg = facts.pregnancy
    if preg is not None and preg.status is PregnancyStatus.pregnant:
        when = preg.checked.isoformat() if preg.checked else "undated"
        return [
            Finding(
                code=FindingCode.pregnant,
                severity=Severity.block,
                order=order.resource,
                summary=f"Pregnancy recorded ({when}); {name} can harm the fetus",
                detail=f"The record shows a pregnancy ({when}). Review before ordering {name}.",
                sources=sources,
            )
        ]
    starting = not _prior(facts, order.exposure.ingredients, as_of, order.resource)
    if not starting:
        return []
    policy = kb.interop.pregnancy_check()
    recent = (
        preg is not None
        and preg.status is PregnancyStatus.not_pregnant
        and preg.checked is not None
        and policy is not None
        and (as_of - preg.checked).days <= policy.valid_days
    )
    if recent:
        return []
    seen = (
        f"last result {preg.status.value} on {preg.checked}"
        if preg is not None and preg.checked
        else "no pregnancy test or status found"
    )
    window = (
        f" (a result from the last {policy.valid_days} days counts as verified)"
        if policy is not None
        else ""
    )
    return [
        Finding(
            code=FindingCode.pregnancy_unverified,
            severity=Severity.warn,
            order=order.resource,
            summary=f"Verify pregnancy status before starting {name}",
            detail=(
                f"The label asks to verify pregnancy status in females of reproductive "
                f"potential before the first dose; {seen}{window}."
            ),
            sources=sources + (list(policy.sources) if policy else []),
        )
    ]


_HOLDING = {LvefAction.withhold, LvefAction.continue_withholding, LvefAction.stop_permanently}


def _cardiac_review(
    kb: KnowledgeBase,
    facts: ImportedFacts,
    order: DraftOrder,
    readings: list[LVEFReading],
    start: date | None,
    as_of: date,
) -> list[Finding] | None:
    """Hold and monitoring findings from the cardiac section; ``None`` when it has no table."""
    entry = _dosing_entry(kb, order.exposure)
    if entry is None or start is None:
        return None
    context = TherapyContext.metastatic if facts.metastatic else TherapyContext.early
    answer = cardiac_review(kb, [entry.id], context, readings, start, as_of)
    if not answer.tables:
        return None
    name = _name(order.exposure)
    found: list[Finding] = []
    if answer.readings:
        last = answer.readings[-1]
        lead = last.leading
        if lead.action in _HOLDING:
            found.append(
                Finding(
                    code=FindingCode.lvef_hold,
                    severity=Severity.block,
                    order=order.resource,
                    summary=f"LVEF {last.baseline:g}→{last.lvef:g}% on {last.date}: "
                    f"{lead.action.value.replace('_', ' ')} {name}",
                    detail=(
                        f"{lead.text} (baseline {last.baseline:g}%, latest {last.lvef:g}% on "
                        f"{last.date}, fall {last.drop:g} points"
                        + (f", lower limit of normal {last.lln:g}%" if last.lln else "")
                        + f"; {context.value} disease)."
                    ),
                    sources=list(lead.sources),
                )
            )
            return found
    latest = readings[-1] if readings else None
    # Only a check missed since the latest reading is actionable at ordering time.
    due = [
        c
        for c in answer.plan
        if c.status.value == "overdue" and (latest is None or c.due > latest.date)
    ]
    if due:
        when = due[0].due.isoformat()
        found.append(
            Finding(
                code=FindingCode.lvef_due,
                severity=Severity.warn,
                order=order.resource,
                summary=f"LVEF check overdue (was due {when}); last "
                + (f"{latest.date}" if latest else "none"),
                detail=(
                    f"The monitoring plan for {name} had an LVEF check due on {when}"
                    + (f"; the last was {latest.percent:g}% on {latest.date}." if latest else ".")
                ),
                sources=[s for c in due for s in c.sources] or list(kb.cardiac.sources),
            )
        )
    return found


def _lvef(
    kb: KnowledgeBase,
    facts: ImportedFacts,
    order: DraftOrder,
    rules: list[OrderRule],
    as_of: date,
) -> list[Finding]:
    rule = next((r for r in rules if r.lvef is not None), None)
    if rule is None or rule.lvef is None:
        return []
    lv = rule.lvef
    name = _name(order.exposure)
    sources = list(lv.sources)
    readings = sorted((r for r in facts.lvef if r.date <= as_of), key=lambda r: r.date)
    prior = _prior(facts, order.exposure.ingredients, as_of, order.resource)
    found: list[Finding] = []
    stopped = [e for e in prior if e.status == "stopped"]
    if stopped:
        why = stopped[-1].stop_reason or "no reason recorded"
        found.append(
            Finding(
                code=FindingCode.previously_stopped,
                severity=Severity.warn,
                order=order.resource,
                summary=f"An earlier {name} order was stopped ({why[:60]})",
                detail=(
                    f"{stopped[-1].resource} was stopped: {why}. If it was stopped for heart "
                    "problems, the label's rules on restarting apply."
                ),
                sources=sources,
            )
        )
    if not readings:
        if lv.baseline_required:
            found.append(
                Finding(
                    code=FindingCode.lvef_no_baseline,
                    severity=Severity.block,
                    order=order.resource,
                    summary=f"No LVEF on record; the label asks for one before {name}",
                    detail="No left-ventricular ejection fraction was found in the record.",
                    sources=sources,
                )
            )
        return found
    latest = readings[-1]
    first = min((e.start for e in prior if e.start), default=None)
    if prior:
        reviewed = _cardiac_review(kb, facts, order, readings, first, as_of)
        if reviewed is not None:
            return found + reviewed
    if prior and lv.recheck_days is not None:
        age = (as_of - latest.date).days
        if age > lv.recheck_days:
            found.append(
                Finding(
                    code=FindingCode.lvef_due,
                    severity=Severity.warn,
                    order=order.resource,
                    summary=f"LVEF check overdue: last {latest.date} ({age} days ago)",
                    detail=(
                        f"During {name} the label asks for LVEF about every {lv.recheck_days} "
                        f"days; the last was {latest.percent:g}% on {latest.date}."
                    ),
                    sources=sources,
                )
            )
    return found


def _candidate_steps(
    rules: list[OrderRule], site: TumourSite | None, interval: int | None, starting: bool
) -> list[tuple[DoseSchedule, DoseStep]]:
    found: list[tuple[DoseSchedule, DoseStep]] = []
    for rule in rules:
        for sched in rule.schedules:
            if site is not None and site not in sched.sites:
                continue
            steps = sched.steps
            step = steps[0] if starting else steps[-1]
            if interval is not None and step.interval_days != interval:
                continue
            found.append((sched, step))
    return found


def _dosing_entry(kb: KnowledgeBase, exposure: DrugExposure) -> DrugDosing | None:
    """The dosing-section entry of the ordered product (or of its single ingredient)."""
    table = kb.dosing.by_id()
    if exposure.product is not None:
        return table.get(exposure.product)
    if len(exposure.ingredients) != 1:
        return None
    return next((d for d in kb.dosing.drugs if d.ingredient == exposure.ingredients[0]), None)


def _dose_from_dosing(
    kb: KnowledgeBase, facts: ImportedFacts, order: DraftOrder, starting: bool
) -> list[Finding] | None:
    """The dose check through the dosing engine; ``None`` when it does not cover the order."""
    entry = _dosing_entry(kb, order.exposure)
    unit = (order.dose_unit or "").lower()
    if entry is None or unit != "mg" or order.dose_value is None:
        return None
    site = facts.site.value if facts.site is not None else None
    specs = [
        sp
        for sp in entry.specs
        if (not sp.tumours or site is None or site in sp.tumours)
        and (order.interval_days is None or sp.interval_days == order.interval_days)
    ]
    if not specs:
        return None
    name = _name(order.exposure)
    tolerance = kb.interop.dose_tolerance()
    pct = tolerance.percent if tolerance else 0.0
    answers: list[DoseAnswer] = []
    for sp in specs:
        kind = DoseKind.loading if starting and sp.loading is not None else DoseKind.maintenance
        # Level 0 is the labelled dose; higher levels are the label's reduction steps,
        # which a clinician may order after toxicity without being warned.
        for level in range(0, 4):
            try:
                answer = calculate_dose(
                    kb,
                    DoseRequest(
                        drug=entry.id,
                        spec=sp.id,
                        tumour=site,
                        kind=kind,
                        level=level,
                        first_dose=starting,
                        weight_kg=facts.weight_kg,
                        height_cm=facts.height_cm,
                        sex=facts.sex,
                    ),
                )
            except Her2PathError:
                break
            if level == 0:
                answers.append(answer)
            if answer.stop:
                break
            for target in (answer.dose_mg, answer.unrounded_mg):
                if target is not None and abs(order.dose_value - target) <= target * pct / 100:
                    return []
    first = answers[0]
    sources = [s for step in first.steps for s in step.sources] + (
        list(tolerance.sources) if tolerance else []
    )
    if first.dose_mg is None:
        why = "; ".join(m.text for m in first.missing) or "a fact the dose needs is not recorded"
        return [
            Finding(
                code=FindingCode.dose_unchecked,
                severity=Severity.warn,
                order=order.resource,
                summary=f"The {name} dose cannot be checked: {why}"[:139],
                detail=f"{first.spec_title}: {why}.",
                sources=sources or list(entry.sources),
            )
        ]
    value = float(first.dose_mg)
    return [
        Finding(
            code=FindingCode.dose_mismatch,
            severity=Severity.warn,
            order=order.resource,
            summary=f"{name} dose {order.dose_value:g} mg differs from {value:g} mg "
            f"({first.kind.value})",
            detail=(
                f"{first.spec_title}: {first.kind.value} dose {first.per_unit:g} {first.unit}"
                + (f" × {facts.weight_kg:g} kg" if first.basis.value == "mg_per_kg" else "")
                + f" = {value:g} mg ({first.rounding}), {first.frequency}. Allowed difference "
                f"{pct:g}%. Ordered: {order.dose_value:g} mg."
            ),
            sources=sources or list(entry.sources),
            dose=DoseSuggestion(
                mg=value,
                step=first.kind.value,
                schedule=first.spec,
                mg_per_kg=first.per_unit if first.basis.value == "mg_per_kg" else None,
                weight_kg=facts.weight_kg,
                interval_days=next(sp.interval_days for sp in specs if sp.id == first.spec),
            ),
        )
    ]


def _dose(
    kb: KnowledgeBase, facts: ImportedFacts, order: DraftOrder, rules: list[OrderRule], as_of: date
) -> list[Finding]:
    starting_now = not _prior(facts, order.exposure.ingredients, as_of, order.resource)
    via_dosing = _dose_from_dosing(kb, facts, order, starting_now)
    if via_dosing is not None:
        return via_dosing
    if order.dose_value is None or not any(r.schedules for r in rules):
        return []
    name = _name(order.exposure)
    starting = not _prior(facts, order.exposure.ingredients, as_of, order.resource)
    candidates = _candidate_steps(rules, facts.site, order.interval_days, starting)
    if not candidates:
        candidates = _candidate_steps(rules, facts.site, None, starting)
    if not candidates:
        return []
    unit = (order.dose_unit or "").lower()
    weight = facts.weight_kg
    tolerance = kb.interop.dose_tolerance()
    pct = tolerance.percent if tolerance else 0.0
    sources = [s for _, step in candidates for s in step.sources] + (
        list(tolerance.sources) if tolerance else []
    )
    needs_weight = any(step.mg_per_kg is not None for _, step in candidates) and unit == "mg"
    if needs_weight and weight is None:
        return [
            Finding(
                code=FindingCode.dose_unchecked,
                severity=Severity.warn,
                order=order.resource,
                summary=f"No body weight on record; the {name} dose cannot be checked",
                detail="The dose is per kilogram of body weight, and no weight was found.",
                sources=sources,
            )
        ]

    def expected(step: DoseStep) -> tuple[float, str] | None:
        if unit == "mg/kg" and step.mg_per_kg is not None:
            return step.mg_per_kg, "mg/kg"
        if unit == "mg" and step.mg_per_kg is not None and weight is not None:
            return step.mg_per_kg * weight, "mg"
        if unit == "mg" and step.mg is not None:
            return step.mg, "mg"
        return None

    for _, step in candidates:
        want = expected(step)
        if want is not None and abs(order.dose_value - want[0]) <= want[0] * pct / 100:
            return []
    sched, step = candidates[0]
    want = expected(step)
    if want is None:
        return []
    value = round(want[0], 1) if want[1] == "mg/kg" else float(round(want[0]))
    basis = (
        f"{step.mg_per_kg:g} mg/kg × {weight:g} kg"
        if step.mg_per_kg is not None and want[1] == "mg" and weight is not None
        else f"{want[0]:g} {want[1]}"
    )
    return [
        Finding(
            code=FindingCode.dose_mismatch,
            severity=Severity.warn,
            order=order.resource,
            summary=f"{name} dose {order.dose_value:g} {want[1]} differs from {value:g} {want[1]} "
            f"({step.name})",
            detail=(
                f"Expected {step.name} dose for the {sched.id} schedule: {basis} = {value:g} "
                f"{want[1]} every {step.interval_days} days "
                f"(allowed difference {pct:g}%). Ordered: {order.dose_value:g} {want[1]}."
            ),
            sources=sources,
            dose=DoseSuggestion(
                mg=value,
                step=step.name,
                schedule=sched.id,
                mg_per_kg=step.mg_per_kg,
                weight_kg=weight,
                interval_days=step.interval_days,
            ),
        )
    ]


def _partners(
    facts: ImportedFacts, order: DraftOrder, rules: list[OrderRule], orders: list[DraftOrder]
) -> list[Finding]:
    found: list[Finding] = []
    name = _name(order.exposure)
    others = [o.exposure for o in orders if o.resource != order.resource]
    active = [e for e in facts.exposures if e.status in ACTIVE and e.resource != order.resource]
    present = {i for e in [*others, *active] for i in e.ingredients}
    needed = sorted({n for r in rules for n in r.requires_with})
    for partner in needed:
        if partner in present or partner in order.exposure.ingredients:
            continue
        found.append(
            Finding(
                code=FindingCode.partner_missing,
                severity=Severity.warn,
                order=order.resource,
                summary=f"{name} is given with {partner}; no {partner} order or active therapy",
                detail=(
                    f"The label of {name} is for use together with {partner}. Neither the "
                    f"orders being signed nor the active medications include {partner}."
                ),
                sources=[s for r in rules if partner in r.requires_with for s in r.sources],
            )
        )
    confusable = {c for r in rules for c in r.not_interchangeable_with}
    clash = sorted(present & confusable)
    if clash:
        found.append(
            Finding(
                code=FindingCode.not_interchangeable,
                severity=Severity.warn,
                order=order.resource,
                summary=f"Check drug: {name} ordered while {', '.join(clash)} is active or ordered",
                detail=(
                    f"{name} and {', '.join(clash)} are different drugs with different doses "
                    "and must not be substituted for one another. Confirm the intended drug."
                ),
                sources=[
                    s
                    for r in rules
                    if set(clash) & set(r.not_interchangeable_with)
                    for s in r.sources
                ],
            )
        )
    return found


# --- chart open ---------------------------------------------------------------------


def chart_findings(kb: KnowledgeBase, facts: ImportedFacts, as_of: date) -> list[Finding]:
    """HER2 picture, labelled products, heart monitoring and open safety findings."""
    found: list[Finding] = []
    picture = her2_picture(kb, facts)
    if picture.category is None:
        found.append(
            Finding(
                code=FindingCode.her2_unknown,
                severity=Severity.info,
                order=None,
                summary="HER2 status: no usable result in the record",
                detail=picture.text,
                sources=_project(),
            )
        )
    else:
        found.append(
            Finding(
                code=FindingCode.her2_status,
                severity=Severity.info,
                order=None,
                summary=picture.text,
                detail=picture.text,
                sources=picture.sources or _project(),
            )
        )
        labelled = [
            r
            for r in kb.interop.rules()
            if picture.category in r.her2_categories
            and (facts.site is None or facts.site in r.sites)
        ]
        if labelled:
            names = sorted({p for r in labelled for p in (r.products or [r.ingredient])})
            site = facts.site.value if facts.site else "any site"
            found.append(
                Finding(
                    code=FindingCode.labelled_products,
                    severity=Severity.info,
                    order=None,
                    summary=f"HER2-directed drugs labelled for {picture.category} ({site})",
                    detail=(
                        f"Labelled for {picture.category}, {site}: {', '.join(names)}. Which of "
                        "them fits depends on the setting and prior therapy."
                    ),
                    sources=[s for r in labelled for s in r.sources],
                )
            )
    current = [e for e in facts.exposures if e.status in ACTIVE]
    for exposure in current:
        # The running therapy counts as prior exposure, so it is not skipped.
        order = DraftOrder(resource=f"chart:{exposure.resource}", exposure=exposure)
        rules = rules_for(kb, exposure)
        for f in _lvef(kb, facts, order, rules, as_of):
            if f.code is not FindingCode.previously_stopped:
                found.append(f.model_copy(update={"order": None}))
        preg = facts.pregnancy
        if rules and preg is not None and preg.status is PregnancyStatus.pregnant:
            found.append(
                Finding(
                    code=FindingCode.pregnant,
                    severity=Severity.block,
                    order=None,
                    summary=f"Pregnancy recorded while {_name(exposure)} is active",
                    detail="Review the HER2-directed therapy with the pregnancy in mind.",
                    sources=[s for r in rules for s in r.sources],
                )
            )
    return _unique(found)


def _unique(findings: list[Finding]) -> list[Finding]:
    seen: set[tuple[str, str]] = set()
    out: list[Finding] = []
    for f in findings:
        key = (f.code.value, f.summary)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out
