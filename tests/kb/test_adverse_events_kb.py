"""The adverse-event and checklist knowledge validates, and its checks catch mistakes."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from her2path.engine.events import ladders_for
from her2path.errors import KnowledgeBaseError
from her2path.kb import KnowledgeBase, load
from her2path.kb.loader import default_dir

FIXED_PRODUCTS = {
    "herceptin", "hercessi", "herzuma", "kanjinti", "ogivri", "ontruzant", "trazimera",
    "herceptin_hylecta", "perjeta", "phesgo", "kadcyla", "enhertu", "tukysa", "nerlynx",
    "tykerb", "margenza", "keytruda",
}  # fmt: skip


@pytest.fixture()
def kb_copy(tmp_path: Path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(default_dir(), target)
    return target


def edit(path: Path, change: Callable[[Any], None]) -> None:
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def problems(root: Path) -> list[str]:
    with pytest.raises(KnowledgeBaseError) as exc:
        load(root)
    return [str(p) for p in exc.value.problems]


def test_every_fixed_product_has_rules_and_a_ladder(kb: KnowledgeBase) -> None:
    assert set(kb.adverse_events.known_products()) == FIXED_PRODUCTS
    for pid in FIXED_PRODUCTS:
        assert ladders_for(kb, pid), pid


def test_no_rule_cites_an_unverified_source(kb: KnowledgeBase) -> None:
    for pe in kb.adverse_events.products:
        for rule in pe.rules:
            assert all(s.verification != "M" for s in rule.sources), rule.id
            assert any(s.source != "HER2PATH" for s in rule.sources), rule.id
    for c in kb.checklists:
        for item in c.items:
            assert all(s.verification != "M" for s in item.sources), item.id


def test_product_in_two_files_is_reported(kb_copy: Path) -> None:
    edit(kb_copy / "adverse_events/perjeta.yaml", lambda d: d["products"].append("phesgo"))
    found = problems(kb_copy)
    assert any("phesgo.yaml" in p and "'phesgo' is in two rule files" in p for p in found)


def test_reduction_without_ladder_is_reported(kb_copy: Path) -> None:
    def change(d: Any) -> None:
        d["rules"][0]["action"] = "withhold"
        d["rules"][0]["resume"] = [{"resume_at": "one_level_lower", "text": "lower"}]

    edit(kb_copy / "adverse_events/margenza.yaml", change)
    found = problems(kb_copy)
    assert any("margenza.yaml" in p and "no reduction ladder" in p for p in found)


def test_bad_grade_and_misplaced_resume_are_reported(kb_copy: Path) -> None:
    def change(d: Any) -> None:
        d["rules"][0]["grades"] = [0, 1]
        d["rules"][1]["resume"] = [{"resume_at": "same_level", "text": "same dose"}]

    edit(kb_copy / "adverse_events/enhertu.yaml", change)
    found = problems(kb_copy)
    assert any("enhertu.yaml" in p and "CTCAE grades 1-5" in p for p in found)
    assert any("enhertu.yaml" in p and "belong to a 'withhold' rule" in p for p in found)


def test_open_branch_must_be_last(kb_copy: Path) -> None:
    def change(d: Any) -> None:
        d["rules"][0]["resume"].reverse()

    edit(kb_copy / "adverse_events/enhertu.yaml", change)
    assert any("only the last resume branch" in p for p in problems(kb_copy))


def test_ladder_policy_product_must_exist(kb_copy: Path) -> None:
    def change(d: Any) -> None:
        d["dose_levels"]["policies"][0]["products"].append("tykerbb")

    edit(kb_copy / "adverse_events/_dose_levels.yaml", change)
    assert any("unknown product id 'tykerbb'" in p for p in problems(kb_copy))


def test_cardiac_link_needs_a_cardiac_table(kb_copy: Path) -> None:
    def change(d: Any) -> None:
        d["drugs"] = ["perjeta"]

    edit(kb_copy / "cardiac/tables/margetuximab.yaml", change)
    found = problems(kb_copy)
    assert any(
        "margenza.yaml" in p and "no cardiac table governs product 'margenza'" in p for p in found
    )


def test_ladders_come_from_the_dosing_knowledge(kb: KnowledgeBase) -> None:
    (kad,) = ladders_for(kb, "kadcyla")
    assert [lv.dose for lv in kad.levels] == [
        "3.6 mg/kg every 3 weeks",
        "3 mg/kg every 3 weeks",
        "2.4 mg/kg every 3 weeks",
    ]
    assert kad.re_escalation_forbidden and kad.verified
    enh = {tuple(lad.variants): lad for lad in ladders_for(kb, "enhertu")}
    assert enh[("breast",)].verified and not enh[("gastric",)].verified
    (tuk,) = ladders_for(kb, "tukysa")
    assert tuk.levels[-1].dose == "150 mg twice daily"
    assert all(lad.beyond_lowest.value == "not_covered" for lad in ladders_for(kb, "tykerb"))
    (her,) = ladders_for(kb, "ogivri")
    assert not her.reductions_allowed


def test_checklist_item_without_parameters_is_reported(kb_copy: Path) -> None:
    edit(kb_copy / "checklists/tukysa.yaml", lambda d: d["items"][1].update(labs=[]))
    found = problems(kb_copy)
    assert any("checklists/tukysa.yaml" in p and "needs labs" in p for p in found)


def test_unknown_product_ids_are_reported(kb_copy: Path) -> None:
    edit(kb_copy / "adverse_events/keytruda.yaml", lambda d: d["products"].append("keytrudaa"))
    edit(kb_copy / "checklists/keytruda.yaml", lambda d: d.update(product="keytrudo"))
    found = problems(kb_copy)
    assert any("keytruda.yaml" in p and "unknown product id 'keytrudaa'" in p for p in found)
    assert any("checklists/keytruda.yaml" in p and "'keytrudo'" in p for p in found)
