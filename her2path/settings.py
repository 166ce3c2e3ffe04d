"""Run-time settings of the server, read from the environment (``HER2PATH_*``).

Nothing clinical lives here: only where the database is, how callers prove who
they are, and the limits that protect the server.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DB = ROOT / "var" / "her2path.db"


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


@dataclass(frozen=True)
class Settings:
    """Server settings. Build with :meth:`from_env` or directly in tests."""

    database_url: str = field(default_factory=lambda: sqlite_url(DEFAULT_DB))
    api_token: str | None = None
    demo_mode: bool = False
    secret_key: str = field(default_factory=lambda: secrets.token_hex(32))
    max_body_bytes: int = 1_000_000
    log_salt: str = field(default_factory=lambda: secrets.token_hex(16))
    secure_cookies: bool = False

    def __post_init__(self) -> None:
        if not self.demo_mode and not self.api_token:
            raise ValueError(
                "set HER2PATH_API_TOKEN (a long random string) or HER2PATH_DEMO=1 for a demo"
            )
        if self.max_body_bytes < 1024:
            raise ValueError("HER2PATH_MAX_BODY_BYTES must be at least 1024")

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        """Read ``HER2PATH_DATABASE_URL``, ``HER2PATH_API_TOKEN``, ``HER2PATH_DEMO``,
        ``HER2PATH_SECRET_KEY``, ``HER2PATH_LOG_SALT``, ``HER2PATH_MAX_BODY_BYTES``."""
        e = dict(os.environ if env is None else env)
        kwargs: dict[str, object] = {}
        if e.get("HER2PATH_DATABASE_URL"):
            kwargs["database_url"] = e["HER2PATH_DATABASE_URL"]
        if e.get("HER2PATH_API_TOKEN"):
            kwargs["api_token"] = e["HER2PATH_API_TOKEN"]
        kwargs["demo_mode"] = e.get("HER2PATH_DEMO", "") in ("1", "true", "yes")
        if e.get("HER2PATH_SECRET_KEY"):
            kwargs["secret_key"] = e["HER2PATH_SECRET_KEY"]
        if e.get("HER2PATH_LOG_SALT"):
            kwargs["log_salt"] = e["HER2PATH_LOG_SALT"]
        if e.get("HER2PATH_MAX_BODY_BYTES"):
            kwargs["max_body_bytes"] = int(e["HER2PATH_MAX_BODY_BYTES"])
        kwargs["secure_cookies"] = e.get("HER2PATH_SECURE_COOKIES", "") in ("1", "true", "yes")
        return cls(**kwargs)  # type: ignore[arg-type]
