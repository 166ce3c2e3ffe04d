"""OMOP CDM 5.4 extract -> cohort layout -> audits."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pytest
from cohort_cases import AS_OF

from her2path.cohort.engines import make_engine
from her2path.cohort.omop import read_omop
from her2path.cohort.read import CohortInputError
from her2path.kb import KnowledgeBase

# Concept ids below 1000 are local to this test; the CONCEPT table resolves codes to them.
CONCEPTS = [
    (501, "LOINC", "85319-2"),  # HER2 IHC
    (502, "LOINC", "LA11842-4"),  # 2+
    (503, "LOINC", "LA11843-2"),  # 3+
    (504, "SNOMED", "128462008"),  # secondary malignant neoplasm
    (505, "LOINC", "10230-1"),  # LVEF
    (506, "RxNorm", "999999"),  # a trastuzumab clinical drug (descendant of the ingredient)
]


def _write(folder: Path, name: str, rows: dict[str, list[object]]) -> None:
    pacsv.write_csv(pa.table(rows), folder / f"{name}.csv")


@pytest.fixture
def omop_dir(tmp_path: Path) -> Path:
    _write(
        tmp_path,
        "person",
        {"person_id": [1, 2, 3], "gender_concept_id": [8532] * 3, "year_of_birth": [1970] * 3},
    )
    _write(
        tmp_path,
        "condition_occurrence",
        {
            "condition_occurrence_id": [11, 12, 13, 14],
            "person_id": [1, 1, 2, 3],
            "condition_concept_id": [4112853, 504, 4112853, 4112853],
            "condition_start_date": ["2022-01-01", "2022-06-01", "2022-01-01", "2022-01-01"],
        },
    )
    _write(
        tmp_path,
        "measurement",
        {
            "measurement_id": [21, 22, 23, 24],
            "person_id": [1, 2, 3, 3],
            "measurement_concept_id": [501, 501, 501, 3003191],
            "measurement_date": ["2022-06-05", "2022-01-05", "2022-01-05", "2022-03-01"],
            "value_as_number": [None, None, None, None],
            "value_as_concept_id": [503, 502, 503, 9191],
            "modifier_of_event_id": [12, None, None, None],
        },
    )
    _write(
        tmp_path,
        "drug_exposure",
        {
            "drug_exposure_id": [31, 32, 33],
            "person_id": [3, 3, 3],
            "drug_concept_id": [506, 506, 77777],
            "drug_exposure_start_date": ["2022-02-01", "2022-03-15", "2022-03-15"],
            "drug_exposure_end_date": [None, None, None],
        },
    )
    _write(
        tmp_path,
        "concept",
        {
            "concept_id": [c[0] for c in CONCEPTS],
            "vocabulary_id": [c[1] for c in CONCEPTS],
            "concept_code": [c[2] for c in CONCEPTS],
        },
    )
    _write(
        tmp_path,
        "concept_ancestor",
        {"ancestor_concept_id": [1387104], "descendant_concept_id": [506]},
    )
    return tmp_path


def test_omop_extract_is_audited(omop_dir: Path, kb: KnowledgeBase) -> None:
    cohort = read_omop(omop_dir, kb)
    assert cohort.tables["patients"]["setting"].to_pylist() == [
        "metastatic",
        "early_postoperative",
        "early_postoperative",
    ]
    found = make_engine("duckdb").run(cohort, kb, AS_OF)
    pairs = set(zip(found["patient_id"].to_pylist(), found["audit"].to_pylist(), strict=True))
    assert pairs == {
        ("1", "her2_positive_metastatic_untreated"),
        ("2", "ihc2_without_ish"),
        ("3", "her2_drug_in_pregnancy"),
    }
    assert any("77777 (1)" in n for n in cohort.notes)  # unmapped drug counted, not hidden
    assert found.equals(make_engine("python").run(cohort, kb, AS_OF))


def test_user_concept_map_overrides(omop_dir: Path, kb: KnowledgeBase, tmp_path: Path) -> None:
    override = tmp_path / "map.yaml"
    override.write_text(
        "concepts:\n"
        "  - id: drug.local_paclitaxel\n"
        "    role: drug\n"
        "    maps_to: paclitaxel\n"
        "    concept_ids: [77777]\n"
        "    text: local paclitaxel concept\n"
        "    sources: [{source: HER2PATH, where: local mapping, verification: P}]\n"
    )
    cohort = read_omop(omop_dir, kb, concept_map=override)
    assert "paclitaxel" in cohort.tables["therapies"]["drug"].to_pylist()
    assert cohort.notes == []


def test_unmapped_value_is_reported(omop_dir: Path, kb: KnowledgeBase) -> None:
    t = pacsv.read_csv(omop_dir / "measurement.csv")
    values = t["value_as_concept_id"].to_pylist()
    values[1] = 123456
    t = t.set_column(3 + 2, "value_as_concept_id", pa.array(values))
    pacsv.write_csv(t, omop_dir / "measurement.csv")
    with pytest.raises(CohortInputError) as exc:
        read_omop(omop_dir, kb)
    (bad,) = exc.value.bad
    assert bad.file == "measurement (HER2)"
    assert bad.column == "ihc_score"
    assert "unmapped value concept 123456" in bad.message
