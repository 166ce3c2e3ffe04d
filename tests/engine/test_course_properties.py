"""Property-based checks of the course invariants."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from her2path.domain.patient import LVEFReading
from her2path.engine.cardiac import LvefAction, evaluate_readings, tables_for
from her2path.engine.dosing import DoseRequest, calculate_dose
from her2path.engine.schedule import build_schedule
from her2path.kb import KnowledgeBase, load_default
from her2path.kb.cardiac import TherapyContext
from her2path.kb.dosing import DoseBasis, RoundingMode
from her2path.kb.schedules import Disease

KB: KnowledgeBase = load_default()
WEIGHT_SPECS = [
    (d.id, s.id) for d in KB.dosing.drugs for s in d.specs if s.basis is DoseBasis.mg_per_kg
]
EARLY = [r.id for r in KB.schedules if r.disease is Disease.early and r.her2_total_weeks]


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(WEIGHT_SPECS), st.floats(min_value=30, max_value=200), st.booleans())
def test_weight_based_dose_is_mg_per_kg_times_kg(
    pair: tuple[str, str], kg: float, load: bool
) -> None:
    drug, spec = pair
    a = calculate_dose(
        KB,
        DoseRequest(drug=drug, spec=spec, weight_kg=kg, kind="loading" if load else "maintenance"),
    )
    assert a.per_unit is not None and a.unrounded_mg is not None and a.dose_mg is not None
    assert abs(a.unrounded_mg - a.per_unit * kg) <= 0.005
    assert abs(a.dose_mg - a.unrounded_mg) <= KB.dosing.rounding.increment_mg / 2 + 0.005


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(WEIGHT_SPECS), st.floats(min_value=30, max_value=200), st.floats(0, 25))
def test_vial_rounding_stays_within_tolerance(pair: tuple[str, str], kg: float, tol: float) -> None:
    drug, spec = pair
    a = calculate_dose(
        KB,
        DoseRequest(
            drug=drug,
            spec=spec,
            weight_kg=kg,
            rounding=RoundingMode.vial,
            vial_tolerance_percent=tol,
        ),
    )
    assert a.dose_mg is not None and a.unrounded_mg is not None
    diff = abs(a.dose_mg - a.unrounded_mg)
    within_vial = diff <= a.unrounded_mg * tol / 100 + 0.01
    nearest_mg = diff <= 0.5 + 0.005
    assert within_vial or nearest_mg


def test_loading_never_below_maintenance_in_kb() -> None:
    for d in KB.dosing.drugs:
        for s in d.specs:
            if s.loading is not None:
                assert s.loading >= s.maintenance, (d.id, s.id)


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(WEIGHT_SPECS), st.floats(min_value=30, max_value=200))
def test_loading_dose_mg_not_below_maintenance_mg(pair: tuple[str, str], kg: float) -> None:
    drug, spec = pair
    load = calculate_dose(KB, DoseRequest(drug=drug, spec=spec, weight_kg=kg, kind="loading"))
    keep = calculate_dose(KB, DoseRequest(drug=drug, spec=spec, weight_kg=kg, kind="maintenance"))
    assert load.dose_mg is not None and keep.dose_mg is not None
    assert load.dose_mg >= keep.dose_mg


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(EARLY), st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31)))
def test_early_schedule_never_exceeds_52_weeks_of_her2_therapy(regimen: str, start: date) -> None:
    s = build_schedule(KB, regimen, start)
    her2 = [a for a in s.administrations if a.her2_directed]
    assert her2
    first = min(a.date for a in her2)
    limit = first + timedelta(weeks=52)
    assert all(a.date < limit and (a.end or a.date) < limit for a in her2)


READING = st.tuples(st.integers(min_value=1, max_value=60), st.integers(min_value=20, max_value=75))


@settings(max_examples=300, deadline=None)
@given(
    st.integers(min_value=50, max_value=75),
    st.lists(READING, min_size=1, max_size=14),
    st.sampled_from(
        [
            ["herceptin"],
            ["herceptin", "perjeta"],
            ["enhertu"],
            ["kadcyla"],
            ["margenza"],
            ["tykerb"],
        ]
    ),
)
def test_no_resume_after_a_permanent_stop(
    baseline: int, steps: list[tuple[int, int]], products: list[str]
) -> None:
    d = date(2026, 1, 1)
    base = LVEFReading(date=d, percent=baseline, lln=50)
    readings = [base]
    for gap, value in steps:
        d += timedelta(days=gap)
        readings.append(LVEFReading(date=d, percent=value, lln=50))
    tables = tables_for(KB, products, TherapyContext.metastatic)
    out, _ = evaluate_readings(KB, tables, readings, base)
    for table in [t.id for t in tables]:
        stopped = False
        for verdict in out:
            v = next(x for x in verdict.verdicts if x.table == table)
            if stopped:
                assert v.action is LvefAction.stop_permanently
            stopped = stopped or v.action is LvefAction.stop_permanently
        if any(
            next(x for x in o.verdicts if x.table == table).action is LvefAction.stop_permanently
            for o in out
        ):
            assert out[-1].leading.action is LvefAction.stop_permanently
