"""Adverse event -> what the label says to do, and at which dose to restart.

:func:`manage_event` is pure: it reads the rules of the product's label from the
knowledge base, finds the rule for the event type and CTCAE grade (and any
further fact the rule needs), and walks the product's dose-reduction ladder to
name the restart dose.  It never goes up the ladder, and a reduction below the
lowest level means stopping where the label says so.  When no rule fits, the
answer is "not covered by the label — clinical judgement"; when a rule would fit
but a fact is missing, the answer names the fact.
"""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum

from pydantic import Field

from her2path.domain.events import AdverseEvent
from her2path.domain.explain import Explained, Note, RuleStep, Severity
from her2path.errors import InputError, Problem
from her2path.kb.adverse_events import (
    Action,
    BeyondLowest,
    DoseLevel,
    Ladder,
    ProductEvents,
    Prophylaxis,
    ResumeBranch,
    ResumeLevel,
    Rule,
)
from her2path.kb.dosing import DoseSpec
from her2path.kb.model import KnowledgeBase
from her2path.kb.provenance import SourceRef, Verification

NOT_COVERED = "not covered by the label — clinical judgement"
POLICY_SOURCE = SourceRef(
    source="HER2PATH",
    where="docs/decisions/0803-not-covered-answers.md",
    verification=Verification.project_policy,
)


class Outcome(StrEnum):
    """What kind of answer this is."""

    label_rule = "label_rule"
    needs_information = "needs_information"
    not_covered = "not_covered"


class MissingFact(Explained):
    """A fact about the event that was not given and would decide the answer."""

    field: str
    needed_for: str
    text: str


class ResumeOption(Explained):
    """Where treatment restarts once the event has recovered as the label asks."""

    condition: str
    resume_at: ResumeLevel
    dose_level: int | None = Field(description="Ladder level to restart at; None when stopping")
    dose: str | None = None
    text: str


class ProphylaxisStep(Explained):
    id: str
    treatment_day: int
    text: str
    applies_when: str | None
    sources: list[SourceRef] = Field(min_length=1)


class EventAnswer(Explained):
    """The answer for one adverse event, with the rule path and sources."""

    kb_version: str
    as_of: date
    event: AdverseEvent
    outcome: Outcome
    action: Action | None = Field(description="What to do now; None when not covered")
    text: str
    resume_when: str | None = None
    resume: ResumeOption | None = Field(
        default=None, description="The restart decision, once it can be made"
    )
    resume_options: list[ResumeOption] = Field(
        default_factory=list, description="While the event is ongoing: restart branches by date"
    )
    final: Action | None = Field(
        default=None, description="Net result once the restart rule is applied"
    )
    supportive: list[str] = Field(default_factory=list)
    prophylaxis: ProphylaxisStep | None = None
    next_check: str | None = None
    see: str | None = Field(default=None, description="Rule set to apply instead, e.g. cardiac")
    see_rules: list[str] = Field(
        default_factory=list, description="The rule sets that govern the product, e.g. cardiac:tdxd"
    )
    missing: list[MissingFact] = Field(default_factory=list)
    rule_path: list[RuleStep] = Field(default_factory=list)
    notes: list[Note] = Field(default_factory=list)
    sources: list[SourceRef] = Field(min_length=1)


def _product_rules(kb: KnowledgeBase, event: AdverseEvent) -> ProductEvents:
    pe = kb.adverse_events.for_product(event.product)
    if pe is None:
        allowed = ", ".join(kb.adverse_events.known_products())
        raise InputError(
            [Problem("product", f"unknown product '{event.product}'; allowed: {allowed}")]
        )
    return pe


