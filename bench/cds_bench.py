"""order-sign latency over loopback HTTP, with prefetch, at a fixed request rate.

The CDS Hooks service runs under uvicorn on 127.0.0.1 (one worker) in this process;
a client thread sends order-sign requests on an open-loop schedule (one every
1/RATE seconds, whether or not the previous one has returned), each with a fresh
ES384 token the server verifies.  Latency is measured from the scheduled send time
to the end of the response, so queueing delay is included.
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
import jwt
import uvicorn
from _results import write_section
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm

from her2path.cdshooks import CdsSettings, create_cds_app
from her2path.cdshooks.auth import JwtVerifier, TrustedIssuer
from her2path.kb import load_default

RATE = 50.0  # requests per second
SECONDS = 20.0
WARMUP = 50
ISS = "https://ehr.example.org"
RX = "http://www.nlm.nih.gov/research/umls/rxnorm"
LOINC = "http://loinc.org"
SCT = "http://snomed.info/sct"


def _obs(code: str, when: str, **value: Any) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": f"o-{code}-{when}",
        "status": "final",
        "code": {"coding": [{"system": LOINC, "code": code}]},
        "effectiveDateTime": when,
        **value,
    }


def request_body() -> dict[str, Any]:
    """A HER2-positive breast cancer patient on trastuzumab; the draft dose is off."""
    observations = [
        _obs(
            "85319-2",
            "2026-05-01",
            valueCodeableConcept={"coding": [{"system": LOINC, "code": "LA11843-2"}]},
        ),
        _obs("29463-7", "2026-11-15", valueQuantity={"value": 70, "code": "kg"}),
        _obs("8302-2", "2026-11-15", valueQuantity={"value": 165, "code": "cm"}),
        _obs("10230-1", "2026-05-10", valueQuantity={"value": 63, "code": "%"}),
        _obs("10230-1", "2026-08-10", valueQuantity={"value": 60, "code": "%"}),
        _obs("10230-1", "2026-11-10", valueQuantity={"value": 59, "code": "%"}),
        _obs(
            "82810-3",
            "2026-11-20",
            valueCodeableConcept={"coding": [{"system": SCT, "code": "60001007"}]},
        ),
        _obs(
            "85337-4",
            "2026-05-01",
            valueCodeableConcept={"coding": [{"system": LOINC, "code": "LA6576-8"}]},
        ),
    ]
    running = {
        "resourceType": "MedicationRequest",
        "id": "running",
        "status": "active",
        "intent": "order",
        "authoredOn": "2026-06-01",
        "medicationCodeableConcept": {"coding": [{"system": RX, "code": "101306"}]},
    }
    draft = {
        "resourceType": "MedicationRequest",
        "id": "draft-1",
        "status": "draft",
        "intent": "order",
        "authoredOn": "2026-11-22",
        "medicationCodeableConcept": {"coding": [{"system": RX, "code": "101306"}]},
        "dosageInstruction": [
            {
                "timing": {"repeat": {"frequency": 1, "period": 3, "periodUnit": "wk"}},
                "doseAndRate": [{"doseQuantity": {"value": 500, "unit": "mg", "code": "mg"}}],
            }
        ],
    }

    def bundle(items: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "resourceType": "Bundle",
            "type": "searchset",
            "entry": [{"resource": r} for r in items],
        }

    return {
        "hook": "order-sign",
        "hookInstance": str(uuid.uuid4()),
        "context": {"userId": "Practitioner/1", "patientId": "p1", "draftOrders": bundle([draft])},
        "prefetch": {
            "patient": {
                "resourceType": "Patient",
                "id": "p1",
                "gender": "female",
                "birthDate": "1975-03-01",
            },
            "conditions": bundle(
                [
                    {
                        "resourceType": "Condition",
                        "id": "c1",
                        "code": {"coding": [{"system": SCT, "code": "408643008"}]},
                    }
                ]
            ),
            "observations": bundle(observations),
            "medications": bundle([running]),
            "administrations": bundle([]),
        },
    }


def in_process_ms(kb: Any) -> float:
    """Median time of the hook logic alone (import, checks, cards), without HTTP or JWT."""
    from datetime import date

    from her2path.cdshooks.models import HookRequest
    from her2path.cdshooks.service import ORDER_SIGN, respond
    from her2path.fhir.resources import walk_resources

    body = HookRequest.model_validate(request_body())
    resources = list(walk_resources(body.prefetch))
    rounds = []
    for _ in range(7):
        t0 = time.perf_counter()
        for _ in range(100):
            respond(kb, ORDER_SIGN, body, resources, {}, date(2026, 11, 22))
        rounds.append((time.perf_counter() - t0) / 100)
    return statistics.median(rounds) * 1000


def main() -> None:
    key = ec.generate_private_key(ec.SECP384R1())
    jwk = json.loads(ECAlgorithm.to_jwk(key.public_key()))
    jwk.update(kid="bench", alg="ES384")
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    base = f"http://127.0.0.1:{port}"
    kb = load_default()
    settings = CdsSettings(
        external_base_url=base,
        verifier=JwtVerifier([TrustedIssuer(ISS, jwks={"keys": [jwk]})]),
        knowledge=lambda: kb,
    )
    server = uvicorn.Server(
        uvicorn.Config(create_cds_app(settings), host="127.0.0.1", port=port, log_level="error")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)

    path = "/cds-services/her2path-order-sign"
    body = json.dumps(request_body())
    total = WARMUP + int(RATE * SECONDS)
    now = int(time.time())
    tokens = [
        jwt.encode(
            {
                "iss": ISS,
                "aud": base + path,
                "iat": now,
                "exp": now + 600,
                "jti": str(uuid.uuid4()),
            },
            key,
            algorithm="ES384",
            headers={"kid": "bench", "typ": "JWT"},
        )
        for _ in range(total)
    ]
    client = httpx.Client(base_url=base, timeout=10.0, limits=httpx.Limits(max_connections=64))
    latencies: list[float] = []
    errors = 0
    cards: set[str] = set()
    lock = threading.Lock()

    def send(i: int, due: float) -> None:
        nonlocal errors
        wait = due - time.perf_counter()
        if wait > 0:
            time.sleep(wait)
        r = client.post(
            path,
            content=body,
            headers={"Authorization": f"Bearer {tokens[i]}", "Content-Type": "application/json"},
        )
        elapsed = time.perf_counter() - due
        with lock:
            if r.status_code != 200:
                errors += 1
            elif i >= WARMUP:
                latencies.append(elapsed)
                cards.update(c["source"]["topic"]["code"] for c in r.json()["cards"])

    load_before = os.getloadavg()[0]
    start = time.perf_counter() + 0.2
    with ThreadPoolExecutor(max_workers=32) as pool:
        for i in range(total):
            pool.submit(send, i, start + i / RATE)
    client.close()
    server.should_exit = True
    thread.join(timeout=5)

    load_after = os.getloadavg()[0]
    logic_ms = in_process_ms(kb)
    q = statistics.quantiles(latencies, n=100, method="inclusive")
    text = (
        "## CDS Hooks order-sign latency (loopback HTTP, prefetch)\n\n"
        f"`python bench/cds_bench.py`: one uvicorn worker on 127.0.0.1, open-loop load of "
        f"{RATE:g} requests/s for {SECONDS:g} s ({len(latencies)} measured requests after "
        f"{WARMUP} warm-up), each with a fresh ES384 client JWT verified by the service and a "
        f"full prefetch (patient, condition, 8 observations, one running and one draft "
        f"trastuzumab order); cards returned: {', '.join(sorted(cards))}. Latency includes "
        "queueing from the scheduled send time; the client threads share the process (and "
        "its 2 cores) with the server, so the figures are pessimistic. The specification asks "
        "for answers on the order of 500 ms.\n\n"
        "| measure | value |\n|---|---|\n"
        f"| p50 | {q[49] * 1000:.1f} ms |\n"
        f"| p95 | {q[94] * 1000:.1f} ms |\n"
        f"| p99 | {q[98] * 1000:.1f} ms |\n"
        f"| max | {max(latencies) * 1000:.1f} ms |\n"
        f"| errors | {errors} |\n"
        f"| hook logic alone, in process (median) | {logic_ms:.2f} ms |\n"
        f"| 1-minute load average before / after | {load_before:.1f} / {load_after:.1f} |\n"
        "\nThe tail (p95/p99) moves with other work on the machine; the load average is shown "
        "so runs can be compared.\n"
    )
    write_section("cds", text)
    print(text)


if __name__ == "__main__":
    main()
