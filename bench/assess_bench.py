"""Assessments per second, in process, over the example patients.

Run: ``.venv/bin/python bench/assess_bench.py`` (appends a line to bench/RESULTS.md).
CPU time of this process (the machine is shared); the patients are parsed once and the
loop times ``assess`` only (HER2 interpretation,
therapy history, options, exclusions and safety findings).
"""

from __future__ import annotations

import platform
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from her2path.adapters.patient_json import read_patient
from her2path.engine.assess import assess
from her2path.kb import load_default
from her2path.tools.golden import AS_OF, examples

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
ROUNDS = 7
PER_ROUND = 20


def main() -> int:
    kb = load_default()
    patients = [read_patient(kb, p, AS_OF) for p in examples()]
    for p in patients:  # warm-up: builds the catalogue once per knowledge base
        assess(kb, p, AS_OF)
    per_item: list[float] = []
    for _ in range(ROUNDS):
        start = time.process_time()
        for _ in range(PER_ROUND):
            for p in patients:
                assess(kb, p, AS_OF)
        elapsed = time.process_time() - start
        per_item.append(elapsed / (PER_ROUND * len(patients)))
    median = statistics.median(per_item)
    line = (
        f"| {datetime.now(UTC).date().isoformat()} | assess (issue 3) | {len(patients)} example "
        f"patients x {PER_ROUND} x {ROUNDS} rounds | {median * 1e3:.3f} ms per assessment | "
        f"{1 / median:,.0f} assessments/s | Python {platform.python_version()}, 2 cores, 24 GiB |"
    )
    print(line)
    if not RESULTS.exists():
        RESULTS.write_text(
            "# Benchmark results\n\n| Date | Benchmark | Workload | Per item | Throughput | "
            "Machine |\n|---|---|---|---|---|---|\n",
            encoding="utf-8",
        )
    with RESULTS.open("a", encoding="utf-8") as f:
        f.write(line + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
