"""OMOP CDM 5.4 to the cohort layout.

Reads PERSON, CONDITION_OCCURRENCE, MEASUREMENT, DRUG_EXPOSURE and (optionally)
EPISODE, CONCEPT and CONCEPT_ANCESTOR as Parquet or CSV files named in lower
case (``person.parquet``, ``measurement.csv``, ...).  The concept mapping comes
from ``knowledge/omop/concepts.yaml``, merged with an optional user file.  The
derived tables then pass through the same validation as native input
(:func:`her2path.cohort.read.validate_tables`): an unmapped IHC value or gender
becomes an "unknown code" problem naming the derived table, row and column.

Conventions (docs/cohort.md, decision 0505): HER2 results of one person on one
date form one specimen; it is a metastasis specimen when the measurement is a
modifier of a metastasis condition (``modifier_of_event_id``).  A person is in
the metastatic setting when a metastasis condition or a progression/recurrence
episode is recorded, otherwise ``early_postoperative``.  A drug exposure starting
on or after the first metastatic evidence belongs to a metastatic course,
otherwise to an adjuvant one.  Drug exposures whose concept is not mapped are
outside the audits' scope; they are counted per concept in :attr:`Cohort.notes`.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import yaml

from her2path.adapters.validation import parse
from her2path.cohort.layout import Column, Table
from her2path.cohort.read import (
    BadRow,
    Cohort,
    CohortInputError,
    Progress,
    _check_table,
    _find,
    _read_raw,
    validate_tables,
)
from her2path.errors import InputError, Problem
from her2path.kb.model import KnowledgeBase
from her2path.kb.omop import ConceptRole, OmopKnowledge

_I = pa.int64()
_S = pa.string()
_D = pa.date32()
_F = pa.float64()


def _c(name: str, t: pa.DataType, required: bool = True) -> Column:
    return Column(name, t, required, name)


OMOP_TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "person",
            "PERSON",
            (
                _c("person_id", _I),
                _c("gender_concept_id", _I),
                _c("year_of_birth", pa.int32()),
                _c("month_of_birth", pa.int32(), False),
                _c("day_of_birth", pa.int32(), False),
            ),
            ("person_id",),
        ),
        Table(
            "condition_occurrence",
            "CONDITION_OCCURRENCE",
            (
                _c("condition_occurrence_id", _I),
                _c("person_id", _I),
                _c("condition_concept_id", _I),
                _c("condition_start_date", _D),
            ),
            ("condition_occurrence_id",),
        ),
        Table(
            "measurement",
            "MEASUREMENT",
            (
                _c("measurement_id", _I),
                _c("person_id", _I),
                _c("measurement_concept_id", _I),
                _c("measurement_date", _D),
                _c("value_as_number", _F, False),
                _c("value_as_concept_id", _I, False),
                _c("modifier_of_event_id", _I, False),
            ),
            ("measurement_id",),
        ),
        Table(
            "drug_exposure",
            "DRUG_EXPOSURE",
            (
                _c("drug_exposure_id", _I),
                _c("person_id", _I),
                _c("drug_concept_id", _I),
                _c("drug_exposure_start_date", _D),
                _c("drug_exposure_end_date", _D, False),
            ),
            ("drug_exposure_id",),
        ),
        Table(
            "episode",
            "EPISODE",
            (
                _c("episode_id", _I),
                _c("person_id", _I),
                _c("episode_concept_id", _I),
                _c("episode_start_date", _D),
            ),
            ("episode_id",),
        ),
        Table(
            "concept",
            "CONCEPT",
            (_c("concept_id", _I), _c("vocabulary_id", _S), _c("concept_code", _S)),
            ("concept_id",),
        ),
        Table(
            "concept_ancestor",
            "CONCEPT_ANCESTOR",
            (_c("ancestor_concept_id", _I), _c("descendant_concept_id", _I)),
            ("ancestor_concept_id", "descendant_concept_id"),
        ),
    )
}
REQUIRED = ("person", "condition_occurrence", "measurement", "drug_exposure")


def load_concept_map(kb: KnowledgeBase, path: Path | None) -> OmopKnowledge:
    """The bundled mapping, with a user's YAML file (same shape) merged over it."""
    if path is None:
        return kb.omop
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise InputError([Problem(str(path), f"cannot read the concept map: {exc}")]) from None
    return kb.omop.merged(parse(OmopKnowledge, data))


