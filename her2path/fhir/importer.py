"""FHIR R4 / mCODE input: a Bundle, a list of resources or a CDS Hooks prefetch → patient.

Resources are recognised by their codes (knowledge/interop/codes.yaml), never by the
profile they declare.  Every resource that is not used is listed in ``ignored`` with
the reason, and every assumption the adapter makes is listed in ``notes``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import ValidationError

from her2path.adapters.validation import problems_from
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
from her2path.domain.patient import (
    TNM,
    Cancer,
    LVEFReading,
    Patient,
    Pregnancy,
    PregnancyStatus,
    ReceptorStatus,
    ReportedHer2,
    ReportedHer2Call,
    ReportedHer2Method,
    Sex,
    Therapy,
    TherapySetting,
)
from her2path.fhir.codes import CodeIndex, index_for
from her2path.fhir.model import (
    DrugExposure,
    ExposureKind,
    FhirImport,
    IgnoredItem,
    ImportedFacts,
    ImportNote,
    MissingFact,
)
from her2path.fhir.resources import (
    Coding,
    Resource,
    as_text,
    codings,
    concept_text,
    label,
    number,
    parse_date,
    period_end,
    period_start,
    quantity,
    ratio,
    reference_id,
    walk_resources,
)
from her2path.kb.her2 import IHCScore
from her2path.kb.interop import Answer, Concept, ObservationCode
from her2path.kb.model import KnowledgeBase

_UNUSABLE_STATUS = {"entered-in-error", "cancelled", "unknown"}
_MED_UNUSABLE = {"entered-in-error", "cancelled", "not-taken", "draft"}
_ID_BAD = re.compile(r"[^A-Za-z0-9._-]")

_IHC = {
    Answer.ihc_0: IHCScore.zero,
    Answer.ihc_1: IHCScore.one,
    Answer.ihc_2: IHCScore.two,
    Answer.ihc_3: IHCScore.three,
}
_CALL = {
    Answer.positive: ReportedHer2Call.positive,
    Answer.negative: ReportedHer2Call.negative,
    Answer.equivocal: ReportedHer2Call.equivocal,
    Answer.indeterminate: ReportedHer2Call.indeterminate,
    Answer.her2_low: ReportedHer2Call.low,
}
_RECEPTOR = {Answer.positive: ReceptorStatus.positive, Answer.negative: ReceptorStatus.negative}
_PREGNANCY = {
    Answer.pregnant: PregnancyStatus.pregnant,
    Answer.positive: PregnancyStatus.pregnant,
    Answer.not_pregnant: PregnancyStatus.not_pregnant,
    Answer.negative: PregnancyStatus.not_pregnant,
    Answer.unknown: PregnancyStatus.unknown,
}
_SEX = {"female": Sex.female, "male": Sex.male, "other": Sex.other}
_KIND = {
    "MedicationRequest": ExposureKind.request,
    "MedicationAdministration": ExposureKind.administration,
    "MedicationStatement": ExposureKind.statement,
}


@dataclass
class _Reader:
    kb: KnowledgeBase
    ix: CodeIndex
    by_ref: dict[str, Resource]
    facts: dict[str, Any] = field(default_factory=dict)
    her2_results: list[Her2Result] = field(default_factory=list)
    her2_reported: list[ReportedHer2] = field(default_factory=list)
    lvef: list[LVEFReading] = field(default_factory=list)
    exposures: list[DrugExposure] = field(default_factory=list)
    dated: dict[str, date | None] = field(default_factory=dict)
    tnm: dict[str, str] = field(default_factory=dict)
    ignored: list[IgnoredItem] = field(default_factory=list)
    notes: list[ImportNote] = field(default_factory=list)
    used: list[str] = field(default_factory=list)
    referenced: set[str] = field(default_factory=set)
    holders: dict[str, Resource] = field(default_factory=dict)

    # --- bookkeeping ------------------------------------------------------------
    def ignore(self, res: Resource, reason: str, code: Coding | None = None) -> None:
        self.ignored.append(
            IgnoredItem(resource=label(res), code=code.key() if code else None, reason=reason)
        )

    def note(self, res: Resource, text: str) -> None:
        self.notes.append(ImportNote(resource=label(res), text=text))

    def newer(self, key: str, when: date | None, res: Resource) -> bool:
        """Record ``res`` for ``key`` if it is at least as recent as what is held.

        A value it replaces is moved from the used resources to the ignored ones.
        """
        held = key in self.dated
        old = self.dated.get(key)
        if held and old is not None and (when is None or when < old):
            return False
        previous = self.holders.get(key)
        if previous is not None:
            name = label(previous)
            if name in self.used:
                self.used.remove(name)
            self.ignore(previous, f"an older {key.replace('_', ' ')}; the newest is used")
        self.dated[key] = when
        self.holders[key] = res
        return True

    # --- resources -----------------------------------------------------------------
    def other_patient(self, res: Resource) -> bool:
        """True when the resource names a patient other than the record's patient."""
        own = self.facts.get("source_patient")
        if own is None:
            return False
        for key in ("subject", "patient"):
            ref = reference_id(res.get(key))
            if ref is not None and ref.startswith("Patient/") and ref != f"Patient/{own}":
                return True
        return False

    def read(self, res: Resource) -> None:
        """Read one resource; it ends up either used or listed as ignored."""
        before = len(self.ignored)
        self.dispatch(res)
        kind = res.get("resourceType")
        name = label(res)
        dropped = any(i.resource == name for i in self.ignored[before:])
        if not dropped and kind not in ("Specimen", "Medication"):
            self.used.append(name)

    def dispatch(self, res: Resource) -> None:
        kind = res.get("resourceType")
        if kind != "Patient" and self.other_patient(res):
            self.ignore(res, "it belongs to another patient")
            return
        if kind == "Patient":
            self.patient(res)
        elif kind == "Observation":
            self.observation(res)
        elif kind == "Condition":
            self.condition(res)
        elif kind in _KIND:
            self.medication(res)
        elif kind in ("Specimen", "Medication"):
            return  # read through references
        elif kind == "OperationOutcome":
            self.ignore(res, "an OperationOutcome (the source could not deliver this data)")
        else:
            self.ignore(res, f"resource type {kind} is not read by her2path")

    def patient(self, res: Resource) -> None:
        if "patient_id" in self.facts:
            self.ignore(res, "a second Patient resource; the first one is used")
            return
        raw = as_text(res.get("id")) or "unknown"
        pid = _ID_BAD.sub("-", raw)[:64]
        if pid != raw:
            self.note(res, "the patient id was shortened or had characters replaced")
        self.facts["patient_id"] = pid
        gender = as_text(res.get("gender"))
        if gender in _SEX:
            self.facts["sex"] = _SEX[gender]
        birth = parse_date(res.get("birthDate"))
        if birth is not None:
            self.facts["birth_date"] = birth

    def observation(self, res: Resource) -> None:
        codes = codings(res.get("code"))
        oc = self.ix.observation(codes)
        if oc is None:
            first = codes[0] if codes else None
            self.ignore(res, "observation code is not one her2path reads", first)
            return
        status = as_text(res.get("status"))
        if status in _UNUSABLE_STATUS:
            self.ignore(res, f"status is '{status}'", _coding_of(oc))
            return
        handler = _OBSERVATION_HANDLERS[oc.concept]
        handler(self, res, oc)

    # --- observation handlers ------------------------------------------------------
    def when(self, res: Resource) -> date | None:
        d = (
            parse_date(res.get("effectiveDateTime"))
            or period_start(res.get("effectivePeriod"))
            or parse_date(res.get("effectiveInstant"))
        )
        if d is None:
            issued = parse_date(res.get("issued"))
            if issued is not None:
                self.note(res, "no effective date; the issued date is used")
                return issued
        return d

    def value_answer(self, res: Resource) -> Answer | None:
        cc = res.get("valueCodeableConcept")
        if cc is not None:
            found = self.ix.answer(codings(cc), concept_text(cc))
            if found is not None:
                return found
        text = as_text(res.get("valueString"))
        if text is not None:
            found = self.ix.text_answer(text)
            if found is not None:
                return found
        return None

    def interpretation(self, res: Resource) -> Answer | None:
        for cc in res.get("interpretation") or []:
            found = self.ix.answer(codings(cc), concept_text(cc))
            if found is not None:
                return found
        return None

    def value_number(self, res: Resource) -> float | None:
        q = quantity(res.get("valueQuantity"))
        if q is not None:
            return q.value
        r = ratio(res.get("valueRatio"))
        if r is not None:
            return r
        if "valueInteger" in res:
            return number(res.get("valueInteger"))
        return number(res.get("valueString"))

    def components(self, res: Resource) -> dict[Concept, float]:
        found: dict[Concept, float] = {}
        for comp in res.get("component") or []:
            if not isinstance(comp, Mapping):
                continue
            oc = self.ix.observation(codings(comp.get("code")))
            if oc is None:
                continue
            value = self.value_number(comp)
            if value is not None:
                found[oc.concept] = value
        return found

    def specimen(self, res: Resource, when: date) -> Specimen:
        policy = self.kb.interop.unrecorded_specimen
        ref = reference_id(res.get("specimen"))
        spec = self.by_ref.get(ref) if ref else None
        if ref is not None:
            self.referenced.add(ref)
        collected = None
        spec_id = None
        if spec is not None:
            coll = spec.get("collection")
            if isinstance(coll, Mapping):
                collected = parse_date(coll.get("collectedDateTime")) or period_start(
                    coll.get("collectedPeriod")
                )
            spec_id = (as_text(spec.get("id")) or "")[:64] or None
        elif ref is not None:
            spec_id = ref.split("/")[-1][:64]
        self.note(res, f"{policy.text} ({policy.origin}, {policy.procedure})")
        return Specimen(
            id=spec_id,
            origin=SpecimenOrigin(policy.origin),
            procedure=Procedure(policy.procedure),
            collected=collected or when,
        )

    def her2_ihc(self, res: Resource, oc: ObservationCode) -> None:
        when = self.when(res)
        answer = self.value_answer(res) or self.interpretation(res)
        score = _IHC.get(answer) if answer else None
        call = _CALL.get(answer) if answer else None
        if score is None and call is None:
            self.ignore(res, "HER2 IHC value could not be read", _coding_of(oc))
            return
        self.her2_reported.append(
            ReportedHer2(
                method=ReportedHer2Method.ihc,
                date=when,
                call=call,
                ihc_score=score.value if score else None,
                code=_key(oc),
                text=_short(concept_text(res.get("valueCodeableConcept"))),
            )
        )
        if score is None:
            return
        if when is None:
            self.note(res, "HER2 IHC score has no date; kept as reported, not interpreted")
            return
        self.her2_results.append(
            IHCResult(date=when, specimen=self.specimen(res, when), score=score)
        )

    def her2_ish(self, res: Resource, oc: ObservationCode) -> None:
        if oc.concept in (Concept.her2_copies, Concept.cep17_copies, Concept.cells_counted):
            self.ignore(
                res,
                "a single ISH count outside an ISH observation cannot be paired with the "
                "rest of its slide",
                _coding_of(oc),
            )
            return
        when = self.when(res)
        comps = self.components(res)
        value_ratio = self.value_number(res) if oc.concept is Concept.her2_ish_ratio else None
        if value_ratio is None and oc.concept is Concept.her2_ish:
            q = quantity(res.get("valueQuantity"))
            r = ratio(res.get("valueRatio"))
            value_ratio = r if r is not None else (q.value if q else None)
        answer = self.value_answer(res) or self.interpretation(res)
        call = _CALL.get(answer) if answer else None
        her2 = comps.get(Concept.her2_copies)
        cep17 = comps.get(Concept.cep17_copies)
        cells = comps.get(Concept.cells_counted)
        if value_ratio is None and her2 is None and call is None:
            self.ignore(res, "HER2 ISH value could not be read", _coding_of(oc))
            return
        try:
            reported = ReportedHer2(
                method=ReportedHer2Method.ish,
                date=when,
                call=call,
                ish_ratio=value_ratio,
                her2_copies=her2,
                cep17_copies=cep17,
                cells_counted=int(cells) if cells is not None else None,
                code=_key(oc),
                text=_short(as_text(res.get("valueString"))),
            )
        except ValidationError as exc:
            self.ignore(res, _first_problem(exc), _coding_of(oc))
            return
        self.her2_reported.append(reported)
        if when is None:
            self.note(res, "HER2 ISH result has no date; kept as reported, not interpreted")
            return
        if her2 is None or (value_ratio is None and cep17 is None):
            self.note(res, "HER2 ISH result lacks copy numbers; kept as reported, not interpreted")
            return
        try:
            count = ISHCount(
                ratio=value_ratio,
                her2_copies=her2,
                cep17_copies=cep17,
                cells_counted=reported.cells_counted,
            )
        except ValidationError as exc:
            self.note(res, f"kept as reported, not interpreted: {_first_problem(exc)}")
            return
        self.her2_results.append(
            DualProbeISHResult(date=when, specimen=self.specimen(res, when), count=count)
        )

    def her2_summary(self, res: Resource, oc: ObservationCode) -> None:
        answer = self.value_answer(res) or self.interpretation(res)
        call = _CALL.get(answer) if answer else None
        if call is None:
            self.ignore(res, "HER2 interpretation value could not be read", _coding_of(oc))
            return
        self.her2_reported.append(
            ReportedHer2(
                method=ReportedHer2Method.summary,
                date=self.when(res),
                call=call,
                code=_key(oc),
                text=_short(concept_text(res.get("valueCodeableConcept"))),
            )
        )

    def receptor(self, res: Resource, oc: ObservationCode) -> None:
        answer = self.value_answer(res) or self.interpretation(res)
        status = _RECEPTOR.get(answer) if answer else None
        if status is None:
            self.ignore(res, f"{oc.concept.value.upper()} value could not be read", _coding_of(oc))
            return
        if self.newer(oc.concept.value, self.when(res), res):
            self.facts[oc.concept.value] = status
        else:
            name = oc.concept.value.upper()
            self.ignore(res, f"an older {name} result; the newest is used", _coding_of(oc))

    def measured(self, res: Resource, oc: ObservationCode) -> tuple[float, date | None] | None:
        q = quantity(res.get("valueQuantity"))
        if q is None:
            self.ignore(res, "no numeric value", _coding_of(oc))
            return None
        unit = q.unit or ""
        factor = self.ix.units.get((oc.concept.value, unit))
        if factor is None:
            self.ignore(res, f"unit '{unit}' is not one her2path converts", _coding_of(oc))
            return None
        return q.value * factor.factor, self.when(res)

    def lvef_reading(self, res: Resource, oc: ObservationCode) -> None:
        got = self.measured(res, oc)
        if got is None:
            return
        value, when = got
        if when is None:
            self.ignore(res, "LVEF without a date cannot be placed in time", _coding_of(oc))
            return
        lln = None
        for rr in res.get("referenceRange") or []:
            if isinstance(rr, Mapping):
                low = quantity(rr.get("low"))
                if low is not None:
                    lln = low.value
        try:
            self.lvef.append(LVEFReading(date=when, percent=value, lln=lln))
        except ValidationError as exc:
            self.ignore(res, _first_problem(exc), _coding_of(oc))

    def body(self, res: Resource, oc: ObservationCode) -> None:
        got = self.measured(res, oc)
        if got is None:
            return
        value, when = got
        if not self.newer(oc.concept.value, when, res):
            self.ignore(res, f"an older {oc.concept.value}; the newest is used", _coding_of(oc))
            return
        if oc.concept is Concept.weight:
            self.facts["weight_kg"] = round(value, 2)
            self.facts["weight_date"] = when
        else:
            self.facts["height_cm"] = round(value, 1)

    def pregnancy(self, res: Resource, oc: ObservationCode) -> None:
        answer = self.value_answer(res) or self.interpretation(res)
        status = _PREGNANCY.get(answer) if answer else None
        if status is None:
            self.ignore(res, "pregnancy value could not be read", _coding_of(oc))
            return
        when = self.when(res)
        if self.newer("pregnancy", when, res):
            self.facts["pregnancy"] = Pregnancy(status=status, checked=when)
        else:
            self.ignore(res, "an older pregnancy result; the newest is used", _coding_of(oc))

    def staging(self, res: Resource, oc: ObservationCode) -> None:
        cc = res.get("valueCodeableConcept")
        stage = self.ix.stage(codings(cc))
        if stage is None:
            self.ignore(res, "stage value is not a code her2path maps", _coding_of(oc))
            return
        if stage.kind == "group":
            self.facts["stage"] = stage.value
            if stage.value == "IV":
                self.facts["metastatic"] = True
        else:
            self.tnm[stage.kind] = stage.value
            if stage.kind == "m" and stage.value.endswith(("M1", "M1a", "M1b", "M1c")):
                self.facts["metastatic"] = True

    # --- conditions ------------------------------------------------------------------
    def condition(self, res: Resource) -> None:
        codes = codings(res.get("code"))
        cc = self.ix.condition(codes)
        first = codes[0] if codes else None
        if cc is None:
            self.ignore(res, "condition code is not a cancer her2path reads", first)
            return
        verification = codings(res.get("verificationStatus"))
        if any(c.code in ("entered-in-error", "refuted") for c in verification):
            self.ignore(res, "verification status says the diagnosis does not stand", first)
            return
        onset = (
            parse_date(res.get("onsetDateTime"))
            or period_start(res.get("onsetPeriod"))
            or parse_date(res.get("recordedDate"))
        )
        if cc.kind == "secondary":
            self.facts["metastatic"] = True
            since = self.facts.get("metastatic_since")
            if onset is not None and (since is None or onset < since):
                self.facts["metastatic_since"] = onset
            return
        if "site" in self.facts and self.facts["site"] != cc.site:
            self.ignore(res, "a second primary cancer at another site; the first is used", first)
            return
        self.facts["site"] = TumourSite(cc.site) if cc.site else None
        if onset is not None:
            self.facts["diagnosis_date"] = onset
        for st in res.get("stage") or []:
            if isinstance(st, Mapping):
                found = self.ix.stage(codings(st.get("summary")))
                if found is not None and found.kind == "group":
                    self.facts.setdefault("stage", found.value)
                    if found.value == "IV":
                        self.facts["metastatic"] = True

    # --- medications -------------------------------------------------------------------
    def medication_codes(self, res: Resource) -> list[Coding]:
        cc = res.get("medicationCodeableConcept")
        if cc is not None:
            return codings(cc)
        ref = reference_id(res.get("medicationReference"))
        if ref is None:
            return []
        med = self.by_ref.get(ref)
        self.referenced.add(ref)
        if med is None:
            for contained in res.get("contained") or []:
                if isinstance(contained, Mapping) and f"#{contained.get('id')}" in (
                    ref,
                    ref.split("/")[-1],
                ):
                    med = contained
        return codings(med.get("code")) if med is not None else []

    def medication(self, res: Resource) -> None:
        exposure = read_exposure(self.ix, res, self.medication_codes(res))
        if isinstance(exposure, str):
            codes = self.medication_codes(res)
            self.ignore(res, exposure, codes[0] if codes else None)
            return
        if exposure.status in _MED_UNUSABLE:
            self.ignore(res, f"status is '{exposure.status}'", None)
            return
        self.exposures.append(exposure)


