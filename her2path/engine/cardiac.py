"""Cardiac safety over a course: the LVEF monitoring plan and a per-drug state machine.

Pure.  Each product of the regimen is judged by its own label table (kb.cardiac.tables);
every reading after the baseline gets, per table, one action with the rule that decided
it and its source.  When the tables disagree, all answers are shown and the strictest
(``kb.cardiac.severity_order``) leads.  Once a table has stopped a drug, no later
reading resumes it.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from enum import StrEnum

from pydantic import Field

from her2path.domain.course import MissingFact
from her2path.domain.explain import Explained, Note, Severity
from her2path.domain.patient import LVEFReading
from her2path.kb.cardiac import CardiacTable, Check, MonitoringPlan, TherapyContext, Trigger
from her2path.kb.model import KnowledgeBase
from her2path.kb.provenance import SourceRef


class LvefAction(StrEnum):
    continue_ = "continue"
    continue_recheck = "continue_recheck"
    withhold = "withhold"
    continue_withholding = "continue_withholding"
    resume = "resume"
    stop_permanently = "stop_permanently"
    cannot_decide = "cannot_decide"
    not_covered = "not_covered"


class TableState(StrEnum):
    on_treatment = "on_treatment"
    held = "held"
    stopped = "stopped"


class DrugVerdict(Explained):
    """One table's answer for one reading."""

    table: str
    drugs: list[str]
    action: LvefAction
    rule: str
    text: str
    recheck_by: date | None = None
    hold_started: date | None = None
    hold_number: int = 0
    sources: list[SourceRef] = Field(min_length=1)


class ReadingVerdict(Explained):
    date: date
    lvef: float
    baseline: float
    drop: float = Field(description="Points below baseline (negative = above)")
    lln: float | None
    verdicts: list[DrugVerdict]
    leading: DrugVerdict
    conflict: bool = Field(description="True when the tables' actions differ")


class FinalState(Explained):
    table: str
    drugs: list[str]
    state: TableState
    holds: int
    hold_started: date | None
    recheck_by: date | None


class CheckKind(StrEnum):
    baseline = "baseline"
    during = "during"
    completion = "completion"
    after_adjuvant = "after_adjuvant"
    while_held = "while_held"


class CheckStatus(StrEnum):
    done = "done"
    upcoming = "upcoming"
    due = "due"
    overdue = "overdue"


class PlannedCheck(Explained):
    plan: str
    kind: CheckKind
    due: date
    window_start: date | None = None
    done_on: date | None = None
    status: CheckStatus
    sources: list[SourceRef] = Field(min_length=1)


class CardiacAnswer(Explained):
    kb_version: str
    as_of: date
    context: TherapyContext
    baseline: LVEFReading | None
    tables: list[str]
    readings: list[ReadingVerdict]
    states: list[FinalState]
    plan: list[PlannedCheck]
    next_due: date | None
    overdue: bool
    notes: list[Note] = Field(default_factory=list)
    missing: list[MissingFact] = Field(default_factory=list)


