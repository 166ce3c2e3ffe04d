"""The behavioural suite every audit engine must pass (python, duckdb, spark).

One parametrised fixture (``engine``) runs each test on every engine: the hand-made
cohort with its exact expected findings, and the 10,000-patient synthetic cohort,
where each engine must return the very rows the per-patient engine returns.
"""

from __future__ import annotations

import pyarrow as pa
from cohort_cases import AS_OF, hand_cohort

from her2path.cohort.engines.base import FINDINGS, AuditEngine
from her2path.cohort.report import with_reasons
from her2path.kb import KnowledgeBase


class TestEngineContract:
    def test_hand_cohort_exact_findings(self, engine: AuditEngine, kb: KnowledgeBase) -> None:
        cohort, expected = hand_cohort()
        found = engine.run(cohort, kb, AS_OF)
        assert found.schema == FINDINGS
        pairs = set(zip(found["patient_id"].to_pylist(), found["audit"].to_pylist(), strict=True))
        assert pairs == expected

    def test_hand_cohort_details(self, engine: AuditEngine, kb: KnowledgeBase) -> None:
        cohort, _ = hand_cohort()
        rows = {(r["patient_id"], r["audit"]): r for r in engine.run(cohort, kb, AS_OF).to_pylist()}
        assert rows[("B1", "ish_group_without_ihc")]["value"] == 4.0
        assert rows[("A1", "ihc2_without_ish")]["detail"] == "A1-S1"
        assert rows[("E1", "doses_after_permanent_stop")]["detail"] == "E1-T1"
        assert rows[("E1", "doses_after_permanent_stop")]["count"] == 1
        assert rows[("H1", "residual_disease_without_tdm1")]["detail"] == "H1-S1"
        assert rows[("D2", "her2_low_metastatic_no_tdxd")]["detail"] == "her2_ultralow"
        assert rows[("F1", "her2_drug_in_pregnancy")]["detail"] == "phesgo"
        hold = rows[("K2", "dose_during_lvef_hold")]
        assert (hold["first_date"].isoformat(), hold["count"]) == ("2022-05-10", 1)
        stop = rows[("K3", "dose_after_lvef_stop")]
        assert stop["first_date"].isoformat() == "2022-07-15"
        assert rows[("E2", "lvef_overdue")]["first_date"].isoformat() == "2022-05-01"
        long_ = rows[("L1", "adjuvant_her2_long")]
        assert (long_["first_date"].isoformat(), long_["value"]) == ("2023-01-31", 400.0)

    def test_lvef_audits_cite_label_and_read_cardiac_knowledge(self, kb: KnowledgeBase) -> None:
        for audit_id in ("lvef_baseline_missing", "lvef_overdue", "dose_during_lvef_hold"):
            rule = kb.audits.audit(audit_id)
            assert rule.sources[0].source == "HER-PI"
            assert "her2path.engine.cardiac" in rule.reuses

    def test_synthetic_cohort_identical_to_reference(
        self, engine_findings: pa.Table, reference: pa.Table
    ) -> None:
        found = engine_findings
        assert found.num_rows == reference.num_rows
        assert found.equals(reference)

    def test_synthetic_cohort_reaches_every_audit(
        self, kb: KnowledgeBase, reference: pa.Table
    ) -> None:
        flagged = set(reference["audit"].to_pylist())
        assert flagged == {a.id for a in kb.audits.audits}

    def test_reasons_identical_across_engines(
        self, engine_findings: pa.Table, kb: KnowledgeBase, reference: pa.Table
    ) -> None:
        mine = with_reasons(engine_findings, kb)
        theirs = with_reasons(reference, kb)
        assert mine["reason"].to_pylist() == theirs["reason"].to_pylist()