def _match(rule: Rule, event: AdverseEvent) -> tuple[bool, list[str]]:
    """Whether ``rule`` fits ``event``: (fits, facts still missing).

    ``(False, [])`` means the rule does not apply; ``(True, [])`` that it applies;
    ``(True, missing)`` that it would apply if the missing facts turn out as it asks.
    """
    if rule.event is not event.type:
        return False, []
    if rule.grades is not None and event.grade not in rule.grades:
        return False, []
    missing: list[str] = []
    for modifier, wanted in rule.when.modifiers.items():
        have = event.modifiers.get(modifier)
        if have is None:
            missing.append(f"modifiers.{modifier.value}")
        elif have is not wanted:
            return False, []
    if rule.when.setting is not None:
        if event.setting is None:
            missing.append("setting")
        elif event.setting is not rule.when.setting:
            return False, []
    return True, missing


def _dose_text(value: float, spec: DoseSpec) -> str:
    """A ladder level as a clinician writes it, e.g. '250 mg twice daily'."""
    amount = f"{value:,g} {spec.basis.unit}"
    if spec.per_day == 2:
        return f"{amount} twice daily"
    if spec.interval_days == 1:
        return f"{amount} once daily"
    if spec.interval_days % 7 == 0:
        weeks = spec.interval_days // 7
        return f"{amount} every {weeks} week{'s' if weeks > 1 else ''}"
    return f"{amount} every {spec.interval_days} days"


_LADDERS: dict[tuple[str, str], list[Ladder]] = {}


def ladders_for(kb: KnowledgeBase, product: str) -> list[Ladder]:
    """The product's reduction ladders from the dosing knowledge, with this section's policy.

    Memoised by knowledge-base version (which includes the content hash) and product.
    """
    key = (kb.version, product)
    if key not in _LADDERS:
        _LADDERS[key] = _build_ladders(kb, product)
    return _LADDERS[key]


def _build_ladders(kb: KnowledgeBase, product: str) -> list[Ladder]:
    drug = kb.dosing.by_id().get(product)
    if drug is None:
        return []
    policy = kb.adverse_events.dose_levels.policy_for(product)
    beyond = policy.beyond_lowest if policy is not None else BeyondLowest.discontinue
    extra = list(policy.sources) if policy is not None else []
    if not drug.reductions:
        return [
            Ladder(
                id=f"dosing.{drug.id}.none",
                product=product,
                levels=[DoseLevel(level=0, dose=drug.no_reduction or "label dose")],
                reductions_allowed=False,
                sources=drug.sources,
            )
        ]
    specs = {sp.id: sp for sp in drug.specs}
    found: list[Ladder] = []
    for lad in drug.reductions:
        spec = specs[lad.specs[0]]
        found.append(
            Ladder(
                id=f"dosing.{drug.id}.{'+'.join(lad.specs)}",
                product=product,
                variants=list(lad.specs),
                levels=[
                    DoseLevel(level=i, dose=_dose_text(v, spec)) for i, v in enumerate(lad.levels)
                ],
                re_escalation_forbidden=not lad.re_escalation,
                beyond_lowest=beyond,
                verified=all(sr.verification is not Verification.unverified for sr in lad.sources),
                sources=[*lad.sources, *extra],
            )
        )
    return found


def _ladder(
    kb: KnowledgeBase, event: AdverseEvent, notes: list[Note]
) -> tuple[Ladder | None, MissingFact | None]:
    ladders = ladders_for(kb, event.product)
    if not ladders:
        return None, None
    variants = sorted({v for lad in ladders for v in lad.variants})
    if event.ladder is not None:
        chosen = [lad for lad in ladders if event.ladder in lad.variants]
        if not chosen:
            allowed = ", ".join(variants) or "(this product has no reduction ladder; leave it out)"
            raise InputError(
                [Problem("ladder", f"unknown ladder '{event.ladder}'; allowed: {allowed}")]
            )
        ladder = chosen[0]
    elif len(ladders) == 1:
        ladder = ladders[0]
    else:
        return None, MissingFact(
            field="ladder",
            needed_for="the restart dose",
            text=f"Name the dose the patient is on ({', '.join(variants)}); "
            "the label's reductions differ by dose or partner drug.",
        )
    if event.dose_level >= len(ladder.levels):
        raise InputError(
            [
                Problem(
                    "dose_level",
                    f"level {event.dose_level} does not exist for {event.product}; "
                    f"allowed: 0-{len(ladder.levels) - 1} (0 = starting dose)",
                )
            ]
        )
    if not ladder.verified:
        notes.append(
            Note(
                code="ladder_not_verified",
                severity=Severity.warn,
                text=f"The reduction ladder {ladder.id} is not verified against the label; "
                f"the restart dose is {NOT_COVERED}.",
                sources=[*ladder.sources, POLICY_SOURCE],
            )
        )
        return None, None
    return ladder, None


