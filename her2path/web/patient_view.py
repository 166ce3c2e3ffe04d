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


@dataclass
class PatientView:
    age: int
    timeline: list[TimelineItem]
    chart: Markup
    next_lvef_due: date | None
    actions: list[Action]
    product_ids: list[str]


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


def product_ids(kb: KnowledgeBase) -> list[str]:
    """Product ids from the knowledge base, when it has a products section."""
    products: Any = getattr(kb, "products", None)
    if not products:
        return []
    found: list[str] = []
    for item in products:
        pid = getattr(item, "id", None)
        if isinstance(pid, str):
            found.append(pid)
    return sorted(found)


def build(
    kb: KnowledgeBase, stored: StoredPatient, assessment: Assessment, as_of: date
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

    thresholds: list[Threshold] = []
    due: date | None = None
    return PatientView(
        age=age_on(p.birth_date, as_of),
        timeline=items,
        chart=lvef_chart(list(p.lvef), thresholds, due),
        next_lvef_due=due,
        actions=actions,
        product_ids=product_ids(kb),
    )
