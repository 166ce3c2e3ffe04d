"""The DuckDB engine: the audits as vectorised SQL over the whole tables, in process."""

from __future__ import annotations

import os
from datetime import date

import duckdb
import pyarrow as pa

from her2path.cohort.engines.base import Step
from her2path.cohort.engines.sql import run_sql_audits
from her2path.cohort.read import Cohort
from her2path.kb.model import KnowledgeBase


class _DuckBackend:
    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def register(self, name: str, table: pa.Table) -> None:
        self.con.register(name, table)

    def create(self, name: str, sql: str) -> None:
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}")

    def query(self, sql: str) -> pa.Table:
        return self.con.sql(sql).to_arrow_table()

    def days(self, start: str, end: str) -> str:
        return f"date_diff('day', {start}, {end})"

    def add_months(self, d: str, months: str) -> str:
        return f"CAST({d} + to_months(CAST({months} AS INTEGER)) AS DATE)"

    def add_days(self, d: str, days: str) -> str:
        return f"CAST({d} + to_days(CAST({days} AS INTEGER)) AS DATE)"


class DuckDBEngine:
    """Embedded default: one DuckDB connection, all cores of the machine."""

    name = "duckdb"

    def __init__(self, threads: int | None = None) -> None:
        self.threads = threads or os.cpu_count() or 1

    def run(
        self, cohort: Cohort, kb: KnowledgeBase, as_of: date, step: Step | None = None
    ) -> pa.Table:
        con = duckdb.connect(config={"threads": self.threads})
        con.execute("SET enable_progress_bar = false")
        try:
            return run_sql_audits(_DuckBackend(con), cohort, kb, as_of, step)
        finally:
            con.close()
