"""Knowledge-base models for adverse-event management per product label.

Each file under ``knowledge/adverse_events/`` holds the rules of one label
(``products`` lists every product that carries the same text, e.g. the IV
trastuzumab biosimilars).  A rule is keyed by event type and CTCAE grade, may
ask for a fact about the event (``when``), and says what to do now
(``action``), when treatment may restart (``resume_when``) and at which dose
level (``resume``: branches by days from onset to resolution).

Dose levels are the product's reduction ladder from the dosing knowledge
(``knowledge/dosing/``): level 0 is the starting dose, level 1 the first reduction,
and so on; ``_dose_levels.yaml`` only says where a reduction below the lowest level
is not "stop".  Rules speak only
of levels (``same_level``, ``one_level_lower``, ``stop``); the engine walks the
ladder.  Where a label has no graded rule for an event the knowledge base says
nothing, and the engine answers "not covered by the label".
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, model_validator

from her2path.kb.provenance import KBModel, Sourced


class EventType(StrEnum):
    """Adverse-event types the knowledge base has rules for (CTCAE terms, simplified)."""

    ild_pneumonitis = "ild_pneumonitis"
    ards = "ards"
    infusion_reaction = "infusion_reaction"
    hypersensitivity = "hypersensitivity"
    alt_ast_increased = "alt_ast_increased"
    bilirubin_increased = "bilirubin_increased"
    transaminases_with_bilirubin = "transaminases_with_bilirubin"
    nodular_regenerative_hyperplasia = "nodular_regenerative_hyperplasia"
    thrombocytopenia = "thrombocytopenia"
    neutropenia = "neutropenia"
    febrile_neutropenia = "febrile_neutropenia"
    diarrhoea = "diarrhoea"
    peripheral_neuropathy = "peripheral_neuropathy"
    left_ventricular_dysfunction = "left_ventricular_dysfunction"
    other = "other"


class Modifier(StrEnum):
    """Facts about an event that some labels use to choose the action."""

    anaphylaxis = "anaphylaxis"
    angioedema = "angioedema"
    dyspnoea_or_hypotension = "dyspnoea_or_hypotension"
    on_antidiarrhoeal_treatment = "on_antidiarrhoeal_treatment"
    recurrent_after_reduction = "recurrent_after_reduction"


class EventSetting(StrEnum):
    """Disease setting, for labels whose tables differ between early and metastatic disease."""

    early = "early"
    metastatic = "metastatic"


class Action(StrEnum):
    """What to do now (``resume_treatment`` only appears as the net result of a restart)."""

    continue_treatment = "continue_treatment"
    slow_infusion = "slow_infusion"
    slow_or_interrupt_infusion = "slow_or_interrupt_infusion"
    interrupt_infusion = "interrupt_infusion"
    withhold = "withhold"
    discontinue_permanently = "discontinue_permanently"
    see_cardiac_rules = "see_cardiac_rules"
    resume_treatment = "resume_treatment"


class ResumeLevel(StrEnum):
    """The dose level to restart at, relative to the level before the event."""

    same_level = "same_level"
    one_level_lower = "one_level_lower"
    stop = "stop"


class BeyondLowest(StrEnum):
    """What the label says when a reduction below the lowest level is needed."""

    discontinue = "discontinue"
    not_covered = "not_covered"


class Conditions(KBModel):
    """Extra facts a rule needs besides event type and grade; all must hold."""

    modifiers: dict[Modifier, bool] = Field(default_factory=dict)
    setting: EventSetting | None = None


class ResumeBranch(KBModel):
    """One restart branch; the first whose day limits hold applies.

    ``within_days``: resolution no later than this many days after onset (inclusive).
    No limit means "otherwise".
    """

    within_days: int | None = Field(default=None, ge=0, le=365)
    resume_at: ResumeLevel
    text: str = Field(min_length=3)


class Rule(Sourced):
    id: str = Field(pattern=r"^[a-z0-9_]+(\.[a-z0-9_]+)+$")
    event: EventType
    grades: list[int] | None = Field(
        default=None, description="CTCAE grades the rule covers; absent = any grade"
    )
    when: Conditions = Field(default_factory=Conditions)
    action: Action
    text: str = Field(min_length=3, description="The rule in plain words, with label thresholds")
    resume_when: str | None = Field(
        default=None, description="The recovery the label asks for before restarting"
    )
    resume: list[ResumeBranch] = Field(default_factory=list)
    supportive: list[str] = Field(default_factory=list, description="Measures the label names")
    next_check: str | None = None
    see: str | None = Field(
        default=None, description="Reference to another rule set, e.g. cardiac:kadcyla"
    )

    @model_validator(mode="after")
    def _shape(self) -> Rule:
        if self.grades is not None:
            bad = [g for g in self.grades if not 1 <= g <= 5]
            if bad or not self.grades:
                raise ValueError("grades must be CTCAE grades 1-5 (or leave out for any grade)")
        if self.action is Action.see_cardiac_rules and not self.see:
            raise ValueError("a see_cardiac_rules rule needs 'see'")
        if self.resume:
            if self.action is not Action.withhold:
                raise ValueError("'resume' branches belong to a 'withhold' rule")
            for b in self.resume[:-1]:
                if b.within_days is None:
                    raise ValueError("only the last resume branch may be open-ended")
            days = [b.within_days for b in self.resume if b.within_days is not None]
            if days != sorted(days):
                raise ValueError("resume branches must be ordered by within_days")
        return self


class Prophylaxis(Sourced):
    """One row of a prophylaxis schedule by treatment day (day 1 = first dose)."""

    id: str = Field(pattern=r"^[a-z0-9_]+(\.[a-z0-9_]+)+$")
    first_day: int = Field(ge=1)
    last_day: int | None = Field(default=None, ge=1, description="None: until discontinuation")
    text: str = Field(min_length=3)
    applies_when: str | None = None


class ProductEvents(Sourced):
    """The adverse-event rules of one label, for every product carrying that text."""

    label: str = Field(min_length=2, description="Short name of the label the rules come from")
    products: list[str] = Field(min_length=1)
    rules: list[Rule] = Field(default_factory=list)
    prophylaxis: list[Prophylaxis] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_ids(self) -> ProductEvents:
        ids = [r.id for r in self.rules] + [p.id for p in self.prophylaxis]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise ValueError(f"duplicate rule ids: {', '.join(dup)}")
        return self


class DoseLevel(KBModel):
    level: int = Field(ge=0)
    dose: str = Field(min_length=1)


class Ladder(Sourced):
    """A product's dose-reduction ladder as the adverse-event engine walks it.

    Built from the dosing knowledge (``knowledge/dosing/``) by
    :func:`her2path.engine.events.ladders_for`, with this section's policy for what a
    reduction below the lowest level means.  Level 0 is the starting dose.
    """

    id: str = Field(pattern=r"^[a-z0-9_.+]+$")
    product: str
    variants: list[str] = Field(
        default_factory=list, description="Dose spec ids the ladder applies to"
    )
    levels: list[DoseLevel] = Field(default_factory=list)
    reductions_allowed: bool = True
    re_escalation_forbidden: bool = True
    beyond_lowest: BeyondLowest = BeyondLowest.discontinue
    verified: bool = Field(default=True, description="False when a source is unverified (M)")

    @model_validator(mode="after")
    def _levels(self) -> Ladder:
        if [d.level for d in self.levels] != list(range(len(self.levels))):
            raise ValueError("levels must be numbered 0, 1, 2, ... in order")
        return self


class LadderPolicy(Sourced):
    """What a reduction below a product's lowest level means, where not 'stop'."""

    products: list[str] = Field(min_length=1)
    beyond_lowest: BeyondLowest
    text: str = Field(min_length=3)


