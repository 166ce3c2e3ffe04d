"""LVEF audits over whole tables, reusing the cardiac engine (``her2path.engine.cardiac``).

* Monitoring (baseline missing, reading overdue): the rolling schedule of
  :func:`her2path.engine.cardiac.monitoring_plan` reduces to two facts per course and
  plan, which SQL computes directly: whether a reading lies in the baseline window, and
  when the check after the latest reading falls due.
* Holds and stops: the LVEF rules are a state machine over a course's readings
  (:func:`her2path.engine.cardiac.evaluate_readings`).  A course can only leave the
  "on treatment" state through a hold or stop trigger, so SQL first selects the courses
  with a reading that meets any trigger (expressions generated from the knowledge-base
  tables); the state machine then runs on those courses only, and its hold and stop
  periods are joined back to the doses.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pyarrow as pa

from her2path.cohort.her2sql import sql_literal
from her2path.domain.patient import LVEFReading, TherapySetting
from her2path.engine.cardiac import (
    LvefAction,
    choose_baseline,
    evaluate_readings,
    plans_for,
    tables_for,
)
from her2path.kb.cardiac import Check, TherapyContext
from her2path.kb.model import KnowledgeBase

HELD = {LvefAction.withhold, LvefAction.continue_withholding}
ON = {LvefAction.continue_, LvefAction.continue_recheck, LvefAction.resume}

INTERVALS = pa.schema(
    [
        pa.field("therapy_id", pa.string()),
        pa.field("kind", pa.string()),
        pa.field("from_date", pa.date32()),
        pa.field("to_date", pa.date32()),
    ]
)


def context(setting: str) -> TherapyContext:
    return (
        TherapyContext.metastatic
        if setting == TherapySetting.metastatic.value
        else TherapyContext.early
    )


def plan_rows(kb: KnowledgeBase) -> pa.Table:
    """Monitoring plans of the trastuzumab-based drugs: one row per drug and plan."""
    rows: dict[str, list[Any]] = {
        "drug": [],
        "plan": [],
        "baseline_days": [],
        "during_months": [],
        "at_completion": [],
    }
    for drug in kb.audits.members(kb, "trastuzumab_based"):
        for plan in plans_for(kb, [drug]):
            rows["drug"].append(drug)
            rows["plan"].append(plan.id)
            rows["baseline_days"].append(plan.baseline_within_days)
            rows["during_months"].append(plan.during_every_months)
            rows["at_completion"].append(plan.at_completion)
    return pa.table(
        rows,
        schema=pa.schema(
            [
                ("drug", pa.string()),
                ("plan", pa.string()),
                ("baseline_days", pa.int32()),
                ("during_months", pa.int32()),
                ("at_completion", pa.bool_()),
            ]
        ),
    )


def table_rows(kb: KnowledgeBase) -> pa.Table:
    """(drug, context) pairs that an LVEF rule table governs."""
    drugs = sorted(kb.audits.known_drugs(kb))
    pairs = [(d, c.value) for d in drugs for c in TherapyContext if tables_for(kb, [d], c)]
    return pa.table(
        {"drug": [p[0] for p in pairs], "context": [p[1] for p in pairs]},
        schema=pa.schema([("drug", pa.string()), ("context", pa.string())]),
    )


def _check_sql(c: Check, lvef: str, drop: str, lln: str) -> str:
    parts: list[str] = []
    for value, op, x in (
        (c.lvef_below, "<", lvef),
        (c.lvef_at_most, "<=", lvef),
        (c.lvef_at_least, ">=", lvef),
        (c.lvef_above, ">", lvef),
        (c.drop_at_least, ">=", drop),
        (c.drop_above, ">", drop),
        (c.drop_below, "<", drop),
        (c.drop_at_most, "<=", drop),
    ):
        if value is not None:
            parts.append(f"{x} {op} {sql_literal(value)}")
    if c.below_lln is not None:
        parts.append(f"({lvef} < {lln}) = {'TRUE' if c.below_lln else 'FALSE'}")
    if c.symptomatic is not None:
        # Symptoms are not part of the cohort layout: an unrecorded state never triggers.
        parts.append("FALSE" if c.symptomatic else "TRUE")
    return "(" + " AND ".join(parts or ["TRUE"]) + ")"


def trigger_sql(kb: KnowledgeBase, lvef: str, baseline: str, lln: str) -> str:
    """SQL true when a reading meets any hold or stop trigger of any LVEF table."""
    ors: list[str] = []
    for t in kb.cardiac.tables:
        if not t.encoded:
            continue
        table_lln = (
            lln if t.lln_default is None else f"COALESCE({lln}, {sql_literal(t.lln_default)})"
        )
        for trig in [*t.hold_when, *t.stop_when]:
            for c in trig.any_of:
                ors.append(_check_sql(c, lvef, f"({baseline} - {lvef})", table_lln))
    return "(" + " OR ".join(ors or ["FALSE"]) + ")"


def course_intervals(
    kb: KnowledgeBase,
    therapy_id: str,
    drug: str,
    setting: str,
    start: date,
    readings: list[LVEFReading],
) -> list[tuple[str, str, date, date | None]]:
    """Hold and stop periods of one course: (therapy_id, kind, from, to or None)."""
    tables = tables_for(kb, [drug], context(setting))
    if not tables:
        return []
    baseline = choose_baseline(readings, start, None)
    if baseline is None:
        return []
    verdicts, _ = evaluate_readings(kb, tables, readings, baseline)
    found: list[tuple[str, str, date, date | None]] = []
    state, since = "on", start
    for v in verdicts:
        action = v.leading.action
        if action in HELD:
            new = "hold"
        elif action is LvefAction.stop_permanently:
            new = "stop"
        elif action in ON:
            new = "on"
        else:
            new = state
        if new != state:
            if state != "on":
                found.append((therapy_id, state, since, v.date))
            state, since = new, v.date
    if state != "on":
        found.append((therapy_id, state, since, None))
    return found


def intervals_table(rows: list[tuple[str, str, date, date | None]]) -> pa.Table:
    return pa.table(
        {
            "therapy_id": [r[0] for r in rows],
            "kind": [r[1] for r in rows],
            "from_date": [r[2] for r in rows],
            "to_date": [r[3] for r in rows],
        },
        schema=INTERVALS,
    )


def readings_from_rows(rows: list[dict[str, Any]]) -> list[LVEFReading]:
    return [
        LVEFReading(
            date=r["reading_date"],
            percent=r["lvef_percent"],
            lln=r["lln_percent"],
            method=r["method"],
        )
        for r in rows
    ]