def read_exposure(ix: CodeIndex, res: Resource, codes: list[Coding]) -> DrugExposure | str:
    """A medication resource as a :class:`DrugExposure`, or the reason it cannot be read."""
    if not codes:
        return "no medication code (the order may not be filled in yet)"
    drug, ignored = ix.drug(codes)
    if drug is None:
        if ignored is not None:
            return f"RxNorm code {ignored.code} ignored: {ignored.reason.strip()}"
        if not any(ix.system_id(c.system) == ix.rxnorm for c in codes):
            return "medication is not coded in RxNorm"
        return "RxNorm code is not a drug the knowledge base covers"
    kind = _KIND[str(res.get("resourceType"))]
    if kind is ExposureKind.request:
        start = parse_date(res.get("authoredOn"))
        end = None
    else:
        start = parse_date(res.get("effectiveDateTime")) or period_start(res.get("effectivePeriod"))
        end = period_end(res.get("effectivePeriod"))
    return DrugExposure(
        resource=label(res),
        kind=kind,
        status=as_text(res.get("status")),
        code=drug.code,
        display=drug.display,
        product=drug.product,
        ingredients=list(drug.ingredients),
        start=start,
        end=end,
        dose_mg=ordered_dose_mg(res),
        stop_reason=_stop_reason(res),
    )