class DoseLevels(KBModel):
    policies: list[LadderPolicy] = Field(default_factory=list)

    def policy_for(self, product: str) -> LadderPolicy | None:
        for p in self.policies:
            if product in p.products:
                return p
        return None


class AdverseEventKnowledge(KBModel):
    dose_levels: DoseLevels
    products: list[ProductEvents] = Field(default_factory=list)

    def for_product(self, product: str) -> ProductEvents | None:
        for p in self.products:
            if product in p.products:
                return p
        return None

    def known_products(self) -> list[str]:
        return sorted({pid for p in self.products for pid in p.products})

    def kb_check(self, kb: object) -> list[tuple[tuple[str | int, ...], str]]:
        found: list[tuple[tuple[str | int, ...], str]] = []
        known = {p.id for p in getattr(kb, "products", [])}
        dosing = getattr(kb, "dosing", None)
        reductions: dict[str, bool] | None = (
            {pid: bool(d.reductions) for pid, d in dosing.by_id().items()}
            if dosing is not None
            else None
        )
        cardiac = getattr(kb, "cardiac", None)
        cardiac_drugs: set[str] | None = (
            {d for t in cardiac.tables for d in t.drugs} if cardiac is not None else None
        )
        seen: dict[str, int] = {}
        for i, p in enumerate(self.products):
            for pid in p.products:
                if known and pid not in known:
                    found.append((("products", i), f"unknown product id '{pid}'"))
                if pid in seen:
                    found.append((("products", i), f"product '{pid}' is in two rule files"))
                seen[pid] = i
            for j, r in enumerate(p.rules):
                lowers = any(b.resume_at is ResumeLevel.one_level_lower for b in r.resume)
                for pid in p.products if lowers else []:
                    if reductions is not None and not reductions.get(pid):
                        found.append(
                            (
                                ("products", i, "rules", j),
                                f"rule reduces a level but product '{pid}' has no reduction "
                                "ladder in the dosing knowledge",
                            )
                        )
                tables = cardiac_drugs
                if r.action is Action.see_cardiac_rules and tables is not None:
                    for pid in p.products:
                        if pid not in tables:
                            found.append(
                                (
                                    ("products", i, "rules", j),
                                    f"no cardiac table governs product '{pid}'",
                                )
                            )
        for k, pol in enumerate(self.dose_levels.policies):
            for pid in pol.products:
                if known and pid not in known:
                    found.append((("dose_levels", "policies", k), f"unknown product id '{pid}'"))
        return found
