"""Audit engines behind one interface (:class:`base.AuditEngine`): python, duckdb, spark."""

from __future__ import annotations

from her2path.cohort.engines.base import ENGINES, AuditEngine, make_engine

__all__ = ["ENGINES", "AuditEngine", "make_engine"]
