"""Render an :class:`Assessment` for a terminal: summary first, reasons and sources below."""

from __future__ import annotations

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from her2path.adapters.course_text import course_panel
from her2path.adapters.terminal import CATEGORY_TEXT, SEVERITY_STYLE, cite, rule_table
from her2path.domain.assessment import Assessment, Exclusion, Option


def _head(a: Assessment) -> Panel:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="dim")
    grid.add_column()
    grid.add_row("Patient", a.patient_id)
    grid.add_row("As of", a.as_of.isoformat())
    grid.add_row("Site / setting", f"{a.site} / {a.setting}")
    grid.add_row(
        "HER2",
        f"{a.her2.status.value} - {CATEGORY_TEXT[a.her2.expression_category.value]}"
        + (f" (IHC {a.her2.ihc_score.value})" if a.her2.ihc_score else ""),
    )
    if a.line is not None:
        grid.add_row("Line", f"next regimen would be line {a.line.line}: {a.line.text}")
    return Panel(grid, title="Assessment", title_align="left")


def _option(o: Option) -> Text:
    t = Text()
    style = "bold red" if o.blocked else "bold green"
    t.append("BLOCKED " if o.blocked else "OPTION  ", style=style)
    t.append(f"{o.title}\n", style="bold")
    t.append(f"  regimen {o.regimen} | indication {o.id} | basis {o.basis}/{o.verification}")
    t.append(f" | {o.line or o.setting}\n", style="dim")
    for c in o.why:
        t.append("  + ", style="green")
        t.append(f"{c.condition}: ")
        t.append(c.fact, style="italic")
        t.append(f"  [{cite(c.sources)}]\n", style="dim")
    for comp in o.components:
        if comp.products:
            names = ", ".join(f"{p.product} ({p.route})" for p in comp.products)
            t.append(f"  {comp.ingredient}: ", style="cyan")
            t.append(names + "\n")
        else:
            t.append(f"  {comp.role}: ", style="cyan")
            t.append(" or ".join(comp.one_of) + "\n")
    for n in [*o.notes, *o.flags]:
        t.append(f"  {n.severity.value.upper():5} ", style=SEVERITY_STYLE[n.severity])
        t.append(n.text)
        t.append(f"  [{cite(n.sources)}]\n", style="dim")
    return t


def _exclusions(title: str, items: list[Exclusion]) -> Table:
    table = Table(title=title, title_justify="left", expand=True)
    table.add_column("Regimen / product", overflow="fold")
    table.add_column("Why not", overflow="fold")
    table.add_column("Source", style="dim", overflow="fold")
    for e in items:
        for i, r in enumerate(e.reasons):
            table.add_row(e.title if i == 0 else "", f"{r.text} ({r.outcome})", cite(r.sources))
    return table


def assessment_renderable(a: Assessment) -> Group:
    parts: list[object] = [_head(a)]
    if a.options:
        body = Text()
        for o in a.options:
            body.append_text(_option(o))
        parts.append(Panel(body, title=f"Options ({len(a.options)})", title_align="left"))
    else:
        parts.append(Panel(Text("No label-supported HER2-directed option now."), title="Options"))
    if a.safety:
        s = Text()
        for f in a.safety:
            s.append(f"  {f.severity.value.upper():5} ", style=SEVERITY_STYLE[f.severity])
            s.append(f"{f.text} ")
            s.append(f"[{', '.join(f.drugs) or 'all'}]", style="cyan")
            s.append(f"  [{cite(f.sources)}]\n", style="dim")
        parts.append(Panel(s, title="Safety findings", title_align="left"))
    if a.advice:
        adv = Text()
        for n in a.advice:
            adv.append(f"  {n.severity.value.upper():5} ", style=SEVERITY_STYLE[n.severity])
            adv.append(n.text)
            adv.append(f"  [{cite(n.sources)}]\n", style="dim")
        parts.append(Panel(adv, title="Advice", title_align="left"))
    if a.events:
        ev = Text()
        for e in a.events:
            what = e.action.value if e.action else e.outcome.value
            ev.append(
                f"  {e.event.product} {e.event.type.value} grade {e.event.grade}: ", style="bold"
            )
            ev.append(f"{what} - {e.text}")
            ev.append(f"  [{cite(e.sources)}]\n", style="dim")
            for opt in e.resume_options:
                ev.append(f"    {opt.condition}: {opt.text}\n")
            if e.see:
                ev.append(f"    see {e.see}\n")
        parts.append(Panel(ev, title="Open adverse events", title_align="left"))
    if a.unknowns:
        u = Text()
        for x in a.unknowns:
            u.append(f"  ? {x.field}: ", style="bold yellow")
            u.append(x.text + "\n")
        parts.append(Panel(u, title="Unknown facts", title_align="left", border_style="yellow"))
    if a.course is not None:
        parts.append(course_panel(a.course))
    if a.undecided:
        parts.append(_exclusions("Undecided (a fact is missing)", a.undecided))
    if a.exclusions:
        parts.append(_exclusions("Not offered", a.exclusions))
    parts.append(rule_table(a.her2.rule_path, title="HER2 rule path"))
    parts.append(
        Text(
            f"Knowledge base {a.kb_version}. Decision support: every option needs clinical "
            "review against the current label.",
            style="dim",
        )
    )
    return Group(*parts)  # type: ignore[arg-type]


def print_assessment(a: Assessment, console: Console) -> None:
    console.print(assessment_renderable(a))
