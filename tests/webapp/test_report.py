"""The patient report: plain language (grade <= 8), the care-team note, sourced texts, PDF."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import textstat

from her2path.api.engine import assess_patient
from her2path.kb import KnowledgeBase
from her2path.kb.her2 import ExpressionCategory
from her2path.report import build_report, render_html, render_pdf
from her2path.report.render import plain_text
from her2path.store import PatientStore, open_database
from her2path.store.demo import load_demo

MAX_GRADE = 8.0
FIXED_PRODUCTS = {
    "herceptin", "hercessi", "herzuma", "kanjinti", "ogivri", "ontruzant", "trazimera",
    "herceptin_hylecta", "perjeta", "phesgo", "kadcyla", "enhertu", "tukysa", "nerlynx",
    "tykerb", "margenza", "keytruda",
}  # fmt: skip


@pytest.fixture(autouse=True)
def offline_syllables(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """textstat looks words up in the CMU dictionary, which it downloads on first use.

    Tests run offline, so textstat's own fallback (pyphen hyphenation) counts syllables;
    :func:`grades` adds a second, independent count (vowel groups) and both must pass.
    """
    from textstat.backend.counts import _count_syllables

    monkeypatch.setattr(_count_syllables, "get_cmudict", lambda _lang: None)
    _count_syllables.count_syllables.cache_clear()  # type: ignore[attr-defined]
    yield
    _count_syllables.count_syllables.cache_clear()  # type: ignore[attr-defined]


def _vowel_group_syllables(word: str) -> int:
    w = word.lower()
    groups = len(re.findall(r"[aeiouy]+", w))
    if w.endswith("e") and not w.endswith(("le", "ee")) and groups > 1:
        groups -= 1
    return max(groups, 1)


def grades(text: str) -> tuple[float, float]:
    """Flesch-Kincaid grade by textstat, and by the same formula with vowel-group syllables."""
    words = re.findall(r"[A-Za-z]+(?:'[a-z]+)?", text)
    sentences = max(len(re.findall(r"[.!?]+(?:\s|$)", text)), 1)
    syllables = sum(_vowel_group_syllables(w) for w in words)
    own = 0.39 * len(words) / sentences + 11.8 * syllables / max(len(words), 1) - 15.59
    return float(textstat.flesch_kincaid_grade(text)), own


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> PatientStore:
    db = open_database(f"sqlite:///{tmp_path_factory.mktemp('r') / 'r.db'}")
    store = PatientStore(db)
    assert load_demo(store) > 0
    assert load_demo(store) == 0  # idempotent
    return store


def _reports(kb: KnowledgeBase, store: PatientStore) -> list[str]:
    texts = []
    for summary in store.search():
        stored = store.get(summary.id)
        a = assess_patient(kb, stored.patient, date(2026, 11, 1))
        texts.append(plain_text(build_report(kb, stored, a)))
    return texts


def test_every_demo_report_reads_at_grade_8_or_below(
    kb: KnowledgeBase, demo_store: PatientStore
) -> None:
    for text in _reports(kb, demo_store):
        by_textstat, by_vowels = grades(text)
        assert by_textstat <= MAX_GRADE, f"grade {by_textstat:.1f}: {text[:120]}"
        assert by_vowels <= MAX_GRADE, f"grade {by_vowels:.1f}: {text[:120]}"


def test_each_patient_text_alone_reads_at_grade_8_or_below(kb: KnowledgeBase) -> None:
    info = kb.patient_info
    texts = [c.text for c in info.her2_categories] + [s.text for s in info.her2_statuses]
    texts += [info.heart_checks.text, info.supports_not_replaces.text, info.no_options_yet.text]
    texts += [info.paused.text, info.general_call.text]
    for p in info.products:
        block = " ".join(
            [p.how_given, p.time_in_chair, p.pregnancy, p.breastfeeding, p.heart or ""]
            + [f"{e}." for e in p.common_effects + p.call_right_away]
        )
        texts.append(block)
    for t in texts:
        assert max(grades(t)) <= MAX_GRADE, f"{grades(t)}: {t}"


def test_report_says_it_supports_not_replaces_the_care_team(
    kb: KnowledgeBase, demo_store: PatientStore
) -> None:
    for text in _reports(kb, demo_store):
        assert "does not replace" in text


def test_report_explains_the_medicine_given_with_its_sources(
    kb: KnowledgeBase, demo_store: PatientStore
) -> None:
    stored = demo_store.get("demo-phesgo-neoadj")
    a = assess_patient(kb, stored.patient, date(2026, 10, 1))
    report = build_report(kb, stored, a)
    assert [m.id for m in report.medicines] == ["phesgo"]
    assert "thigh" in report.medicines[0].how_given
    assert any(s.source == "PHE-PI" for s in report.medicines[0].sources)
    assert report.her2_title == "HER2-positive"
    html = render_html(report)
    assert "7 months" in html and "Questions to ask your doctor" in html


def test_patient_texts_cover_every_category_and_only_known_products(kb: KnowledgeBase) -> None:
    info = kb.patient_info
    assert {c.category for c in info.her2_categories} == set(ExpressionCategory)
    for p in info.products:
        assert set(p.applies_to) <= FIXED_PRODUCTS
        assert p.sources and all(s.source in kb.registry.by_id() for s in p.sources)


def test_pdf_is_a_pdf_with_the_report_text(
    kb: KnowledgeBase, demo_store: PatientStore, tmp_path: Path
) -> None:
    stored = demo_store.get("demo-hp-early")
    a = assess_patient(kb, stored.patient, date(2026, 9, 1))
    pdf = render_pdf(build_report(kb, stored, a))
    assert pdf.startswith(b"%PDF")
    assert len(pdf) > 5000