def _mapping_table(
    con: duckdb.DuckDBPyConnection, m: OmopKnowledge, has_concept: bool, has_ancestor: bool
) -> pa.Table:
    rows: list[tuple[int | None, str | None, str | None, str, str]] = []
    for c in m.concepts:
        rows += [(cid, None, None, c.role.value, c.maps_to) for cid in c.concept_ids]
        rows += [(None, r.vocabulary, r.code, c.role.value, c.maps_to) for r in c.codes]
    raw = pa.table(
        {
            "concept_id": pa.array([r[0] for r in rows], _I),
            "vocabulary_id": pa.array([r[1] for r in rows], _S),
            "concept_code": pa.array([r[2] for r in rows], _S),
            "role": pa.array([r[3] for r in rows], _S),
            "maps_to": pa.array([r[4] for r in rows], _S),
        }
    )
    con.register("raw_map", raw)
    resolved = "SELECT concept_id, role, maps_to FROM raw_map WHERE concept_id IS NOT NULL"
    if has_concept:
        resolved += (
            " UNION SELECT c.concept_id, r.role, r.maps_to FROM raw_map r JOIN concept c "
            "ON c.vocabulary_id = r.vocabulary_id AND c.concept_code = r.concept_code"
        )
    sql = f"SELECT DISTINCT * FROM ({resolved})"
    if has_ancestor:
        sql = (
            f"WITH m AS ({sql}) SELECT * FROM m UNION SELECT a.descendant_concept_id, m.role, "
            "m.maps_to FROM m JOIN concept_ancestor a ON a.ancestor_concept_id = m.concept_id "
            "WHERE m.role = 'drug'"
        )
    return con.sql(sql).to_arrow_table()


_PATIENTS = f"""
WITH cancer AS (
  SELECT c.person_id, m.maps_to AS site, c.condition_start_date AS d,
    ROW_NUMBER() OVER (PARTITION BY c.person_id ORDER BY c.condition_start_date, m.maps_to) AS rn
  FROM condition_occurrence c JOIN map m ON m.concept_id = c.condition_concept_id
  WHERE m.role = '{ConceptRole.site.value}'),
mets AS (SELECT person_id, min(d) AS first_met FROM evidence GROUP BY person_id)
SELECT CAST(p.person_id AS VARCHAR) AS patient_id,
  COALESCE(g.maps_to, 'unmapped gender concept ' || CAST(p.gender_concept_id AS VARCHAR)) AS sex,
  make_date(p.year_of_birth, COALESCE(p.month_of_birth, 1), COALESCE(p.day_of_birth, 1))
    AS birth_date,
  ca.site,
  CASE WHEN mets.first_met IS NOT NULL THEN 'metastatic' ELSE 'early_postoperative' END
    AS setting,
  ca.d AS diagnosis_date,
  CAST(NULL AS VARCHAR) AS er, CAST(NULL AS VARCHAR) AS pr
FROM person p
LEFT JOIN map g ON g.concept_id = p.gender_concept_id AND g.role = '{ConceptRole.gender.value}'
LEFT JOIN cancer ca ON ca.person_id = p.person_id AND ca.rn = 1
LEFT JOIN mets ON mets.person_id = p.person_id
ORDER BY p.person_id"""

_EVIDENCE = f"""
SELECT c.person_id, c.condition_start_date AS d, 'metastasis_diagnosed' AS kind
FROM condition_occurrence c JOIN map m ON m.concept_id = c.condition_concept_id
WHERE m.role = '{ConceptRole.metastasis.value}'
UNION
SELECT e.person_id, e.episode_start_date, m.maps_to
FROM episode e JOIN map m ON m.concept_id = e.episode_concept_id
WHERE m.role = '{ConceptRole.disease_episode.value}'"""

