"""``her2path contraception``: dated contraception and breastfeeding answers after the last dose."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from her2path.adapters.patient_json import read_patient
from her2path.cli.common import OutputFormat, knowledge, out, print_json, reports_errors
from her2path.engine.reproductive import Person, WindowAnswer
from her2path.engine.windows import (
    WindowsAnswer,
    dated_windows,
    last_doses_from_patient,
    person_from_patient,
)
from her2path.errors import InputError, Problem


def _date(flag: str, text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError([Problem(flag, f"'{text}' is not a date (YYYY-MM-DD)")]) from None


def _line(a: WindowAnswer) -> str:
    if not a.applies:
        return f"{a.product}: {a.text}"
    until = a.until.isoformat() if a.until else "unknown (no verified window)"
    return f"{a.product}: until {until} ({a.window or 'window not verified'} after {a.last_dose})"


def print_windows(answer: WindowsAnswer, console: Console) -> None:
    console.print(f"[bold]Contraception ({answer.person.value})[/]")
    for a in answer.contraception:
        refs = "; ".join(f"{s.source} {s.where} [{s.verification}]" for s in a.sources)
        console.print(f"  {_line(a)}", highlight=False)
        console.print(f"      {a.text}. Source: {refs}", highlight=False)
    if answer.contraception_until is not None and len(answer.contraception) > 1:
        console.print(f"  [bold]overall[/]: {_line(answer.contraception_until)}", highlight=False)
    if answer.lactation:
        console.print("[bold]Breastfeeding[/]")
        for a in answer.lactation:
            refs = "; ".join(f"{s.source} {s.where} [{s.verification}]" for s in a.sources)
            console.print(f"  {_line(a)}", highlight=False)
            console.print(f"      {a.text}. Source: {refs}", highlight=False)
        if answer.lactation_until is not None and len(answer.lactation) > 1:
            console.print(f"  [bold]overall[/]: {_line(answer.lactation_until)}", highlight=False)
    for n in answer.notes:
        console.print(f"  note: {n}", highlight=False)
    console.print(f"  knowledge base {answer.kb_version}", highlight=False)


def register(app: typer.Typer) -> None:
    @app.command("contraception")
    @reports_errors
    def contraception(
        patient: Annotated[
            Path | None,
            typer.Argument(help="Patient JSON: last doses from therapy end dates, person from sex"),
        ] = None,
        product: Annotated[
            list[str] | None, typer.Option(help="Product id (repeat for a regimen)")
        ] = None,
        last_dose: Annotated[
            str | None, typer.Option(help="Date of the last dose YYYY-MM-DD (without a patient)")
        ] = None,
        person: Annotated[
            str | None,
            typer.Option(help="female (can become pregnant) or male (partner can)"),
        ] = None,
        format: Annotated[OutputFormat, typer.Option(help="text or json")] = OutputFormat.text,
    ) -> None:
        """Until when contraception (and not breastfeeding) applies after the last dose."""
        kb = knowledge()
        products = product or []
        if not products:
            raise InputError([Problem("--product", "required (repeat for several products)")])
        notes: list[str] = []
        who: Person | None = None
        if person is not None:
            try:
                who = Person(person)
            except ValueError:
                raise InputError([Problem("--person", "allowed: female, male")]) from None
        if patient is not None:
            doc = read_patient(kb, patient)
            doses, problems = last_doses_from_patient(doc, products)
            if problems:
                raise InputError(problems)
            if who is None:
                who, notes = person_from_patient(doc)
        else:
            if last_dose is None:
                raise InputError([Problem("--last-dose", "required without a patient file")])
            when = _date("--last-dose", last_dose)
            doses = dict.fromkeys(products, when)
        if who is None:
            raise InputError([Problem("--person", "required; allowed: female, male")])
        answer = dated_windows(kb, doses, who)
        if notes:
            answer = answer.model_copy(update={"notes": [*notes, *answer.notes]})
        if format is OutputFormat.json:
            print_json(answer)
        else:
            print_windows(answer, out)
