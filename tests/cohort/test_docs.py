"""docs/cohort.md documents the layout exactly as the reader checks it."""

from __future__ import annotations

from pathlib import Path

from her2path.cohort.layout import layout_markdown

DOC = Path(__file__).resolve().parents[2] / "docs" / "cohort.md"


def test_layout_reference_is_current() -> None:
    assert layout_markdown() in DOC.read_text(encoding="utf-8")
