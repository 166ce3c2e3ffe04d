"""Shared fixtures: the bundled knowledge base, loaded once."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from her2path.kb import KnowledgeBase, load_default


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    return load_default()


def _shared_dir() -> Path | None:
    """The shared folder beside the repository (CI), or $HER2PATH_SHARED, or /work/shared."""
    candidates = [
        os.environ.get("HER2PATH_SHARED"),
        str(Path(__file__).resolve().parents[1] / ".." / "shared"),
        "/work/shared",
    ]
    for c in candidates:
        if c and (Path(c) / "external" / "fhir-examples").is_dir():
            return Path(c)
    return None


@pytest.fixture(scope="session")
def fhir_examples() -> Path:
    """Real FHIR / CDS Hooks inputs (read-only); the test is skipped when they are absent."""
    shared = _shared_dir()
    if shared is None:
        pytest.skip("shared/external/fhir-examples not found (set HER2PATH_SHARED)")
    return shared / "external" / "fhir-examples"
