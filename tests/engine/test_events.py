"""Adverse-event rules per product: every rule and boundary, each with its source."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from her2path.domain.events import AdverseEvent
from her2path.engine.events import NOT_COVERED, Outcome, manage_event, open_events
from her2path.errors import InputError
from her2path.kb import KnowledgeBase
from her2path.kb.adverse_events import Action, ResumeLevel, Rule
from tests.event_cases import AS_OF, ONSET, answer, cites, event, rule_ids

# --------------------------------------------------------------------------- every rule


def _all_rules(kb: KnowledgeBase) -> list[tuple[str, Rule]]:
    return [(pe.products[0], r) for pe in kb.adverse_events.products for r in pe.rules]


def test_every_rule_is_reachable_and_cites_its_sources(kb: KnowledgeBase) -> None:
    """Build an event that fits each rule exactly; the engine must pick that rule."""
    checked = 0
    for product, rule in _all_rules(kb):
        pe = kb.adverse_events.for_product(product)
        assert pe is not None
        mods = {m.value: False for r in pe.rules for m in r.when.modifiers}
        mods.update({m.value: v for m, v in rule.when.modifiers.items()})
        extra: dict[str, object] = {"modifiers": mods, "days": 1}
        if rule.when.setting is not None:
            extra["setting"] = rule.when.setting.value
        if product == "enhertu":
            extra["ladder"] = "breast"
        if product == "tykerb":
            extra["ladder"] = "with_capecitabine"
        grade = rule.grades[0] if rule.grades else 1
        a = answer(kb, product, rule.event.value, grade, **extra)
        assert a.outcome is Outcome.label_rule, rule.id
        assert rule_ids(a)[0] == rule.id
        assert a.action is rule.action
        for s in rule.sources:
            assert s in a.sources, (rule.id, s)
        checked += 1
    assert checked >= 60


# --------------------------------------------------------------------------- Enhertu ILD


@pytest.mark.parametrize(
    ("days", "level", "dose"),
    [(0, 0, "5.4"), (27, 0, "5.4"), (28, 0, "5.4"), (29, 1, "4.4"), (60, 1, "4.4")],
)
def test_tdxd_grade1_ild_28_day_boundary(
    kb: KnowledgeBase, days: int, level: int, dose: str
) -> None:
    a = answer(kb, "enhertu", "ild_pneumonitis", 1, days=days, ladder="breast")
    assert a.action is Action.withhold
    assert a.resume is not None
    assert a.resume.dose_level == level
    assert a.resume.dose is not None and a.resume.dose.startswith(dose)
    assert a.final is Action.resume_treatment
    assert rule_ids(a) == ["enhertu.ild.grade1", "enhertu.ild.grade1.resume"]
    assert cites(a, "ENH-PI", "ILD/pneumonitis grade 1")
    assert any("corticosteroids" in s for s in a.supportive)


def test_tdxd_grade1_ild_resolved_late_at_lowest_level_means_stop(kb: KnowledgeBase) -> None:
    a = answer(kb, "enhertu", "ild_pneumonitis", 1, days=29, ladder="breast", dose_level=2)
    assert a.resume is not None
    assert a.resume.resume_at is ResumeLevel.stop
    assert a.final is Action.discontinue_permanently
    assert "dosing.enhertu.breast.beyond_lowest" in rule_ids(a)


def test_tdxd_grade1_ild_ongoing_gives_dated_branches(kb: KnowledgeBase) -> None:
    a = answer(kb, "enhertu", "ild_pneumonitis", 1, ladder="breast", dose_level=1)
    assert a.resume is None and a.final is None
    deadline = (ONSET + timedelta(days=28)).isoformat()
    assert [o.condition for o in a.resume_options] == [
        f"if resolved on or before {deadline}",
        f"if resolved after {deadline}",
    ]
    assert [o.dose_level for o in a.resume_options] == [1, 2]


def test_tdxd_same_dose_needs_no_ladder_but_reduction_asks_for_it(kb: KnowledgeBase) -> None:
    same = answer(kb, "enhertu", "ild_pneumonitis", 1, days=10)
    assert same.resume is not None and same.resume.dose_level == 0
    assert any(m.field == "ladder" for m in same.missing)  # one branch would reduce
    late = answer(kb, "enhertu", "ild_pneumonitis", 1, days=40)
    assert late.resume is not None and late.resume.dose_level == 1 and late.resume.dose is None


@pytest.mark.parametrize("grade", [2, 3, 4, 5])
def test_tdxd_grade2_plus_ild_discontinues_with_steroids(kb: KnowledgeBase, grade: int) -> None:
    a = answer(kb, "enhertu", "ild_pneumonitis", grade)
    assert a.action is Action.discontinue_permanently
    assert rule_ids(a) == ["enhertu.ild.grade2_plus"]
    assert any("corticosteroids" in s for s in a.supportive)
    assert cites(a, "ENH-PI", "Boxed warning")


def test_tdxd_blood_counts(kb: KnowledgeBase) -> None:
    n3 = answer(kb, "enhertu", "neutropenia", 3, days=5)
    assert n3.resume is not None and n3.resume.resume_at is ResumeLevel.same_level
    assert cites(n3, "ENH-PI", "neutropenia grade 3")
    p3 = answer(kb, "enhertu", "thrombocytopenia", 3, days=5)
    assert p3.resume is not None and p3.resume.resume_at is ResumeLevel.same_level
    assert cites(p3, "ENH-PI", "thrombocytopenia grade 3")
    for t in ("neutropenia", "thrombocytopenia", "febrile_neutropenia"):
        a = answer(kb, "enhertu", t, 4)
        assert a.outcome is Outcome.not_covered, t
        assert NOT_COVERED in a.text


def test_tdxd_infusion(kb: KnowledgeBase) -> None:
    assert answer(kb, "enhertu", "infusion_reaction", 2).action is Action.slow_or_interrupt_infusion
    severe = answer(kb, "enhertu", "infusion_reaction", 3)
    assert severe.action is Action.discontinue_permanently
    assert cites(severe, "ENH-PI", "infusion-related")


# --------------------------------------------------------------------------- Kadcyla


@pytest.mark.parametrize(
    ("type_", "grade", "action", "resume_at"),
    [
        ("alt_ast_increased", 2, Action.continue_treatment, None),
        ("alt_ast_increased", 3, Action.withhold, ResumeLevel.one_level_lower),
        ("alt_ast_increased", 4, Action.discontinue_permanently, None),
        ("bilirubin_increased", 2, Action.withhold, ResumeLevel.same_level),
        ("bilirubin_increased", 3, Action.withhold, ResumeLevel.one_level_lower),
        ("bilirubin_increased", 4, Action.discontinue_permanently, None),
        ("thrombocytopenia", 3, Action.withhold, ResumeLevel.same_level),
        ("thrombocytopenia", 4, Action.withhold, ResumeLevel.one_level_lower),
    ],
)
def test_tdm1_metastatic_tables(
    kb: KnowledgeBase, type_: str, grade: int, action: Action, resume_at: ResumeLevel | None
) -> None:
    a = answer(kb, "kadcyla", type_, grade, setting="metastatic", days=7)
    assert a.action is action
    if resume_at is None:
        assert a.resume is None
    else:
        assert a.resume is not None and a.resume.resume_at is resume_at
    assert cites(a, "KAD-PI", "MBC")


def test_tdm1_bilirubin_grade2_records_the_wrong_monograph(kb: KnowledgeBase) -> None:
    pe = kb.adverse_events.for_product("kadcyla")
    assert pe is not None
    rule = next(r for r in pe.rules if r.id == "kadcyla.bilirubin.grade2")
    assert rule.disagreements and "reduce one" in rule.disagreements[0].says


@pytest.mark.parametrize(("level", "dose"), [(0, "3 mg/kg"), (1, "2.4 mg/kg")])
def test_tdm1_reduction_walks_the_ladder(kb: KnowledgeBase, level: int, dose: str) -> None:
    a = answer(kb, "kadcyla", "thrombocytopenia", 4, setting="metastatic", days=7, dose_level=level)
    assert a.resume is not None and a.resume.dose is not None
    assert a.resume.dose.startswith(dose)
    assert a.resume.dose_level == level + 1
    assert cites(a, "KAD-PI", "Table 1")


def test_tdm1_reduction_from_lowest_level_means_stopping(kb: KnowledgeBase) -> None:
    a = answer(kb, "kadcyla", "alt_ast_increased", 3, setting="metastatic", days=7, dose_level=2)
    assert a.resume is not None
    assert a.resume.resume_at is ResumeLevel.stop and a.resume.dose_level is None
    assert a.final is Action.discontinue_permanently
    assert cites(a, "KAD-PI", "Table 1")


def test_tdm1_early_setting_is_not_covered(kb: KnowledgeBase) -> None:
    a = answer(kb, "kadcyla", "alt_ast_increased", 3, setting="early")
    assert a.outcome is Outcome.not_covered
    assert any("Early breast cancer" in n.text for n in a.notes)


def test_tdm1_setting_unknown_asks_for_it(kb: KnowledgeBase) -> None:
    a = answer(kb, "kadcyla", "thrombocytopenia", 3)
    assert a.outcome is Outcome.needs_information
    assert [m.field for m in a.missing] == ["setting"]


@pytest.mark.parametrize(
    ("type_", "rule"),
    [
        ("transaminases_with_bilirubin", "kadcyla.liver.combined"),
        ("nodular_regenerative_hyperplasia", "kadcyla.liver.nrh"),
        ("ild_pneumonitis", "kadcyla.ild"),
    ],
)
def test_tdm1_stop_rules(kb: KnowledgeBase, type_: str, rule: str) -> None:
    a = answer(kb, "kadcyla", type_, 2)
    assert a.action is Action.discontinue_permanently
    assert rule_ids(a) == [rule]
    assert cites(a, "KAD-PI")


def test_tdm1_infusion_by_severity(kb: KnowledgeBase) -> None:
    mild = answer(kb, "kadcyla", "infusion_reaction", 1)
    assert mild.action is Action.slow_or_interrupt_infusion
    assert any("90 minutes" in s for s in mild.supportive)
    assert answer(kb, "kadcyla", "infusion_reaction", 3).action is Action.interrupt_infusion
    assert answer(kb, "kadcyla", "infusion_reaction", 4).action is Action.discontinue_permanently


def test_tdm1_has_no_neutropenia_rule(kb: KnowledgeBase) -> None:
    assert answer(kb, "kadcyla", "neutropenia", 4).outcome is Outcome.not_covered


# --------------------------------------------------------------------------- trastuzumab


TRASTUZUMAB_IV = [
    "herceptin",
    "hercessi",
    "herzuma",
    "kanjinti",
    "ogivri",
    "ontruzant",
    "trazimera",
]


@pytest.mark.parametrize("product", TRASTUZUMAB_IV)
def test_trastuzumab_iv_pulmonary_stop(kb: KnowledgeBase, product: str) -> None:
    for type_ in ("ild_pneumonitis", "ards"):
        a = answer(kb, product, type_, 2)
        assert a.action is Action.discontinue_permanently
        assert cites(a, "HER-PI", "pulmonary toxicity")


def test_trastuzumab_iv_infusion(kb: KnowledgeBase) -> None:
    no = {"anaphylaxis": False, "angioedema": False}
    a = answer(
        kb,
        "herceptin",
        "infusion_reaction",
        2,
        modifiers={**no, "dyspnoea_or_hypotension": True},
    )
    assert a.action is Action.interrupt_infusion
    assert cites(a, "HER-PI", "Boxed warning")
    ana = answer(kb, "herceptin", "infusion_reaction", 2, modifiers={"anaphylaxis": True})
    assert ana.action is Action.discontinue_permanently
    mild = answer(
        kb,
        "herceptin",
        "infusion_reaction",
        1,
        modifiers={**no, "dyspnoea_or_hypotension": False},
    )
    assert mild.outcome is Outcome.not_covered  # slowing for mild reactions is not verified


def test_trastuzumab_iv_infusion_without_facts_asks_for_them(kb: KnowledgeBase) -> None:
    a = answer(kb, "herceptin", "infusion_reaction", 2)
    assert a.outcome is Outcome.needs_information
    assert {m.field for m in a.missing} == {
        "modifiers.anaphylaxis",
        "modifiers.angioedema",
        "modifiers.dyspnoea_or_hypotension",
    }


def test_hylecta_and_phesgo_have_no_unverified_pulmonary_rule(kb: KnowledgeBase) -> None:
    for product in ("herceptin_hylecta", "phesgo"):
        assert answer(kb, product, "ild_pneumonitis", 2).outcome is Outcome.not_covered


def test_hylecta_severe_hypersensitivity_stops(kb: KnowledgeBase) -> None:
    a = answer(kb, "herceptin_hylecta", "hypersensitivity", 3)
    assert a.action is Action.discontinue_permanently
    assert cites(a, "HYL-PI", "5.5")
    assert any(
        "no fixed observation period" in n.text
        for n in answer(kb, "herceptin_hylecta", "ild_pneumonitis", 1).notes
    )


def test_perjeta_observation_and_stop(kb: KnowledgeBase) -> None:
    a = answer(kb, "perjeta", "infusion_reaction", 2)
    assert a.action is Action.slow_or_interrupt_infusion
    assert any("30 to 60 minutes" in s for s in a.supportive)
    assert cites(a, "PER-PI", "observation")
    assert answer(kb, "perjeta", "infusion_reaction", 4).action is Action.discontinue_permanently
    ser = answer(kb, "perjeta", "hypersensitivity", 3)
    assert ser.action is Action.discontinue_permanently


def test_phesgo_observation(kb: KnowledgeBase) -> None:
    a = answer(kb, "phesgo", "infusion_reaction", 1)
    assert any("30 minutes" in s and "15 minutes" in s for s in a.supportive)
    assert cites(a, "PHE-PI", "30 minutes")


def test_margenza_infusion(kb: KnowledgeBase) -> None:
    slow = answer(
        kb, "margenza", "infusion_reaction", 2, modifiers={"dyspnoea_or_hypotension": False}
    )
    assert slow.action is Action.slow_infusion
    stop = answer(
        kb, "margenza", "infusion_reaction", 3, modifiers={"dyspnoea_or_hypotension": False}
    )
    assert stop.action is Action.discontinue_permanently
    dys = answer(
        kb, "margenza", "infusion_reaction", 2, modifiers={"dyspnoea_or_hypotension": True}
    )
    assert dys.action is Action.interrupt_infusion
    assert cites(dys, "MAR-PI", "infusion-related")


def test_margenza_unknown_dyspnoea_answers_but_warns(kb: KnowledgeBase) -> None:
    a = answer(kb, "margenza", "infusion_reaction", 2)
    assert a.action is Action.slow_infusion
    assert [m.field for m in a.missing] == ["modifiers.dyspnoea_or_hypotension"]
    assert any(n.code == "other_rule_possible" for n in a.notes)


# --------------------------------------------------------------------------- cardiac link


@pytest.mark.parametrize(
    ("product", "setting", "see"),
    [
        ("herceptin", None, ["cardiac:trastuzumab"]),
        ("ogivri", "early", ["cardiac:trastuzumab"]),
        ("herceptin_hylecta", None, ["cardiac:trastuzumab"]),
        ("perjeta", None, ["cardiac:pertuzumab_early", "cardiac:pertuzumab_metastatic"]),
        ("phesgo", "early", ["cardiac:pertuzumab_early"]),
        ("kadcyla", "metastatic", ["cardiac:tdm1_metastatic"]),
        ("enhertu", None, ["cardiac:tdxd"]),
        ("margenza", None, ["cardiac:margetuximab"]),
        ("tykerb", "metastatic", ["cardiac:lapatinib"]),
    ],
)
def test_lv_dysfunction_links_to_cardiac_rules(
    kb: KnowledgeBase, product: str, setting: str | None, see: list[str]
) -> None:
    extra = {"setting": setting} if setting else {}
    a = answer(kb, product, "left_ventricular_dysfunction", 2, **extra)
    assert a.action is Action.see_cardiac_rules
    assert a.see == "cardiac"
    assert a.see_rules == see
    assert a.resume is None and not a.resume_options  # no copy of the cardiac thresholds
    tables = {t.id for t in kb.cardiac.tables}
    assert all(ref.split(":", 1)[1] in tables for ref in a.see_rules)


def test_lv_dysfunction_on_tdm1_early_says_table_not_encoded(kb: KnowledgeBase) -> None:
    a = answer(kb, "kadcyla", "left_ventricular_dysfunction", 2, setting="early")
    assert a.see_rules == ["cardiac:tdm1_early"]
    assert any(n.code == "cardiac_table_not_encoded" for n in a.notes)


def test_lv_dysfunction_without_a_table_in_the_setting(kb: KnowledgeBase) -> None:
    a = answer(kb, "tykerb", "left_ventricular_dysfunction", 2, setting="early")
    assert a.see_rules == []
    assert any(n.code == "no_cardiac_table" for n in a.notes)


# --------------------------------------------------------------------------- tucatinib


def test_tucatinib_diarrhoea(kb: KnowledgeBase) -> None:
    assert answer(kb, "tukysa", "diarrhoea", 2).action is Action.continue_treatment
    without = answer(
        kb, "tukysa", "diarrhoea", 3, days=3, modifiers={"on_antidiarrhoeal_treatment": False}
    )
    assert without.resume is not None and without.resume.resume_at is ResumeLevel.same_level
    assert cites(without, "TUK-PI", "without antidiarrhoeal")
    with_ = answer(
        kb, "tukysa", "diarrhoea", 3, days=3, modifiers={"on_antidiarrhoeal_treatment": True}
    )
    assert with_.resume is not None and with_.resume.dose == "250 mg twice daily"
    assert with_.rule_path[0].sources[0].source == "TUK-PI"
    assert answer(kb, "tukysa", "diarrhoea", 4).action is Action.discontinue_permanently


def test_tucatinib_grade3_diarrhoea_needs_the_treatment_fact(kb: KnowledgeBase) -> None:
    a = answer(kb, "tukysa", "diarrhoea", 3)
    assert a.outcome is Outcome.needs_information
    assert [m.field for m in a.missing] == ["modifiers.on_antidiarrhoeal_treatment"]


def test_tucatinib_150_mg_is_the_last_step(kb: KnowledgeBase) -> None:
    a = answer(kb, "tukysa", "alt_ast_increased", 3, days=5, dose_level=3)
    assert a.final is Action.discontinue_permanently
    b = answer(kb, "tukysa", "alt_ast_increased", 3, days=5, dose_level=2)
    assert b.resume is not None and b.resume.dose == "150 mg twice daily"


@pytest.mark.parametrize(
    ("type_", "grade", "resume_at"),
    [
        ("bilirubin_increased", 1, None),
        ("bilirubin_increased", 2, ResumeLevel.same_level),
        ("bilirubin_increased", 3, ResumeLevel.one_level_lower),
        ("alt_ast_increased", 3, ResumeLevel.one_level_lower),
    ],
)
def test_tucatinib_liver(
    kb: KnowledgeBase, type_: str, grade: int, resume_at: ResumeLevel | None
) -> None:
    a = answer(kb, "tukysa", type_, grade, days=5)
    assert (a.resume.resume_at if a.resume else None) is resume_at
    assert any(s.source == "TUK-PI" and s.verification == "S" for s in a.sources)
    for t in ("alt_ast_increased", "bilirubin_increased"):
        assert answer(kb, "tukysa", t, 4).action is Action.discontinue_permanently
    assert (
        answer(kb, "tukysa", "transaminases_with_bilirubin", 3).action
        is Action.discontinue_permanently
    )


# --------------------------------------------------------------------------- neratinib


@pytest.mark.parametrize(
    ("day", "rule"),
    [
        (1, "nerlynx.loperamide.weeks_1_2"),
        (14, "nerlynx.loperamide.weeks_1_2"),
        (15, "nerlynx.loperamide.weeks_3_8"),
        (56, "nerlynx.loperamide.weeks_3_8"),
        (57, "nerlynx.loperamide.week_9_on"),
        (365, "nerlynx.loperamide.week_9_on"),
        (366, "nerlynx.loperamide.week_9_on"),
    ],
)
def test_neratinib_loperamide_schedule(kb: KnowledgeBase, day: int, rule: str) -> None:
    start = ONSET - timedelta(days=day - 1)
    a = answer(kb, "nerlynx", "diarrhoea", 1, treatment_start=start)
    assert a.prophylaxis is not None
    assert a.prophylaxis.treatment_day == day
    assert a.prophylaxis.id == rule
    assert any(s.source == "NER-PI" and "Table 1" in s.where for s in a.prophylaxis.sources)


def test_neratinib_loperamide_texts(kb: KnowledgeBase) -> None:
    from her2path.engine.events import prophylaxis_for_day

    assert "three times daily" in (prophylaxis_for_day(kb, "nerlynx", 14) or _X).text
    assert "twice daily" in (prophylaxis_for_day(kb, "nerlynx", 15) or _X).text
    assert "twice daily" in (prophylaxis_for_day(kb, "nerlynx", 56) or _X).text
    late = prophylaxis_for_day(kb, "nerlynx", 57)
    assert late is not None and "16 mg" in late.text and late.last_day is None
    assert late.disagreements and "57-365" in late.disagreements[0].says
    assert prophylaxis_for_day(kb, "nerlynx", 0) is None
    assert prophylaxis_for_day(kb, "tukysa", 5) is None


class _Row:
    text = ""


_X = _Row()


def test_neratinib_graded_diarrhoea_is_not_covered(kb: KnowledgeBase) -> None:
    a = answer(kb, "nerlynx", "diarrhoea", 3)
    assert a.outcome is Outcome.not_covered
    assert any("Table 4" in n.text for n in a.notes)


@pytest.mark.parametrize(
    ("days", "resume_at", "final"),
    [
        (21, ResumeLevel.one_level_lower, Action.resume_treatment),
        (22, ResumeLevel.stop, Action.discontinue_permanently),
    ],
)
def test_neratinib_grade3_liver_three_week_boundary(
    kb: KnowledgeBase, days: int, resume_at: ResumeLevel, final: Action
) -> None:
    for t in ("alt_ast_increased", "bilirubin_increased"):
        a = answer(kb, "nerlynx", t, 3, days=days, modifiers={"recurrent_after_reduction": False})
        assert a.resume is not None and a.resume.resume_at is resume_at
        assert a.final is final
        assert cites(a, "NER-PI", "Table 5")


def test_neratinib_liver_recurrence_and_grade4(kb: KnowledgeBase) -> None:
    a = answer(kb, "nerlynx", "alt_ast_increased", 3, modifiers={"recurrent_after_reduction": True})
    assert a.action is Action.discontinue_permanently
    assert answer(kb, "nerlynx", "bilirubin_increased", 4).action is Action.discontinue_permanently


def test_neratinib_120_mg_is_the_last_step(kb: KnowledgeBase) -> None:
    a = answer(kb, "nerlynx", "other", 3, days=10, dose_level=3)
    assert a.final is Action.discontinue_permanently
    b = answer(kb, "nerlynx", "other", 3, days=10, dose_level=0)
    assert b.resume is not None and b.resume.dose == "200 mg once daily"
    assert cites(b, "NER-PI", "general toxicities")
    assert answer(kb, "nerlynx", "other", 4).action is Action.discontinue_permanently


# --------------------------------------------------------------------------- lapatinib


def test_lapatinib_diarrhoea_and_liver(kb: KnowledgeBase) -> None:
    cap = answer(kb, "tykerb", "diarrhoea", 3, days=4, ladder="with_capecitabine")
    assert cap.resume is not None and cap.resume.dose == "1,000 mg once daily"
    let = answer(kb, "tykerb", "diarrhoea", 3, days=4, ladder="with_letrozole")
    assert let.resume is not None and let.resume.dose == "1,250 mg once daily"
    again = answer(kb, "tykerb", "diarrhoea", 3, days=4, ladder="with_letrozole", dose_level=1)
    assert again.resume is not None and again.resume.dose_level is None
    assert again.final is None
    assert any(n.code == "below_lowest_not_covered" for n in again.notes)
    assert answer(kb, "tykerb", "diarrhoea", 4).action is Action.discontinue_permanently
    liver = answer(kb, "tykerb", "transaminases_with_bilirubin", 3)
    assert liver.action is Action.discontinue_permanently
    assert cites(liver, "TYK-PI", "Boxed warning")
    assert answer(kb, "tykerb", "alt_ast_increased", 3).outcome is Outcome.not_covered


def test_lapatinib_reduction_asks_for_the_partner(kb: KnowledgeBase) -> None:
    a = answer(kb, "tykerb", "diarrhoea", 3, days=4)
    assert any(m.field == "ladder" for m in a.missing)
    assert a.resume is not None and a.resume.dose is None


# --------------------------------------------------------------------------- other


def test_keytruda_is_not_covered(kb: KnowledgeBase) -> None:
    a = answer(kb, "keytruda", "diarrhoea", 3)
    assert a.outcome is Outcome.not_covered
    assert a.sources[0].source == "HER2PATH"


def test_unknown_product_and_ladder_are_input_errors(kb: KnowledgeBase) -> None:
    with pytest.raises(InputError) as exc:
        answer(kb, "tamoxifen", "diarrhoea", 3)
    assert exc.value.problems[0].where == "product"
    assert "enhertu" in exc.value.problems[0].message
    with pytest.raises(InputError) as exc:
        answer(kb, "kadcyla", "thrombocytopenia", 4, setting="metastatic", days=3, ladder="x")
    assert exc.value.problems[0].where == "ladder"
    with pytest.raises(InputError) as exc:
        answer(kb, "kadcyla", "thrombocytopenia", 4, setting="metastatic", days=3, dose_level=3)
    assert exc.value.problems[0].where == "dose_level"


def test_dose_level_above_the_ladder_is_rejected_for_any_event(kb: KnowledgeBase) -> None:
    with pytest.raises(InputError) as exc:
        answer(kb, "herceptin", "ild_pneumonitis", 2, dose_level=1)
    assert exc.value.problems[0].where == "dose_level"
    assert "allowed: 0-0" in exc.value.problems[0].message


def test_dates_after_as_of_are_rejected(kb: KnowledgeBase) -> None:
    with pytest.raises(InputError):
        manage_event(kb, event("enhertu", "neutropenia", 3), ONSET - timedelta(days=1))


def test_event_validation() -> None:
    with pytest.raises(ValueError, match="grade"):
        event("enhertu", "neutropenia", 6)
    with pytest.raises(ValueError, match="resolved is before onset"):
        event("enhertu", "neutropenia", 3, resolved=ONSET - timedelta(days=1))
    with pytest.raises(ValueError):
        event("enhertu", "sunburn", 3)


def test_open_events_skip_resolved_ones(kb: KnowledgeBase) -> None:
    events = [
        event("enhertu", "neutropenia", 3, days=5),
        event("enhertu", "ild_pneumonitis", 1, ladder="breast"),
        AdverseEvent.model_validate(
            {
                "product": "enhertu",
                "type": "neutropenia",
                "grade": 3,
                "onset": date(2026, 5, 30),
                "resolved": date(2026, 6, 10),
            }
        ),
    ]
    found = open_events(kb, events, AS_OF)
    assert [a.event.type.value for a in found] == ["ild_pneumonitis", "neutropenia"]
    assert all(a.event.resolved is None for a in found)
