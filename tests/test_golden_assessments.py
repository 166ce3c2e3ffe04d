"""The example patients together reach every setting, product and regimen.

(Their golden assessments are compared in ``tests/test_golden.py``.)
"""

from __future__ import annotations

import json

from her2path.kb import KnowledgeBase
from her2path.tools.golden import GOLDEN, patient_examples


def test_every_example_has_a_golden_file() -> None:
    names = {p.name for p in patient_examples()}
    assert len(names) >= 15
    assert names == {p.name for p in (GOLDEN / "assessments").glob("*.json")}


def test_examples_reach_every_setting_product_and_regimen(kb: KnowledgeBase) -> None:
    settings: set[str] = set()
    products: set[str] = set()
    regimens: set[str] = set()
    for path in patient_examples():
        data = json.loads((GOLDEN / "assessments" / path.name).read_text(encoding="utf-8"))
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
