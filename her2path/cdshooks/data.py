"""Getting the patient's data for a hook: prefetch first, then the FHIR server, then 412.

Prefetch keys that are absent or ``null`` are read from ``fhirServer`` with the bearer
token the client gave, all in parallel and under one firm deadline.  Search results
are followed page by page while time remains.  When an essential key (the patient,
and for order hooks the observations) can be had neither way, :class:`DataUnavailable`
is raised and the hook answers 412.  The bearer token is never logged.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from her2path.cdshooks.models import HookRequest

_TOKEN = re.compile(r"\{\{\s*context\.(\w+)\s*\}\}")
MAX_PAGES = 5


class DataUnavailable(Exception):
    """Essential data is in neither the prefetch nor the FHIR server (answer 412)."""

    def __init__(self, keys: list[str]) -> None:
        super().__init__(f"data unavailable: {', '.join(keys)}")
        self.keys = keys


@dataclass
class HookData:
    """What was gathered: resources by prefetch key, and the keys that could not be had."""

    by_key: dict[str, Any] = field(default_factory=dict)
    unavailable: dict[str, str] = field(default_factory=dict)
    fetched: list[str] = field(default_factory=list)

    def resources(self) -> list[Any]:
        return [v for v in self.by_key.values() if v is not None]


def render(template: str, context: Mapping[str, Any]) -> str | None:
    """A prefetch template with ``{{context.x}}`` filled in (``None`` if a value is missing)."""
    missing = False

    def fill(m: re.Match[str]) -> str:
        nonlocal missing
        value = context.get(m.group(1))
        if not isinstance(value, str) or not value:
            missing = True
            return ""
        return value

    text = _TOKEN.sub(fill, template)
    return None if missing else text


def _usable(value: Any) -> bool:
    return isinstance(value, Mapping) and value.get("resourceType") not in (
        None,
        "OperationOutcome",
    )


async def _fetch(
    client: httpx.AsyncClient, base: str, query: str, headers: dict[str, str], deadline: float
) -> Any:
    url: str | None = f"{base.rstrip('/')}/{query}"
    first: dict[str, Any] | None = None
    pages = 0
    while url and pages < MAX_PAGES:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("deadline")
        response = await client.get(url, headers=headers, timeout=remaining)
        response.raise_for_status()
        page = response.json()
        if not isinstance(page, dict):
            raise ValueError("not a FHIR resource")
        if first is None:
            first = page
        elif page.get("resourceType") == "Bundle":
            first.setdefault("entry", []).extend(page.get("entry") or [])
        pages += 1
        url = None
        if page.get("resourceType") == "Bundle":
            for link in page.get("link") or []:
                if isinstance(link, Mapping) and link.get("relation") == "next":
                    url = str(link.get("url") or "") or None
    return first


async def gather(
    request: HookRequest,
    templates: Mapping[str, str],
    essential: list[str],
    deadline_seconds: float,
    transport: httpx.AsyncBaseTransport | None = None,
) -> HookData:
    """Fill every prefetch key, from the request or the FHIR server; raise when essentials lack."""
    data = HookData()
    prefetch = request.prefetch or {}
    # Everything the client sent is read, also under keys this service did not ask for.
    for key, value in prefetch.items():
        if value is not None:
            data.by_key[key] = value
    wanted = [k for k in templates if not _usable(prefetch.get(k))]
    patient = prefetch.get("patient")
    if (
        isinstance(patient, Mapping)
        and _usable(patient)
        and (patient.get("id") != request.context.get("patientId"))
    ):
        # A prefetched patient that is not the patient in context is never used.
        data.by_key.pop("patient", None)
        wanted.insert(0, "patient")
    if wanted and request.fhirServer:
        headers = {"Accept": "application/fhir+json"}
        if request.fhirAuthorization is not None:
            headers["Authorization"] = f"Bearer {request.fhirAuthorization.access_token}"
        deadline = time.monotonic() + deadline_seconds
        async with httpx.AsyncClient(transport=transport, follow_redirects=False) as client:
            jobs = {}
            for key in wanted:
                query = render(templates[key], request.context)
                if query is None:
                    data.unavailable[key] = "the context lacks a value the query needs"
                    continue
                jobs[key] = _fetch(client, request.fhirServer, query, headers, deadline)
            results = await asyncio.gather(*jobs.values(), return_exceptions=True)
        for key, result in zip(jobs, results, strict=True):
            if isinstance(result, BaseException):
                data.unavailable[key] = _why(result)
            elif _usable(result):
                data.by_key[key] = result
                data.fetched.append(key)
            else:
                data.unavailable[key] = "the FHIR server returned no usable resource"
    else:
        for key in wanted:
            data.unavailable[key] = "not in the prefetch, and no fhirServer was given"
    lacking = [k for k in essential if k in data.unavailable]
    if lacking:
        raise DataUnavailable(lacking)
    return data


def _why(exc: BaseException) -> str:
    if isinstance(exc, httpx.HTTPStatusError):
        return f"the FHIR server answered {exc.response.status_code}"
    if isinstance(exc, TimeoutError | httpx.TimeoutException):
        return "the FHIR server did not answer before the deadline"
    if isinstance(exc, httpx.HTTPError):
        return "the FHIR server could not be reached"
    return "the FHIR server sent something that is not FHIR JSON"
