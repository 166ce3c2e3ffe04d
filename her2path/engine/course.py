"""The state of a patient's current course: next doses and amounts, next LVEF, any hold.

Pure: ``course_state(kb, patient, as_of)``.  It combines the regimen calendar
(:mod:`schedule`), the dose calculator (:mod:`dosing`), the late-dose rules
(:mod:`late_dose`) and the cardiac review (:mod:`cardiac`).  The next dose of each
drug is re-timed from its last administration; when that date has passed, the
product's late-dose rule decides between maintenance and reload.
"""

from __future__ import annotations

from datetime import date, timedelta

from pydantic import Field

from her2path.domain.course import Course, CourseSetting, DoseKind, MissingFact
from her2path.domain.explain import Explained, Note, RuleStep, Severity
from her2path.domain.patient import Patient
from her2path.engine.cardiac import (
    CardiacAnswer,
    LvefAction,
    TableState,
    cardiac_review,
)
from her2path.engine.dosing import DoseAnswer, DoseRequest, calculate_dose
from her2path.engine.late_dose import LateAction, LateDoseRequest, late_dose
from her2path.engine.schedule import Administration, Schedule, build_schedule
from her2path.errors import InputError, Problem
from her2path.kb.cardiac import TherapyContext
from her2path.kb.dosing import section_ids
from her2path.kb.model import KnowledgeBase

LOOKAHEAD_DAYS = 84  # open-ended calendars are built this far past as_of (display only)


class NextDose(Explained):
    drug: str
    name: str
    due: date
    number: int
    kind: DoseKind | None
    late: bool
    why: RuleStep | None = None
    dose: DoseAnswer | None
    held: bool = Field(description="A cardiac hold applies to this drug now")
    not_before: date | None = Field(
        default=None, description="While held: not before the LVEF recheck on this date"
    )
    planned: bool = Field(default=False, description="Due date taken from the course plan")


class HoldState(Explained):
    drugs: list[str]
    since: date | None
    recheck_by: date | None
    rule: str
    text: str


class CourseState(Explained):
    kb_version: str
    regimen: str
    title: str
    as_of: date
    setting: CourseSetting
    next_doses: list[NextDose]
    next_lvef_due: date | None
    lvef_overdue: bool
    holds: list[HoldState]
    stopped: list[str] = Field(description="Products stopped permanently for cardiac reasons")
    cardiac: CardiacAnswer
    schedule: Schedule
    notes: list[Note] = Field(default_factory=list)
    missing: list[MissingFact] = Field(default_factory=list)


def age_on(birth: date, when: date) -> int:
    return when.year - birth.year - ((when.month, when.day) < (birth.month, birth.day))


def _context(course: Course) -> TherapyContext:
    return (
        TherapyContext.metastatic
        if course.setting is CourseSetting.metastatic
        else TherapyContext.early
    )


def _dose_request(patient: Patient, drug: str, spec: str, as_of: date, level: int) -> DoseRequest:
    course = patient.course
    last_weight = None
    if course is not None:
        given = [d for d in course.administered if d.product == drug and d.weight_kg]
        if given:
            last_weight = given[-1].weight_kg
    return DoseRequest(
        drug=drug,
        spec=spec,
        level=level,
        weight_kg=patient.weight_kg,
        height_cm=patient.height_cm,
        age_years=age_on(patient.birth_date, as_of),
        sex=patient.sex,
        serum_creatinine_mg_dl=patient.serum_creatinine_mg_dl,
        previous_weight_kg=last_weight,
    )


