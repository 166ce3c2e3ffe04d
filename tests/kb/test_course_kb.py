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


def test_reference_check_against_products_and_regimens_when_present(kb: KnowledgeBase) -> None:
    from types import SimpleNamespace

    from her2path.kb.dosing import section_ids

    assert section_ids([{"id": "a"}, SimpleNamespace(id="b")]) == {"a", "b"}
    assert section_ids({"c": 1}) == {"c"}
    assert section_ids(None) == set()
    fake = SimpleNamespace(
        dosing=kb.dosing,
        products=[SimpleNamespace(id=p) for p in kb.dosing.by_id() if p != "margenza"],
        regimens=[SimpleNamespace(id=r.id) for r in kb.schedules if r.id != "tch"],
    )
    dosing_problems = kb.dosing.kb_check(fake)
    assert [m for _, m in dosing_problems] == ["unknown product or drug id 'margenza'"]
    tch = next(r for r in kb.schedules if r.id == "tch")
    assert [m for _, m in tch.kb_check(fake)] == ["regimen 'tch' is not in the regimen list"]
