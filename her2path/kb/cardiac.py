"""Knowledge-base models for cardiac safety: the LVEF monitoring plan and per-drug tables.

Each label has its own LVEF table, so each is one file under ``knowledge/cardiac/tables``.
A table is read as a small state machine: on treatment, a reading may trigger a hold
(``hold_when``), a continue-with-early-recheck (``recheck_when``) or an immediate stop
(``stop_when``); while held, a reading after the minimum hold either meets
``resume_when`` (within the window, if any) or not, and the table says whether an
unrecovered reading stops the drug or keeps it on hold.  ``max_holds`` counts holds:
one more than the limit stops the drug.  All numbers come from the YAML.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, model_validator

from her2path.kb.provenance import KBModel, Sourced, SourceRef


class Check(KBModel):
    """Conditions on one reading; every given condition must hold (AND)."""

    lvef_below: float | None = None
    lvef_at_most: float | None = None
    lvef_at_least: float | None = None
    lvef_above: float | None = None
    drop_at_least: float | None = Field(default=None, description="Points below baseline, >=")
    drop_above: float | None = None
    drop_below: float | None = None
    drop_at_most: float | None = None
    below_lln: bool | None = Field(
        default=None, description="True: reading < LLN; False: reading >= LLN"
    )
    symptomatic: bool | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> Check:
        if all(v is None for v in self.model_dump().values()):
            raise ValueError("a check needs at least one condition")
        return self

    def uses_lln(self) -> bool:
        return self.below_lln is not None


class Trigger(Sourced):
    """A named rule: it fires when any of its checks holds (OR of ANDs)."""

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    text: str
    any_of: list[Check] = Field(min_length=1)


class TherapyContext(StrEnum):
    early = "early"
    metastatic = "metastatic"


class CardiacTable(Sourced):
    """One label's LVEF rules."""

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    title: str
    drugs: list[str] = Field(min_length=1, description="Dosing ids (products) the table governs")
    contexts: list[TherapyContext] = Field(min_length=1)
    encoded: bool = Field(
        default=True, description="False: the table is not verified; answer 'not covered'"
    )
    not_encoded_reason: str | None = None
    lln_default: float | None = Field(
        default=None, description="LLN to use when the institution's is not given"
    )
    stop_when: list[Trigger] = Field(default_factory=list)
    hold_when: list[Trigger] = Field(default_factory=list)
    recheck_when: list[Trigger] = Field(default_factory=list)
    resume_when: list[Trigger] = Field(default_factory=list)
    min_hold_days: int = Field(default=0, ge=0)
    recheck_days: int = Field(ge=1, description="Days to the next LVEF check while held or watched")
    resume_window_days: int | None = Field(
        default=None, description="Recovery must come within this many days of the hold"
    )
    stop_if_not_recovered: bool = Field(
        default=False, description="An unrecovered recheck after the minimum hold stops the drug"
    )
    max_holds: int | None = Field(default=None, ge=1, description="More holds than this: stop")
    resume_text: str = Field(default="resume at the same dose")
    follows: list[str] = Field(
        default_factory=list,
        description="Tables whose hold or stop also holds or stops this table's drugs",
    )
    follows_sources: list[SourceRef] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _complete(self) -> CardiacTable:
        if self.encoded and not self.hold_when and not self.stop_when:
            raise ValueError("an encoded table needs hold_when or stop_when rules")
        if not self.encoded and not self.not_encoded_reason:
            raise ValueError("a table that is not encoded must say why")
        if self.follows and not self.follows_sources:
            raise ValueError("'follows' needs 'follows_sources'")
        return self

    def needs_lln(self) -> bool:
        triggers = [*self.stop_when, *self.hold_when, *self.recheck_when, *self.resume_when]
        return any(c.uses_lln() for t in triggers for c in t.any_of)


class MonitoringPlan(Sourced):
    """When LVEF is measured for a family of drugs."""

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    drugs: list[str] = Field(min_length=1)
    baseline_within_days: int = Field(
        ge=0, description="Baseline no earlier than this before dose 1"
    )
    during_every_months: int | None = Field(default=None, ge=1)
    at_completion: bool = False
    after_adjuvant_every_months: int | None = Field(default=None, ge=1)
    after_adjuvant_years: int | None = Field(default=None, ge=1)
    while_held_every_days: int | None = Field(default=None, ge=1)
    text: str


class CardiacKnowledge(Sourced):
    overdue_after_days: int = Field(ge=0, description="A check is overdue this long after due")
    severity_order: list[str] = Field(
        min_length=1, description="Actions from least to most strict; the strictest leads"
    )
    plans: list[MonitoringPlan] = Field(min_length=1)
    tables: list[CardiacTable] = Field(default_factory=list)

    def kb_check(self, kb: object) -> list[tuple[tuple[str | int, ...], str]]:
        problems: list[tuple[tuple[str | int, ...], str]] = []
        dosing = getattr(kb, "dosing", None)
        drugs = dosing.by_id() if dosing is not None else {}
        for i, t in enumerate(self.tables):
            for d in t.drugs:
                if drugs and d not in drugs:
                    problems.append((("tables", i, "drugs"), f"unknown drug '{d}'"))
            ids = {x.id for x in self.tables}
            for f in t.follows:
                if f not in ids:
                    problems.append((("tables", i, "follows"), f"unknown table '{f}'"))
            if t.needs_lln() is False and t.lln_default is not None:
                problems.append((("tables", i, "lln_default"), "LLN default but no LLN rule"))
        for i, p in enumerate(self.plans):
            for d in p.drugs:
                if drugs and d not in drugs:
                    problems.append((("plans", i, "drugs"), f"unknown drug '{d}'"))
        return problems
