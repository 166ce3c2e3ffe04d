"""CDS Hooks service: discovery, each card type and gate, fallback to the FHIR server, 412."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any

import pytest

from her2path.cdshooks.feedback import SqliteFeedbackStore, decode
from her2path.kb import KnowledgeBase
from tests.cds_support import (
    BASE,
    SCT,
    ClientKeys,
    FhirStub,
    auth,
    condition,
    her2_negative,
    her2_positive,
    lvef,
    make_app,
    med_request,
    not_pregnant,
    order_sign,
    patient,
    pregnant,
    weight,
)

SIGN = "/cds-services/her2path-order-sign"
SELECT = "/cds-services/her2path-order-select"
VIEW = "/cds-services/her2path-patient-view"
HERCEPTIN = "101306"
HERZUMA = "2107054"
KADCYLA = "1371046"
PERJETA = "1298949"
TRASTUZUMAB = "224905"


@pytest.fixture(scope="module")
def keys() -> ClientKeys:
    return ClientKeys()


def _post(kb: KnowledgeBase, keys: ClientKeys, path: str, body: dict[str, Any], **app: Any) -> Any:
    client = make_app(kb, keys, **app)
    r = client.post(path, json=body, headers=auth(keys, path))
    return r


def _cards(r: Any) -> list[dict[str, Any]]:
    assert r.status_code == 200, r.text
    cards: list[dict[str, Any]] = r.json()["cards"]
    for c in cards:
        assert len(c["summary"]) < 140
        assert c["indicator"] in ("info", "warning", "critical")
        assert c["source"]["label"].startswith("her2path")
        if c["indicator"] != "info":
            assert c["overrideReasons"] and all(o["display"] for o in c["overrideReasons"])
    return cards


def _topics(cards: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {c["source"]["topic"]["code"]: c for c in cards}


def _ok_record(**skip: bool) -> list[dict[str, Any]]:
    """A HER2-positive breast cancer patient with every check satisfied."""
    record = [
        patient(),
        condition(),
        her2_positive(),
        weight(70),
        lvef(62, "2026-11-10"),
        not_pregnant(),
    ]
    return record


def test_discovery_lists_three_services_with_prefetch(kb: KnowledgeBase, keys: ClientKeys) -> None:
    client = make_app(kb, keys)
    r = client.get("/cds-services", headers=auth(keys, "/cds-services"))
    services = {s["id"]: s for s in r.json()["services"]}
    assert {s["hook"] for s in services.values()} == {"patient-view", "order-select", "order-sign"}
    pre = services["her2path-order-sign"]["prefetch"]
    assert pre["patient"] == "Patient/{{context.patientId}}"
    assert "http://loinc.org|85319-2" in pre["observations"]
    assert "http://snomed.info/sct|1365744007" in pre["observations"]


def test_clean_order_gives_no_cards(kb: KnowledgeBase, keys: ClientKeys) -> None:
    body = order_sign([med_request("o1", HERCEPTIN, dose=560)], _ok_record())
    assert _cards(_post(kb, keys, SIGN, body)) == []


def test_dose_mismatch_card_suggests_an_updated_order(kb: KnowledgeBase, keys: ClientKeys) -> None:
    body = order_sign([med_request("o1", HERCEPTIN, dose=420)], _ok_record())
    card = _topics(_cards(_post(kb, keys, SIGN, body)))["dose_mismatch"]
    assert card["indicator"] == "warning"
    assert "560" in card["summary"]
    action = card["suggestions"][0]["actions"][0]
    assert action["type"] == "update"
    assert action["resource"]["id"] == "o1"
    dose = action["resource"]["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]
    assert dose["value"] == 560 and dose["code"] == "mg"
    assert card["selectionBehavior"] == "at-most-one"
    assert "HER-PI" in card["detail"]
    # weekly schedule: 4 mg/kg loading
    weekly = order_sign([med_request("o1", HERCEPTIN, dose=280, every_weeks=1)], _ok_record())
    assert "dose_mismatch" not in _topics(_cards(_post(kb, keys, SIGN, weekly)))
    # maintenance dose when the drug was given before
    record = [*_ok_record(), med_request("old", HERCEPTIN, status="active", authored="2026-10-01")]
    maint = order_sign([med_request("o1", HERCEPTIN, dose=420)], record)
    assert "dose_mismatch" not in _topics(_cards(_post(kb, keys, SIGN, maint)))


def test_dose_without_weight(kb: KnowledgeBase, keys: ClientKeys) -> None:
    record = [r for r in _ok_record() if "29463-7" not in json.dumps(r)]
    body = order_sign([med_request("o1", KADCYLA, dose=250)], record)
    card = _topics(_cards(_post(kb, keys, SIGN, body)))["dose_unchecked"]
    assert card["indicator"] == "warning"


def test_her2_negative_blocks_trastuzumab(kb: KnowledgeBase, keys: ClientKeys) -> None:
    record = [
        patient(),
        condition(),
        her2_negative(),
        weight(70),
        lvef(60, "2026-11-01"),
        not_pregnant(),
    ]
    body = order_sign([med_request("o1", HERCEPTIN, dose=560)], record)
    card = _topics(_cards(_post(kb, keys, SIGN, body)))["her2_not_labelled"]
    assert card["indicator"] == "critical"
    assert "her2_negative" in card["summary"]
    assert "HER-PI" in card["detail"] and "ASCO18" in card["detail"]


def test_her2_unknown(kb: KnowledgeBase, keys: ClientKeys) -> None:
    record = [patient(), condition(), weight(70), lvef(60, "2026-11-01"), not_pregnant()]
    body = order_sign([med_request("o1", HERCEPTIN, dose=560)], record)
    assert _topics(_cards(_post(kb, keys, SIGN, body)))["her2_unknown"]["indicator"] == "warning"


def test_pregnancy_gate(kb: KnowledgeBase, keys: ClientKeys) -> None:
    record = [r for r in _ok_record() if "82810-3" not in json.dumps(r)]
    body = order_sign([med_request("o1", HERCEPTIN, dose=560)], record)
    card = _topics(_cards(_post(kb, keys, SIGN, body)))["pregnancy_unverified"]
    assert card["indicator"] == "warning"
    assert "HER-PI" in card["detail"]
    body = order_sign([med_request("o1", HERCEPTIN, dose=560)], [*record, pregnant()])
    assert _topics(_cards(_post(kb, keys, SIGN, body)))["pregnant"]["indicator"] == "critical"
    male = [patient(gender="male"), *[r for r in record if r["resourceType"] != "Patient"]]
    body = order_sign([med_request("o1", HERCEPTIN, dose=560)], male)
    assert "pregnancy_unverified" not in _topics(_cards(_post(kb, keys, SIGN, body)))


def test_lvef_gates(kb: KnowledgeBase, keys: ClientKeys) -> None:
    base = [patient(), condition(), her2_positive(), weight(70), not_pregnant()]
    # no baseline
    body = order_sign([med_request("o1", HERCEPTIN, dose=560)], base)
    assert (
        _topics(_cards(_post(kb, keys, SIGN, body)))["lvef_no_baseline"]["indicator"] == "critical"
    )
    on_drug = med_request("old", HERCEPTIN, status="active", authored="2026-05-01")
    # due: on therapy, last LVEF more than the monitoring interval ago
    due = [*base, on_drug, lvef(60, "2026-04-20")]
    body = order_sign([med_request("o1", HERCEPTIN, dose=420)], due)
    card = _topics(_cards(_post(kb, keys, SIGN, body)))["lvef_due"]
    assert card["indicator"] == "warning" and "2026-04-20" in card["summary"]
    # held: a fall of 16 points from baseline
    held = [*base, on_drug, lvef(64, "2026-04-20"), lvef(48, "2026-11-01")]
    body = order_sign([med_request("o1", HERCEPTIN, dose=420)], held)
    card = _topics(_cards(_post(kb, keys, SIGN, body)))["lvef_hold"]
    assert card["indicator"] == "critical" and "withhold" in card["summary"]
    assert "fall 16 points" in card["detail"]
    assert "TRAZ-PI" in card["detail"] or "HER-PI" in card["detail"]
    assert card["links"] and all(link["url"].startswith("https://") for link in card["links"])
    # held: below the lower limit of normal with a fall of 10 points
    below = [*base, on_drug, lvef(60, "2026-04-20"), lvef(50, "2026-11-01", lln=53)]
    body = order_sign([med_request("o1", HERCEPTIN, dose=420)], below)
    assert "lvef_hold" in _topics(_cards(_post(kb, keys, SIGN, body)))
    # stopped before
    stopped = med_request(
        "gone",
        HERCEPTIN,
        status="stopped",
        authored="2026-03-01",
        statusReason={"text": "LVEF decline"},
    )
    body = order_sign(
        [med_request("o1", HERCEPTIN, dose=420)], [*base, stopped, lvef(61, "2026-11-10")]
    )
    card = _topics(_cards(_post(kb, keys, SIGN, body)))["previously_stopped"]
    assert "LVEF decline" in card["summary"]


def test_biosimilar_not_labelled_for_gastric(kb: KnowledgeBase, keys: ClientKeys) -> None:
    record = [
        patient(),
        condition("C16.2", "http://hl7.org/fhir/sid/icd-10-cm"),
        her2_positive(),
        weight(70),
        lvef(62, "2026-11-10"),
        not_pregnant(),
    ]
    body = order_sign([med_request("o1", HERZUMA, dose=560)], record)
    card = _topics(_cards(_post(kb, keys, SIGN, body)))["biosimilar_site"]
    assert card["indicator"] == "critical"
    assert "HERZ-PI" in card["detail"]
    assert (
        "ogivri" in card["detail"] and "herzuma" not in card["detail"].split("labelled for it:")[1]
    )
    body = order_sign([med_request("o1", HERCEPTIN, dose=560)], record)
    assert "biosimilar_site" not in _topics(_cards(_post(kb, keys, SIGN, body)))


def test_product_not_labelled_for_the_site(kb: KnowledgeBase, keys: ClientKeys) -> None:
    record = [
        patient(),
        condition("C16.2", "http://hl7.org/fhir/sid/icd-10-cm"),
        her2_positive(),
        weight(70),
        lvef(62, "2026-11-10"),
        not_pregnant(),
    ]
    body = order_sign([med_request("o1", KADCYLA, dose=252)], record)
    card = _topics(_cards(_post(kb, keys, SIGN, body)))["site_not_labelled"]
    assert card["indicator"] == "critical" and "gastric" in card["summary"]
    assert "KAD-PI" in card["detail"]


def test_pertuzumab_without_trastuzumab(kb: KnowledgeBase, keys: ClientKeys) -> None:
    body = order_sign([med_request("o1", PERJETA, dose=840)], _ok_record())
    card = _topics(_cards(_post(kb, keys, SIGN, body)))["partner_missing"]
    assert "trastuzumab" in card["summary"]
    assert "PER-PI" in card["detail"]
    both = order_sign(
        [med_request("o1", PERJETA, dose=840), med_request("o2", HERCEPTIN, dose=560)], _ok_record()
    )
    assert "partner_missing" not in _topics(_cards(_post(kb, keys, SIGN, both)))


def test_tdm1_trastuzumab_confusion(kb: KnowledgeBase, keys: ClientKeys) -> None:
    record = [*_ok_record(), med_request("k", KADCYLA, status="active", authored="2026-09-01")]
    body = order_sign([med_request("o1", TRASTUZUMAB, dose=560)], record)
    card = _topics(_cards(_post(kb, keys, SIGN, body)))["not_interchangeable"]
    assert "ado_trastuzumab_emtansine" in card["summary"]
    assert "HER-PI" in card["detail"]


def test_order_select_checks_the_selected_order(kb: KnowledgeBase, keys: ClientKeys) -> None:
    body = order_sign([med_request("o1", HERCEPTIN, dose=420)], _ok_record(), hook="order-select")
    assert "dose_mismatch" in _topics(_cards(_post(kb, keys, SELECT, body)))


def test_patient_view_cards(kb: KnowledgeBase, keys: ClientKeys) -> None:
    record = [
        *_ok_record(),
        med_request("run", HERCEPTIN, status="active", authored="2026-03-01"),
        lvef(60, "2026-02-20"),
    ]
    body = order_sign([], record, hook="patient-view")
    body["context"].pop("draftOrders")
    # make the last LVEF old: drop the recent one
    obs = body["prefetch"]["observations"]["entry"]
    body["prefetch"]["observations"]["entry"] = [
        e for e in obs if e["resource"].get("effectiveDateTime") != "2026-11-10"
    ]
    cards = _topics(_cards(_post(kb, keys, VIEW, body)))
    assert cards["her2_status"]["indicator"] == "info"
    assert "her2_positive" in cards["her2_status"]["summary"]
    assert "herceptin" in cards["labelled_products"]["detail"]
    assert cards["lvef_due"]["indicator"] == "warning"


def test_captured_sandbox_patient_view_is_accepted(
    kb: KnowledgeBase, keys: ClientKeys, fhir_examples: Path
) -> None:
    """The real sandbox request body, posted to the path it was captured on."""
    captured = json.loads(
        (fhir_examples / "cds-hooks+sandbox/captured-locally/patient-view-request.json").read_text()
    )
    client = make_app(
        kb,
        keys,
        service_aliases={"her2-demo": "her2path-patient-view"},
        fhir_deadline_seconds=0.5,
    )
    path = captured["path"]
    r = client.post(path, json=captured["body"], headers=auth(keys, path))
    cards = _topics(_cards(r))
    assert "her2_negative" in cards["her2_status"]["summary"]
    # conditions etc. were not in this prefetch and the FHIR server is gone: listed, not hidden
    assert "not available" in cards["import"]["detail"]


def test_early_order_select_without_medication(
    kb: KnowledgeBase, keys: ClientKeys, fhir_examples: Path
) -> None:
    captured = json.loads(
        (
            fhir_examples / "cds-hooks+sandbox/captured-locally/order-select-request-early.json"
        ).read_text()
    )
    body = captured["body"]
    body["prefetch"]["observations"] = {"resourceType": "Bundle", "type": "searchset", "entry": []}
    client = make_app(kb, keys, service_aliases={"her2-order-select": "her2path-order-select"})
    path = captured["path"]
    assert _cards(client.post(path, json=body, headers=auth(keys, path))) == []


def test_fhir_fallback_with_bearer_token(
    kb: KnowledgeBase, keys: ClientKeys, caplog: pytest.LogCaptureFixture
) -> None:
    record = _ok_record()
    stub = FhirStub(record)
    body = order_sign([med_request("o1", HERCEPTIN, dose=420)], record)
    body["prefetch"] = {}
    with stub.running() as url, caplog.at_level(logging.DEBUG):
        body["fhirServer"] = url
        body["fhirAuthorization"] = {"access_token": "secret-abc", "token_type": "Bearer"}
        cards = _topics(_cards(_post(kb, keys, SIGN, body)))
    assert "secret-abc" not in caplog.text
    assert "dose_mismatch" in cards
    assert stub.seen_auth and set(stub.seen_auth) == {"Bearer secret-abc"}


def test_412_when_data_cannot_be_had(kb: KnowledgeBase, keys: ClientKeys) -> None:
    body = order_sign([med_request("o1", HERCEPTIN, dose=420)], _ok_record())
    body["prefetch"] = {"patient": None}
    assert _post(kb, keys, SIGN, body).status_code == 412
    stub = FhirStub(_ok_record(), fail={"Observation"})
    with stub.running() as url:
        body["fhirServer"] = url
        assert _post(kb, keys, SIGN, body).status_code == 412
    slow = FhirStub(_ok_record(), delay=1.0)
    with slow.running() as url:
        body["fhirServer"] = url
        assert _post(kb, keys, SIGN, body, fhir_deadline_seconds=0.3).status_code == 412


def test_feedback_is_stored(kb: KnowledgeBase, keys: ClientKeys, tmp_path: Path) -> None:
    store = SqliteFeedbackStore(tmp_path / "fb.db")
    client = make_app(kb, keys, feedback=store)
    path = SIGN + "/feedback"
    item = {
        "card": "c-1",
        "outcome": "overridden",
        "overrideReason": {
            "reason": {
                "system": "https://her2path.org/cds/override-reason",
                "code": "record-wrong",
                "display": "Record is out of date or wrong",
            },
            "userComment": "echo done yesterday",
        },
        "outcomeTimestamp": "2026-11-22T10:00:00Z",
    }
    r = client.post(path, json={"feedback": [item]}, headers=auth(keys, path))
    assert r.status_code == 200 and r.json() == {"stored": 1}
    rows = SqliteFeedbackStore(tmp_path / "fb.db").list("her2path-order-sign")
    assert [decode(x).overrideReason.reason.code for x in rows] == ["record-wrong"]  # type: ignore[union-attr]
    bad = client.post(path, json={"feedback": [{"card": "x"}]}, headers=auth(keys, path))
    assert bad.status_code == 400


def test_wrong_hook_and_unknown_service(kb: KnowledgeBase, keys: ClientKeys) -> None:
    body = order_sign([], _ok_record(), hook="patient-view")
    assert _post(kb, keys, SIGN, body).status_code == 400
    assert _post(kb, keys, "/cds-services/nope", body).status_code == 404
    _ = BASE, SCT


def test_prefetched_patient_must_match_the_context(kb: KnowledgeBase, keys: ClientKeys) -> None:
    body = order_sign([med_request("o1", HERCEPTIN, dose=420)], _ok_record())
    body["prefetch"]["patient"] = patient(pid="not-p1")
    assert _post(kb, keys, SIGN, body).status_code == 412


def test_patient_view_uses_the_full_assessment_when_the_record_allows(
    kb: KnowledgeBase, keys: ClientKeys
) -> None:
    example = Path(__file__).resolve().parents[1] / "examples" / "cds" / "patient-view.json"
    body = json.loads(example.read_text())
    cards = _cards(_post(kb, keys, VIEW, body))
    summaries = [c["summary"] for c in cards]
    assert any("label-supported HER2-directed option(s) now" in s for s in summaries)
    options = next(c for c in cards if "option(s) now" in c["summary"])
    assert "ENH-PI" in options["detail"]
    assert not any(
        c["source"]["topic"]["code"] == "labelled_products" and "labelled for" in c["summary"]
        for c in cards
    )


def test_module_router_is_built_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import her2path.cdshooks as cds

    monkeypatch.delenv("HER2PATH_CDS_EXTERNAL_URL", raising=False)
    monkeypatch.delenv("HER2PATH_CDS_TRUST_FILE", raising=False)
    assert cds.router is None
    trust = tmp_path / "trust.json"
    trust.write_text(json.dumps([{"iss": "https://ehr.example.org", "jwks": {"keys": []}}]))
    monkeypatch.setenv("HER2PATH_CDS_EXTERNAL_URL", BASE)
    monkeypatch.setenv("HER2PATH_CDS_TRUST_FILE", str(trust))
    monkeypatch.setenv("HER2PATH_CDS_FEEDBACK_DB", str(tmp_path / "fb.db"))
    router = cds.router
    assert {getattr(r, "path", "") for r in router.routes} >= {
        "/cds-services",
        "/cds-services/{service_id}",
        "/cds-services/{service_id}/feedback",
    }


def test_mounted_in_the_main_app(
    kb: KnowledgeBase, keys: ClientKeys, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With HER2PATH_CDS_* set, the main app serves the CDS Hooks routes beside /api."""
    from fastapi.testclient import TestClient

    from her2path.api.app import create_app
    from her2path.settings import Settings, sqlite_url

    trust = tmp_path / "trust.json"
    trust.write_text(json.dumps([{"iss": "https://ehr.example.org", "jwks": keys.jwks}]))
    monkeypatch.setenv("HER2PATH_CDS_EXTERNAL_URL", BASE)
    monkeypatch.setenv("HER2PATH_CDS_TRUST_FILE", str(trust))
    app = create_app(Settings(database_url=sqlite_url(tmp_path / "db.sqlite"), demo_mode=True), kb)
    client = TestClient(app)
    assert client.get("/cds-services").status_code == 401
    # The app's verifier reads the real clock, so this token is issued "now".
    now = int(time.time())
    r = client.get("/cds-services", headers=auth(keys, "/cds-services", iat=now, exp=now + 300))
    assert r.status_code == 200
    assert {s["id"] for s in r.json()["services"]} >= {"her2path-order-sign"}
