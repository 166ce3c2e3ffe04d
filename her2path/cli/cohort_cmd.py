"""``her2path audit`` and ``her2path synth``: audits over a whole registry, synthetic cohorts."""

from __future__ import annotations

import time
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table as RichTable

from her2path.cli.common import err, knowledge, out, reports_errors
from her2path.errors import InputError, Problem


class EngineName(StrEnum):
    duckdb = "duckdb"
    spark = "spark"
    python = "python"


class TableFormat(StrEnum):
    parquet = "parquet"
    csv = "csv"


def _date(value: str | None, flag: str) -> date:
    if value is None:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError([Problem(flag, f"'{value}' is not a date (YYYY-MM-DD)")]) from None


def _progress() -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description:<28}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    )


def register(app: typer.Typer) -> None:
    @app.command()
    @reports_errors
    def audit(
        data: Annotated[Path, typer.Argument(help="Cohort folder (Parquet or CSV tables)")],
        engine: Annotated[EngineName, typer.Option(help="Audit engine")] = EngineName.duckdb,
        out_dir: Annotated[
            Path, typer.Option("--out", help="Folder for findings and summary")
        ] = Path("audit-out"),
        skip_bad_rows: Annotated[
            bool,
            typer.Option(
                "--skip-bad-rows",
                help="Leave out invalid rows (each one listed in skipped_rows.csv) instead of "
                "stopping",
            ),
        ] = False,
        spark_master: Annotated[
            str | None, typer.Option(help="Spark master URL (default local[*])")
        ] = None,
        as_of: Annotated[
            str | None, typer.Option(help="Audit date (YYYY-MM-DD); default today")
        ] = None,
        omop: Annotated[
            bool, typer.Option("--omop", help="DATA holds OMOP CDM 5.4 tables")
        ] = False,
        concept_map: Annotated[
            Path | None,
            typer.Option(help="YAML file overriding the OMOP concept mapping"),
        ] = None,
    ) -> None:
        """Run every audit of the knowledge base over a whole cohort."""
        from her2path.cohort.engines import make_engine
        from her2path.cohort.layout import TABLES
        from her2path.cohort.read import CohortInputError, read_cohort
        from her2path.cohort.report import (
            RunInfo,
            bad_rows_table,
            html_summary,
            with_reasons,
            write_outputs,
        )

        kb = knowledge()
        when = _date(as_of, "--as-of")
        with _progress() as bar:
            task = bar.add_task("reading tables", total=len(TABLES))
            try:
                if omop:
                    from her2path.cohort.omop import read_omop

                    cohort = read_omop(
                        data, kb, concept_map, skip_bad_rows, lambda _: bar.advance(task)
                    )
                else:
                    cohort = read_cohort(data, kb, skip_bad_rows, lambda _: bar.advance(task))
            except CohortInputError as exc:
                out_dir.mkdir(parents=True, exist_ok=True)
                import pyarrow.csv as pacsv

                pacsv.write_csv(bad_rows_table(exc.bad), out_dir / "problems.csv")
                err.print(f"Every problem is listed in {out_dir / 'problems.csv'}")
                raise
            bar.update(task, completed=len(TABLES))
            runner = make_engine(engine.value, spark_master)
            steps = 4
            task = bar.add_task(f"auditing ({engine.value})", total=steps)
            start = time.perf_counter()
            findings = runner.run(cohort, kb, when, lambda _: bar.advance(task))
            seconds = time.perf_counter() - start
            bar.update(task, completed=steps)
            task = bar.add_task("writing results", total=1)
            result = with_reasons(findings, kb)
            info = RunInfo(engine.value, when, cohort.patient_count, seconds, str(data))
            paths = write_outputs(
                out_dir, result, cohort.skipped, html_summary(result, cohort, kb, info)
            )
            bar.advance(task)
        for note in cohort.notes:
            err.print(f"[yellow]note[/]: {note}", highlight=False)
        if cohort.skipped:
            err.print(
                f"[yellow]{len(cohort.skipped)} invalid row problem(s) skipped[/]; "
                f"each is listed in {paths['skipped']}"
            )
            for b in cohort.skipped[:20]:
                err.print(f"  - {b.problem()}", highlight=False)
        table = RichTable(title=f"{cohort.patient_count} patients, {result.num_rows} findings")
        table.add_column("audit")
        table.add_column("patients", justify="right")
        counts: dict[str, int] = {a.id: 0 for a in kb.audits.audits}
        for a in result.column("audit").to_pylist():
            counts[a] += 1
        for k, v in counts.items():
            table.add_row(k, str(v))
        out.print(table)
        out.print(f"Findings: {paths['parquet']}, {paths['csv']}; summary: {paths['html']}")

    @app.command()
    @reports_errors
    def synth(
        patients: Annotated[int, typer.Option(min=1, help="Number of patients")] = 10000,
        seed: Annotated[int, typer.Option(help="Random seed (same seed, same cohort)")] = 1,
        out_dir: Annotated[Path, typer.Option("--out", help="Folder to write")] = Path("cohort"),
        format: Annotated[TableFormat, typer.Option(help="parquet or csv")] = TableFormat.parquet,
        as_of: Annotated[
            str, typer.Option(help="Date the synthetic registry was extracted (YYYY-MM-DD)")
        ] = "2025-06-30",
    ) -> None:
        """Write a synthetic cohort in the columnar layout (deterministic by seed)."""
        from her2path.cohort.synth import write_cohort

        kb = knowledge()
        when = _date(as_of, "--as-of")
        with _progress() as bar:
            task = bar.add_task("generating", total=1)
            counts = write_cohort(kb, patients, seed, when, out_dir, format.value)
            bar.advance(task)
        rows = ", ".join(f"{k} {v}" for k, v in counts.items())
        out.print(f"Wrote {out_dir} ({format.value}): {rows}")