def check_course(kb: KnowledgeBase, course: Course, where: str = "course") -> list[Problem]:
    """Every id in the course that the knowledge base does not know, with its path."""
    problems: list[Problem] = []
    regimens = {r.id: r for r in kb.schedules}
    reg = regimens.get(course.regimen)
    if reg is None:
        allowed = ", ".join(sorted(regimens))
        listed = section_ids(getattr(kb, "regimens", None))
        message = (
            f"regimen '{course.regimen}' has no encoded schedule (not covered; its cycle "
            f"counts are not verified); regimens with a schedule: {allowed}"
            if course.regimen in listed
            else f"unknown regimen '{course.regimen}'; allowed: {allowed}"
        )
        problems.append(Problem(f"{where}.regimen", message))
    in_regimen = {c.drug for p in reg.phases for c in p.components} if reg else set()
    dosing = kb.dosing.by_id()
    for i, d in enumerate(course.administered):
        if reg is not None and d.product not in in_regimen:
            allowed = ", ".join(sorted(in_regimen))
            problems.append(
                Problem(
                    f"{where}.administered[{i}].product",
                    f"'{d.product}' is not part of regimen {course.regimen}; allowed: {allowed}",
                )
            )
    for i, h in enumerate(course.holds):
        for j, pid in enumerate(h.products):
            if pid not in dosing:
                problems.append(
                    Problem(f"{where}.holds[{i}].products[{j}]", f"unknown product '{pid}'")
                )
    return problems


def course_state(kb: KnowledgeBase, patient: Patient, as_of: date) -> CourseState | None:
    """The current course's state on ``as_of``; ``None`` when the patient has no course.

    Raises :class:`InputError` when the course names a regimen or product the knowledge
    base does not know.
    """
    course = patient.course
    if course is None:
        return None
    problems = check_course(kb, course)
    if problems:
        raise InputError(problems)
    tumour = patient.cancer.site.value
    horizon = max((as_of - course.start).days + LOOKAHEAD_DAYS, LOOKAHEAD_DAYS)
    schedule = build_schedule(kb, course.regimen, course.start, tumour, horizon)
    products = sorted({a.drug for a in schedule.administrations})
    dosing = kb.dosing.by_id()
    her2_products = [p for p in products if dosing[p].kind.value == "her2_directed"]
    planned_end = max((a.end or a.date for a in schedule.administrations), default=None)
    completion = course.completed or (None if schedule.open_ended else planned_end)
    cardiac = cardiac_review(
        kb,
        her2_products,
        _context(course),
        patient.lvef,
        course.start,
        as_of,
        completion=completion,
        adjuvant=course.setting is not CourseSetting.metastatic,
        baseline_date=course.baseline_lvef_date,
    )
    stopped_tables = [s for s in cardiac.states if s.state is TableState.stopped]
    held_tables = [s for s in cardiac.states if s.state is TableState.held]
    stopped = sorted({p for s in stopped_tables for p in her2_products if _governs(kb, s.drugs, p)})
    held_ids = {s.table for s in held_tables}
    for t in kb.cardiac.tables:
        if set(t.follows) & held_ids:
            held_ids.add(t.id)
    held_drugs = [t.drugs for t in kb.cardiac.tables if t.id in held_ids]
    held = sorted({p for ds in held_drugs for p in her2_products if _governs(kb, ds, p)})
    holds = [
        HoldState(
            drugs=[p for p in her2_products if _governs(kb, s.drugs, p)],
            since=s.hold_started,
            recheck_by=s.recheck_by,
            rule=f"cardiac.{s.table}",
            text=f"LVEF hold {s.holds} under the {s.table} rules",
        )
        for s in held_tables
    ]
    for h in course.holds:
        if h.end is None and h.start <= as_of:
            holds.append(
                HoldState(
                    drugs=h.products or products,
                    since=h.start,
                    recheck_by=None,
                    rule="course.holds",
                    text=f"Documented hold: {h.reason or 'no reason recorded'}",
                )
            )
    next_doses: list[NextDose] = []
    if course.completed is None or course.completed > as_of:
        for drug in products:
            if drug in stopped:
                continue
            nd = _next_dose(kb, patient, course, schedule, drug, as_of, held=drug in held)
            if nd is not None and nd.held:
                rechecks = [h.recheck_by for h in holds if drug in h.drugs and h.recheck_by]
                nd = nd.model_copy(update={"not_before": min(rechecks) if rechecks else None})
            if nd is not None:
                next_doses.append(nd)
    next_doses.sort(key=lambda n: (n.due, n.drug))
    notes: list[Note] = []
    if stopped:
        notes.append(
            Note(
                code="cardiac_stop",
                severity=Severity.block,
                text="Stopped permanently for LVEF: " + ", ".join(stopped) + ". No resumption.",
                sources=kb.cardiac.sources,
            )
        )
    missing = list(cardiac.missing)
    for n in next_doses:
        if n.dose is not None:
            missing += [m for m in n.dose.missing if m not in missing]
    return CourseState(
        kb_version=kb.version,
        regimen=course.regimen,
        title=schedule.title,
        as_of=as_of,
        setting=course.setting,
        next_doses=next_doses,
        next_lvef_due=cardiac.next_due,
        lvef_overdue=cardiac.overdue,
        holds=holds,
        stopped=stopped,
        cardiac=cardiac,
        schedule=schedule,
        notes=notes,
        missing=missing,
    )


