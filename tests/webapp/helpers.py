"""Helpers shared by the server, storage and browser tests."""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any

TOKEN = "test-token-0123456789abcdef"
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"


def pg_admin_url() -> str | None:
    return os.environ.get("HER2PATH_TEST_PG_URL") or None


def fresh_pg_database() -> str:
    """Create an empty PostgreSQL database on the test server; return its URL."""
    import psycopg

    admin = pg_admin_url()
    assert admin is not None
    name = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return admin.rsplit("/", 1)[0] + "/" + name


def patient_doc(pid: str = "p-001", **extra: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": pid,
        "sex": "female",
        "birth_date": "1975-03-04",
        "weight_kg": 70,
        "cancer": {"site": "breast", "setting": "early_preoperative"},
    }
    doc.update(extra)
    return doc


IHC_2PLUS: dict[str, Any] = {
    "kind": "ihc",
    "date": "2026-03-02",
    "score": "2+",
    "specimen": {"id": "S26-1", "origin": "primary", "procedure": "core_biopsy"},
}
ISH_AMPLIFIED: dict[str, Any] = {
    "kind": "dual_probe_ish",
    "date": "2026-03-06",
    "specimen": {"id": "S26-1", "origin": "primary", "procedure": "core_biopsy"},
    "count": {"ratio": 2.6, "her2_copies": 5.2, "cep17_copies": 2.0, "cells_counted": 20},
}
