"""``her2path``: the command-line entry point.

Each concern registers its commands from its own module (``her2_cmd``, ``kb_cmd``,
...), so the app here stays a list of registrations.
"""

from __future__ import annotations

import typer

from her2path.cli import (
    assess_cmd,
    cardiac_cmd,
    cohort_cmd,
    course_cmd,
    demo_cmd,
    dose_cmd,
    event_cmd,
    fhir_cmd,
    her2_cmd,
    kb_cmd,
    schedule_cmd,
    serve_cmd,
    window_cmd,
)

app = typer.Typer(
    name="her2path",
    help="Decision support for HER2-targeted therapy. Every answer carries its sources "
    "and the knowledge-base version. It supports, and never replaces, clinical judgement.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

kb_cmd.register(app)
her2_cmd.register(app)
demo_cmd.register(app)
fhir_cmd.register(app)
serve_cmd.register(app)
dose_cmd.register(app)
schedule_cmd.register(app)
cardiac_cmd.register(app)
course_cmd.register(app)
assess_cmd.register(app)
event_cmd.register(app)
window_cmd.register(app)
cohort_cmd.register(app)


if __name__ == "__main__":  # pragma: no cover
    app()
