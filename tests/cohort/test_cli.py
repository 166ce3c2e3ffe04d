"""``her2path synth`` then ``her2path audit``: files, HTML summary, error report."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
from typer.testing import CliRunner

from her2path.cli.main import app

runner = CliRunner()


def test_synth_then_audit(tmp_path: Path) -> None:
    data, out = tmp_path / "data", tmp_path / "out"
    r = runner.invoke(app, ["synth", "--patients", "800", "--seed", "2", "--out", str(data)])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["audit", str(data), "--out", str(out), "--as-of", "2025-06-30"])
    assert r.exit_code == 0, r.output
    result = pq.read_table(out / "findings.parquet")
    assert result.num_rows > 0
    assert set(result.column_names) >= {"patient_id", "audit", "reason", "kb_version"}
    html = (out / "summary.html").read_text()
    assert html.count("<svg") == 2
    assert "<script" not in html
    assert (out / "findings.csv").read_text().startswith('"patient_id","audit"')


def test_bad_input_stops_with_report(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "patients.csv").write_text(
        "patient_id,sex,birth_date,site,setting\nP1,female,1970-01-01,breast,metastatic\n"
        "P1,female,1970-02-30,lung,metastatic\n"
    )
    r = runner.invoke(app, ["audit", str(data), "--out", str(tmp_path / "out")])
    assert r.exit_code == 2
    text = " ".join(r.output.split())
    assert "patients.csv: row 2, column birth_date: not a date" in text
    assert "patients.csv: row 2, column site: unknown code 'lung'" in text
    assert (tmp_path / "out" / "problems.csv").is_file()
