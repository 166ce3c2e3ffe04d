from __future__ import annotations

from datetime import date

import pytest

from her2path.engine.reproductive import contraception_until, lactation_until, latest_until
from her2path.errors import InputError
from her2path.kb import KnowledgeBase


@pytest.mark.parametrize(
    ("product", "person", "until", "source"),
    [
        ("herceptin", "female", date(2026, 8, 31), "KANJ-PI"),
        ("phesgo", "female", date(2026, 8, 31), "PER-PI"),
        ("kadcyla", "male", date(2026, 5, 31), "KAD-PI"),
        ("enhertu", "female", date(2026, 8, 31), "ENH-PI"),
        ("margenza", "female", date(2026, 5, 31), "MAR-PI"),
        ("tukysa", "female", date(2026, 2, 7), "TUK-PI"),
        ("nerlynx", "female", date(2026, 2, 28), "NER-PI"),
        ("nerlynx", "male", date(2026, 4, 30), "NER-PI"),
    ],
)
def test_contraception_until(
    kb: KnowledgeBase, product: str, person: str, until: date, source: str
) -> None:
    a = contraception_until(kb, product, date(2026, 1, 31), person)
    assert a.until == until
    assert a.known and a.applies
    assert source in {s.source for s in a.sources}


def test_unverified_window_is_unknown(kb: KnowledgeBase) -> None:
    a = contraception_until(kb, "tykerb", date(2026, 1, 1), "female")
    assert a.until is None and not a.known
    assert {s.verification for s in a.sources} == {"M"}


def test_no_male_window_stated(kb: KnowledgeBase) -> None:
    a = contraception_until(kb, "herceptin", date(2026, 1, 1), "male")
    assert not a.applies and a.until is None


def test_unknown_product_is_an_input_error(kb: KnowledgeBase) -> None:
    with pytest.raises(InputError) as exc:
        contraception_until(kb, "herceptinx", date(2026, 1, 1), "female")
    assert exc.value.problems[0].where == "product"


def test_lactation_and_latest(kb: KnowledgeBase) -> None:
    last = date(2026, 3, 1)
    tuk = contraception_until(kb, "tukysa", last, "female")
    her = contraception_until(kb, "herceptin", last, "female")
    assert latest_until([tuk, her]) == her
    tyk = contraception_until(kb, "tykerb", last, "female")
    assert latest_until([tuk, tyk]) == tyk
    assert lactation_until(kb, "enhertu", last).until == date(2026, 10, 1)
