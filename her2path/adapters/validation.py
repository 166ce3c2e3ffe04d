"""Turn raw input (JSON, flags, forms) into domain models, or every problem by field."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from her2path.errors import InputError, Problem

M = TypeVar("M", bound=BaseModel)


def _where(loc: tuple[int | str, ...], aliases: dict[str, str]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + str(part)
    return aliases.get(text, text) or "(document)"


def problems_from(exc: ValidationError, aliases: dict[str, str] | None = None) -> list[Problem]:
    """One problem per validation error, naming the field and, where known, allowed values."""
    return problems_from_errors(exc.errors(), aliases)


def problems_from_errors(
    errors: Sequence[Any], aliases: dict[str, str] | None = None
) -> list[Problem]:
    """Like :func:`problems_from`, for error dicts in pydantic's shape (e.g. from FastAPI)."""
    found: list[Problem] = []
    for err in errors:
        loc = tuple(err["loc"])
        # Discriminated unions add the tag to the path; it says nothing to a reader.
        loc = tuple(p for p in loc if p not in ("ihc", "dual_probe_ish", "single_probe_ish"))
        msg = err["msg"]
        if msg.startswith("Value error, "):
            msg = msg[len("Value error, ") :]
        if err["type"] == "extra_forbidden":
            msg = "unknown field (not part of the schema)"
        if err["type"] == "union_tag_invalid":
            expected = err.get("ctx", {}).get("expected_tags", "")
            msg = f"unknown result kind; allowed: {expected}"
        found.append(Problem(_where(loc, aliases or {}), msg))
    return found


def parse(model: type[M], data: Any, aliases: dict[str, str] | None = None) -> M:
    """Validate ``data`` as ``model``; raise :class:`InputError` listing every problem."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InputError(problems_from(exc, aliases)) from None


def read_json(path: Path) -> Any:
    """Read a JSON document; a syntax error names the line and column."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError([Problem(str(path), "file not found")]) from None
    except json.JSONDecodeError as exc:
        raise InputError(
            [Problem(f"{path}: line {exc.lineno} column {exc.colno}", f"invalid JSON: {exc.msg}")]
        ) from None
