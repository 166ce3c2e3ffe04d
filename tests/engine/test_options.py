"""Every indication rule and every exclusion reason, each with the source it cites."""

from __future__ import annotations

import pytest

from her2path.kb import KnowledgeBase
from tests.patients import example, exclusion, option, run, run_example, sources_of

# (example patient, regimen, indication id, a source id the rule must cite)
INDICATION_CASES = [
    ("02", "ac_th", "trastuzumab.adjuvant_anthracycline_taxane", "HER-PI"),
    ("02", "tch", "trastuzumab.adjuvant_docetaxel_carboplatin", "HER-PI"),
    ("03", "trastuzumab_single_agent_adjuvant", "trastuzumab.adjuvant_single_agent", "HER-PI"),
    ("02", "th", "apt.adjuvant_paclitaxel_trastuzumab", "APT-TRIAL"),
    ("07", "trastuzumab_paclitaxel_metastatic", "trastuzumab.mbc_paclitaxel", "HER-PI"),
    ("08", "trastuzumab_single_agent_metastatic", "trastuzumab.mbc_single_agent", "HER-PI"),
    (
        "14",
        "trastuzumab_cisplatin_fluoropyrimidine",
        "trastuzumab.gastric_first_line",
        "HER-PI",
    ),
    ("01", "tchp", "pertuzumab.neoadjuvant", "PER-PI"),
    ("03", "tchp", "pertuzumab.adjuvant", "PER-PI"),
    ("05", "hp_maintenance", "pertuzumab.complete_one_year", "PER-PI"),
    ("07", "thp_then_hp", "pertuzumab.mbc_first_line", "PER-PI"),
    ("04", "tdm1_residual", "tdm1.residual_disease", "KAD-PI"),
    ("08", "tdm1_metastatic", "tdm1.mbc", "KAD-PI"),
    ("07", "tdxd_pertuzumab", "tdxd.first_line_pertuzumab", "ENH-PI"),
    ("08", "tdxd", "tdxd.her2_positive_after_prior", "ENH-PI"),
    ("11", "tdxd", "tdxd.her2_low_after_chemotherapy", "ENH-PI"),
    ("12", "tdxd", "tdxd.hr_positive_low_ultralow", "ENH-PI"),
    ("01", "tdxd_then_thp", "tdxd.neoadjuvant_then_thp", "ENH-FDA-2026"),
    ("04", "tdxd", "tdxd.residual_disease", "ENH-FDA-2026"),
    ("16", "tdxd", "tdxd.gastric_after_trastuzumab", "ENH-PI"),
    ("08", "tucatinib_trastuzumab_capecitabine", "tucatinib.mbc", "TUK-PI"),
    ("06", "neratinib_extended_adjuvant", "neratinib.extended_adjuvant", "NER-PI"),
    ("09", "neratinib_capecitabine", "neratinib.mbc_capecitabine", "NER-PI"),
    ("09", "lapatinib_capecitabine", "lapatinib.capecitabine", "TYK-PI"),
    ("07", "lapatinib_letrozole", "lapatinib.letrozole", "TYK-PI"),
    ("09", "margetuximab_chemotherapy", "margetuximab.mbc", "MAR-PI"),
    ("14", "pembrolizumab_trastuzumab_chemotherapy", "pembrolizumab.gastric_first_line", "KEY-PI"),
]


def test_every_indication_has_a_rule_test(kb: KnowledgeBase) -> None:
    tested = {case[2] for case in INDICATION_CASES}
    assert tested == {i.id for i in kb.indications.indications}


@pytest.mark.parametrize(("patient", "regimen", "indication", "source"), INDICATION_CASES)
def test_indication_rule(
    kb: KnowledgeBase, patient: str, regimen: str, indication: str, source: str
) -> None:
    a = run_example(kb, patient)
    offered = [o for o in a.options if o.regimen == regimen and o.id == indication]
    assert offered, f"{indication} via {regimen} not offered"
    o = offered[0]
    assert all(c.met for c in o.why)
    assert source in {s.source for s in o.sources}
    assert source in sources_of(o.why)
    assert all(c.fact for c in o.why)


def test_her2_zero_excludes_tdxd(kb: KnowledgeBase) -> None:
    a = run_example(kb, "13")
    assert a.options == []
    e = exclusion(a, "product.enhertu")
    her2_steps = [r for r in e.reasons if r.rule.endswith(".her2")]
    assert her2_steps and all("her2_0" in r.text for r in her2_steps)
    assert "ENH-PI" in sources_of(her2_steps)


