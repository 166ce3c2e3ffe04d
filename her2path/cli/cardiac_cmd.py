"""``her2path cardiac``: LVEF monitoring plan and reading-by-reading actions.

Give a patient document with a current course (``her2path cardiac patient.json``), or
flags: ``--product`` (repeatable) or ``--regimen``, ``--context``, ``--start`` and
``--reading DATE:LVEF[:LLN]`` (repeatable; the last reading on or before the start is
the baseline).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from her2path.adapters.course_text import print_cardiac, print_course_state
from her2path.adapters.validation import parse, read_json
from her2path.cli.common import OutputFormat, knowledge, out, print_json, reports_errors
from her2path.cli.course_cmd import load_worked
from her2path.domain.patient import LVEFReading
from her2path.engine.cardiac import cardiac_review
from her2path.engine.course import course_state
from her2path.engine.schedule import regimen as regimen_of
from her2path.errors import InputError, Problem
from her2path.kb.cardiac import TherapyContext


def parse_reading(text: str, i: int) -> LVEFReading:
    parts = text.split(":")
    if len(parts) not in (2, 3):
        raise InputError([Problem(f"--reading[{i}]", "expected DATE:LVEF or DATE:LVEF:LLN")])
    data = {"date": parts[0], "percent": parts[1]}
    if len(parts) == 3:
        data["lln"] = parts[2]
    aliases = {k: f"--reading[{i}] {k}" for k in ("date", "percent", "lln")}
    return parse(LVEFReading, data, aliases)


def _date(value: str | None, flag: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError([Problem(flag, f"'{value}' is not a date (YYYY-MM-DD)")]) from None


def register(app: typer.Typer) -> None:
    @app.command("cardiac")
    @reports_errors
    def cardiac(
        input: Annotated[
            Path | None, typer.Argument(help="Patient JSON document with a current course")
        ] = None,
        product: Annotated[list[str] | None, typer.Option(help="Product id (repeatable)")] = None,
        regimen: Annotated[
            str | None, typer.Option(help="Regimen id (instead of products)")
        ] = None,
        context: Annotated[str, typer.Option(help="early or metastatic")] = "metastatic",
        start: Annotated[str | None, typer.Option(help="Course start (YYYY-MM-DD)")] = None,
        reading: Annotated[
            list[str] | None, typer.Option(help="DATE:LVEF[:LLN] (repeatable)")
        ] = None,
        completion: Annotated[str | None, typer.Option(help="Course completion date")] = None,
        as_of: Annotated[str | None, typer.Option(help="Date of the review; default today")] = None,
        format: Annotated[OutputFormat, typer.Option(help="text or json")] = OutputFormat.text,
    ) -> None:
        """LVEF plan with due/overdue checks and an action for every reading."""
        kb = knowledge()
        when = _date(as_of, "--as-of") or date.today()
        if input is not None:
            doc = load_worked(read_json(input), as_of)
            state = course_state(kb, doc.patient, doc.as_of)
            if state is None:
                raise InputError([Problem("course", "the patient document has no course")])
            if format is OutputFormat.json:
                print_json(state.cardiac)
            else:
                print_course_state(state, out)
                print_cardiac(state.cardiac, out)
            return
        products = list(product or [])
        if regimen is not None:
            reg = regimen_of(kb, regimen)
            products += sorted({c.drug for p in reg.phases for c in p.components})
        if not products:
            raise InputError([Problem("--product/--regimen", "give products or a regimen")])
        first = _date(start, "--start")
        if first is None:
            raise InputError([Problem("--start", "required with flags")])
        try:
            ctx = TherapyContext(context)
        except ValueError:
            raise InputError([Problem("--context", "allowed: early, metastatic")]) from None
        readings = [parse_reading(r, i) for i, r in enumerate(reading or [])]
        answer = cardiac_review(
            kb,
            products,
            ctx,
            readings,
            first,
            when,
            completion=_date(completion, "--completion"),
            adjuvant=ctx is TherapyContext.early,
        )
        if format is OutputFormat.json:
            print_json(answer)
        else:
            print_cardiac(answer, out)
