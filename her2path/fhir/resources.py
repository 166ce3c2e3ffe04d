"""Small typed accessors over FHIR R4 JSON (plain dicts).

Real systems send resources that strict model libraries reject (ids with ``_``,
old profile URLs, codes as numbers), so the adapter reads the few elements it
needs from dicts and treats everything else as absent.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

Resource = Mapping[str, Any]

_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")


@dataclass(frozen=True)
class Coding:
    system: str
    code: str
    display: str | None = None

    def key(self) -> str:
        return f"{self.system}|{self.code}"


def as_text(value: Any) -> str | None:
    """A string or a number as text (some generators write codes as numbers)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, int | float):
        return str(value)
    return None


def codings(concept: Any) -> list[Coding]:
    """The codings of a CodeableConcept (codings without a code are skipped)."""
    if not isinstance(concept, Mapping):
        return []
    found: list[Coding] = []
    for c in concept.get("coding") or []:
        if not isinstance(c, Mapping):
            continue
        code = as_text(c.get("code"))
        if code is None:
            continue
        found.append(Coding(as_text(c.get("system")) or "", code, as_text(c.get("display"))))
    return found


def concept_text(concept: Any) -> str | None:
    if not isinstance(concept, Mapping):
        return None
    return as_text(concept.get("text"))


def parse_date(value: Any) -> date | None:
    """The calendar date of a FHIR date/dateTime/instant; partial dates give ``None``."""
    text = as_text(value)
    if text is None:
        return None
    m = _DATE.match(text)
    if not m:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def period_start(value: Any) -> date | None:
    if isinstance(value, Mapping):
        return parse_date(value.get("start"))
    return None


def period_end(value: Any) -> date | None:
    if isinstance(value, Mapping):
        return parse_date(value.get("end"))
    return None


def number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


@dataclass(frozen=True)
class Quantity:
    value: float
    unit: str | None


def quantity(value: Any) -> Quantity | None:
    if not isinstance(value, Mapping):
        return None
    v = number(value.get("value"))
    if v is None:
        return None
    unit = as_text(value.get("code")) or as_text(value.get("unit"))
    return Quantity(v, unit)


def ratio(value: Any) -> float | None:
    """numerator / denominator of a Ratio (denominator defaults to 1 when absent)."""
    if not isinstance(value, Mapping):
        return None
    num = quantity(value.get("numerator"))
    if num is None:
        return None
    den = quantity(value.get("denominator"))
    if den is None:
        return num.value
    if den.value == 0:
        return None
    return num.value / den.value


def reference_id(ref: Any) -> str | None:
    """``Type/id`` of a Reference (absolute URLs are cut to their last two parts)."""
    if not isinstance(ref, Mapping):
        return None
    text = as_text(ref.get("reference"))
    if text is None:
        return None
    if text.startswith("urn:uuid:"):
        return text
    parts = text.rstrip("/").split("/")
    if len(parts) >= 2:
        return f"{parts[-2]}/{parts[-1]}"
    return text


def label(res: Resource) -> str:
    """``Type/id`` of a resource, for listing what was read or ignored."""
    rid = as_text(res.get("id")) or "(no id)"
    return f"{res.get('resourceType', '?')}/{rid}"


def walk_resources(data: Any) -> Iterator[Resource]:
    """Every resource in a Bundle, list, prefetch mapping or single resource, in order.

    Bundles of any type (searchset, transaction, collection, document) are opened,
    nested ones too; entries without a resource are skipped.
    """
    if isinstance(data, list):
        for item in data:
            yield from walk_resources(item)
        return
    if not isinstance(data, Mapping):
        return
    kind = data.get("resourceType")
    if kind == "Bundle":
        for entry in data.get("entry") or []:
            if isinstance(entry, Mapping):
                yield from walk_resources(entry.get("resource"))
        return
    if isinstance(kind, str):
        yield data
        return
    # A prefetch object: key -> resource / Bundle / null.
    for value in data.values():
        yield from walk_resources(value)