def cardiac_rule_sets(kb: KnowledgeBase, event: AdverseEvent) -> list[str]:
    """The cardiac tables that govern the product (in the event's setting, when given)."""
    return [
        f"cardiac:{t.id}"
        for t in kb.cardiac.tables
        if event.product in t.drugs
        and (event.setting is None or event.setting.value in {c.value for c in t.contexts})
    ]


def _resume_option(
    branch: ResumeBranch,
    condition: str,
    event: AdverseEvent,
    ladder: Ladder | None,
    steps: list[RuleStep],
    notes: list[Note],
) -> ResumeOption:
    """Apply one restart branch to the patient's current level on the ladder."""
    level: int | None
    dose: str | None = None
    resume_at = branch.resume_at
    text = branch.text
    if resume_at is ResumeLevel.stop:
        level = None
    elif ladder is None:
        level = event.dose_level if resume_at is ResumeLevel.same_level else event.dose_level + 1
    elif resume_at is ResumeLevel.same_level:
        level = event.dose_level
        dose = ladder.levels[level].dose
    else:
        lowest = len(ladder.levels) - 1
        if event.dose_level >= lowest:
            steps.append(
                RuleStep(
                    rule=f"{ladder.id}.beyond_lowest",
                    text=f"A reduction is needed but {ladder.levels[lowest].dose} is already "
                    "the lowest level of the ladder.",
                    outcome=ladder.beyond_lowest.value,
                    sources=ladder.sources,
                )
            )
            if ladder.beyond_lowest is BeyondLowest.discontinue:
                resume_at, level = ResumeLevel.stop, None
                text = (
                    "Already at the lowest dose level: a further reduction means stopping for good."
                )
            else:
                level = None
                text = f"Already at the lowest dose level; the next step is {NOT_COVERED}."
                notes.append(
                    Note(
                        code="below_lowest_not_covered",
                        severity=Severity.warn,
                        text=text,
                        sources=[*ladder.sources, POLICY_SOURCE],
                    )
                )
        else:
            level = event.dose_level + 1
            dose = ladder.levels[level].dose
    if level is not None and ladder is not None and level < event.dose_level:
        raise AssertionError("the engine never re-escalates")  # pragma: no cover
    return ResumeOption(
        condition=condition, resume_at=resume_at, dose_level=level, dose=dose, text=text
    )


def _resume(
    rule: Rule,
    event: AdverseEvent,
    ladder: Ladder | None,
    steps: list[RuleStep],
    notes: list[Note],
) -> tuple[ResumeOption | None, list[ResumeOption]]:
    """The restart decision (event resolved) or the options by date (ongoing)."""
    if not rule.resume:
        return None, []
    days = event.days_to_resolution()
    if days is not None:
        for b in rule.resume:
            if b.within_days is None or days <= b.within_days:
                cond = f"resolved {days} day(s) after onset" + (
                    f" (limit {b.within_days})" if b.within_days is not None else ""
                )
                steps.append(
                    RuleStep(
                        rule=f"{rule.id}.resume",
                        text=f"Resolved on {event.resolved}, {days} day(s) after "
                        f"onset on {event.onset}.",
                        outcome=b.resume_at.value,
                        sources=rule.sources,
                    )
                )
                return _resume_option(b, cond, event, ladder, steps, notes), []
        return None, []  # pragma: no cover - the last branch is open-ended by validation
    options: list[ResumeOption] = []
    previous: date | None = None
    for b in rule.resume:
        if b.within_days is not None:
            deadline = event.onset + timedelta(days=b.within_days)
            cond = f"if resolved on or before {deadline.isoformat()}"
            previous = deadline
        elif previous is not None:
            cond = f"if resolved after {previous.isoformat()}"
        else:
            cond = "once recovered"
        options.append(_resume_option(b, cond, event, ladder, [], notes))
    return None, options


