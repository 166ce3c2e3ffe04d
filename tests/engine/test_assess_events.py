"""Open adverse events appear in the assessment."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from her2path.adapters.patient_json import parse_patient, read_patient
from her2path.engine.assess import assess
from her2path.errors import InputError
from her2path.kb import KnowledgeBase
from her2path.kb.adverse_events import Action

EXAMPLE = Path(__file__).resolve().parents[2] / "examples/patients/21-on-tdxd-open-ild.json"
AS_OF = date(2026, 7, 1)


def test_open_events_in_assessment(kb: KnowledgeBase) -> None:
    a = assess(kb, read_patient(kb, EXAMPLE, AS_OF), AS_OF)
    assert [e.event.type.value for e in a.events] == ["ild_pneumonitis"]  # neutropenia resolved
    ild = a.events[0]
    assert ild.action is Action.withhold
    assert ild.resume_options[0].condition == "if resolved on or before 2026-07-08"
    assert ild.sources[0].source == "ENH-PI"


def test_events_resolved_later_are_still_open_on_the_date(kb: KnowledgeBase) -> None:
    a = assess(kb, read_patient(kb, EXAMPLE), date(2026, 3, 5))
    assert [e.event.type.value for e in a.events] == ["neutropenia"]


def test_patient_without_events_has_none(kb: KnowledgeBase) -> None:
    other = EXAMPLE.parent / "08-metastatic-second-line-brain.json"
    assert assess(kb, read_patient(kb, other, AS_OF), AS_OF).events == []


def test_bad_event_product_is_reported_with_its_path(kb: KnowledgeBase) -> None:
    import json

    doc = json.loads(EXAMPLE.read_text())
    doc["adverse_events"][1]["product"] = "tamoxifen"
    with pytest.raises(InputError) as exc:
        parse_patient(kb, doc, AS_OF)
    assert exc.value.problems[0].where == "adverse_events[1].product"


def test_bad_event_level_is_reported_with_its_path(kb: KnowledgeBase) -> None:
    import json

    doc = json.loads(EXAMPLE.read_text())
    doc["adverse_events"][1]["dose_level"] = 7
    patient = parse_patient(kb, doc, AS_OF)
    with pytest.raises(InputError) as exc:
        assess(kb, patient, AS_OF)
    assert exc.value.problems[0].where == "adverse_events[1].dose_level"
    doc["adverse_events"][1]["dose_level"] = 0
    doc["adverse_events"][1]["onset"] = "2026-07-02"
    with pytest.raises(InputError) as exc:
        parse_patient(kb, doc, AS_OF)
    assert exc.value.problems[0].where == "adverse_events[1].onset"
