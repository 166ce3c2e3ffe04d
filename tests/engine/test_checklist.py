"""Pre-treatment checklists: each item met, not met or unknown, with its label source."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from her2path.domain.patient import Patient
from her2path.engine.checklist import ItemStatus, pretreatment_checklist
from her2path.errors import InputError
from her2path.kb import KnowledgeBase

AS_OF = date(2026, 6, 1)
IHC3 = {
    "kind": "ihc",
    "date": "2026-01-10",
    "score": "3+",
    "specimen": {"id": "S1", "origin": "primary", "procedure": "core_biopsy"},
}


def patient(**extra: Any) -> Patient:
    doc: dict[str, Any] = {
        "id": "p1",
        "sex": "female",
        "birth_date": "1970-01-01",
        "cancer": {"site": "breast", "setting": "metastatic"},
    }
    doc.update(extra)
    return Patient.model_validate(doc)


def status(kb: KnowledgeBase, product: str, p: Patient) -> dict[str, ItemStatus]:
    return {i.id: i.status for i in pretreatment_checklist(kb, product, p, AS_OF).items}


def test_every_product_has_a_checklist_with_sources(kb: KnowledgeBase) -> None:
    products = {c.product for c in kb.checklists}
    assert products == set(kb.adverse_events.known_products())
    for c in kb.checklists:
        assert any(i.check.value == "her2_category" for i in c.items), c.product
        assert all(i.sources for i in c.items)


def test_empty_patient_gives_unknowns_never_met(kb: KnowledgeBase) -> None:
    for c in kb.checklists:
        answer = pretreatment_checklist(kb, c.product, patient(), AS_OF)
        assert all(i.status is ItemStatus.unknown for i in answer.items), c.product
        assert not answer.complete


def test_her2_category_decides(kb: KnowledgeBase) -> None:
    pos = patient(her2_results=[IHC3])
    assert status(kb, "kadcyla", pos)["kadcyla.her2"] is ItemStatus.met
    low = patient(her2_results=[{**IHC3, "score": "1+"}])
    assert status(kb, "kadcyla", low)["kadcyla.her2"] is ItemStatus.not_met
    assert status(kb, "enhertu", low)["enhertu.her2"] is ItemStatus.met
    item = pretreatment_checklist(kb, "enhertu", low, AS_OF).items[0]
    assert "her2_low" in item.fact and item.sources[0].source == "ENH-PI"


@pytest.mark.parametrize(("when", "expected"), [("2026-05-04", "met"), ("2026-05-03", "not_met")])
def test_margenza_lvef_within_four_weeks(kb: KnowledgeBase, when: str, expected: str) -> None:
    p = patient(lvef=[{"date": when, "percent": 60}])
    item = pretreatment_checklist(kb, "margenza", p, AS_OF).items[1]
    assert item.id == "margenza.lvef"
    assert item.status.value == expected
    assert item.sources[0].source == "MAR-PI" and "4 weeks" in item.sources[0].where


def test_lvef_without_label_window_is_met_with_a_caveat(kb: KnowledgeBase) -> None:
    p = patient(lvef=[{"date": "2025-01-01", "percent": 60}])
    item = pretreatment_checklist(kb, "herceptin", p, AS_OF).items[1]
    assert item.status is ItemStatus.met
    assert "no time window" in item.fact


def test_lapatinib_needs_lvef_at_or_above_lln(kb: KnowledgeBase) -> None:
    below = patient(lvef=[{"date": "2026-05-20", "percent": 48, "lln": 50}])
    assert status(kb, "tykerb", below)["tykerb.lvef"] is ItemStatus.not_met
    at = patient(lvef=[{"date": "2026-05-20", "percent": 50, "lln": 50}])
    assert status(kb, "tykerb", at)["tykerb.lvef"] is ItemStatus.met
    no_lln = patient(lvef=[{"date": "2026-05-20", "percent": 60}])
    assert status(kb, "tykerb", no_lln)["tykerb.lvef"] is ItemStatus.unknown


def test_pregnancy_status(kb: KnowledgeBase) -> None:
    assert (
        status(kb, "perjeta", patient(can_become_pregnant=False))["perjeta.pregnancy"]
        is ItemStatus.met
    )
    assert (
        status(kb, "perjeta", patient(can_become_pregnant=True))["perjeta.pregnancy"]
        is ItemStatus.unknown
    )
    checked = patient(
        can_become_pregnant=True, pregnancy={"status": "not_pregnant", "checked": "2026-05-30"}
    )
    assert status(kb, "perjeta", checked)["perjeta.pregnancy"] is ItemStatus.met
    stale = patient(
        can_become_pregnant=True, pregnancy={"status": "not_pregnant", "checked": "2026-05-20"}
    )
    item = next(
        i for i in pretreatment_checklist(kb, "perjeta", stale, AS_OF).items if "pregnancy" in i.id
    )
    assert item.status is ItemStatus.not_met  # older than the local window (decision 0104)
    assert any(s.source == "HER2PATH" and "0104" in s.where for s in item.sources)
    pregnant = patient(can_become_pregnant=True, pregnancy={"status": "pregnant"})
    assert status(kb, "perjeta", pregnant)["perjeta.pregnancy"] is ItemStatus.not_met


def test_liver_tests(kb: KnowledgeBase) -> None:
    labs = [
        {"test": t, "date": "2026-05-30", "value": 1, "unit": "x ULN"}
        for t in ("alt", "ast", "bilirubin")
    ]
    assert status(kb, "tukysa", patient(labs=labs))["tukysa.liver_tests"] is ItemStatus.met
    assert status(kb, "tukysa", patient(labs=labs[:2]))["tukysa.liver_tests"] is ItemStatus.unknown


def test_keytruda_pdl1(kb: KnowledgeBase) -> None:
    gastric = {"site": "gastric", "setting": "metastatic"}
    assert (
        status(kb, "keytruda", patient(cancer={**gastric, "pdl1_cps": 1}))["keytruda.pdl1"]
        is ItemStatus.met
    )
    assert (
        status(kb, "keytruda", patient(cancer={**gastric, "pdl1_cps": 0.5}))["keytruda.pdl1"]
        is ItemStatus.not_met
    )


def test_unknown_product(kb: KnowledgeBase) -> None:
    with pytest.raises(InputError) as exc:
        pretreatment_checklist(kb, "tamoxifen", patient(), AS_OF)
    assert exc.value.problems[0].where == "product"
