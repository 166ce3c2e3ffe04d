"""``her2path kb check``, ``her2path version`` and ``her2path schema``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from her2path import __version__
from her2path.cli.common import EXIT_KB, err, knowledge, out, reports_errors
from her2path.errors import KnowledgeBaseError
from her2path.kb import load
from her2path.schemas import SCHEMAS, schema_for

kb_app = typer.Typer(help="Inspect and check the knowledge base.", no_args_is_help=True)


@kb_app.command("check")
def kb_check(
    path: Annotated[Path | None, typer.Option(help="Knowledge folder (default: bundled)")] = None,
) -> None:
    """Validate every knowledge file and report all problems, each with its path."""
    try:
        kb = load(path)
    except KnowledgeBaseError as exc:
        err.print(f"[bold red]{len(exc.problems)} problem(s)[/] in the knowledge base:")
        for p in exc.problems:
            err.print(f"  - {p.where}: {p.message}", highlight=False)
        raise typer.Exit(EXIT_KB) from None
    n = len(kb.registry.sources)
    out.print(f"[green]ok[/]: knowledge base {kb.version} validates ({n} sources)")


def register(app: typer.Typer) -> None:
    app.add_typer(kb_app, name="kb")

    @app.command()
    @reports_errors
    def version() -> None:
        """Print the package and knowledge-base versions."""
        kb = knowledge()
        out.print(f"her2path {__version__}\nknowledge base {kb.version}")

    @app.command()
    def schema(
        name: Annotated[str, typer.Argument(help=f"One of: {', '.join(SCHEMAS)}")],
    ) -> None:
        """Print the published JSON Schema of an input or output document."""
        if name not in SCHEMAS:
            err.print(f"[bold red]unknown schema[/] '{name}'; allowed: {', '.join(SCHEMAS)}")
            raise typer.Exit(2)
        typer.echo(json.dumps(schema_for(name), indent=2))
