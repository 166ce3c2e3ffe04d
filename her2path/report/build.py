"""Build the patient report from the assessment and the knowledge base's plain texts.

The builder chooses texts; it writes none. Which medicines are explained: those in
the options the team may discuss (not blocked), and those already given or ongoing.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict

from her2path.domain.assessment import Assessment
from her2path.kb.model import KnowledgeBase
from her2path.kb.patient_info import ProductInfo
from her2path.kb.provenance import SourceRef
from her2path.store.repo import StoredPatient


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ScheduleItem(_Out):
    when: date
    text: str
    planned: bool


class HeartReading(_Out):
    when: date
    percent: float


class PatientReport(_Out):
    """Everything the patient report shows, already in plain words."""

    prepared_for: str
    as_of: date
    kb_version: str
    supports_not_replaces: str
    her2_title: str
    her2_texts: list[str]
    medicines: list[ProductInfo]
    no_medicines_text: str | None
    schedule: list[ScheduleItem]
    heart_text: str
    heart_readings: list[HeartReading]
    next_heart_check: date | None
    call_text: str
    questions: list[str]
    sources: list[SourceRef]


_CATEGORY_TITLE = {
    "her2_positive": "HER2-positive",
    "her2_low": "HER2-low",
    "her2_ultralow": "HER2-ultralow",
    "her2_0": "HER2-zero",
    "her2_negative": "HER2-negative",
    "not_determinable": "Not final yet",
}


def _product_ids(stored: StoredPatient, assessment: Assessment, course: Any | None) -> list[str]:
    ids: list[str] = [nd.drug for nd in course.next_doses] if course is not None else []
    for option in assessment.options:
        if not option.blocked:
            ids += option.products
    ids += [d.product for d in stored.doses]
    ids += [t.drug for t in stored.patient.therapies if t.end is None]
    seen: list[str] = []
    for i in ids:
        if i not in seen:
            seen.append(i)
    return seen


def build_report(
    kb: KnowledgeBase,
    stored: StoredPatient,
    assessment: Assessment,
    course: Any | None = None,
) -> PatientReport:
    """The report; ``course`` is the course engine's state, when there is a course."""
    info = kb.patient_info
    used: list[SourceRef] = []

    def cite(refs: list[SourceRef]) -> None:
        for r in refs:
            if r not in used:
                used.append(r)

    cite(info.supports_not_replaces.sources)
    her2 = assessment.her2
    texts: list[str] = []
    status_text = info.status(her2.status)
    if status_text is not None:
        texts.append(status_text.text)
        cite(status_text.sources)
    cat = info.category(her2.expression_category)
    if cat is not None and (status_text is None or cat.category.value != "not_determinable"):
        texts.append(cat.text)
        cite(cat.sources)

    medicines: list[ProductInfo] = []
    for pid in _product_ids(stored, assessment, course):
        product = info.product(pid)
        if product is not None and product not in medicines:
            medicines.append(product)
            cite(product.sources)
    no_meds = None
    if not medicines:
        no_meds = info.no_options_yet.text
        cite(info.no_options_yet.sources)

    schedule = [
        ScheduleItem(
            when=d.date,
            text=f"{_product_name(info.product(d.product), d.product)} given",
            planned=False,
        )
        for d in stored.doses
    ]
    next_check: date | None = None
    if course is not None:
        next_check = course.next_lvef_due
        for nd in course.next_doses:
            name = _product_name(info.product(nd.drug), nd.name)
            if nd.held:
                schedule.append(
                    ScheduleItem(when=nd.due, text=f"{name}: {info.paused.text}", planned=True)
                )
                cite(info.paused.sources)
            else:
                schedule.append(ScheduleItem(when=nd.due, text=f"{name} is due", planned=True))
    cite(info.heart_checks.sources)
    cite(info.general_call.sources)
    for q in info.questions:
        cite(q.sources)
    return PatientReport(
        prepared_for=stored.label or stored.id,
        as_of=assessment.as_of,
        kb_version=assessment.kb_version,
        supports_not_replaces=info.supports_not_replaces.text,
        her2_title=_CATEGORY_TITLE[her2.expression_category.value],
        her2_texts=texts,
        medicines=medicines,
        no_medicines_text=no_meds,
        schedule=schedule,
        heart_text=info.heart_checks.text,
        heart_readings=[HeartReading(when=r.date, percent=r.percent) for r in stored.patient.lvef],
        next_heart_check=next_check,
        call_text=info.general_call.text,
        questions=[q.text for q in info.questions],
        sources=used,
    )


def _product_name(product: ProductInfo | None, fallback: str) -> str:
    return product.name if product is not None else fallback
