"""CAP/ASCP/ASCO 2016 gastroesophageal rules: resection vs biopsy, ratio-only ISH."""

from __future__ import annotations

from typing import Any

import pytest

from her2path.kb import KnowledgeBase
from her2path.kb.her2 import ExpressionCategory as Cat
from her2path.kb.her2 import Her2Status as St
from tests.her2_cases import cited, dual, ihc, run, single, steps

BIOPSY: dict[str, Any] = {"id": "G1", "origin": "primary", "procedure": "endoscopic_biopsy"}
RESECTION: dict[str, Any] = {"id": "G2", "origin": "primary", "procedure": "resection"}
SITES = ["gastric", "gej", "oesophageal"]


@pytest.mark.parametrize("site", SITES)
@pytest.mark.parametrize(
    ("score", "status", "category"),
    [
        ("3+", St.positive, Cat.her2_positive),
        ("2+", St.equivocal, Cat.not_determinable),
        ("1+", St.negative, Cat.her2_negative),
        ("0", St.negative, Cat.her2_negative),
    ],
)
def test_each_ihc_score_on_gastroesophageal_sites(
    kb: KnowledgeBase, site: str, score: str, status: St, category: Cat
) -> None:
    a = run(kb, ihc(score, specimen=BIOPSY), site=site)
    assert a.status is status
    assert a.expression_category is category
    assert cited(a, f"gastroesophageal.ihc_calls.{score}")[0].startswith("GEA16 Recommendation")
    if score == "2+":
        assert steps(a) == ["reflex_ish_same_specimen"]


def test_no_her2_low_category_for_gastric(kb: KnowledgeBase) -> None:
    a = run(kb, ihc("1+", specimen=BIOPSY), site="gastric")
    assert a.expression_category is Cat.her2_negative


@pytest.mark.parametrize(
    ("pattern", "score", "row"),
    [
        (
            {"intensity": "strong", "completeness": "basolateral", "percent_cells": 30},
            "3+",
            "resection_3",
        ),
        (
            {"intensity": "strong", "completeness": "lateral", "percent_cells": 10.5},
            "3+",
            "resection_3",
        ),
        (
            {"intensity": "weak_to_moderate", "completeness": "complete", "percent_cells": 60},
            "2+",
            "resection_2",
        ),
        (
            {"intensity": "faint", "completeness": "incomplete", "percent_cells": 11},
            "1+",
            "resection_1",
        ),
        (
            {"intensity": "strong", "completeness": "complete", "percent_cells": 9.9},
            "0",
            "resection_0",
        ),
        ({"intensity": "none", "completeness": "none", "percent_cells": 0}, "0", "resection_0"),
    ],
)
def test_resection_scoring_rows(
    kb: KnowledgeBase, pattern: dict[str, Any], score: str, row: str
) -> None:
    a = run(kb, ihc(pattern=pattern, specimen=RESECTION), site="gastric")
    assert a.ihc_score is not None and a.ihc_score.value == score
    assert cited(a, f"gastroesophageal.ihc_patterns.{row}")[0].startswith("GEA16 IHC scoring")


def test_resection_exactly_ten_percent_goes_to_pathologist(kb: KnowledgeBase) -> None:
    pattern = {"intensity": "strong", "completeness": "complete", "percent_cells": 10}
    a = run(kb, ihc(pattern=pattern, specimen=RESECTION), site="gastric")
    assert a.ihc_score is None
    assert a.status is St.equivocal
    assert steps(a) == ["pathologist_review"]
    assert cited(a, "ihc_patterns.resection_exactly_cut_off") == [
        "GEA16 IHC scoring table, surgical specimen column"
    ]


@pytest.mark.parametrize(
    ("cluster", "score"),
    [(5, "3+"), (4, None), (20, "3+")],
)
def test_biopsy_cluster_of_five_cells_whatever_the_percentage(
    kb: KnowledgeBase, cluster: int, score: str | None
) -> None:
    pattern = {
        "intensity": "strong",
        "completeness": "basolateral",
        "percent_cells": 2,
        "largest_cluster_cells": cluster,
    }
    a = run(kb, ihc(pattern=pattern, specimen=BIOPSY), site="gastric")
    if score is None:
        assert a.ihc_score is None
        assert "pathologist_review" in steps(a)
    else:
        assert a.ihc_score is not None and a.ihc_score.value == score
        assert cited(a, "gastroesophageal.ihc_patterns.biopsy_3")


def test_biopsy_without_staining_is_zero(kb: KnowledgeBase) -> None:
    pattern = {"intensity": "none", "completeness": "none", "percent_cells": 0}
    a = run(kb, ihc(pattern=pattern, specimen=BIOPSY), site="gej")
    assert a.ihc_score is not None and a.ihc_score.value == "0"


@pytest.mark.parametrize(("ratio", "status"), [(2.0, St.positive), (1.99, St.negative)])
def test_ihc_2_plus_then_ish_ratio(kb: KnowledgeBase, ratio: float, status: St) -> None:
    a = run(kb, ihc("2+", specimen=BIOPSY), dual(ratio, 3.0, specimen=BIOPSY), site="gastric")
    assert a.status is status
    assert a.ish_group is None  # ISH groups are a breast concept
    assert cited(a, "gastroesophageal.ish_ratio_positive") == [
        "GEA16 Recommendation on ISH interpretation"
    ]


def test_ish_positive_with_ihc_1_plus_is_not_decided(kb: KnowledgeBase) -> None:
    a = run(kb, ihc("1+", specimen=BIOPSY), dual(2.4, 5.0, specimen=BIOPSY), site="gastric")
    assert a.status is St.equivocal
    assert "pathologist_review" in steps(a)


def test_single_probe_has_no_gastric_criteria(kb: KnowledgeBase) -> None:
    a = run(kb, single(6.5, specimen=BIOPSY), site="gastric")
    assert a.status is St.equivocal
    assert steps(a) == ["dual_probe_ish"]
    assert "no_single_probe_criteria" in [n.code for n in a.notes]
