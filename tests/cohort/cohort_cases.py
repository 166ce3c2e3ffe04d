"""A small hand-written cohort: each patient is built to trigger (or not) one audit."""

from __future__ import annotations

from datetime import date
from typing import Any

import pyarrow as pa

from her2path.cohort.layout import TABLES
from her2path.cohort.read import Cohort

D = date.fromisoformat
Row = dict[str, Any]


def patient(pid: str, site: str = "breast", setting: str = "metastatic", **kw: Any) -> Row:
    row: Row = {
        "patient_id": pid,
        "sex": "female",
        "birth_date": D("1970-01-01"),
        "site": site,
        "setting": setting,
        "diagnosis_date": D("2022-01-01"),
        "er": "negative" if site == "breast" else None,
        "pr": "negative" if site == "breast" else None,
    }
    row.update(kw)
    return row


def ihc(pid: str, spec: str, score: str, when: str = "2022-01-05", **kw: Any) -> Row:
    row: Row = {
        "patient_id": pid,
        "specimen_id": spec,
        "origin": "primary",
        "procedure": "core_biopsy",
        "collected": D(when),
        "after_neoadjuvant": False,
        "test": "ihc",
        "result_date": D(when),
        "ihc_score": score,
        "membrane_staining": None,
    }
    row.update(kw)
    return row


def ish(
    pid: str, spec: str, ratio: float, copies: float, when: str = "2022-01-05", **kw: Any
) -> Row:
    row: Row = {
        "patient_id": pid,
        "specimen_id": spec,
        "origin": "primary",
        "procedure": "core_biopsy",
        "collected": D(when),
        "after_neoadjuvant": False,
        "test": "dual_probe_ish",
        "result_date": D(when),
        "ish_ratio": ratio,
        "her2_copies": copies,
    }
    row.update(kw)
    return row


def course(
    pid: str, tid: str, drug: str, setting: str, start: str, end: str | None = None, **kw: Any
) -> Row:
    row: Row = {
        "patient_id": pid,
        "therapy_id": tid,
        "drug": drug,
        "setting": setting,
        "start_date": D(start),
        "end_date": D(end) if end else None,
        "reason_stopped": None,
        "regimen": None,
    }
    row.update(kw)
    return row


def dose(pid: str, tid: str, when: str) -> Row:
    return {"patient_id": pid, "therapy_id": tid, "admin_date": D(when), "dose_mg": None}


def build(**rows: list[Row]) -> Cohort:
    tables = {}
    for name, spec in TABLES.items():
        tables[name] = pa.Table.from_pylist(rows.get(name, []), schema=spec.schema())
    return Cohort(tables=tables)


