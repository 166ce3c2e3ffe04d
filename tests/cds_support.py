"""Helpers for the CDS Hooks tests: a client key pair, tokens, an app, a FHIR stub server."""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import jwt
import uvicorn
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from fastapi import FastAPI, Request, Response
from fastapi.testclient import TestClient
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from her2path.cdshooks import CdsSettings, create_cds_app
from her2path.cdshooks.auth import JwtVerifier, TrustedIssuer
from her2path.kb import KnowledgeBase

ISS = "https://ehr.example.org"
BASE = "https://cds.example.org"
NOW = 1_795_313_200.0
TODAY = date(2026, 11, 22)
RX = "http://www.nlm.nih.gov/research/umls/rxnorm"
LOINC = "http://loinc.org"
SCT = "http://snomed.info/sct"


class ClientKeys:
    """An ES384 and an RS384 key of a CDS client, with its JWK Set."""

    def __init__(self) -> None:
        self.ec = ec.generate_private_key(ec.SECP384R1())
        self.rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        ec_jwk = json.loads(ECAlgorithm.to_jwk(self.ec.public_key()))
        ec_jwk.update(kid="ec-1", alg="ES384", use="sig")
        rsa_jwk = json.loads(RSAAlgorithm.to_jwk(self.rsa.public_key()))
        rsa_jwk.update(kid="rsa-1", alg="RS384", use="sig")
        self.jwks = {"keys": [ec_jwk, rsa_jwk]}

    def token(self, aud: str, alg: str = "ES384", **claims: Any) -> str:
        body: dict[str, Any] = {
            "iss": ISS,
            "aud": aud,
            "iat": int(NOW),
            "exp": int(NOW) + 300,
            "jti": str(uuid.uuid4()),
        }
        body.update(claims)
        body = {k: v for k, v in body.items() if v is not None}
        key: Any = self.ec if alg == "ES384" else self.rsa
        kid = "ec-1" if alg == "ES384" else "rsa-1"
        return jwt.encode(body, key, algorithm=alg, headers={"kid": kid, "typ": "JWT"})


def make_verifier(keys: ClientKeys, clock: float = NOW) -> JwtVerifier:
    return JwtVerifier([TrustedIssuer(ISS, jwks=keys.jwks)], clock=lambda: clock)


def make_app(kb: KnowledgeBase, keys: ClientKeys, **more: Any) -> TestClient:
    settings = CdsSettings(
        external_base_url=BASE,
        verifier=make_verifier(keys),
        today=lambda: TODAY,
        knowledge=lambda: kb,
        **more,
    )
    return TestClient(create_cds_app(settings))


