"""The Spark engine: the same SQL as DuckDB, run by Spark SQL on a local or remote cluster.

``master`` is a Spark master URL (``local[*]`` in tests, ``spark://host:7077`` or
``yarn`` on a cluster).  Tables travel to Spark as Arrow; the few distinct HER2
specimen signatures come back to the driver, are read by the per-patient engine
and are broadcast as a small table.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from her2path.cohort.engines.base import Step
from her2path.cohort.engines.sql import run_sql_audits
from her2path.cohort.read import Cohort
from her2path.errors import InputError, Problem
from her2path.kb.model import KnowledgeBase


def java_available() -> bool:
    """Whether a Java runtime (needed by Spark) is on this machine."""
    home = os.environ.get("JAVA_HOME")
    if home and os.path.exists(os.path.join(home, "bin", "java")):
        return True
    return shutil.which("java") is not None


STAGE_ROWS = 20_000
STAGING_ENV = "HER2PATH_SPARK_STAGING"


class _SparkBackend:
    """Tables reach Spark as Parquet files in a staging folder (small ones inline).

    Inline Arrow data would sit in the driver's query plans; staged Parquet is read by the
    executors.  On a cluster, ``$HER2PATH_SPARK_STAGING`` must name a folder every
    executor can read (a shared mount).
    """

    def __init__(self, spark: Any) -> None:
        self.spark = spark
        self.cached: list[Any] = []
        base = os.environ.get(STAGING_ENV)
        self.staging = Path(tempfile.mkdtemp(prefix="her2path-spark-", dir=base))

    def register(self, name: str, table: pa.Table) -> None:
        if table.num_rows > STAGE_ROWS:
            path = self.staging / f"{name}.parquet"
            pq.write_table(table, path)
            df = self.spark.read.parquet(str(path))
        elif table.num_rows:
            df = self.spark.createDataFrame(table)
        else:
            df = self._empty(table)
        df.createOrReplaceTempView(name)

    def _empty(self, table: pa.Table) -> Any:
        from pyspark.sql.pandas.types import from_arrow_schema

        return self.spark.createDataFrame([], schema=from_arrow_schema(table.schema))

    def create(self, name: str, sql: str) -> None:
        df = self.spark.sql(sql).cache()
        self.cached.append(df)
        df.createOrReplaceTempView(name)

    def query(self, sql: str) -> pa.Table:
        result: pa.Table = self.spark.sql(sql).toArrow()
        return result

    def days(self, start: str, end: str) -> str:
        return f"datediff({end}, {start})"

    def add_months(self, d: str, months: str) -> str:
        return f"add_months({d}, CAST({months} AS INT))"

    def add_days(self, d: str, days: str) -> str:
        return f"date_add({d}, CAST({days} AS INT))"

    def close(self) -> None:
        for df in self.cached:
            df.unpersist()
        shutil.rmtree(self.staging, ignore_errors=True)


class SparkEngine:
    """PySpark, local mode or a cluster given by its master URL."""

    name = "spark"

    def __init__(self, master: str = "local[*]", partitions: int | None = None) -> None:
        self.master = master
        self.partitions = partitions

    def session(self) -> Any:
        if not java_available():
            raise InputError(
                [
                    Problem(
                        "--engine spark",
                        "Spark needs a Java runtime and none was found; install one "
                        "(make system installs Debian's default-jre-headless) "
                        "or set JAVA_HOME",
                    )
                ]
            )
        from pyspark.sql import SparkSession

        cores = os.cpu_count() or 1
        builder = (
            SparkSession.builder.master(self.master)
            .appName("her2path-audit")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.execution.arrow.pyspark.enabled", "true")
            .config("spark.sql.shuffle.partitions", str(self.partitions or max(2, cores * 2)))
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.driver.memory", os.environ.get("HER2PATH_SPARK_MEMORY", "4g"))
            # Size estimates of the audit's intermediate tables can be far too small, and a
            # mis-sized broadcast fails the whole run on a 1M-patient cohort; sort-merge joins
            # are slower on tiny data but never run the driver out of memory.
            .config(
                "spark.sql.autoBroadcastJoinThreshold",
                os.environ.get("HER2PATH_SPARK_BROADCAST_BYTES", "-1"),
            )
        )
        spark = builder.getOrCreate()
        spark.sparkContext.setLogLevel("ERROR")
        return spark

    def run(
        self, cohort: Cohort, kb: KnowledgeBase, as_of: date, step: Step | None = None
    ) -> pa.Table:
        backend = _SparkBackend(self.session())
        try:
            return run_sql_audits(backend, cohort, kb, as_of, step)
        finally:
            backend.close()
