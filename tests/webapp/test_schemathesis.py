"""Property-based API test: schemathesis generates requests from /openapi.json; no 5xx."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from her2path.api import create_app
from her2path.kb import load_default
from her2path.settings import Settings
from tests.webapp.helpers import TOKEN

_DB = Path(tempfile.mkdtemp(prefix="her2path-st-")) / "st.db"
APP = create_app(Settings(database_url=f"sqlite:///{_DB}", api_token=TOKEN), load_default())
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)
# Valid and invalid requests alike: an invalid one must get a 4xx, never a 5xx.
schema.config.generation.update(
    modes=[schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE]
)
HEADERS = {"Authorization": f"Bearer {TOKEN}"}


@schema.parametrize()
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_never_answers_with_a_server_error(case: Any) -> None:
    case.call_and_validate(headers=HEADERS, checks=[not_a_server_error])