def _stop_reason(res: Resource) -> str | None:
    reasons = res.get("statusReason")
    items = reasons if isinstance(reasons, list) else [reasons]
    for cc in items:
        text = concept_text(cc) or next((c.display for c in codings(cc) if c.display), None)
        if text:
            return text[:200]
    return None


def ordered_dose_mg(res: Resource) -> float | None:
    """The dose of one administration or order, in mg, when it is given in mg."""
    q = None
    if res.get("resourceType") == "MedicationAdministration":
        dosage = res.get("dosage")
        if isinstance(dosage, Mapping):
            q = quantity(dosage.get("dose"))
    else:
        for di in res.get("dosageInstruction") or res.get("dosage") or []:
            if not isinstance(di, Mapping):
                continue
            for dr in di.get("doseAndRate") or []:
                if isinstance(dr, Mapping):
                    q = quantity(dr.get("doseQuantity"))
                    if q is not None:
                        break
            if q is not None:
                break
    if q is None:
        return None
    unit = (q.unit or "").lower()
    if unit == "mg":
        return q.value
    if unit == "g":
        return q.value * 1000
    return None


_OBSERVATION_HANDLERS = {
    Concept.her2_ihc: _Reader.her2_ihc,
    Concept.her2_ish: _Reader.her2_ish,
    Concept.her2_ish_ratio: _Reader.her2_ish,
    Concept.her2_interpretation: _Reader.her2_summary,
    Concept.her2_copies: _Reader.her2_ish,
    Concept.cep17_copies: _Reader.her2_ish,
    Concept.cells_counted: _Reader.her2_ish,
    Concept.er: _Reader.receptor,
    Concept.pr: _Reader.receptor,
    Concept.lvef: _Reader.lvef_reading,
    Concept.weight: _Reader.body,
    Concept.height: _Reader.body,
    Concept.pregnancy_status: _Reader.pregnancy,
    Concept.hcg: _Reader.pregnancy,
    Concept.stage_group: _Reader.staging,
    Concept.t_category: _Reader.staging,
    Concept.n_category: _Reader.staging,
    Concept.m_category: _Reader.staging,
}


