"""Dose calculation: label doses, ladders, formulas, rounding and flags, with sources."""

from __future__ import annotations

import math

import pytest

from her2path.domain.course import DoseKind
from her2path.engine.dosing import BsaMethod, DoseRequest, calculate_dose, vial_total
from her2path.errors import InputError
from her2path.kb import KnowledgeBase
from her2path.kb.dosing import RoundingMode


def dose(kb: KnowledgeBase, **kw: object):  # type: ignore[no-untyped-def]
    return calculate_dose(kb, DoseRequest.model_validate(kw))


def cites(answer, source: str) -> bool:  # type: ignore[no-untyped-def]
    return any(s.source == source for st in answer.steps for s in st.sources)


def test_trastuzumab_weekly_loading_and_maintenance(kb: KnowledgeBase) -> None:
    load = dose(kb, drug="herceptin", spec="weekly", weight_kg=70)
    assert (load.kind, load.per_unit, load.unrounded_mg, load.dose_mg) == (
        DoseKind.loading,
        4,
        280,
        280,
    )
    assert load.timing is not None and "90 min" in load.timing.text
    maint = dose(kb, drug="herceptin", spec="weekly", weight_kg=70, kind="maintenance")
    assert maint.dose_mg == 140 and maint.timing is not None and "30 min" in maint.timing.text
    assert cites(load, "HER-PI")


def test_biosimilar_uses_trastuzumab_dosing(kb: KnowledgeBase) -> None:
    a = dose(kb, drug="ogivri", spec="q3w", weight_kg=60)
    assert a.dose_mg == 480 and a.kind is DoseKind.loading


def test_hylecta_fixed_no_loading(kb: KnowledgeBase) -> None:
    a = dose(kb, drug="herceptin_hylecta", kind="loading")
    assert a.kind is DoseKind.maintenance and a.dose_mg == 600
    assert any(n.code == "no_loading_dose" for n in a.notes)
    assert a.rounding.startswith("fixed")


def test_phesgo_and_pertuzumab_fixed_loading(kb: KnowledgeBase) -> None:
    assert dose(kb, drug="phesgo").dose_mg == 1200
    assert dose(kb, drug="phesgo", kind="maintenance").dose_mg == 600
    p = dose(kb, drug="perjeta")
    assert p.dose_mg == 840 and p.timing is not None and "observe at least 60" in p.timing.text


def test_tdm1_ladder_ceiling_and_stop(kb: KnowledgeBase) -> None:
    levels = [dose(kb, drug="kadcyla", weight_kg=70, level=i) for i in range(4)]
    assert [a.per_unit for a in levels[:3]] == [3.6, 3.0, 2.4]
    assert levels[3].stop and levels[3].dose_mg is None
    assert "do not re-escalate" in levels[1].steps[-1].outcome
    assert any(s.source == "KAD-PI" for s in levels[1].steps[-1].sources)
    assert kb.dosing.by_id()["kadcyla"].specs[0].max_per_kg == 3.6


def test_tdxd_tumour_specific_doses_and_ladders(kb: KnowledgeBase) -> None:
    breast = [dose(kb, drug="enhertu", tumour="breast", weight_kg=60, level=i) for i in range(3)]
    gastric = [dose(kb, drug="enhertu", tumour="gastric", weight_kg=60, level=i) for i in range(3)]
    assert [a.per_unit for a in breast] == [5.4, 4.4, 3.2]
    assert [a.per_unit for a in gastric] == [6.4, 5.4, 4.4]
    # the gastric ladder is not verified, and says so
    assert all(s.verification == "M" for s in gastric[1].steps[-1].sources)
    assert any(s.verification == "L" for s in breast[1].steps[-1].sources)


@pytest.mark.parametrize(
    ("drug", "spec", "levels"),
    [
        ("tukysa", "bid", [300, 250, 200, 150]),
        ("nerlynx", "extended_adjuvant", [240, 200, 160, 120]),
        ("tykerb", "with_capecitabine", [1250, 1000]),
        ("tykerb", "with_letrozole", [1500, 1250]),
    ],
)
def test_oral_reduction_ladders(kb: KnowledgeBase, drug: str, spec: str, levels: list[int]) -> None:
    got = [dose(kb, drug=drug, spec=spec, level=i).dose_mg for i in range(len(levels))]
    assert got == levels
    assert dose(kb, drug=drug, spec=spec, level=len(levels)).stop


def test_neratinib_escalation_offered(kb: KnowledgeBase) -> None:
    a = dose(kb, drug="nerlynx", spec="extended_adjuvant")
    note = next(n for n in a.notes if n.code == "optional_escalation")
    assert "120 mg" in note.text and "160 mg" in note.text
    assert {s.verification for s in note.sources} == {"L", "M"}


