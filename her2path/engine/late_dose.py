"""Late and missed doses: which dose now, why, and when the next one falls.

Each product's label handles lateness differently, and the rule lives in its
``late_dose`` entry:

* ``days_late`` (trastuzumab IV): days past the scheduled date; beyond the limit the
  loading dose is given again.
* ``time_since_last`` (pertuzumab, Phesgo): days since the last dose; at or beyond
  the limit the loading dose is given again.
* ``no_reload`` (Hylecta, T-DM1, T-DXd, margetuximab): the usual dose as soon as
  possible and the schedule re-timed to keep the interval.
* ``oral_skip`` (tucatinib, neratinib, lapatinib): no make-up dose.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from enum import StrEnum

from pydantic import Field

from her2path.domain.course import DoseKind, MissingFact
from her2path.domain.explain import Explained, Note, RuleStep, Severity
from her2path.engine.dosing import DoseAnswer, DoseRequest, calculate_dose, choose_spec, drug_entry
from her2path.kb.dosing import LateDoseKind
from her2path.kb.model import KnowledgeBase


class LateAction(StrEnum):
    loading = "loading"
    maintenance = "maintenance"
    skip = "skip"
    not_covered = "not_covered"
    cannot_decide = "cannot_decide"


class LateDoseRequest(Explained):
    drug: str
    spec: str | None = None
    tumour: str | None = None
    setting: str | None = None
    scheduled: date | None = Field(default=None, description="Date the missed dose was due")
    last_dose: date | None = Field(default=None, description="Date of the last dose given")
    given_on: date = Field(description="Date the dose will now be given (as_of)")
    dose: DoseRequest | None = Field(default=None, description="Measurements for the amount")


class LateDoseAnswer(Explained):
    kb_version: str
    drug: str
    action: LateAction
    days_late: int | None
    days_since_last: int | None
    why: RuleStep | None
    next_due: date | None
    dose: DoseAnswer | None
    notes: list[Note] = Field(default_factory=list)
    missing: list[MissingFact] = Field(default_factory=list)


def late_dose(kb: KnowledgeBase, req: LateDoseRequest) -> LateDoseAnswer:
    entry = drug_entry(kb, req.drug)
    spec = choose_spec(entry, req.spec, req.setting, req.tumour)
    rule = entry.late_dose
    days_late = (req.given_on - req.scheduled).days if req.scheduled else None
    since = (req.given_on - req.last_dose).days if req.last_dose else None
    base = dict(kb_version=kb.version, drug=req.drug, days_late=days_late, days_since_last=since)
    if rule is None:
        return LateDoseAnswer(
            **base,
            action=LateAction.not_covered,
            why=None,
            next_due=None,
            dose=None,
            notes=[
                Note(
                    code="late_rule_not_encoded",
                    severity=Severity.warn,
                    text=f"No late-dose rule is encoded for {entry.name}: not covered, "
                    "use clinical judgement and the protocol.",
                    sources=entry.sources,
                )
            ],
        )
    rule_id = f"dosing.{entry.id}.late_dose.{rule.kind.value}"
    action: LateAction
    outcome: str
    if rule.kind is LateDoseKind.days_late:
        if days_late is None:
            return _cannot(base, "scheduled", "the scheduled date of the missed dose", entry.name)
        limit = rule.reload_when_days_over or 0
        if days_late > limit:
            action, outcome = LateAction.loading, f"{days_late} days late (> {limit}): reload"
        else:
            action, outcome = (
                LateAction.maintenance,
                f"{days_late} days late (≤ {limit}): maintenance",
            )
        next_due = req.given_on + timedelta(days=spec.interval_days)
    elif rule.kind is LateDoseKind.time_since_last:
        if since is None:
            return _cannot(base, "last_dose", "the date of the last dose", entry.name)
        limit = rule.reload_when_days_at_least or 0
        if since >= limit:
            action, outcome = (
                LateAction.loading,
                f"{since} days since the last dose (≥ {limit}): reload",
            )
        else:
            action, outcome = (
                LateAction.maintenance,
                f"{since} days since the last dose (< {limit}): maintenance",
            )
        next_due = req.given_on + timedelta(days=rule.keep_interval_days or spec.interval_days)
    elif rule.kind is LateDoseKind.no_reload:
        action, outcome = LateAction.maintenance, "no loading dose; give the usual dose now"
        next_due = req.given_on + timedelta(days=rule.keep_interval_days or spec.interval_days)
    else:
        action, outcome = LateAction.skip, "do not make up the missed dose"
        nxt = (req.scheduled or req.given_on) + timedelta(days=spec.interval_days)
        next_due = max(nxt, req.given_on)
    if action is LateAction.loading and spec.loading is None:
        action = LateAction.maintenance
    why = RuleStep(
        rule=rule_id, text=rule.text, outcome=f"{outcome}. {rule.next_dose}", sources=rule.sources
    )
    dose: DoseAnswer | None = None
    if action in (LateAction.loading, LateAction.maintenance):
        template = req.dose or DoseRequest(drug=req.drug)
        dose = calculate_dose(
            kb,
            template.model_copy(
                update={
                    "drug": req.drug,
                    "spec": spec.id,
                    "kind": DoseKind.loading
                    if action is LateAction.loading
                    else DoseKind.maintenance,
                }
            ),
        )
    return LateDoseAnswer(
        **base,
        action=action,
        why=why,
        next_due=next_due,
        dose=dose,
        missing=list(dose.missing) if dose else [],
    )


def _cannot(base: Mapping[str, object], field: str, what: str, name: str) -> LateDoseAnswer:
    return LateDoseAnswer.model_validate(
        {
            **base,
            "action": LateAction.cannot_decide,
            "why": None,
            "next_due": None,
            "dose": None,
            "missing": [
                MissingFact(
                    field=field,
                    needed_for=f"{name} late-dose rule",
                    text=f"unknown: {what} is needed to decide between maintenance and reload",
                )
            ],
        }
    )
