"""``her2path dose``: the dose of one product or partner, or the answer for a late dose."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from her2path.adapters.course_text import print_dose, print_late
from her2path.adapters.validation import parse, read_json
from her2path.cli.common import OutputFormat, knowledge, out, print_json, reports_errors
from her2path.engine.dosing import DoseRequest, calculate_dose
from her2path.engine.late_dose import LateDoseRequest, late_dose

FLAG_ALIASES = {
    "drug": "--drug",
    "spec": "--spec",
    "kind": "--kind",
    "level": "--level",
    "weight_kg": "--weight",
    "height_cm": "--height",
    "age_years": "--age",
    "sex": "--sex",
    "serum_creatinine_mg_dl": "--creatinine",
    "bsa_method": "--bsa",
    "rounding": "--rounding",
    "vial_tolerance_percent": "--vial-tolerance",
    "previous_weight_kg": "--previous-weight",
    "partner": "--partner",
    "tumour": "--tumour",
    "setting": "--setting",
}


def register(app: typer.Typer) -> None:
    @app.command("dose")
    @reports_errors
    def dose(
        input: Annotated[
            Path | None, typer.Argument(help="JSON dose request (fields as the flags)")
        ] = None,
        drug: Annotated[str | None, typer.Option(help="Product or partner id")] = None,
        spec: Annotated[str | None, typer.Option(help="Dose spec id, e.g. weekly, q3w")] = None,
        kind: Annotated[str | None, typer.Option(help="loading or maintenance")] = None,
        level: Annotated[int, typer.Option(help="Dose-reduction level (0 = start)")] = 0,
        weight: Annotated[float | None, typer.Option(help="Weight, kg")] = None,
        height: Annotated[float | None, typer.Option(help="Height, cm")] = None,
        age: Annotated[float | None, typer.Option(help="Age, years")] = None,
        sex: Annotated[str | None, typer.Option(help="female, male or other")] = None,
        creatinine: Annotated[float | None, typer.Option(help="Serum creatinine, mg/dL")] = None,
        bsa: Annotated[str, typer.Option(help="mosteller or dubois")] = "mosteller",
        rounding: Annotated[str | None, typer.Option(help="exact, nearest_mg or vial")] = None,
        vial_tolerance: Annotated[float | None, typer.Option(help="Vial tolerance, %")] = None,
        previous_weight: Annotated[
            float | None, typer.Option(help="Weight used last time, kg")
        ] = None,
        partner: Annotated[str | None, typer.Option(help="HER2 partner (capecitabine)")] = None,
        tumour: Annotated[str | None, typer.Option(help="breast, gastric, gej")] = None,
        setting: Annotated[str | None, typer.Option(help="adjuvant, metastatic, ...")] = None,
        scheduled: Annotated[
            str | None, typer.Option(help="Late dose: date it was due (YYYY-MM-DD)")
        ] = None,
        last_dose: Annotated[
            str | None, typer.Option(help="Late dose: date of the last dose (YYYY-MM-DD)")
        ] = None,
        given_on: Annotated[
            str | None, typer.Option(help="Late dose: date it is given now (YYYY-MM-DD)")
        ] = None,
        format: Annotated[OutputFormat, typer.Option(help="text or json")] = OutputFormat.text,
    ) -> None:
        """Dose of one product or partner drug; with --scheduled/--last-dose, a late dose."""
        kb = knowledge()
        raw: dict[str, Any]
        if input is not None:
            raw = read_json(input)
            req = parse(DoseRequest, raw)
        else:
            raw = {
                "drug": drug,
                "spec": spec,
                "kind": kind,
                "level": level,
                "weight_kg": weight,
                "height_cm": height,
                "age_years": age,
                "sex": sex,
                "serum_creatinine_mg_dl": creatinine,
                "bsa_method": bsa,
                "rounding": rounding,
                "vial_tolerance_percent": vial_tolerance,
                "previous_weight_kg": previous_weight,
                "partner": partner,
                "tumour": tumour,
                "setting": setting,
            }
            req = parse(DoseRequest, {k: v for k, v in raw.items() if v is not None}, FLAG_ALIASES)
        if scheduled or last_dose:
            late = parse(
                LateDoseRequest,
                {
                    "drug": req.drug,
                    "spec": req.spec,
                    "tumour": req.tumour,
                    "setting": req.setting,
                    "scheduled": scheduled,
                    "last_dose": last_dose,
                    "given_on": given_on or date.today().isoformat(),
                    "dose": req.model_dump(),
                },
                {"scheduled": "--scheduled", "last_dose": "--last-dose", "given_on": "--given-on"},
            )
            answer = late_dose(kb, late)
            if format is OutputFormat.json:
                print_json(answer)
            else:
                print_late(answer, out)
            return
        result = calculate_dose(kb, req)
        if format is OutputFormat.json:
            print_json(result)
        else:
            print_dose(result, out)
