"""Render the patient report as HTML (for the screen) and PDF (WeasyPrint)."""

from __future__ import annotations

import re
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from her2path.report.build import PatientReport

HERE = Path(__file__).resolve().parent
CSS = HERE.parents[0] / "web" / "static" / "report.css"
_env = Environment(
    loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"])
)


def render_html(
    report: PatientReport, *, pdf_link: bool = False, css_href: str | None = "/static/report.css"
) -> str:
    """The report page; ``css_href=None`` leaves the stylesheet link out (for the PDF)."""
    return _env.get_template("report.html").render(r=report, pdf_link=pdf_link, css_href=css_href)


def render_pdf(report: PatientReport) -> bytes:
    from weasyprint import CSS as WeasyCSS
    from weasyprint import HTML

    html = render_html(report, css_href=None)
    pdf: bytes = HTML(string=html, base_url=str(HERE)).write_pdf(
        stylesheets=[WeasyCSS(filename=str(CSS))]
    )
    return pdf


def plain_text(report: PatientReport) -> str:
    """The words a patient reads (no sources, no headings of codes), for readability checks."""
    html = _env.get_template("report.html").render(
        r=report, pdf_link=False, css_href="", for_reading=True
    )
    text = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", text)
    return re.sub(r"\s+", " ", text).strip()
