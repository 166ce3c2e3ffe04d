"""Assessments per second, in process, over the example patients.

Run: ``python bench/assess_bench.py`` (writes its section of bench/RESULTS.md).
CPU time of this process is measured (the machine may be shared); the patients are
parsed once and the loop times ``assess`` only: HER2 interpretation, therapy history,
options, exclusions and safety findings.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _results import write_section

from her2path.adapters.patient_json import read_patient
from her2path.engine.assess import assess
from her2path.kb import load_default
from her2path.tools.golden import AS_OF, patient_examples

ROUNDS = 7
PER_ROUND = 20


def main() -> None:
    kb = load_default()
    patients = [read_patient(kb, p, AS_OF) for p in patient_examples()]
    for p in patients:  # warm-up: builds the look-up catalogue once per knowledge base
        assess(kb, p, AS_OF)
    per_item: list[float] = []
    for _ in range(ROUNDS):
        start = time.process_time()
        for _ in range(PER_ROUND):
            for p in patients:
                assess(kb, p, AS_OF)
        per_item.append((time.process_time() - start) / (PER_ROUND * len(patients)))
    per = statistics.median(per_item)
    body = (
        "## Therapy options and safety: `assess` (in process)\n\n"
        f"`python bench/assess_bench.py`: {len(patients)} example patients, "
        f"{PER_ROUND * len(patients)} assessments per round, median of {ROUNDS} rounds "
        "(process CPU time).\n\n"
        "| measure | value |\n|---|---|\n"
        f"| time per assessment | {per * 1e3:.3f} ms |\n"
        f"| assessments per second (one core) | {1 / per:,.0f} |\n"
    )
    write_section("assess", body)
    print(body)


if __name__ == "__main__":
    main()