def _coding_of(oc: ObservationCode) -> Coding:
    return Coding(oc.system, oc.code, oc.display)


def _key(oc: ObservationCode) -> str:
    return f"{oc.system}|{oc.code}"


def _short(text: str | None) -> str | None:
    return text[:200] if text else None


def _first_problem(exc: ValidationError) -> str:
    problems = problems_from(exc)
    return f"value out of range: {problems[0]}" if problems else "value out of range"


def _therapies(r: _Reader, facts: ImportedFacts) -> list[Therapy]:
    """Therapies from the exposures whose setting the record makes clear."""
    by_drug: dict[str, list[DrugExposure]] = {}
    for e in r.exposures:
        drug = e.product or e.ingredients[0]
        by_drug.setdefault(drug, []).append(e)
    found: list[Therapy] = []
    for drug, items in by_drug.items():
        starts = [e.start for e in items if e.start is not None]
        if not starts:
            r.notes.append(
                ImportNote(resource=items[0].resource, text=f"{drug}: no start date; not a therapy")
            )
            continue
        start = min(starts)
        since = facts.metastatic_since
        if not facts.metastatic or (since is not None and start < since):
            r.notes.append(
                ImportNote(
                    resource=items[0].resource,
                    text=f"{drug}: the record does not say in which setting it was given; "
                    "listed as an exposure only",
                )
            )
            continue
        found.append(Therapy(drug=drug, setting=TherapySetting.metastatic, start=start))
    return found


