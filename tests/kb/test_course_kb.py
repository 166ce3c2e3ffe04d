"""Cross-checks of the dosing, schedule and cardiac sections of the knowledge base."""

from __future__ import annotations

from pathlib import Path

from her2path.kb import KnowledgeBase
from tests.fixed_ids import PRODUCTS, REGIMENS
from tests.kb.test_kb_check import edit, kb_copy, problems  # noqa: F401


def test_schedule_with_unknown_dose_spec_is_reported(kb_copy: Path) -> None:  # noqa: F811
    edit(
        kb_copy / "schedules/tch.yaml",
        lambda d: d["phases"][0]["components"][2].update(spec="biweekly"),
    )
    found = problems(kb_copy)
    assert any("schedules/tch.yaml" in p and "no dose 'biweekly'" in p for p in found)


def test_cardiac_table_with_unknown_drug_is_reported(kb_copy: Path) -> None:  # noqa: F811
    edit(kb_copy / "cardiac/tables/tdxd.yaml", lambda d: d["drugs"].append("enhertuu"))
    found = problems(kb_copy)
    assert any("cardiac/tables/tdxd.yaml" in p and "enhertuu" in p for p in found)


def test_loading_below_maintenance_is_rejected(kb_copy: Path) -> None:  # noqa: F811
    edit(kb_copy / "dosing/perjeta.yaml", lambda d: d["specs"][0].update(loading=400))
    found = problems(kb_copy)
    assert any("dosing/perjeta.yaml" in p and "loading dose is below" in p for p in found)


def test_reduction_ladder_must_fall(kb_copy: Path) -> None:  # noqa: F811
    edit(kb_copy / "dosing/kadcyla.yaml", lambda d: d["reductions"][0].update(levels=[3.6, 3.6]))
    assert any("strictly" in p for p in problems(kb_copy))


def test_every_fixed_her2_product_is_dosed(kb: KnowledgeBase) -> None:
    assert set(PRODUCTS) <= set(kb.dosing.by_id())


def test_every_fixed_regimen_has_a_schedule(kb: KnowledgeBase) -> None:
    assert {r.id for r in kb.schedules} == set(REGIMENS)
