"""The per-patient engine: each patient's record built in process and audited by Python rules.

This engine is the reference: it builds the domain model of each patient's HER2
results and calls :func:`her2path.engine.her2.interpret`, the same function the
single-patient commands use.  The SQL engines must agree with it row for row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pyarrow as pa

from her2path.cohort.cardiac import course_intervals, readings_from_rows
from her2path.cohort.duration import findings as duration_findings
from her2path.cohort.engines.base import FINDINGS, Step, sort_findings
from her2path.cohort.layout import Her2Test
from her2path.cohort.read import Cohort
from her2path.domain.her2 import (
    DiseaseSetting,
    DualProbeISHResult,
    Her2Case,
    Her2Result,
    IHCResult,
    ISHCount,
    Procedure,
    Specimen,
    SpecimenOrigin,
    TumourSite,
)
from her2path.domain.patient import ReceptorStatus, Setting, TherapySetting
from her2path.engine.cardiac import CheckKind, CheckStatus, monitoring_plan, plans_for
from her2path.engine.her2 import Her2Answer, SpecimenReading, interpret
from her2path.kb.audits import AuditRule, labelled_sites
from her2path.kb.her2 import IHCScore
from her2path.kb.model import KnowledgeBase

Row = dict[str, Any]
Instance = tuple[date | None, str | None, float | None]


@dataclass
class PatientRecord:
    """All rows of one patient, table by table."""

    patient: Row
    her2: list[Row] = field(default_factory=list)
    lvef: list[Row] = field(default_factory=list)
    therapies: list[Row] = field(default_factory=list)
    administrations: list[Row] = field(default_factory=list)
    pregnancy_tests: list[Row] = field(default_factory=list)
    events: list[Row] = field(default_factory=list)


def group_by_patient(cohort: Cohort) -> list[PatientRecord]:
    records: dict[str, PatientRecord] = {}
    for row in cohort.tables["patients"].to_pylist():
        records[row["patient_id"]] = PatientRecord(patient=row)
    for name, attr in (
        ("her2_results", "her2"),
        ("lvef_readings", "lvef"),
        ("therapies", "therapies"),
        ("administrations", "administrations"),
        ("pregnancy_tests", "pregnancy_tests"),
        ("events", "events"),
    ):
        for row in cohort.tables[name].to_pylist():
            getattr(records[row["patient_id"]], attr).append(row)
    return list(records.values())


def her2_results(rows: list[Row]) -> list[Her2Result]:
    """The domain HER2 results of one patient, ordered by specimen id and test."""
    results: list[Her2Result] = []
    for r in sorted(rows, key=lambda r: (r["specimen_id"], r["test"])):
        spec = Specimen(
            id=r["specimen_id"],
            origin=SpecimenOrigin(r["origin"]),
            procedure=Procedure(r["procedure"]),
            collected=r["collected"],
            after_neoadjuvant=bool(r["after_neoadjuvant"]),
        )
        if r["test"] == Her2Test.ihc.value:
            results.append(
                IHCResult(
                    date=r["result_date"],
                    specimen=spec,
                    score=IHCScore(r["ihc_score"]),
                    membrane_staining=r["membrane_staining"],
                )
            )
        else:
            recount = None
            if r["recount_ratio"] is not None:
                recount = ISHCount(ratio=r["recount_ratio"], her2_copies=r["recount_her2_copies"])
            results.append(
                DualProbeISHResult(
                    date=r["result_date"],
                    specimen=spec,
                    count=ISHCount(
                        ratio=r["ish_ratio"],
                        her2_copies=r["her2_copies"],
                        cep17_copies=r["cep17_copies"],
                        cells_counted=r["cells_counted"],
                    ),
                    recount=recount,
                )
            )
    return results


def her2_answer(kb: KnowledgeBase, rec: PatientRecord) -> Her2Answer | None:
    if not rec.her2:
        return None
    setting = (
        DiseaseSetting.metastatic
        if rec.patient["setting"] == Setting.metastatic.value
        else DiseaseSetting.early
    )
    case = Her2Case(
        site=TumourSite(rec.patient["site"]), results=her2_results(rec.her2), setting=setting
    )
    return interpret(kb, case)


def _governing(answer: Her2Answer | None) -> SpecimenReading | None:
    if answer is None or answer.governing_specimen is None:
        return None
    return next(s for s in answer.specimens if s.label == answer.governing_specimen)


def _has(rec: PatientRecord, kb: KnowledgeBase, class_id: str) -> bool:
    members = set(kb.audits.members(kb, class_id))
    return any(t["drug"] in members for t in rec.therapies)


def _monitoring(audit: str, kb: KnowledgeBase, rec: PatientRecord, as_of: date) -> list[Instance]:
    """Overdue checks of the cardiac engine's monitoring plan, per trastuzumab-based course."""
    members = set(kb.audits.members(kb, "trastuzumab_based"))
    readings = readings_from_rows(rec.lvef)
    kinds = (
        {CheckKind.baseline}
        if audit == "lvef_baseline_missing"
        else {
            CheckKind.during,
            CheckKind.completion,
        }
    )
    found: list[Instance] = []
    for t in rec.therapies:
        if t["drug"] not in members:
            continue
        for plan in plans_for(kb, [t["drug"]]):
            checks = monitoring_plan(
                kb, [plan], readings, t["start_date"], t["end_date"], False, as_of, None
            )
            for c in checks:
                if c.kind in kinds and c.status is CheckStatus.overdue:
                    found.append((c.due, t["therapy_id"], None))
    return found


