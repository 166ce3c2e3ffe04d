"""Order checks as pure functions: clinical invariants as properties, each with its source."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from her2path.domain.her2 import TumourSite
from her2path.domain.patient import LVEFReading, ReportedHer2, ReportedHer2Call, ReportedHer2Method
from her2path.domain.record import DrugExposure, ExposureKind, ImportedFacts
from her2path.engine.order_checks import (
    DraftOrder,
    FindingCode,
    check_orders,
    her2_picture,
    rules_for,
)
from her2path.kb import load_default

KB = load_default()
AS_OF = date(2026, 11, 22)


def _exposure(
    res: str, product: str | None, ingredients: list[str], start: date | None, status: str
) -> DrugExposure:
    return DrugExposure(
        resource=res,
        kind=ExposureKind.request,
        status=status,
        code="x",
        display=None,
        product=product,
        ingredients=ingredients,
        start=start,
    )


def _facts(**more: object) -> ImportedFacts:
    base: dict[str, object] = {
        "sex": "female",
        "site": TumourSite.breast,
        "weight_kg": 70.0,
        "her2_reported": [
            ReportedHer2(
                method=ReportedHer2Method.summary,
                call=ReportedHer2Call.positive,
                code="loinc|48676-1",
            )
        ],
        "lvef": [LVEFReading(date=AS_OF - timedelta(days=5), percent=62)],
        "pregnancy": {"status": "not_pregnant", "checked": AS_OF - timedelta(days=1)},
    }
    base.update(more)
    return ImportedFacts.model_validate(base)


def _draft(
    dose: float,
    product: str = "herceptin",
    ingredients: tuple[str, ...] = ("trastuzumab",),
    interval: int | None = 21,
) -> DraftOrder:
    return DraftOrder(
        resource="MedicationRequest/d",
        exposure=_exposure("MedicationRequest/d", product, list(ingredients), AS_OF, "draft"),
        dose_value=dose,
        dose_unit="mg",
        interval_days=interval,
    )


def _codes(findings: list) -> set[FindingCode]:  # type: ignore[type-arg]
    return {f.code for f in findings}


@settings(max_examples=80, deadline=None)
@given(
    weight=st.floats(min_value=35, max_value=180), factor=st.floats(min_value=0.5, max_value=1.5)
)
def test_dose_flag_matches_tolerance(weight: float, factor: float) -> None:
    """A trastuzumab loading dose is flagged exactly when it is off by more than the tolerance."""
    spec = next(sp for sp in KB.dosing.by_id()["herceptin"].specs if sp.interval_days == 21)
    assert spec.loading is not None and spec.basis.value == "mg_per_kg"
    expected = spec.loading * weight
    tol = KB.interop.dose_tolerance()
    assert tol is not None
    ordered = expected * factor
    findings = check_orders(KB, _facts(weight_kg=weight), [_draft(ordered)], AS_OF)
    flagged = FindingCode.dose_mismatch in _codes(findings)
    off = abs(ordered - expected) > expected * tol.percent / 100
    # Away from the boundary by more than the 1 mg rounding of the computed dose:
    if abs(abs(ordered - expected) - expected * tol.percent / 100) > 1.0:
        assert flagged == off
    if flagged:
        f = next(x for x in findings if x.code is FindingCode.dose_mismatch)
        assert f.dose is not None and abs(f.dose.mg - round(expected)) < 1e-9
        assert {s.source for s in f.sources} >= {"HER-PI", "HER2PATH"}


@settings(max_examples=80, deadline=None)
@given(
    baseline=st.integers(min_value=50, max_value=75), drop=st.integers(min_value=0, max_value=30)
)
def test_lvef_hold_at_sixteen_points(baseline: int, drop: int) -> None:
    """During trastuzumab, a fall of at least the labelled points from baseline means hold."""
    threshold = 16  # TRAZ-PI 2.3: an absolute fall of 16 points or more (LLN not recorded)
    start = AS_OF - timedelta(days=60)
    facts = _facts(
        lvef=[
            LVEFReading(date=start - timedelta(days=3), percent=baseline),
            LVEFReading(date=AS_OF - timedelta(days=2), percent=baseline - drop),
        ],
        exposures=[_exposure("MedicationRequest/r", "herceptin", ["trastuzumab"], start, "active")],
    )
    findings = check_orders(KB, facts, [_draft(420)], AS_OF)
    held = FindingCode.lvef_hold in _codes(findings)
    assert held == (drop >= threshold)
    if held:
        f = next(x for x in findings if x.code is FindingCode.lvef_hold)
        assert {s.source for s in f.sources} & {"HER-PI", "TRAZ-PI"}


@settings(max_examples=40, deadline=None)
@given(days=st.integers(min_value=0, max_value=400))
def test_lvef_due_after_the_monitoring_interval(days: int) -> None:
    rule = next(r for r in KB.interop.rules() if r.id == "trastuzumab")
    assert rule.lvef is not None and rule.lvef.recheck_days is not None
    start = AS_OF - timedelta(days=500)
    facts = _facts(
        lvef=[LVEFReading(date=AS_OF - timedelta(days=days), percent=60)],
        exposures=[_exposure("MedicationRequest/r", "herceptin", ["trastuzumab"], start, "active")],
    )
    due = FindingCode.lvef_due in _codes(check_orders(KB, facts, [_draft(420)], AS_OF))
    # Every 3 months by the label: clearly not due within 2 months, clearly due after 4.
    if days <= 60:
        assert not due
    if days >= 122:
        assert due


def test_every_her2_directed_product_has_an_order_rule() -> None:
    for product, ingredient in [
        ("herceptin", "trastuzumab"),
        ("ogivri", "trastuzumab"),
        ("herzuma", "trastuzumab"),
        ("herceptin_hylecta", "trastuzumab"),
        ("perjeta", "pertuzumab"),
        ("kadcyla", "ado_trastuzumab_emtansine"),
        ("enhertu", "fam_trastuzumab_deruxtecan"),
        ("tukysa", "tucatinib"),
        ("nerlynx", "neratinib"),
        ("tykerb", "lapatinib"),
        ("margenza", "margetuximab"),
    ]:
        rules = rules_for(KB, _exposure("r", product, [ingredient], AS_OF, "draft"))
        assert rules, product
        assert all(r.sources for r in rules)
    phesgo = rules_for(KB, _exposure("r", "phesgo", ["pertuzumab", "trastuzumab"], AS_OF, "draft"))
    assert [r.id for r in phesgo] == ["phesgo"]


def test_tdxd_is_labelled_for_her2_low_breast_but_not_gastric() -> None:
    low = _facts(
        her2_reported=[
            ReportedHer2(method=ReportedHer2Method.summary, call=ReportedHer2Call.low, code="c")
        ]
    )
    order = _draft(378, product="enhertu", ingredients=("fam_trastuzumab_deruxtecan",))
    assert FindingCode.her2_not_labelled not in _codes(check_orders(KB, low, [order], AS_OF))
    gastric = low.model_copy(update={"site": TumourSite.gastric})
    found = [
        f
        for f in check_orders(KB, gastric, [order], AS_OF)
        if f.code is FindingCode.her2_not_labelled
    ]
    assert found and found[0].severity.value == "block"
    assert any(s.source == "ENH-PI" for s in found[0].sources)


def test_her2_picture_prefers_the_summary_call() -> None:
    facts = _facts(
        her2_reported=[
            ReportedHer2(method=ReportedHer2Method.ihc, ihc_score="2+", code="a"),
            ReportedHer2(method=ReportedHer2Method.ish, call=ReportedHer2Call.negative, code="b"),
            ReportedHer2(method=ReportedHer2Method.summary, call=ReportedHer2Call.low, code="c"),
        ]
    )
    picture = her2_picture(KB, facts)
    assert picture.category == "her2_low"
    assert any(s.source == "ENH-PI" for s in picture.sources)


@settings(max_examples=80, deadline=None)
@given(
    baseline=st.integers(min_value=50, max_value=75), latest=st.integers(min_value=25, max_value=75)
)
def test_pertuzumab_hold_rows_in_metastatic_disease(baseline: int, latest: int) -> None:
    """Perjeta (metastatic): hold below 40%, or at 40-45% with a fall of 10 points or more."""
    start = AS_OF - timedelta(days=60)
    facts = _facts(
        metastatic=True,
        lvef=[
            LVEFReading(date=start - timedelta(days=3), percent=baseline),
            LVEFReading(date=AS_OF - timedelta(days=2), percent=latest),
        ],
        exposures=[
            _exposure("MedicationRequest/r", "perjeta", ["pertuzumab"], start, "active"),
            _exposure("MedicationRequest/t", "herceptin", ["trastuzumab"], start, "active"),
        ],
    )
    order = _draft(420, product="perjeta", ingredients=("pertuzumab",))
    findings = [
        f for f in check_orders(KB, facts, [order], AS_OF) if f.code is FindingCode.lvef_hold
    ]
    expected = latest < 40 or (latest <= 45 and baseline - latest >= 10)
    assert bool(findings) == expected
    if findings:
        assert any(s.source == "PER-PI" for s in findings[0].sources)
