"""``her2path event`` and ``her2path checklist``: adverse events and pre-treatment checks."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from her2path.adapters.validation import parse, read_json
from her2path.cli.common import OutputFormat, knowledge, out, print_json, reports_errors
from her2path.domain.events import AdverseEvent
from her2path.domain.patient import Patient
from her2path.engine.checklist import ChecklistAnswer, ItemStatus, pretreatment_checklist
from her2path.engine.events import EventAnswer, manage_event
from her2path.errors import InputError, Problem

_FLAG_ALIASES = {
    "product": "--product",
    "type": "--type",
    "grade": "--grade",
    "onset": "--onset",
    "resolved": "--resolved",
    "dose_level": "--dose-level",
    "ladder": "--ladder",
    "setting": "--setting",
    "treatment_start": "--treatment-start",
    "modifiers": "--modifier",
}
_YES = {"yes", "true", "1", "y"}
_NO = {"no", "false", "0", "n"}


def _modifiers(values: list[str]) -> dict[str, bool]:
    found: dict[str, bool] = {}
    problems: list[Problem] = []
    for v in values:
        name, sep, flag = v.partition("=")
        if not sep or flag.lower() not in _YES | _NO:
            problems.append(Problem("--modifier", f"'{v}': write NAME=yes or NAME=no"))
            continue
        found[name.strip()] = flag.lower() in _YES
    if problems:
        raise InputError(problems)
    return found


def _as_of(text: str | None) -> date:
    if text is None:
        return date.today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError([Problem("--as-of", "expected a date YYYY-MM-DD")]) from None


def event_from_flags(flags: dict[str, Any]) -> AdverseEvent:
    raw = {k: v for k, v in flags.items() if v is not None}
    missing = [f for f in ("product", "type", "grade", "onset") if f not in raw]
    if missing:
        raise InputError(
            [
                Problem(_FLAG_ALIASES[f], "required (or give a JSON file with the event)")
                for f in missing
            ]
        )
    return parse(AdverseEvent, raw, _FLAG_ALIASES)


def print_event(answer: EventAnswer, console: Console) -> None:
    ev = answer.event
    head = f"{ev.product}: {ev.type.value} grade {ev.grade}, onset {ev.onset.isoformat()}"
    head += f", resolved {ev.resolved.isoformat()}" if ev.resolved else ", ongoing"
    console.print(f"[bold]{head}[/]", highlight=False)
    action = answer.action.value if answer.action else answer.outcome.value
    console.print(f"  action: [bold]{action}[/] — {answer.text}", highlight=False)
    if answer.resume_when:
        console.print(f"  restart when: {answer.resume_when}", highlight=False)
    if answer.resume:
        dose = f" ({answer.resume.dose})" if answer.resume.dose else ""
        console.print(f"  restart: {answer.resume.text}{dose}", highlight=False)
    if answer.final and answer.final is not answer.action:
        console.print(f"  net result: [bold]{answer.final.value}[/]", highlight=False)
    for opt in answer.resume_options:
        dose = f" ({opt.dose})" if opt.dose else ""
        console.print(f"  {opt.condition}: {opt.text}{dose}", highlight=False)
    if answer.see:
        console.print(f"  see: {answer.see}", highlight=False)
    for s in answer.supportive:
        console.print(f"  supportive: {s}", highlight=False)
    if answer.prophylaxis:
        p = answer.prophylaxis
        console.print(f"  prophylaxis (day {p.treatment_day}): {p.text}", highlight=False)
    if answer.next_check:
        console.print(f"  next check: {answer.next_check}", highlight=False)
    for m in answer.missing:
        console.print(f"  [yellow]missing[/] {m.field}: {m.text}", highlight=False)
    for n in answer.notes:
        console.print(f"  note: {n.text}", highlight=False)
    refs = "; ".join(f"{s.source} {s.where}" for s in answer.sources)
    console.print(f"  sources: {refs}", highlight=False)
    console.print(f"  knowledge base {answer.kb_version}", highlight=False)


def print_checklist(answer: ChecklistAnswer, console: Console) -> None:
    console.print(f"[bold]Pre-treatment checklist: {answer.product}[/] (as of {answer.as_of})")
    colour = {ItemStatus.met: "green", ItemStatus.not_met: "red", ItemStatus.unknown: "yellow"}
    for item in answer.items:
        mark = f"[{colour[item.status]}]{item.status.value}[/]"
        console.print(f"  {mark} {item.text}: {item.fact}", highlight=False)
        refs = "; ".join(f"{s.source} {s.where}" for s in item.sources)
        console.print(f"      source: {refs}", highlight=False)


def register(app: typer.Typer) -> None:
    @app.command("event")
    @reports_errors
    def event(
        input: Annotated[
            Path | None,
            typer.Argument(help="JSON file: one adverse event, a list of them, or {as_of, event}"),
        ] = None,
        product: Annotated[str | None, typer.Option(help="Product id, e.g. enhertu")] = None,
        type_: Annotated[
            str | None,
            typer.Option("--type", help="Event type, e.g. ild_pneumonitis, diarrhoea"),
        ] = None,
        grade: Annotated[int | None, typer.Option(help="CTCAE grade 1-5")] = None,
        onset: Annotated[str | None, typer.Option(help="Onset date YYYY-MM-DD")] = None,
        resolved: Annotated[
            str | None, typer.Option(help="Resolution date YYYY-MM-DD; leave out if ongoing")
        ] = None,
        dose_level: Annotated[
            int | None, typer.Option(help="Dose level before the event: 0 = starting dose")
        ] = None,
        ladder: Annotated[
            str | None, typer.Option(help="Ladder variant, e.g. breast, with_capecitabine")
        ] = None,
        setting: Annotated[str | None, typer.Option(help="early or metastatic")] = None,
        treatment_start: Annotated[
            str | None, typer.Option(help="Date of the first dose (day 1) YYYY-MM-DD")
        ] = None,
        modifier: Annotated[
            list[str] | None,
            typer.Option(help="NAME=yes|no, e.g. on_antidiarrhoeal_treatment=yes (repeatable)"),
        ] = None,
        as_of: Annotated[
            str | None, typer.Option(help="Date of the question; default today")
        ] = None,
        format: Annotated[OutputFormat, typer.Option(help="text or json")] = OutputFormat.text,
    ) -> None:
        """What the label says to do about an adverse event, and the dose to restart at."""
        kb = knowledge()
        many = False
        if input is not None:
            raw = read_json(input)
            if isinstance(raw, dict) and "event" in raw:
                # A worked example: {"as_of": ..., "event": {...}}
                as_of = as_of or raw.get("as_of")
                raw = raw["event"]
            many = isinstance(raw, list)
            docs = raw if many else [raw]
            events = [parse(AdverseEvent, d) for d in docs]
        else:
            flags = {
                "product": product,
                "type": type_,
                "grade": grade,
                "onset": onset,
                "resolved": resolved,
                "dose_level": dose_level,
                "ladder": ladder,
                "setting": setting,
                "treatment_start": treatment_start,
                "modifiers": _modifiers(modifier) if modifier else None,
            }
            events = [event_from_flags(flags)]
        when = _as_of(as_of)
        answers = [manage_event(kb, e, when) for e in events]
        if format is OutputFormat.json:
            print_json(answers if many else answers[0])
        else:
            for a in answers:
                print_event(a, out)

    @app.command("checklist")
    @reports_errors
    def checklist(
        patient_file: Annotated[Path, typer.Argument(help="Patient document (JSON)")],
        product: Annotated[str, typer.Option(help="Product id, e.g. kadcyla")],
        as_of: Annotated[
            str | None, typer.Option(help="Date of the question; default today")
        ] = None,
        format: Annotated[OutputFormat, typer.Option(help="text or json")] = OutputFormat.text,
    ) -> None:
        """The product's pre-treatment checklist for a patient: met, not met or unknown."""
        patient = parse(Patient, read_json(patient_file))
        answer = pretreatment_checklist(knowledge(), product, patient, _as_of(as_of))
        if format is OutputFormat.json:
            print_json(answer)
        else:
            print_checklist(answer, out)
