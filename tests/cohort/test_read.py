"""Malformed cohort input is reported with file, row and column; nothing is dropped silently."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from cohort_cases import hand_cohort

from her2path.cohort.read import CohortInputError, read_cohort, write_tables
from her2path.kb import KnowledgeBase


@pytest.fixture
def good_csv(tmp_path: Path) -> Path:
    cohort, _ = hand_cohort()
    write_tables(cohort.tables, tmp_path, "csv")
    return tmp_path


def _edit_csv(folder: Path, name: str, row: int, column: str, value: str) -> None:
    t = pacsv.read_csv(
        folder / f"{name}.csv",
        convert_options=pacsv.ConvertOptions(strings_can_be_null=True, null_values=[""]),
    )
    t = t.cast(pa.schema([pa.field(f.name, pa.string()) for f in t.schema]))
    col = t.column(column).to_pylist()
    col[row - 1] = value
    t = t.set_column(t.schema.get_field_index(column), column, pa.array(col, pa.string()))
    pacsv.write_csv(t, folder / f"{name}.csv")


def test_clean_folder_reads(good_csv: Path, kb: KnowledgeBase) -> None:
    cohort = read_cohort(good_csv, kb)
    assert cohort.patient_count == len(hand_cohort()[0].tables["patients"])
    assert cohort.skipped == []
    before = hand_cohort()[0].tables
    assert all(cohort.tables[k].num_rows == before[k].num_rows for k in before)


def test_missing_column_names_file_and_column(good_csv: Path, kb: KnowledgeBase) -> None:
    t = pacsv.read_csv(good_csv / "events.csv").drop_columns(["kind"])
    pacsv.write_csv(t, good_csv / "events.csv")
    with pytest.raises(CohortInputError) as exc:
        read_cohort(good_csv, kb, skip_bad_rows=True)
    (bad,) = exc.value.bad
    assert (bad.file, bad.column, bad.row) == ("events.csv", "kind", 0)
    assert "missing" in bad.message


def test_wrong_type_unknown_code_and_duplicate_id(good_csv: Path, kb: KnowledgeBase) -> None:
    _edit_csv(good_csv, "patients", 2, "birth_date", "1970-13-45")
    _edit_csv(good_csv, "patients", 3, "site", "lung")
    _edit_csv(good_csv, "patients", 4, "patient_id", "A1")
    _edit_csv(good_csv, "therapies", 1, "drug", "aspirin")
    with pytest.raises(CohortInputError) as exc:
        read_cohort(good_csv, kb)
    where = {(b.file, b.row, b.column): b.message for b in exc.value.bad}
    assert "not a date" in where[("patients.csv", 2, "birth_date")]
    assert "'1970-13-45'" in where[("patients.csv", 2, "birth_date")]
    assert "unknown code 'lung'" in where[("patients.csv", 3, "site")]
    assert "breast" in where[("patients.csv", 3, "site")]
    assert "duplicate id" in where[("patients.csv", 4, "patient_id")]
    assert "unknown code 'aspirin'" in where[("therapies.csv", 1, "drug")]
    text = str(exc.value)
    assert "patients.csv: row 3, column site" in text


def test_parquet_wrong_type_stops_even_when_skipping(tmp_path: Path, kb: KnowledgeBase) -> None:
    cohort, _ = hand_cohort()
    write_tables(cohort.tables, tmp_path)
    bad = pa.table({"patient_id": ["A1"], "reading_date": [True], "lvef_percent": [55.0]})
    pq.write_table(bad, tmp_path / "lvef_readings.parquet")
    with pytest.raises(CohortInputError) as exc:
        read_cohort(tmp_path, kb, skip_bad_rows=True)
    assert [(b.file, b.column) for b in exc.value.bad] == [
        ("lvef_readings.parquet", "reading_date")
    ]


def test_skip_bad_rows_lists_every_skipped_row_and_its_dependants(
    good_csv: Path, kb: KnowledgeBase
) -> None:
    # E1 is row 11 of patients; its specimen, course and doses depend on it.
    _edit_csv(good_csv, "patients", 11, "sex", "unknown-sex")
    _edit_csv(good_csv, "her2_results", 1, "ihc_score", "4+")
    cohort = read_cohort(good_csv, kb, skip_bad_rows=True)
    skipped = {(b.file, b.row, b.column) for b in cohort.skipped}
    assert ("patients.csv", 11, "sex") in skipped
    assert ("her2_results.csv", 1, "ihc_score") in skipped
    e1_rows = [b for b in cohort.skipped if b.message.startswith("unknown patient_id")]
    assert {b.file for b in e1_rows} >= {"her2_results.csv", "therapies.csv"}
    dose_rows = [b for b in cohort.skipped if b.file == "administrations.csv"]
    assert {b.row for b in dose_rows} == {1, 2}  # both doses of E1 (patient and course gone)
    kept = cohort.tables["patients"]["patient_id"].to_pylist()
    assert "E1" not in kept
    before = hand_cohort()[0].tables
    for name, t in cohort.tables.items():
        dropped = before[name].num_rows - t.num_rows
        assert dropped == len({b.row for b in cohort.skipped if b.table == name})


def test_specimen_rows_must_agree(good_csv: Path, kb: KnowledgeBase) -> None:
    # A2 has IHC and ISH rows on one specimen; make them disagree on origin.
    t = pacsv.read_csv(good_csv / "her2_results.csv")
    rows = [i + 1 for i, s in enumerate(t["specimen_id"].to_pylist()) if s == "A2-S1"]
    _edit_csv(good_csv, "her2_results", rows[1], "origin", "metastasis")
    with pytest.raises(CohortInputError) as exc:
        read_cohort(good_csv, kb)
    assert [(b.row, b.column) for b in exc.value.bad] == [(rows[1], "specimen_id")]


def test_missing_patients_file(tmp_path: Path, kb: KnowledgeBase) -> None:
    with pytest.raises(CohortInputError) as exc:
        read_cohort(tmp_path, kb)
    assert exc.value.bad[0].message == "table file is missing"