def prophylaxis_for_day(kb: KnowledgeBase, product: str, day: int) -> Prophylaxis | None:
    """The prophylaxis row of a product's label for a treatment day (day 1 = first dose)."""
    pe = kb.adverse_events.for_product(product)
    if pe is None or day < 1:
        return None
    for p in pe.prophylaxis:
        if day >= p.first_day and (p.last_day is None or day <= p.last_day):
            return p
    return None


def _prophylaxis(kb: KnowledgeBase, event: AdverseEvent) -> ProphylaxisStep | None:
    day = event.treatment_day(event.onset)
    if day is None:
        return None
    row = prophylaxis_for_day(kb, event.product, day)
    if row is None:
        return None
    return ProphylaxisStep(
        id=row.id,
        treatment_day=day,
        text=row.text,
        applies_when=row.applies_when,
        sources=row.sources,
    )


def _product_notes(pe: ProductEvents) -> list[Note]:
    return [
        Note(code="label_scope", severity=Severity.info, text=t, sources=pe.sources)
        for t in pe.notes
    ]


def _missing_facts(pending: list[tuple[Rule, list[str]]]) -> list[MissingFact]:
    found: dict[str, list[str]] = {}
    for rule, facts in pending:
        for f in facts:
            found.setdefault(f, []).append(f"{rule.id} ({rule.action.value})")
    return [
        MissingFact(
            field=f,
            needed_for="choosing the label rule",
            text=f"Record '{f}': it decides whether rule(s) {', '.join(rules)} apply.",
        )
        for f, rules in found.items()
    ]


