"""Property-based invariants of adverse-event answers (hypothesis)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from her2path.domain.events import AdverseEvent
from her2path.engine.events import NOT_COVERED, Outcome, ladders_for, manage_event
from her2path.errors import InputError
from her2path.kb import load_default
from her2path.kb.adverse_events import Action, EventSetting, EventType, Modifier, ResumeLevel

KB = load_default()
PRODUCTS = KB.adverse_events.known_products()
AS_OF = date(2026, 12, 31)


@st.composite
def events(draw: st.DrawFn) -> AdverseEvent:
    product = draw(st.sampled_from(PRODUCTS))
    ladders = ladders_for(KB, product)
    ladder = draw(st.sampled_from(ladders)) if ladders else None
    top = len(ladder.levels) - 1 if ladder else 0
    onset = date(2026, 1, 1) + timedelta(days=draw(st.integers(0, 300)))
    doc: dict[str, Any] = {
        "product": product,
        "type": draw(st.sampled_from(list(EventType))).value,
        "grade": draw(st.integers(1, 5)),
        "onset": onset,
        "dose_level": draw(st.integers(0, top)),
        "modifiers": draw(
            st.dictionaries(st.sampled_from(list(Modifier)).map(str), st.booleans(), max_size=3)
        ),
    }
    if ladder is not None and ladder.variants and draw(st.booleans()):
        doc["ladder"] = draw(st.sampled_from(ladder.variants))
    if draw(st.booleans()):
        doc["resolved"] = onset + timedelta(days=draw(st.integers(0, 60)))
    if draw(st.booleans()):
        doc["setting"] = draw(st.sampled_from(list(EventSetting))).value
    if draw(st.booleans()):
        doc["treatment_start"] = onset - timedelta(days=draw(st.integers(0, 400)))
    return AdverseEvent.model_validate(doc)


@settings(max_examples=400, deadline=None)
@given(ev=events())
def test_resumed_dose_is_never_above_the_dose_before_the_event(ev: AdverseEvent) -> None:
    a = manage_event(KB, ev, AS_OF)
    for opt in [*([a.resume] if a.resume else []), *a.resume_options]:
        if opt.dose_level is not None:
            assert opt.dose_level >= ev.dose_level  # a higher level number is a lower dose
        if opt.resume_at is ResumeLevel.one_level_lower and opt.dose_level is not None:
            assert opt.dose_level == ev.dose_level + 1


@settings(max_examples=400, deadline=None)
@given(ev=events())
def test_every_answer_carries_a_source_or_says_not_covered(ev: AdverseEvent) -> None:
    a = manage_event(KB, ev, AS_OF)
    assert a.sources
    assert a.kb_version == KB.version
    if a.outcome is Outcome.not_covered:
        assert NOT_COVERED in a.text and a.action is None
    elif a.outcome is Outcome.needs_information:
        assert a.missing and a.action is None
    else:
        assert a.action is not None
        assert a.rule_path and all(step.sources for step in a.rule_path)
        assert any(s.source != "HER2PATH" for s in a.sources)


@settings(max_examples=300, deadline=None)
@given(ev=events())
def test_stop_is_final(ev: AdverseEvent) -> None:
    a = manage_event(KB, ev, AS_OF)
    if a.action is Action.discontinue_permanently:
        assert a.resume is None and not a.resume_options
    if a.resume is not None and a.resume.resume_at is ResumeLevel.stop:
        assert a.final is Action.discontinue_permanently


@settings(max_examples=200, deadline=None)
@given(ev=events(), later=st.integers(0, 30))
def test_answer_is_deterministic_and_does_not_depend_on_when_asked(
    ev: AdverseEvent, later: int
) -> None:
    try:
        a = manage_event(KB, ev, AS_OF)
        b = manage_event(KB, ev, AS_OF + timedelta(days=later))
    except InputError:  # pragma: no cover - strategies keep dates before AS_OF
        raise
    assert a.model_dump(exclude={"as_of"}) == b.model_dump(exclude={"as_of"})
