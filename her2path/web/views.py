"""The clinician pages: patient list, patient page with forms, knowledge base, API docs."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel

from her2path.adapters.validation import parse
from her2path.api.engine import assess_patient, course_state
from her2path.api.routes import PATIENT_ID
from her2path.api.security import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    api_authorised,
    csrf_ok,
    new_csrf_token,
    session_value,
    token_ok,
)
from her2path.api.state import AppState, app_state
from her2path.domain.patient import LVEFReading, Patient
from her2path.errors import InputError, Problem
from her2path.store.records import AdministeredDose, CourseStart
from her2path.store.repo import Conflict, NotFound, StoredPatient
from her2path.web import forms, kbview, patient_view

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).resolve().parent / "templates"))
State = Annotated[AppState, Depends(app_state)]

router = APIRouter(include_in_schema=False)


class _Login(Exception):
    """The browser is not logged in."""


def _csrf(request: Request) -> tuple[str, bool]:
    token = request.cookies.get(CSRF_COOKIE)
    return (token, False) if token else (new_csrf_token(), True)


def render(
    request: Request, name: str, context: dict[str, Any], status_code: int = 200
) -> HTMLResponse:
    state: AppState = request.app.state.her2path
    token, fresh = _csrf(request)
    ctx = {
        "demo": state.settings.demo_mode,
        "kb_version": state.kb.version,
        "csrf_token": token,
        **context,
    }
    response = TEMPLATES.TemplateResponse(request, name, ctx, status_code=status_code)
    if fresh:
        response.set_cookie(
            CSRF_COOKIE,
            token,
            httponly=True,
            samesite="strict",
            secure=state.settings.secure_cookies,
        )
    return response


def _guard(request: Request) -> Response | None:
    state: AppState = request.app.state.her2path
    if api_authorised(state.settings, request):  # session cookie, or a bearer token
        return None
    return RedirectResponse("/login", status_code=303)


async def _form(request: Request) -> dict[str, str] | Response:
    form = await request.form()
    data = {k: v for k, v in form.items() if isinstance(v, str)}
    if not csrf_ok(request, data):
        return HTMLResponse(
            "<h1>Form expired</h1><p>Reload the page and send the form again.</p>",
            status_code=403,
        )
    return data


@router.get("/")
def home() -> RedirectResponse:
    return RedirectResponse("/patients", status_code=303)


@router.get("/login")
def login_page(request: Request) -> HTMLResponse:
    return render(request, "login.html", {"error": None})


@router.post("/login")
async def login(request: Request, state: State) -> Response:
    data = await _form(request)
    if isinstance(data, Response):
        return data
    if not token_ok(state.settings, data.get("token", "")):
        return render(request, "login.html", {"error": "That token is not valid."}, 401)
    response = RedirectResponse("/patients", status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        session_value(state.settings),
        httponly=True,
        samesite="strict",
        secure=state.settings.secure_cookies,
    )
    return response


@router.get("/patients")
def patients(
    request: Request, state: State, q: Annotated[str, Query(max_length=100)] = ""
) -> Response:
    if (r := _guard(request)) is not None:
        return r
    rows = state.store.search(q)
    name = "_patient_rows.html" if request.headers.get("hx-request") else "patients.html"
    return render(request, name, {"rows": rows, "q": q})


@router.get("/patients/new")
def new_patient_page(request: Request) -> Response:
    if (r := _guard(request)) is not None:
        return r
    return render(request, "patient_new.html", {"values": {}, "errors": {}})


@router.post("/patients")
async def create_patient(request: Request, state: State) -> Response:
    if (r := _guard(request)) is not None:
        return r
    data = await _form(request)
    if isinstance(data, Response):
        return data
    label = data.get("label", "").strip() or None
    doc = forms.nest((k, v) for k, v in data.items() if k != "label")
    try:
        if label is not None and (len(label) > 200 or not label.isprintable()):
            raise InputError([Problem("label", "at most 200 printable characters")])
        patient = parse(Patient, doc)
        stored = state.store.create(patient, label)
    except InputError as exc:
        errors = forms.errors_by_field(exc)
        return render(request, "patient_new.html", {"values": data, "errors": errors}, 422)
    except Conflict:
        errors = {"id": "a patient with this id is already stored"}
        return render(request, "patient_new.html", {"values": data, "errors": errors}, 422)
    return RedirectResponse(f"/patients/{stored.id}", status_code=303)


def _load(state: AppState, patient_id: str) -> StoredPatient | None:
    import re

    if not re.fullmatch(PATIENT_ID, patient_id):
        return None
    try:
        return state.store.get(patient_id)
    except NotFound:
        return None


def _not_found(request: Request) -> HTMLResponse:
    return render(request, "not_found.html", {}, 404)


def _patient_page(
    request: Request,
    state: AppState,
    stored: StoredPatient,
    as_of: date,
    errors: dict[str, dict[str, str]] | None = None,
    values: dict[str, dict[str, str]] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    assessment = assess_patient(state.kb, stored.patient, as_of)
    state.audit_assessment("web", stored.patient, as_of, assessment)
    course_problems: list[Problem] = []
    course = getattr(assessment, "course", None)  # when the assessment carries it
    if course is None:
        try:
            course = course_state(state.kb, stored.patient, as_of)
        except InputError as exc:
            course, course_problems = None, exc.problems
    view = patient_view.build(state.kb, stored, assessment, as_of, course)
    return render(
        request,
        "patient.html",
        {
            "p": stored,
            "a": assessment,
            "v": view,
            "as_of": as_of,
            "errors": errors or {},
            "values": values or {},
            "sources": kbview.source_index(state.kb),
            "product_ids": view.product_ids,
            "product_options": [(x, x) for x in view.product_ids],
            "course": course,
            "course_problems": course_problems,
            "courses_supported": "course" in Patient.model_fields,
        },
        status_code,
    )


@router.get("/patients/{patient_id}")
def patient_page(
    request: Request, patient_id: str, state: State, as_of: date | None = None
) -> Response:
    if (r := _guard(request)) is not None:
        return r
    stored = _load(state, patient_id)
    if stored is None:
        return _not_found(request)
    return _patient_page(request, state, stored, as_of or date.today())


async def _add(request: Request, state: AppState, patient_id: str, form_name: str) -> Response:
    if (r := _guard(request)) is not None:
        return r
    stored = _load(state, patient_id)
    if stored is None:
        return _not_found(request)
    data = await _form(request)
    if isinstance(data, Response):
        return data
    try:
        value: BaseModel
        if form_name == "her2":
            value = forms.her2_result(data)
            state.store.add_her2_result(patient_id, value)  # type: ignore[arg-type]
        elif form_name == "lvef":
            value = parse(LVEFReading, forms.nest(data.items()))
            state.store.add_lvef(patient_id, value)
        elif form_name == "course":
            value = parse(CourseStart, forms.nest(data.items()))
            state.store.add_course(patient_id, value)
        else:
            value = parse(AdministeredDose, forms.nest(data.items()))
            state.store.add_dose(patient_id, value)
    except InputError as exc:
        return _patient_page(
            request,
            state,
            stored,
            date.today(),
            errors={form_name: forms.errors_by_field(exc)},
            values={form_name: data},
            status_code=422,
        )
    return RedirectResponse(f"/patients/{patient_id}#{form_name}-section", status_code=303)


@router.post("/patients/{patient_id}/her2")
async def add_her2(request: Request, patient_id: str, state: State) -> Response:
    return await _add(request, state, patient_id, "her2")


@router.post("/patients/{patient_id}/lvef")
async def add_lvef(request: Request, patient_id: str, state: State) -> Response:
    return await _add(request, state, patient_id, "lvef")


@router.post("/patients/{patient_id}/doses")
async def add_dose(request: Request, patient_id: str, state: State) -> Response:
    return await _add(request, state, patient_id, "dose")


@router.post("/patients/{patient_id}/course")
async def start_course(request: Request, patient_id: str, state: State) -> Response:
    return await _add(request, state, patient_id, "course")


def _course_or_none(state: AppState, stored: StoredPatient, as_of: date) -> BaseModel | None:
    try:
        return course_state(state.kb, stored.patient, as_of)
    except InputError:
        return None


@router.get("/patients/{patient_id}/report")
def report_page(
    request: Request, patient_id: str, state: State, as_of: date | None = None
) -> Response:
    from her2path.report import build_report, render_html

    if (r := _guard(request)) is not None:
        return r
    stored = _load(state, patient_id)
    if stored is None:
        return _not_found(request)
    when = as_of or date.today()
    assessment = assess_patient(state.kb, stored.patient, when)
    state.audit_assessment("report", stored.patient, when, assessment)
    report = build_report(state.kb, stored, assessment, _course_or_none(state, stored, when))
    return HTMLResponse(render_html(report, pdf_link=True))


@router.get("/patients/{patient_id}/report.pdf")
def report_pdf(
    request: Request, patient_id: str, state: State, as_of: date | None = None
) -> Response:
    from her2path.report import build_report, render_pdf

    if (r := _guard(request)) is not None:
        return r
    stored = _load(state, patient_id)
    if stored is None:
        return _not_found(request)
    when = as_of or date.today()
    assessment = assess_patient(state.kb, stored.patient, when)
    state.audit_assessment("report-pdf", stored.patient, when, assessment)
    course = _course_or_none(state, stored, when)
    pdf = render_pdf(build_report(state.kb, stored, assessment, course))
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": 'inline; filename="her2path-report.pdf"'},
    )


@router.get("/kb")
def kb_page(request: Request, state: State) -> Response:
    if (r := _guard(request)) is not None:
        return r
    return render(request, "kb.html", {"kb": kbview.build(state.kb)})


@router.get("/docs")
def docs_page(request: Request) -> Response:
    return render(request, "docs.html", {"api": kbview.api_docs(request.app.openapi())})
