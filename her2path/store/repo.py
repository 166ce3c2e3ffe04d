"""The patient store: create and read patients, append entries, write the audit log.

Every write is one transaction committed before the caller is answered, so an
acknowledged write survives a crash of the server. Entries are only appended,
never changed; the audit log cannot be changed at all (database triggers).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from her2path.adapters.validation import parse
from her2path.domain.her2 import Her2Result
from her2path.domain.patient import LVEFReading, Patient
from her2path.errors import Her2PathError, InputError, Problem
from her2path.store.db import Database
from her2path.store.records import AdministeredDose, CourseStart
from her2path.store.tables import AuditRow, EntryRow, PatientRow


class NotFound(Her2PathError):
    """No stored patient has this id."""


class Conflict(Her2PathError):
    """A patient with this id is already stored."""


class EntryKind(StrEnum):
    her2_result = "her2_result"
    lvef = "lvef"
    dose = "dose"
    course = "course"


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Entry(_Out):
    seq: int
    kind: EntryKind
    recorded_at: datetime
    data: dict[str, Any]


class PatientSummary(_Out):
    id: str
    label: str | None
    created_at: datetime
    entries: int


class StoredPatient(_Out):
    """A stored patient: the current document (first entry plus later entries) and doses."""

    id: str
    label: str | None
    created_at: datetime
    patient: Patient
    doses: list[AdministeredDose]
    entries: list[Entry]


class AuditRecord(_Out):
    seq: int
    at: datetime
    channel: str
    action: str
    patient_ref: str | None
    kb_version: str
    input_hash: str
    output_hash: str


def canonical_json(value: Any) -> str:
    """Deterministic JSON: sorted keys, no spaces. Hashes are taken over this text."""
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json")
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def content_hash(value: Any) -> str:
    return hashlib.sha256(canonical_json(value).encode()).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)


Checker = Callable[["StoredPatient"], list[Problem]]


class PatientStore:
    """``check`` (optional) finds problems a valid document can still have, e.g. drug ids
    the knowledge base does not know; a write that leaves any is refused."""

    def __init__(self, db: Database, check: Checker | None = None) -> None:
        self.db = db
        self.check = check

    def _checked(self, stored: StoredPatient) -> StoredPatient:
        if self.check is not None:
            problems = self.check(stored)
            if problems:
                raise InputError(problems)
        return stored

    # ------------------------------------------------------------------ patients

    def create(self, patient: Patient, label: str | None = None) -> StoredPatient:
        row = PatientRow(
            id=patient.id,
            label=label,
            document=canonical_json(patient),
            created_at=_now(),
        )
        self._checked(self._assemble(row, []))
        try:
            with self.db.sessions.begin() as s:
                s.add(row)
        except IntegrityError:
            raise Conflict(patient.id) from None
        return self.get(patient.id)

    def exists(self, patient_id: str) -> bool:
        with self.db.sessions() as s:
            return s.get(PatientRow, patient_id) is not None

    def get(self, patient_id: str) -> StoredPatient:
        with self.db.sessions() as s:
            row = s.get(PatientRow, patient_id)
            if row is None:
                raise NotFound(patient_id)
            entries = s.scalars(
                select(EntryRow).where(EntryRow.patient_id == patient_id).order_by(EntryRow.seq)
            ).all()
            return self._assemble(row, entries)

    def search(self, query: str = "", limit: int = 200) -> list[PatientSummary]:
        with self.db.sessions() as s:
            counts = (
                select(EntryRow.patient_id, func.count().label("n"))
                .group_by(EntryRow.patient_id)
                .subquery()
            )
            stmt = (
                select(PatientRow, func.coalesce(counts.c.n, 0))
                .outerjoin(counts, counts.c.patient_id == PatientRow.id)
                .order_by(PatientRow.id)
                .limit(limit)
            )
            if query:
                like = f"%{query.lower()}%"
                stmt = stmt.where(
                    or_(
                        func.lower(PatientRow.id).like(like),
                        func.lower(PatientRow.label).like(like),
                    )
                )
            return [
                PatientSummary(
                    id=row.id, label=row.label, created_at=_aware(row.created_at), entries=int(n)
                )
                for row, n in s.execute(stmt).all()
            ]

    # ------------------------------------------------------------------ entries

    def add_her2_result(self, patient_id: str, result: Her2Result) -> StoredPatient:
        return self._append(patient_id, EntryKind.her2_result, result)

    def add_lvef(self, patient_id: str, reading: LVEFReading) -> StoredPatient:
        return self._append(patient_id, EntryKind.lvef, reading)

    def add_dose(self, patient_id: str, dose: AdministeredDose) -> StoredPatient:
        return self._append(patient_id, EntryKind.dose, dose)

    def add_course(self, patient_id: str, course: CourseStart) -> StoredPatient:
        """Start a new course; doses recorded from now on belong to it."""
        if "course" not in Patient.model_fields:
            raise InputError([Problem("course", "courses are not supported by this build")])
        return self._append(patient_id, EntryKind.course, course)

    def _append(self, patient_id: str, kind: EntryKind, value: BaseModel) -> StoredPatient:
        with self.db.sessions.begin() as s:
            row = s.get(PatientRow, patient_id)
            if row is None:
                raise NotFound(patient_id)
            entries = list(
                s.scalars(
                    select(EntryRow).where(EntryRow.patient_id == patient_id).order_by(EntryRow.seq)
                ).all()
            )
            new = EntryRow(
                patient_id=patient_id,
                kind=kind.value,
                data=canonical_json(value),
                recorded_at=_now(),
            )
            # The whole document must still validate (e.g. no date before birth).
            self._checked(self._assemble(row, [*entries, new]))
            s.add(new)
        return self.get(patient_id)

    def _assemble(self, row: PatientRow, entries: Sequence[EntryRow]) -> StoredPatient:
        doc = json.loads(row.document)
        her2 = list(doc.get("her2_results", []))
        lvef = list(doc.get("lvef", []))
        course: dict[str, Any] | None = doc.get("course")
        doses: list[AdministeredDose] = []
        listed: list[Entry] = []
        for e in entries:
            data = json.loads(e.data)
            kind = EntryKind(e.kind)
            if kind is EntryKind.her2_result:
                her2.append(data)
            elif kind is EntryKind.lvef:
                lvef.append(data)
            elif kind is EntryKind.course:
                course = {**data, "administered": [], "holds": [], "planned": []}
            else:
                dose = AdministeredDose.model_validate(data)
                doses.append(dose)
                if course is not None:
                    course = {
                        **course,
                        "administered": [*course.get("administered", []), dose.course_entry()],
                    }
            listed.append(
                Entry(
                    seq=e.seq or 0,
                    kind=kind,
                    recorded_at=_aware(e.recorded_at or _now()),
                    data=data,
                )
            )
        doc["her2_results"] = her2
        doc["lvef"] = sorted(lvef, key=lambda r: str(r.get("date", "")))
        if course is not None:
            doc["course"] = course
        patient = parse(Patient, doc)
        return StoredPatient(
            id=row.id,
            label=row.label,
            created_at=_aware(row.created_at),
            patient=patient,
            doses=sorted(doses, key=lambda d: d.date),
            entries=listed,
        )

    # ------------------------------------------------------------------ audit

    def audit(
        self,
        *,
        channel: str,
        action: str,
        patient_ref: str | None,
        kb_version: str,
        input_doc: Any,
        output: Any,
    ) -> AuditRecord:
        """Append one audit record: what was assessed (input and its hash) and what was shown."""
        row = AuditRow(
            at=_now(),
            channel=channel,
            action=action,
            patient_ref=patient_ref,
            kb_version=kb_version,
            input_hash=content_hash(input_doc),
            output_hash=content_hash(output),
            input=canonical_json(input_doc),
        )
        with self.db.sessions.begin() as s:
            s.add(row)
            s.flush()
            seq = row.seq
        return AuditRecord(
            seq=seq,
            at=_aware(row.at),
            channel=channel,
            action=action,
            patient_ref=patient_ref,
            kb_version=kb_version,
            input_hash=row.input_hash,
            output_hash=row.output_hash,
        )

    def audit_log(self, limit: int = 100) -> list[AuditRecord]:
        with self.db.sessions() as s:
            rows = s.scalars(select(AuditRow).order_by(AuditRow.seq.desc()).limit(limit)).all()
            return [
                AuditRecord(
                    seq=r.seq,
                    at=_aware(r.at),
                    channel=r.channel,
                    action=r.action,
                    patient_ref=r.patient_ref,
                    kb_version=r.kb_version,
                    input_hash=r.input_hash,
                    output_hash=r.output_hash,
                )
                for r in rows
            ]

    def audit_input(self, seq: int) -> Any:
        """The exact input of a past audit record, to reproduce its answer."""
        with self.db.sessions() as s:
            row = s.get(AuditRow, seq)
            if row is None:
                raise InputError([Problem("seq", f"no audit record {seq}")])
            return json.loads(row.input)


__all__ = [
    "AdministeredDose",
    "AuditRecord",
    "Conflict",
    "Entry",
    "EntryKind",
    "NotFound",
    "PatientStore",
    "PatientSummary",
    "StoredPatient",
]