def manage_event(kb: KnowledgeBase, event: AdverseEvent, as_of: date) -> EventAnswer:
    """What the product's label says to do about ``event``, as of ``as_of``."""
    pe = _product_rules(kb, event)
    if event.resolved is not None and event.resolved > as_of:
        raise InputError([Problem("resolved", f"is after the as-of date {as_of.isoformat()}")])
    if event.onset > as_of:
        raise InputError([Problem("onset", f"is after the as-of date {as_of.isoformat()}")])
    ladders = ladders_for(kb, event.product)
    top = max((len(lad.levels) for lad in ladders), default=0) - 1
    if ladders and event.dose_level > top:
        raise InputError(
            [
                Problem(
                    "dose_level",
                    f"level {event.dose_level} does not exist for {event.product}; "
                    f"allowed: 0-{top} (0 = starting dose)",
                )
            ]
        )
    prophylaxis = _prophylaxis(kb, event)
    pending: list[tuple[Rule, list[str]]] = []
    chosen: Rule | None = None
    for rule in pe.rules:
        fits, missing = _match(rule, event)
        if not fits:
            continue
        if missing:
            pending.append((rule, missing))
            continue
        chosen = rule
        break

    if chosen is None:
        missing_facts = _missing_facts(pending)
        outcome = Outcome.needs_information if pending else Outcome.not_covered
        text = (
            "A label rule may apply, but a fact about the event is missing."
            if pending
            else f"{event.type.value} grade {event.grade} on {event.product}: {NOT_COVERED}."
        )
        sources = [POLICY_SOURCE]
        for r, _ in pending:
            sources += [s for s in r.sources if s not in sources]
        return EventAnswer(
            kb_version=kb.version,
            as_of=as_of,
            event=event,
            outcome=outcome,
            action=None,
            text=text,
            prophylaxis=prophylaxis,
            missing=missing_facts,
            notes=_product_notes(pe),
            sources=sources,
        )

    steps = [
        RuleStep(
            rule=chosen.id,
            text=chosen.text,
            outcome=chosen.action.value,
            sources=chosen.sources,
        )
    ]
    notes: list[Note] = []
    missing_facts = _missing_facts(pending)
    for rule, _ in pending:
        notes.append(
            Note(
                code="other_rule_possible",
                severity=Severity.warn,
                text=f"Rule {rule.id} ({rule.action.value}) would apply instead if its "
                "condition holds; record the missing fact.",
                sources=rule.sources,
            )
        )
    ladder, ladder_missing = (None, None)
    needs_ladder = any(b.resume_at is not ResumeLevel.stop for b in chosen.resume)
    if needs_ladder:
        ladder, ladder_missing = _ladder(kb, event, notes)
        if ladder_missing is not None and any(
            b.resume_at is ResumeLevel.one_level_lower for b in chosen.resume
        ):
            missing_facts.append(ladder_missing)
    see_rules: list[str] = []
    if chosen.action is Action.see_cardiac_rules:
        see_rules = cardiac_rule_sets(kb, event)
        for t in kb.cardiac.tables:
            if f"cardiac:{t.id}" in see_rules and not t.encoded:
                notes.append(
                    Note(
                        code="cardiac_table_not_encoded",
                        severity=Severity.warn,
                        text=f"Cardiac table {t.id} is not encoded: {t.not_encoded_reason}",
                        sources=t.sources,
                    )
                )
        if not see_rules:
            notes.append(
                Note(
                    code="no_cardiac_table",
                    severity=Severity.warn,
                    text=f"No cardiac table governs {event.product} in this setting; "
                    f"{NOT_COVERED}.",
                    sources=[POLICY_SOURCE],
                )
            )
    resume, options = _resume(chosen, event, ladder, steps, notes)
    final: Action | None = chosen.action
    if chosen.action is Action.withhold:
        if resume is not None:
            final = (
                Action.discontinue_permanently
                if resume.resume_at is ResumeLevel.stop
                else Action.resume_treatment
                if resume.dose_level is not None
                else None
            )
        else:
            final = None
    sources = list(chosen.sources)
    if ladder is not None and (resume is not None or options):
        sources += [s for s in ladder.sources if s not in sources]
    return EventAnswer(
        kb_version=kb.version,
        as_of=as_of,
        event=event,
        outcome=Outcome.label_rule,
        action=chosen.action,
        text=chosen.text,
        resume_when=chosen.resume_when,
        resume=resume,
        resume_options=options,
        final=final,
        supportive=list(chosen.supportive),
        prophylaxis=prophylaxis,
        next_check=chosen.next_check,
        see=chosen.see,
        see_rules=see_rules,
        missing=missing_facts,
        rule_path=steps,
        notes=notes,
        sources=sources,
    )


def open_events(kb: KnowledgeBase, events: list[AdverseEvent], as_of: date) -> list[EventAnswer]:
    """Answers for the events still open on ``as_of`` (ongoing, or resolved but not restarted).

    An event counts as open when it has not resolved by ``as_of``; resolved events
    are left out, since their restart decision belongs to the past.
    """
    answers: list[EventAnswer] = []
    for i, e in enumerate(events):
        if e.onset > as_of or (e.resolved is not None and e.resolved <= as_of):
            continue
        try:
            answers.append(manage_event(kb, e.model_copy(update={"resolved": None}), as_of))
        except InputError as exc:
            raise InputError(
                [Problem(f"adverse_events[{i}].{p.where}", p.message) for p in exc.problems]
            ) from None
    return answers
