"""``assess``: everything her2path concludes about one patient, with reasons.

HER2 status first (the governing specimen for the setting), then the therapy history
(regimens, line), then the options with their conditions, the exclusions, the safety
findings attached to each option, the unknown facts and the advice.  Pure: the date
is passed in, nothing is read from disk or the clock.
"""

from __future__ import annotations

from datetime import date

from her2path.domain.assessment import Assessment, Unknown
from her2path.domain.explain import Note, Severity
from her2path.domain.her2 import DiseaseSetting, Her2Case
from her2path.domain.patient import EventKind, Patient, Setting
from her2path.engine.course import course_state
from her2path.engine.events import open_events
from her2path.engine.her2 import interpret
from her2path.engine.history import build_history
from her2path.engine.options import Facts, line_summary, options_for
from her2path.engine.safety import attach, safety_for
from her2path.kb.her2 import ExpressionCategory
from her2path.kb.model import KnowledgeBase


def her2_case(patient: Patient) -> Her2Case:
    setting = (
        DiseaseSetting.metastatic
        if patient.cancer.setting is Setting.metastatic
        else DiseaseSetting.early
    )
    return Her2Case(site=patient.cancer.site, results=patient.her2_results, setting=setting)


def _advice(kb: KnowledgeBase, facts: Facts, endocrine: bool) -> list[Note]:
    out: list[Note] = []
    p = facts.patient

    def note(code: str, severity: Severity = Severity.info) -> None:
        a = kb.regimens.advice_for(code)
        out.append(Note(code=code, severity=severity, text=a.text, sources=a.sources))

    if facts.category is ExpressionCategory.not_determinable:
        note("her2_not_determined", Severity.warn)
    if p.cancer.setting is Setting.metastatic:
        tested = [r.date for r in p.her2_results]
        last_test = max(tested) if tested else None
        progressed = [
            e.date
            for e in p.events
            if e.kind in (EventKind.progression, EventKind.recurrence) and e.date <= facts.as_of
        ]
        if progressed and (last_test is None or max(progressed) > last_test):
            note("rebiopsy_on_progression", Severity.warn)
    if endocrine:
        note("endocrine_alongside")
    return out


def assess(kb: KnowledgeBase, patient: Patient, as_of: date) -> Assessment:
    """Assess one patient on ``as_of``: options, exclusions, safety, unknowns."""
    her2 = interpret(kb, her2_case(patient))
    facts = Facts(
        patient=patient, as_of=as_of, her2=her2, history=build_history(kb, patient, as_of)
    )
    found = options_for(kb, facts)
    options = found.options
    alongside = kb.regimens.endocrine_alongside
    endocrine = False
    if facts.hr_positive:
        updated = []
        for o in options:
            if o.regimen in alongside.regimens:
                endocrine = True
                extra = Note(
                    code="endocrine_alongside",
                    severity=Severity.info,
                    text=f"{alongside.text}: {', '.join(alongside.partners)}",
                    sources=alongside.sources,
                )
                o = o.model_copy(update={"notes": [*o.notes, extra]})
            updated.append(o)
        options = updated
    safety = safety_for(kb, facts, options)
    options = attach(options, safety.findings)
    unknowns: list[Unknown] = [*found.unknowns, *safety.unknowns]
    return Assessment(
        kb_version=kb.version,
        patient_id=patient.id,
        as_of=as_of,
        site=patient.cancer.site.value,
        setting=patient.cancer.setting.value,
        her2=her2,
        line=line_summary(kb, facts),
        options=options,
        exclusions=found.exclusions,
        undecided=found.undecided,
        safety=safety.findings,
        unknowns=unknowns,
        advice=_advice(kb, facts, endocrine),
        events=open_events(kb, patient.adverse_events, as_of),
        course=course_state(kb, patient, as_of),
    )
