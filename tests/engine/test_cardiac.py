"""LVEF rules per drug at their boundaries, each with the source that decides."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from her2path.domain.patient import LVEFReading
from her2path.engine.cardiac import (
    LvefAction,
    TableState,
    cardiac_review,
    evaluate_readings,
    tables_for,
)
from her2path.kb import KnowledgeBase
from her2path.kb.cardiac import TherapyContext

D0 = date(2026, 1, 1)
META = TherapyContext.metastatic
EARLY = TherapyContext.early


def r(
    day: int, lvef: float, lln: float | None = 50, symptomatic: bool | None = None
) -> LVEFReading:
    return LVEFReading(
        date=D0 + timedelta(days=day), percent=lvef, lln=lln, symptomatic_heart_failure=symptomatic
    )


def run(
    kb: KnowledgeBase, products: list[str], ctx: TherapyContext, baseline: float, *rest: LVEFReading
):
    tables = tables_for(kb, products, ctx)
    base = LVEFReading(date=D0, percent=baseline, lln=50)
    return evaluate_readings(kb, tables, [base, *rest], base)


def action(verdicts, table: str, i: int = -1) -> LvefAction:  # type: ignore[no-untyped-def]
    return next(v for v in verdicts[i].verdicts if v.table == table).action


def cites(verdicts, table: str, source: str, i: int = -1) -> bool:  # type: ignore[no-untyped-def]
    v = next(v for v in verdicts[i].verdicts if v.table == table)
    return any(s.source == source for s in v.sources)


# --- trastuzumab: hold thresholds -------------------------------------------------


@pytest.mark.parametrize(
    ("reading", "expected"), [(54, LvefAction.withhold), (55, LvefAction.continue_)]
)
def test_trastuzumab_drop_16_vs_15_points(
    kb: KnowledgeBase, reading: float, expected: LvefAction
) -> None:
    out, _ = run(kb, ["herceptin"], META, 70, r(60, reading))  # LVEF stays >= LLN 50
    assert action(out, "trastuzumab") is expected
    assert cites(out, "trastuzumab", "TRAZ-PI")


@pytest.mark.parametrize(
    ("reading", "expected"), [(48, LvefAction.withhold), (49, LvefAction.continue_)]
)
def test_trastuzumab_below_lln_drop_10_vs_9(
    kb: KnowledgeBase, reading: float, expected: LvefAction
) -> None:
    out, _ = run(kb, ["herceptin"], META, 58, r(60, reading))  # both below LLN 50
    assert action(out, "trastuzumab") is expected
    assert cites(out, "trastuzumab", "TRAZ-PI")


def test_trastuzumab_reading_equal_to_lln_is_within_normal_limits(kb: KnowledgeBase) -> None:
    at, _ = run(kb, ["herceptin"], META, 62, r(60, 50))  # drop 12, LVEF == LLN
    below, _ = run(kb, ["herceptin"], META, 62, r(60, 49))  # drop 13, one point below LLN
    assert action(at, "trastuzumab") is LvefAction.continue_
    assert action(below, "trastuzumab") is LvefAction.withhold
    assert cites(below, "trastuzumab", "TRAZ-PI")


def test_trastuzumab_unknown_lln_cannot_decide_unless_16_points(kb: KnowledgeBase) -> None:
    out, _ = run(kb, ["herceptin"], META, 60, r(60, 49, lln=None))
    assert action(out, "trastuzumab") is LvefAction.cannot_decide
    out, _ = run(kb, ["herceptin"], META, 60, r(60, 44, lln=None))
    assert action(out, "trastuzumab") is LvefAction.withhold


# --- trastuzumab: 4 and 8 week hold boundaries ------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [(27, LvefAction.continue_withholding), (28, LvefAction.resume)],
)
def test_trastuzumab_minimum_hold_4_weeks(
    kb: KnowledgeBase, day: int, expected: LvefAction
) -> None:
    out, _ = run(kb, ["herceptin"], META, 60, r(60, 43), r(60 + day, 56))
    assert action(out, "trastuzumab") is expected
    assert cites(out, "trastuzumab", "TRAZ-PI")


@pytest.mark.parametrize(
    ("day", "lvef", "expected"),
    [
        (56, 56, LvefAction.resume),
        (57, 56, LvefAction.stop_permanently),
        (56, 45, LvefAction.continue_withholding),
        (57, 45, LvefAction.stop_permanently),
    ],
)
def test_trastuzumab_8_week_window(
    kb: KnowledgeBase, day: int, lvef: float, expected: LvefAction
) -> None:
    out, _ = run(kb, ["herceptin"], META, 60, r(60, 43), r(60 + day, lvef))
    assert action(out, "trastuzumab") is expected
    assert cites(out, "trastuzumab", "TRAZ-PI")


@pytest.mark.parametrize(
    ("lvef", "expected"),
    [(45, LvefAction.resume), (44, LvefAction.continue_withholding)],
)
def test_trastuzumab_resume_needs_drop_at_most_15(
    kb: KnowledgeBase, lvef: float, expected: LvefAction
) -> None:
    # baseline 60, LLN 40: recovery to 45 is a drop of 15 (resume), 44 a drop of 16 (not)
    base = LVEFReading(date=D0, percent=60, lln=40)
    hold = LVEFReading(date=D0 + timedelta(days=60), percent=40, lln=40)
    back = LVEFReading(date=D0 + timedelta(days=90), percent=lvef, lln=40)
    out, _ = evaluate_readings(kb, tables_for(kb, ["herceptin"], META), [base, hold, back], base)
    assert action(out, "trastuzumab") is expected


def test_trastuzumab_resume_at_lln_but_not_one_below(kb: KnowledgeBase) -> None:
    ok, _ = run(kb, ["herceptin"], META, 60, r(60, 43), r(90, 50))
    no, _ = run(kb, ["herceptin"], META, 60, r(60, 43), r(90, 49))
    assert action(ok, "trastuzumab") is LvefAction.resume
    assert action(no, "trastuzumab") is LvefAction.continue_withholding


def test_trastuzumab_fourth_hold_stops_and_never_resumes(kb: KnowledgeBase) -> None:
    seq = []
    day = 30
    for _ in range(3):
        seq += [r(day, 44), r(day + 28, 56)]
        day += 60
    seq += [r(day, 44), r(day + 28, 60)]
    out, states = run(kb, ["herceptin"], META, 60, *seq)
    actions = [action(out, "trastuzumab", i) for i in range(len(out))]
    assert actions[:6] == [LvefAction.withhold, LvefAction.resume] * 3
    assert actions[6] is LvefAction.stop_permanently
    assert actions[7] is LvefAction.stop_permanently
    stop = next(v for v in out[6].verdicts if v.table == "trastuzumab")
    assert stop.rule == "cardiac.trastuzumab.max_holds"
    assert stop.hold_number == 4
    assert any(s.source == "TRAZ-PI" for s in stop.sources)
    assert states[0].state is TableState.stopped


# --- margetuximab -----------------------------------------------------------------


def test_margetuximab_uses_50_percent_when_no_lln(kb: KnowledgeBase) -> None:
    out, _ = run(kb, ["margenza"], META, 60, r(60, 49, lln=None))
    assert action(out, "margetuximab") is LvefAction.withhold
    assert cites(out, "margetuximab", "MAR-PI")
    out, _ = run(kb, ["margenza"], META, 60, r(60, 50, lln=None))
    assert action(out, "margetuximab") is LvefAction.continue_


# --- pertuzumab / Phesgo ------------------------------------------------------------


@pytest.mark.parametrize(
    ("baseline", "lvef", "expected"),
    [
        (55, 39, LvefAction.withhold),
        (50, 40, LvefAction.withhold),  # 40-45 with drop 10
        (54, 45, LvefAction.continue_),  # 40-45 with drop 9
        (60, 46, LvefAction.continue_),  # > 45, any drop
    ],
)
def test_pertuzumab_metastatic_table(
    kb: KnowledgeBase, baseline: float, lvef: float, expected: LvefAction
) -> None:
    out, _ = run(kb, ["perjeta"], META, baseline, r(60, lvef))
    assert action(out, "pertuzumab_metastatic") is expected
    v = next(v for v in out[-1].verdicts if v.table == "pertuzumab_metastatic")
    assert any(s.source == "PER-PI" and s.verification == "S" for s in v.sources)


@pytest.mark.parametrize(
    ("baseline", "lvef", "expected"),
    [(59, 49, LvefAction.withhold), (58, 49, LvefAction.continue_), (62, 50, LvefAction.continue_)],
)
def test_pertuzumab_early_table(
    kb: KnowledgeBase, baseline: float, lvef: float, expected: LvefAction
) -> None:
    out, _ = run(kb, ["phesgo"], EARLY, baseline, r(60, lvef))
    assert action(out, "pertuzumab_early") is expected
    assert cites(out, "pertuzumab_early", "PER-PI")


def test_pertuzumab_hold_3_weeks_then_resume_or_stop(kb: KnowledgeBase) -> None:
    early, _ = run(kb, ["perjeta"], META, 60, r(60, 39), r(80, 50))
    assert action(early, "pertuzumab_metastatic") is LvefAction.continue_withholding
    ok, _ = run(kb, ["perjeta"], META, 60, r(60, 39), r(81, 46))
    assert action(ok, "pertuzumab_metastatic") is LvefAction.resume
    bad, _ = run(kb, ["perjeta"], META, 60, r(60, 39), r(81, 41))
    assert action(bad, "pertuzumab_metastatic") is LvefAction.stop_permanently


def test_two_drugs_conflict_stricter_leads(kb: KnowledgeBase) -> None:
    # Day 21 after a hold: pertuzumab may resume (> 45), trastuzumab needs 4 weeks.
    out, _ = run(kb, ["herceptin", "perjeta"], META, 60, r(60, 43), r(81, 50))
    last = out[-1]
    assert action(out, "pertuzumab_metastatic") is LvefAction.resume
    assert action(out, "trastuzumab") is LvefAction.continue_withholding
    assert last.conflict
    assert last.leading.table == "trastuzumab"
    assert last.leading.action is LvefAction.continue_withholding


# --- T-DM1 ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("baseline", "lvef", "expected"),
    [
        (55, 39, LvefAction.withhold),
        (55, 45, LvefAction.withhold),  # 40-45 with drop 10
        (54, 45, LvefAction.continue_recheck),  # 40-45 with drop 9
        (66, 46, LvefAction.continue_),  # > 45 with drop 20
    ],
)
def test_tdm1_metastatic_table(
    kb: KnowledgeBase, baseline: float, lvef: float, expected: LvefAction
) -> None:
    out, _ = run(kb, ["kadcyla"], META, baseline, r(60, lvef))
    assert action(out, "tdm1_metastatic") is expected
    assert cites(out, "tdm1_metastatic", "KAD-PI")


def test_tdm1_not_recovered_on_recheck_stops(kb: KnowledgeBase) -> None:
    out, _ = run(kb, ["kadcyla"], META, 60, r(60, 39), r(80, 39))
    assert action(out, "tdm1_metastatic") is LvefAction.stop_permanently
    out, _ = run(kb, ["kadcyla"], META, 60, r(60, 39), r(80, 55))
    assert action(out, "tdm1_metastatic") is LvefAction.resume


def test_tdm1_early_table_is_not_covered(kb: KnowledgeBase) -> None:
    out, _ = run(kb, ["kadcyla"], EARLY, 60, r(60, 30))
    assert action(out, "tdm1_early") is LvefAction.not_covered
    v = out[-1].verdicts[0]
    assert "clinical judgement" in v.text
    assert any(s.verification == "M" for s in v.sources)


# --- T-DXd ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("baseline", "lvef", "expected"),
    [
        (66, 46, LvefAction.continue_),  # > 45, drop 20
        (67, 46, LvefAction.withhold),  # drop 21 (> 20)
        (50, 40, LvefAction.withhold),  # 40-45, drop 10
        (49, 40, LvefAction.continue_recheck),  # 40-45, drop 9
        (45, 39, LvefAction.withhold),  # < 40
    ],
)
def test_tdxd_table(kb: KnowledgeBase, baseline: float, lvef: float, expected: LvefAction) -> None:
    out, _ = run(kb, ["enhertu"], META, baseline, r(60, lvef))
    assert action(out, "tdxd") is expected
    assert cites(out, "tdxd", "ENH-PI")


def test_trastuzumab_holds_while_tdxd_continues(kb: KnowledgeBase) -> None:
    out, _ = run(kb, ["herceptin", "enhertu"], META, 66, r(60, 50))  # drop 16, LVEF 50
    assert action(out, "trastuzumab") is LvefAction.withhold
    assert action(out, "tdxd") is LvefAction.continue_
    assert out[-1].conflict
    assert out[-1].leading.action is LvefAction.withhold
    assert cites(out, "tdxd", "ENH-PI")
    assert cites(out, "trastuzumab", "TRAZ-PI")


def test_tdxd_symptomatic_heart_failure_stops(kb: KnowledgeBase) -> None:
    out, _ = run(kb, ["enhertu"], META, 60, r(60, 55, symptomatic=True))
    assert action(out, "tdxd") is LvefAction.stop_permanently
    assert cites(out, "tdxd", "ENH-PI")


# --- lapatinib --------------------------------------------------------------------------


def test_lapatinib_below_lln_holds_then_restarts_reduced(kb: KnowledgeBase) -> None:
    out, _ = run(kb, ["tykerb"], META, 62, r(60, 49))
    assert action(out, "lapatinib") is LvefAction.withhold
    assert cites(out, "lapatinib", "TYK-PI")
    early, _ = run(kb, ["tykerb"], META, 62, r(60, 49), r(73, 60))
    assert action(early, "lapatinib") is LvefAction.continue_withholding
    back, _ = run(kb, ["tykerb"], META, 62, r(60, 49), r(74, 60))
    assert action(back, "lapatinib") is LvefAction.resume
    v = next(v for v in back[-1].verdicts if v.table == "lapatinib")
    assert "reduced dose" in v.text


# --- monitoring plan ---------------------------------------------------------------------


def test_monitoring_plan_adjuvant_follow_up_and_overdue(kb: KnowledgeBase) -> None:
    readings = [LVEFReading(date=D0 - timedelta(days=10), percent=62, lln=50)]
    answer = cardiac_review(
        kb,
        ["herceptin"],
        EARLY,
        readings,
        D0,
        as_of=date(2026, 4, 20),
        completion=date(2026, 12, 28),
        adjuvant=True,
    )
    kinds = [c.kind.value for c in answer.plan]
    assert kinds[0] == "baseline" and answer.plan[0].status.value == "done"
    during = next(c for c in answer.plan if c.kind.value == "during")
    assert during.due == date(2026, 4, 1)
    assert during.status.value == "overdue"  # 19 days past due, beyond the 7-day grace
    assert answer.overdue
    follow = [c for c in answer.plan if c.kind.value == "after_adjuvant"]
    assert [c.due for c in follow] == [
        date(2027, 6, 28),
        date(2027, 12, 28),
        date(2028, 6, 28),
        date(2028, 12, 28),
    ]
    assert any(s.source == "HER-PI" for s in follow[0].sources)


def test_monitoring_while_held_every_4_weeks(kb: KnowledgeBase) -> None:
    readings = [r(0, 60), r(60, 43)]
    answer = cardiac_review(kb, ["herceptin"], META, readings, D0, as_of=D0 + timedelta(days=61))
    held = [c for c in answer.plan if c.kind.value == "while_held"]
    assert held and held[0].due == D0 + timedelta(days=88)
    assert answer.next_due == D0 + timedelta(days=88)


def test_missing_baseline_is_reported(kb: KnowledgeBase) -> None:
    answer = cardiac_review(kb, ["herceptin"], META, [r(60, 50)], D0, as_of=D0 + timedelta(days=61))
    assert answer.baseline is None
    assert answer.missing and answer.missing[0].field == "lvef"


def test_pertuzumab_stops_when_trastuzumab_stops(kb: KnowledgeBase) -> None:
    seq = []
    day = 30
    for _ in range(3):
        seq += [r(day, 44), r(day + 28, 56)]
        day += 60
    seq.append(r(day, 44))  # 4th trastuzumab hold: stop
    out, states = run(kb, ["herceptin", "perjeta"], META, 60, *seq)
    v = next(v for v in out[-1].verdicts if v.table == "pertuzumab_metastatic")
    assert v.action is LvefAction.stop_permanently
    assert v.rule == "cardiac.pertuzumab_metastatic.follows.trastuzumab"
    assert any(s.source == "PER-PI" and s.verification == "L" for s in v.sources)
    assert all(s.state is TableState.stopped for s in states)
