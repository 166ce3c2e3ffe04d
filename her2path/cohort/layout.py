"""The columnar cohort layout: one table per kind of fact, one row per fact.

Every table is a Parquet file or a CSV file named after the table
(``patients.parquet`` or ``patients.csv``) in one folder.  :data:`TABLES` lists
each table's columns with their Arrow type, whether a value is required and, for
coded columns, where the allowed codes come from.  ``docs/cohort.md`` is written
from the same definitions.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import pyarrow as pa

from her2path.domain.her2 import Procedure, SpecimenOrigin, TumourSite
from her2path.domain.patient import (
    EventKind,
    ReceptorStatus,
    Setting,
    Sex,
    StopReason,
    TherapySetting,
)
from her2path.kb.her2 import IHCScore


class Her2Test(StrEnum):
    """The kind of HER2 test a row of ``her2_results`` reports."""

    ihc = "ihc"
    dual_probe_ish = "dual_probe_ish"


class PregnancyResult(StrEnum):
    positive = "positive"
    negative = "negative"


@dataclass(frozen=True)
class Column:
    """One column: name, Arrow type, whether required, allowed codes and meaning."""

    name: str
    type: pa.DataType
    required: bool
    doc: str
    codes: tuple[str, ...] | None = None
    codes_from: str | None = None  # "drugs": the drug ids the knowledge base knows


@dataclass(frozen=True)
class Table:
    name: str
    doc: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]  # columns whose values must be unique together

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    def schema(self) -> pa.Schema:
        return pa.schema([pa.field(c.name, c.type) for c in self.columns])


def _codes(enum: type[StrEnum]) -> tuple[str, ...]:
    return tuple(e.value for e in enum)


_S = pa.string()
_D = pa.date32()
_F = pa.float64()
_B = pa.bool_()
_I = pa.int32()

PATIENT_ID = Column("patient_id", _S, True, "Registry patient id (no names, no record numbers)")

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "patients",
            "One row per patient: the cancer and the setting the patient is in now.",
            (
                PATIENT_ID,
                Column("sex", _S, True, "Sex", _codes(Sex)),
                Column("birth_date", _D, True, "Date of birth"),
                Column("site", _S, True, "Tumour site", _codes(TumourSite)),
                Column("setting", _S, True, "Clinical setting now", _codes(Setting)),
                Column("diagnosis_date", _D, False, "Date of diagnosis"),
                Column("er", _S, False, "Oestrogen receptor status", _codes(ReceptorStatus)),
                Column("pr", _S, False, "Progesterone receptor status", _codes(ReceptorStatus)),
            ),
            ("patient_id",),
        ),
        Table(
            "her2_results",
            "One row per HER2 test on a specimen; IHC and ISH of one specimen share its id.",
            (
                PATIENT_ID,
                Column("specimen_id", _S, True, "Laboratory specimen id"),
                Column("origin", _S, True, "Specimen origin", _codes(SpecimenOrigin)),
                Column("procedure", _S, True, "How the tissue was taken", _codes(Procedure)),
                Column("collected", _D, False, "Date the tissue was taken"),
                Column(
                    "after_neoadjuvant", _B, True, "Taken after pre-operative (neoadjuvant) therapy"
                ),
                Column("test", _S, True, "Kind of test", _codes(Her2Test)),
                Column("result_date", _D, True, "Date of the report"),
                Column("ihc_score", _S, False, "IHC score (test ihc)", _codes(IHCScore)),
                Column(
                    "membrane_staining", _B, False, "IHC 0: faint incomplete membrane staining seen"
                ),
                Column("ish_ratio", _F, False, "HER2/CEP17 ratio (test dual_probe_ish)"),
                Column("her2_copies", _F, False, "Mean HER2 signals per cell (dual_probe_ish)"),
                Column("cep17_copies", _F, False, "Mean CEP17 signals per cell"),
                Column("cells_counted", _I, False, "Cells counted"),
                Column("recount_ratio", _F, False, "Blinded recount: HER2/CEP17 ratio"),
                Column("recount_her2_copies", _F, False, "Blinded recount: mean HER2 signals"),
            ),
            ("patient_id", "specimen_id", "test"),
        ),
        Table(
            "lvef_readings",
            "One row per left-ventricular ejection fraction measurement.",
            (
                PATIENT_ID,
                Column("reading_date", _D, True, "Date of the measurement"),
                Column("lvef_percent", _F, True, "LVEF, percent"),
                Column("lln_percent", _F, False, "Institutional lower limit of normal, percent"),
                Column("method", _S, False, "echo, MUGA or MRI", ("echo", "muga", "mri")),
            ),
            ("patient_id", "reading_date"),
        ),
        Table(
            "therapies",
            "One row per course of one drug (a regimen is several rows sharing a regimen id).",
            (
                PATIENT_ID,
                Column("therapy_id", _S, True, "Course id, unique in the registry"),
                Column("drug", _S, True, "Product or ingredient id", codes_from="drugs"),
                Column("setting", _S, True, "Therapy setting", _codes(TherapySetting)),
                Column("start_date", _D, True, "First day of the course"),
                Column("end_date", _D, False, "Last day of the course (empty: ongoing)"),
                Column("reason_stopped", _S, False, "Why the course ended", _codes(StopReason)),
                Column("regimen", _S, False, "Regimen id"),
            ),
            ("therapy_id",),
        ),
        Table(
            "administrations",
            "One row per dose given.",
            (
                PATIENT_ID,
                Column("therapy_id", _S, True, "The course the dose belongs to"),
                Column("admin_date", _D, True, "Date the dose was given"),
                Column("dose_mg", _F, False, "Dose given, mg"),
            ),
            ("therapy_id", "admin_date"),
        ),
        Table(
            "pregnancy_tests",
            "One row per pregnancy test.",
            (
                PATIENT_ID,
                Column("test_date", _D, True, "Date of the test"),
                Column("result", _S, True, "Result", _codes(PregnancyResult)),
            ),
            ("patient_id", "test_date"),
        ),
        Table(
            "events",
            "One row per disease event (recurrence, progression, metastasis, surgery).",
            (
                PATIENT_ID,
                Column("event_date", _D, True, "Date of the event"),
                Column("kind", _S, True, "Kind of event", _codes(EventKind)),
            ),
            ("patient_id", "event_date", "kind"),
        ),
    )
}


def _type_name(t: pa.DataType) -> str:
    return {
        "string": "string",
        "date32[day]": "date (YYYY-MM-DD)",
        "double": "number",
        "bool": "true/false",
        "int32": "whole number",
    }.get(str(t), str(t))


def layout_markdown() -> str:
    """The tables of the layout as Markdown (the reference section of docs/cohort.md)."""
    lines: list[str] = []
    for t in TABLES.values():
        lines.append(f"### `{t.name}`\n\n{t.doc} Key (unique): `{', '.join(t.key)}`.\n")
        lines.append("| column | type | required | allowed values | meaning |")
        lines.append("|---|---|---|---|---|")
        for c in t.columns:
            if c.codes is not None:
                allowed = ", ".join(f"`{v}`" for v in c.codes)
            elif c.codes_from == "drugs":
                allowed = "a product or ingredient id of the knowledge base"
            else:
                allowed = ""
            req = "yes" if c.required else "no"
            lines.append(f"| `{c.name}` | {_type_name(c.type)} | {req} | {allowed} | {c.doc} |")
        lines.append("")
    return "\n".join(lines)
