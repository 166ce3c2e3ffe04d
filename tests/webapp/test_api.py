"""The REST API: typed answers, every problem by field path, auth and security basics."""

from __future__ import annotations

from fastapi.testclient import TestClient

from her2path.kb import KnowledgeBase
from tests.webapp.helpers import IHC_2PLUS, ISH_AMPLIFIED, TOKEN, patient_doc


def test_interpret_her2_returns_status_rule_path_and_sources(client: TestClient) -> None:
    r = client.post("/api/her2/interpret", json={"site": "breast", "results": [IHC_2PLUS]})
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "equivocal"
    assert body["rule_path"] and all(s["sources"] for s in body["rule_path"])
    assert {s["source"] for s in body["rule_path"][0]["sources"]} & {"ASCO18", "ASCO23"}


def test_validation_error_lists_every_problem_by_field_path(client: TestClient) -> None:
    bad = patient_doc(sex="unknown-sex", weight_kg=5)
    bad["cancer"] = {"site": "lung", "setting": "early_preoperative"}
    r = client.post("/api/assess", json=bad)
    assert r.status_code == 422
    where = {p["where"] for p in r.json()["problems"]}
    assert {"sex", "weight_kg", "cancer.site"} <= where
    site = next(p for p in r.json()["problems"] if p["where"] == "cancer.site")
    assert "breast" in site["message"]  # the allowed values are named


def test_query_parameter_problem_names_the_parameter(client: TestClient) -> None:
    r = client.post("/api/assess?as_of=not-a-date", json=patient_doc())
    assert r.status_code == 422
    assert any(p["where"] == "query.as_of" for p in r.json()["problems"])


def test_stored_patient_course_and_status_change(client: TestClient) -> None:
    r = client.post("/api/patients", json={"label": "Test Person", "patient": patient_doc()})
    assert r.status_code == 201
    assert r.headers["location"] == "/api/patients/p-001"
    assert client.post("/api/patients/p-001/her2-results", json=IHC_2PLUS).status_code == 201
    a = client.get("/api/patients/p-001/assessment", params={"as_of": "2026-03-03"}).json()
    assert a["her2"]["status"] == "equivocal"
    assert client.post("/api/patients/p-001/her2-results", json=ISH_AMPLIFIED).status_code == 201
    a = client.get("/api/patients/p-001/assessment", params={"as_of": "2026-03-07"}).json()
    assert a["her2"]["status"] == "positive"
    assert a["kb_version"] and a["as_of"] == "2026-03-07"
    lv = {"date": "2026-03-10", "percent": 61, "lln": 50, "method": "echo"}
    assert client.post("/api/patients/p-001/lvef", json=lv).status_code == 201
    dose = {"date": "2026-03-12", "product": "herceptin", "dose_mg": 560, "route": "intravenous"}
    stored = client.post("/api/patients/p-001/doses", json=dose).json()
    assert stored["doses"][0]["dose_mg"] == 560
    assert [e["kind"] for e in stored["entries"]] == ["her2_result", "her2_result", "lvef", "dose"]


def test_entry_that_breaks_the_document_is_refused(client: TestClient) -> None:
    client.post("/api/patients", json={"patient": patient_doc()})
    r = client.post("/api/patients/p-001/lvef", json={"date": "1950-01-01", "percent": 60})
    assert r.status_code == 422
    assert "before birth_date" in r.json()["problems"][0]["message"]
    assert client.get("/api/patients/p-001").json()["entries"] == []


def test_unknown_patient_404_and_duplicate_409(client: TestClient) -> None:
    assert client.get("/api/patients/nobody").status_code == 404
    assert client.post("/api/patients", json={"patient": patient_doc()}).status_code == 201
    assert client.post("/api/patients", json={"patient": patient_doc()}).status_code == 409


def test_every_assessment_returned_is_audited(client: TestClient, kb: KnowledgeBase) -> None:
    client.post("/api/assess", params={"as_of": "2026-05-01"}, json=patient_doc())
    client.post("/api/assess", params={"as_of": "2026-05-01"}, json=patient_doc())
    log = client.get("/api/audit").json()
    assert len(log) == 2
    assert all(e["kb_version"] == kb.version for e in log)
    assert log[0]["input_hash"] == log[1]["input_hash"]  # same input, same hash
    assert log[0]["patient_ref"].startswith("pt-") and "p-001" not in log[0]["patient_ref"]


def test_token_is_required(settings: object, client: TestClient) -> None:
    assert client.get("/api/patients", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/api/patients", headers={"Authorization": ""}).status_code == 401
    ok = client.get("/api/patients", headers={"Authorization": f"Bearer {TOKEN}"})
    assert ok.status_code == 200


def test_security_headers_and_body_limit(client: TestClient) -> None:
    r = client.get("/api/health")
    assert "default-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY"
    big = b'{"site": "breast", "results": [], "x": "' + b"a" * 2_000_000 + b'"}'
    r = client.post(
        "/api/her2/interpret", content=big, headers={"content-type": "application/json"}
    )
    assert r.status_code == 413


def test_openapi_is_published(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert "/api/assess" in spec["paths"]
    assert "/api/patients/{patient_id}/lvef" in spec["paths"]
    assert all(not p.startswith("/patients") for p in spec["paths"])  # web pages not in API
    docs = client.get("/docs")
    assert docs.status_code == 200 and "/api/assess" in docs.text


def test_ids_unknown_to_the_knowledge_base_are_refused(client: TestClient) -> None:
    doc = patient_doc(therapies=[{"drug": "nodrug", "setting": "adjuvant", "start": "2026-01-01"}])
    r = client.post("/api/patients", json={"patient": doc})
    assert r.status_code == 422
    assert r.json()["problems"][0]["where"] == "therapies[0].drug"
    assert client.post("/api/assess", json=doc).status_code == 422
    client.post("/api/patients", json={"patient": patient_doc()})
    dose = {"date": "2026-03-12", "product": "aspirin", "dose_mg": 100}
    r = client.post("/api/patients/p-001/doses", json=dose)
    assert r.status_code == 422 and r.json()["problems"][0]["where"] == "doses[0].product"
    assert client.get("/api/patients/p-001").json()["doses"] == []


def test_course_state_shows_the_hold_and_its_recheck_date(client: TestClient) -> None:
    client.post("/api/patients", json={"patient": patient_doc(weight_kg=66)})
    client.post("/api/patients/p-001/her2-results", json={**IHC_2PLUS, "score": "3+"})
    client.post("/api/patients/p-001/lvef", json={"date": "2026-03-10", "percent": 64, "lln": 50})
    course = {"regimen": "tchp", "setting": "neoadjuvant", "start": "2026-03-12"}
    assert client.post("/api/patients/p-001/course", json=course).status_code == 201
    dose = {"date": "2026-03-12", "product": "herceptin", "dose_mg": 528, "weight_kg": 66}
    assert client.post("/api/patients/p-001/doses", json=dose).status_code == 201
    before = client.get("/api/patients/p-001/course", params={"as_of": "2026-03-13"}).json()
    assert before["holds"] == []
    client.post("/api/patients/p-001/lvef", json={"date": "2026-06-10", "percent": 46, "lln": 50})
    after = client.get("/api/patients/p-001/course", params={"as_of": "2026-06-11"}).json()
    held = {d for h in after["holds"] for d in h["drugs"]}
    assert "herceptin" in held
    assert all(h["recheck_by"] > "2026-06-10" for h in after["holds"] if h["recheck_by"])
    assert any(h["rule"].startswith("cardiac.") for h in after["holds"])
