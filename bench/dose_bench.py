"""Throughput of the course engines: doses per second and LVEF evaluations per second.

Run: ``.venv/bin/python bench/dose_bench.py`` (appends a section to bench/RESULTS.md).
"""

from __future__ import annotations

import sys
import time
from datetime import date, timedelta
from pathlib import Path

from her2path.domain.patient import LVEFReading
from her2path.engine.cardiac import evaluate_readings, tables_for
from her2path.engine.dosing import DoseRequest, calculate_dose
from her2path.engine.schedule import build_schedule
from her2path.kb import load_default
from her2path.kb.cardiac import TherapyContext

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _results import write_section


def _rate(fn: object, n: int) -> float:
    assert callable(fn)
    start = time.perf_counter()
    for i in range(n):
        fn(i)
    return n / (time.perf_counter() - start)


def main() -> None:
    kb = load_default()
    requests = [
        DoseRequest(drug="herceptin", spec="q3w", weight_kg=70.0),
        DoseRequest(drug="kadcyla", weight_kg=65.0, level=1),
        DoseRequest(drug="capecitabine", partner="nerlynx", weight_kg=70.0, height_cm=165.0),
        DoseRequest(
            drug="carboplatin",
            weight_kg=70.0,
            age_years=55,
            sex="female",
            serum_creatinine_mg_dl=0.9,
        ),
        DoseRequest(drug="enhertu", tumour="breast", weight_kg=60.0, rounding="vial"),
    ]
    doses = _rate(lambda i: calculate_dose(kb, requests[i % len(requests)]), 5000)

    tables = tables_for(kb, ["herceptin", "perjeta"], TherapyContext.metastatic)
    d0 = date(2026, 1, 1)
    base = LVEFReading(date=d0, percent=62, lln=50)
    readings = [base] + [
        LVEFReading(date=d0 + timedelta(days=21 * k), percent=44 + (k * 7) % 18, lln=50)
        for k in range(1, 21)
    ]
    per_call = len(readings) - 1
    lvef = _rate(lambda i: evaluate_readings(kb, tables, readings, base), 500) * per_call * 2

    schedules = _rate(lambda i: build_schedule(kb, "tch", d0), 300)

    body = "\n".join(
        [
            "## Course engines: doses, LVEF rules, calendars (in process)",
            "",
            "`python bench/dose_bench.py`: 5 mixed dose requests "
            "(mg/kg, mg/m², AUC, vial rounding);",
            "20 LVEF readings judged by 2 tables (trastuzumab, pertuzumab); TCH calendar.",
            "",
            "| measure | value |",
            "|---|---|",
            f"| dose calculations per second (one core) | {doses:,.0f} |",
            f"| LVEF evaluations per second (one reading x one table) | {lvef:,.0f} |",
            f"| TCH calendars per second (42 administrations) | {schedules:,.0f} |",
        ]
    )
    write_section("course", body)
    print(body)


if __name__ == "__main__":
    main()
