"""Fixtures of the cohort tests: a 10,000-patient synthetic cohort and the engines."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest
from cohort_cases import AS_OF

from her2path.cohort.engines import make_engine
from her2path.cohort.engines.base import AuditEngine
from her2path.cohort.engines.spark_engine import java_available
from her2path.cohort.read import Cohort, read_cohort, write_tables
from her2path.cohort.synth import generate
from her2path.kb import KnowledgeBase

SYNTH_PATIENTS = 10_000

NO_JAVA = "no Java runtime: Spark local mode needs one (make system installs it)"

ENGINE_PARAMS = [
    pytest.param("python", id="python"),
    pytest.param("duckdb", id="duckdb"),
    pytest.param(
        "spark",
        id="spark",
        marks=[pytest.mark.spark, pytest.mark.skipif(not java_available(), reason=NO_JAVA)],
    ),
]


@pytest.fixture(scope="session")
def synthetic_dir(kb: KnowledgeBase, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("synthetic")
    write_tables(generate(kb, SYNTH_PATIENTS, 7, AS_OF), folder)
    return folder


@pytest.fixture(scope="session")
def synthetic(kb: KnowledgeBase, synthetic_dir: Path) -> Cohort:
    return read_cohort(synthetic_dir, kb)


@pytest.fixture(scope="session")
def reference(kb: KnowledgeBase, synthetic: Cohort) -> pa.Table:
    """The per-patient engine's findings: the reference every other engine must match."""
    return make_engine("python").run(synthetic, kb, AS_OF)


_ENGINES: dict[str, AuditEngine] = {}


@pytest.fixture(scope="session", params=ENGINE_PARAMS)
def engine(request: pytest.FixtureRequest) -> AuditEngine:
    name: str = request.param
    if name not in _ENGINES:
        _ENGINES[name] = make_engine(name, "local[2]")
    return _ENGINES[name]


@pytest.fixture(scope="session")
def engine_findings(engine: AuditEngine, kb: KnowledgeBase, synthetic: Cohort) -> pa.Table:
    """Each engine's findings on the synthetic cohort, computed once per session."""
    return engine.run(synthetic, kb, AS_OF)
