"""The plain-language patient report (HTML and PDF), built from the same assessment."""

from her2path.report.build import PatientReport, build_report
from her2path.report.render import render_html, render_pdf

__all__ = ["PatientReport", "build_report", "render_html", "render_pdf"]