def _governs(kb: KnowledgeBase, table_drugs: list[str], product: str) -> bool:
    entry = kb.dosing.by_id().get(product)
    return product in table_drugs or (entry is not None and entry.id in table_drugs)


def _next_dose(
    kb: KnowledgeBase,
    patient: Patient,
    course: Course,
    schedule: Schedule,
    drug: str,
    as_of: date,
    held: bool,
) -> NextDose | None:
    planned = [a for a in schedule.administrations if a.drug == drug]
    given = sorted((d for d in course.administered if d.product == drug), key=lambda d: d.date)
    if len(given) >= len(planned) and not schedule.open_ended:
        return None
    index = len(given)
    if index >= len(planned):
        return None
    item: Administration = planned[index]
    due = item.date
    if given:
        previous = planned[index - 1]
        gap = (item.date - previous.date).days
        due = given[-1].date + timedelta(days=gap)
    after = given[-1].date if given else course.start - timedelta(days=1)
    plan = sorted(p.date for p in course.planned if p.product == drug and p.date > after)
    from_plan = bool(plan)
    if plan:
        due = plan[0]
    level = given[-1].level if given else 0
    entry = kb.dosing.by_id()[drug]
    kind: DoseKind | None = item.kind
    why: RuleStep | None = None
    late = as_of > due
    dose: DoseAnswer | None
    if late and given and entry.late_dose is not None:
        answer = late_dose(
            kb,
            LateDoseRequest(
                drug=drug,
                spec=item.spec,
                scheduled=due,
                last_dose=given[-1].date,
                given_on=as_of,
                dose=_dose_request(patient, drug, item.spec, as_of, level),
            ),
        )
        why = answer.why
        dose = answer.dose
        if answer.action is LateAction.loading:
            kind = DoseKind.loading
        elif answer.action is LateAction.maintenance:
            kind = DoseKind.maintenance
        elif answer.action is LateAction.skip:
            kind = None
    else:
        req = _dose_request(patient, drug, item.spec, as_of, level)
        req = req.model_copy(update={"kind": kind, "first_dose": index == 0})
        dose = calculate_dose(kb, req)
    return NextDose(
        drug=drug,
        name=entry.name,
        due=due,
        number=index + 1,
        kind=kind,
        late=late,
        why=why,
        dose=dose,
        held=held,
        planned=from_plan,
    )


class WorkedCourse(Explained):
    """A worked example: a patient with a current course, reviewed on ``as_of``."""

    title: str
    as_of: date
    patient: Patient
    earlier_courses: list[Course] = Field(default_factory=list)


class WorkedCourseResult(Explained):
    title: str
    earlier: list[CourseState]
    current: CourseState | None


def review_worked_course(kb: KnowledgeBase, doc: WorkedCourse) -> WorkedCourseResult:
    """Each earlier course at its completion, then the current course on ``as_of``."""
    earlier: list[CourseState] = []
    for c in doc.earlier_courses:
        when = c.completed or doc.as_of
        state = course_state(kb, doc.patient.model_copy(update={"course": c}), when)
        if state is not None:
            earlier.append(state)
    return WorkedCourseResult(
        title=doc.title, earlier=earlier, current=course_state(kb, doc.patient, doc.as_of)
    )


__all__ = [
    "CourseState",
    "HoldState",
    "LvefAction",
    "NextDose",
    "WorkedCourse",
    "WorkedCourseResult",
    "course_state",
    "review_worked_course",
]
