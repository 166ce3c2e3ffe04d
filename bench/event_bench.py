"""Adverse-event answers per second, in process, over the bundled event examples."""

from __future__ import annotations

import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _results import write_section

from her2path.adapters.validation import parse, read_json
from her2path.domain.events import AdverseEvent
from her2path.engine.events import manage_event
from her2path.kb import load_default

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "events"


def main() -> None:
    kb = load_default()
    cases: list[tuple[AdverseEvent, date]] = []
    for p in sorted(EXAMPLES.glob("*.json")):
        doc = read_json(p)
        cases.append((parse(AdverseEvent, doc["event"]), date.fromisoformat(doc["as_of"])))
    rounds = 500
    per_round: list[float] = []
    for _ in range(7):
        t0 = time.perf_counter()
        for _ in range(rounds):
            for ev, as_of in cases:
                manage_event(kb, ev, as_of)
        per_round.append((time.perf_counter() - t0) / (rounds * len(cases)))
    per = statistics.median(per_round)
    body = (
        "## Adverse-event answers (in process)\n\n"
        f"`python bench/event_bench.py`: {len(cases)} example events (all products' rule "
        f"shapes: dated restart branches, ladder walks, cardiac links, not covered), "
        f"{rounds * len(cases)} answers per round, median of 7 rounds.\n\n"
        "| measure | value |\n|---|---|\n"
        f"| time per event answer | {per * 1e6:.1f} µs |\n"
        f"| events per second (one core) | {1 / per:,.0f} |\n"
    )
    write_section("events", body)
    print(body)


if __name__ == "__main__":
    main()
