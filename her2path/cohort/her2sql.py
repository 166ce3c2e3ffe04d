"""HER2 interpretation over whole tables, reusing the per-patient engine.

Once the ISH group of a count is known, the reading of a specimen depends only
on a few discrete facts: the site, the IHC score and membrane staining, the ISH
group (or, for gastroesophageal sites, whether the ratio is positive) and the
recount group.  The SQL engines compute those facts for every specimen with
expressions generated from the knowledge-base bands (:func:`group_case`), collect
the few distinct combinations present, and ask :func:`her2path.engine.her2.read_specimen`
to read one representative of each (:func:`evaluate_signatures`).  The answers
are joined back to every specimen.  The clinical logic stays in one place.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pyarrow as pa

from her2path.domain.her2 import (
    DualProbeISHResult,
    Her2Result,
    IHCResult,
    ISHCount,
    Procedure,
    Specimen,
    SpecimenOrigin,
    TumourSite,
)
from her2path.engine.her2 import read_specimen
from her2path.kb.her2 import Band, IHCScore, SiteCriteria
from her2path.kb.model import KnowledgeBase

SIGNATURE = (
    "site",
    "ihc_score",
    "membrane",
    "has_ish",
    "ish_group",
    "recount_group",
    "ratio_positive",
)


def sql_literal(value: float) -> str:
    return f"CAST('{value!r}' AS DOUBLE)"


def band_sql(band: Band, crit: SiteCriteria, x: str) -> str:
    """A band as a SQL condition on expression ``x``, with the cut-offs of the KB."""
    parts: list[str] = []
    cut = crit.cutoffs
    if band.at_least is not None:
        parts.append(f"{x} >= {sql_literal(cut[band.at_least].value)}")
    if band.above is not None:
        parts.append(f"{x} > {sql_literal(cut[band.above].value)}")
    if band.below is not None:
        parts.append(f"{x} < {sql_literal(cut[band.below].value)}")
    if band.at_most is not None:
        parts.append(f"{x} <= {sql_literal(cut[band.at_most].value)}")
    return "(" + " AND ".join(parts) + ")"


def _sites(crit: SiteCriteria) -> str:
    return ", ".join(f"'{s}'" for s in crit.sites)


def group_case(kb: KnowledgeBase, ratio: str, copies: str) -> str:
    """SQL: the dual-probe ISH group of (ratio, copies), NULL where the site has no groups."""
    whens: list[str] = []
    for crit in kb.her2.criteria:
        for g in crit.dual_probe_groups:
            cond = f"{band_sql(g.ratio, crit, ratio)} AND {band_sql(g.her2_copies, crit, copies)}"
            whens.append(f"WHEN site IN ({_sites(crit)}) AND {cond} THEN {g.group}")
    if not whens:
        return "CAST(NULL AS INT)"
    return f"CASE WHEN {ratio} IS NULL THEN CAST(NULL AS INT) " + " ".join(whens) + " END"


def ratio_positive_case(kb: KnowledgeBase, ratio: str) -> str:
    """SQL: for sites read by ratio alone, whether the ratio is positive; else NULL."""
    whens: list[str] = []
    for crit in kb.her2.criteria:
        if crit.ish_ratio_positive is not None and not crit.dual_probe_groups:
            cond = band_sql(crit.ish_ratio_positive, crit, ratio)
            whens.append(f"WHEN site IN ({_sites(crit)}) THEN ({cond})")
    if not whens:
        return "CAST(NULL AS BOOLEAN)"
    return (
        f"CASE WHEN {ratio} IS NULL THEN CAST(NULL AS BOOLEAN) "
        + " ".join(whens)
        + " ELSE CAST(NULL AS BOOLEAN) END"
    )


_REP_DATE = date(2000, 1, 1)


def _representative(row: dict[str, Any]) -> list[Her2Result]:
    spec = Specimen(id="s", origin=SpecimenOrigin.primary, procedure=Procedure.core_biopsy)
    results: list[Her2Result] = []
    if row["ihc_score"] is not None:
        membrane = row["membrane"]
        results.append(
            IHCResult(
                date=_REP_DATE,
                specimen=spec,
                score=IHCScore(row["ihc_score"]),
                membrane_staining=None if membrane is None else bool(membrane),
            )
        )
    if row["has_ish"]:
        recount = None
        if row["rep_recount_ratio"] is not None:
            recount = ISHCount(
                ratio=row["rep_recount_ratio"], her2_copies=row["rep_recount_copies"]
            )
        results.append(
            DualProbeISHResult(
                date=_REP_DATE,
                specimen=spec,
                count=ISHCount(ratio=row["rep_ratio"], her2_copies=row["rep_copies"]),
                recount=recount,
            )
        )
    return results


def evaluate_signatures(kb: KnowledgeBase, sigs: pa.Table, steps: list[str]) -> pa.Table:
    """Read one representative specimen per signature with the per-patient engine.

    ``sigs`` has the :data:`SIGNATURE` columns plus representative values
    (``rep_ratio``, ``rep_copies``, ``rep_recount_ratio``, ``rep_recount_copies``).
    The result has the signature columns, ``status``, ``category`` and one boolean
    ``step_<code>`` column per next-step code in ``steps``.
    """
    out: dict[str, list[Any]] = {c: [] for c in SIGNATURE}
    out["status"] = []
    out["category"] = []
    for code in steps:
        out[f"step_{code}"] = []
    for row in sigs.to_pylist():
        results = _representative(row)
        if not results:
            continue
        reading = read_specimen(kb.her2, TumourSite(row["site"]), results)
        for c in SIGNATURE:
            out[c].append(row[c])
        out["status"].append(reading.status.value)
        out["category"].append(reading.expression_category.value)
        codes = {s.code for s in reading.next_steps}
        for code in steps:
            out[f"step_{code}"].append(code in codes)
    schema = pa.schema(
        [
            pa.field("site", pa.string()),
            pa.field("ihc_score", pa.string()),
            pa.field("membrane", pa.int32()),
            pa.field("has_ish", pa.bool_()),
            pa.field("ish_group", pa.int32()),
            pa.field("recount_group", pa.int32()),
            pa.field("ratio_positive", pa.bool_()),
            pa.field("status", pa.string()),
            pa.field("category", pa.string()),
            *(pa.field(f"step_{c}", pa.bool_()) for c in steps),
        ]
    )
    return pa.table(out, schema=schema)


def audit_steps(kb: KnowledgeBase) -> list[str]:
    """The HER2 next-step codes the audits look for."""
    return sorted({a.next_step for a in kb.audits.audits if a.next_step is not None})
