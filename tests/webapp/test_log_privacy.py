"""After a full scenario the server's logs name no patient: no name, no id, no label."""

from __future__ import annotations

import re
from pathlib import Path

from tests.webapp.helpers import IHC_2PLUS, ISH_AMPLIFIED, patient_doc
from tests.webapp.server import Server

NAME = "Zelda Quixote-Marsh"
PID = "mrn-8675309"
SPECIMEN = "SPX-44719"


def test_logs_contain_no_patient_names_or_identifiers(tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    ihc = {**IHC_2PLUS, "specimen": {**IHC_2PLUS["specimen"], "id": SPECIMEN}}
    with Server(f"sqlite:///{tmp_path / 'p.db'}", log) as srv, srv.client() as c:
        assert c.post("/api/patients", json={"label": NAME, "patient": patient_doc(PID)}).is_success
        assert c.post(f"/api/patients/{PID}/her2-results", json=ihc).is_success
        assert c.post(f"/api/patients/{PID}/her2-results", json=ISH_AMPLIFIED).is_success
        assert c.post(
            f"/api/patients/{PID}/lvef", json={"date": "2026-04-01", "percent": 44}
        ).is_success
        dose = {"date": "2026-04-02", "product": "herceptin", "dose_mg": 500, "note": NAME}
        assert c.post(f"/api/patients/{PID}/doses", json=dose).is_success
        assert c.get(f"/api/patients/{PID}/assessment").is_success
        assert c.post("/api/assess", json=patient_doc(PID)).is_success
        bad = c.post(f"/api/patients/{PID}/lvef", json={"date": "2026-04-01", "percent": 999})
        assert bad.status_code == 422
        assert (
            c.post("/api/patients", json={"label": NAME, "patient": patient_doc(PID)}).status_code
            == 409
        )
        assert c.get("/api/patients", params={"q": "Zelda"}).json()[0]["id"] == PID
        for path in (f"/patients/{PID}", f"/patients/{PID}/report", f"/patients/{PID}/report.pdf"):
            assert c.get(path).status_code == 200
        assert c.get("/patients/mrn-0000001").status_code == 404
    text = log.read_text()
    assert "her2path.access" in text and re.search(r"/api/patients/pt-[0-9a-f]{16}", text)
    for secret in (NAME, "Zelda", "Quixote", PID, "8675309", SPECIMEN, "0000001"):
        assert secret not in text, f"{secret!r} appears in the server log"
