"""HER2 status interpretation: ASCO/CAP 2018 (breast) and CAP/ASCP/ASCO 2016 (gastroesophageal).

The functions here read the criteria from the knowledge base and record every
rule they apply as a :class:`RuleStep`.  The shape follows the guidelines:

* :func:`ihc_score_from_pattern` — Figure 1 (breast) / the GEA scoring table;
* :func:`ish_group` — Figure 3; :func:`dual_probe_call` — Figures 4-6;
* :func:`single_probe_call` — Figure 2;
* :func:`expression_category` — the drug-label categories (HER2-low, -ultralow, -0);
* :func:`interpret` — several specimens over time: which governs, what changed.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from pydantic import Field

from her2path.domain.explain import Explained, NextStep, Note, RuleStep, Severity
from her2path.domain.her2 import (
    DiseaseSetting,
    DualProbeISHResult,
    Her2Case,
    Her2Result,
    IHCResult,
    ISHCount,
    Procedure,
    SingleProbeISHResult,
    Specimen,
    SpecimenOrigin,
    StainingPattern,
    TumourSite,
)
from her2path.kb.her2 import (
    DualProbeGroup,
    ExpressionCategory,
    Her2Knowledge,
    Her2Status,
    IHCPatternRow,
    IHCScore,
    SiteCriteria,
    SpecimenKind,
    WorkupOutcome,
)
from her2path.kb.model import KnowledgeBase
from her2path.kb.provenance import SourceRef


class SpecimenReading(Explained):
    """The interpretation of one specimen (its IHC and ISH read together)."""

    label: str
    origin: SpecimenOrigin
    procedure: Procedure
    date: date
    after_neoadjuvant: bool
    status: Her2Status
    expression_category: ExpressionCategory
    ihc_score: IHCScore | None
    ish_group: int | None
    recount_group: int | None
    ish_ratio: float | None
    next_steps: list[NextStep]
    rule_path: list[RuleStep]
    notes: list[Note]


class StatusChange(Explained):
    """A change of HER2 status or category between two specimens, with its meaning."""

    code: str
    earlier: str
    later: str
    earlier_status: Her2Status
    later_status: Her2Status
    earlier_category: ExpressionCategory
    later_category: ExpressionCategory
    text: str
    sources: list[SourceRef] = Field(min_length=1)


class Her2Answer(Explained):
    """The answer to "what is this tumour's HER2 status and what must happen next"."""

    kb_version: str
    site: TumourSite
    status: Her2Status
    expression_category: ExpressionCategory
    ihc_score: IHCScore | None
    ish_group: int | None
    next_steps: list[NextStep]
    rule_path: list[RuleStep]
    notes: list[Note]
    governing_specimen: str | None
    specimens: list[SpecimenReading]
    status_changes: list[StatusChange]

    def all_sources(self) -> list[SourceRef]:
        found: list[SourceRef] = []
        groups: list[list[SourceRef]] = [
            *(x.sources for x in self.rule_path),
            *(x.sources for x in self.next_steps),
            *(x.sources for x in self.notes),
            *(x.sources for x in self.status_changes),
        ]
        for sources in groups:
            for s in sources:
                if s not in found:
                    found.append(s)
        return found


# --------------------------------------------------------------------------- helpers


@dataclass
class _Trail:
    """Accumulates the explanation while one specimen is read."""

    h: Her2Knowledge
    crit: SiteCriteria
    path: list[RuleStep] = field(default_factory=list)
    steps: list[NextStep] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)

    def rule(self, rule: str, text: str, outcome: str, sources: list[SourceRef]) -> None:
        self.path.append(
            RuleStep(rule=f"{self.crit.name}.{rule}", text=text, outcome=outcome, sources=sources)
        )

    def step(self, code: str) -> None:
        if any(s.code == code for s in self.steps):
            return
        d = self.h.next_step(code)
        self.steps.append(NextStep(code=code, text=d.text, sources=d.sources))

    def note(self, code: str, severity: Severity, text: str, sources: list[SourceRef]) -> None:
        self.notes.append(Note(code=code, severity=severity, text=text, sources=sources))


_SPECIMEN_KIND = {
    Procedure.core_biopsy: SpecimenKind.biopsy,
    Procedure.endoscopic_biopsy: SpecimenKind.biopsy,
    Procedure.excision: SpecimenKind.resection,
    Procedure.resection: SpecimenKind.resection,
}


def specimen_kind(procedure: Procedure) -> SpecimenKind:
    """Biopsy or surgical specimen, as the gastric scoring table distinguishes them."""
    return _SPECIMEN_KIND[procedure]


# --------------------------------------------------------------------------- IHC


def _pattern_matches(
    row: IHCPatternRow, crit: SiteCriteria, p: StainingPattern, kind: SpecimenKind
) -> bool:
    if row.specimen is not None and kind not in row.specimen:
        return False
    if row.intensity is not None and p.intensity not in row.intensity:
        return False
    if row.completeness is not None and p.completeness not in row.completeness:
        return False
    if row.percent_cells is not None and not row.percent_cells.contains(
        p.percent_cells, crit.cutoffs
    ):
        return False
    if row.cluster_cells is not None:
        if p.largest_cluster_cells is None:
            return False
        if not row.cluster_cells.contains(p.largest_cluster_cells, crit.cutoffs):
            return False
    return True


def ihc_score_from_pattern(
    crit: SiteCriteria, pattern: StainingPattern, kind: SpecimenKind
) -> IHCPatternRow:
    """The scoring-table row a staining pattern falls in (a row with no score: review)."""
    for rp in crit.review_points:
        if rp.specimen is not None and kind not in rp.specimen:
            continue
        if pattern.percent_cells == crit.cutoffs[rp.percent_cells_equals].value:
            return IHCPatternRow(
                id=rp.id,
                score=None,
                text=rp.text,
                sources=rp.sources,
                disagreements=rp.disagreements,
            )
    for row in crit.ihc_patterns:
        if row.score is None:
            continue
        if _pattern_matches(row, crit, pattern, kind):
            return row
    return next(r for r in crit.ihc_patterns if r.score is None)


def _read_ihc(t: _Trail, ihc: IHCResult) -> tuple[IHCScore | None, bool | None]:
    """The IHC score to use, and whether membrane staining is present (for IHC 0)."""
    kind = specimen_kind(ihc.specimen.procedure)
    membrane = ihc.membrane_staining
    score = ihc.score
    if ihc.pattern is not None:
        row = ihc_score_from_pattern(t.crit, ihc.pattern, kind)
        outcome = f"IHC {row.score}" if row.score is not None else "pathologist review"
        t.rule(f"ihc_patterns.{row.id}", row.text, outcome, row.sources)
        if membrane is None and row.score is not None:
            membrane = row.membrane_staining
        if score is None:
            score = row.score
            if score is None:
                t.step("pathologist_review")
        elif row.score is not None and row.score != score:
            t.note(
                "ihc_pattern_disagrees",
                Severity.warn,
                f"The reported score IHC {score.value} does not match the staining pattern, "
                f"which the table scores IHC {row.score.value}; the reported score is used.",
                row.sources,
            )
            t.step("pathologist_review")
    if score is not None and score is not IHCScore.zero and membrane is False:
        t.note(
            "membrane_staining_inconsistent",
            Severity.warn,
            f"IHC {score.value} implies membrane staining, but none was recorded.",
            t.h.next_step("pathologist_review").sources,
        )
    return score, membrane


def _ihc_call(t: _Trail, score: IHCScore) -> Her2Status:
    call = next(c for c in t.crit.ihc_calls if c.score is score)
    t.rule(f"ihc_calls.{score.value}", call.text, call.status.value, call.sources)
    return call.status


# --------------------------------------------------------------------------- ISH


def ish_group(crit: SiteCriteria, ratio: float, her2_copies: float) -> DualProbeGroup:
    """The ASCO/CAP dual-probe group for a ratio and a mean HER2 copy number (Figure 3)."""
    for g in crit.dual_probe_groups:
        if g.ratio.contains(ratio, crit.cutoffs) and g.her2_copies.contains(
            her2_copies, crit.cutoffs
        ):
            return g
    raise ValueError(f"no ISH group for ratio {ratio} and {her2_copies} copies")  # kb check


def _check_count(t: _Trail, count: ISHCount, what: str) -> float:
    ratio = count.effective_ratio
    if count.ratio is None:
        t.rule(
            "ratio_from_copies",
            f"{what}: no ratio reported; computed as HER2 {count.her2_copies:g} / "
            f"CEP17 {count.cep17_copies:g}",
            f"ratio {ratio:.2f}",
            t.crit.cutoffs["ratio"].sources,
        )
    computed = count.computed_ratio
    tol = t.crit.cutoffs[t.crit.ratio_tolerance]
    if count.ratio is not None and computed is not None and abs(computed - count.ratio) > tol.value:
        t.note(
            "ratio_inconsistent",
            Severity.warn,
            f"{what}: reported ratio {count.ratio:g} differs from HER2/CEP17 copies "
            f"{count.her2_copies:g}/{count.cep17_copies:g} = {computed:.2f}; the reported ratio "
            "is used until the laboratory confirms the values.",
            tol.sources,
        )
        t.step("verify_ish_values")
    if t.crit.min_cells_counted is not None and count.cells_counted is not None:
        minimum = t.crit.cutoffs[t.crit.min_cells_counted]
        if count.cells_counted < minimum.value:
            t.note(
                "too_few_cells",
                Severity.warn,
                f"{what}: {count.cells_counted} cells counted; at least {minimum.value:g} needed.",
                minimum.sources,
            )
            t.step("count_more_cells")
    return ratio


def dual_probe_call(
    t: _Trail, ish: DualProbeISHResult, score: IHCScore | None
) -> tuple[Her2Status, int, int | None]:
    """Figures 3-6: the group, the work-up with concurrent IHC, and the recount."""
    ratio = _check_count(t, ish.count, "ISH")
    g = ish_group(t.crit, ratio, ish.count.her2_copies)
    t.rule(
        f"dual_probe_groups.{g.group}",
        g.text,
        f"group {g.group} ({g.initial_status.value})",
        g.sources,
    )
    if not g.needs_concurrent_ihc:
        return g.initial_status, g.group, None
    workup = next(w for w in t.crit.concurrent_ihc_workup if w.group == g.group)
    if score is None:
        t.step("ihc_same_tissue")
        return Her2Status.equivocal, g.group, None
    outcome = workup.by_ihc[score]
    if outcome is WorkupOutcome.recount:
        if ish.recount is None:
            t.rule(
                f"concurrent_ihc_workup.{g.group}",
                workup.text,
                "blinded recount needed",
                workup.sources,
            )
            t.step("blinded_recount")
            return Her2Status.equivocal, g.group, None
        r_ratio = _check_count(t, ish.recount, "Recount")
        rg = ish_group(t.crit, r_ratio, ish.recount.her2_copies)
        if rg.group == g.group:
            status = Her2Status(workup.recount_same_group)
            t.rule(
                f"concurrent_ihc_workup.{g.group}",
                workup.text,
                f"recount still group {g.group}: {status.value}",
                workup.sources,
            )
            if status is Her2Status.negative:
                t.note("report_comment", Severity.info, workup.comment, workup.sources)
            return status, g.group, rg.group
        t.rule(
            f"concurrent_ihc_workup.{g.group}",
            workup.text,
            f"recount is group {rg.group}, not {g.group}: adjudicate",
            workup.sources,
        )
        t.step("adjudicate_internal")
        return Her2Status.equivocal, g.group, rg.group
    status = Her2Status(outcome.value)
    t.rule(
        f"concurrent_ihc_workup.{g.group}",
        workup.text,
        f"IHC {score.value}: {status.value}",
        workup.sources,
    )
    if status is Her2Status.negative:
        t.note("report_comment", Severity.info, workup.comment, workup.sources)
    return status, g.group, None


def single_probe_call(t: _Trail, ish: SingleProbeISHResult, score: IHCScore | None) -> Her2Status:
    """Figure 2: single-probe bands and the 4.0-6.0 work-up."""
    band = next(
        b
        for b in t.crit.single_probe_bands
        if b.her2_copies.contains(ish.her2_copies, t.crit.cutoffs)
    )
    t.rule(
        f"single_probe_bands.{band.id}",
        band.text,
        band.status.value if band.status else "work-up",
        band.sources,
    )
    if band.status is not None:
        return band.status
    wk = t.crit.single_probe_workup
    assert wk is not None
    if score is None:
        t.step("ihc_same_tissue")
        t.step("dual_probe_ish")
        return Her2Status.equivocal
    outcome = wk.by_ihc[score]
    t.rule("single_probe_workup", wk.text, f"IHC {score.value}: {outcome.value}", wk.sources)
    if outcome is WorkupOutcome.dual_probe:
        t.step("dual_probe_ish")
        return Her2Status.equivocal
    return Her2Status(outcome.value)


def _ratio_call(t: _Trail, ish: DualProbeISHResult) -> Her2Status:
    """Sites read by ratio alone (gastroesophageal): ratio >= 2.0 is positive."""
    assert t.crit.ish_ratio_positive is not None
    ratio = _check_count(t, ish.count, "ISH")
    positive = t.crit.ish_ratio_positive.contains(ratio, t.crit.cutoffs)
    status = Her2Status.positive if positive else Her2Status.negative
    cut = t.crit.cutoffs["ratio"]
    t.rule(
        "ish_ratio_positive",
        f"ISH is positive when the HER2/CEP17 ratio is "
        f"{t.crit.ish_ratio_positive.describe(t.crit.cutoffs)}",
        f"ratio {ratio:.2f}: {status.value}",
        cut.sources,
    )
    return status


# --------------------------------------------------------------------------- combination


def _combine(
    t: _Trail,
    score: IHCScore | None,
    ihc_status: Her2Status | None,
    ish_status: Her2Status | None,
) -> Her2Status:
    """Put the IHC call and the ISH call for one specimen together."""
    if ish_status is None:
        if ihc_status is None:
            return Her2Status.equivocal if score is None else Her2Status.no_result
        if ihc_status is Her2Status.equivocal:
            for call in t.crit.ihc_calls:
                if call.score is score and call.next_step:
                    t.step(call.next_step)
        return ihc_status
    if ihc_status is Her2Status.positive and ish_status is Her2Status.negative:
        t.note(
            "ihc_ish_discordant",
            Severity.warn,
            "IHC 3+ with a negative ISH on the same specimen: IHC 3+ is positive on its own, "
            "but the discordance should be reviewed.",
            t.h.next_step("pathologist_review").sources,
        )
        t.step("pathologist_review")
        return Her2Status.positive
    if (
        t.crit.ish_ratio_positive is not None
        and ish_status is Her2Status.positive
        and ihc_status is Her2Status.negative
    ):
        t.note(
            "ish_without_indication",
            Severity.warn,
            f"ISH is positive although IHC {score.value if score else '?'} does not call for "
            "ISH at this site; the guideline reserves ISH for IHC 2+. Not decided.",
            t.crit.sources,
        )
        t.step("pathologist_review")
        return Her2Status.equivocal
    if ihc_status is None and score is None and ish_status is not Her2Status.equivocal:
        return ish_status
    return ish_status


def _label(spec: Specimen, when: date) -> str:
    if spec.id:
        return spec.id
    return f"{spec.origin.value} {spec.procedure.value} {(spec.collected or when).isoformat()}"


def expression_category(
    t: _Trail, site: TumourSite, status: Her2Status, score: IHCScore | None, membrane: bool | None
) -> ExpressionCategory:
    """Place a result in a drug-label category (HER2-positive, -low, -ultralow, -0)."""
    for rule in t.h.categories:
        if site.value not in rule.sites or rule.status is not status:
            continue
        if rule.ihc_scores is not None and (score is None or score not in rule.ihc_scores):
            continue
        if rule.membrane_staining is not None and membrane is not rule.membrane_staining:
            continue
        t.path.append(
            RuleStep(
                rule=f"categories.{rule.category.value}",
                text=rule.text,
                outcome=rule.category.value,
                sources=rule.sources,
            )
        )
        return rule.category
    if status is Her2Status.negative:
        if score is None:
            t.step("test_ihc")
        elif score is IHCScore.zero and membrane is None:
            t.step("record_membrane_staining")
    return ExpressionCategory.not_determinable


def read_specimen(h: Her2Knowledge, site: TumourSite, results: list[Her2Result]) -> SpecimenReading:
    """Interpret all results of one specimen together."""
    crit = h.for_site(site.value)
    t = _Trail(h=h, crit=crit)

    def latest(kind: type[Her2Result]) -> Her2Result | None:
        found = [r for r in results if isinstance(r, kind)]
        if len(found) > 1:
            t.note(
                "several_results",
                Severity.info,
                f"{len(found)} {found[0].kind} results on one specimen; the latest is used.",
                [s for g in h.governing if g.id == "newest_specimen" for s in g.sources],
            )
        return max(found, key=lambda r: r.date) if found else None

    ihc = latest(IHCResult)
    dual = latest(DualProbeISHResult)
    single = latest(SingleProbeISHResult)

    score: IHCScore | None = None
    membrane: bool | None = None
    ihc_status: Her2Status | None = None
    if isinstance(ihc, IHCResult):
        score, membrane = _read_ihc(t, ihc)
        if score is not None:
            ihc_status = _ihc_call(t, score)

    group: int | None = None
    regroup: int | None = None
    ratio: float | None = None
    ish_status: Her2Status | None = None
    if isinstance(dual, DualProbeISHResult):
        ratio = dual.count.effective_ratio
        if crit.dual_probe_groups:
            ish_status, group, regroup = dual_probe_call(t, dual, score)
        else:
            ish_status = _ratio_call(t, dual)
        if isinstance(single, SingleProbeISHResult):
            t.note(
                "dual_probe_preferred",
                Severity.info,
                "Both single- and dual-probe ISH were reported; the dual-probe result is used.",
                crit.single_probe_workup.sources if crit.single_probe_workup else crit.sources,
            )
    elif isinstance(single, SingleProbeISHResult):
        if crit.single_probe_bands:
            ish_status = single_probe_call(t, single, score)
        else:
            t.rule(
                "no_single_probe_criteria",
                "The guideline for this site reads ISH by the HER2/CEP17 ratio only",
                "not decided: dual-probe ISH needed",
                crit.sources,
            )
            t.note(
                "no_single_probe_criteria",
                Severity.warn,
                "The guideline for this site gives no single-probe ISH criteria; "
                "a dual-probe ISH (ratio) is needed.",
                crit.sources,
            )
            t.step("dual_probe_ish")
            ish_status = Her2Status.equivocal

    if ihc is not None and score is None and ish_status is None:
        status = Her2Status.equivocal
    else:
        status = _combine(t, score, ihc_status, ish_status)
    category = expression_category(t, site, status, score, membrane)
    first = results[0]
    when = max(r.date for r in results)
    return SpecimenReading(
        label=_label(first.specimen, when),
        origin=first.specimen.origin,
        procedure=first.specimen.procedure,
        date=first.specimen.collected or when,
        after_neoadjuvant=first.specimen.after_neoadjuvant,
        status=status,
        expression_category=category,
        ihc_score=score,
        ish_group=group,
        recount_group=regroup,
        ish_ratio=ratio,
        next_steps=t.steps,
        rule_path=t.path,
        notes=t.notes,
    )


# --------------------------------------------------------------------------- over time


def _governing(
    h: Her2Knowledge, readings: list[SpecimenReading], setting: DiseaseSetting | None
) -> tuple[SpecimenReading, RuleStep | None]:
    ordered = sorted(readings, key=lambda r: r.date)
    newest = ordered[-1]
    if len(ordered) == 1:
        return newest, None
    rules = {g.id: g for g in h.governing}

    def step(rule_id: str, chosen: SpecimenReading) -> RuleStep:
        g = rules[rule_id]
        return RuleStep(
            rule=f"governing.{rule_id}",
            text=g.text,
            outcome=f"governing specimen: {chosen.label}",
            sources=g.sources,
        )

    if setting is DiseaseSetting.metastatic:
        mets = [r for r in ordered if r.origin is not SpecimenOrigin.primary]
        if mets:
            return mets[-1], step("metastatic_prefers_metastasis", mets[-1])
    if newest.after_neoadjuvant:
        before = [r for r in ordered if not r.after_neoadjuvant]
        if before:
            return before[-1], step("residual_disease_keeps_pretreatment_status", before[-1])
    return newest, step("newest_specimen", newest)


def _final(r: SpecimenReading) -> bool:
    return r.status in (Her2Status.positive, Her2Status.negative)


def _changes(h: Her2Knowledge, readings: list[SpecimenReading]) -> list[StatusChange]:
    found: list[StatusChange] = []
    ordered = [r for r in sorted(readings, key=lambda r: r.date) if _final(r)]
    for a, b in itertools.pairwise(ordered):
        if a.status is b.status and a.expression_category is b.expression_category:
            continue
        for m in h.status_changes:
            if a.origin.value not in m.earlier_origin or b.origin.value not in m.later_origin:
                continue
            if (
                m.later_after_neoadjuvant is not None
                and b.after_neoadjuvant != m.later_after_neoadjuvant
            ):
                continue
            found.append(
                StatusChange(
                    code=m.id,
                    earlier=a.label,
                    later=b.label,
                    earlier_status=a.status,
                    later_status=b.status,
                    earlier_category=a.expression_category,
                    later_category=b.expression_category,
                    text=m.text,
                    sources=m.sources,
                )
            )
            break
    return found


def interpret(kb: KnowledgeBase, case: Her2Case) -> Her2Answer:
    """Interpret every specimen of a case, choose the governing one, flag changes."""
    h = kb.her2
    crit = h.for_site(case.site.value)
    if not case.results:
        d = h.next_step("test_her2")
        return Her2Answer(
            kb_version=kb.version,
            site=case.site,
            status=Her2Status.no_result,
            expression_category=ExpressionCategory.not_determinable,
            ihc_score=None,
            ish_group=None,
            next_steps=[NextStep(code=d.code, text=d.text, sources=d.sources)],
            rule_path=[
                RuleStep(
                    rule=f"{crit.name}.no_result",
                    text="No HER2 result recorded",
                    outcome="no result",
                    sources=d.sources,
                )
            ],
            notes=[],
            governing_specimen=None,
            specimens=[],
            status_changes=[],
        )
    groups: dict[tuple[str, ...], list[Her2Result]] = defaultdict(list)
    for r in case.results:
        groups[r.specimen.key()].append(r)
    readings = [read_specimen(h, case.site, rs) for rs in groups.values()]
    readings.sort(key=lambda r: r.date)
    gov, gov_step = _governing(h, readings, case.setting)
    path = list(gov.rule_path)
    if any(len(rs) > 1 for rs in groups.values()):
        g = next(x for x in h.governing if x.id == "same_specimen_combined")
        path.insert(
            0,
            RuleStep(
                rule="governing.same_specimen_combined",
                text=g.text,
                outcome="IHC and ISH of one specimen read together",
                sources=g.sources,
            ),
        )
    if gov_step is not None:
        path.append(gov_step)
    changes = _changes(h, readings)
    notes = list(gov.notes)
    for c in changes:
        notes.append(
            Note(
                code=f"status_change.{c.code}",
                severity=Severity.warn,
                text=f"{c.earlier} ({c.earlier_category.value}) -> {c.later} "
                f"({c.later_category.value}): {c.text}",
                sources=c.sources,
            )
        )
    return Her2Answer(
        kb_version=kb.version,
        site=case.site,
        status=gov.status,
        expression_category=gov.expression_category,
        ihc_score=gov.ihc_score,
        ish_group=gov.ish_group,
        next_steps=gov.next_steps,
        rule_path=path,
        notes=notes,
        governing_specimen=gov.label,
        specimens=readings,
        status_changes=changes,
    )
