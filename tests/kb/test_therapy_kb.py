"""The therapy knowledge: fixed ids, each product's own indications, cross-checks."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from her2path.errors import KnowledgeBaseError
from her2path.kb import KnowledgeBase, load
from her2path.kb.loader import default_dir
from tests.fixed_ids import PRODUCTS, REGIMENS


def test_fixed_ids_present(kb: KnowledgeBase) -> None:
    assert {p.id for p in kb.products} == set(PRODUCTS)
    assert set(REGIMENS) <= {r.id for r in kb.regimens.regimens}
    for p in kb.products:
        assert kb.reproductive.for_product(p.id) is not None, p.id


def _gastric(kb: KnowledgeBase, pid: str) -> bool:
    p = next(x for x in kb.products if x.id == pid)
    return "trastuzumab.gastric_first_line" in p.indication_ids()


def test_biosimilars_carry_their_own_indications(kb: KnowledgeBase) -> None:
    assert not _gastric(kb, "herzuma")
    assert not _gastric(kb, "herceptin_hylecta")
    for pid in ("herceptin", "hercessi", "kanjinti", "ogivri", "ontruzant", "trazimera"):
        assert _gastric(kb, pid), pid
    hercessi = next(x for x in kb.products if x.id == "hercessi")
    gastric = next(i for i in hercessi.indications if i.id == "trastuzumab.gastric_first_line")
    assert gastric.disagreements[0].source.source == "seed-000"


def test_ingredient_codes_are_honestly_marked(kb: KnowledgeBase) -> None:
    for i in kb.ingredients.ingredients:
        if i.rxnorm is not None:
            assert all(s.verification in ("S", "M") for s in i.rxnorm.sources)
    t = next(i for i in kb.ingredients.ingredients if i.id == "trastuzumab")
    assert t.rxnorm is not None and t.rxnorm.code == "224905"


def test_recurrence_window_is_data(kb: KnowledgeBase) -> None:
    kad = next(i for i in kb.indications.indications if i.id == "tdm1.mbc")
    windows = [getattr(c, "recurrence_window", None) for c in kad.when]
    assert any(w is not None and str(w) == "6 months" for w in windows)


@pytest.fixture
def kb_copy(tmp_path: Path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(default_dir(), target)
    return target


def test_unknown_indication_in_product_reported(kb_copy: Path) -> None:
    f = kb_copy / "products" / "herzuma.yaml"
    f.write_text(f.read_text().replace("trastuzumab.mbc_single_agent", "trastuzumab.nonexistent"))
    with pytest.raises(KnowledgeBaseError) as exc:
        load(kb_copy)
    assert any("herzuma" in p.where and "nonexistent" in p.message for p in exc.value.problems)


def test_regimen_with_pertuzumab_alone_reported(kb_copy: Path) -> None:
    f = kb_copy / "regimens.yaml"
    text = f.read_text().replace(
        "      - {ingredient: pertuzumab, role: her2_directed}\n"
        "      - {ingredient: trastuzumab, role: her2_directed}\n"
        "      - {one_of: [docetaxel], role: chemotherapy}\n"
        "      - {one_of: [carboplatin], role: chemotherapy}\n",
        "      - {ingredient: pertuzumab, role: her2_directed}\n"
        "      - {one_of: [docetaxel], role: chemotherapy}\n"
        "      - {one_of: [carboplatin], role: chemotherapy}\n",
        1,
    )
    f.write_text(text)
    with pytest.raises(KnowledgeBaseError) as exc:
        load(kb_copy)
    assert any("perjeta must be given with" in p.message for p in exc.value.problems)
