"""Adjuvant HER2-directed course length: the limit of the regimen schedules, in days.

The early-disease schedules (``knowledge/schedules/``) stop HER2-directed doses
``her2_total_weeks`` after the first one (:func:`her2path.engine.schedule.build_schedule`),
so the last dose of a complete course falls within one dose interval before that limit.
The interval is the longest one of the drug's dose specifications
(``knowledge/dosing/``).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pyarrow as pa

from her2path.domain.patient import EventKind, StopReason, TherapySetting
from her2path.kb.model import KnowledgeBase

EARLY = (TherapySetting.neoadjuvant.value, TherapySetting.adjuvant.value)
# Events after which a shorter course is expected ("52 weeks or until recurrence").
ENDING_EVENTS = (
    EventKind.recurrence.value,
    EventKind.progression.value,
    EventKind.metastasis_diagnosed.value,
)


def limit_days(kb: KnowledgeBase) -> int:
    """Days from the first HER2-directed dose at which early-disease schedules stop."""
    weeks = [s.her2_total_weeks for s in kb.schedules if s.her2_total_weeks]
    return max(weeks) * 7


def interval_rows(kb: KnowledgeBase) -> pa.Table:
    """Longest dose interval of each trastuzumab-based product with dosing knowledge."""
    dosing = kb.dosing.by_id()
    drugs, days = [], []
    for d in kb.audits.members(kb, "trastuzumab_based"):
        entry = dosing.get(d)
        if entry is not None:
            drugs.append(d)
            days.append(max(s.interval_days for s in entry.specs))
    return pa.table(
        {"drug": drugs, "interval_days": pa.array(days, pa.int32())},
        schema=pa.schema([("drug", pa.string()), ("interval_days", pa.int32())]),
    )


def findings(
    kb: KnowledgeBase,
    therapies: list[dict[str, Any]],
    doses: list[dict[str, Any]],
    events: list[dict[str, Any]],
) -> tuple[list[tuple[date, str, float]], list[tuple[date, str, float]]]:
    """(short, long) findings of one patient: (date, detail, days from first to last dose)."""
    interval = {r["drug"]: r["interval_days"] for r in interval_rows(kb).to_pylist()}
    early = {
        t["therapy_id"]: t for t in therapies if t["drug"] in interval and t["setting"] in EARLY
    }
    given = sorted(d["admin_date"] for d in doses if d["therapy_id"] in early)
    if not given:
        return [], []
    first, last = given[0], given[-1]
    limit = limit_days(kb)
    span = float((last - first).days)
    if (last - first).days >= limit:
        return [], [(first + timedelta(days=limit), "beyond the schedule limit", span)]
    ongoing = any(t["end_date"] is None for t in early.values())
    reason = any(
        t["reason_stopped"] not in (None, StopReason.completed.value) for t in early.values()
    )
    ended_by_event = any(
        e["kind"] in ENDING_EVENTS and e["event_date"] <= first + timedelta(days=limit)
        for e in events
    )
    step = max(interval[t["drug"]] for t in early.values())
    if ongoing or reason or ended_by_event or (last - first).days >= limit - step:
        return [], []
    return [(last, "no reason recorded", span)], []
