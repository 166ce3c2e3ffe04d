"""Golden rendering of a worked course (``examples/courses``).

The knowledge-base version carries a hash of every knowledge file; it is left out of
these goldens so that edits elsewhere in the knowledge base do not churn them (see
docs/decisions/0205-course-goldens.md).  Everything clinical is kept.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from her2path.adapters.validation import parse, read_json
from her2path.engine.course import WorkedCourse, review_worked_course
from her2path.kb import KnowledgeBase


def _strip(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k != "kb_version"}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def course_golden(kb: KnowledgeBase, example: Path) -> str:
    result = review_worked_course(kb, parse(WorkedCourse, read_json(example)))
    data = _strip(json.loads(result.model_dump_json()))
    return json.dumps(data, indent=2, sort_keys=True) + "\n"
