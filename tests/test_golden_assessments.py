"""Each example patient's assessment matches its checked-in golden JSON."""

from __future__ import annotations

import pytest

from her2path.kb import KnowledgeBase
from her2path.tools.golden import GOLDEN, examples, golden_json


def test_every_example_has_a_golden_file() -> None:
    assert {p.name for p in examples()} == {p.name for p in GOLDEN.glob("*.json")}


@pytest.mark.parametrize("path", examples(), ids=lambda p: p.stem)
def test_golden(kb: KnowledgeBase, path) -> None:  # type: ignore[no-untyped-def]
    expected = (GOLDEN / path.name).read_text(encoding="utf-8")
    assert golden_json(kb, path) == expected, "run 'make golden' and review the diff"


def test_examples_reach_every_setting_product_and_regimen(kb: KnowledgeBase) -> None:
    import json

    settings: set[str] = set()
    products: set[str] = set()
    regimens: set[str] = set()
    for path in examples():
        data = json.loads((GOLDEN / path.name).read_text(encoding="utf-8"))
        settings.add(data["setting"])
        for o in data["options"]:
            products.update(o["products"])
            regimens.add(o["regimen"])
    assert settings == {
        "early_preoperative",
        "early_postoperative",
        "early_residual_disease",
        "locally_advanced",
        "metastatic",
    }
    assert products == {p.id for p in kb.products}
    assert regimens == {r.id for r in kb.regimens.regimens}
