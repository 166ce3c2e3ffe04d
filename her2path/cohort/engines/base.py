"""The interface every audit engine implements, and the shape of its findings.

An engine reads a validated :class:`~her2path.cohort.read.Cohort` and returns
one row per patient and audit that found something: the date and subject of the
first finding (ordered by date, then subject), how many findings there were, and
a number where the audit has one.  The reason text is rendered afterwards from
the audit's template in the knowledge base, so every engine words it the same.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Protocol

import pyarrow as pa

from her2path.cohort.read import Cohort
from her2path.errors import InputError, Problem
from her2path.kb.model import KnowledgeBase

FINDINGS = pa.schema(
    [
        pa.field("patient_id", pa.string()),
        pa.field("audit", pa.string()),
        pa.field("first_date", pa.date32()),
        pa.field("detail", pa.string()),
        pa.field("count", pa.int64()),
        pa.field("value", pa.float64()),
    ]
)

Step = Callable[[str], None]


class AuditEngine(Protocol):
    """Runs every audit of the knowledge base over a whole cohort."""

    name: str

    def run(
        self, cohort: Cohort, kb: KnowledgeBase, as_of: date, step: Step | None = None
    ) -> pa.Table:
        """Return the findings (schema :data:`FINDINGS`), sorted by audit and patient."""
        ...


def sort_findings(t: pa.Table) -> pa.Table:
    t = t.select(FINDINGS.names).cast(FINDINGS)
    return t.sort_by([("audit", "ascending"), ("patient_id", "ascending")])


ENGINES = ("duckdb", "python", "spark")


def make_engine(name: str, spark_master: str | None = None) -> AuditEngine:
    """The engine called ``name``; imports only what that engine needs."""
    if name == "duckdb":
        from her2path.cohort.engines.duckdb_engine import DuckDBEngine

        return DuckDBEngine()
    if name == "python":
        from her2path.cohort.engines.python_engine import PythonEngine

        return PythonEngine()
    if name == "spark":
        from her2path.cohort.engines.spark_engine import SparkEngine

        return SparkEngine(master=spark_master or "local[*]")
    raise InputError(
        [Problem("--engine", f"unknown engine '{name}'; allowed: {', '.join(ENGINES)}")]
    )