def _missing(facts: ImportedFacts) -> list[MissingFact]:
    needed = [
        ("id", facts.patient_id, "no Patient resource"),
        ("sex", facts.sex, "Patient.gender is absent or 'unknown'"),
        ("birth_date", facts.birth_date, "Patient.birthDate is absent or not a full date"),
        ("cancer.site", facts.site, "no primary cancer Condition with a code her2path maps"),
        (
            "cancer.setting",
            facts.setting,
            "the record does not show metastatic disease, and early settings "
            "(before or after surgery, residual disease) cannot be told from codes alone",
        ),
    ]
    return [MissingFact(field=f, text=t) for f, v, t in needed if v is None]


def import_fhir(kb: KnowledgeBase, data: Any) -> FhirImport:
    """Read FHIR R4 JSON (Bundle, list of resources or a prefetch mapping).

    Never raises on content: anything unusable is listed in ``ignored``, and the
    patient document is ``None`` (with ``missing`` saying why) when a required fact
    is absent.
    """
    resources = list(walk_resources(data))
    by_ref: dict[str, Resource] = {}
    for res in resources:
        by_ref[label(res)] = res
    r = _Reader(kb=kb, ix=index_for(kb), by_ref=by_ref)
    first_patient = next((p for p in resources if p.get("resourceType") == "Patient"), None)
    if first_patient is not None:
        r.facts["source_patient"] = as_text(first_patient.get("id"))
    for res in resources:
        r.read(res)
    tnm: TNM | None = None
    if r.tnm:
        try:
            tnm = TNM(t=r.tnm.get("t"), n=r.tnm.get("n"), m=r.tnm.get("m"))
        except ValidationError as exc:
            r.notes.append(ImportNote(resource="(staging)", text=_first_problem(exc)))
    for res in resources:
        if res.get("resourceType") in ("Specimen", "Medication"):
            if label(res) in r.referenced:
                r.used.append(label(res))
            else:
                r.ignore(res, "not referenced by any resource her2path reads")
    r.facts.pop("source_patient", None)
    facts = ImportedFacts(
        **r.facts,
        tnm=tnm,
        her2_results=r.her2_results,
        her2_reported=r.her2_reported,
        lvef=sorted(r.lvef, key=lambda x: x.date),
        exposures=r.exposures,
    )
    therapies = _therapies(r, facts)
    missing = _missing(facts)
    patient: Patient | None = None
    if not missing:
        patient, more = _build_patient(facts, therapies)
        missing += more
    return FhirImport(
        kb_version=kb.version,
        patient=patient,
        facts=facts,
        therapies=therapies,
        missing=missing,
        ignored=r.ignored,
        notes=r.notes,
        used=r.used,
    )


def _build_patient(
    facts: ImportedFacts, therapies: list[Therapy]
) -> tuple[Patient | None, list[MissingFact]]:
    assert facts.site is not None and facts.setting is not None
    assert facts.patient_id is not None and facts.sex is not None
    assert facts.birth_date is not None
    try:
        patient = Patient(
            id=facts.patient_id,
            sex=facts.sex,
            birth_date=facts.birth_date,
            weight_kg=facts.weight_kg,
            weight_date=facts.weight_date,
            height_cm=facts.height_cm,
            pregnancy=facts.pregnancy,
            cancer=Cancer(
                site=facts.site,
                setting=facts.setting,
                diagnosis_date=facts.diagnosis_date,
                stage=facts.stage,
                tnm=facts.tnm,
                er=facts.er,
                pr=facts.pr,
            ),
            her2_results=facts.her2_results,
            her2_reported=facts.her2_reported,
            lvef=facts.lvef,
            therapies=therapies,
        )
    except ValidationError as exc:
        return None, [MissingFact(field=p.where, text=p.message) for p in problems_from(exc)]
    return patient, []