def auth(keys: ClientKeys, path: str, **claims: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {keys.token(BASE + path, **claims)}"}


# --- FHIR resources -------------------------------------------------------------------


def patient(pid: str = "p1", gender: str = "female") -> dict[str, Any]:
    return {"resourceType": "Patient", "id": pid, "gender": gender, "birthDate": "1975-03-01"}


def condition(code: str = "408643008", system: str = SCT) -> dict[str, Any]:
    return {
        "resourceType": "Condition",
        "id": f"cond-{code}",
        "code": {"coding": [{"system": system, "code": code}]},
        "onsetDateTime": "2026-06-01",
    }


def obs(
    code: str, when: str | None = "2026-11-01", system: str = LOINC, **value: Any
) -> dict[str, Any]:
    res: dict[str, Any] = {
        "resourceType": "Observation",
        "id": f"obs-{code}-{when}",
        "status": "final",
        "code": {"coding": [{"system": system, "code": code}]},
    }
    if when:
        res["effectiveDateTime"] = when
    res.update(value)
    return res


def her2_positive(when: str = "2026-10-01") -> dict[str, Any]:
    return obs(
        "85319-2", when, valueCodeableConcept={"coding": [{"system": LOINC, "code": "LA11843-2"}]}
    )


def her2_negative() -> dict[str, Any]:
    return obs(
        "18474-7",
        "2026-10-01",
        valueCodeableConcept={"coding": [{"system": SCT, "code": "260385009"}]},
    )


def weight(kg: float, when: str = "2026-11-15") -> dict[str, Any]:
    return obs("29463-7", when, valueQuantity={"value": kg, "unit": "kg", "code": "kg"})


def lvef(pct: float, when: str, lln: float | None = None) -> dict[str, Any]:
    res = obs("10230-1", when, valueQuantity={"value": pct, "code": "%"})
    if lln is not None:
        res["referenceRange"] = [{"low": {"value": lln, "code": "%"}}]
    return res


def not_pregnant(when: str = "2026-11-20") -> dict[str, Any]:
    return obs(
        "82810-3", when, valueCodeableConcept={"coding": [{"system": SCT, "code": "60001007"}]}
    )


def pregnant(when: str = "2026-11-20") -> dict[str, Any]:
    return obs(
        "2106-3", when, valueCodeableConcept={"coding": [{"system": LOINC, "code": "LA6576-8"}]}
    )


def med_request(
    rid: str,
    code: str,
    dose: float | None = None,
    unit: str = "mg",
    every_weeks: int | None = 3,
    status: str = "draft",
    authored: str = "2026-11-22",
    **more: Any,
) -> dict[str, Any]:
    res: dict[str, Any] = {
        "resourceType": "MedicationRequest",
        "id": rid,
        "status": status,
        "intent": "order",
        "subject": {"reference": "Patient/p1"},
        "authoredOn": authored,
        "medicationCodeableConcept": {"coding": [{"system": RX, "code": code}]},
    }
    di: dict[str, Any] = {}
    if dose is not None:
        di["doseAndRate"] = [{"doseQuantity": {"value": dose, "unit": unit, "code": unit}}]
    if every_weeks is not None:
        di["timing"] = {"repeat": {"frequency": 1, "period": every_weeks, "periodUnit": "wk"}}
    if di:
        res["dosageInstruction"] = [di]
    res.update(more)
    return res


def bundle(resources: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [{"resource": r} for r in resources],
    }


def order_sign(
    drafts: list[dict[str, Any]], record: list[dict[str, Any]], hook: str = "order-sign"
) -> dict[str, Any]:
    pats = [r for r in record if r["resourceType"] == "Patient"]
    rest = [r for r in record if r["resourceType"] != "Patient"]
    context: dict[str, Any] = {
        "userId": "Practitioner/1",
        "patientId": "p1",
        "draftOrders": bundle(drafts),
    }
    if hook == "order-select":
        context["selections"] = [f"MedicationRequest/{d['id']}" for d in drafts]
    return {
        "hook": hook,
        "hookInstance": str(uuid.uuid4()),
        "context": context,
        "prefetch": {
            "patient": pats[0] if pats else None,
            "conditions": bundle([r for r in rest if r["resourceType"] == "Condition"]),
            "observations": bundle([r for r in rest if r["resourceType"] == "Observation"]),
            "medications": bundle([r for r in rest if r["resourceType"] == "MedicationRequest"]),
        },
    }


# --- a FHIR server on 127.0.0.1 -------------------------------------------------------


class FhirStub:
    """A tiny FHIR read/search server over a list of resources (loopback only)."""

    def __init__(
        self, resources: list[dict[str, Any]], fail: set[str] | None = None, delay: float = 0.0
    ) -> None:
        self.resources = resources
        self.fail = fail or set()
        self.delay = delay
        self.seen_auth: list[str | None] = []
        app = FastAPI()

        @app.get("/{rtype}/{rid}")
        def read(rtype: str, rid: str, request: Request) -> Response:
            self.seen_auth.append(request.headers.get("authorization"))
            for r in self.resources:
                if r["resourceType"] == rtype and r["id"] == rid:
                    return Response(json.dumps(r), media_type="application/fhir+json")
            return Response(status_code=404)

        @app.get("/{rtype}")
        def search(rtype: str, request: Request) -> Response:
            self.seen_auth.append(request.headers.get("authorization"))
            if self.delay:
                time.sleep(self.delay)
            if rtype in self.fail:
                return Response(status_code=500)
            found = [r for r in self.resources if r["resourceType"] == rtype]
            return Response(json.dumps(bundle(found)), media_type="application/fhir+json")

        self.app = app

    @contextmanager
    def running(self) -> Iterator[str]:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        sock.close()
        config = uvicorn.Config(self.app, host="127.0.0.1", port=port, log_level="error")
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        for _ in range(200):
            if server.started:
                break
            time.sleep(0.02)
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            server.should_exit = True
            thread.join(timeout=5)
