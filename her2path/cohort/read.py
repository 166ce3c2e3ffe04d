"""Read and validate a cohort folder (Parquet or CSV tables of :mod:`layout`).

Validation is vectorised (pyarrow compute and DuckDB) so that a registry of
millions of rows is checked in seconds.  Every problem names the file, the data
row (1-based, header not counted) and the column.  A problem that concerns a
whole column (missing, or of a type that cannot hold the values) always stops
the read; row problems stop it too unless ``skip_bad_rows`` is set, in which
case each bad row is left out *and listed* in :attr:`Cohort.skipped`, together
with the rows that referred to it (a dose of a skipped course, a reading of a
skipped patient).  Nothing is dropped without a line in that list.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from her2path.cohort.layout import TABLES, Column, Her2Test, Table
from her2path.errors import InputError, Problem
from her2path.kb.model import KnowledgeBase

_FLOAT = r"^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$"
_INT = r"^\s*[-+]?\d+\s*$"
_DATE = r"^\d{4}-\d{2}-\d{2}$"
_TRUE = ["true", "1", "yes", "t", "y"]
_FALSE = ["false", "0", "no", "f", "n"]

# Plausible ranges (the same bounds as the domain model of one patient).
RANGES: dict[tuple[str, str], tuple[float, float]] = {
    ("lvef_readings", "lvef_percent"): (5, 95),
    ("lvef_readings", "lln_percent"): (30, 70),
    ("her2_results", "ish_ratio"): (0.01, 100),
    ("her2_results", "her2_copies"): (0, 200),
    ("her2_results", "cep17_copies"): (0.01, 200),
    ("her2_results", "cells_counted"): (1, 10000),
    ("her2_results", "recount_ratio"): (0.01, 100),
    ("her2_results", "recount_her2_copies"): (0, 200),
    ("administrations", "dose_mg"): (0, 100000),
}


@dataclass(frozen=True)
class BadRow:
    """One problem with one row: where it is and what is wrong."""

    table: str
    file: str
    row: int  # 1-based data row; 0 when the problem concerns the whole column
    column: str
    message: str

    def problem(self) -> Problem:
        where = f"{self.file}: row {self.row}" if self.row else f"{self.file}"
        return Problem(f"{where}, column {self.column}", self.message)


class CohortInputError(InputError):
    """The cohort folder does not validate; carries every bad row."""

    kind = "cohort input problem(s)"

    def __init__(self, bad: list[BadRow]) -> None:
        self.bad = bad
        super().__init__([b.problem() for b in bad[:200]])
        if len(bad) > 200:
            self.problems.append(Problem("...", f"{len(bad) - 200} more problem(s) not shown"))


@dataclass
class Cohort:
    """The validated tables, typed exactly as :data:`layout.TABLES` says."""

    tables: dict[str, pa.Table]
    folder: Path | None = None
    files: dict[str, str] = field(default_factory=dict)
    skipped: list[BadRow] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def patient_count(self) -> int:
        return int(self.tables["patients"].num_rows)


Progress = Callable[[str], None]


def _find(folder: Path, name: str) -> Path | None:
    for ext in ("parquet", "csv"):
        p = folder / f"{name}.{ext}"
        if p.is_file():
            return p
    return None


def _read_raw(path: Path, table: Table) -> pa.Table:
    if path.suffix == ".parquet":
        return pq.read_table(path)
    opts = pacsv.ConvertOptions(
        column_types={c.name: pa.string() for c in table.columns},
        strings_can_be_null=True,
        null_values=[""],
    )
    return pacsv.read_csv(path, convert_options=opts)


def _indices(mask: pa.Array) -> list[int]:
    """Row indices where a boolean mask is true (nulls count as false)."""
    filled = pc.fill_null(mask, False)
    if not pc.any(filled).as_py():
        return []
    idx = pa.array(range(len(filled)), type=pa.int64())
    return [int(i) for i in pc.filter(idx, filled).to_pylist()]


def _convert(
    col: pa.ChunkedArray, spec: Column
) -> tuple[pa.ChunkedArray | None, pa.Array | None, str]:
    """Convert to the column's type; return the result, a mask of bad cells and the message.

    ``None`` as result means the whole column has a type that cannot hold the values.
    """
    target = spec.type
    src = col.type
    arr = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    if src == target:
        return pa.chunked_array([arr]), None, ""
    if pa.types.is_null(src):
        return pa.chunked_array([pa.nulls(len(arr), target)]), None, ""
    if pa.types.is_string(src) or pa.types.is_large_string(src):
        s = arr.cast(pa.string())
        present = pc.is_valid(s)
        if pa.types.is_date(target):
            ok = pc.match_substring_regex(s, _DATE)
            parsed = pc.strptime(
                pc.if_else(ok, s, pa.scalar(None, pa.string())),
                format="%Y-%m-%d",
                unit="s",
                error_is_null=True,
            )
            out = parsed.cast(pa.date32())
            # Calendar check: the parsed date must print back as the text given (no 02-30).
            same = pc.equal(pc.strftime(out, format="%Y-%m-%d"), s)
            out = pc.if_else(pc.fill_null(same, False), out, pa.scalar(None, pa.date32()))
            bad = pc.and_(present, pc.is_null(out))
            return pa.chunked_array([out]), bad, "not a date (expected YYYY-MM-DD)"
        if pa.types.is_floating(target) or pa.types.is_integer(target):
            pattern = _FLOAT if pa.types.is_floating(target) else _INT
            ok = pc.match_substring_regex(s, pattern)
            clean = pc.if_else(ok, pc.utf8_trim_whitespace(s), pa.scalar(None, pa.string()))
            out = clean.cast(target)
            bad = pc.and_(present, pc.invert(pc.fill_null(ok, False)))
            kind = "a number" if pa.types.is_floating(target) else "a whole number"
            return pa.chunked_array([out]), bad, f"not {kind}"
        if pa.types.is_boolean(target):
            low = pc.utf8_lower(pc.utf8_trim_whitespace(s))
            is_true = pc.is_in(low, value_set=pa.array(_TRUE))
            is_false = pc.is_in(low, value_set=pa.array(_FALSE))
            out = pc.if_else(
                is_true,
                pa.scalar(True),
                pc.if_else(is_false, pa.scalar(False), pa.scalar(None, pa.bool_())),
            )
            bad = pc.and_(present, pc.invert(pc.or_(is_true, is_false)))
            return pa.chunked_array([out]), bad, "not true/false"
        return None, None, f"type {src} cannot hold {target} values"
    if pa.types.is_string(target) and (pa.types.is_integer(src) or pa.types.is_dictionary(src)):
        return pa.chunked_array([arr.cast(pa.string())]), None, ""
    if pa.types.is_date(target) and (pa.types.is_timestamp(src) or pa.types.is_date(src)):
        return pa.chunked_array([arr.cast(target)]), None, ""
    numeric = pa.types.is_integer(src) or pa.types.is_floating(src)
    if numeric and (pa.types.is_floating(target) or pa.types.is_integer(target)):
        try:
            return pa.chunked_array([arr.cast(target)]), None, ""
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return None, None, f"type {src} does not fit {target}"
    return None, None, f"wrong type: expected {target}, found {src}"


class _Checker:
    def __init__(self, table: Table, file: str, n: int) -> None:
        self.table = table
        self.file = file
        self.n = n
        self.bad: list[BadRow] = []
        self.fatal: list[BadRow] = []

    def rows(self, mask: pa.Array | None, column: str, message: str) -> None:
        if mask is None:
            return
        for i in _indices(mask):
            self.bad.append(BadRow(self.table.name, self.file, i + 1, column, message))

    def column(self, column: str, message: str) -> None:
        self.fatal.append(BadRow(self.table.name, self.file, 0, column, message))


def _check_table(
    raw: pa.Table, table: Table, file: str, known_drugs: set[str]
) -> tuple[pa.Table, _Checker]:
    chk = _Checker(table, file, raw.num_rows)
    columns: list[pa.ChunkedArray] = []
    for spec in table.columns:
        if spec.name not in raw.column_names:
            if spec.required:
                chk.column(spec.name, "required column is missing")
            columns.append(pa.chunked_array([pa.nulls(raw.num_rows, spec.type)]))
            continue
        out, bad, msg = _convert(raw.column(spec.name), spec)
        if out is None:
            chk.column(spec.name, msg)
            columns.append(pa.chunked_array([pa.nulls(raw.num_rows, spec.type)]))
            continue
        raw_col = raw.column(spec.name).combine_chunks()
        chk.rows(bad, spec.name, f"{msg}: " + "{value}")
        if bad is not None and chk.bad:
            _fill_values(chk, raw_col, spec.name)
        if spec.required:
            chk.rows(pc.is_null(raw_col), spec.name, "required value is missing")
        codes: list[str] | None = None
        if spec.codes is not None:
            codes = list(spec.codes)
        elif spec.codes_from == "drugs":
            codes = sorted(known_drugs)
        if codes is not None:
            col = out.combine_chunks()
            unknown = pc.and_(pc.is_valid(col), pc.invert(pc.is_in(col, value_set=pa.array(codes))))
            shown = ", ".join(codes) if len(codes) <= 12 else f"{len(codes)} known ids"
            for i in _indices(unknown):
                chk.bad.append(
                    BadRow(
                        table.name,
                        file,
                        i + 1,
                        spec.name,
                        f"unknown code '{col[i].as_py()}'; allowed: {shown}",
                    )
                )
        bounds = RANGES.get((table.name, spec.name))
        if bounds is not None:
            col = out.combine_chunks()
            outside = pc.or_(pc.less(col, bounds[0]), pc.greater(col, bounds[1]))
            for i in _indices(outside):
                chk.bad.append(
                    BadRow(
                        table.name,
                        file,
                        i + 1,
                        spec.name,
                        f"value {col[i].as_py()} outside {bounds[0]:g}..{bounds[1]:g}",
                    )
                )
        columns.append(out)
    typed = pa.Table.from_arrays(columns, schema=table.schema())
    _row_rules(typed, chk)
    return typed, chk


def _fill_values(chk: _Checker, raw_col: pa.Array, column: str) -> None:
    """Put the offending raw value into messages that ask for it."""
    for k, b in enumerate(chk.bad):
        if b.column == column and "{value}" in b.message:
            v = raw_col[b.row - 1].as_py()
            chk.bad[k] = BadRow(b.table, b.file, b.row, b.column, b.message.format(value=repr(v)))


def _row_rules(t: pa.Table, chk: _Checker) -> None:
    """Rules across the columns of one row."""
    name = chk.table.name
    if name == "her2_results":
        test = t.column("test")
        ihc = pc.equal(test, Her2Test.ihc.value)
        ish = pc.equal(test, Her2Test.dual_probe_ish.value)
        chk.rows(
            pc.and_(ihc, pc.is_null(t.column("ihc_score"))),
            "ihc_score",
            "an IHC row needs a score (0, 1+, 2+, 3+)",
        )
        chk.rows(
            pc.and_(ish, pc.is_null(t.column("her2_copies"))),
            "her2_copies",
            "an ISH row needs the mean HER2 copies per cell",
        )
        no_ratio = pc.and_(pc.is_null(t.column("ish_ratio")), pc.is_null(t.column("cep17_copies")))
        chk.rows(
            pc.and_(ish, no_ratio),
            "ish_ratio",
            "an ISH row needs the ratio or the CEP17 copies",
        )
        half = pc.xor(
            pc.is_null(t.column("recount_ratio")), pc.is_null(t.column("recount_her2_copies"))
        )
        chk.rows(half, "recount_ratio", "a recount needs both its ratio and its HER2 copies")
    if name == "therapies":
        before = pc.less(t.column("end_date"), t.column("start_date"))
        chk.rows(before, "end_date", "end_date is before start_date")
        chk.rows(
            pc.and_(pc.is_valid(t.column("reason_stopped")), pc.is_null(t.column("end_date"))),
            "reason_stopped",
            "reason_stopped needs an end_date",
        )


def _key_and_reference_checks(
    con: duckdb.DuckDBPyConnection,
    name: str,
    t: pa.Table,
    table: Table,
    parents: dict[str, pa.Table],
) -> list[tuple[int, str, str]]:
    """Duplicate keys and references to unknown patients/courses: (row, column, message).

    The common case (no problem) is decided with Arrow hash kernels; DuckDB lists the
    offending rows only when there are some.
    """
    found: list[tuple[int, str, str]] = []
    keys = list(table.key)
    con.register("t", t.select(keys))
    k = ", ".join(keys)
    # Distinct hashes == rows proves there is no duplicate; otherwise look exactly.
    (extra,) = con.execute(f"SELECT count(*) - count(DISTINCT hash({k})) FROM t").fetchall()[0]
    con.unregister("t")
    if extra:
        rows_col = pa.array(np.arange(1, t.num_rows + 1, dtype=np.int64))
        con.register("t", t.select(keys).append_column("_row", rows_col))
        k = ", ".join(keys)
        dup = con.execute(
            f"SELECT _row, first_row FROM (SELECT _row, min(_row) OVER (PARTITION BY {k}) "
            f"AS first_row FROM t) WHERE _row <> first_row ORDER BY _row"
        ).fetchall()
        con.unregister("t")
        for row, first in dup:
            found.append((int(row), keys[-1], f"duplicate id ({k}): same as row {first}"))
    refs: list[tuple[str, str, str]] = []
    if name != "patients":
        refs.append(
            (
                "patients",
                "patient_id",
                "unknown patient_id (not in patients, or its row was skipped)",
            )
        )
    if name == "administrations":
        refs.append(
            (
                "therapies",
                "therapy_id",
                "unknown therapy_id (not in therapies, or its row was skipped)",
            )
        )
    for parent, column, message in refs:
        idx = pc.index_in(t.column(column), value_set=parents[parent].column(column))
        missing = pc.and_(pc.is_valid(t.column(column)), pc.is_null(idx))
        found += [(i + 1, column, message) for i in _indices(missing)]
        if parent == "therapies":
            owner = parents[parent].column("patient_id").take(pc.fill_null(idx, 0))
            other = pc.and_(pc.is_valid(idx), pc.not_equal(owner, t.column("patient_id")))
            found += [
                (i + 1, "patient_id", "the course belongs to another patient")
                for i in _indices(other)
            ]
    if name == "her2_results":
        cols = ["origin", "procedure", "collected", "after_neoadjuvant"]
        con.register("t", t.select(["patient_id", "specimen_id", *cols]))
        distinct = " OR ".join(
            f"count(DISTINCT coalesce(CAST({c} AS VARCHAR), '-')) > 1" for c in cols
        )
        (mixed,) = con.execute(
            f"SELECT count(*) FROM (SELECT patient_id FROM t GROUP BY patient_id, specimen_id "
            f"HAVING {distinct})"
        ).fetchall()[0]
        con.unregister("t")
        if mixed:
            rows_col = pa.array(np.arange(1, t.num_rows + 1, dtype=np.int64))
            con.register("t", t.append_column("_row", rows_col))
            same = " AND ".join(f"f_{c} IS NOT DISTINCT FROM {c}" for c in cols)
            firsts = ", ".join(
                f"first_value({c}) OVER (PARTITION BY patient_id, specimen_id ORDER BY _row) "
                f"AS f_{c}"
                for c in cols
            )
            rows = con.execute(
                f"SELECT _row FROM (SELECT *, {firsts} FROM t) WHERE NOT ({same}) ORDER BY _row"
            ).fetchall()
            con.unregister("t")
            found += [
                (
                    int(r[0]),
                    "specimen_id",
                    "rows of one specimen disagree on origin, procedure, collected or "
                    "after_neoadjuvant",
                )
                for r in rows
            ]
    return found


ORDER = (
    "patients",
    "her2_results",
    "lvef_readings",
    "therapies",
    "administrations",
    "pregnancy_tests",
    "events",
)


def empty_table(name: str) -> pa.Table:
    return TABLES[name].schema().empty_table()


def read_cohort(
    folder: Path,
    kb: KnowledgeBase,
    skip_bad_rows: bool = False,
    progress: Progress | None = None,
) -> Cohort:
    """Read every table of a cohort folder; raise :class:`CohortInputError` or skip and list."""
    if not folder.is_dir():
        raise InputError([Problem(str(folder), "cohort folder not found")])
    raws: dict[str, tuple[str, pa.Table | None]] = {}
    fatal: list[BadRow] = []
    for name in ORDER:
        path = _find(folder, name)
        if path is None:
            if name == "patients":
                fatal.append(BadRow(name, f"{name}.parquet|csv", 0, "-", "table file is missing"))
            continue
        try:
            raws[name] = (path.name, _read_raw(path, TABLES[name]))
        except (pa.ArrowInvalid, OSError) as exc:
            fatal.append(BadRow(name, path.name, 0, "-", f"cannot read the file: {exc}"))
            raws[name] = (path.name, None)
    cohort = validate_tables(raws, kb, skip_bad_rows, progress, fatal)
    cohort.folder = folder
    return cohort


def validate_tables(
    raws: dict[str, tuple[str, pa.Table | None]],
    kb: KnowledgeBase,
    skip_bad_rows: bool = False,
    progress: Progress | None = None,
    fatal: list[BadRow] | None = None,
) -> Cohort:
    """Check raw tables (file label, table) against the layout; the core of :func:`read_cohort`."""
    known = kb.audits.known_drugs(kb)
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    tables: dict[str, pa.Table] = {}
    files: dict[str, str] = {}
    fatal = list(fatal or [])
    bad: list[BadRow] = []
    skipped: list[BadRow] = []
    for name in ORDER:
        spec = TABLES[name]
        if progress is not None:
            progress(name)
        file, raw = raws.get(name, (f"{name}", None))
        if raw is None:
            tables[name] = empty_table(name)
            continue
        files[name] = file
        typed, chk = _check_table(raw, spec, file, known)
        fatal += chk.fatal
        if chk.fatal:
            tables[name] = empty_table(name)
            continue
        for row, column, message in _key_and_reference_checks(con, name, typed, spec, tables):
            chk.bad.append(BadRow(name, file, row, column, message))
        chk.bad.sort(key=lambda b: (b.row, b.column))
        if chk.bad and skip_bad_rows:
            drop = sorted({b.row - 1 for b in chk.bad})
            keep = pc.invert(pc.is_in(pa.array(range(typed.num_rows)), value_set=pa.array(drop)))
            typed = typed.filter(keep)
            skipped += chk.bad
        else:
            bad += chk.bad
        tables[name] = typed
    con.close()
    if fatal or bad:
        raise CohortInputError(fatal + bad)
    return Cohort(tables=tables, files=files, skipped=skipped)


def write_tables(cohort_tables: dict[str, pa.Table], folder: Path, fmt: str = "parquet") -> None:
    """Write tables in the cohort layout (``fmt``: parquet or csv)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, t in cohort_tables.items():
        if fmt == "csv":
            pacsv.write_csv(t, folder / f"{name}.csv")
        else:
            pq.write_table(t, folder / f"{name}.parquet")