def instances(
    rule: AuditRule,
    kb: KnowledgeBase,
    rec: PatientRecord,
    answer: Her2Answer | None,
    as_of: date,
) -> list[Instance]:
    """Every finding of one audit for one patient."""
    a = kb.audits
    p = rec.patient
    gov = _governing(answer)
    if rule.id in ("adjuvant_her2_short", "adjuvant_her2_long"):
        short, long_ = duration_findings(kb, rec.therapies, rec.administrations, rec.events)
        chosen = short if rule.id == "adjuvant_her2_short" else long_
        return [(d, detail, value) for d, detail, value in chosen]
    if rule.id in ("lvef_baseline_missing", "lvef_overdue"):
        return _monitoring(rule.id, kb, rec, as_of)
    if rule.id in ("dose_during_lvef_hold", "dose_after_lvef_stop"):
        kind = "hold" if rule.id == "dose_during_lvef_hold" else "stop"
        readings = readings_from_rows(rec.lvef)
        held: list[Instance] = []
        for t in rec.therapies:
            for tid, k, lo, hi in course_intervals(
                kb, t["therapy_id"], t["drug"], t["setting"], t["start_date"], readings
            ):
                if k != kind:
                    continue
                for ad in rec.administrations:
                    d = ad["admin_date"]
                    if ad["therapy_id"] == tid and d > lo and (hi is None or d < hi):
                        held.append((d, tid, None))
        return held
    if rule.next_step is not None:
        found: list[Instance] = []
        for s in answer.specimens if answer else []:
            if any(n.code == rule.next_step for n in s.next_steps):
                value = None
                if rule.id == "ish_group_without_ihc" and s.ish_group is not None:
                    value = float(s.ish_group)
                found.append((s.date, s.label, value))
        return found
    if rule.id == "her2_positive_metastatic_untreated":
        if (
            gov is not None
            and p["setting"] == Setting.metastatic.value
            and gov.expression_category.value in rule.codes
            and not _has(rec, kb, "her2_directed")
        ):
            return [(gov.date, gov.label, None)]
        return []
    if rule.id == "residual_disease_without_tdm1":
        if (
            gov is not None
            and p["setting"] == Setting.early_residual_disease.value
            and gov.expression_category.value in rule.codes
            and not _has(rec, kb, "tdm1")
        ):
            return [(gov.date, gov.label, None)]
        return []
    if rule.id == "her2_low_metastatic_no_tdxd":
        low, ultralow = rule.codes[0], rule.codes[1]
        if (
            gov is None
            or p["setting"] != Setting.metastatic.value
            or p["site"] != TumourSite.breast.value
            or _has(rec, kb, "tdxd")
        ):
            return []
        cat = gov.expression_category.value
        pos = ReceptorStatus.positive.value
        hr_positive = p["er"] == pos or p["pr"] == pos
        chemo = set(kb.audits.members(kb, "chemotherapy"))
        endo = set(kb.audits.members(kb, "endocrine"))
        found = []
        for t in rec.therapies:
            if t["setting"] != TherapySetting.metastatic.value:
                continue
            if (cat == low and t["drug"] in chemo) or (
                cat in (low, ultralow) and hr_positive and t["drug"] in endo
            ):
                found.append((t["start_date"], cat, None))
        return found
    if rule.id == "doses_after_permanent_stop":
        her2 = set(kb.audits.members(kb, "her2_directed"))
        drug_of = {t["therapy_id"]: t["drug"] for t in rec.therapies}
        found = []
        for stop in rec.therapies:
            if stop["reason_stopped"] not in rule.codes or stop["drug"] not in her2:
                continue
            for ad in rec.administrations:
                if (
                    drug_of[ad["therapy_id"]] == stop["drug"]
                    and ad["admin_date"] > stop["end_date"]
                ):
                    found.append((ad["admin_date"], stop["therapy_id"], None))
        return found
    if rule.id == "her2_drug_in_pregnancy":
        her2 = set(kb.audits.members(kb, "her2_directed"))
        window = a.value("pregnancy_window_days")
        drug_of = {t["therapy_id"]: t["drug"] for t in rec.therapies}
        tests = sorted(rec.pregnancy_tests, key=lambda x: x["test_date"])
        found = []
        for ad in rec.administrations:
            drug = drug_of[ad["therapy_id"]]
            if drug not in her2:
                continue
            before = [x for x in tests if x["test_date"] <= ad["admin_date"]]
            if not before:
                continue
            last = before[-1]
            if (
                last["result"] == "positive"
                and (ad["admin_date"] - last["test_date"]).days <= window
            ):
                found.append((ad["admin_date"], drug, None))
        return found
    if rule.id == "biosimilar_off_label":
        sites = labelled_sites(kb)
        return [
            (t["start_date"], t["drug"], None)
            for t in rec.therapies
            if t["drug"] in sites and p["site"] not in sites[t["drug"]]
        ]
    if rule.id == "progression_without_rebiopsy":
        if any(h["origin"] != SpecimenOrigin.primary.value for h in rec.her2):
            return []
        return [(e["event_date"], e["kind"], None) for e in rec.events if e["kind"] in rule.codes]
    raise NotImplementedError(f"audit '{rule.id}' has no Python implementation")


