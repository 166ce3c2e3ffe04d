"""Safety findings: each trigger fires, concerns the right drugs and cites its source."""

from __future__ import annotations

from her2path.domain.assessment import Assessment, SafetyFinding
from her2path.domain.explain import Severity
from her2path.kb import KnowledgeBase
from tests.patients import example, option, run, run_example


def finding(a: Assessment, code: str) -> SafetyFinding:
    found = [f for f in a.safety if f.code == code]
    assert found, f"{code} not found; have {[f.code for f in a.safety]}"
    return found[0]


def sources(f: SafetyFinding) -> set[str]:
    return {s.source for s in f.sources}


def test_pregnancy_blocks_every_option(kb: KnowledgeBase) -> None:
    a = run_example(kb, "17")
    assert a.options and all(o.blocked for o in a.options)
    f = finding(a, "pregnancy_boxed_warning")
    assert f.severity is Severity.block
    assert "HER-PI" in sources(f)


def test_pregnancy_status_unverified_or_stale(kb: KnowledgeBase) -> None:
    a = run_example(kb, "18")
    f = finding(a, "pregnancy_status_unverified")
    assert "older than 7 days" in f.text
    assert {"HER-PI", "HER2PATH"} <= sources(f)
    fresh = example("18")
    fresh["pregnancy"] = {"status": "not_pregnant", "checked": "2026-06-28"}
    assert not [x for x in run(kb, fresh).safety if x.code == "pregnancy_status_unverified"]
    unknown = example("18")
    unknown["pregnancy"] = {"status": "unknown"}
    assert finding(run(kb, unknown), "pregnancy_status_unverified").severity is Severity.block


def test_reproductive_potential_unknown_is_listed(kb: KnowledgeBase) -> None:
    data = example("07")
    del data["can_become_pregnant"]
    a = run(kb, data)
    assert any(u.field == "can_become_pregnant" for u in a.unknowns)


def test_breastfeeding_warns_with_windows(kb: KnowledgeBase) -> None:
    a = run_example(kb, "20")
    f = finding(a, "breastfeeding")
    assert f.severity is Severity.warn
    assert "7 months" in f.text


def test_contraception_windows_differ_by_product(kb: KnowledgeBase) -> None:
    data = example("08")
    data["can_become_pregnant"] = True
    data["pregnancy"] = {"status": "not_pregnant", "checked": "2026-06-30"}
    a = run(kb, data)
    by_text = {
        f.text.split("contraception window: ")[1].rstrip(")"): f.drugs
        for f in a.safety
        if f.code == "contraception"
    }
    assert "tukysa" in by_text["1 week after the last dose"]
    assert "kadcyla" in by_text["7 months after the last dose"]
    tuc = option(a, "tucatinib_trastuzumab_capecitabine")
    assert any("1 week" in n.text for n in tuc.flags)


def test_male_contraception_windows(kb: KnowledgeBase) -> None:
    a = run_example(kb, "19")
    texts = [f.text for f in a.safety if f.code == "contraception"]
    assert any("men with partners" in t and "4 months" in t for t in texts)


def test_no_baseline_lvef_blocks(kb: KnowledgeBase) -> None:
    a = run_example(kb, "18")
    f = finding(a, "no_baseline_lvef")
    assert f.severity is Severity.block
    assert "HER-PI" in sources(f)
    assert any(u.field == "lvef" for u in a.unknowns)


def test_lvef_below_pertuzumab_early_threshold(kb: KnowledgeBase) -> None:
    a = run_example(kb, "20")
    f = finding(a, "lvef_start.pertuzumab_early")
    assert set(f.drugs) == {"perjeta", "phesgo"}
    assert "below 55%" in f.text
    assert "PER-PI" in sources(f)


