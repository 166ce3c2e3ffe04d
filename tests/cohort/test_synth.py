"""The synthetic cohort generator: deterministic by seed, realistic shares, valid tables."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from cohort_cases import AS_OF

from her2path.cohort.read import Cohort, read_cohort, write_tables
from her2path.cohort.synth import generate
from her2path.kb import KnowledgeBase


def test_same_seed_same_cohort(kb: KnowledgeBase) -> None:
    a = generate(kb, 500, 11, AS_OF)
    b = generate(kb, 500, 11, AS_OF)
    c = generate(kb, 500, 12, AS_OF)
    assert all(a[k].equals(b[k]) for k in a)
    assert not a["her2_results"].equals(c["her2_results"])


def test_generated_tables_validate(kb: KnowledgeBase, tmp_path: Path) -> None:
    write_tables(generate(kb, 2000, 5, AS_OF), tmp_path, "csv")
    cohort = read_cohort(tmp_path, kb)
    assert cohort.patient_count == 2000
    assert cohort.skipped == []


def test_her2_positive_share_of_breast_cancers(kb: KnowledgeBase, synthetic: Cohort) -> None:
    """About 15-20% of breast cancers are HER2-positive (seed-001), read by IHC 3+ or ISH."""
    source = kb.synthetic.proportions["breast_her2_positive"].sources[0].source
    assert source == "seed-001"
    con = duckdb.connect()
    con.register("p", synthetic.tables["patients"])
    con.register("h", synthetic.tables["her2_results"])
    share, low = con.execute(
        """SELECT avg(CASE WHEN pos THEN 1 ELSE 0 END), avg(CASE WHEN low THEN 1 ELSE 0 END)
        FROM (SELECT p.patient_id,
            bool_or(h.specimen_id LIKE '%-S1' AND (h.ihc_score = '3+' OR
              (h.test = 'dual_probe_ish' AND coalesce(h.ish_ratio, h.her2_copies / h.cep17_copies)
               >= 2.0 AND h.her2_copies >= 4.0))) AS pos,
            bool_or(h.specimen_id LIKE '%-S1' AND h.ihc_score = '1+') AS low
          FROM p JOIN h USING (patient_id) WHERE p.site = 'breast' GROUP BY p.patient_id)"""
    ).fetchone()
    assert 0.15 <= share <= 0.20
    assert low > 0.25  # HER2-low is common among the negatives


@pytest.mark.parametrize("name", ["lvef_readings", "pregnancy_tests", "events", "administrations"])
def test_every_table_has_rows(synthetic: Cohort, name: str) -> None:
    assert synthetic.tables[name].num_rows > 0
