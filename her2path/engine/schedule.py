"""Regimen calendars: every planned administration from a regimen and a start date.

Pure.  Phases follow one another; within a phase each component repeats at its
interval up to its count, the phase end, its own limit (``max_days``), the regimen's
limit on HER2-directed therapy (early disease: 52 weeks from the first HER2-directed
dose), or, for open-ended phases, the horizon the caller asks for.  The first
administration of a drug in the course is its loading dose when the drug has one; a
later phase never reloads.
"""

from __future__ import annotations

import datetime as dt
from datetime import date, timedelta

from pydantic import Field

from her2path.domain.course import DoseKind
from her2path.domain.explain import Explained, Note, Severity
from her2path.errors import InputError, Problem
from her2path.kb.dosing import DoseSpec, DrugDosing, DrugKind
from her2path.kb.model import KnowledgeBase
from her2path.kb.provenance import SourceRef
from her2path.kb.schedules import Component, Disease, RegimenSchedule

DEFAULT_BLOCK_DAYS = 28  # calendar granularity for continuous daily drugs (display only)
MAX_OPEN_ITEMS = 400  # guard against an open-ended phase without a limit


class Administration(Explained):
    """One planned administration (or, for oral drugs, one cycle or block of daily doses)."""

    date: date
    end: dt.date | None = Field(default=None, description="Last day, for oral blocks")
    day: int = Field(description="Day of the course, day 1 = start")
    week: int
    phase: str
    drug: str
    name: str
    spec: str
    kind: DoseKind
    per_unit: float
    unit: str
    dose_text: str
    her2_directed: bool
    number: int = Field(description="1-based count of this drug's administrations")


class Schedule(Explained):
    kb_version: str
    regimen: str
    title: str
    disease: Disease
    start: date
    total: str
    open_ended: bool
    shown_until: date | None = Field(description="Horizon of an open-ended calendar")
    her2_limit_end: date | None = Field(description="No HER2-directed dose on or after this date")
    administrations: list[Administration]
    notes: list[Note]
    sources: list[SourceRef]


def regimen(kb: KnowledgeBase, regimen_id: str) -> RegimenSchedule:
    for r in kb.schedules:
        if r.id == regimen_id:
            return r
    allowed = ", ".join(sorted(r.id for r in kb.schedules))
    raise InputError([Problem("regimen", f"unknown regimen '{regimen_id}'; allowed: {allowed}")])


def _spec_for(entry: DrugDosing, comp: Component, tumour: str | None) -> DoseSpec:
    spec_id = comp.spec_by_tumour.get(tumour or "", comp.spec)
    spec = entry.spec(spec_id)
    if spec is None:  # guarded by kb_check
        raise InputError([Problem("regimen", f"missing dose spec '{spec_id}'")])
    return spec


def _dose_text(spec: DoseSpec, kind: DoseKind) -> str:
    amount = spec.loading if kind is DoseKind.loading and spec.loading else spec.maintenance
    text = f"{amount:g} {spec.basis.unit}"
    if spec.per_day > 1:
        text += f" {spec.per_day}x daily"
    elif spec.interval_days == 1:
        text += " daily"
    return text


