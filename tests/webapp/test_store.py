"""The store on SQLite and PostgreSQL: migrations, entries, search, the append-only audit log."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from her2path.adapters.validation import parse
from her2path.domain.her2 import IHCResult
from her2path.domain.patient import LVEFReading, Patient
from her2path.errors import InputError
from her2path.store import PatientStore, open_database
from her2path.store.records import AdministeredDose
from her2path.store.repo import Conflict, NotFound
from tests.webapp.helpers import IHC_2PLUS, patient_doc


def test_migrations_are_idempotent_and_patients_round_trip(db_url: str) -> None:
    db = open_database(db_url)
    open_database(db_url).close()  # a second upgrade is a no-op
    store = PatientStore(db)
    patient = parse(Patient, patient_doc("a-1"))
    store.create(patient, "Label One")
    store.add_her2_result("a-1", parse(IHCResult, IHC_2PLUS))
    store.add_lvef("a-1", LVEFReading.model_validate({"date": "2026-04-01", "percent": 60}))
    store.add_dose(
        "a-1",
        AdministeredDose.model_validate(
            {"date": "2026-04-02", "product": "herceptin", "dose_mg": 560}
        ),
    )
    got = store.get("a-1")
    assert got.label == "Label One"
    assert got.patient.her2_results[0].date.isoformat() == "2026-03-02"
    assert got.patient.lvef[0].percent == 60
    assert got.doses[0].product == "herceptin"
    assert [e.seq for e in got.entries] == sorted(e.seq for e in got.entries)
    with pytest.raises(Conflict):
        store.create(patient)
    with pytest.raises(NotFound):
        store.get("nobody")
    db.close()


def test_search_by_id_or_label(db_url: str) -> None:
    db = open_database(db_url)
    store = PatientStore(db)
    store.create(parse(Patient, patient_doc("x-1")), "Alpha")
    store.create(parse(Patient, patient_doc("x-2")), "Beta")
    assert [p.id for p in store.search("alp")] == ["x-1"]
    assert [p.id for p in store.search("x-")] == ["x-1", "x-2"]
    assert store.search("zzz") == []
    db.close()


def test_invalid_entry_is_not_stored(db_url: str) -> None:
    db = open_database(db_url)
    store = PatientStore(db)
    store.create(parse(Patient, patient_doc("b-1")))
    with pytest.raises(InputError):
        store.add_lvef("b-1", LVEFReading.model_validate({"date": "1900-01-01", "percent": 55}))
    assert store.get("b-1").entries == []
    db.close()


def test_audit_log_is_append_only(db_url: str) -> None:
    db = open_database(db_url)
    store = PatientStore(db)
    rec = store.audit(
        channel="test",
        action="assessment",
        patient_ref="pt-x",
        kb_version="v",
        input_doc={"a": 1},
        output={"b": 2},
    )
    assert store.audit_input(rec.seq) == {"a": 1}
    for sql in ("UPDATE audit_log SET action = 'changed'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError), db.engine.begin() as conn:
            conn.execute(text(sql))
    assert [r.action for r in store.audit_log()] == ["assessment"]
    db.close()
