"""The interoperability section: codes cross-checked against the rest of the knowledge base."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from her2path.errors import KnowledgeBaseError
from her2path.fhir.codes import drug_map
from her2path.kb import KnowledgeBase, load
from her2path.kb.loader import default_dir


@pytest.fixture()
def kb_copy(tmp_path: Path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(default_dir(), target)
    return target


def _problems(root: Path) -> list[str]:
    with pytest.raises(KnowledgeBaseError) as exc:
        load(root)
    return [str(p) for p in exc.value.problems]


def test_product_files_own_their_rxnorm_codes(kb: KnowledgeBase) -> None:
    drugs = drug_map(kb)
    phesgo = drugs["2382605"]
    assert phesgo.product == "phesgo"
    assert sorted(phesgo.ingredients) == ["pertuzumab", "trastuzumab"]
    assert any(s.source == "MCODE-CTM-MEDS" for s in phesgo.sources)
    # clinical and branded drug codes come from the interop table
    assert drugs["2382609"].product == "phesgo"
    assert drugs["224905"].product is None and drugs["224905"].ingredients == ["trastuzumab"]


def test_duplicate_or_unknown_drug_codes_are_reported(kb_copy: Path) -> None:
    path = kb_copy / "interop" / "drugs" / "her2_directed.yaml"
    data = yaml.safe_load(path.read_text())
    src = [{"source": "MCODE-CTM-MEDS", "where": "x", "verification": "S"}]
    data["codes"].append(
        {
            "code": "2382605",
            "display": "Phesgo",
            "product": "phesgo",
            "ingredients": ["pertuzumab"],
            "sources": src,
        }
    )
    data["codes"].append(
        {
            "code": "999",
            "display": "x",
            "product": "nope",
            "ingredients": ["unobtainium"],
            "sources": src,
        }
    )
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    found = "\n".join(_problems(kb_copy))
    assert "RxNorm 2382605 is already in products/phesgo.yaml" in found
    assert "unknown product 'nope'" in found
    assert "unknown ingredient 'unobtainium'" in found


def test_unknown_code_system_is_reported(kb_copy: Path) -> None:
    path = kb_copy / "interop" / "codes.yaml"
    data = yaml.safe_load(path.read_text())
    data["observations"][0]["system"] = "loinc-typo"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    assert any("unknown code system 'loinc-typo'" in p for p in _problems(kb_copy))
