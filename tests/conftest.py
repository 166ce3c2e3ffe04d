"""Shared fixtures: the bundled knowledge base, loaded once."""

from __future__ import annotations

import pytest

from her2path.kb import KnowledgeBase, load_default


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    return load_default()
