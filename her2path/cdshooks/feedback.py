"""Where card feedback (accepted / overridden, with the reason) is kept.

A small repository interface with an in-memory and a SQLite implementation.  Feedback
holds card ids, outcomes and override reasons; it carries no patient identifier.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from her2path.cdshooks.models import FeedbackItem


@dataclass(frozen=True)
class StoredFeedback:
    service: str
    card: str
    outcome: str
    body: str


class FeedbackStore(Protocol):
    def add(self, service: str, items: list[FeedbackItem]) -> int:
        """Store the items; return how many were stored."""

    def list(self, service: str | None = None) -> list[StoredFeedback]: ...


@dataclass
class MemoryFeedbackStore:
    rows: list[StoredFeedback] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, service: str, items: list[FeedbackItem]) -> int:
        with self._lock:
            for item in items:
                self.rows.append(
                    StoredFeedback(service, item.card, item.outcome, item.model_dump_json())
                )
        return len(items)

    def list(self, service: str | None = None) -> list[StoredFeedback]:
        return [r for r in self.rows if service is None or r.service == service]


class SqliteFeedbackStore:
    """Feedback in a SQLite file (one table, created on first use)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._path = path
        self._lock = threading.Lock()
        with self._connect() as db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS cds_feedback ("
                "id INTEGER PRIMARY KEY, service TEXT NOT NULL, card TEXT NOT NULL, "
                "outcome TEXT NOT NULL, body TEXT NOT NULL)"
            )

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self._path)

    def add(self, service: str, items: list[FeedbackItem]) -> int:
        rows = [(service, i.card, i.outcome, i.model_dump_json()) for i in items]
        with self._lock, self._connect() as db:
            db.executemany(
                "INSERT INTO cds_feedback (service, card, outcome, body) VALUES (?, ?, ?, ?)",
                rows,
            )
        return len(rows)

    def list(self, service: str | None = None) -> list[StoredFeedback]:
        query = "SELECT service, card, outcome, body FROM cds_feedback"
        args: tuple[str, ...] = ()
        if service is not None:
            query += " WHERE service = ?"
            args = (service,)
        with self._lock, self._connect() as db:
            found = db.execute(query + " ORDER BY id", args).fetchall()
        return [StoredFeedback(str(a), str(b), str(c), str(d)) for a, b, c, d in found]


def decode(row: StoredFeedback) -> FeedbackItem:
    return FeedbackItem.model_validate(json.loads(row.body))
