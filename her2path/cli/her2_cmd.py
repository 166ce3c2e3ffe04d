"""``her2path her2``: interpret HER2 results given as flags or as a JSON file."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from her2path.adapters.terminal import print_her2
from her2path.adapters.validation import parse, read_json
from her2path.cli.common import OutputFormat, knowledge, out, print_json, reports_errors
from her2path.domain.her2 import Her2Case
from her2path.engine.her2 import interpret
from her2path.errors import InputError, Problem

_IHC_FLAGS = {
    "score": "--ihc",
    "pattern.intensity": "--ihc-intensity",
    "pattern.completeness": "--ihc-completeness",
    "pattern.percent_cells": "--ihc-percent",
    "pattern.largest_cluster_cells": "--ihc-cluster-cells",
    "membrane_staining": "--membrane-staining",
}
_COUNT_FLAGS = {
    "ratio": "--ish-ratio",
    "her2_copies": "--her2-copies",
    "cep17_copies": "--cep17-copies",
    "cells_counted": "--cells-counted",
}


def _drop_none(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}


def case_from_flags(
    flags: dict[str, Any],
) -> tuple[dict[str, Any], dict[str, str], list[Problem]]:
    """Build the raw case document from flags, map its field paths back to flags, and
    list the problems that only the combination of flags can show."""
    problems: list[Problem] = []
    when = flags["date"] or date.today().isoformat()
    specimen = _drop_none(
        {
            "origin": flags["origin"],
            "procedure": flags["procedure"],
            "id": flags["specimen_id"],
            "collected": flags["collected"],
        }
    )
    results: list[dict[str, Any]] = []
    aliases: dict[str, str] = {"site": "--site", "setting": "--setting"}
    for k in ("origin", "procedure"):
        aliases[f"results[0].specimen.{k}"] = f"--{k}"

    pattern = _drop_none(
        {
            "intensity": flags["ihc_intensity"],
            "completeness": flags["ihc_completeness"],
            "percent_cells": flags["ihc_percent"],
            "largest_cluster_cells": flags["ihc_cluster_cells"],
        }
    )
    if flags["ihc"] is not None or pattern or flags["membrane_staining"] is not None:
        i = len(results)
        results.append(
            _drop_none(
                {
                    "kind": "ihc",
                    "date": when,
                    "specimen": specimen,
                    "score": flags["ihc"],
                    "pattern": pattern or None,
                    "membrane_staining": flags["membrane_staining"],
                }
            )
        )
        aliases.update({f"results[{i}].{k}": v for k, v in _IHC_FLAGS.items()})
        aliases[f"results[{i}]"] = "--ihc"
    count = _drop_none(
        {k: flags[k] for k in ("ish_ratio", "her2_copies", "cep17_copies", "cells_counted")}
    )
    count = {("ratio" if k == "ish_ratio" else k): v for k, v in count.items()}
    recount = _drop_none(
        {
            "ratio": flags["recount_ratio"],
            "her2_copies": flags["recount_her2_copies"],
            "cep17_copies": flags["recount_cep17_copies"],
            "cells_counted": flags["recount_cells"],
        }
    )
    if recount and not count:
        problems.append(
            Problem(
                "--recount-*",
                "a blinded recount needs the original count: give --ish-ratio "
                "(or --cep17-copies) and --her2-copies",
            )
        )
    if count:
        i = len(results)
        doc: dict[str, Any] = {
            "kind": "dual_probe_ish",
            "date": when,
            "specimen": specimen,
            "count": count,
        }
        if recount:
            doc["recount"] = recount
        results.append(doc)
        aliases.update({f"results[{i}].count.{k}": v for k, v in _COUNT_FLAGS.items()})
        aliases[f"results[{i}].count"] = "--ish-ratio/--cep17-copies"
        aliases.update(
            {
                f"results[{i}].recount.{k}": v.replace("--", "--recount-", 1)
                .replace("--recount-ish-ratio", "--recount-ratio")
                .replace("--recount-cells-counted", "--recount-cells")
                for k, v in _COUNT_FLAGS.items()
            }
        )
        aliases[f"results[{i}].recount"] = "--recount-ratio/--recount-cep17-copies"
    if flags["single_probe_copies"] is not None:
        i = len(results)
        results.append(
            _drop_none(
                {
                    "kind": "single_probe_ish",
                    "date": when,
                    "specimen": specimen,
                    "her2_copies": flags["single_probe_copies"],
                    "cells_counted": flags["single_probe_cells"],
                }
            )
        )
        aliases[f"results[{i}].her2_copies"] = "--single-probe-copies"
        aliases[f"results[{i}].cells_counted"] = "--single-probe-cells"
    case = _drop_none({"site": flags["site"], "setting": flags["setting"], "results": results})
    return case, aliases, problems


def register(app: typer.Typer) -> None:
    @app.command("her2")
    @reports_errors
    def her2(
        input: Annotated[
            Path | None,
            typer.Argument(help="JSON file with a HER2 case (see 'her2path schema her2-input')"),
        ] = None,
        site: Annotated[
            str | None, typer.Option(help="breast, gastric, gej or oesophageal")
        ] = None,
        ihc: Annotated[str | None, typer.Option(help="IHC score: 0, 1+, 2+ or 3+")] = None,
        ihc_intensity: Annotated[
            str | None, typer.Option(help="none, faint, weak_to_moderate or strong")
        ] = None,
        ihc_completeness: Annotated[
            str | None, typer.Option(help="none, incomplete, complete, basolateral or lateral")
        ] = None,
        ihc_percent: Annotated[
            float | None, typer.Option(help="Percent of invasive tumour cells stained")
        ] = None,
        ihc_cluster_cells: Annotated[
            int | None, typer.Option(help="Cells in the largest stained cluster (gastric biopsy)")
        ] = None,
        membrane_staining: Annotated[
            bool | None,
            typer.Option(
                "--membrane-staining/--no-membrane-staining",
                help="For IHC 0: faint incomplete membrane staining present or not",
            ),
        ] = None,
        ish_ratio: Annotated[float | None, typer.Option(help="HER2/CEP17 ratio")] = None,
        her2_copies: Annotated[
            float | None, typer.Option(help="Mean HER2 signals per cell (dual-probe)")
        ] = None,
        cep17_copies: Annotated[
            float | None, typer.Option(help="Mean CEP17 signals per cell")
        ] = None,
        cells_counted: Annotated[int | None, typer.Option(help="Cells counted")] = None,
        recount_ratio: Annotated[
            float | None, typer.Option(help="Blinded recount: HER2/CEP17 ratio")
        ] = None,
        recount_her2_copies: Annotated[
            float | None, typer.Option(help="Blinded recount: mean HER2 signals per cell")
        ] = None,
        recount_cep17_copies: Annotated[
            float | None, typer.Option(help="Blinded recount: mean CEP17 signals per cell")
        ] = None,
        recount_cells: Annotated[
            int | None, typer.Option(help="Blinded recount: cells counted")
        ] = None,
        single_probe_copies: Annotated[
            float | None, typer.Option(help="Single-probe ISH: mean HER2 signals per cell")
        ] = None,
        single_probe_cells: Annotated[
            int | None, typer.Option(help="Single-probe ISH: cells counted")
        ] = None,
        origin: Annotated[
            str, typer.Option(help="Specimen origin: primary, metastasis or recurrence")
        ] = "primary",
        procedure: Annotated[
            str, typer.Option(help="core_biopsy, endoscopic_biopsy, excision or resection")
        ] = "core_biopsy",
        specimen_id: Annotated[str | None, typer.Option(help="Laboratory specimen id")] = None,
        collected: Annotated[
            str | None, typer.Option(help="Date the tissue was taken (YYYY-MM-DD)")
        ] = None,
        date_: Annotated[
            str | None, typer.Option("--date", help="Report date (YYYY-MM-DD); default today")
        ] = None,
        setting: Annotated[str | None, typer.Option(help="early or metastatic")] = None,
        format: Annotated[OutputFormat, typer.Option(help="text or json")] = OutputFormat.text,
    ) -> None:
        """Interpret HER2 test results (ASCO/CAP 2018 breast; CAP/ASCP/ASCO 2016 gastric)."""
        flags = dict(locals())
        flags["date"] = flags.pop("date_")
        if input is not None:
            raw: Any = read_json(input)
            case = parse(Her2Case, raw)
        else:
            if site is None:
                raise InputError(
                    [
                        Problem(
                            "--site",
                            "required; allowed: breast, gastric, gej, "
                            "oesophageal (or give a JSON file)",
                        )
                    ]
                )
            raw, aliases, problems = case_from_flags(flags)
            try:
                case = parse(Her2Case, raw, aliases)
            except InputError as exc:
                raise InputError(problems + exc.problems) from None
            if problems:
                raise InputError(problems)
        answer = interpret(knowledge(), case)
        if format is OutputFormat.json:
            print_json(answer)
        else:
            print_her2(answer, out)
