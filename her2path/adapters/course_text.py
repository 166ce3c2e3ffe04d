"""Terminal rendering of dose, schedule, late-dose, cardiac and course-state answers."""

from __future__ import annotations

from rich.console import Console
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from her2path.adapters.terminal import SEVERITY_STYLE, cite
from her2path.domain.course import MissingFact
from her2path.domain.explain import Note
from her2path.engine.cardiac import CardiacAnswer
from her2path.engine.course import CourseState
from her2path.engine.dosing import DoseAnswer
from her2path.engine.late_dose import LateDoseAnswer
from her2path.engine.schedule import Schedule


def _notes(notes: list[Note], missing: list[MissingFact], console: Console) -> None:
    for n in notes:
        style = SEVERITY_STYLE[n.severity]
        console.print(
            f"[{style}]{n.severity.value}[/] {n.text} [dim]({cite(n.sources)})[/]",
            highlight=False,
        )
    for m in missing:
        console.print(f"[yellow]missing[/] {m.field}: {m.text}", highlight=False)


def print_dose(a: DoseAnswer, console: Console) -> None:
    if a.stop:
        headline = f"{a.name}: no lower dose level; stop"
    elif a.dose_mg is None:
        headline = f"{a.name}: {a.per_unit:g} {a.unit} ({a.kind.value}); mg unknown"
    else:
        headline = (
            f"{a.name}: {a.dose_mg:g} mg ({a.kind.value}; {a.per_unit:g} {a.unit}; "
            f"unrounded {a.unrounded_mg:g} mg, {a.rounding})"
        )
    console.print(f"[bold]{headline}[/]", highlight=False)
    console.print(f"{a.spec_title}; {a.frequency}", highlight=False)
    if a.timing is not None:
        console.print(f"Infusion/injection: {a.timing.text}", highlight=False)
    for c in a.computations:
        console.print(f"{c.name} = {c.value:g} {c.unit}  [dim]{c.formula}[/]", highlight=False)
    for s in a.steps:
        console.print(f"- {s.outcome}: {s.text} [dim]({cite(s.sources)})[/]", highlight=False)
    _notes(a.notes, a.missing, console)
    console.print(f"[dim]knowledge base {a.kb_version}[/]")


def print_late(a: LateDoseAnswer, console: Console) -> None:
    console.print(f"[bold]{a.drug}: {a.action.value}[/]", highlight=False)
    if a.why is not None:
        console.print(f"{a.why.outcome} [dim]({cite(a.why.sources)})[/]", highlight=False)
    if a.next_due is not None:
        console.print(f"Next dose due {a.next_due.isoformat()}")
    if a.dose is not None:
        print_dose(a.dose, console)
    _notes(a.notes, a.missing, console)


def print_schedule(s: Schedule, console: Console) -> None:
    console.print(f"[bold]{s.title}[/] from {s.start.isoformat()} ({s.total})", highlight=False)
    table = Table(expand=True)
    for col in ("Date", "Until", "Week", "Phase", "Drug", "Dose", "Kind"):
        table.add_column(col)
    for a in s.administrations:
        table.add_row(
            a.date.isoformat(),
            a.end.isoformat() if a.end else "",
            str(a.week),
            a.phase,
            a.name,
            a.dose_text,
            a.kind.value,
        )
    console.print(table)
    _notes(s.notes, [], console)
    console.print(f"[dim]Sources: {cite(s.sources)}; knowledge base {s.kb_version}[/]")


def print_cardiac(a: CardiacAnswer, console: Console) -> None:
    base = f"{a.baseline.percent:g}% on {a.baseline.date}" if a.baseline else "unknown"
    console.print(f"[bold]LVEF review[/] ({a.context.value}); baseline {base}", highlight=False)
    table = Table(expand=True)
    for col in ("Date", "LVEF", "Drop", "Leading", "Each table", "Source"):
        table.add_column(col, overflow="fold")
    for r in a.readings:
        table.add_row(
            r.date.isoformat(),
            f"{r.lvef:g}",
            f"{r.drop:g}",
            f"{r.leading.action.value} ({r.leading.table})",
            "; ".join(f"{v.table}: {v.action.value} - {v.text}" for v in r.verdicts),
            cite(r.leading.sources),
        )
    console.print(table)
    for c in a.plan:
        done = f" (done {c.done_on})" if c.done_on else ""
        console.print(f"{c.kind.value} check due {c.due}: {c.status.value}{done}", highlight=False)
    console.print(f"Next LVEF due: {a.next_due or 'none planned'}")
    _notes(a.notes, a.missing, console)
    console.print(f"[dim]knowledge base {a.kb_version}[/]")


def print_course_state(c: CourseState, console: Console) -> None:
    console.print(f"[bold]Course: {c.title}[/] (as of {c.as_of})", highlight=False)
    for n in c.next_doses:
        amount = (
            f"{n.dose.dose_mg:g} mg" if n.dose is not None and n.dose.dose_mg is not None else "?"
        )
        flags = (" LATE" if n.late else "") + (" ON HOLD" if n.held else "")
        if n.not_before is not None:
            flags += f" (not before the LVEF recheck on {n.not_before})"
        kind = n.kind.value if n.kind else "no make-up dose"
        console.print(
            f"- {n.name}: dose {n.number} due {n.due} ({kind}) {amount}{flags}", highlight=False
        )
    console.print(
        f"Next LVEF due: {c.next_lvef_due or 'none planned'}"
        + (" [bold red](a check is overdue)[/]" if c.lvef_overdue else "")
    )
    for h in c.holds:
        console.print(
            f"[yellow]hold[/] {', '.join(h.drugs)} since {h.since} (recheck by {h.recheck_by}): "
            f"{h.text}",
            highlight=False,
        )
    _notes(c.notes, c.missing, console)


def course_panel(c: CourseState) -> Panel:
    """The course section of an assessment: next doses, next LVEF, holds and stops."""
    t = Text()
    for n in c.next_doses:
        amount = (
            f"{n.dose.dose_mg:g} mg" if n.dose is not None and n.dose.dose_mg is not None else "?"
        )
        kind = n.kind.value if n.kind else "no make-up dose"
        t.append(f"  {n.name}: dose {n.number} due {n.due} ({kind}) {amount}")
        if n.late:
            t.append("  LATE", style="bold yellow")
        if n.held:
            t.append("  ON HOLD", style="bold red")
            if n.not_before is not None:
                t.append(f" until the LVEF recheck on {n.not_before}")
        if n.why is not None:
            t.append(f"  [{n.why.outcome}]", style="dim")
        t.append("\n")
    t.append(f"  Next LVEF due: {c.next_lvef_due or 'none planned'}")
    if c.lvef_overdue:
        t.append("  (a check is overdue)", style="bold red")
    t.append("\n")
    for h in c.holds:
        t.append(f"  HOLD {', '.join(h.drugs)} since {h.since}: {h.text}\n", style="yellow")
    if c.stopped:
        t.append(f"  STOPPED for LVEF: {', '.join(c.stopped)}\n", style="bold red")
    if c.cardiac.readings:
        last = c.cardiac.readings[-1]
        t.append(
            f"  Last LVEF {last.lvef:g}% on {last.date} (drop {last.drop:g}): "
            f"{last.leading.action.value} [{cite(last.leading.sources)}]\n",
            style="dim",
        )
    return Panel(t, title=f"Current course: {c.title}", title_align="left")
