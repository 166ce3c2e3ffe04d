"""Several results over time: which result governs, and what a change of status means."""

from __future__ import annotations

from typing import Any

from her2path.domain.her2 import Her2Case
from her2path.engine.her2 import interpret
from her2path.kb import KnowledgeBase
from her2path.kb.her2 import ExpressionCategory as Cat
from her2path.kb.her2 import Her2Status as St
from tests.her2_cases import dual, ihc, run

PRIMARY: dict[str, Any] = {
    "id": "P1",
    "origin": "primary",
    "procedure": "core_biopsy",
    "collected": "2022-03-01",
}
METASTASIS: dict[str, Any] = {
    "id": "M1",
    "origin": "metastasis",
    "procedure": "core_biopsy",
    "collected": "2026-05-01",
}
RESIDUAL: dict[str, Any] = {
    "id": "R1",
    "origin": "primary",
    "procedure": "resection",
    "collected": "2022-09-01",
    "after_neoadjuvant": True,
}


def test_no_results_asks_for_a_test(kb: KnowledgeBase) -> None:
    a = interpret(kb, Her2Case.model_validate({"site": "breast", "results": []}))
    assert a.status is St.no_result
    assert [s.code for s in a.next_steps] == ["test_her2"]
    assert a.rule_path and a.rule_path[0].sources


def test_same_specimen_ihc_and_ish_read_together(kb: KnowledgeBase) -> None:
    a = run(kb, ihc("2+", specimen=PRIMARY), dual(2.4, 5.0, specimen=PRIMARY))
    assert len(a.specimens) == 1
    assert a.status is St.positive


def test_specimens_without_id_pair_by_origin_procedure_and_collection_date(
    kb: KnowledgeBase,
) -> None:
    spec = {"origin": "primary", "procedure": "core_biopsy", "collected": "2026-01-01"}
    a = run(
        kb,
        ihc("2+", specimen=spec, date="2026-01-03"),
        dual(2.4, 5.0, specimen=spec, date="2026-01-09"),
    )
    assert len(a.specimens) == 1
    assert a.status is St.positive


def test_metastasis_governs_in_metastatic_disease_and_change_is_flagged(
    kb: KnowledgeBase,
) -> None:
    a = run(kb, ihc("3+", specimen=PRIMARY), ihc("1+", specimen=METASTASIS), setting="metastatic")
    assert a.governing_specimen == "M1"
    assert a.status is St.negative and a.expression_category is Cat.her2_low
    assert a.rule_path[-1].rule == "governing.metastatic_prefers_metastasis"
    (change,) = a.status_changes
    assert change.code == "metastasis_differs_from_primary"
    assert change.earlier_status is St.positive and change.later_status is St.negative
    assert change.sources[0].source == "seed-004"


def test_metastasis_governs_even_if_primary_is_newer(kb: KnowledgeBase) -> None:
    late_primary = {**PRIMARY, "collected": "2026-06-01", "id": "P2"}
    a = run(
        kb, ihc("1+", specimen=METASTASIS), ihc("3+", specimen=late_primary), setting="metastatic"
    )
    assert a.governing_specimen == "M1"


def test_residual_disease_keeps_pretreatment_status(kb: KnowledgeBase) -> None:
    a = run(kb, ihc("3+", specimen=PRIMARY), ihc("1+", specimen=RESIDUAL), setting="early")
    assert a.governing_specimen == "P1"
    assert a.status is St.positive
    assert a.rule_path[-1].rule == "governing.residual_disease_keeps_pretreatment_status"
    assert [c.code for c in a.status_changes] == ["loss_after_neoadjuvant"]
    assert a.status_changes[0].sources[0].source == "KAD-PI"


def test_newest_specimen_governs_otherwise(kb: KnowledgeBase) -> None:
    excision = {"id": "E1", "origin": "primary", "procedure": "excision", "collected": "2022-04-01"}
    a = run(
        kb,
        ihc("0", specimen=PRIMARY, membrane_staining=False),
        ihc("2+", specimen=excision),
        dual(2.5, 5.5, specimen=excision),
    )
    assert a.governing_specimen == "E1"
    assert a.status is St.positive
    assert a.rule_path[-1].rule == "governing.newest_specimen"
    assert [c.code for c in a.status_changes] == ["changed_over_time"]


def test_category_change_alone_is_flagged(kb: KnowledgeBase) -> None:
    a = run(
        kb,
        ihc("0", specimen=PRIMARY, membrane_staining=False),
        ihc("0", specimen=METASTASIS, membrane_staining=True),
        setting="metastatic",
    )
    assert a.expression_category is Cat.her2_ultralow
    assert len(a.status_changes) == 1
    assert a.status_changes[0].earlier_category is Cat.her2_0


def test_pending_results_are_not_compared(kb: KnowledgeBase) -> None:
    a = run(kb, ihc("3+", specimen=PRIMARY), ihc("2+", specimen=METASTASIS), setting="metastatic")
    assert a.status is St.equivocal
    assert a.status_changes == []
