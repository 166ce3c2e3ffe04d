"""Views of the knowledge base and of the API schema for the browsable pages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic_core import to_jsonable_python

from her2path.kb.model import KnowledgeBase
from her2path.kb.provenance import Source


def source_index(kb: KnowledgeBase) -> dict[str, Source]:
    return kb.registry.by_id()


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    data: Any


@dataclass(frozen=True)
class KBView:
    version: str
    description: str
    sources: list[Source]
    sections: list[Section]


def build(kb: KnowledgeBase) -> KBView:
    """Every section of the knowledge base, generically: new sections appear by themselves."""
    sections = [
        Section(name, name.replace("_", " ").capitalize(), to_jsonable_python(getattr(kb, name)))
        for name in type(kb).model_fields
        if name not in ("meta", "registry")
    ]
    return KBView(
        version=kb.version,
        description=kb.meta.description,
        sources=list(kb.registry.sources),
        sections=sections,
    )


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    summary: str
    body: str | None
    responses: list[str]


def _ref_name(schema: dict[str, Any] | None) -> str | None:
    if not schema:
        return None
    ref = schema.get("$ref")
    if isinstance(ref, str):
        return ref.rsplit("/", 1)[-1]
    for key in ("anyOf", "oneOf"):
        if key in schema:
            names = [_ref_name(s) for s in schema[key]]
            return " | ".join(n for n in names if n)
    return str(schema.get("type", "")) or None


def api_docs(openapi: dict[str, Any]) -> list[Endpoint]:
    found: list[Endpoint] = []
    for path, ops in openapi.get("paths", {}).items():
        for method, op in ops.items():
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
            found.append(
                Endpoint(
                    method=method.upper(),
                    path=path,
                    summary=op.get("summary", ""),
                    body=_ref_name(body.get("schema")),
                    responses=sorted(op.get("responses", {}).keys()),
                )
            )
    return found