def test_no_reduction_for_trastuzumab(kb: KnowledgeBase) -> None:
    with pytest.raises(InputError) as exc:
        dose(kb, drug="herceptin", spec="q3w", weight_kg=70, level=1)
    assert exc.value.problems[0].where == "level"


@pytest.mark.parametrize(
    ("partner", "per_m2"), [("nerlynx", 750), ("tukysa", 1000), ("tykerb", 1000)]
)
def test_capecitabine_partner_dose(kb: KnowledgeBase, partner: str, per_m2: int) -> None:
    a = dose(kb, drug="capecitabine", partner=partner, weight_kg=70, height_cm=170)
    assert a.per_unit == per_m2 and a.per_day == 2
    bsa = math.sqrt(170 * 70 / 3600)
    assert a.unrounded_mg == pytest.approx(per_m2 * round(bsa, 4), abs=0.01)


def test_bsa_mosteller_and_dubois(kb: KnowledgeBase) -> None:
    m = dose(kb, drug="paclitaxel", spec="weekly_80", weight_kg=70, height_cm=170)
    d = dose(
        kb, drug="paclitaxel", spec="weekly_80", weight_kg=70, height_cm=170, bsa_method="dubois"
    )
    assert m.computations[0].value == pytest.approx(1.8181, abs=1e-4)
    assert d.computations[0].value == pytest.approx(0.007184 * 70**0.425 * 170**0.725, abs=1e-4)
    assert any(s.source == "MOSTELLER87" for s in m.computations[0].sources)
    assert any(s.source == "DUBOIS16" for s in d.computations[0].sources)
    assert BsaMethod.dubois.value == "dubois"


def test_carboplatin_calvert_cockcroft_gault_female_and_cap(kb: KnowledgeBase) -> None:
    a = dose(
        kb, drug="carboplatin", weight_kg=70, age_years=60, sex="female", serum_creatinine_mg_dl=1.0
    )
    crcl = (140 - 60) * 70 / (72 * 1.0) * 0.85
    assert a.computations[0].value == pytest.approx(crcl, abs=0.01)
    assert a.unrounded_mg == pytest.approx(6 * (crcl + 25), abs=0.1)
    male = dose(
        kb, drug="carboplatin", weight_kg=70, age_years=60, sex="male", serum_creatinine_mg_dl=1.0
    )
    assert male.computations[0].value == pytest.approx(crcl / 0.85, abs=0.01)
    capped = dose(
        kb, drug="carboplatin", weight_kg=90, age_years=30, sex="male", serum_creatinine_mg_dl=0.5
    )
    assert capped.computations[1].value == 125
    assert capped.dose_mg == 900
    assert any(s.source == "NCCN-CARBO" for s in capped.computations[1].sources)


def test_missing_measurements_are_reported_not_guessed(kb: KnowledgeBase) -> None:
    a = dose(kb, drug="carboplatin", weight_kg=70)
    assert a.dose_mg is None
    assert {m.field for m in a.missing} == {"age_years", "serum_creatinine_mg_dl", "sex"}
    b = dose(kb, drug="kadcyla")
    assert b.dose_mg is None and b.missing[0].field == "weight_kg"


@pytest.mark.parametrize(("previous", "flagged"), [(70.0, True), (69.93, False)])
def test_weight_change_threshold(kb: KnowledgeBase, previous: float, flagged: bool) -> None:
    a = dose(kb, drug="kadcyla", weight_kg=63, previous_weight_kg=previous)  # 10% vs 9.9%
    assert any(n.code == "weight_changed" for n in a.notes) is flagged
    if flagged:
        assert any(s.source == "HER2PATH" for n in a.notes for s in n.sources)


def test_vial_rounding_within_tolerance_and_fallback(kb: KnowledgeBase) -> None:
    a = dose(kb, drug="herceptin", spec="q3w", weight_kg=72.4, rounding="vial")
    assert a.unrounded_mg == pytest.approx(579.2)
    assert a.dose_mg == 570  # 150 + 420
    b = dose(kb, drug="enhertu", tumour="breast", weight_kg=83, rounding="vial")  # 448.2 mg
    assert b.dose_mg == 448
    assert any(n.code == "vial_outside_tolerance" for n in b.notes)
    assert vial_total(579.2, [150, 420]) == 570


def test_exact_rounding_keeps_decimals(kb: KnowledgeBase) -> None:
    a = dose(kb, drug="kadcyla", weight_kg=70.3, rounding=RoundingMode.exact.value)
    assert a.dose_mg == pytest.approx(253.08)


def test_unknown_drug_names_allowed_values(kb: KnowledgeBase) -> None:
    with pytest.raises(InputError) as exc:
        dose(kb, drug="trastuzumabb")
    assert "herceptin" in exc.value.problems[0].message
