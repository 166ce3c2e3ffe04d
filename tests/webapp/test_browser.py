"""Browser tests: Debian's headless Chromium, driven by Playwright, against the real server."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.webapp.helpers import ARTIFACTS, TOKEN
from tests.webapp.server import Server

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium not installed"),
]

SHOTS = ARTIFACTS / "browser"


def cardiac_engine_available() -> bool:
    return importlib.util.find_spec("her2path.engine.course") is not None


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("browser")
    with Server(f"sqlite:///{tmp / 'b.db'}", tmp / "server.log") as srv:
        yield srv


@pytest.fixture(scope="module")
def page(server: Server) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=server.url)
        pg = context.new_page()
        pg.goto("/patients")
        assert pg.url.endswith("/login")
        pg.fill("#token", TOKEN)
        pg.click("button[type=submit]")
        pg.wait_for_url("**/patients")
        yield pg
        context.close()
        browser.close()


def shot(pg: Any, name: str) -> None:
    pg.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def status(pg: Any) -> str:
    return str(pg.get_by_test_id("her2-status").inner_text()).strip().lower()


def test_create_patient_enter_ihc_then_ish_and_see_status_change(page: Any) -> None:
    pg = page
    pg.goto("/patients/new")
    pg.fill("#f-id", "br-001")
    pg.fill("#f-label", "Browser Test")
    pg.select_option("#f-sex", "female")
    pg.fill("#f-birth_date", "1979-06-15")
    pg.fill("#f-weight_kg", "66")
    pg.fill("#f-height_cm", "165")
    pg.select_option("#f-cancer-site", "breast")
    pg.select_option("#f-cancer-setting", "early_preoperative")
    pg.click("text=Create patient")
    pg.wait_for_url("**/patients/br-001")
    assert status(pg) == "no result"
    shot(pg, "01-new-patient")

    form = pg.locator("#her2-form")
    form.locator("#f-her2-kind").select_option("ihc")
    assert form.locator("fieldset[data-kind=dual_probe_ish]").is_hidden()
    form.locator("#f-her2-date").fill("2026-03-02")
    form.locator("#f-her2-specimen-id").fill("S26-0001")
    form.locator("#f-her2-score").select_option("2+")
    form.locator("text=Add result").click()
    pg.wait_for_load_state()
    assert status(pg) == "equivocal"
    assert "ish" in pg.locator("#actions-section").inner_text().lower()
    shot(pg, "02-ihc-2plus-equivocal")

    form = pg.locator("#her2-form")
    form.locator("#f-her2-kind").select_option("dual_probe_ish")
    form.locator("#f-her2-date").fill("2026-03-06")
    form.locator("#f-her2-specimen-id").fill("S26-0001")
    form.locator("#f-her2-count-ratio").fill("2.5")
    form.locator("#f-her2-count-her2_copies").fill("5.1")
    form.locator("#f-her2-count-cep17_copies").fill("2.0")
    form.locator("#f-her2-count-cells_counted").fill("20")
    form.locator("text=Add result").click()
    pg.wait_for_load_state()
    assert status(pg) == "positive"
    shot(pg, "03-ish-positive")


def test_invalid_reading_shows_inline_error(page: Any) -> None:
    pg = page
    pg.goto("/patients/br-001")
    form = pg.locator("#lvef-form")
    form.locator("#f-lvef-date").fill("2026-03-10")
    form.locator("#f-lvef-percent").fill("130")
    form.locator("text=Add reading").click()
    pg.wait_for_load_state()
    err = pg.locator("#f-lvef-percent-err")
    assert "95" in err.inner_text()
    assert form.locator("#f-lvef-percent").get_attribute("aria-invalid") == "true"
    shot(pg, "04-inline-error")


@pytest.mark.xfail(
    condition=not cardiac_engine_available(),
    reason="the course and cardiac engines (her2path.engine.course, .cardiac) that decide "
    "holds and recheck dates are not in this build yet",
    strict=True,
)
def test_lvef_drop_shows_hold_with_recheck_date(page: Any) -> None:
    pg = page
    pg.goto("/patients/br-001")
    lvef = pg.locator("#lvef-form")
    lvef.locator("#f-lvef-date").fill("2026-03-10")
    lvef.locator("#f-lvef-percent").fill("64")
    lvef.locator("#f-lvef-lln").fill("50")
    lvef.locator("text=Add reading").click()
    pg.wait_for_load_state()

    course = pg.locator("#course-form")
    course.locator("#f-course-regimen").select_option("tchp")
    course.locator("#f-course-setting").select_option("neoadjuvant")
    course.locator("#f-course-start").fill("2026-03-12")
    course.locator("text=Start course").click()
    pg.wait_for_load_state()

    dose = pg.locator("#dose-form")
    dose.locator("#f-dose-date").fill("2026-03-12")
    dose.locator("#f-dose-product").select_option("herceptin")
    dose.locator("#f-dose-dose_mg").fill("528")
    dose.locator("#f-dose-weight_kg").fill("66")
    dose.locator("#f-dose-kind").select_option("loading")
    dose.locator("text=Record dose").click()
    pg.wait_for_load_state()
    pg.goto("/patients/br-001?as_of=2026-03-13")
    assert pg.get_by_test_id("hold").count() == 0

    lvef = pg.locator("#lvef-form")
    lvef.locator("#f-lvef-date").fill("2026-06-10")
    lvef.locator("#f-lvef-percent").fill("46")  # 18 points below the baseline of 64
    lvef.locator("#f-lvef-lln").fill("50")
    lvef.locator("text=Add reading").click()
    pg.wait_for_load_state()
    pg.goto("/patients/br-001?as_of=2026-06-11")
    shot(pg, "05-lvef-drop-hold")
    holds = pg.get_by_test_id("hold")
    assert holds.count() >= 1
    assert "herceptin" in pg.get_by_test_id("cardiac-state").inner_text()
    recheck = pg.get_by_test_id("recheck-by").first.inner_text().strip()
    assert recheck > "2026-06-10"  # ISO dates: a recheck after the reading
    assert pg.get_by_test_id("lvef-due").inner_text().strip().startswith("2026-0")


def test_patient_report_and_pdf(page: Any) -> None:
    pg = page
    pg.goto("/patients/br-001")
    pg.click("text=Patient report")
    pg.wait_for_url("**/patients/br-001/report")
    body = pg.locator("body").inner_text()
    assert "does not replace" in body and "HER2-positive" in body
    shot(pg, "06-patient-report")
    response = pg.request.get("/patients/br-001/report.pdf")
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    pdf = response.body()
    assert pdf.startswith(b"%PDF")
    out = SHOTS / "patient-report.pdf"
    out.write_bytes(pdf)
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", str(out), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert "does not replace" in " ".join(text.split())
    if shutil.which("pdftoppm"):
        subprocess.run(
            ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(out), str(SHOTS / "07-pdf")],
            check=True,
        )


def test_patient_list_search_and_kb_view(page: Any) -> None:
    pg = page
    pg.goto("/patients")
    pg.fill("#q", "browser")
    pg.wait_for_selector("#patient-rows >> text=br-001")
    assert pg.locator("#patient-rows tr").count() == 1
    shot(pg, "08-patient-search")
    pg.goto("/kb")
    assert "ASCO18" in pg.locator("#sources").inner_text()
    shot(pg, "09-knowledge-base")


UNLABELLED = """() => Array.from(document.querySelectorAll('input, select, textarea'))
  .filter(e => e.type !== 'hidden')
  .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label'))
  .map(e => e.name || e.id)"""


def test_every_form_control_has_a_label_and_pages_have_landmarks(page: Any) -> None:
    pg = page
    for path in ("/patients", "/patients/new", "/patients/br-001", "/kb", "/docs"):
        pg.goto(path)
        assert pg.evaluate(UNLABELLED) == [], path
        assert pg.locator("main#main").count() == 1
        assert pg.locator("h1").count() == 1
        assert pg.evaluate("document.documentElement.lang") == "en"
