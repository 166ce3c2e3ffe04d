"""``her2path demo``: run the engine on the bundled examples and print the answers."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer
from rich.rule import Rule

from her2path.adapters.assessment_view import print_assessment
from her2path.adapters.patient_json import read_patient
from her2path.adapters.terminal import print_her2
from her2path.adapters.validation import parse, read_json
from her2path.cli.common import knowledge, out, reports_errors
from her2path.domain.her2 import Her2Case
from her2path.engine.assess import assess
from her2path.engine.her2 import interpret

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
# The example patients are written as of this date (the golden assessments use it too).
DEMO_AS_OF = date(2026, 7, 1)


def register(app: typer.Typer) -> None:
    @app.command()
    @reports_errors
    def demo() -> None:
        """Interpret every bundled example and print the results."""
        kb = knowledge()
        for path in sorted((EXAMPLES / "her2").glob("*.json")):
            out.print(Rule(f"examples/her2/{path.name}"))
            print_her2(interpret(kb, parse(Her2Case, read_json(path))), out)
        for path in sorted((EXAMPLES / "patients").glob("*.json")):
            out.print(Rule(f"examples/patients/{path.name} (as of {DEMO_AS_OF.isoformat()})"))
            print_assessment(assess(kb, read_patient(kb, path, DEMO_AS_OF), DEMO_AS_OF), out)
