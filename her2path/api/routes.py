"""The JSON API under ``/api``: the same typed models as the engine and the CLI."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from her2path.adapters.patient_json import check_against_kb
from her2path.api.engine import assess_patient, course_state, course_state_model
from her2path.api.errors import ProblemsOut
from her2path.api.security import require_api_token
from her2path.api.state import AppState, app_state
from her2path.domain.assessment import Assessment
from her2path.domain.her2 import Her2Case, Her2Result
from her2path.domain.patient import LVEFReading, Patient
from her2path.engine.her2 import Her2Answer, interpret
from her2path.errors import InputError
from her2path.store.records import AdministeredDose, CourseStart
from her2path.store.repo import AuditRecord, PatientSummary, StoredPatient

PATIENT_ID = r"^[A-Za-z0-9._-]{1,64}$"
PatientId = Annotated[str, Path(pattern=PATIENT_ID, description="Patient id")]
AsOf = Annotated[
    date | None,
    Query(description="Date the answer is for (default: today on the server)"),
]
State = Annotated[AppState, Depends(app_state)]

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing or wrong API token"},
    422: {"model": ProblemsOut, "description": "Invalid input: every problem by field path"},
}
WITH_PATIENT: dict[int | str, dict[str, Any]] = {
    **ERRORS,
    404: {"description": "No stored patient has this id"},
}

router = APIRouter(prefix="/api", dependencies=[Depends(require_api_token)], responses=ERRORS)


class Health(BaseModel):
    status: str
    kb_version: str
    database: str
    assessment_engine: str


class PatientCreate(BaseModel):
    """A new stored patient: the patient document and an optional display label."""

    model_config = ConfigDict(extra="forbid")

    label: str | None = Field(
        default=None,
        max_length=200,
        pattern=r"^[^\x00-\x1f\x7f]*$",
        description="Display name or label shown in the patient list (never logged)",
    )
    patient: Patient


def _today() -> date:
    return date.today()


@router.get("/health", summary="Server, knowledge-base and database status")
def health(state: State) -> Health:
    from her2path.api.engine import _full_assess

    return Health(
        status="ok",
        kb_version=state.kb.version,
        database=state.db.dialect,
        assessment_engine="full" if _full_assess() is not None else "her2-only",
    )


@router.post("/her2/interpret", summary="Interpret HER2 results (IHC, ISH) for one site")
def her2_interpret(case: Her2Case, state: State) -> Her2Answer:
    answer = interpret(state.kb, case)
    state.audit_other("api", "her2", case.model_dump(mode="json"), answer, answer.kb_version)
    return answer


@router.post("/assess", summary="Assess a patient document (not stored)")
def assess(patient: Patient, state: State, as_of: AsOf = None) -> Assessment:
    problems = check_against_kb(state.kb, patient)
    if problems:
        raise InputError(problems)
    when = as_of or _today()
    result = assess_patient(state.kb, patient, when)
    state.audit_assessment("api", patient, when, result)
    return result


@router.get("/patients", summary="List stored patients; search by id or label")
def list_patients(
    state: State,
    q: Annotated[str, Query(max_length=100)] = "",
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[PatientSummary]:
    return state.store.search(q, limit)


@router.post("/patients", status_code=201, summary="Store a new patient", responses={409: {}})
def create_patient(body: PatientCreate, state: State, response: Response) -> StoredPatient:
    stored = state.store.create(body.patient, body.label)
    response.headers["Location"] = f"/api/patients/{stored.id}"
    return stored


@router.get("/patients/{patient_id}", responses=WITH_PATIENT, summary="A stored patient")
def get_patient(patient_id: PatientId, state: State) -> StoredPatient:
    return state.store.get(patient_id)


@router.post(
    "/patients/{patient_id}/her2-results",
    status_code=201,
    responses=WITH_PATIENT,
    summary="Add a HER2 result (IHC, dual-probe or single-probe ISH)",
)
def add_her2(patient_id: PatientId, result: Her2Result, state: State) -> StoredPatient:
    return state.store.add_her2_result(patient_id, result)


@router.post(
    "/patients/{patient_id}/lvef",
    status_code=201,
    responses=WITH_PATIENT,
    summary="Add an LVEF reading",
)
def add_lvef(patient_id: PatientId, reading: LVEFReading, state: State) -> StoredPatient:
    return state.store.add_lvef(patient_id, reading)


@router.post(
    "/patients/{patient_id}/doses",
    status_code=201,
    responses=WITH_PATIENT,
    summary="Record an administered dose",
)
def add_dose(patient_id: PatientId, dose: AdministeredDose, state: State) -> StoredPatient:
    return state.store.add_dose(patient_id, dose)


@router.post(
    "/patients/{patient_id}/course",
    status_code=201,
    responses=WITH_PATIENT,
    summary="Start a treatment course (doses recorded from then on belong to it)",
)
def start_course(patient_id: PatientId, course: CourseStart, state: State) -> StoredPatient:
    return state.store.add_course(patient_id, course)


def _course_state_route(model: type[BaseModel]) -> None:
    @router.get(
        "/patients/{patient_id}/course",
        response_model=model,
        responses={**WITH_PATIENT, 404: {"description": "Unknown patient, or no current course"}},
        summary="The current course: next doses, holds, next LVEF check, as of a date",
    )
    def get_course_state(patient_id: PatientId, state: State, as_of: AsOf = None) -> Any:
        stored = state.store.get(patient_id)
        answer = course_state(state.kb, stored.patient, as_of or _today())
        if answer is None:
            raise HTTPException(status_code=404, detail="the patient has no current course")
        return answer


_model = course_state_model()
if _model is not None:
    _course_state_route(_model)


@router.get(
    "/patients/{patient_id}/assessment",
    responses=WITH_PATIENT,
    summary="Assess a stored patient as of a date",
)
def patient_assessment(patient_id: PatientId, state: State, as_of: AsOf = None) -> Assessment:
    stored = state.store.get(patient_id)
    when = as_of or _today()
    result = assess_patient(state.kb, stored.patient, when)
    state.audit_assessment("api", stored.patient, when, result)
    return result


@router.get("/audit", summary="The newest audit records (append-only)")
def audit(state: State, limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[AuditRecord]:
    return state.store.audit_log(limit)
