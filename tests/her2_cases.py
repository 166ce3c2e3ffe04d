"""Builders for HER2 cases used across the tests (one specimen unless told otherwise)."""

from __future__ import annotations

from typing import Any

from her2path.domain.her2 import Her2Case
from her2path.engine.her2 import Her2Answer, interpret
from her2path.kb import KnowledgeBase

SPECIMEN: dict[str, Any] = {
    "id": "S1",
    "origin": "primary",
    "procedure": "core_biopsy",
    "collected": "2026-01-02",
}


def ihc(
    score: str | None = None,
    *,
    specimen: dict[str, Any] | None = None,
    date: str = "2026-01-05",
    **extra: Any,
) -> dict[str, Any]:
    doc: dict[str, Any] = {"kind": "ihc", "date": date, "specimen": specimen or SPECIMEN}
    if score is not None:
        doc["score"] = score
    doc.update(extra)
    return doc


def dual(
    ratio: float | None,
    her2: float,
    cep17: float | None = None,
    *,
    cells: int | None = 20,
    recount: dict[str, Any] | None = None,
    specimen: dict[str, Any] | None = None,
    date: str = "2026-01-06",
) -> dict[str, Any]:
    count: dict[str, Any] = {"her2_copies": her2}
    if ratio is not None:
        count["ratio"] = ratio
    if cep17 is not None:
        count["cep17_copies"] = cep17
    if cells is not None:
        count["cells_counted"] = cells
    doc: dict[str, Any] = {
        "kind": "dual_probe_ish",
        "date": date,
        "specimen": specimen or SPECIMEN,
        "count": count,
    }
    if recount is not None:
        doc["recount"] = recount
    return doc


def single(her2: float, *, specimen: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "kind": "single_probe_ish",
        "date": "2026-01-06",
        "specimen": specimen or SPECIMEN,
        "her2_copies": her2,
        "cells_counted": 20,
    }


def run(
    kb: KnowledgeBase, *results: dict[str, Any], site: str = "breast", setting: str | None = None
) -> Her2Answer:
    doc: dict[str, Any] = {"site": site, "results": list(results)}
    if setting:
        doc["setting"] = setting
    return interpret(kb, Her2Case.model_validate(doc))


def cited(answer: Her2Answer, rule: str) -> list[str]:
    """The 'source where' strings cited by the rule step whose id ends with ``rule``."""
    for step in answer.rule_path:
        if step.rule.endswith(rule):
            return [f"{s.source} {s.where}" for s in step.sources]
    raise AssertionError(f"rule {rule} not in path {[s.rule for s in answer.rule_path]}")


def steps(answer: Her2Answer) -> list[str]:
    return [s.code for s in answer.next_steps]
