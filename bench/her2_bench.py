"""HER2 interpretations per second, in process, over a realistic mix of cases."""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _results import write_section

from her2path.adapters.validation import parse, read_json
from her2path.domain.her2 import Her2Case
from her2path.engine.her2 import interpret
from her2path.kb import load_default

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "her2"


def main() -> None:
    kb = load_default()
    cases = [parse(Her2Case, read_json(p)) for p in sorted(EXAMPLES.glob("*.json"))]
    rounds = []
    n = 0
    for _ in range(7):
        t0 = time.perf_counter()
        for _ in range(200):
            for c in cases:
                interpret(kb, c)
        dt = time.perf_counter() - t0
        n = 200 * len(cases)
        rounds.append(dt / n)
    per = statistics.median(rounds)
    t0 = time.perf_counter()
    from her2path.kb import load

    load()
    load_s = time.perf_counter() - t0
    body = (
        "## HER2 interpretation (in process)\n\n"
        f"`python bench/her2_bench.py`: {len(cases)} example cases (1-2 specimens each), "
        f"{n} interpretations per round, median of 7 rounds.\n\n"
        "| measure | value |\n|---|---|\n"
        f"| time per interpretation | {per * 1e6:.1f} µs |\n"
        f"| interpretations per second (one core) | {1 / per:,.0f} |\n"
        f"| knowledge-base load and check (once per process) | {load_s * 1000:.0f} ms |\n"
    )
    write_section("her2", body)
    print(body)


if __name__ == "__main__":
    main()
