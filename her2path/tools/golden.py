"""Regenerate the golden assessments of the example patients (``make golden``).

Each ``examples/patients/NAME.json`` gives ``tests/golden/assessments/NAME.json``,
assessed as of :data:`AS_OF`.  The knowledge-base version (which carries a hash of
every knowledge file) is replaced by a placeholder, so that an unrelated knowledge
edit does not touch every golden file; a changed clinical answer still does.
Review the diff before committing.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

from her2path.adapters.patient_json import read_patient
from her2path.engine.assess import assess
from her2path.kb import KnowledgeBase, load_default

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "patients"
GOLDEN = ROOT / "tests" / "golden" / "assessments"
AS_OF = date(2026, 7, 1)
KB_PLACEHOLDER = "<kb-version>"


def normalise(value: Any) -> Any:
    """Replace every ``kb_version`` value by a placeholder (recursively)."""
    if isinstance(value, dict):
        return {
            k: (KB_PLACEHOLDER if k == "kb_version" else normalise(v)) for k, v in value.items()
        }
    if isinstance(value, list):
        return [normalise(v) for v in value]
    return value


def golden_json(kb: KnowledgeBase, path: Path) -> str:
    """The golden text for one example patient."""
    a = assess(kb, read_patient(kb, path, AS_OF), AS_OF)
    data = normalise(json.loads(a.model_dump_json()))
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def examples() -> list[Path]:
    return sorted(EXAMPLES.glob("*.json"))


def main() -> int:
    kb = load_default()
    GOLDEN.mkdir(parents=True, exist_ok=True)
    changed = 0
    for path in examples():
        target = GOLDEN / path.name
        text = golden_json(kb, path)
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")
            changed += 1
            print(f"wrote {target.relative_to(ROOT)}")
    print(f"{len(examples())} example(s), {changed} golden file(s) changed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
