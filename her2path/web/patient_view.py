"""What the patient page shows besides the assessment: age, timeline, chart, next actions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from markupsafe import Markup

from her2path.domain.assessment import Assessment
from her2path.domain.her2 import DualProbeISHResult, IHCResult, SingleProbeISHResult
from her2path.kb.model import KnowledgeBase
from her2path.store.repo import StoredPatient
from her2path.web.charts import Threshold, lvef_chart


@dataclass(frozen=True)
class TimelineItem:
    when: date
    kind: str
    text: str
    planned: bool = False


@dataclass(frozen=True)
class Action:
    text: str
    code: str
    sources: list[Any] = field(default_factory=list)


@dataclass(frozen=True)
class HoldView:
    drugs: list[str]
    since: date | None
    recheck_by: date | None
    text: str


@dataclass
class PatientView:
    age: int
    timeline: list[TimelineItem]
    chart: Markup
    next_lvef_due: date | None
    lvef_overdue: bool
    holds: list[HoldView]
    actions: list[Action]
    product_ids: list[str]
    regimens: list[tuple[str, str]]


def age_on(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _her2_text(r: IHCResult | DualProbeISHResult | SingleProbeISHResult) -> str:
    if isinstance(r, IHCResult):
        score = f"IHC {r.score.value}" if r.score else "IHC staining pattern"
        return f"{score} ({r.specimen.origin.value} {r.specimen.procedure.value.replace('_', ' ')})"
    if isinstance(r, DualProbeISHResult):
        return (
            f"Dual-probe ISH: ratio {r.count.effective_ratio:.2f}, "
            f"HER2 {r.count.her2_copies:g} copies/cell"
        )
    return f"Single-probe ISH: HER2 {r.her2_copies:g} copies/cell"


def _ids(items: Any) -> list[str]:
    found: list[str] = []
    for item in items or []:
        pid = getattr(item, "id", None)
        if isinstance(pid, str):
            found.append(pid)
    return found


def product_ids(kb: KnowledgeBase) -> list[str]:
    """Ids a dose may name: products and dosing drugs, when the knowledge base has them."""
    dosing: Any = getattr(kb, "dosing", None)
    ids = _ids(getattr(kb, "products", None)) + _ids(getattr(dosing, "drugs", None))
    return sorted(set(ids))


def regimens(kb: KnowledgeBase) -> list[tuple[str, str]]:
    """Regimens that have a schedule in the knowledge base: (id, title)."""
    found = [(r.id, getattr(r, "title", r.id)) for r in getattr(kb, "schedules", None) or []]
    return sorted(found)


def cardiac_thresholds(kb: KnowledgeBase, course: Any) -> list[Threshold]:
    """The LVEF limits of the tables governing the course, as lines for the chart.

    Absolute limits are drawn as they are; limits relative to the baseline are drawn at
    baseline minus the drop. Every number comes from the knowledge base.
    """
    cardiac: Any = getattr(course, "cardiac", None)
    tables_kb: Any = getattr(getattr(kb, "cardiac", None), "tables", None) or []
    if cardiac is None:
        return []
    baseline = getattr(getattr(cardiac, "baseline", None), "percent", None)
    wanted = set(getattr(cardiac, "tables", []) or [])
    lines: dict[float, str] = {}
    for table in tables_kb:
        if table.id not in wanted:
            continue
        for trigger in [*table.hold_when, *table.stop_when]:
            for check in trigger.any_of:
                limit = check.lvef_below if check.lvef_below is not None else check.lvef_at_most
                if limit is not None and check.drop_at_least is None:
                    lines.setdefault(float(limit), f"{table.id}: {trigger.id} below {limit:g}%")
                elif check.drop_at_least is not None and baseline is not None and limit is None:
                    value = float(baseline) - float(check.drop_at_least)
                    lines.setdefault(
                        value, f"{table.id}: baseline - {check.drop_at_least:g} points"
                    )
    return [Threshold(v, label) for v, label in sorted(lines.items(), reverse=True)][:4]


def build(
    kb: KnowledgeBase,
    stored: StoredPatient,
    assessment: Assessment,
    as_of: date,
    course: Any | None = None,
) -> PatientView:
    p = stored.patient
    items: list[TimelineItem] = []
    for r in p.her2_results:
        items.append(TimelineItem(r.date, "HER2", _her2_text(r)))
    for lv in p.lvef:
        extra = f", LLN {lv.lln:g}%" if lv.lln is not None else ""
        method = f" ({lv.method})" if lv.method else ""
        items.append(TimelineItem(lv.date, "LVEF", f"{lv.percent:g}%{extra}{method}"))
    for d in stored.doses:
        cyc = f", cycle {d.cycle}" if d.cycle else ""
        route = f" {d.route.value}" if d.route else ""
        items.append(TimelineItem(d.date, "Dose", f"{d.product} {d.dose_mg:g} mg{route}{cyc}"))
    for t in p.therapies:
        end = f" to {t.end.isoformat()}" if t.end else " (ongoing)"
        items.append(TimelineItem(t.start, "Therapy", f"{t.drug}, {t.setting.value}{end}"))
    for e in p.events:
        items.append(TimelineItem(e.date, "Event", e.kind.value.replace("_", " ")))
    items.sort(key=lambda i: (i.when, i.kind))

    actions = [Action(s.text, s.code, list(s.sources)) for s in assessment.her2.next_steps]
    actions += [
        Action(f"{u.text} (needed for {u.needed_for})", u.field) for u in assessment.unknowns
    ]

    holds: list[HoldView] = []
    due: date | None = None
    overdue = False
    if course is not None:
        due = course.next_lvef_due
        overdue = bool(course.lvef_overdue)
        for h in course.holds:
            holds.append(HoldView(list(h.drugs), h.since, h.recheck_by, h.text))
            recheck = f"; recheck LVEF by {h.recheck_by.isoformat()}" if h.recheck_by else ""
            actions.insert(0, Action(f"Hold {', '.join(h.drugs)}{recheck}. {h.text}", h.rule))
            if h.since is not None:
                items.append(TimelineItem(h.since, "Hold", f"{', '.join(h.drugs)}: {h.text}"))
        for nd in course.next_doses:
            held = " (held)" if nd.held else ""
            items.append(TimelineItem(nd.due, "Next", f"{nd.name} dose {nd.number}{held}", True))
            if not nd.held:
                actions.append(Action(f"Next {nd.name}: dose {nd.number} due {nd.due}", nd.drug))
        if due is not None:
            late = " (overdue)" if overdue else ""
            actions.append(Action(f"Next LVEF check due {due.isoformat()}{late}", "lvef_due"))
        for m in course.missing:
            actions.append(Action(f"{m.text} (needed for {m.needed_for})", m.field))
        items.sort(key=lambda i: (i.when, i.kind))
    return PatientView(
        age=age_on(p.birth_date, as_of),
        timeline=items,
        chart=lvef_chart(list(p.lvef), cardiac_thresholds(kb, course), due),
        next_lvef_due=due,
        lvef_overdue=overdue,
        holds=holds,
        actions=actions,
        product_ids=product_ids(kb),
        regimens=regimens(kb),
    )
