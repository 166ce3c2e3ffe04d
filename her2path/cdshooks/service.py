"""The CDS Hooks 2.0 service as a FastAPI router: discovery, three hooks, feedback.

``create_cds_router(settings)`` gives an ``APIRouter`` to include in any FastAPI app;
``create_cds_app(settings)`` wraps it in an app of its own (tests, a stand-alone run).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
from fastapi import APIRouter, FastAPI, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.middleware.cors import CORSMiddleware
from pydantic import ValidationError

from her2path.cdshooks.auth import AuthError, JwtVerifier, bearer_token, load_issuers
from her2path.cdshooks.cards import assessment_cards, finding_card, import_card
from her2path.cdshooks.data import DataUnavailable, gather
from her2path.cdshooks.feedback import FeedbackStore, MemoryFeedbackStore, SqliteFeedbackStore
from her2path.cdshooks.models import (
    CdsResponse,
    Discovery,
    FeedbackRequest,
    HookRequest,
    ServiceDefinition,
)
from her2path.domain.assessment import Assessment
from her2path.engine.assess import assess
from her2path.engine.order_checks import DraftOrder, FindingCode, chart_findings, check_orders
from her2path.errors import Her2PathError
from her2path.fhir.codes import index_for
from her2path.fhir.importer import import_fhir, read_exposure
from her2path.fhir.model import FhirImport
from her2path.fhir.resources import Resource, codings, label, number, walk_resources
from her2path.kb.loader import load_default
from her2path.kb.model import KnowledgeBase

log = logging.getLogger("her2path.cdshooks")

PATIENT_VIEW = "her2path-patient-view"
ORDER_SELECT = "her2path-order-select"
ORDER_SIGN = "her2path-order-sign"
_UNIT_DAYS = {"d": 1, "wk": 7}


def _today() -> date:
    return datetime.now(UTC).date()


@dataclass
class CdsSettings:
    """Run-time settings of the CDS service (no clinical content)."""

    external_base_url: str
    verifier: JwtVerifier
    discovery_requires_auth: bool = True
    fhir_deadline_seconds: float = 2.5
    today: Callable[[], date] = _today
    knowledge: Callable[[], KnowledgeBase] = load_default
    feedback: FeedbackStore = field(default_factory=MemoryFeedbackStore)
    transport: httpx.AsyncBaseTransport | None = None
    cors_origins: list[str] = field(default_factory=list)
    # Extra service ids a deployment answers under (alias -> one of the three ids).
    service_aliases: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> CdsSettings:
        """``HER2PATH_CDS_EXTERNAL_URL``, ``HER2PATH_CDS_TRUST_FILE`` (JSON list of issuers),
        ``HER2PATH_CDS_FEEDBACK_DB`` (SQLite path), ``HER2PATH_CDS_FHIR_DEADLINE``,
        ``HER2PATH_CDS_DISCOVERY_AUTH`` (1/0), ``HER2PATH_CDS_CORS`` (comma list)."""
        e = dict(os.environ if env is None else env)
        url = e.get("HER2PATH_CDS_EXTERNAL_URL")
        trust = e.get("HER2PATH_CDS_TRUST_FILE")
        if not url or not trust:
            raise ValueError("set HER2PATH_CDS_EXTERNAL_URL and HER2PATH_CDS_TRUST_FILE")
        db = e.get("HER2PATH_CDS_FEEDBACK_DB")
        store: FeedbackStore = SqliteFeedbackStore(Path(db)) if db else MemoryFeedbackStore()
        return cls(
            external_base_url=url,
            verifier=JwtVerifier(load_issuers(Path(trust))),
            discovery_requires_auth=e.get("HER2PATH_CDS_DISCOVERY_AUTH", "1") != "0",
            fhir_deadline_seconds=float(e.get("HER2PATH_CDS_FHIR_DEADLINE", "2.5")),
            feedback=store,
            cors_origins=[o for o in e.get("HER2PATH_CDS_CORS", "").split(",") if o],
        )


def prefetch_templates(kb: KnowledgeBase) -> dict[str, str]:
    """Prefetch queries built from the codes of the knowledge base."""
    systems = {s.id: s.uri for s in kb.interop.systems}
    codes = ",".join(f"{systems[o.system]}|{o.code}" for o in kb.interop.observations)
    patient = "{{context.patientId}}"
    templates = {
        "patient": f"Patient/{patient}",
        "conditions": f"Condition?patient={patient}",
        "observations": f"Observation?patient={patient}&code={codes}",
        "medications": f"MedicationRequest?patient={patient}",
        "administrations": f"MedicationAdministration?patient={patient}",
    }
    return templates


def services(kb: KnowledgeBase) -> dict[str, ServiceDefinition]:
    return {
        PATIENT_VIEW: ServiceDefinition(
            hook="patient-view",
            id=PATIENT_VIEW,
            title="HER2 picture and heart monitoring",
            description=(
                "HER2 status from the record, HER2-directed drugs labelled for it, LVEF "
                "monitoring due or overdue, and open safety findings."
            ),
            prefetch=prefetch_templates(kb),
        ),
        ORDER_SELECT: ServiceDefinition(
            hook="order-select",
            id=ORDER_SELECT,
            title="HER2-directed drug order check (on selection)",
            description=(
                "Checks a selected HER2-directed drug order against HER2 status, the label, "
                "pregnancy, LVEF and dose."
            ),
            prefetch=prefetch_templates(kb),
        ),
        ORDER_SIGN: ServiceDefinition(
            hook="order-sign",
            id=ORDER_SIGN,
            title="HER2-directed drug order check (before signing)",
            description=(
                "Checks HER2-directed drug orders before signing: HER2 status and label, "
                "pregnancy, LVEF gate, dose against weight and schedule, biosimilar indication, "
                "partner drugs and look-alike products."
            ),
            prefetch=prefetch_templates(kb),
        ),
    }


_ESSENTIAL = {
    PATIENT_VIEW: ["patient"],
    ORDER_SELECT: ["patient", "observations"],
    ORDER_SIGN: ["patient", "observations"],
}


def _interval_days(res: Resource) -> int | None:
    for di in res.get("dosageInstruction") or []:
        if not isinstance(di, dict):
            continue
        timing = di.get("timing")
        repeat = timing.get("repeat") if isinstance(timing, dict) else None
        if not isinstance(repeat, dict):
            continue
        period = number(repeat.get("period"))
        unit = repeat.get("periodUnit")
        freq = number(repeat.get("frequency")) or 1.0
        if period is not None and unit in _UNIT_DAYS and freq == 1.0:
            return int(period * _UNIT_DAYS[str(unit)])
    return None


def _dose(res: Resource) -> tuple[float | None, str | None]:
    for di in res.get("dosageInstruction") or []:
        if not isinstance(di, dict):
            continue
        for dr in di.get("doseAndRate") or []:
            if isinstance(dr, dict) and isinstance(dr.get("doseQuantity"), dict):
                q = dr["doseQuantity"]
                value = number(q.get("value"))
                unit = q.get("code") or q.get("unit")
                return value, str(unit) if unit else None
    return None, None


def draft_orders(
    kb: KnowledgeBase, context: dict[str, Any], only_selected: bool
) -> tuple[list[DraftOrder], dict[str, dict[str, Any]]]:
    """HER2-directed MedicationRequests among the draft orders, and the drafts by Type/id."""
    ix = index_for(kb)
    selected = set(context.get("selections") or [])
    orders: list[DraftOrder] = []
    drafts: dict[str, dict[str, Any]] = {}
    for res in walk_resources(context.get("draftOrders")):
        if res.get("resourceType") != "MedicationRequest":
            continue
        ref = label(res)
        if only_selected and selected and ref not in selected:
            continue
        exposure = read_exposure(ix, res, codings(res.get("medicationCodeableConcept")))
        if isinstance(exposure, str):
            continue
        value, unit = _dose(res)
        orders.append(
            DraftOrder(
                resource=ref,
                exposure=exposure,
                dose_value=value,
                dose_unit=unit,
                interval_days=_interval_days(res),
            )
        )
        drafts[ref] = dict(res)
    return orders, drafts


def _assessment(kb: KnowledgeBase, imported: FhirImport, as_of: date) -> Assessment | None:
    """The full assessment when the record gives a complete patient document."""
    if imported.patient is None:
        return None
    try:
        a = assess(kb, imported.patient, as_of)
    except Her2PathError:
        return None
    return a.model_copy(update={"ignored_input": imported.ignored})


def respond(
    kb: KnowledgeBase,
    service_id: str,
    body: HookRequest,
    resources: list[Any],
    unavailable: dict[str, str],
    as_of: date,
) -> CdsResponse:
    """The cards for one hook call, once the data is gathered (no I/O, no clock)."""
    imported = import_fhir(kb, resources)
    hook_instance = body.hookInstance
    if service_id == PATIENT_VIEW:
        findings = chart_findings(kb, imported.facts, as_of)
        assessment = _assessment(kb, imported, as_of)
        if assessment is not None:
            # The full assessment replaces the label-category list with the options now.
            findings = [f for f in findings if f.code is not FindingCode.labelled_products]
        cards = [finding_card(kb, f, hook_instance) for f in findings]
        if assessment is not None:
            cards += assessment_cards(kb, assessment, hook_instance)
        extra = import_card(kb, imported, unavailable, hook_instance)
        if extra is not None:
            cards.append(extra)
        return CdsResponse(cards=cards)
    orders, drafts = draft_orders(kb, body.context, service_id == ORDER_SELECT)
    findings = check_orders(kb, imported.facts, orders, as_of)
    return CdsResponse(cards=[finding_card(kb, f, hook_instance, drafts) for f in findings])


def create_cds_router(settings: CdsSettings) -> APIRouter:
    router = APIRouter(tags=["cds-hooks"])

    def authenticate(request: Request) -> None:
        token = bearer_token(request.headers.get("authorization"))
        audience = settings.external_base_url.rstrip("/") + request.url.path
        try:
            if token is None:
                raise AuthError("no bearer token")
            settings.verifier.verify(token, audience)
        except AuthError as exc:
            log.info("cds client refused: %s", exc.reason)
            raise HTTPException(status_code=401, detail="Unauthorized") from None

    @router.get("/cds-services", response_model=Discovery, response_model_exclude_none=True)
    def discovery(request: Request) -> Discovery:
        if settings.discovery_requires_auth:
            authenticate(request)
        return Discovery(services=list(services(settings.knowledge()).values()))

    @router.post(
        "/cds-services/{service_id}",
        response_model=CdsResponse,
        response_model_exclude_none=True,
    )
    async def hook(service_id: str, request: Request) -> CdsResponse:
        await run_in_threadpool(authenticate, request)
        kb = settings.knowledge()
        defs = services(kb)
        service_id = settings.service_aliases.get(service_id, service_id)
        if service_id not in defs:
            raise HTTPException(status_code=404, detail="unknown service")
        try:
            body = HookRequest.model_validate(await request.json())
        except (ValidationError, ValueError):
            raise HTTPException(status_code=400, detail="not a CDS Hooks request") from None
        definition = defs[service_id]
        if body.hook != definition.hook:
            raise HTTPException(status_code=400, detail=f"this service answers {definition.hook}")
        started = time.perf_counter()
        try:
            data = await gather(
                body,
                definition.prefetch,
                _ESSENTIAL[service_id],
                settings.fhir_deadline_seconds,
                settings.transport,
            )
        except DataUnavailable as exc:
            log.info("cds %s: 412, unavailable %s", service_id, exc.keys)
            raise HTTPException(status_code=412, detail="required data unavailable") from None
        response = respond(
            kb, service_id, body, data.resources(), data.unavailable, settings.today()
        )
        cards = response.cards
        log.info(
            "cds %s: %d card(s) in %.1f ms",
            service_id,
            len(cards),
            (time.perf_counter() - started) * 1000,
        )
        return response

    @router.post("/cds-services/{service_id}/feedback")
    async def feedback(service_id: str, request: Request) -> dict[str, int]:
        await run_in_threadpool(authenticate, request)
        service_id = settings.service_aliases.get(service_id, service_id)
        if service_id not in services(settings.knowledge()):
            raise HTTPException(status_code=404, detail="unknown service")
        try:
            body = FeedbackRequest.model_validate(await request.json())
        except (ValidationError, ValueError):
            raise HTTPException(status_code=400, detail="not a feedback request") from None
        stored = settings.feedback.add(service_id, body.feedback)
        return {"stored": stored}

    return router


def create_cds_app(settings: CdsSettings) -> FastAPI:
    """A FastAPI app serving only the CDS Hooks service."""
    app = FastAPI(title="her2path CDS Hooks service")
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=["authorization", "content-type"],
        )
    app.include_router(create_cds_router(settings))
    return app
