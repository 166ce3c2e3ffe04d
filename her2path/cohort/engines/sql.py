"""The audits as SQL over whole tables, shared by the DuckDB and Spark engines.

The statements use the SQL both DuckDB and Spark SQL understand (window
functions, ``NOT EXISTS``, ``IS NOT DISTINCT FROM``); the one difference, the
number of days between two dates, goes through :meth:`SqlBackend.days`.  Every
code list and number comes from the knowledge base.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Protocol

import pyarrow as pa

from her2path.cohort.cardiac import (
    course_intervals,
    intervals_table,
    plan_rows,
    readings_from_rows,
    table_rows,
    trigger_sql,
)
from her2path.cohort.duration import EARLY, ENDING_EVENTS, interval_rows, limit_days
from her2path.cohort.engines.base import FINDINGS, Step, sort_findings
from her2path.cohort.her2sql import (
    SIGNATURE,
    audit_steps,
    evaluate_signatures,
    group_case,
    ratio_positive_case,
    sql_literal,
)
from her2path.cohort.read import Cohort
from her2path.domain.her2 import SpecimenOrigin, TumourSite
from her2path.domain.patient import ReceptorStatus, Setting, TherapySetting
from her2path.kb.audits import AuditRule, labelled_sites
from her2path.kb.model import KnowledgeBase


class SqlBackend(Protocol):
    def register(self, name: str, table: pa.Table) -> None: ...

    def create(self, name: str, sql: str) -> None:
        """Materialise (or define) ``sql`` as a table or view called ``name``."""
        ...

    def query(self, sql: str) -> pa.Table: ...

    def days(self, start: str, end: str) -> str:
        """SQL for the number of days from ``start`` to ``end``."""
        ...

    def add_months(self, d: str, months: str) -> str:
        """SQL for date ``d`` plus ``months`` months (day clamped to the month's end)."""
        ...

    def add_days(self, d: str, days: str) -> str: ...


def q(values: Iterable[str]) -> str:
    """A SQL list of string literals (codes come from the KB and enums, never from data)."""
    items = [v.replace("'", "''") for v in values]
    return "(" + ", ".join(f"'{v}'" for v in items) + ")" if items else "(NULL)"


def drugs(kb: KnowledgeBase, class_id: str) -> str:
    return q(kb.audits.members(kb, class_id))


def specimen_sql(kb: KnowledgeBase) -> str:
    """One row per specimen with its signature and representative ISH values."""
    return f"""
SELECT s.*,
  {group_case(kb, "ratio", "copies")} AS ish_group,
  {group_case(kb, "recount_ratio", "recount_copies")} AS recount_group,
  {ratio_positive_case(kb, "ratio")} AS ratio_positive,
  ratio IS NOT NULL AS has_ish
FROM (
  SELECT h.patient_id, h.specimen_id, p.site, p.setting,
    MAX(h.origin) AS origin,
    MAX(CAST(h.after_neoadjuvant AS INT)) AS after_neoadjuvant,
    COALESCE(MAX(h.collected), MAX(h.result_date)) AS spec_date,
    MAX(CASE WHEN h.test = 'ihc' THEN h.ihc_score END) AS ihc_score,
    MAX(CASE WHEN h.test = 'ihc' THEN CAST(h.membrane_staining AS INT) END) AS membrane,
    MAX(CASE WHEN h.test = 'dual_probe_ish'
        THEN COALESCE(h.ish_ratio, h.her2_copies / h.cep17_copies) END) AS ratio,
    MAX(CASE WHEN h.test = 'dual_probe_ish' THEN h.her2_copies END) AS copies,
    MAX(CASE WHEN h.test = 'dual_probe_ish' THEN h.recount_ratio END) AS recount_ratio,
    MAX(CASE WHEN h.test = 'dual_probe_ish' THEN h.recount_her2_copies END) AS recount_copies
  FROM her2_results h JOIN patients p ON p.patient_id = h.patient_id
  GROUP BY h.patient_id, h.specimen_id, p.site, p.setting
) s"""


SIGNATURE_SQL = f"""
SELECT {", ".join(SIGNATURE)},
  MIN(ratio) AS rep_ratio, MIN(copies) AS rep_copies,
  MIN(recount_ratio) AS rep_recount_ratio, MIN(recount_copies) AS rep_recount_copies
FROM spec GROUP BY {", ".join(SIGNATURE)}"""


def reading_sql(steps: list[str]) -> str:
    on = " AND ".join(f"s.{c} IS NOT DISTINCT FROM g.{c}" for c in SIGNATURE)
    flags = "".join(f", g.step_{c}" for c in steps)
    return f"SELECT s.*, g.status, g.category{flags} FROM spec s JOIN sig g ON {on}"


GOVERNING_SQL = f"""
SELECT * FROM (
  SELECT r.*, ROW_NUMBER() OVER (
      PARTITION BY patient_id ORDER BY pri DESC, spec_date DESC, specimen_id DESC) AS rn
  FROM (
    SELECT r.*,
      CASE WHEN setting = '{Setting.metastatic.value}' AND n_mets > 0
             THEN CASE WHEN origin <> '{SpecimenOrigin.primary.value}' THEN 1 ELSE 0 END
           WHEN newest_after = 1 AND n_before > 0
             THEN CASE WHEN after_neoadjuvant = 0 THEN 1 ELSE 0 END
           ELSE 0 END AS pri
    FROM (
      SELECT rd.*,
        SUM(CASE WHEN origin <> '{SpecimenOrigin.primary.value}' THEN 1 ELSE 0 END)
          OVER (PARTITION BY patient_id) AS n_mets,
        SUM(1 - after_neoadjuvant) OVER (PARTITION BY patient_id) AS n_before,
        FIRST_VALUE(after_neoadjuvant) OVER (
          PARTITION BY patient_id ORDER BY spec_date DESC, specimen_id DESC) AS newest_after
      FROM rd
    ) r
  ) r
) g WHERE rn = 1"""


def _no_course(kb: KnowledgeBase, class_id: str, alias: str = "g") -> str:
    return (
        f"NOT EXISTS (SELECT 1 FROM therapies t WHERE t.patient_id = {alias}.patient_id "
        f"AND t.drug IN {drugs(kb, class_id)})"
    )


def instances_sql(rule: AuditRule, kb: KnowledgeBase, b: SqlBackend, as_of: date) -> str:
    """SQL returning (patient_id, d, detail, value) for every finding of one audit."""
    a = kb.audits
    days = b.days
    null_value = "CAST(NULL AS DOUBLE)"
    today = f"DATE '{as_of.isoformat()}'"
    grace = str(kb.cardiac.overdue_after_days)
    if rule.id == "lvef_baseline_missing":
        return f"""
SELECT t.patient_id, t.start_date AS d, t.therapy_id AS detail, {null_value} AS value
FROM therapies t JOIN plan_map m ON m.drug = t.drug
WHERE {days("t.start_date", today)} > {grace}
  AND NOT EXISTS (SELECT 1 FROM lvef_readings l WHERE l.patient_id = t.patient_id
    AND l.reading_date >= {b.add_days("t.start_date", "-m.baseline_days")}
    AND l.reading_date <= t.start_date AND l.reading_date <= {today})"""
    if rule.id == "lvef_overdue":
        due = b.add_months("p_last", "during_months")
        end = f"COALESCE(end_date, {b.add_months(today, 'during_months')})"
        return f"""
SELECT patient_id, {due} AS d, therapy_id AS detail, {null_value} AS value
FROM (
  SELECT t.patient_id, t.therapy_id, t.end_date, m.plan, m.during_months,
    COALESCE(MAX(l.reading_date), t.start_date) AS p_last
  FROM therapies t JOIN plan_map m ON m.drug = t.drug
  LEFT JOIN lvef_readings l ON l.patient_id = t.patient_id
    AND l.reading_date > t.start_date AND l.reading_date <= {today}
  WHERE m.during_months IS NOT NULL
  GROUP BY t.patient_id, t.therapy_id, t.start_date, t.end_date, m.plan, m.during_months
) c
WHERE {due} < {end} AND {days(due, today)} > {grace}
UNION ALL
SELECT t.patient_id, t.end_date AS d, t.therapy_id AS detail, {null_value} AS value
FROM therapies t JOIN plan_map m ON m.drug = t.drug
WHERE m.at_completion AND t.end_date IS NOT NULL AND {days("t.end_date", today)} > {grace}
  AND NOT EXISTS (SELECT 1 FROM lvef_readings l WHERE l.patient_id = t.patient_id
    AND l.reading_date >= {b.add_days("t.end_date", "-" + grace)}
    AND l.reading_date <= {b.add_days("t.end_date", grace)} AND l.reading_date <= {today})"""
    if rule.id in ("adjuvant_her2_short", "adjuvant_her2_long"):
        limit = str(limit_days(kb))
        early = q(EARLY)
        span = days("first_d", "last_d")
        p = f"""
  SELECT ad.patient_id, MIN(ad.admin_date) AS first_d, MAX(ad.admin_date) AS last_d
  FROM administrations ad JOIN therapies t ON t.therapy_id = ad.therapy_id
  JOIN dose_interval di ON di.drug = t.drug
  WHERE t.setting IN {early} GROUP BY ad.patient_id"""
        if rule.id == "adjuvant_her2_long":
            return f"""
SELECT patient_id, {b.add_days("first_d", limit)} AS d,
  'beyond the schedule limit' AS detail, CAST({span} AS DOUBLE) AS value
FROM ({p}) p WHERE {span} >= {limit}"""
        return f"""
SELECT p.patient_id, p.last_d AS d, 'no reason recorded' AS detail,
  CAST({span} AS DOUBLE) AS value
FROM ({p}) p JOIN (
  SELECT t.patient_id,
    MAX(CASE WHEN t.end_date IS NULL THEN 1 ELSE 0 END) AS ongoing,
    MAX(CASE WHEN t.reason_stopped IS NOT NULL AND t.reason_stopped <> 'completed'
        THEN 1 ELSE 0 END) AS reason,
    MAX(di.interval_days) AS step
  FROM therapies t JOIN dose_interval di ON di.drug = t.drug
  WHERE t.setting IN {early} GROUP BY t.patient_id
) c ON c.patient_id = p.patient_id
WHERE {span} < {limit} - c.step AND c.ongoing = 0 AND c.reason = 0
  AND NOT EXISTS (SELECT 1 FROM events e WHERE e.patient_id = p.patient_id
    AND e.kind IN {q(ENDING_EVENTS)} AND e.event_date <= {b.add_days("p.first_d", limit)})"""
    if rule.id in ("dose_during_lvef_hold", "dose_after_lvef_stop"):
        kind = "hold" if rule.id == "dose_during_lvef_hold" else "stop"
        return f"""
SELECT ad.patient_id, ad.admin_date AS d, i.therapy_id AS detail, {null_value} AS value
FROM lvef_intervals i JOIN administrations ad ON ad.therapy_id = i.therapy_id
WHERE i.kind = '{kind}' AND ad.admin_date > i.from_date
  AND (i.to_date IS NULL OR ad.admin_date < i.to_date)"""
    if rule.next_step is not None:
        value = "CAST(ish_group AS DOUBLE)" if rule.id == "ish_group_without_ihc" else null_value
        return (
            f"SELECT patient_id, spec_date AS d, specimen_id AS detail, {value} AS value "
            f"FROM rd WHERE step_{rule.next_step}"
        )
    if rule.id == "her2_positive_metastatic_untreated":
        return f"""
SELECT g.patient_id, g.spec_date AS d, g.specimen_id AS detail, {null_value} AS value
FROM gov g WHERE g.setting = '{Setting.metastatic.value}' AND g.category IN {q(rule.codes)}
  AND {_no_course(kb, "her2_directed")}"""
    if rule.id == "residual_disease_without_tdm1":
        return f"""
SELECT g.patient_id, g.spec_date AS d, g.specimen_id AS detail, {null_value} AS value
FROM gov g WHERE g.setting = '{Setting.early_residual_disease.value}'
  AND g.category IN {q(rule.codes)} AND {_no_course(kb, "tdm1")}"""
    if rule.id == "her2_low_metastatic_no_tdxd":
        low, ultralow = rule.codes[0], rule.codes[1]
        pos = ReceptorStatus.positive.value
        return f"""
SELECT g.patient_id, t.start_date AS d, g.category AS detail, {null_value} AS value
FROM gov g JOIN patients p ON p.patient_id = g.patient_id
JOIN therapies t ON t.patient_id = g.patient_id
WHERE g.setting = '{Setting.metastatic.value}' AND g.site = '{TumourSite.breast.value}'
  AND t.setting = '{TherapySetting.metastatic.value}'
  AND ((g.category = '{low}' AND t.drug IN {drugs(kb, "chemotherapy")})
    OR (g.category IN ('{low}', '{ultralow}') AND (p.er = '{pos}' OR p.pr = '{pos}')
        AND t.drug IN {drugs(kb, "endocrine")}))
  AND {_no_course(kb, "tdxd")}"""
    if rule.id == "doses_after_permanent_stop":
        return f"""
SELECT s.patient_id, ad.admin_date AS d, s.therapy_id AS detail, {null_value} AS value
FROM therapies s
JOIN therapies t ON t.patient_id = s.patient_id AND t.drug = s.drug
JOIN administrations ad ON ad.therapy_id = t.therapy_id
WHERE s.reason_stopped IN {q(rule.codes)} AND s.drug IN {drugs(kb, "her2_directed")}
  AND ad.admin_date > s.end_date"""
    if rule.id == "her2_drug_in_pregnancy":
        window = sql_literal(a.value("pregnancy_window_days"))
        return f"""
SELECT ad.patient_id, ad.admin_date AS d, t.drug AS detail, {null_value} AS value
FROM administrations ad
JOIN therapies t ON t.therapy_id = ad.therapy_id
JOIN pregnancy_tests pt ON pt.patient_id = ad.patient_id
WHERE t.drug IN {drugs(kb, "her2_directed")} AND pt.result = 'positive'
  AND pt.test_date <= ad.admin_date
  AND {days("pt.test_date", "ad.admin_date")} <= {window}
  AND NOT EXISTS (SELECT 1 FROM pregnancy_tests x WHERE x.patient_id = pt.patient_id
                  AND x.test_date > pt.test_date AND x.test_date <= ad.admin_date)"""
    if rule.id == "biosimilar_off_label":
        off = " OR ".join(
            f"(t.drug = '{pid}' AND p.site NOT IN {q(sites)})"
            for pid, sites in sorted(labelled_sites(kb).items())
        )
        return f"""
SELECT t.patient_id, t.start_date AS d, t.drug AS detail, {null_value} AS value
FROM therapies t JOIN patients p ON p.patient_id = t.patient_id
WHERE {off or "FALSE"}"""
    if rule.id == "progression_without_rebiopsy":
        return f"""
SELECT e.patient_id, e.event_date AS d, e.kind AS detail, {null_value} AS value
FROM events e WHERE e.kind IN {q(rule.codes)}
  AND NOT EXISTS (SELECT 1 FROM her2_results h WHERE h.patient_id = e.patient_id
                  AND h.origin <> '{SpecimenOrigin.primary.value}')"""
    raise NotImplementedError(f"audit '{rule.id}' has no SQL implementation")


BASELINE_SQL = """
SELECT therapy_id, b_date, b_lvef FROM (
  SELECT t.therapy_id, l.reading_date AS b_date, l.lvef_percent AS b_lvef,
    ROW_NUMBER() OVER (PARTITION BY t.therapy_id ORDER BY l.reading_date DESC) AS rn
  FROM therapies t JOIN lvef_readings l
    ON l.patient_id = t.patient_id AND l.reading_date <= t.start_date
) x WHERE rn = 1"""


def candidates_sql(kb: KnowledgeBase) -> str:
    """Courses governed by an LVEF table with a reading that meets a hold or stop trigger."""
    trig = trigger_sql(kb, "r.lvef_percent", "b.b_lvef", "r.lln_percent")
    return f"""
SELECT t.therapy_id, t.patient_id, t.drug, t.setting, t.start_date
FROM therapies t
JOIN table_map tm ON tm.drug = t.drug AND tm.context = CASE WHEN t.setting = 'metastatic'
  THEN 'metastatic' ELSE 'early' END
JOIN lvef_base b ON b.therapy_id = t.therapy_id
WHERE EXISTS (SELECT 1 FROM lvef_readings r WHERE r.patient_id = t.patient_id
  AND r.reading_date > b.b_date AND {trig})"""


def _intervals(backend: SqlBackend, kb: KnowledgeBase, cand: pa.Table) -> pa.Table:
    """Run the LVEF state machine on the candidate courses only."""
    if cand.num_rows == 0:
        return intervals_table([])
    backend.register("lvef_cand", cand.select(["patient_id"]))
    rows = backend.query(
        "SELECT l.* FROM lvef_readings l WHERE l.patient_id IN "
        "(SELECT DISTINCT patient_id FROM lvef_cand)"
    ).to_pylist()
    by_patient: dict[str, list[dict[str, object]]] = {}
    for r in rows:
        by_patient.setdefault(str(r["patient_id"]), []).append(r)
    found = []
    for c in cand.to_pylist():
        readings = readings_from_rows(by_patient.get(c["patient_id"], []))
        found += course_intervals(
            kb, c["therapy_id"], c["drug"], c["setting"], c["start_date"], readings
        )
    return intervals_table(found)


def reduce_sql(rule_id: str, instances: str) -> str:
    """First finding per patient (by date, then subject) and the number of findings."""
    return f"""
SELECT patient_id, '{rule_id}' AS audit, d AS first_date, detail,
  CAST(cnt AS BIGINT) AS count, value
FROM (
  SELECT i.*,
    ROW_NUMBER() OVER (PARTITION BY patient_id
      ORDER BY d ASC NULLS LAST, detail ASC NULLS LAST) AS rn,
    COUNT(*) OVER (PARTITION BY patient_id) AS cnt
  FROM ({instances}) i
) x WHERE rn = 1"""


def run_sql_audits(
    backend: SqlBackend,
    cohort: Cohort,
    kb: KnowledgeBase,
    as_of: date,
    step: Step | None = None,
) -> pa.Table:
    """Run every audit of the knowledge base on ``backend``; findings per :data:`FINDINGS`."""

    def note(text: str) -> None:
        if step is not None:
            step(text)

    for name, table in cohort.tables.items():
        backend.register(name, table)
    note("load tables")
    steps = audit_steps(kb)
    backend.create("spec", specimen_sql(kb))
    sigs = backend.query(SIGNATURE_SQL)
    backend.register("sig", evaluate_signatures(kb, sigs, steps))
    backend.create("rd", reading_sql(steps))
    backend.create("gov", GOVERNING_SQL)
    note("HER2 readings")
    backend.register("plan_map", plan_rows(kb))
    backend.register("table_map", table_rows(kb))
    backend.register("dose_interval", interval_rows(kb))
    backend.create("lvef_base", BASELINE_SQL)
    cand = backend.query(candidates_sql(kb))
    backend.register("lvef_intervals", _intervals(backend, kb, cand))
    note("LVEF rules")
    # One statement for every audit: one job on Spark, one plan on DuckDB.
    union = "\nUNION ALL\n".join(
        reduce_sql(rule.id, instances_sql(rule, kb, backend, as_of)) for rule in kb.audits.audits
    )
    found = backend.query(union) if union else FINDINGS.empty_table()
    note("audits")
    return sort_findings(found.select(FINDINGS.names).cast(FINDINGS))
