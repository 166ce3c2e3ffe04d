"""ASCO/CAP 2018 breast rules, row by row, each asserting the source it cites."""

from __future__ import annotations

import pytest

from her2path.kb import KnowledgeBase
from her2path.kb.her2 import ExpressionCategory as Cat
from her2path.kb.her2 import Her2Status as St
from tests.her2_cases import cited, dual, ihc, run, single, steps

# --------------------------------------------------------------------------- IHC alone


@pytest.mark.parametrize(
    ("score", "status", "category", "next_step"),
    [
        ("3+", St.positive, Cat.her2_positive, None),
        ("2+", St.equivocal, Cat.not_determinable, "reflex_ish_same_specimen"),
        ("1+", St.negative, Cat.her2_low, None),
        ("0", St.negative, Cat.not_determinable, "record_membrane_staining"),
    ],
)
def test_each_ihc_score_alone(
    kb: KnowledgeBase, score: str, status: St, category: Cat, next_step: str | None
) -> None:
    a = run(kb, ihc(score))
    assert a.status is status
    assert a.expression_category is category
    assert a.ihc_score is not None and a.ihc_score.value == score
    assert cited(a, f"breast.ihc_calls.{score}") == [f"ASCO18 Figure 1, IHC {score}"]
    if next_step:
        assert next_step in steps(a)
    else:
        assert steps(a) == []


def test_ihc_2_plus_next_step_cites_figure_1(kb: KnowledgeBase) -> None:
    a = run(kb, ihc("2+"))
    (step,) = [s for s in a.next_steps if s.code == "reflex_ish_same_specimen"]
    assert [s.source for s in step.sources] == ["ASCO18"]
    assert "same specimen" in step.text


@pytest.mark.parametrize(
    ("membrane", "category"),
    [(True, Cat.her2_ultralow), (False, Cat.her2_0), (None, Cat.not_determinable)],
)
def test_ihc_0_membrane_staining_decides_ultralow(
    kb: KnowledgeBase, membrane: bool | None, category: Cat
) -> None:
    extra = {} if membrane is None else {"membrane_staining": membrane}
    a = run(kb, ihc("0", **extra))
    assert a.status is St.negative
    assert a.expression_category is category
    if category is Cat.her2_ultralow:
        assert "ENH-PI" in [s.source for s in a.rule_path[-1].sources]


# --------------------------------------------------------------------------- IHC patterns


@pytest.mark.parametrize(
    ("intensity", "completeness", "percent", "row", "score"),
    [
        ("strong", "complete", 10.1, "ihc3_complete_intense", "3+"),
        ("weak_to_moderate", "complete", 11, "ihc2_complete_weak_moderate", "2+"),
        ("faint", "incomplete", 10.5, "ihc1_incomplete_faint", "1+"),
        ("faint", "incomplete", 10, "ihc0_faint_incomplete_few_cells", "0"),
        ("faint", "incomplete", 1, "ihc0_faint_incomplete_few_cells", "0"),
        ("none", "none", 0, "ihc0_no_staining", "0"),
    ],
)
def test_staining_pattern_rows(
    kb: KnowledgeBase, intensity: str, completeness: str, percent: float, row: str, score: str
) -> None:
    pattern = {"intensity": intensity, "completeness": completeness, "percent_cells": percent}
    a = run(kb, ihc(pattern=pattern))
    assert a.ihc_score is not None and a.ihc_score.value == score
    assert cited(a, f"breast.ihc_patterns.{row}")[0].startswith("ASCO18 Figure 1")


def test_cell_fraction_boundary_exactly_ten_percent(kb: KnowledgeBase) -> None:
    """>10% is 1+; exactly 10% faint incomplete staining is IHC 0 with membrane staining."""
    at = run(
        kb, ihc(pattern={"intensity": "faint", "completeness": "incomplete", "percent_cells": 10})
    )
    above = run(
        kb,
        ihc(pattern={"intensity": "faint", "completeness": "incomplete", "percent_cells": 10.01}),
    )
    assert at.ihc_score is not None and at.ihc_score.value == "0"
    assert at.expression_category is Cat.her2_ultralow
    assert above.ihc_score is not None and above.ihc_score.value == "1+"
    assert above.expression_category is Cat.her2_low


def test_intense_complete_in_ten_percent_is_left_to_pathologist(kb: KnowledgeBase) -> None:
    a = run(
        kb, ihc(pattern={"intensity": "strong", "completeness": "complete", "percent_cells": 10})
    )
    assert a.ihc_score is None
    assert a.status is St.equivocal
    assert "pathologist_review" in steps(a)
    assert cited(a, "breast.ihc_patterns.unusual_pattern") == [
        "ASCO18 Figure 1, footnote on unusual patterns"
    ]


