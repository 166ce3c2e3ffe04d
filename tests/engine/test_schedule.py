"""Regimen calendars and their iCalendar export."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from icalendar import Calendar

from her2path.adapters.ics import schedule_to_ics
from her2path.domain.course import DoseKind
from her2path.engine.schedule import build_schedule
from her2path.errors import InputError
from her2path.kb import KnowledgeBase

START = date(2026, 1, 5)


def her2(s, drug: str = "herceptin"):  # type: ignore[no-untyped-def]
    return [a for a in s.administrations if a.drug == drug]


def test_tch_weekly_weeks_1_to_18_then_q3w_from_week_19_without_reload(kb: KnowledgeBase) -> None:
    s = build_schedule(kb, "tch", START)
    h = her2(s)
    assert h[0].kind is DoseKind.loading and h[0].per_unit == 4
    weekly = [a for a in h if a.spec == "weekly"]
    assert len(weekly) == 18 and weekly[-1].week == 18
    q3w = [a for a in h if a.spec == "q3w"]
    assert q3w[0].week == 19 and q3w[0].kind is DoseKind.maintenance and q3w[0].per_unit == 6
    assert len([a for a in s.administrations if a.drug == "carboplatin"]) == 6
    assert any(src.source == "HER-PI" for src in s.sources)


def test_ac_th_no_trastuzumab_with_anthracycline_and_switch_one_week_after(
    kb: KnowledgeBase,
) -> None:
    s = build_schedule(kb, "ac_th", START)
    anthracycline_days = {a.date for a in s.administrations if a.drug == "doxorubicin"}
    assert len(anthracycline_days) == 4
    h = her2(s)
    assert min(a.date for a in h) > max(anthracycline_days)
    weekly = [a for a in h if a.spec == "weekly"]
    q3w = [a for a in h if a.spec == "q3w"]
    assert len(weekly) == 12
    assert q3w[0].date == weekly[-1].date + timedelta(days=7)
    assert q3w[0].kind is DoseKind.maintenance
    assert (h[-1].date - h[0].date).days < 364


def test_tchp_then_hp_up_to_18_cycles(kb: KnowledgeBase) -> None:
    s = build_schedule(kb, "tchp", START)
    assert len(her2(s, "perjeta")) == 18
    assert her2(s, "perjeta")[0].per_unit == 840 and her2(s, "perjeta")[1].per_unit == 420
    assert len([a for a in s.administrations if a.drug == "docetaxel"]) == 6


def test_tdm1_residual_is_14_cycles(kb: KnowledgeBase) -> None:
    s = build_schedule(kb, "tdm1_residual", START, horizon_days=2000)
    assert len(s.administrations) == 14 and not s.open_ended


def test_metastatic_is_open_ended_with_horizon(kb: KnowledgeBase) -> None:
    s = build_schedule(kb, "thp_then_hp", START, horizon_days=168)
    assert s.open_ended and s.shown_until == START + timedelta(days=168)
    hp = [a for a in s.administrations if a.phase == "hp"]
    assert hp and all(a.date < START + timedelta(days=168) for a in hp)
    assert len([a for a in s.administrations if a.phase == "thp"]) == 18  # fixed phase in full
    assert any(n.code == "open_ended" for n in s.notes)


def test_tdxd_gastric_uses_gastric_dose(kb: KnowledgeBase) -> None:
    s = build_schedule(kb, "tdxd", START, tumour="gastric")
    assert s.administrations[0].per_unit == 6.4
    assert build_schedule(kb, "tdxd", START).administrations[0].per_unit == 5.4


def test_oral_cycles_span_days(kb: KnowledgeBase) -> None:
    s = build_schedule(kb, "neratinib_capecitabine", START, horizon_days=42)
    cape = [a for a in s.administrations if a.drug == "capecitabine"]
    assert cape[0].end == START + timedelta(days=13)  # days 1-14
    assert cape[0].per_unit == 750


def test_every_regimen_builds(kb: KnowledgeBase) -> None:
    for reg in kb.schedules:
        s = build_schedule(kb, reg.id, START)
        assert s.administrations, reg.id


def test_unknown_regimen_is_an_input_error(kb: KnowledgeBase) -> None:
    with pytest.raises(InputError) as exc:
        build_schedule(kb, "tchpp", START)
    assert "tchp" in exc.value.problems[0].message


def test_ics_parses_with_icalendar(kb: KnowledgeBase) -> None:
    s = build_schedule(kb, "ac_th", START)
    data = schedule_to_ics(s)
    cal = Calendar.from_ical(data)
    events = list(cal.walk("VEVENT"))
    assert len(events) == len(s.administrations)
    first = events[0]
    assert first.decoded("dtstart") == s.administrations[0].date
    assert "Doxorubicin" in str(first.get("summary")) or "Cyclophosphamide" in str(
        first.get("summary")
    )
    assert len({str(e.get("uid")) for e in events}) == len(events)
    assert schedule_to_ics(s) == data  # deterministic