_HER2 = f"""
WITH meas AS (
  SELECT x.person_id, x.measurement_date AS d, m.role, x.value_as_number AS num,
    v.maps_to AS value_code, x.value_as_concept_id,
    CASE WHEN mc.condition_occurrence_id IS NOT NULL THEN 'metastasis' ELSE 'primary' END
      AS origin
  FROM measurement x JOIN map m ON m.concept_id = x.measurement_concept_id
  LEFT JOIN map v ON v.concept_id = x.value_as_concept_id AND v.role = 'ihc_value'
  LEFT JOIN (SELECT c.condition_occurrence_id FROM condition_occurrence c
             JOIN map mm ON mm.concept_id = c.condition_concept_id
             WHERE mm.role = '{ConceptRole.metastasis.value}') mc
    ON mc.condition_occurrence_id = x.modifier_of_event_id
  WHERE m.role IN ('her2_ihc', 'her2_ish_ratio', 'her2_copies', 'cep17_copies')),
spec AS (
  SELECT person_id, d, max(origin) AS origin FROM meas GROUP BY person_id, d)
SELECT CAST(s.person_id AS VARCHAR) AS patient_id,
  CAST(s.person_id AS VARCHAR) || '-' || strftime(s.d, '%Y%m%d') AS specimen_id,
  s.origin, 'core_biopsy' AS procedure, s.d AS collected, false AS after_neoadjuvant,
  t.test, s.d AS result_date, t.ihc_score, CAST(NULL AS BOOLEAN) AS membrane_staining,
  t.ish_ratio, t.her2_copies, t.cep17_copies
FROM spec s JOIN (
  SELECT person_id, d, 'ihc' AS test,
    max(COALESCE(value_code,
      CASE WHEN num IN (0, 1, 2, 3) THEN CASE WHEN num = 0 THEN '0'
           ELSE CAST(CAST(num AS INTEGER) AS VARCHAR) || '+' END END,
      'unmapped value concept ' || CAST(value_as_concept_id AS VARCHAR))) AS ihc_score,
    CAST(NULL AS DOUBLE) AS ish_ratio, CAST(NULL AS DOUBLE) AS her2_copies,
    CAST(NULL AS DOUBLE) AS cep17_copies
  FROM meas WHERE role = 'her2_ihc' GROUP BY person_id, d
  UNION ALL
  SELECT person_id, d, 'dual_probe_ish', NULL,
    max(CASE WHEN role = 'her2_ish_ratio' THEN num END),
    max(CASE WHEN role = 'her2_copies' THEN num END),
    max(CASE WHEN role = 'cep17_copies' THEN num END)
  FROM meas WHERE role <> 'her2_ihc' GROUP BY person_id, d
) t ON t.person_id = s.person_id AND t.d = s.d
ORDER BY patient_id, specimen_id, t.test"""

_LVEF = f"""
SELECT CAST(x.person_id AS VARCHAR) AS patient_id, x.measurement_date AS reading_date,
  x.value_as_number AS lvef_percent
FROM measurement x JOIN map m ON m.concept_id = x.measurement_concept_id
WHERE m.role = '{ConceptRole.lvef.value}' ORDER BY 1, 2"""

_PREGNANCY = f"""
SELECT CAST(x.person_id AS VARCHAR) AS patient_id, x.measurement_date AS test_date,
  COALESCE(v.maps_to, 'unmapped value concept ' || CAST(x.value_as_concept_id AS VARCHAR))
    AS result
FROM measurement x JOIN map m ON m.concept_id = x.measurement_concept_id
LEFT JOIN map v ON v.concept_id = x.value_as_concept_id AND v.role = 'result_value'
WHERE m.role = '{ConceptRole.pregnancy_test.value}' ORDER BY 1, 2"""

_DOSES = """
SELECT x.person_id, m.maps_to AS drug, x.drug_exposure_start_date AS d,
  COALESCE(x.drug_exposure_end_date, x.drug_exposure_start_date) AS e,
  CASE WHEN mets.first_met IS NOT NULL AND x.drug_exposure_start_date >= mets.first_met
       THEN 'metastatic' ELSE 'adjuvant' END AS setting
FROM drug_exposure x JOIN map m ON m.concept_id = x.drug_concept_id AND m.role = 'drug'
LEFT JOIN (SELECT person_id, min(d) AS first_met FROM evidence GROUP BY person_id) mets
  ON mets.person_id = x.person_id"""