def hand_cohort() -> tuple[Cohort, set[tuple[str, str]]]:
    """The cohort and the exact (patient, audit) pairs every engine must find."""
    p: list[Row] = []
    h: list[Row] = []
    t: list[Row] = []
    a: list[Row] = []
    preg: list[Row] = []
    ev: list[Row] = []
    expected: set[tuple[str, str]] = set()

    # IHC 2+ with no ISH (early disease, so no metastatic audit applies)
    p.append(patient("A1", setting="early_postoperative"))
    h.append(ihc("A1", "A1-S1", "2+"))
    expected.add(("A1", "ihc2_without_ish"))
    # IHC 2+ with ISH group 5: negative, HER2-low; nothing to flag in early disease
    p.append(patient("A2", setting="early_postoperative"))
    h += [ihc("A2", "A2-S1", "2+"), ish("A2", "A2-S1", 1.4, 2.5)]
    # ISH group 4 without IHC
    p.append(patient("B1", setting="early_postoperative"))
    h.append(ish("B1", "B1-S1", 1.5, 5.0))
    expected.add(("B1", "ish_group_without_ihc"))
    # ISH group 2 with IHC 3+: positive, nothing missing
    p.append(patient("B2", setting="early_postoperative"))
    h += [ihc("B2", "B2-S1", "3+"), ish("B2", "B2-S1", 2.3, 3.0)]
    # HER2-positive metastatic, no HER2-directed therapy, metastasis tested
    p.append(patient("C1"))
    h.append(ihc("C1", "C1-S1", "3+", origin="metastasis"))
    ev.append({"patient_id": "C1", "event_date": D("2022-01-02"), "kind": "metastasis_diagnosed"})
    t.append(course("C1", "C1-T1", "docetaxel", "metastatic", "2022-02-01"))
    expected.add(("C1", "her2_positive_metastatic_untreated"))
    # HER2-positive metastatic, treated with a biosimilar: not flagged
    p.append(patient("C2"))
    h.append(ihc("C2", "C2-S1", "3+", origin="metastasis"))
    t.append(course("C2", "C2-T1", "kanjinti", "metastatic", "2022-02-01"))
    # HER2-low after metastatic chemotherapy, no T-DXd
    p.append(patient("D1"))
    h.append(ihc("D1", "D1-S1", "1+", origin="metastasis"))
    t.append(course("D1", "D1-T1", "capecitabine", "metastatic", "2022-03-01", "2022-09-01"))
    expected.add(("D1", "her2_low_metastatic_no_tdxd"))
    # HER2-ultralow, HR-positive, after endocrine therapy, no T-DXd
    p.append(patient("D2", er="positive"))
    h.append(ihc("D2", "D2-S1", "0", membrane_staining=True, origin="metastasis"))
    t.append(course("D2", "D2-T1", "letrozole", "metastatic", "2022-03-01"))
    expected.add(("D2", "her2_low_metastatic_no_tdxd"))
    # HER2-ultralow, HR-negative, after chemotherapy: not in the label's population
    p.append(patient("D3"))
    h.append(ihc("D3", "D3-S1", "0", membrane_staining=True, origin="metastasis"))
    t.append(course("D3", "D3-T1", "capecitabine", "metastatic", "2022-03-01"))
    # HER2-low after chemotherapy, given T-DXd: not flagged
    p.append(patient("D4"))
    h.append(ihc("D4", "D4-S1", "1+", origin="metastasis"))
    t += [
        course("D4", "D4-T1", "paclitaxel", "metastatic", "2022-03-01", "2022-06-01"),
        course("D4", "D4-T2", "enhertu", "metastatic", "2022-07-01"),
    ]
    # Stopped for cardiotoxicity, then dosed again
    p.append(patient("E1", setting="early_postoperative"))
    h.append(ihc("E1", "E1-S1", "3+"))
    t.append(
        course(
            "E1",
            "E1-T1",
            "herceptin",
            "adjuvant",
            "2022-02-01",
            "2022-05-01",
            reason_stopped="cardiotoxicity",
        )
    )
    a += [dose("E1", "E1-T1", "2022-02-01"), dose("E1", "E1-T1", "2022-05-20")]
    expected.add(("E1", "doses_after_permanent_stop"))
    # Completed course, no later dose
    p.append(patient("E2", setting="early_postoperative"))
    h.append(ihc("E2", "E2-S1", "3+"))
    t.append(
        course(
            "E2",
            "E2-T1",
            "herceptin",
            "adjuvant",
            "2022-02-01",
            "2023-01-31",
            reason_stopped="completed",
        )
    )
    a.append(dose("E2", "E2-T1", "2022-02-01"))
    # Dose after a positive pregnancy test
    p.append(patient("F1", setting="early_postoperative"))
    h.append(ihc("F1", "F1-S1", "3+"))
    t.append(course("F1", "F1-T1", "phesgo", "adjuvant", "2022-02-01"))
    a += [dose("F1", "F1-T1", "2022-02-01"), dose("F1", "F1-T1", "2022-04-01")]
    preg.append({"patient_id": "F1", "test_date": D("2022-03-15"), "result": "positive"})
    expected.add(("F1", "her2_drug_in_pregnancy"))
    # Positive test, then negative test, then dose: not flagged
    p.append(patient("F2", setting="early_postoperative"))
    h.append(ihc("F2", "F2-S1", "3+"))
    t.append(course("F2", "F2-T1", "herceptin", "adjuvant", "2022-02-01"))
    a.append(dose("F2", "F2-T1", "2022-04-01"))
    preg += [
        {"patient_id": "F2", "test_date": D("2022-03-01"), "result": "positive"},
        {"patient_id": "F2", "test_date": D("2022-03-20"), "result": "negative"},
    ]
    # Herzuma for gastric cancer; Kanjinti for gastric is labelled
    p.append(patient("G1", site="gastric"))
    h.append(ihc("G1", "G1-S1", "3+", origin="metastasis", procedure="endoscopic_biopsy"))
    t.append(course("G1", "G1-T1", "herzuma", "metastatic", "2022-02-01"))
    expected.add(("G1", "biosimilar_off_label"))
    p.append(patient("G2", site="gastric"))
    h.append(ihc("G2", "G2-S1", "3+", origin="metastasis", procedure="endoscopic_biopsy"))
    t.append(course("G2", "G2-T1", "kanjinti", "metastatic", "2022-02-01"))
    # Residual disease: pre-treatment positive governs; the residual specimen tests negative
    p.append(patient("H1", setting="early_residual_disease"))
    h += [
        ihc("H1", "H1-S1", "3+"),
        ihc("H1", "H1-S2", "1+", when="2022-07-01", after_neoadjuvant=True, procedure="excision"),
    ]
    expected.add(("H1", "residual_disease_without_tdm1"))
    p.append(patient("H2", setting="early_residual_disease"))
    h.append(ihc("H2", "H2-S1", "3+"))
    t.append(course("H2", "H2-T1", "kadcyla", "adjuvant", "2022-08-01"))
    # Progression with only primary-tumour testing
    p.append(patient("J1", setting="metastatic"))
    h.append(ihc("J1", "J1-S1", "0", membrane_staining=False))
    ev.append({"patient_id": "J1", "event_date": D("2023-01-01"), "kind": "progression"})
    expected.add(("J1", "progression_without_rebiopsy"))
    # LVEF monitoring: every trastuzumab-based course above has no reading at all.
    for pid in ("E1", "E2", "F1", "F2", "C2", "G1", "G2"):
        expected.add((pid, "lvef_baseline_missing"))
        expected.add((pid, "lvef_overdue"))
    # Baseline in the window, readings every 3 months, completion reading: nothing to flag.
    lv: list[Row] = []

    def reading(pid: str, when: str, value: float) -> Row:
        return {
            "patient_id": pid,
            "reading_date": D(when),
            "lvef_percent": value,
            "lln_percent": 50.0,
            "method": "echo",
        }

    p.append(patient("K1", setting="early_postoperative"))
    h.append(ihc("K1", "K1-S1", "3+"))
    t.append(
        course(
            "K1",
            "K1-T1",
            "herceptin",
            "adjuvant",
            "2022-02-01",
            "2022-08-01",
            reason_stopped="completed",
        )
    )
    lv += [
        reading("K1", "2022-01-20", 62),
        reading("K1", "2022-04-25", 61),
        reading("K1", "2022-07-20", 60),
        reading("K1", "2022-08-03", 60),
    ]
    # Hold after a 18-point fall, one dose inside the hold, resumed after recovery.
    p.append(patient("K2", setting="early_postoperative"))
    h.append(ihc("K2", "K2-S1", "3+"))
    t.append(
        course(
            "K2",
            "K2-T1",
            "herceptin",
            "adjuvant",
            "2022-02-01",
            "2022-08-01",
            reason_stopped="completed",
        )
    )
    lv += [
        reading("K2", "2022-01-20", 60),
        reading("K2", "2022-04-25", 42),
        reading("K2", "2022-06-01", 58),
        reading("K2", "2022-08-03", 59),
    ]
    a += [
        dose("K2", "K2-T1", "2022-04-20"),
        dose("K2", "K2-T1", "2022-05-10"),
        dose("K2", "K2-T1", "2022-06-05"),
    ]
    expected.add(("K2", "dose_during_lvef_hold"))
    # Hold never recovered within the resume window: permanent stop, then a dose.
    p.append(patient("K3", setting="early_postoperative"))
    h.append(ihc("K3", "K3-S1", "3+"))
    t.append(
        course(
            "K3",
            "K3-T1",
            "herceptin",
            "adjuvant",
            "2022-02-01",
            "2022-08-01",
            reason_stopped="completed",
        )
    )
    lv += [
        reading("K3", "2022-01-20", 60),
        reading("K3", "2022-04-25", 40),
        reading("K3", "2022-05-25", 41),
        reading("K3", "2022-07-01", 42),
        reading("K3", "2022-08-03", 43),
    ]
    a.append(dose("K3", "K3-T1", "2022-07-15"))
    expected.add(("K3", "dose_after_lvef_stop"))
    # Course length: E2, K2 and K3 ended early with only "completed" recorded.
    expected |= {("E2", "adjuvant_her2_short"), ("K2", "adjuvant_her2_short")}
    expected.add(("K3", "adjuvant_her2_short"))
    # Doses still given 400 days after the first (past the 52-week limit).
    p.append(patient("L1", setting="early_postoperative"))
    h.append(ihc("L1", "L1-S1", "3+"))
    t.append(course("L1", "L1-T1", "kadcyla", "adjuvant", "2022-01-01", "2022-02-01"))
    t.append(
        course(
            "L1",
            "L1-T2",
            "herceptin",
            "adjuvant",
            "2022-02-01",
            "2023-03-08",
            reason_stopped="completed",
        )
    )
    a += [dose("L1", "L1-T2", "2022-02-01"), dose("L1", "L1-T2", "2023-03-08")]
    lv += [reading("L1", "2022-01-25", 60)]
    expected |= {("L1", "adjuvant_her2_long"), ("L1", "lvef_overdue")}
    # Stopped early after a recurrence: a shorter course is expected.
    p.append(patient("L2", setting="early_postoperative"))
    h.append(ihc("L2", "L2-S1", "3+", origin="recurrence", when="2022-06-01"))
    t.append(
        course(
            "L2",
            "L2-T1",
            "herceptin",
            "adjuvant",
            "2022-02-01",
            "2022-06-01",
            reason_stopped="completed",
        )
    )
    a += [dose("L2", "L2-T1", "2022-02-01"), dose("L2", "L2-T1", "2022-05-20")]
    lv += [reading("L2", "2022-01-25", 60), reading("L2", "2022-04-25", 60)]
    lv += [reading("L2", "2022-06-02", 60)]
    ev.append({"patient_id": "L2", "event_date": D("2022-05-25"), "kind": "recurrence"})
    cohort = build(
        lvef_readings=lv,
        patients=p,
        her2_results=h,
        therapies=t,
        administrations=a,
        pregnancy_tests=preg,
        events=ev,
    )
    return cohort, expected


AS_OF = D("2025-06-30")
