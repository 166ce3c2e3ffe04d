"""FHIR R4 / mCODE input adapter, on real public examples and on hand-made edge cases."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from her2path.domain.her2 import DualProbeISHResult, Her2Case, IHCResult
from her2path.domain.patient import ReceptorStatus, ReportedHer2Call, Setting
from her2path.engine.her2 import interpret
from her2path.fhir import import_fhir
from her2path.fhir.codes import index_for
from her2path.fhir.resources import Coding
from her2path.kb import KnowledgeBase
from her2path.kb.interop import Answer, Concept

CTM = "mcode+clinical-trial-matching-app/src/utils/r4_test_patients"
MII = (
    "medizininformatik-initiative+kerndatensatzmodul-molekulares-tumorboard/fsh-generated/resources"
)
SYNTHEA = "synthetichealth+synthea/src/main/resources/modules/breast_cancer"
LOINC = "http://loinc.org"
SCT = "http://snomed.info/sct"
RX = "http://www.nlm.nih.gov/research/umls/rxnorm"


def _read(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _obs(code: str, system: str = LOINC, **value: Any) -> dict[str, Any]:
    res: dict[str, Any] = {
        "resourceType": "Observation",
        "id": f"o-{code}",
        "status": "final",
        "code": {"coding": [{"system": system, "code": code}]},
    }
    res.update(value)
    return res


def _patient(**extra: Any) -> dict[str, Any]:
    return {"resourceType": "Patient", "id": "p1", "gender": "female", "birthDate": "1970-05-01"}


def _breast_primary() -> dict[str, Any]:
    return {
        "resourceType": "Condition",
        "id": "c1",
        "code": {"coding": [{"system": SCT, "code": "408643008"}]},
        "onsetDateTime": "2024-01-10",
    }


def _bone_mets() -> dict[str, Any]:
    return {
        "resourceType": "Condition",
        "id": "c2",
        "code": {"coding": [{"system": SCT, "code": "94222008"}]},
        "onsetDateTime": "2025-03-01",
    }


# --- real examples -----------------------------------------------------------------


def test_trial_matching_bundles_become_patient_documents(
    kb: KnowledgeBase, fhir_examples: Path
) -> None:
    for name, pid in [
        ("TrialMatching_Patient01.json", "mCODETrialMatchingPatientExample01"),
        ("TrialMatching_Patient02.json", "mCODETrialMatchingPatientExample02"),
    ]:
        result = import_fhir(kb, _read(fhir_examples / CTM / name))
        assert result.missing == []
        p = result.patient
        assert p is not None
        assert p.id == pid
        assert p.cancer.site.value == "breast"
        assert p.cancer.setting is Setting.metastatic
        assert p.cancer.stage == "IV"
        assert p.cancer.er is ReceptorStatus.positive
        assert p.cancer.pr is ReceptorStatus.positive
        assert [(r.method.value, r.call) for r in p.her2_reported] == [
            ("ihc", ReportedHer2Call.negative)
        ]
        assert p.therapies, "partner drugs coded by RxNorm product are read"
        assert all(t.setting.value == "metastatic" for t in p.therapies)
        # Nothing dropped silently: MSI, genetic variants, ECOG and unknown drugs are listed.
        reasons = {i.resource: i.reason for i in result.ignored}
        assert any("89247-1" in (i.code or "") for i in result.ignored)
        assert all(reasons.values())
    two = import_fhir(kb, _read(fhir_examples / CTM / "TrialMatching_Patient02.json"))
    assert two.patient is not None
    assert {t.drug for t in two.patient.therapies} >= {"fulvestrant", "capecitabine", "letrozole"}
    ignored_codes = {i.code for i in two.ignored}
    assert f"{RX}|1601377" in ignored_codes  # palbociclib: not in the knowledge base
    assert any(i.resource.startswith("Procedure/") for i in two.ignored)


def test_mii_her2_observations(kb: KnowledgeBase, fhir_examples: Path) -> None:
    folder = fhir_examples / MII
    ihc = _read(
        folder / "Observation-PatientKimMusterperson-MolecularPathologyObservation-0a-Her2neu.json"
    )
    ish = _read(
        folder / "Observation-PatientKimMusterperson-MolecularPathologyObs-FISH-0a-Her2neu-.json"
    )
    summary = _read(
        folder / "Observation-PatientKimMusterperson-MolecularPathologyInterpret-0a-Her2neu.json"
    )
    result = import_fhir(kb, [ihc, ish, summary])
    reported = {r.method.value: r for r in result.facts.her2_reported}
    assert reported["ihc"].ihc_score == "2+"
    assert reported["ihc"].code == "loinc|18474-7"
    assert reported["ish"].ish_ratio == 1.2
    assert reported["ish"].her2_copies == 2.4
    assert reported["ish"].cep17_copies == 2.0
    assert reported["ish"].cells_counted == 50
    assert reported["ish"].call is ReportedHer2Call.negative
    assert reported["summary"].call is ReportedHer2Call.low
    assert reported["summary"].text == "HER2-low (IHC 2+/ISH negative)"
    # No effective date in the examples: kept as reported, and a note says why.
    assert result.facts.her2_results == []
    assert len([n for n in result.notes if "no date" in n.text]) == 2
    # The codes used come from the knowledge base, with their sources.
    ix = index_for(kb)
    oc = ix.observation([Coding(SCT, "1365744007")])
    assert oc is not None and oc.concept is Concept.her2_ish_ratio
    assert any(s.source == "MII-MTB" for s in oc.sources)


def test_mii_observations_with_a_date_reach_the_interpreter(
    kb: KnowledgeBase, fhir_examples: Path
) -> None:
    folder = fhir_examples / MII
    ihc = dict(
        _read(
            folder
            / "Observation-PatientKimMusterperson-MolecularPathologyObservation-0a-Her2neu.json"
        )
    )
    ish = dict(
        _read(
            folder
            / "Observation-PatientKimMusterperson-MolecularPathologyObs-FISH-0a-Her2neu-.json"
        )
    )
    ihc["effectiveDateTime"] = "2025-02-01"
    ish["effectiveDateTime"] = "2025-02-03"
    result = import_fhir(kb, [ihc, ish])
    kinds = sorted(type(r).__name__ for r in result.facts.her2_results)
    assert kinds == [DualProbeISHResult.__name__, IHCResult.__name__]
    # Both lack a Specimen resource in the bundle but name the same specimen: read together.
    answer = interpret(kb, Her2Case(site="breast", results=result.facts.her2_results))
    assert answer.expression_category.value == "her2_low"
    assert any("primary" in n.text for n in result.notes)


def test_synthea_module_codes_are_recognised(kb: KnowledgeBase, fhir_examples: Path) -> None:
    """Every HER2 code and drug code of the Synthea breast-cancer module is recognised."""
    ix = index_for(kb)
    systems = {"LOINC": LOINC, "SNOMED-CT": SCT, "RxNorm": RX}
    diag = _read(fhir_examples / SYNTHEA / "hormone_diagnosis.json")
    her2_states = [
        s
        for name, s in diag["states"].items()
        if name.startswith(("HER2_", "HER2 ")) and "codes" in s
    ]
    assert len(her2_states) == 4
    for state in her2_states:
        code = state["codes"][0]
        oc = ix.observation([Coding(systems[code["system"]], str(code["code"]))])
        assert oc is not None and oc.concept in (Concept.her2_ihc, Concept.her2_ish)
        if "value_code" in state:
            v = state["value_code"]
            assert ix.answer([Coding(systems[v["system"]], str(v["code"]))]) in (
                Answer.positive,
                Answer.negative,
            )
        else:
            assert ix.text_answer(state["exact"]["quantity"]) in (Answer.positive, Answer.negative)
    therapy = _read(fhir_examples / SYNTHEA / "targetedtherapy_breast.json")
    expected = {
        "101306": "herceptin",
        "1371046": "kadcyla",
        "659616": "tykerb",
        "1940649": "nerlynx",
    }
    for name, state in therapy["states"].items():
        if "codes" not in state:
            continue
        code = str(state["codes"][0]["code"])
        drug, ignored = ix.drug([Coding(RX, code)])
        if code == "1234":
            assert drug is None and ignored is not None and "placeholder" in ignored.reason.lower()
        elif code in expected:
            assert drug is not None and drug.product == expected[code], name


def test_synthea_style_fhir_output(kb: KnowledgeBase) -> None:
    """Synthea writes string values such as 'greater than 2.2' for the FISH result."""
    result = import_fhir(
        kb,
        [
            _obs("85319-2", valueCodeableConcept={"coding": [{"system": SCT, "code": "10828004"}]}),
            _obs("85318-4", valueString="greater than 2.2", effectiveDateTime="2024-01-02"),
            {
                "resourceType": "MedicationRequest",
                "id": "m1",
                "status": "active",
                "authoredOn": "2024-02-01",
                "medicationCodeableConcept": {"coding": [{"system": RX, "code": "1234"}]},
            },
        ],
    )
    calls = [(r.method.value, r.call) for r in result.facts.her2_reported]
    assert calls == [("ihc", ReportedHer2Call.positive), ("ish", ReportedHer2Call.positive)]
    assert any("1234" in i.reason and "Placeholder" in i.reason for i in result.ignored)


# --- hand-made edge cases ---------------------------------------------------------


def test_values_in_many_encodings(kb: KnowledgeBase) -> None:
    cases = [
        _obs("85319-2", valueString="3+", effectiveDateTime="2024-01-02"),
        _obs("72383-3", valueCodeableConcept={"coding": [{"system": LOINC, "code": "LA11843-2"}]}),
        _obs("48676-1", valueCodeableConcept={"text": "Positive"}),
        _obs("48676-1", interpretation=[{"coding": [{"system": SCT, "code": "260385009"}]}]),
        _obs(
            "49683-6",
            valueQuantity={"value": 2.6, "unit": "{ratio}"},
            effectiveDateTime="2024-01-03",
            component=[
                {
                    "code": {"coding": [{"system": LOINC, "code": "74860-8"}]},
                    "valueQuantity": {"value": 6.1},
                },
                {
                    "code": {"coding": [{"system": LOINC, "code": "74861-6"}]},
                    "valueQuantity": {"value": 2.3},
                },
            ],
        ),
    ]
    result = import_fhir(
        kb,
        {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": r} for r in cases]},
    )
    got = [(r.method.value, r.ihc_score, r.call) for r in result.facts.her2_reported]
    assert got[0] == ("ihc", "3+", None)
    assert got[1] == ("ihc", "3+", None)
    assert got[2] == ("summary", None, ReportedHer2Call.positive)
    assert got[3] == ("summary", None, ReportedHer2Call.negative)
    assert result.facts.her2_reported[4].ish_ratio == 2.6
    assert len(result.facts.her2_results) == 2  # the dated IHC and ISH results


def test_vitals_pregnancy_lvef_and_units(kb: KnowledgeBase) -> None:
    data = [
        _patient(),
        _obs(
            "29463-7",
            valueQuantity={"value": 154.3, "code": "[lb_av]"},
            effectiveDateTime="2025-01-01",
        ),
        _obs("29463-7", valueQuantity={"value": 68, "code": "kg"}, effectiveDateTime="2025-03-01"),
        _obs("8302-2", valueQuantity={"value": 1.65, "code": "m"}, effectiveDateTime="2025-03-01"),
        _obs("18043-0", valueQuantity={"value": 61, "code": "%"}, effectiveDateTime="2025-02-01"),
        _obs("10230-1", valueQuantity={"value": 55, "code": "%"}, effectiveDateTime="2025-05-01"),
        _obs("8808-8", valueQuantity={"value": 58, "code": "%"}),
        _obs(
            "2106-3",
            valueCodeableConcept={"coding": [{"system": LOINC, "code": "LA6577-6"}]},
            effectiveDateTime="2025-03-02",
        ),
        _obs(
            "82810-3",
            valueCodeableConcept={"coding": [{"system": SCT, "code": "60001007"}]},
            effectiveDateTime="2025-03-05",
        ),
        _obs(
            "29463-7", valueQuantity={"value": 68, "code": "stone"}, effectiveDateTime="2025-03-09"
        ),
    ]
    facts = import_fhir(kb, data).facts
    assert facts.weight_kg == 68 and str(facts.weight_date) == "2025-03-01"
    assert facts.height_cm == 165.0
    assert [r.percent for r in facts.lvef] == [61, 55]
    assert facts.pregnancy is not None and facts.pregnancy.status.value == "not_pregnant"
    assert str(facts.pregnancy.checked) == "2025-03-05"
    ignored = import_fhir(kb, data).ignored
    assert any("stone" in i.reason for i in ignored)
    assert any("without a date" in i.reason for i in ignored)


def test_medications_by_brand_product_and_multi_ingredient(kb: KnowledgeBase) -> None:
    def med(kind: str, code: str, **more: Any) -> dict[str, Any]:
        return {
            "resourceType": kind,
            "id": f"{kind}-{code}",
            "status": "completed",
            "medicationCodeableConcept": {"coding": [{"system": RX, "code": code}]},
            **more,
        }

    data = [
        _patient(),
        _breast_primary(),
        _bone_mets(),
        med("MedicationAdministration", "2382605", effectiveDateTime="2025-04-01"),  # Phesgo
        med("MedicationRequest", "2119715", authoredOn="2025-04-02"),  # Herceptin Hylecta
        med("MedicationStatement", "224905", effectiveDateTime="2025-05-01"),  # trastuzumab IN
        med("MedicationStatement", "99999999", effectiveDateTime="2025-05-01"),
        med("MedicationRequest", "1371046", authoredOn="2025-06-01", status="entered-in-error"),
    ]
    result = import_fhir(kb, data)
    by_code = {e.code: e for e in result.facts.exposures}
    assert by_code["2382605"].product == "phesgo"
    assert sorted(by_code["2382605"].ingredients) == ["pertuzumab", "trastuzumab"]
    assert by_code["2119715"].product == "herceptin_hylecta"
    assert by_code["224905"].product is None and by_code["224905"].ingredients == ["trastuzumab"]
    reasons = " ".join(i.reason for i in result.ignored)
    assert "not a drug the knowledge base covers" in reasons
    assert "entered-in-error" in reasons
    assert result.patient is not None
    assert {t.drug for t in result.patient.therapies} == {
        "phesgo",
        "herceptin_hylecta",
        "trastuzumab",
    }


def test_early_disease_without_setting_is_reported_missing(kb: KnowledgeBase) -> None:
    result = import_fhir(kb, [_patient(), _breast_primary()])
    assert result.patient is None
    assert [m.field for m in result.missing] == ["cancer.setting"]
    assert result.facts.site is not None and result.facts.site.value == "breast"


def test_icd10_prefixes_and_gej(kb: KnowledgeBase) -> None:
    cond = {
        "resourceType": "Condition",
        "id": "g",
        "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "C16.0"}]},
    }
    assert import_fhir(kb, [cond]).facts.site is not None
    assert import_fhir(kb, [cond]).facts.site.value == "gej"  # type: ignore[union-attr]
    cond["code"] = {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "C16.3"}]}
    assert import_fhir(kb, [cond]).facts.site.value == "gastric"  # type: ignore[union-attr]


def test_prefetch_with_nulls_and_operation_outcome(kb: KnowledgeBase) -> None:
    prefetch = {
        "patient": _patient(),
        "conditions": None,
        "observations": {"resourceType": "OperationOutcome", "issue": []},
    }
    result = import_fhir(kb, prefetch)
    assert result.facts.patient_id == "p1"
    assert any("OperationOutcome" in i.reason for i in result.ignored)


_codes = st.text(alphabet="0123456789-LA", min_size=1, max_size=10)


@settings(max_examples=60, deadline=None)
@given(codes=st.lists(_codes, min_size=1, max_size=8), kb_obj=st.just(None))
def test_unknown_codes_are_listed_never_dropped(codes: list[str], kb_obj: None) -> None:
    """Property: every observation whose code is not read appears in ``ignored``."""
    from her2path.kb import load_default

    kb = load_default()
    ix = index_for(kb)
    unknown = [c for c in codes if ix.observation([Coding(LOINC, c)]) is None]
    data = [dict(_obs(c), id=f"x{i}") for i, c in enumerate(codes)]
    result = import_fhir(kb, data)
    ignored = {i.resource for i in result.ignored}
    for i, c in enumerate(codes):
        if c in unknown:
            assert f"Observation/x{i}" in ignored


@settings(max_examples=60, deadline=None)
@given(value=st.one_of(st.none(), st.integers(), st.text(max_size=12), st.floats(allow_nan=True)))
def test_garbage_values_never_raise(value: Any) -> None:
    from her2path.kb import load_default

    kb = load_default()
    data = [
        _obs("85319-2", valueString=value, effectiveDateTime=value),
        _obs("29463-7", valueQuantity={"value": value, "code": "kg"}),
        _obs("49683-6", valueRatio={"numerator": {"value": value}, "denominator": {"value": 0}}),
    ]
    result = import_fhir(kb, data)
    used = len(result.facts.her2_reported) + (1 if result.facts.weight_kg else 0)
    assert used + len(result.ignored) >= 1


def test_cli_fhir_import(fhir_examples: Path) -> None:
    from typer.testing import CliRunner

    from her2path.cli.main import app

    path = fhir_examples / CTM / "TrialMatching_Patient01.json"
    result = CliRunner().invoke(app, ["fhir-import", str(path)])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["patient"]["cancer"]["setting"] == "metastatic"
    assert out["ignored"]


def test_resources_of_another_patient_are_not_used(kb: KnowledgeBase) -> None:
    other = _obs(
        "29463-7", valueQuantity={"value": 90, "code": "kg"}, effectiveDateTime="2025-01-01"
    )
    other["subject"] = {"reference": "Patient/someone-else"}
    mine = _obs(
        "29463-7", valueQuantity={"value": 60, "code": "kg"}, effectiveDateTime="2024-01-01"
    )
    mine["id"] = "mine"
    mine["subject"] = {"reference": "http://fhir.example/Patient/p1"}
    result = import_fhir(kb, [_patient(), other, mine])
    assert result.facts.weight_kg == 60
    assert any(i.reason == "it belongs to another patient" for i in result.ignored)


def _pool() -> st.SearchStrategy[dict[str, Any]]:
    value = st.one_of(
        st.just({"valueCodeableConcept": {"coding": [{"system": SCT, "code": "10828004"}]}}),
        st.just({"valueCodeableConcept": {"coding": [{"system": LOINC, "code": "LA11842-4"}]}}),
        st.just({"valueString": "3+"}),
        st.just({"valueString": "garbage"}),
        st.just({"valueQuantity": {"value": 61, "code": "%"}}),
        st.just({"valueQuantity": {"value": 70, "code": "kg"}}),
        st.just({}),
    )
    code = st.sampled_from(
        [
            "85319-2",
            "18474-7",
            "48676-1",
            "85318-4",
            "49683-6",
            "10230-1",
            "29463-7",
            "82810-3",
            "40556-3",
            "1234-5",
        ]
    )
    when = st.sampled_from([None, "2025-01-01", "2025-06-01", "2025"])
    observation = st.builds(
        lambda c, v, w: {**_obs(c), **v, **({"effectiveDateTime": w} if w else {})},
        code,
        value,
        when,
    )
    other = st.sampled_from(
        [
            _breast_primary(),
            _bone_mets(),
            {"resourceType": "Specimen", "id": "s"},
            {"resourceType": "Procedure", "id": "p"},
            {
                "resourceType": "MedicationStatement",
                "id": "m",
                "status": "active",
                "effectiveDateTime": "2025-01-01",
                "medicationCodeableConcept": {"coding": [{"system": RX, "code": "101306"}]},
            },
        ]
    )
    return st.one_of(observation, other)


@settings(max_examples=100, deadline=None)
@given(items=st.lists(_pool(), min_size=1, max_size=12))
def test_every_resource_is_used_or_listed_as_ignored(items: list[dict[str, Any]]) -> None:
    """Property: nothing is dropped silently."""
    from her2path.kb import load_default

    data = [_patient(), *[dict(r, id=f"r{i}") for i, r in enumerate(items)]]
    result = import_fhir(load_default(), data)
    labels = [f"{r['resourceType']}/{r['id']}" for r in data]
    accounted = set(result.used) | {i.resource for i in result.ignored}
    assert set(labels) == accounted
    assert not set(result.used) & {i.resource for i in result.ignored}


def test_mcode_extended_example_jenny_m(kb: KnowledgeBase, fhir_examples: Path) -> None:
    """The mCODE STU4 'Jenny M' example (FSH, read by a small test reader)."""
    from tests.fsh_lite import read_instances

    fsh = fhir_examples / "HL7+fhir-mCODE-ig/input/fsh/EX_ExtendedExample.fsh"
    resources = read_instances(fsh.read_text(encoding="utf-8"))
    patient_first = sorted(resources, key=lambda r: r["resourceType"] != "Patient")
    result = import_fhir(kb, patient_first)
    facts = result.facts
    assert facts.site is not None and facts.site.value == "breast"
    assert facts.er is ReceptorStatus.positive and facts.pr is ReceptorStatus.negative
    assert [(r.method.value, r.call) for r in facts.her2_reported] == [
        ("summary", ReportedHer2Call.negative)
    ]
    assert facts.weight_kg == 68.04  # the newer of two weights: 150 [lb_av] on 2018-04-22
    assert any("older weight" in i.reason for i in result.ignored)
    assert facts.height_cm == 165.1  # 65 [in_i]
    # Clinical, then pathologic categories after surgery: the later pathologic ones are kept.
    assert facts.tnm is not None
    assert (facts.tnm.t, facts.tnm.n, facts.tnm.m) == ("pT3", "pN0", "cM0")
    assert facts.stage == "IIB"
    drugs = {e.ingredients[0] for e in facts.exposures}
    assert drugs >= {"doxorubicin", "cyclophosphamide", "paclitaxel", "anastrozole"}
    # Early disease: the setting is not guessed.
    assert result.patient is None and [m.field for m in result.missing] == ["cancer.setting"]
