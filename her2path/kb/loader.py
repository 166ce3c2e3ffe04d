"""Load and check the knowledge base, reporting every problem with its path.

The knowledge base is a folder of YAML files.  :data:`LAYOUT` says which file
(or glob of files) feeds which section of :class:`KnowledgeBase`.  Loading never
stops at the first problem: YAML syntax errors, schema errors and cross-reference
errors are all collected, each with the file and the path inside it.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from her2path.errors import KnowledgeBaseError, Problem
from her2path.kb.model import KnowledgeBase
from her2path.kb.provenance import SourceRef

ENV_DIR = "HER2PATH_KNOWLEDGE"


@dataclass(frozen=True)
class Part:
    """Where one section of the knowledge base comes from.

    ``file``: a YAML mapping that becomes the section.
    ``items``: a glob; each file is one mapping, together they form a list.
    ``concat``: a glob; each file is a YAML list; the lists are joined.
    ``merge``: extra keys of the section filled from globs (``key -> glob``),
    each file one item of the list under that key.
    """

    file: str | None = None
    items: str | None = None
    concat: str | None = None
    merge: dict[str, str] = field(default_factory=dict)


LAYOUT: dict[str, Part] = {
    "meta": Part(file="kb.yaml"),
    "registry": Part(file="sources.yaml"),
    "her2": Part(file="her2/common.yaml", merge={"criteria": "her2/criteria/*.yaml"}),
    "interop": Part(
        file="interop/codes.yaml",
        merge={"drug_tables": "interop/drugs/*.yaml", "order_rules": "interop/orders/*.yaml"},
    ),
    "patient_info": Part(file="patient/info.yaml", merge={"products": "patient/products/*.yaml"}),
    "dosing": Part(file="dosing/_common.yaml", merge={"drugs": "dosing/[a-z]*.yaml"}),
    "schedules": Part(items="schedules/*.yaml"),
    "cardiac": Part(file="cardiac/monitoring.yaml", merge={"tables": "cardiac/tables/*.yaml"}),
    "ingredients": Part(file="ingredients.yaml"),
    "products": Part(items="products/*.yaml"),
    "indications": Part(file="indications.yaml"),
    "regimens": Part(file="regimens.yaml"),
    "safety": Part(file="safety.yaml"),
    "reproductive": Part(file="reproductive.yaml"),
    "adverse_events": Part(
        file="adverse_events/_dose_levels.yaml", merge={"products": "adverse_events/[a-z]*.yaml"}
    ),
    "checklists": Part(items="checklists/*.yaml"),
    "audits": Part(file="audits.yaml"),
    "synthetic": Part(file="synthetic.yaml"),
    "omop": Part(file="omop/concepts.yaml"),
}


def default_dir() -> Path:
    """The knowledge folder: ``$HER2PATH_KNOWLEDGE`` or the one beside the package."""
    env = os.environ.get(ENV_DIR)
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "knowledge"


@dataclass
class _Origin:
    loc: tuple[str | int, ...]
    file: str
    data: Any


def _read_yaml(path: Path, rel: str, problems: list[Problem]) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "file"
        problems.append(Problem(f"{rel}: {where}", f"YAML syntax error: {exc}"))
    except OSError as exc:
        problems.append(Problem(rel, f"cannot read file: {exc}"))
    return None


def _assemble(root: Path, problems: list[Problem]) -> tuple[dict[str, Any], list[_Origin], str]:
    data: dict[str, Any] = {}
    origins: list[_Origin] = []
    digest = hashlib.sha256()

    def read(rel: str) -> Any:
        path = root / rel
        if not path.is_file():
            problems.append(Problem(rel, "file is missing"))
            return None
        digest.update(rel.encode())
        digest.update(path.read_bytes())
        return _read_yaml(path, rel, problems)

    def glob(pattern: str) -> list[str]:
        return sorted(str(p.relative_to(root)) for p in root.glob(pattern) if p.is_file())

    for key, part in LAYOUT.items():
        if part.file is not None:
            value = read(part.file)
            if value is None:
                value = {}
            if not isinstance(value, dict):
                problems.append(Problem(part.file, "expected a mapping at the top of the file"))
                value = {}
            origins.append(_Origin((key,), part.file, value))
            for sub, pattern in part.merge.items():
                items: list[Any] = []
                for i, rel in enumerate(glob(pattern)):
                    item = read(rel)
                    origins.append(_Origin((key, sub, i), rel, item))
                    items.append(item)
                value[sub] = items
            data[key] = value
        elif part.items is not None:
            items = []
            for i, rel in enumerate(glob(part.items)):
                item = read(rel)
                origins.append(_Origin((key, i), rel, item))
                items.append(item)
            data[key] = items
        elif part.concat is not None:
            joined: list[Any] = []
            for rel in glob(part.concat):
                chunk = read(rel)
                if chunk is None:
                    continue
                if not isinstance(chunk, list):
                    problems.append(Problem(rel, "expected a list at the top of the file"))
                    continue
                for item in chunk:
                    origins.append(_Origin((key, len(joined)), rel, item))
                    joined.append(item)
            data[key] = joined
    return data, origins, digest.hexdigest()[:12]


def _label(item: Any) -> str:
    if isinstance(item, dict):
        for k in ("id", "group", "score", "code", "category", "name"):
            if k in item:
                return f" ({k} {item[k]})"
    return ""


def _describe(loc: tuple[str | int, ...], origins: list[_Origin]) -> str:
    """Turn a validation location into ``file: entry > field`` text."""
    best: _Origin | None = None
    for o in origins:
        if loc[: len(o.loc)] == o.loc and (best is None or len(o.loc) > len(best.loc)):
            best = o
    if best is None:
        return ".".join(str(p) for p in loc)
    rest = loc[len(best.loc) :]
    node: Any = best.data
    parts: list[str] = []
    for p in rest:
        if isinstance(p, int):
            item = node[p] if isinstance(node, list) and p < len(node) else None
            parts[-1:] = [f"{parts[-1] if parts else ''}[{p}]{_label(item)}"]
            node = item
        else:
            parts.append(str(p))
            node = node.get(p) if isinstance(node, dict) else None
    where = " > ".join(parts) if parts else "(top)"
    return f"{best.file}{_label(best.data)}: {where}"


def _walk(obj: Any, loc: tuple[str | int, ...]) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    yield loc, obj
    if isinstance(obj, BaseModel):
        for name in type(obj).model_fields:
            yield from _walk(getattr(obj, name), (*loc, name))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _walk(v, (*loc, i))
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield from _walk(v, (*loc, str(k)))


def _cross_check(kb: KnowledgeBase) -> list[tuple[tuple[str | int, ...], str]]:
    found: list[tuple[tuple[str | int, ...], str]] = []
    known = kb.registry.by_id()
    for loc, node in _walk(kb, ()):
        if isinstance(node, SourceRef) and node.source not in known:
            found.append(
                ((*loc, "source"), f"unknown source id '{node.source}'; add it to sources.yaml")
            )
        check = getattr(node, "kb_check", None)
        if callable(check):
            for sub, msg in check(kb):
                found.append(((*loc, *sub), msg))
    return found


def load(root: Path | None = None) -> KnowledgeBase:
    """Load, validate and cross-check the knowledge base; raise with every problem."""
    root = root or default_dir()
    problems: list[Problem] = []
    if not root.is_dir():
        raise KnowledgeBaseError([Problem(str(root), "knowledge folder not found")])
    data, origins, digest = _assemble(root, problems)
    data.setdefault("meta", {})
    if isinstance(data["meta"], dict):
        data["meta"]["content_hash"] = digest
    try:
        kb = KnowledgeBase.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(err["loc"])
            problems.append(Problem(_describe(loc, origins), err["msg"]))
        raise KnowledgeBaseError(problems) from None
    for loc, msg in _cross_check(kb):
        problems.append(Problem(_describe(loc, origins), msg))
    if problems:
        raise KnowledgeBaseError(problems)
    return kb


@lru_cache(maxsize=4)
def _cached(root: str) -> KnowledgeBase:
    return load(Path(root))


def load_default() -> KnowledgeBase:
    """The knowledge base of this installation, loaded once per process."""
    return _cached(str(default_dir()))
