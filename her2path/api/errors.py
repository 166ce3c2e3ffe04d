"""Error responses: every problem by field path (422), unknown patient (404), clash (409)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from her2path.adapters.validation import problems_from_errors
from her2path.errors import InputError, Problem
from her2path.store.repo import Conflict, NotFound


class ProblemOut(BaseModel):
    where: str
    message: str


class ProblemsOut(BaseModel):
    """The body of a 422 response: every problem found, each with its field path."""

    detail: str
    problems: list[ProblemOut]


def problems_body(problems: Sequence[Problem]) -> dict[str, Any]:
    return ProblemsOut(
        detail=f"{len(problems)} input problem(s)",
        problems=[ProblemOut(where=p.where, message=p.message) for p in problems],
    ).model_dump()


def request_problems(errors: Sequence[Any]) -> list[Problem]:
    """FastAPI's validation errors as problems; query/path fields keep their place as prefix."""
    body: list[dict[str, Any]] = []
    other: list[dict[str, Any]] = []
    for err in errors:
        loc = tuple(err.get("loc", ()))
        if loc and loc[0] == "body":
            body.append({**err, "loc": loc[1:]})
        else:
            other.append({**err, "loc": loc})
    found = problems_from_errors(body)
    found += problems_from_errors(other)
    return found


def install(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(problems_body(request_problems(exc.errors())), status_code=422)

    @app.exception_handler(InputError)
    async def _input(_request: Request, exc: InputError) -> JSONResponse:
        return JSONResponse(problems_body(exc.problems), status_code=422)

    @app.exception_handler(NotFound)
    async def _missing(_request: Request, _exc: NotFound) -> JSONResponse:
        return JSONResponse({"detail": "no stored patient has this id"}, status_code=404)

    @app.exception_handler(Conflict)
    async def _conflict(_request: Request, _exc: Conflict) -> JSONResponse:
        return JSONResponse({"detail": "a patient with this id is already stored"}, status_code=409)


__all__ = ["ProblemsOut", "install", "problems_body", "request_problems"]
