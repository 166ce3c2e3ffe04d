"""``her2path assess``: options, exclusions and safety findings for one patient."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from her2path.adapters.assessment_view import print_assessment
from her2path.adapters.patient_json import read_patient
from her2path.cli.common import OutputFormat, knowledge, out, print_json, reports_errors
from her2path.engine.assess import assess
from her2path.errors import InputError, Problem


def parse_as_of(value: str | None) -> date:
    """The assessment date: the flag's value, or today when none is given."""
    if value is None:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError([Problem("--as-of", f"'{value}' is not a date (YYYY-MM-DD)")]) from None


def register(app: typer.Typer) -> None:
    @app.command("assess")
    @reports_errors
    def assess_cmd(
        patient: Annotated[
            Path, typer.Argument(help="Patient JSON (see 'her2path schema patient')")
        ],
        as_of: Annotated[
            str | None, typer.Option("--as-of", help="Assessment date YYYY-MM-DD; default today")
        ] = None,
        format: Annotated[OutputFormat, typer.Option(help="text or json")] = OutputFormat.text,
    ) -> None:
        """Every label-supported HER2-directed option for a patient, with reasons and safety."""
        when = parse_as_of(as_of)
        kb = knowledge()
        result = assess(kb, read_patient(kb, patient, when), when)
        if format is OutputFormat.json:
            print_json(result)
        else:
            print_assessment(result, out)
