"""Clinical invariants over generated patients (hypothesis)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st

from her2path.domain.assessment import Assessment
from her2path.kb import load_default
from her2path.kb.her2 import ExpressionCategory, Her2Status
from tests.patients import AS_OF, run

KB = load_default()
DRUGS = [p.id for p in KB.products] + [
    "trastuzumab",
    "paclitaxel",
    "docetaxel",
    "doxorubicin",
    "capecitabine",
    "letrozole",
]
SETTINGS = [
    "early_preoperative",
    "early_postoperative",
    "early_residual_disease",
    "locally_advanced",
    "metastatic",
]
HER2 = {
    "3+": [{"score": "3+"}],
    "2+pos": [{"score": "2+"}, "ish+"],
    "2+neg": [{"score": "2+"}, "ish-"],
    "1+": [{"score": "1+"}],
    "ultralow": [{"score": "0", "membrane_staining": True}],
    "0": [{"score": "0", "membrane_staining": False}],
}


def _results(kind: str, site: str) -> list[dict[str, Any]]:
    spec = {
        "id": "S1",
        "origin": "primary",
        "procedure": "core_biopsy" if site == "breast" else "endoscopic_biopsy",
        "collected": "2026-05-01",
    }
    out: list[dict[str, Any]] = []
    for r in HER2[kind]:
        if r == "ish+":
            count = {"ratio": 2.8, "her2_copies": 6.5, "cells_counted": 20}
            out.append(
                {"kind": "dual_probe_ish", "date": "2026-05-02", "specimen": spec, "count": count}
            )
        elif r == "ish-":
            count = {"ratio": 1.2, "her2_copies": 2.5, "cells_counted": 20}
            out.append(
                {"kind": "dual_probe_ish", "date": "2026-05-02", "specimen": spec, "count": count}
            )
        else:
            assert isinstance(r, dict)
            out.append({"kind": "ihc", "date": "2026-05-02", "specimen": spec, **r})
    return out


@st.composite
def patients(draw: st.DrawFn) -> dict[str, Any]:
    site = draw(st.sampled_from(["breast", "breast", "gastric", "gej"]))
    sex = draw(st.sampled_from(["female", "female", "male"]))
    therapies = []
    for _ in range(draw(st.integers(0, 4))):
        start = date(2024, 1, 1) + timedelta(days=draw(st.integers(0, 800)))
        t: dict[str, Any] = {
            "drug": draw(st.sampled_from(DRUGS)),
            "setting": draw(st.sampled_from(["neoadjuvant", "adjuvant", "metastatic"])),
            "start": start.isoformat(),
        }
        if draw(st.booleans()):
            t["end"] = (start + timedelta(days=draw(st.integers(1, 120)))).isoformat()
            t["reason_stopped"] = draw(
                st.sampled_from(["completed", "progression", "cardiotoxicity", "toxicity"])
            )
        therapies.append(t)
    events = []
    if draw(st.booleans()):
        d = date(2025, 1, 1) + timedelta(days=draw(st.integers(0, 500)))
        events.append(
            {"kind": draw(st.sampled_from(["recurrence", "progression"])), "date": d.isoformat()}
        )
    receptor = st.sampled_from(["positive", "negative", "low", None])
    cancer: dict[str, Any] = {
        "site": site,
        "setting": draw(st.sampled_from(SETTINGS)),
        "stage": draw(st.sampled_from(["IIA", "IIIB", "IV", None])),
        "tumour_size_mm": draw(st.sampled_from([8.0, 25.0, 40.0, None])),
        "nodal_status": draw(st.sampled_from(["positive", "negative", None])),
        "grade": draw(st.sampled_from([1, 3, None])),
        "er": draw(receptor),
        "pr": draw(receptor),
        "pdl1_cps": draw(st.sampled_from([0.0, 1.0, 10.0, None])),
        "brain_metastases": draw(st.sampled_from([True, False, None])),
    }
    cancer = {k: v for k, v in cancer.items() if v is not None}
    her2 = draw(st.sampled_from(list(HER2) if site == "breast" else ["3+", "2+pos", "2+neg", "1+"]))
    data: dict[str, Any] = {
        "id": "prop",
        "sex": sex,
        "birth_date": "1970-01-01",
        "cancer": cancer,
        "her2_results": _results(her2, site),
        "lvef": draw(
            st.sampled_from(
                [
                    [],
                    [{"date": "2026-06-01", "percent": 45, "lln": 50}],
                    [{"date": "2026-06-01", "percent": 62, "lln": 50}],
                ]
            )
        ),
        "therapies": therapies,
        "events": events,
        "menopausal_status": draw(st.sampled_from(["premenopausal", "postmenopausal", None])),
    }
    data = {k: v for k, v in data.items() if v is not None}
    if sex == "female":
        data["can_become_pregnant"] = draw(st.booleans())
        data["pregnancy"] = {
            "status": draw(st.sampled_from(["pregnant", "not_pregnant", "unknown"])),
            "checked": "2026-06-29",
        }
    return data


SETTINGS_HYP = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def _assess(data: dict[str, Any]) -> Assessment:
    return run(KB, data, AS_OF)


@SETTINGS_HYP
@given(patients())
def test_no_her2_directed_option_for_her2_zero(data: dict[str, Any]) -> None:
    a = _assess(data)
    if a.her2.expression_category in (ExpressionCategory.her2_0, ExpressionCategory.her2_negative):
        assert a.options == []


@SETTINGS_HYP
@given(patients())
def test_tdxd_for_her2_negative_breast_only_via_low_rules(data: dict[str, Any]) -> None:
    a = _assess(data)
    if a.site == "breast" and a.her2.status is Her2Status.negative:
        for o in a.options:
            if "enhertu" in o.products:
                assert o.id in {"tdxd.her2_low_after_chemotherapy", "tdxd.hr_positive_low_ultralow"}


@SETTINGS_HYP
@given(patients())
def test_pregnant_patient_never_unblocked(data: dict[str, Any]) -> None:
    a = _assess(data)
    if data.get("pregnancy", {}).get("status") == "pregnant":
        assert all(o.blocked for o in a.options)
        assert all(any(f.severity == "block" for f in o.flags) for o in a.options)


@SETTINGS_HYP
@given(patients())
def test_pertuzumab_never_without_trastuzumab(data: dict[str, Any]) -> None:
    a = _assess(data)
    for o in a.options:
        ingredients = {c.ingredient for c in o.components if c.ingredient}
        if "pertuzumab" in ingredients:
            assert ingredients & {"trastuzumab", "fam_trastuzumab_deruxtecan"}


@SETTINGS_HYP
@given(patients())
def test_biosimilar_never_outside_its_own_label(data: dict[str, Any]) -> None:
    a = _assess(data)
    by_id = {p.id: p for p in KB.products}
    inds = {i.id: i for i in KB.indications.indications}
    for o in a.options:
        for c in o.components:
            for ch in c.products:
                p = by_id[ch.product]
                if p.biosimilar_of is None:
                    continue
                own_sites = set().union(*(inds[x.id].sites() for x in p.indications))
                assert a.site in own_sites
                assert {s.source for s in ch.sources} & {p.label}


@SETTINGS_HYP
@given(patients())
def test_every_option_and_finding_has_a_source(data: dict[str, Any]) -> None:
    a = _assess(data)
    known = KB.registry.by_id()
    items: list[Any] = [*a.options, *a.safety, *a.advice]
    for o in a.options:
        items += [*o.why, *o.flags, *o.notes]
    for e in [*a.exclusions, *a.undecided]:
        items += e.reasons
    for x in items:
        assert x.sources
        assert all(s.source in known for s in x.sources)
    for u in a.unknowns:
        assert u.text.startswith("unknown - needed to decide")


def test_generator_reaches_options_and_pregnancy() -> None:
    """Guard: the invariants above are not vacuous."""
    found = find(
        patients(), lambda d: len(_assess(d).options) > 0, settings=settings(database=None)
    )
    assert _assess(found).options
    preg = find(
        patients(),
        lambda d: d.get("pregnancy", {}).get("status") == "pregnant" and bool(_assess(d).options),
        settings=settings(database=None, max_examples=2000),
    )
    assert all(o.blocked for o in _assess(preg).options)
