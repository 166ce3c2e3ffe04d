"""Turn flat HTML form fields (dotted names like ``cancer.site``) into nested documents."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel

from her2path.adapters.validation import parse
from her2path.domain.her2 import DualProbeISHResult, IHCResult, SingleProbeISHResult
from her2path.errors import InputError, Problem

HER2_KINDS: dict[str, type[BaseModel]] = {
    "ihc": IHCResult,
    "dual_probe_ish": DualProbeISHResult,
    "single_probe_ish": SingleProbeISHResult,
}

# Fields of the HER2 form that belong to each kind of result.
HER2_FIELDS: dict[str, tuple[str, ...]] = {
    "ihc": ("score", "membrane_staining"),
    "dual_probe_ish": ("count.",),
    "single_probe_ish": ("single.her2_copies", "single.cells_counted"),
}


def nest(
    fields: Iterable[tuple[str, str]], skip: tuple[str, ...] = ("csrf_token",)
) -> dict[str, Any]:
    """``a.b=1`` becomes ``{"a": {"b": "1"}}``; empty fields are left out (unknown)."""
    doc: dict[str, Any] = {}
    for name, raw in fields:
        value = raw.strip()
        if name in skip or value == "":
            continue
        node = doc
        parts = name.split(".")
        for p in parts[:-1]:
            child = node.setdefault(p, {})
            if not isinstance(child, dict):
                break
            node = child
        else:
            node[parts[-1]] = value
    return doc


def her2_result(form: Mapping[str, str]) -> BaseModel:
    """Validate the HER2 form; only the fields of the chosen kind are read."""
    kind = form.get("kind", "")
    model = HER2_KINDS.get(kind)
    if model is None:
        raise InputError([Problem("kind", f"choose one of: {', '.join(HER2_KINDS)}")])
    own = HER2_FIELDS[kind]
    common = ("kind", "date", "specimen.")
    picked = [(k, v) for k, v in form.items() if k.startswith(common) or k.startswith(own)]
    doc = nest(picked)
    single = doc.pop("single", None)
    if isinstance(single, dict):
        doc.update(single)
    aliases = {"her2_copies": "single.her2_copies", "cells_counted": "single.cells_counted"}
    return parse(model, doc, aliases if kind == "single_probe_ish" else None)


def errors_by_field(exc: InputError) -> dict[str, str]:
    found: dict[str, str] = {}
    for p in exc.problems:
        found[p.where] = f"{found[p.where]}; {p.message}" if p.where in found else p.message
    return found
