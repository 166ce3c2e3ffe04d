"""Golden outputs of the bundled examples and the published schemas.

A failure here means the engine now answers differently: if the change is intended,
run ``make golden`` and review the diff like any other clinical change.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from her2path.kb import KnowledgeBase
from her2path.schemas import SCHEMAS
from her2path.tools.golden import GOLDEN, GOLDEN_SETS, SCHEMA_DIR, schema_text

CASES = [
    (name, example)
    for name, (folder, _) in GOLDEN_SETS.items()
    for example in sorted(folder.glob("*.json"))
]


def test_every_golden_set_has_examples() -> None:
    for _name, (folder, _) in GOLDEN_SETS.items():
        assert list(folder.glob("*.json")), folder


@pytest.mark.parametrize(("name", "example"), CASES, ids=[f"{n}/{e.name}" for n, e in CASES])
def test_example_matches_golden(kb: KnowledgeBase, name: str, example: Path) -> None:
    _, render = GOLDEN_SETS[name]
    golden = GOLDEN / name / example.name
    assert golden.is_file(), f"no golden output for {example}; run make golden"
    assert render(kb, example) == golden.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_published_schema_is_current(name: str) -> None:
    path = SCHEMA_DIR / f"{name}.json"
    assert path.is_file()
    assert schema_text(name) == path.read_text(encoding="utf-8")
