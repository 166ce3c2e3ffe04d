"""Fixtures for the server, storage and browser tests.

Storage tests run against SQLite and, when ``HER2PATH_TEST_PG_URL`` names a server
(``make test`` starts one with scripts/postgres.sh), against PostgreSQL as well.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from her2path.api import create_app
from her2path.kb import KnowledgeBase
from her2path.settings import Settings
from tests.webapp.helpers import TOKEN, fresh_pg_database, pg_admin_url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'her2path.db'}"
    if pg_admin_url() is None:
        pytest.skip("HER2PATH_TEST_PG_URL not set (make test starts PostgreSQL)")
    return fresh_pg_database()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(database_url=f"sqlite:///{tmp_path / 'app.db'}", api_token=TOKEN)


@pytest.fixture
def client(settings: Settings, kb: KnowledgeBase) -> Iterator[TestClient]:
    app = create_app(settings, kb)
    with TestClient(app, headers={"Authorization": f"Bearer {TOKEN}"}) as c:
        yield c
    app.state.her2path.db.close()
