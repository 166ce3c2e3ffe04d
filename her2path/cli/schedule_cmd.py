"""``her2path schedule``: the calendar of a regimen from a start date (JSON, text or .ics)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from pydantic import Field

from her2path.adapters.course_text import print_schedule
from her2path.adapters.ics import schedule_to_ics
from her2path.adapters.validation import parse, read_json
from her2path.cli.common import OutputFormat, err, knowledge, out, print_json, reports_errors
from her2path.domain.explain import Explained
from her2path.engine.schedule import build_schedule
from her2path.errors import InputError, Problem


class ScheduleRequest(Explained):
    regimen: str
    start: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$", description="YYYY-MM-DD")
    tumour: str | None = None
    horizon_days: int = Field(default=168, ge=7, le=1100)


def register(app: typer.Typer) -> None:
    @app.command("schedule")
    @reports_errors
    def schedule(
        input: Annotated[
            Path | None, typer.Argument(help="JSON request: regimen, start, tumour, horizon_days")
        ] = None,
        regimen: Annotated[str | None, typer.Option(help="Regimen id, e.g. tch, ac_th")] = None,
        start: Annotated[str | None, typer.Option(help="First day (YYYY-MM-DD)")] = None,
        tumour: Annotated[str | None, typer.Option(help="breast, gastric or gej")] = None,
        weeks: Annotated[
            int, typer.Option(help="Open-ended regimens: weeks of calendar to show")
        ] = 24,
        ics: Annotated[Path | None, typer.Option(help="Also write an iCalendar file")] = None,
        format: Annotated[OutputFormat, typer.Option(help="text or json")] = OutputFormat.text,
    ) -> None:
        """Calendar of administrations: loading then maintenance, phase by phase."""
        if input is not None:
            req = parse(ScheduleRequest, read_json(input))
        else:
            if regimen is None or start is None:
                raise InputError(
                    [Problem("--regimen/--start", "both are required (or give a JSON file)")]
                )
            req = parse(
                ScheduleRequest,
                {"regimen": regimen, "start": start, "tumour": tumour, "horizon_days": weeks * 7},
                {"start": "--start", "horizon_days": "--weeks"},
            )
        result = build_schedule(
            knowledge(), req.regimen, date.fromisoformat(req.start), req.tumour, req.horizon_days
        )
        if ics is not None:
            ics.write_bytes(schedule_to_ics(result))
            err.print(f"Wrote {ics} ({len(result.administrations)} events)")
        if format is OutputFormat.json:
            print_json(result)
        else:
            print_schedule(result, out)
