"""The clinician pages through the ASGI app: sign-in, CSRF, forms with inline errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from her2path.api import create_app
from her2path.kb import KnowledgeBase
from her2path.settings import Settings
from tests.webapp.helpers import TOKEN


@pytest.fixture
def browser(tmp_path: Path, kb: KnowledgeBase) -> TestClient:
    """A cookie-keeping client that signs in through the login form."""
    app = create_app(
        Settings(database_url=f"sqlite:///{tmp_path / 'pages.db'}", api_token=TOKEN), kb
    )
    c = TestClient(app, follow_redirects=False)
    assert c.get("/patients").status_code == 303  # not signed in
    token = _csrf(c.get("/login").text)
    bad = c.post("/login", data={"token": "nope", "csrf_token": token})
    assert bad.status_code == 401
    r = c.post("/login", data={"token": TOKEN, "csrf_token": token})
    assert r.status_code == 303
    return c


def _csrf(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m is not None
    return m.group(1)


NEW = {
    "id": "w-1",
    "label": "Web Person",
    "sex": "female",
    "birth_date": "1980-01-02",
    "cancer.site": "breast",
    "cancer.setting": "early_preoperative",
}


def test_form_without_csrf_token_is_refused(browser: TestClient) -> None:
    browser.get("/patients/new")
    assert browser.post("/patients", data=NEW).status_code == 403
    assert browser.post("/patients", data={**NEW, "csrf_token": "forged"}).status_code == 403


def test_create_patient_then_add_results_and_see_status(browser: TestClient) -> None:
    token = _csrf(browser.get("/patients/new").text)
    r = browser.post("/patients", data={**NEW, "csrf_token": token})
    assert r.status_code == 303 and r.headers["location"] == "/patients/w-1"
    page = browser.get("/patients/w-1").text
    assert 'data-testid="her2-status">no result' in page
    ihc = {
        "csrf_token": token,
        "kind": "ihc",
        "date": "2026-02-01",
        "specimen.origin": "primary",
        "specimen.procedure": "core_biopsy",
        "specimen.id": "S-9",
        "score": "2+",
        "count.ratio": "9.9",  # ignored: belongs to another kind of result
    }
    assert browser.post("/patients/w-1/her2", data=ihc).status_code == 303
    assert 'data-testid="her2-status">equivocal' in browser.get("/patients/w-1").text
    ish = {
        "csrf_token": token,
        "kind": "dual_probe_ish",
        "date": "2026-02-05",
        "specimen.origin": "primary",
        "specimen.procedure": "core_biopsy",
        "specimen.id": "S-9",
        "count.ratio": "2.4",
        "count.her2_copies": "5.0",
        "count.cep17_copies": "2.1",
        "count.cells_counted": "20",
    }
    assert browser.post("/patients/w-1/her2", data=ish).status_code == 303
    assert 'data-testid="her2-status">positive' in browser.get("/patients/w-1").text


def test_invalid_form_shows_every_problem_inline(browser: TestClient) -> None:
    token = _csrf(browser.get("/patients/new").text)
    r = browser.post(
        "/patients",
        data={**NEW, "csrf_token": token, "sex": "", "weight_kg": "3", "cancer.site": "lung"},
    )
    assert r.status_code == 422
    for where in ("sex", "weight_kg", "cancer.site"):
        assert f'id="f-{where.replace(".", "-")}-err"' in r.text
    browser.post("/patients", data={**NEW, "csrf_token": token})
    r = browser.post(
        "/patients/w-1/lvef", data={"csrf_token": token, "date": "2026-01-01", "percent": "120"}
    )
    assert r.status_code == 422
    assert 'id="f-lvef-percent-err"' in r.text and "less than or equal to 95" in r.text


def test_kb_docs_and_report_pages(browser: TestClient) -> None:
    kb_page = browser.get("/kb").text
    assert "ASCO18" in kb_page and "Patient info" in kb_page
    token = _csrf(browser.get("/patients/new").text)
    browser.post("/patients", data={**NEW, "csrf_token": token})
    report = browser.get("/patients/w-1/report")
    assert report.status_code == 200 and "does not replace" in report.text
    pdf = browser.get("/patients/w-1/report.pdf")
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    search = browser.get("/patients", params={"q": "web"}, headers={"HX-Request": "true"})
    assert "w-1" in search.text and "<html" not in search.text  # a fragment for htmx