def test_reported_score_wins_over_pattern_but_is_flagged(kb: KnowledgeBase) -> None:
    a = run(
        kb,
        ihc(
            "2+", pattern={"intensity": "faint", "completeness": "incomplete", "percent_cells": 50}
        ),
    )
    assert a.ihc_score is not None and a.ihc_score.value == "2+"
    assert "ihc_pattern_disagrees" in [n.code for n in a.notes]
    assert "pathologist_review" in steps(a)


# --------------------------------------------------------------------------- ISH groups


@pytest.mark.parametrize(
    ("ratio", "copies", "group"),
    [
        (2.0, 4.0, 1),
        (2.0, 3.99, 2),
        (1.99, 6.0, 3),
        (1.99, 5.99, 4),
        (1.99, 4.0, 4),
        (1.99, 3.99, 5),
        (5.0, 12.0, 1),
        (1.0, 2.0, 5),
    ],
)
def test_ish_group_boundaries(kb: KnowledgeBase, ratio: float, copies: float, group: int) -> None:
    a = run(kb, dual(ratio, copies, cells=20))
    assert a.ish_group == group
    assert cited(a, f"breast.dual_probe_groups.{group}") == [f"ASCO18 Figure 3, group {group}"]


def test_group_1_positive_and_group_5_negative_without_ihc(kb: KnowledgeBase) -> None:
    assert run(kb, dual(2.3, 4.6)).status is St.positive
    g5 = run(kb, dual(1.2, 2.4))
    assert g5.status is St.negative
    assert g5.expression_category is Cat.not_determinable
    assert "test_ihc" in steps(g5)


@pytest.mark.parametrize("group_values", [(2.2, 3.5), (1.5, 6.5), (1.5, 4.5)])
def test_groups_2_to_4_without_ihc_ask_for_ihc_on_same_tissue(
    kb: KnowledgeBase, group_values: tuple[float, float]
) -> None:
    a = run(kb, dual(*group_values))
    assert a.status is St.equivocal
    assert steps(a) == ["ihc_same_tissue"]
    (step,) = a.next_steps
    assert step.sources[0].where == "Figure 3 note on groups 2-4"


GROUP_VALUES = {2: (2.2, 3.5), 3: (1.5, 6.5), 4: (1.5, 4.5)}
FIGURE = {2: "Figure 4", 3: "Figure 5", 4: "Figure 6"}


@pytest.mark.parametrize("group", [2, 3, 4])
@pytest.mark.parametrize(
    ("score", "status"), [("3+", St.positive), ("1+", St.negative), ("0", St.negative)]
)
def test_groups_2_to_4_with_concurrent_ihc(
    kb: KnowledgeBase, group: int, score: str, status: St
) -> None:
    a = run(kb, ihc(score, membrane_staining=True), dual(*GROUP_VALUES[group]))
    assert a.ish_group == group
    assert a.status is status
    assert cited(a, f"breast.concurrent_ihc_workup.{group}") == [f"ASCO18 {FIGURE[group]}"]
    if status is St.negative:
        assert "report_comment" in [n.code for n in a.notes]


@pytest.mark.parametrize("group", [2, 3, 4])
def test_groups_2_to_4_with_ihc_2_plus_need_blinded_recount(kb: KnowledgeBase, group: int) -> None:
    a = run(kb, ihc("2+"), dual(*GROUP_VALUES[group]))
    assert a.status is St.equivocal
    assert steps(a) == ["blinded_recount"]
    assert cited(a, f"breast.concurrent_ihc_workup.{group}") == [f"ASCO18 {FIGURE[group]}"]


@pytest.mark.parametrize(
    ("group", "status"), [(2, St.negative), (3, St.positive), (4, St.negative)]
)
def test_recount_in_same_group(kb: KnowledgeBase, group: int, status: St) -> None:
    ratio, copies = GROUP_VALUES[group]
    recount = {"ratio": ratio + 0.01, "her2_copies": copies + 0.05, "cells_counted": 20}
    a = run(kb, ihc("2+"), dual(ratio, copies, recount=recount))
    assert a.status is status
    assert steps(a) == []
    assert a.expression_category is (Cat.her2_positive if status is St.positive else Cat.her2_low)
    assert cited(a, f"breast.concurrent_ihc_workup.{group}") == [f"ASCO18 {FIGURE[group]}"]