def test_pertuzumab_early_threshold_is_50_after_anthracycline(kb: KnowledgeBase) -> None:
    data = example("20")  # LVEF 52%, no anthracycline: below the 55% start threshold
    assert "lvef_start.pertuzumab_early" in {f.code for f in run(kb, data).safety}
    data["history"] = {
        "anthracycline": {
            "drug": "doxorubicin",
            "cumulative_mg_per_m2": 240,
            "last_dose": "2026-05-20",
        }
    }
    a = run(kb, data)
    assert "lvef_start.pertuzumab_early" not in {f.code for f in a.safety}
    data["lvef"] = [{"date": "2026-06-20", "percent": 49, "lln": 50}]
    f = finding(run(kb, data), "lvef_start.pertuzumab_early")
    assert "below 50%" in f.text
    assert "footnote on anthracycline" in f.sources[0].where


def test_lvef_thresholds_are_per_drug(kb: KnowledgeBase) -> None:
    data = example("08")
    data["lvef"] = [{"date": "2026-06-18", "percent": 42, "lln": 50}]
    a = run(kb, data)
    assert "KAD-PI" not in {
        s for f in a.safety if f.code == "lvef_start.tdm1_metastatic" for s in sources(f)
    }
    codes = {f.code for f in a.safety}
    assert "lvef_start.trastuzumab" in codes  # 42 below the LLN of 50
    assert "lvef_start.tdm1_metastatic" not in codes  # T-DM1 (metastatic) starts at 40
    data["lvef"] = [{"date": "2026-06-18", "percent": 38, "lln": 50}]
    a = run(kb, data)
    f = finding(a, "lvef_start.tdm1_metastatic")
    assert "KAD-PI" in sources(f) and f.severity is Severity.block
    assert "lvef_start.tdxd" in {x.code for x in a.safety}


def test_missing_lln_is_unknown(kb: KnowledgeBase) -> None:
    data = example("08")
    data["lvef"] = [{"date": "2026-06-18", "percent": 55}]
    assert any(u.field == "lvef.lln" for u in run(kb, data).unknowns)


def test_margetuximab_needs_recent_lvef(kb: KnowledgeBase) -> None:
    data = example("09")
    data["lvef"] = [{"date": "2026-05-01", "percent": 58, "lln": 50}]
    f = finding(run(kb, data), "lvef_not_recent_margetuximab")
    assert f.drugs == ["margenza"]
    assert "MAR-PI" in sources(f)


def test_prior_cardiotoxicity_same_drug_blocks_other_warns(kb: KnowledgeBase) -> None:
    a = run_example(kb, "18")
    same = finding(a, "prior_cardiotoxicity_same_drug")
    other = finding(a, "prior_cardiotoxicity_other")
    assert same.severity is Severity.block and "herceptin" in same.drugs
    assert other.severity is Severity.warn and "kadcyla" in other.drugs
    assert "kadcyla" not in same.drugs
    assert "TRAZ-PI" in sources(same)


def test_prior_anthracycline_warns(kb: KnowledgeBase) -> None:
    f = finding(run_example(kb, "03"), "prior_anthracycline")
    assert "240 mg/m2" in f.text
    assert "HER-PI" in sources(f)


def test_heart_failure_history_warns(kb: KnowledgeBase) -> None:
    data = example("08")
    data["history"]["heart_failure"] = True
    f = finding(run(kb, data), "heart_failure_history")
    assert f.severity is Severity.warn


def test_ild_history_warns_for_tdxd_only(kb: KnowledgeBase) -> None:
    a = run_example(kb, "12")
    f = finding(a, "ild_history_tdxd")
    assert f.drugs == ["enhertu"]
    assert "ENH-PI" in sources(f)
    ild_unknown = example("08")
    del ild_unknown["history"]["interstitial_lung_disease"]
    assert any(
        u.field == "history.interstitial_lung_disease" for u in run(kb, ild_unknown).unknowns
    )


def test_never_substitute_is_shown(kb: KnowledgeBase) -> None:
    f = finding(run_example(kb, "08"), "never_substitute")
    assert {"kadcyla", "enhertu", "herceptin"} <= set(f.drugs)
    assert "KAD-PI" in sources(f)


def test_flags_attach_only_to_concerned_options(kb: KnowledgeBase) -> None:
    a = run_example(kb, "12")
    o = option(a, "tdxd")
    assert any(n.code == "ild_history_tdxd" for n in o.flags)
    assert not o.blocked