def test_pertuzumab_never_alone(kb: KnowledgeBase) -> None:
    a = run_example(kb, "07")
    e = exclusion(a, "perjeta.alone")
    assert "trastuzumab" in e.reasons[0].text
    assert "PER-PI" in sources_of(e.reasons)


def test_margetuximab_before_two_prior_regimens(kb: KnowledgeBase) -> None:
    a = run_example(kb, "08")
    e = exclusion(a, "margetuximab_chemotherapy")
    steps = [r for r in e.reasons if r.rule.endswith("prior_regimens")]
    assert steps and "1 prior anti_her2" in steps[0].text
    assert "MAR-PI" in sources_of(steps)


@pytest.mark.parametrize(
    ("product", "source"), [("herzuma", "HERZ-PI"), ("herceptin_hylecta", "HYL-PI")]
)
def test_biosimilar_not_labelled_for_gastric(kb: KnowledgeBase, product: str, source: str) -> None:
    a = run_example(kb, "14")
    e = exclusion(a, f"product.{product}")
    assert e.reasons[0].outcome == "not labelled for this site"
    assert source in sources_of(e.reasons)
    toga = option(a, "trastuzumab_cisplatin_fluoropyrimidine")
    assert product not in toga.products
    assert {"herceptin", "hercessi", "kanjinti", "ogivri", "ontruzant", "trazimera"} <= set(
        toga.products
    )


def test_hercessi_gastric_choice_cites_its_own_label(kb: KnowledgeBase) -> None:
    toga = option(run_example(kb, "14"), "trastuzumab_cisplatin_fluoropyrimidine")
    choice = next(p for c in toga.components for p in c.products if p.product == "hercessi")
    assert {s.source for s in choice.sources} == {"HERC-PI"}


def test_her2_low_without_prior_chemotherapy(kb: KnowledgeBase) -> None:
    data = example("11")
    data["therapies"] = []
    a = run(kb, data)
    assert a.options == []
    e = exclusion(a, "tdxd")
    steps = [r for r in e.reasons if "tdxd.her2_low_after_chemotherapy" in r.rule]
    assert any(r.rule.endswith("prior_regimens") for r in steps)
    assert "ENH-PI" in sources_of(steps)


def test_neratinib_metastatic_needs_two_prior_regimens(kb: KnowledgeBase) -> None:
    e = exclusion(run_example(kb, "08"), "neratinib_capecitabine")
    assert "NER-PI" in sources_of(e.reasons)


def test_early_recurrence_does_not_count_for_tucatinib(kb: KnowledgeBase) -> None:
    a = run_example(kb, "10")
    option(a, "tdxd")  # counts the early recurrence ...
    e = exclusion(a, "tucatinib_trastuzumab_capecitabine")  # ... tucatinib's label does not
    assert "TUK-PI" in sources_of(e.reasons)


def test_lapatinib_letrozole_needs_postmenopausal_woman(kb: KnowledgeBase) -> None:
    e = exclusion(run_example(kb, "19"), "lapatinib_letrozole")
    assert any(r.rule.endswith("menopausal") for r in e.reasons)
    assert "TYK-PI" in sources_of(e.reasons)


def test_pembrolizumab_needs_cps_at_least_one(kb: KnowledgeBase) -> None:
    data = example("14")
    data["cancer"]["pdl1_cps"] = 0.5
    a = run(kb, data)
    e = exclusion(a, "pembrolizumab_trastuzumab_chemotherapy")
    assert any(r.rule.endswith("pdl1_cps") for r in e.reasons)
    assert "KEY-PI" in sources_of(e.reasons)
    option(a, "trastuzumab_cisplatin_fluoropyrimidine")


def test_unknown_cps_is_undecided_not_guessed(kb: KnowledgeBase) -> None:
    a = run_example(kb, "15")
    assert [u.id for u in a.undecided] == ["pembrolizumab_trastuzumab_chemotherapy"]
    unknown = next(u for u in a.unknowns if u.field == "cancer.pdl1_cps")
    assert unknown.text.startswith("unknown - needed to decide")


def test_first_line_excluded_after_metastatic_regimen(kb: KnowledgeBase) -> None:
    e = exclusion(run_example(kb, "08"), "thp_then_hp")
    assert "PER-PI" in sources_of(e.reasons)


