"""``her2path fhir-import`` and ``her2path cds-serve``: EHR integration from the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from her2path.adapters.validation import read_json
from her2path.cli.common import knowledge, print_json, reports_errors
from her2path.fhir import import_fhir


def register(app: typer.Typer) -> None:
    @app.command("fhir-import")
    @reports_errors
    def fhir_import(
        input: Annotated[
            Path,
            typer.Argument(help="FHIR R4 JSON: a Bundle, a list of resources or a prefetch object"),
        ],
    ) -> None:
        """Read FHIR R4 / mCODE data into the patient document; list what was not used."""
        print_json(import_fhir(knowledge(), read_json(input)))

    @app.command("cds-serve")
    def cds_serve(
        host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="Port")] = 8031,
    ) -> None:
        """Serve the CDS Hooks service alone (settings from HER2PATH_CDS_* variables)."""
        import uvicorn

        from her2path.cdshooks import CdsSettings, create_cds_app

        uvicorn.run(create_cds_app(CdsSettings.from_env()), host=host, port=port)
