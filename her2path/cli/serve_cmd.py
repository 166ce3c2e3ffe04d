"""``her2path serve``: run the web app and REST API (uvicorn)."""

from __future__ import annotations

import logging

import typer

from her2path.cli.common import reports_errors


def register(app: typer.Typer) -> None:
    @app.command()
    @reports_errors
    def serve(
        host: str = typer.Option("127.0.0.1", help="Address to listen on"),
        port: int = typer.Option(8000, help="Port"),
        demo: bool = typer.Option(
            False, help="Demo mode: no token, demo patients loaded (never for real patients)"
        ),
    ) -> None:
        """Start the clinician web app and REST API (settings from HER2PATH_* variables)."""
        import os

        import uvicorn

        from her2path.api import create_app
        from her2path.settings import Settings
        from her2path.store.demo import load_demo

        if demo:
            os.environ["HER2PATH_DEMO"] = "1"
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
        try:
            settings = Settings.from_env()
        except ValueError as exc:
            typer.echo(f"cannot start: {exc}", err=True)
            raise typer.Exit(2) from None
        application = create_app(settings)
        if demo:
            added = load_demo(application.state.her2path.store)
            typer.echo(f"demo patients added: {added}")
        mode = "DEMO MODE (no token; demonstration data only)" if settings.demo_mode else ""
        typer.echo(f"her2path is running at http://{host}:{port}/  {mode}".rstrip())
        uvicorn.run(application, host=host, port=port, access_log=False, log_level="warning")