_THERAPIES = """
SELECT CAST(person_id AS VARCHAR) AS patient_id,
  CAST(person_id AS VARCHAR) || '-' || drug || '-' || setting AS therapy_id,
  drug, setting, min(d) AS start_date, max(e) AS end_date,
  CAST(NULL AS VARCHAR) AS reason_stopped, CAST(NULL AS VARCHAR) AS regimen
FROM doses GROUP BY person_id, drug, setting ORDER BY 1, 2"""

_ADMINS = """
SELECT DISTINCT CAST(person_id AS VARCHAR) AS patient_id,
  CAST(person_id AS VARCHAR) || '-' || drug || '-' || setting AS therapy_id, d AS admin_date
FROM doses ORDER BY 1, 2, 3"""

_EVENTS = """
SELECT DISTINCT CAST(person_id AS VARCHAR) AS patient_id, d AS event_date, kind
FROM evidence ORDER BY 1, 2, 3"""

_UNMAPPED = """
SELECT x.drug_concept_id, count(*) FROM drug_exposure x
WHERE NOT EXISTS (SELECT 1 FROM map m WHERE m.concept_id = x.drug_concept_id AND m.role = 'drug')
GROUP BY 1 ORDER BY 2 DESC, 1"""


def read_omop(
    folder: Path,
    kb: KnowledgeBase,
    concept_map: Path | None = None,
    skip_bad_rows: bool = False,
    progress: Progress | None = None,
) -> Cohort:
    """Read an OMOP CDM 5.4 extract and return the validated cohort tables."""
    if not folder.is_dir():
        raise InputError([Problem(str(folder), "OMOP folder not found")])
    mapping = load_concept_map(kb, concept_map)
    con = duckdb.connect()
    fatal: list[BadRow] = []
    bad: list[BadRow] = []
    present: set[str] = set()
    for name, spec in OMOP_TABLES.items():
        path = _find(folder, name)
        if path is None:
            if name in REQUIRED:
                fatal.append(BadRow(name, f"{name}.parquet|csv", 0, "-", "table file is missing"))
            con.register(name, spec.schema().empty_table())
            continue
        typed, chk = _check_table(_read_raw(path, spec), spec, path.name, set())
        fatal += chk.fatal
        bad += chk.bad
        con.register(name, typed)
        present.add(name)
    if fatal or bad:
        raise CohortInputError(fatal + bad)
    con.register(
        "map", _mapping_table(con, mapping, "concept" in present, "concept_ancestor" in present)
    )
    con.execute(f"CREATE TEMP TABLE evidence AS {_EVIDENCE}")
    con.execute(f"CREATE TEMP TABLE doses AS {_DOSES}")
    derived = {
        "patients": ("person+condition_occurrence", _PATIENTS),
        "her2_results": ("measurement (HER2)", _HER2),
        "lvef_readings": ("measurement (LVEF)", _LVEF),
        "therapies": ("drug_exposure (courses)", _THERAPIES),
        "administrations": ("drug_exposure (doses)", _ADMINS),
        "pregnancy_tests": ("measurement (pregnancy)", _PREGNANCY),
        "events": ("condition_occurrence+episode", _EVENTS),
    }
    raws: dict[str, tuple[str, pa.Table | None]] = {
        name: (label, con.sql(sql).to_arrow_table()) for name, (label, sql) in derived.items()
    }
    unmapped = con.execute(_UNMAPPED).fetchall()
    con.close()
    cohort = validate_tables(raws, kb, skip_bad_rows, progress)
    cohort.folder = folder
    if unmapped:
        total = sum(int(n) for _, n in unmapped)
        cohort.notes.append(
            f"DRUG_EXPOSURE: {total} row(s) with {len(unmapped)} concept(s) outside the mapping "
            "were left out of the audits: "
            + ", ".join(f"{cid} ({n})" for cid, n in unmapped[:20])
            + (" ..." if len(unmapped) > 20 else "")
        )
    return cohort
