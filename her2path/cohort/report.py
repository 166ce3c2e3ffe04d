"""Output of an audit run: flagged patients with rule and reason, and an HTML summary.

The reason of each finding is rendered from the audit's template in the knowledge
base (:meth:`AuditRule.render`), so every engine's findings read the same.  The
HTML summary is one self-contained file: tables and inline SVG charts, no script.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from her2path.cohort.read import BadRow, Cohort
from her2path.kb.model import KnowledgeBase

RESULT = pa.schema(
    [
        pa.field("patient_id", pa.string()),
        pa.field("audit", pa.string()),
        pa.field("title", pa.string()),
        pa.field("reason", pa.string()),
        pa.field("first_date", pa.date32()),
        pa.field("detail", pa.string()),
        pa.field("count", pa.int64()),
        pa.field("value", pa.float64()),
        pa.field("kb_version", pa.string()),
    ]
)


def _fmt_value(v: float | None) -> str:
    return "" if v is None else f"{v:g}"


def with_reasons(findings: pa.Table, kb: KnowledgeBase) -> pa.Table:
    """Add the audit title, the rendered reason and the knowledge-base version."""
    titles: list[str] = []
    reasons: list[str] = []
    rules = {a.id: a for a in kb.audits.audits}
    cols = findings.select(["audit", "first_date", "detail", "count", "value"]).to_pydict()
    for audit, d, detail, count, value in zip(
        cols["audit"], cols["first_date"], cols["detail"], cols["count"], cols["value"], strict=True
    ):
        rule = rules[audit]
        titles.append(rule.title)
        reasons.append(
            rule.render(
                date=d.isoformat() if d is not None else "an unknown date",
                detail=detail or "",
                count=count,
                value=_fmt_value(value),
            )
        )
    n = findings.num_rows
    return pa.table(
        {
            "patient_id": findings.column("patient_id"),
            "audit": findings.column("audit"),
            "title": pa.array(titles, pa.string()),
            "reason": pa.array(reasons, pa.string()),
            "first_date": findings.column("first_date"),
            "detail": findings.column("detail"),
            "count": findings.column("count"),
            "value": findings.column("value"),
            "kb_version": pa.array([kb.version] * n, pa.string()),
        },
        schema=RESULT,
    )


def bad_rows_table(rows: list[BadRow]) -> pa.Table:
    return pa.table(
        {
            "table": [b.table for b in rows],
            "file": [b.file for b in rows],
            "row": pa.array([b.row for b in rows], pa.int64()),
            "column": [b.column for b in rows],
            "problem": [b.message for b in rows],
        },
        schema=pa.schema(
            [
                ("table", pa.string()),
                ("file", pa.string()),
                ("row", pa.int64()),
                ("column", pa.string()),
                ("problem", pa.string()),
            ]
        ),
    )


def lvef_declines(cohort: Cohort) -> list[float]:
    """Per patient with two or more readings: the largest fall from the first reading (points)."""
    con = duckdb.connect()
    con.register("l", cohort.tables["lvef_readings"])
    rows = con.execute(
        """
        SELECT max(first_v - lvef_percent) FROM (
          SELECT patient_id, lvef_percent,
            first_value(lvef_percent)
              OVER (PARTITION BY patient_id ORDER BY reading_date) AS first_v,
            count(*) OVER (PARTITION BY patient_id) AS n
          FROM l) WHERE n > 1 GROUP BY patient_id"""
    ).fetchall()
    con.close()
    return [float(r[0]) for r in rows]


@dataclass(frozen=True)
class RunInfo:
    engine: str
    as_of: date
    patients: int
    seconds: float
    source: str


def write_outputs(
    out: Path, result: pa.Table, skipped: list[BadRow], html_text: str
) -> dict[str, Path]:
    """Write findings (Parquet and CSV), skipped rows (CSV) and the summary (HTML)."""
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "parquet": out / "findings.parquet",
        "csv": out / "findings.csv",
        "html": out / "summary.html",
        "skipped": out / "skipped_rows.csv",
    }
    pq.write_table(result, paths["parquet"])
    pacsv.write_csv(result, paths["csv"])
    pacsv.write_csv(bad_rows_table(skipped), paths["skipped"])
    paths["html"].write_text(html_text, encoding="utf-8")
    return paths


# ------------------------------------------------------------------------- charts


def bar_chart(items: list[tuple[str, int]], width: int = 760) -> str:
    """Horizontal bars, one per label, as inline SVG."""
    row, label_w = 26, 300
    h = row * max(len(items), 1) + 10
    top = max((v for _, v in items), default=0) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{h}" '
        f'role="img" aria-label="Patients flagged per audit">'
    ]
    for i, (label, v) in enumerate(items):
        y = 5 + i * row
        w = (width - label_w - 80) * v / top
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 17}" text-anchor="end" font-size="13">'
            f"{html.escape(label)}</text>"
            f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row - 8}" fill="#3b6ea5"/>'
            f'<text x="{label_w + w + 6:.1f}" y="{y + 17}" font-size="13">{v}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def histogram(values: list[float], bins: int = 20, width: int = 760, height: int = 220) -> str:
    """A histogram as inline SVG (x: LVEF fall in points; y: patients)."""
    if not values:
        return "<p>No patient has two or more LVEF readings.</p>"
    lo, hi = min(values), max(values)
    span = (hi - lo) or 1.0
    counts = [0] * bins
    for v in values:
        counts[min(int((v - lo) / span * bins), bins - 1)] += 1
    top = max(counts) or 1
    left, bottom = 50, 30
    bw = (width - left - 10) / bins
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height + bottom}" '
        f'role="img" aria-label="Distribution of the largest LVEF fall per patient">'
    ]
    for i, c in enumerate(counts):
        bh = (height - 10) * c / top
        x = left + i * bw
        parts.append(
            f'<rect x="{x:.1f}" y="{height - bh:.1f}" width="{bw - 2:.1f}" height="{bh:.1f}" '
            f'fill="#a53b3b"><title>{lo + i * span / bins:.1f} to '
            f"{lo + (i + 1) * span / bins:.1f} points: {c}</title></rect>"
        )
    parts.append(
        f'<line x1="{left}" y1="{height}" x2="{width - 10}" y2="{height}" stroke="#333"/>'
        f'<text x="{left}" y="{height + 18}" font-size="12">{lo:.0f}</text>'
        f'<text x="{width - 10}" y="{height + 18}" font-size="12" text-anchor="end">{hi:.0f}</text>'
        f'<text x="{(left + width) / 2}" y="{height + 18}" font-size="12" text-anchor="middle">'
        "largest fall from the first reading (LVEF points)</text>"
        f'<text x="5" y="15" font-size="12">{top}</text>'
    )
    parts.append("</svg>")
    return "".join(parts)


def html_summary(result: pa.Table, cohort: Cohort, kb: KnowledgeBase, info: RunInfo) -> str:
    """The one-page summary of an audit run."""
    counts: dict[str, int] = {a.id: 0 for a in kb.audits.audits}
    for audit in result.column("audit").to_pylist():
        counts[audit] += 1
    rules = {a.id: a for a in kb.audits.audits}
    bars = bar_chart([(rules[k].title[:42], v) for k, v in counts.items()])
    declines = lvef_declines(cohort)
    rows = []
    for a in kb.audits.audits:
        src = "; ".join(
            f"{html.escape(s.source)} {html.escape(s.where)}"
            + (f" [{s.verification.value}]" if s.verification else "")
            for s in a.sources
        )
        rows.append(
            f"<tr><td><code>{a.id}</code></td><td>{html.escape(a.title)}</td>"
            f"<td>{counts[a.id]}</td><td>{html.escape(a.definition)}</td>"
            f"<td>{html.escape(a.reuses)}</td><td>{src}</td></tr>"
        )
    skipped = len(cohort.skipped)
    rate = info.patients / info.seconds if info.seconds > 0 else 0.0
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>her2path cohort audit</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em; color: #222; }}
table {{ border-collapse: collapse; font-size: 13px; }}
td, th {{ border: 1px solid #ccc; padding: 4px 6px; vertical-align: top; text-align: left; }}
</style></head><body>
<h1>Cohort audit</h1>
<p>{info.patients} patients from <code>{html.escape(info.source)}</code>, audited as of
{info.as_of.isoformat()} by the <b>{html.escape(info.engine)}</b> engine in {info.seconds:.1f} s
({rate:,.0f} patients/s). Knowledge base {html.escape(kb.version)}.
{result.num_rows} findings. Rows skipped as invalid: {skipped}
{"(listed in skipped_rows.csv)" if skipped else ""}.</p>
<p>Decision support for quality review: each finding asks for a look at the record, not an
action. Patients are identified only by registry id.</p>
<h2>Patients flagged per audit</h2>
{bars}
<h2>LVEF: largest fall from the first reading</h2>
<p>{len(declines)} patients with two or more readings.</p>
{histogram(declines)}
<h2>Audits</h2>
<table><tr><th>id</th><th>title</th><th>flagged</th><th>definition</th><th>reuses</th>
<th>sources</th></tr>
{"".join(rows)}
</table>
</body></html>
"""