def build_schedule(
    kb: KnowledgeBase,
    regimen_id: str,
    start: date,
    tumour: str | None = None,
    horizon_days: int = 168,
) -> Schedule:
    """The calendar of ``regimen_id`` from ``start``; open-ended phases stop at the horizon."""
    reg = regimen(kb, regimen_id)
    drugs = kb.dosing.by_id()
    horizon = start + timedelta(days=horizon_days)
    limit_days = reg.her2_total_weeks * 7 if reg.her2_total_weeks else None
    first_her2: date | None = None
    given: dict[str, int] = {}
    items: list[Administration] = []
    phase_start = start
    open_ended = reg.phases[-1].length_days is None and limit_days is None
    for phase in reg.phases:
        phase_end = phase_start + timedelta(days=phase.length_days) if phase.length_days else None
        events: list[tuple[date, int, Component]] = []
        for order, comp in enumerate(phase.components):
            entry = drugs[comp.drug]
            spec = _spec_for(entry, comp, tumour)
            step = comp.every_days or spec.cycle_days or spec.interval_days
            if spec.interval_days == 1 and spec.days_of_cycle is None:
                step = comp.block_days or DEFAULT_BLOCK_DAYS
            n = 0
            when = phase_start + timedelta(days=comp.offset_days)
            her2 = entry.kind is DrugKind.her2_directed
            while comp.count is None or n < comp.count:
                if phase_end is not None and when >= phase_end:
                    break
                if phase_end is None and limit_days is None and when >= horizon:
                    break
                if her2 and first_her2 is None:
                    first_her2 = when
                if (
                    limit_days is not None
                    and first_her2 is not None
                    and when >= first_her2 + timedelta(days=limit_days)
                ):
                    break
                if phase_end is None and limit_days is not None and n > MAX_OPEN_ITEMS:
                    break
                events.append((when, order, comp))
                n += 1
                when += timedelta(days=step)
        for when, _order, comp in sorted(events, key=lambda e: (e[0], e[1])):
            entry = drugs[comp.drug]
            spec = _spec_for(entry, comp, tumour)
            her2 = entry.kind is DrugKind.her2_directed
            if (
                her2
                and limit_days is not None
                and first_her2 is not None
                and when >= first_her2 + timedelta(days=limit_days)
            ):
                continue
            if comp.max_days is not None:
                firsts = [a.date for a in items if a.drug == comp.drug]
                if firsts and when >= firsts[0] + timedelta(days=comp.max_days):
                    continue
            count = given.get(entry.id, 0)
            kind = (
                DoseKind.loading
                if count == 0 and spec.loading is not None
                else DoseKind.maintenance
            )
            given[entry.id] = count + 1
            end: date | None = None
            if spec.interval_days == 1:
                if spec.days_of_cycle is not None:
                    first_day, last_day = spec.days_of_cycle
                    end = when + timedelta(days=last_day - 1)
                    when_shown = when + timedelta(days=first_day - 1)
                else:
                    end = when + timedelta(days=(comp.block_days or DEFAULT_BLOCK_DAYS) - 1)
                    when_shown = when
                if her2 and limit_days is not None and first_her2 is not None:
                    cap = first_her2 + timedelta(days=limit_days - 1)
                    end = min(end, cap)
            else:
                when_shown = when
            day = (when_shown - start).days + 1
            items.append(
                Administration(
                    date=when_shown,
                    end=end,
                    day=day,
                    week=(day - 1) // 7 + 1,
                    phase=phase.id,
                    drug=comp.drug,
                    name=entry.name,
                    spec=spec.id,
                    kind=kind,
                    per_unit=spec.loading
                    if kind is DoseKind.loading and spec.loading
                    else spec.maintenance,
                    unit=spec.basis.unit,
                    dose_text=_dose_text(spec, kind),
                    her2_directed=her2,
                    number=count + 1,
                )
            )
        if phase_end is not None:
            phase_start = phase_end
    notes = [
        Note(code="regimen_note", severity=Severity.info, text=t, sources=reg.sources)
        for t in reg.notes
    ]
    if open_ended:
        notes.append(
            Note(
                code="open_ended",
                severity=Severity.info,
                text=f"{reg.total}. The calendar shows the first {horizon_days} days only.",
                sources=reg.sources,
            )
        )
    items.sort(key=lambda a: (a.date, a.phase, a.drug))
    return Schedule(
        kb_version=kb.version,
        regimen=reg.id,
        title=reg.title,
        disease=reg.disease,
        start=start,
        total=reg.total,
        open_ended=open_ended,
        shown_until=horizon if open_ended else None,
        her2_limit_end=first_her2 + timedelta(days=limit_days)
        if first_her2 is not None and limit_days is not None
        else None,
        administrations=items,
        notes=notes,
        sources=reg.sources,
    )