def test_adjuvant_start_excluded_once_therapy_started(kb: KnowledgeBase) -> None:
    e = exclusion(run_example(kb, "05"), "tch")
    assert any(r.rule.endswith("no_early_anti_her2") for r in e.reasons)
    assert "HER-PI" in sources_of(e.reasons)


def test_node_negative_adjuvant_pertuzumab_is_a_judgement(kb: KnowledgeBase) -> None:
    a = run_example(kb, "02")
    assert {u.id for u in a.undecided} == {"tchp", "ac_thp"}
    assert any(u.field == "clinical_judgement" for u in a.unknowns)


def test_tdm1_residual_needs_neoadjuvant_taxane_and_trastuzumab(kb: KnowledgeBase) -> None:
    data = example("04")
    data["therapies"] = [t for t in data["therapies"] if t["drug"] != "docetaxel"]
    e = exclusion(run(kb, data), "tdm1_residual")
    assert any("taxane" in r.text for r in e.reasons)
    assert "KAD-PI" in sources_of(e.reasons)


def test_neratinib_needs_completed_adjuvant_trastuzumab(kb: KnowledgeBase) -> None:
    data = example("06")
    for t in data["therapies"]:
        if t["drug"] == "kanjinti":
            del t["end"], t["reason_stopped"]
    e = exclusion(run(kb, data), "neratinib_extended_adjuvant")
    assert "NER-PI" in sources_of(e.reasons)


def test_completion_ends_after_52_weeks(kb: KnowledgeBase) -> None:
    from datetime import date

    a = run(kb, example("05"), date(2027, 1, 20))
    e = exclusion(a, "hp_maintenance")
    assert any(r.rule.endswith("completion") for r in e.reasons)


def test_option_components_show_sc_and_iv_products(kb: KnowledgeBase) -> None:
    o = option(run_example(kb, "01"), "tchp")
    routes = {p.product: p.route for c in o.components for p in c.products}
    assert routes["phesgo"] == "sc"
    assert routes["herceptin_hylecta"] == "sc"
    assert routes["herceptin"] == "iv"


def test_endocrine_alongside_for_hr_positive(kb: KnowledgeBase) -> None:
    a = run_example(kb, "07")
    o = option(a, "thp_then_hp")
    note = next(n for n in o.notes if n.code == "endocrine_alongside")
    assert "seed-001" in {s.source for s in note.sources}
    assert any(n.code == "endocrine_alongside" for n in a.advice)


def test_rebiopsy_advice_on_progression(kb: KnowledgeBase) -> None:
    a = run_example(kb, "08")
    adv = next(n for n in a.advice if n.code == "rebiopsy_on_progression")
    assert "seed-004" in {s.source for s in adv.sources}
    assert not any(n.code == "rebiopsy_on_progression" for n in run_example(kb, "07").advice)


def test_unverified_indication_is_marked(kb: KnowledgeBase) -> None:
    o = option(run_example(kb, "01"), "tdxd_then_thp")
    assert o.verification == "S"
    assert any(n.code == "indication_not_label_verified" for n in o.notes)
    th = option(run_example(kb, "02"), "th")
    assert th.basis == "trial"


def test_metastatic_line_from_history(kb: KnowledgeBase) -> None:
    lines = {n: run_example(kb, n).line for n in ("07", "08", "09", "10")}
    assert {n: (x.line if x else None) for n, x in lines.items()} == {
        "07": 1,
        "08": 2,
        "09": 3,
        "10": 1,
    }
    ten = lines["10"]
    assert ten is not None and ten.early_recurrence_within_window is True


def test_tucatinib_names_brain_metastases(kb: KnowledgeBase) -> None:
    a = run_example(kb, "08")
    o = option(a, "tucatinib_trastuzumab_capecitabine")
    note = next(n for n in o.notes if n.code == "brain_metastases_in_label")
    assert "TUK-PI" in {s.source for s in note.sources}
    assert not any(n.code == "brain_metastases_in_label" for n in option(a, "tdxd").notes)


def test_her2_not_determined_decides_nothing(kb: KnowledgeBase) -> None:
    data = example("07")
    data["her2_results"] = [
        {
            "kind": "ihc",
            "date": "2026-06-04",
            "score": "2+",
            "specimen": {"id": "M1", "origin": "metastasis", "procedure": "core_biopsy"},
        }
    ]
    a = run(kb, data)
    assert a.options == []
    assert a.undecided
    assert any(u.field == "her2_results" for u in a.unknowns)
    note = next(n for n in a.advice if n.code == "her2_not_determined")
    assert "ASCO18" in {s.source for s in note.sources}