def add_months(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def tables_for(
    kb: KnowledgeBase, products: list[str], context: TherapyContext
) -> list[CardiacTable]:
    """Tables that govern any of ``products`` in ``context`` (one per table id)."""
    dosing = kb.dosing.by_id()
    found: list[CardiacTable] = []
    for t in kb.cardiac.tables:
        if context not in t.contexts:
            continue
        for p in products:
            entry = dosing.get(p)
            names = {p, entry.id} if entry else {p}
            if names & set(t.drugs) and t not in found:
                found.append(t)
    return found


def plans_for(kb: KnowledgeBase, products: list[str]) -> list[MonitoringPlan]:
    dosing = kb.dosing.by_id()
    found: list[MonitoringPlan] = []
    for plan in kb.cardiac.plans:
        for p in products:
            entry = dosing.get(p)
            names = {p, entry.id} if entry else {p}
            if names & set(plan.drugs) and plan not in found:
                found.append(plan)
    return found


def _check(
    c: Check, lvef: float, drop: float, lln: float | None, symptomatic: bool | None
) -> bool | None:
    tests: list[bool | None] = []
    if c.lvef_below is not None:
        tests.append(lvef < c.lvef_below)
    if c.lvef_at_most is not None:
        tests.append(lvef <= c.lvef_at_most)
    if c.lvef_at_least is not None:
        tests.append(lvef >= c.lvef_at_least)
    if c.lvef_above is not None:
        tests.append(lvef > c.lvef_above)
    if c.drop_at_least is not None:
        tests.append(drop >= c.drop_at_least)
    if c.drop_above is not None:
        tests.append(drop > c.drop_above)
    if c.drop_below is not None:
        tests.append(drop < c.drop_below)
    if c.drop_at_most is not None:
        tests.append(drop <= c.drop_at_most)
    if c.below_lln is not None:
        tests.append(None if lln is None else (lvef < lln) == c.below_lln)
    if c.symptomatic is not None:
        # An unrecorded symptom state does not trigger a symptom rule.
        tests.append(bool(symptomatic) == c.symptomatic)
    if any(t is False for t in tests):
        return False
    if any(t is None for t in tests):
        return None
    return True


def _fires(
    triggers: list[Trigger], lvef: float, drop: float, lln: float | None, symptomatic: bool | None
) -> tuple[bool | None, Trigger | None]:
    """(True, trigger) when one fires; (None, trigger) when one cannot be decided."""
    unknown: Trigger | None = None
    for t in triggers:
        results = [_check(c, lvef, drop, lln, symptomatic) for c in t.any_of]
        if any(r is True for r in results):
            return True, t
        if any(r is None for r in results) and unknown is None:
            unknown = t
    if unknown is not None:
        return None, unknown
    return False, None


class _Machine:
    """The running state of one table over the readings of a course."""

    def __init__(self, table: CardiacTable) -> None:
        self.table = table
        self.state = TableState.on_treatment
        self.holds = 0
        self.hold_started: date | None = None
        self.recheck_by: date | None = None

    def _verdict(
        self, action: LvefAction, rule: str, text: str, sources: list[SourceRef]
    ) -> DrugVerdict:
        return DrugVerdict(
            table=self.table.id,
            drugs=self.table.drugs,
            action=action,
            rule=f"cardiac.{self.table.id}.{rule}",
            text=text,
            recheck_by=self.recheck_by,
            hold_started=self.hold_started,
            hold_number=self.holds,
            sources=sources,
        )

    def _stop(self, rule: str, text: str, sources: list[SourceRef]) -> DrugVerdict:
        self.state = TableState.stopped
        self.recheck_by = None
        return self._verdict(LvefAction.stop_permanently, rule, text, sources)

    def step(self, r: LVEFReading, baseline: float) -> DrugVerdict:
        t = self.table
        if not t.encoded:
            return self._verdict(
                LvefAction.not_covered, "not_encoded", t.not_encoded_reason or "", t.sources
            )
        if self.state is TableState.stopped:
            return self._verdict(
                LvefAction.stop_permanently,
                "stopped",
                "Already stopped permanently; a later reading never resumes this drug.",
                t.sources,
            )
        lvef, drop = r.percent, baseline - r.percent
        lln = r.lln if r.lln is not None else t.lln_default
        sym = r.symptomatic_heart_failure
        fired, trig = _fires(t.stop_when, lvef, drop, lln, sym)
        if fired and trig is not None:
            return self._stop(trig.id, trig.text, trig.sources)
        if self.state is TableState.on_treatment:
            return self._on_treatment(r, lvef, drop, lln, sym)
        return self._while_held(r, lvef, drop, lln, sym)

    def _on_treatment(
        self, r: LVEFReading, lvef: float, drop: float, lln: float | None, sym: bool | None
    ) -> DrugVerdict:
        t = self.table
        fired, trig = _fires(t.hold_when, lvef, drop, lln, sym)
        if fired is None and trig is not None:
            return self._verdict(
                LvefAction.cannot_decide,
                trig.id,
                "Cannot decide: the institutional lower limit of normal (LLN) is needed for: "
                + trig.text,
                trig.sources,
            )
        if fired and trig is not None:
            self.holds += 1
            if t.max_holds is not None and self.holds > t.max_holds:
                return self._stop(
                    "max_holds",
                    f"Hold number {self.holds}: more than {t.max_holds} holds stops the drug "
                    f"permanently ({trig.text}).",
                    trig.sources,
                )
            self.state = TableState.held
            self.hold_started = r.date
            self.recheck_by = r.date + timedelta(days=max(t.recheck_days, t.min_hold_days))
            return self._verdict(
                LvefAction.withhold,
                trig.id,
                f"Withhold (hold {self.holds}): {trig.text}. Recheck LVEF by "
                f"{self.recheck_by.isoformat()}"
                + (f"; at least {t.min_hold_days} days off treatment." if t.min_hold_days else "."),
                trig.sources,
            )
        fired, trig = _fires(t.recheck_when, lvef, drop, lln, sym)
        if fired and trig is not None:
            self.recheck_by = r.date + timedelta(days=t.recheck_days)
            return self._verdict(
                LvefAction.continue_recheck,
                trig.id,
                f"Continue; {trig.text}. Recheck by {self.recheck_by.isoformat()}.",
                trig.sources,
            )
        self.recheck_by = None
        return self._verdict(
            LvefAction.continue_,
            "no_trigger",
            "Continue: no hold rule of this table is met.",
            t.sources,
        )

    def _while_held(
        self, r: LVEFReading, lvef: float, drop: float, lln: float | None, sym: bool | None
    ) -> DrugVerdict:
        t = self.table
        assert self.hold_started is not None
        elapsed = (r.date - self.hold_started).days
        if elapsed < t.min_hold_days:
            self.recheck_by = self.hold_started + timedelta(days=t.min_hold_days)
            return self._verdict(
                LvefAction.continue_withholding,
                "minimum_hold",
                f"Day {elapsed} of the hold: the label requires at least {t.min_hold_days} days "
                f"before resuming. Recheck by {self.recheck_by.isoformat()}.",
                t.sources,
            )
        fired, trig = _fires(t.resume_when, lvef, drop, lln, sym)
        window = t.resume_window_days
        late = window is not None and elapsed > window
        if fired is None and trig is not None:
            return self._verdict(
                LvefAction.cannot_decide,
                trig.id,
                "Cannot decide on resuming: the institutional LLN is needed for: " + trig.text,
                trig.sources,
            )
        if fired and trig is not None and not late:
            self.state = TableState.on_treatment
            self.recheck_by = None
            started = self.hold_started
            self.hold_started = None
            verdict = self._verdict(
                LvefAction.resume,
                trig.id,
                f"Resume on day {elapsed} of the hold ({trig.text}): {t.resume_text}.",
                trig.sources,
            )
            return verdict.model_copy(update={"hold_started": started})
        if late:
            return self._stop(
                "not_recovered_in_window",
                f"Day {elapsed} of the hold: no recovery within {window} days; stop permanently.",
                t.resume_when[0].sources if t.resume_when else t.sources,
            )
        if t.stop_if_not_recovered:
            return self._stop(
                "not_recovered",
                f"Not recovered on the repeat reading (day {elapsed} of the hold); "
                "stop permanently.",
                t.resume_when[0].sources if t.resume_when else t.sources,
            )
        self.recheck_by = r.date + timedelta(days=t.recheck_days)
        return self._verdict(
            LvefAction.continue_withholding,
            "not_recovered_yet",
            f"Day {elapsed} of the hold: not recovered; keep withholding and recheck by "
            f"{self.recheck_by.isoformat()}.",
            t.sources,
        )


def _apply_follows(machines: list[_Machine], verdicts: list[DrugVerdict]) -> list[DrugVerdict]:
    """A drug whose label follows another table stops when that table stops it."""
    by_id = {m.table.id: m for m in machines}
    out: list[DrugVerdict] = []
    for m, v in zip(machines, verdicts, strict=True):
        leader = next(
            (
                by_id[f]
                for f in m.table.follows
                if f in by_id and by_id[f].state is TableState.stopped
            ),
            None,
        )
        if leader is not None and v.action is not LvefAction.stop_permanently:
            v = m._stop(
                f"follows.{leader.table.id}",
                f"Stopped permanently because {leader.table.id} was stopped: this drug is "
                "not continued without it.",
                m.table.follows_sources,
            )
        out.append(v)
    return out


def choose_baseline(
    readings: list[LVEFReading], start: date, baseline_date: date | None
) -> LVEFReading | None:
    if baseline_date is not None:
        return next((r for r in readings if r.date == baseline_date), None)
    before = [r for r in readings if r.date <= start]
    return max(before, key=lambda r: r.date) if before else None


def evaluate_readings(
    kb: KnowledgeBase,
    tables: list[CardiacTable],
    readings: list[LVEFReading],
    baseline: LVEFReading,
) -> tuple[list[ReadingVerdict], list[FinalState]]:
    """Run every table's state machine over the readings after the baseline."""
    order = kb.cardiac.severity_order
    machines = [_Machine(t) for t in tables]
    out: list[ReadingVerdict] = []
    for r in sorted(readings, key=lambda x: x.date):
        if r.date <= baseline.date:
            continue
        verdicts = [m.step(r, baseline.percent) for m in machines]
        if not verdicts:
            continue
        verdicts = _apply_follows(machines, verdicts)
        leading = max(verdicts, key=lambda v: order.index(v.action.value))
        out.append(
            ReadingVerdict(
                date=r.date,
                lvef=r.percent,
                baseline=baseline.percent,
                drop=round(baseline.percent - r.percent, 2),
                lln=r.lln,
                verdicts=verdicts,
                leading=leading,
                conflict=len({v.action for v in verdicts}) > 1,
            )
        )
    states = [
        FinalState(
            table=m.table.id,
            drugs=m.table.drugs,
            state=m.state,
            holds=m.holds,
            hold_started=m.hold_started,
            recheck_by=m.recheck_by,
        )
        for m in machines
    ]
    return out, states


def monitoring_plan(
    kb: KnowledgeBase,
    plans: list[MonitoringPlan],
    readings: list[LVEFReading],
    start: date,
    completion: date | None,
    adjuvant: bool,
    as_of: date,
    held_recheck: date | None,
) -> list[PlannedCheck]:
    grace = timedelta(days=kb.cardiac.overdue_after_days)
    dates = sorted(r.date for r in readings)
    checks: list[PlannedCheck] = []

    def status(due: date, lo: date, hi: date) -> tuple[CheckStatus, date | None]:
        inside = [d for d in dates if lo <= d <= min(hi, as_of)]
        done = inside[0] if inside else None
        if done is not None:
            return CheckStatus.done, done
        if as_of > due + grace:
            return CheckStatus.overdue, None
        if as_of >= due:
            return CheckStatus.due, None
        return CheckStatus.upcoming, None

    for plan in plans:
        lo = start - timedelta(days=plan.baseline_within_days)
        st, done = status(start, lo, start)
        checks.append(
            PlannedCheck(
                plan=plan.id,
                kind=CheckKind.baseline,
                due=start,
                window_start=lo,
                done_on=done,
                status=st,
                sources=plan.sources,
            )
        )
        if plan.during_every_months:
            # Rolling: each check is due a fixed number of months after the last reading.
            end = completion or add_months(as_of, plan.during_every_months)
            last = start
            while True:
                due = add_months(last, plan.during_every_months)
                if due >= end:
                    break
                lo = last + timedelta(days=1)
                st, got = status(due, lo, date.max)
                checks.append(
                    PlannedCheck(
                        plan=plan.id,
                        kind=CheckKind.during,
                        due=due,
                        window_start=lo,
                        done_on=got,
                        status=st,
                        sources=plan.sources,
                    )
                )
                if got is None:
                    break
                last = got
        if plan.at_completion and completion is not None:
            st, done = status(completion, completion - grace, completion + grace)
            checks.append(
                PlannedCheck(
                    plan=plan.id,
                    kind=CheckKind.completion,
                    due=completion,
                    window_start=completion - grace,
                    done_on=done,
                    status=st,
                    sources=plan.sources,
                )
            )
        if (
            adjuvant
            and completion is not None
            and plan.after_adjuvant_every_months
            and plan.after_adjuvant_years
        ):
            n = plan.after_adjuvant_years * 12 // plan.after_adjuvant_every_months
            prev = completion
            for k in range(1, n + 1):
                due = add_months(completion, plan.after_adjuvant_every_months * k)
                st, done = status(due, prev + timedelta(days=1), due + grace)
                checks.append(
                    PlannedCheck(
                        plan=plan.id,
                        kind=CheckKind.after_adjuvant,
                        due=due,
                        window_start=prev + timedelta(days=1),
                        done_on=done,
                        status=st,
                        sources=plan.sources,
                    )
                )
                prev = due
        if held_recheck is not None and plan.while_held_every_days:
            st, done = status(
                held_recheck,
                held_recheck - timedelta(days=plan.while_held_every_days - 1),
                held_recheck + grace,
            )
            if st is not CheckStatus.done:
                checks.append(
                    PlannedCheck(
                        plan=plan.id,
                        kind=CheckKind.while_held,
                        due=held_recheck,
                        done_on=None,
                        status=st,
                        sources=plan.sources,
                    )
                )
    checks.sort(key=lambda c: (c.due, c.plan, c.kind.value))
    return checks


def cardiac_review(
    kb: KnowledgeBase,
    products: list[str],
    context: TherapyContext,
    readings: list[LVEFReading],
    start: date,
    as_of: date,
    completion: date | None = None,
    adjuvant: bool = False,
    baseline_date: date | None = None,
) -> CardiacAnswer:
    """Plan and reading-by-reading verdicts for the products of one course."""
    tables = tables_for(kb, products, context)
    plans = plans_for(kb, products)
    notes: list[Note] = []
    missing: list[MissingFact] = []
    upto = [r for r in readings if r.date <= as_of]
    baseline = choose_baseline(upto, start, baseline_date)
    verdicts: list[ReadingVerdict] = []
    states: list[FinalState] = []
    if baseline is None:
        missing.append(
            MissingFact(
                field="lvef",
                needed_for="LVEF rules (every drop is measured from the pre-treatment baseline)",
                text="unknown: no baseline LVEF on or before the course start",
            )
        )
    else:
        verdicts, states = evaluate_readings(kb, tables, upto, baseline)
    if not tables:
        notes.append(
            Note(
                code="no_lvef_table",
                severity=Severity.info,
                text="No LVEF table in the knowledge base governs these products in this setting.",
                sources=kb.cardiac.sources,
            )
        )
    for t in tables:
        if t.follows:
            notes.append(
                Note(
                    code=f"lvef_follows_{t.id}",
                    severity=Severity.info,
                    text=f"The {t.id} drugs are withheld or stopped whenever "
                    f"{', '.join(t.follows)} is; the strictest answer leads.",
                    sources=t.follows_sources,
                )
            )
        for text in t.notes:
            notes.append(
                Note(code=f"lvef_note_{t.id}", severity=Severity.info, text=text, sources=t.sources)
            )
    held = [s.recheck_by for s in states if s.state is TableState.held and s.recheck_by]
    held_recheck = min(held) if held else None
    plan = monitoring_plan(kb, plans, upto, start, completion, adjuvant, as_of, held_recheck)
    pending = [c for c in plan if c.status is not CheckStatus.done]
    rechecks = [s.recheck_by for s in states if s.recheck_by is not None]
    due_dates = [c.due for c in pending] + rechecks
    next_due = min(due_dates) if due_dates else None
    return CardiacAnswer(
        kb_version=kb.version,
        as_of=as_of,
        context=context,
        baseline=baseline,
        tables=[t.id for t in tables],
        readings=verdicts,
        states=states,
        plan=plan,
        next_due=next_due,
        overdue=any(c.status is CheckStatus.overdue for c in plan),
        notes=notes,
        missing=missing,
    )
