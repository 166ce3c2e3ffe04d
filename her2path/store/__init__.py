"""Persistence: stored patients, their course entries and the append-only audit log."""

from her2path.store.db import Database, open_database
from her2path.store.repo import AuditRecord, PatientStore, StoredPatient

__all__ = ["AuditRecord", "Database", "PatientStore", "StoredPatient", "open_database"]