def _first(found: list[Instance]) -> Instance:
    def key(i: Instance) -> tuple[bool, date, bool, str]:
        return (i[0] is None, i[0] or date.min, i[1] is None, i[1] or "")

    return min(found, key=key)


def audit_patient(kb: KnowledgeBase, rec: PatientRecord, as_of: date) -> list[Row]:
    """The findings of every audit for one patient (rows of :data:`FINDINGS`)."""
    answer = her2_answer(kb, rec)
    rows: list[Row] = []
    for rule in kb.audits.audits:
        found = instances(rule, kb, rec, answer, as_of)
        if not found:
            continue
        d, detail, value = _first(found)
        rows.append(
            {
                "patient_id": rec.patient["patient_id"],
                "audit": rule.id,
                "first_date": d,
                "detail": detail,
                "count": len(found),
                "value": value,
            }
        )
    return rows


class PythonEngine:
    """Audits one patient at a time in this process (the reference engine)."""

    name = "python"

    def run(
        self, cohort: Cohort, kb: KnowledgeBase, as_of: date, step: Step | None = None
    ) -> pa.Table:
        records = group_by_patient(cohort)
        if step is not None:
            step("load tables")
        rows: list[Row] = []
        for rec in records:
            rows += audit_patient(kb, rec, as_of)
        if step is not None:
            step("patients")
        return sort_findings(pa.Table.from_pylist(rows, schema=FINDINGS))
