"""``her2path course``: the state of a patient's current course (next doses, LVEF, holds).

Accepts a patient document with a ``course`` or a worked-course file
(``{"title", "as_of", "patient", "earlier_courses"}``, see ``examples/courses``).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.rule import Rule

from her2path.adapters.course_text import print_cardiac, print_course_state
from her2path.adapters.validation import parse, read_json
from her2path.cli.common import OutputFormat, knowledge, out, print_json, reports_errors
from her2path.domain.patient import Patient
from her2path.engine.course import WorkedCourse, review_worked_course
from her2path.errors import InputError, Problem


def load_worked(raw: Any, as_of: str | None) -> WorkedCourse:
    """A worked-course file as is, or a bare patient document wrapped with ``as_of``."""
    if isinstance(raw, dict) and "patient" in raw:
        doc = parse(WorkedCourse, raw)
        if as_of:
            doc = doc.model_copy(update={"as_of": date.fromisoformat(as_of)})
        return doc
    patient = parse(Patient, raw)
    if patient.course is None:
        raise InputError([Problem("course", "the patient document has no course")])
    when = date.fromisoformat(as_of) if as_of else date.today()
    return WorkedCourse(title=f"Course of {patient.id}", as_of=when, patient=patient)


def register(app: typer.Typer) -> None:
    @app.command("course")
    @reports_errors
    def course(
        input: Annotated[
            Path, typer.Argument(help="Patient JSON with a course, or a worked course")
        ],
        as_of: Annotated[str | None, typer.Option(help="Review date (YYYY-MM-DD)")] = None,
        format: Annotated[OutputFormat, typer.Option(help="text or json")] = OutputFormat.text,
    ) -> None:
        """Next doses and amounts, next LVEF check, holds and stops of the current course."""
        result = review_worked_course(knowledge(), load_worked(read_json(input), as_of))
        if format is OutputFormat.json:
            print_json(result)
            return
        out.print(Rule(result.title))
        for state in [*result.earlier, *([result.current] if result.current else [])]:
            print_course_state(state, out)
            print_cardiac(state.cardiac, out)
