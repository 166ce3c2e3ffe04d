"""Render answers for a terminal with Rich: a clear summary first, the reasons below."""

from __future__ import annotations

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from her2path.domain.explain import NextStep, Note, RuleStep, Severity
from her2path.engine.her2 import Her2Answer
from her2path.kb.provenance import SourceRef

CATEGORY_TEXT = {
    "her2_positive": "HER2-positive",
    "her2_low": "HER2-low",
    "her2_ultralow": "HER2-ultralow",
    "her2_0": "HER2-0",
    "her2_negative": "HER2-negative",
    "not_determinable": "not determinable yet",
}
STATUS_STYLE = {
    "positive": "bold green",
    "negative": "bold",
    "equivocal": "bold yellow",
    "no_result": "bold red",
}
SEVERITY_STYLE = {Severity.block: "bold red", Severity.warn: "yellow", Severity.info: "cyan"}


def cite(sources: list[SourceRef]) -> str:
    return "; ".join(f"{s.source} {s.where}" for s in sources)


def rule_table(path: list[RuleStep], title: str = "Rule path") -> Table:
    table = Table(title=title, title_justify="left", show_lines=False, expand=True)
    table.add_column("#", justify="right", style="dim", no_wrap=True)
    table.add_column("Rule", overflow="fold")
    table.add_column("Outcome", style="bold")
    table.add_column("Source", style="dim", overflow="fold")
    for i, step in enumerate(path, 1):
        table.add_row(
            str(i), f"{step.text}\n[dim]{step.rule}[/dim]", step.outcome, cite(step.sources)
        )
    return table


def steps_text(steps: list[NextStep]) -> Text:
    text = Text()
    for s in steps:
        text.append("  -> ", style="bold yellow")
        text.append(s.text)
        text.append(f"  [{cite(s.sources)}]\n", style="dim")
    return text


def notes_text(notes: list[Note]) -> Text:
    text = Text()
    for n in notes:
        text.append(f"  {n.severity.value.upper():5} ", style=SEVERITY_STYLE[n.severity])
        text.append(n.text)
        text.append(f"  [{cite(n.sources)}]\n", style="dim")
    return text


def her2_renderable(a: Her2Answer) -> Group:
    head = Table.grid(padding=(0, 2))
    head.add_column(style="dim")
    head.add_column()
    head.add_row("Site", a.site.value)
    head.add_row("ASCO/CAP result", Text(a.status.value, style=STATUS_STYLE[a.status.value]))
    head.add_row("Label category", CATEGORY_TEXT[a.expression_category.value])
    head.add_row("IHC score", a.ihc_score.value if a.ihc_score else "not recorded")
    head.add_row("ISH group", str(a.ish_group) if a.ish_group else "-")
    if a.governing_specimen:
        head.add_row("Governing specimen", a.governing_specimen)
    parts: list[object] = [Panel(head, title="HER2 status", title_align="left")]
    if a.next_steps:
        parts.append(
            Panel(
                steps_text(a.next_steps),
                title="Next steps",
                title_align="left",
                border_style="yellow",
            )
        )
    if a.notes:
        parts.append(Panel(notes_text(a.notes), title="Notes", title_align="left"))
    parts.append(rule_table(a.rule_path))
    if len(a.specimens) > 1:
        table = Table(title="Specimens", title_justify="left", expand=True)
        for col in ("Specimen", "Date", "Result", "Category", "IHC", "ISH group"):
            table.add_column(col)
        for r in a.specimens:
            table.add_row(
                r.label,
                r.date.isoformat(),
                r.status.value,
                CATEGORY_TEXT[r.expression_category.value],
                r.ihc_score.value if r.ihc_score else "-",
                str(r.ish_group) if r.ish_group else "-",
            )
        parts.append(table)
    parts.append(
        Text(
            f"Knowledge base {a.kb_version}. Decision support: verify against the "
            "pathology report.",
            style="dim",
        )
    )
    return Group(*parts)  # type: ignore[arg-type]


def print_her2(a: Her2Answer, console: Console) -> None:
    console.print(her2_renderable(a))
