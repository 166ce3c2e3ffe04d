"""Late and missed doses per label, at the day boundaries."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from her2path.engine.dosing import DoseRequest
from her2path.engine.late_dose import LateAction, LateDoseRequest, late_dose
from her2path.kb import KnowledgeBase

DUE = date(2026, 3, 2)


def ask(kb: KnowledgeBase, **kw: object):  # type: ignore[no-untyped-def]
    return late_dose(kb, LateDoseRequest.model_validate(kw))


@pytest.mark.parametrize(
    ("days", "expected"), [(7, LateAction.maintenance), (8, LateAction.loading)]
)
def test_trastuzumab_7_vs_8_days_late(kb: KnowledgeBase, days: int, expected: LateAction) -> None:
    a = ask(
        kb,
        drug="herceptin",
        spec="q3w",
        scheduled=DUE,
        given_on=DUE + timedelta(days=days),
        dose=DoseRequest(drug="herceptin", weight_kg=70),
    )
    assert a.action is expected
    assert a.days_late == days
    assert a.next_due == DUE + timedelta(days=days + 21)
    assert a.dose is not None and a.dose.dose_mg == (560 if days == 8 else 420)
    assert a.why is not None and any(s.source == "HERZ-PI" for s in a.why.sources)


def test_trastuzumab_weekly_reload_is_4_mg_per_kg(kb: KnowledgeBase) -> None:
    a = ask(
        kb,
        drug="herceptin",
        spec="weekly",
        scheduled=DUE,
        given_on=DUE + timedelta(days=9),
        dose=DoseRequest(drug="herceptin", weight_kg=70),
    )
    assert a.action is LateAction.loading and a.dose is not None and a.dose.dose_mg == 280
    assert a.next_due == DUE + timedelta(days=16)


@pytest.mark.parametrize("drug", ["perjeta", "phesgo"])
@pytest.mark.parametrize(
    ("days", "expected"), [(41, LateAction.maintenance), (42, LateAction.loading)]
)
def test_pertuzumab_5w6d_vs_6w(
    kb: KnowledgeBase, drug: str, days: int, expected: LateAction
) -> None:
    last = date(2026, 1, 5)
    a = ask(kb, drug=drug, last_dose=last, given_on=last + timedelta(days=days))
    assert a.action is expected
    assert a.days_since_last == days
    assert a.next_due == last + timedelta(days=days + 21)
    src = "PER-PI" if drug == "perjeta" else "PHE-PI"
    assert a.why is not None and any(s.source == src for s in a.why.sources)


@pytest.mark.parametrize(
    ("drug", "source"),
    [
        ("herceptin_hylecta", "HYL-PI"),
        ("kadcyla", "KAD-PI"),
        ("enhertu", "ENH-PI"),
        ("margenza", "MAR-PI"),
    ],
)
def test_never_reload_keep_3_weeks(kb: KnowledgeBase, drug: str, source: str) -> None:
    a = ask(
        kb,
        drug=drug,
        scheduled=DUE,
        last_dose=DUE - timedelta(days=21),
        given_on=DUE + timedelta(days=30),
    )
    assert a.action is LateAction.maintenance
    assert a.next_due == DUE + timedelta(days=51)
    assert a.why is not None and any(s.source == source for s in a.why.sources)


@pytest.mark.parametrize(
    ("drug", "source"), [("tukysa", "TUK-PI"), ("nerlynx", "NER-PI"), ("tykerb", "TYK-PI")]
)
def test_oral_no_make_up(kb: KnowledgeBase, drug: str, source: str) -> None:
    a = ask(kb, drug=drug, scheduled=DUE, given_on=DUE + timedelta(days=1))
    assert a.action is LateAction.skip and a.dose is None
    assert a.next_due == DUE + timedelta(days=1)
    assert a.why is not None and any(s.source == source for s in a.why.sources)


def test_missing_date_cannot_decide(kb: KnowledgeBase) -> None:
    a = ask(kb, drug="herceptin", spec="q3w", given_on=DUE)
    assert a.action is LateAction.cannot_decide
    assert a.missing[0].field == "scheduled"
    b = ask(kb, drug="perjeta", given_on=DUE)
    assert b.action is LateAction.cannot_decide and b.missing[0].field == "last_dose"


def test_no_rule_is_not_covered(kb: KnowledgeBase) -> None:
    a = ask(
        kb, drug="paclitaxel", spec="weekly_80", scheduled=DUE, given_on=DUE + timedelta(days=3)
    )
    assert a.action is LateAction.not_covered