@pytest.mark.parametrize("group", [2, 3, 4])
def test_recount_in_other_group_is_adjudicated(kb: KnowledgeBase, group: int) -> None:
    ratio, copies = GROUP_VALUES[group]
    recount = {"ratio": 2.5, "her2_copies": 5.5, "cells_counted": 20}  # group 1
    a = run(kb, ihc("2+"), dual(ratio, copies, recount=recount))
    assert a.status is St.equivocal
    assert steps(a) == ["adjudicate_internal"]
    assert a.specimens[0].recount_group == 1


@pytest.mark.parametrize(
    ("score", "category"), [("1+", Cat.her2_low), ("2+", Cat.her2_low), ("3+", Cat.her2_positive)]
)
def test_group_5_with_concurrent_ihc(kb: KnowledgeBase, score: str, category: Cat) -> None:
    a = run(kb, ihc(score), dual(1.3, 2.6))
    assert a.expression_category is category


def test_ihc_3_plus_with_group_5_stays_positive_and_is_flagged(kb: KnowledgeBase) -> None:
    a = run(kb, ihc("3+"), dual(1.3, 2.6))
    assert a.status is St.positive
    assert "ihc_ish_discordant" in [n.code for n in a.notes]
    assert "pathologist_review" in steps(a)


def test_ihc_2_plus_then_group_1_is_positive(kb: KnowledgeBase) -> None:
    a = run(kb, ihc("2+"), dual(2.3, 4.6, 2.0))
    assert a.status is St.positive
    assert a.ish_group == 1
    assert a.rule_path[0].rule == "governing.same_specimen_combined"


# --------------------------------------------------------------------------- ratio checks


def test_ratio_computed_from_copies(kb: KnowledgeBase) -> None:
    a = run(kb, dual(None, 4.4, 2.2))  # 4.4 / 2.2 = 2.0 exactly -> group 1
    assert a.ish_group == 1
    assert a.specimens[0].ish_ratio == pytest.approx(2.0)
    assert any(s.rule == "breast.ratio_from_copies" for s in a.rule_path)


def test_inconsistent_ratio_is_reported(kb: KnowledgeBase) -> None:
    a = run(kb, dual(2.4, 4.0, 2.5))  # 4.0 / 2.5 = 1.6, reported 2.4
    assert "ratio_inconsistent" in [n.code for n in a.notes]
    assert "verify_ish_values" in steps(a)
    assert a.ish_group == 1  # the reported ratio is used, and flagged


def test_consistent_ratio_within_tolerance_is_not_flagged(kb: KnowledgeBase) -> None:
    a = run(kb, dual(2.05, 4.0, 2.0))
    assert "ratio_inconsistent" not in [n.code for n in a.notes]


def test_too_few_cells_counted(kb: KnowledgeBase) -> None:
    a = run(kb, dual(2.3, 4.6, cells=19))
    assert "too_few_cells" in [n.code for n in a.notes]
    assert "count_more_cells" in steps(a)
    assert "too_few_cells" not in [n.code for n in run(kb, dual(2.3, 4.6, cells=20)).notes]


# --------------------------------------------------------------------------- single probe


@pytest.mark.parametrize(
    ("copies", "status", "band"),
    [
        (6.0, St.positive, "single_high"),
        (5.99, St.equivocal, "single_middle"),
        (4.0, St.equivocal, "single_middle"),
        (3.99, St.negative, "single_low"),
    ],
)
def test_single_probe_bands(kb: KnowledgeBase, copies: float, status: St, band: str) -> None:
    a = run(kb, single(copies))
    assert a.status is status
    assert cited(a, f"breast.single_probe_bands.{band}") == ["ASCO18 Figure 2"]
    if status is St.equivocal:
        assert steps(a) == ["ihc_same_tissue", "dual_probe_ish"]


@pytest.mark.parametrize(
    ("score", "status", "step"),
    [
        ("3+", St.positive, None),
        ("2+", St.equivocal, "dual_probe_ish"),
        ("1+", St.negative, None),
        ("0", St.negative, None),
    ],
)
def test_single_probe_workup_by_ihc(
    kb: KnowledgeBase, score: str, status: St, step: str | None
) -> None:
    a = run(kb, single(4.8), ihc(score, membrane_staining=False))
    assert a.status is status
    assert cited(a, "breast.single_probe_workup") == ["ASCO18 Figure 2"]
    assert steps(a) == ([step] if step else [])


def test_dual_probe_preferred_over_single_probe(kb: KnowledgeBase) -> None:
    a = run(kb, single(4.8), dual(2.3, 4.6))
    assert a.status is St.positive
    assert "dual_probe_preferred" in [n.code for n in a.notes]
