"""Property-based invariants of HER2 interpretation (hypothesis)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from her2path.engine.her2 import ish_group
from her2path.kb import KnowledgeBase, load_default
from her2path.kb.her2 import ExpressionCategory as Cat
from her2path.kb.her2 import Her2Status as St
from tests.her2_cases import dual, ihc, run, single

KB = load_default()
BREAST = KB.her2.for_site("breast")

ratios = st.floats(min_value=0.01, max_value=20, allow_nan=False)
copies = st.floats(min_value=0, max_value=40, allow_nan=False)
scores = st.sampled_from(["0", "1+", "2+", "3+"])
sites = st.sampled_from(["breast", "gastric", "gej", "oesophageal"])


@given(ratio=ratios, her2=copies)
def test_ish_group_is_a_total_function(ratio: float, her2: float) -> None:
    hits = [
        g.group
        for g in BREAST.dual_probe_groups
        if g.ratio.contains(ratio, BREAST.cutoffs) and g.her2_copies.contains(her2, BREAST.cutoffs)
    ]
    assert len(hits) == 1
    assert ish_group(BREAST, ratio, her2).group == hits[0]


@st.composite
def results(draw: st.DrawFn) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if draw(st.booleans()):
        extra = {}
        if draw(st.booleans()):
            extra["membrane_staining"] = draw(st.booleans())
        found.append(ihc(draw(scores), **extra))
    kind = draw(st.sampled_from(["none", "dual", "single"]))
    if kind == "dual":
        recount = None
        if draw(st.booleans()):
            recount = {"ratio": draw(ratios), "her2_copies": draw(copies), "cells_counted": 20}
        found.append(
            dual(draw(ratios), draw(copies), recount=recount, cells=draw(st.integers(1, 60)))
        )
    elif kind == "single":
        found.append(single(draw(copies)))
    return found


@settings(max_examples=300)
@given(site=sites, rs=results())
def test_ihc_3_plus_is_never_negative(site: str, rs: list[dict[str, Any]]) -> None:
    a = run(KB, *rs, site=site)
    if a.ihc_score is not None and a.ihc_score.value == "3+":
        assert a.status is not St.negative


@settings(max_examples=300)
@given(site=sites, rs=results())
def test_low_and_ultralow_need_an_ihc_score(site: str, rs: list[dict[str, Any]]) -> None:
    a = run(KB, *rs, site=site)
    if a.expression_category in (Cat.her2_low, Cat.her2_ultralow):
        assert a.ihc_score is not None
        assert any(r["kind"] == "ihc" for r in rs)
        assert site == "breast"


@settings(max_examples=300)
@given(site=sites, rs=results())
def test_every_answer_carries_a_source_and_the_kb_version(
    site: str, rs: list[dict[str, Any]]
) -> None:
    a = run(KB, *rs, site=site)
    assert a.kb_version == KB.version
    assert a.rule_path, "an answer without a rule path"
    assert all(step.sources for step in a.rule_path)
    assert all(s.sources for s in a.next_steps)
    assert all(n.sources for n in a.notes)
    assert a.all_sources()


@settings(max_examples=200)
@given(site=sites, rs=results())
def test_positive_category_iff_positive_status(site: str, rs: list[dict[str, Any]]) -> None:
    a = run(KB, *rs, site=site)
    assert (a.expression_category is Cat.her2_positive) == (a.status is St.positive)


def test_property_fixture_kb_matches_session_kb(kb: KnowledgeBase) -> None:
    assert kb.version == KB.version
