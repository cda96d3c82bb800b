"""The import's fast path for Japanese numbers gives exactly what phonenumbers gives.

normalize_phone skips phonenumbers' parse for a number written "0" + 9 or 10 digits with hyphens
or spaces (a third of a million-row import's time went into the parse). Every search and every
stored search column depends on the two agreeing, so they are compared here on every prefix
of up to three digits after the trunk "0", both lengths and the ways a clerk or a CRM writes a
number; a phonenumbers release that changed its answer for such a number fails this test.
"""

from __future__ import annotations

import random

import pytest

from consent_app.normalize import _domestic_e164, _parsed_e164, normalize_phone


def _written_forms(digits: str) -> list[str]:
    a, b = digits[:3], digits[3:]
    return [
        digits,
        f"{a}-{b[:-4]}-{b[-4:]}",
        f"{digits[:2]}-{digits[2:-4]}-{digits[-4:]}",
        f"{digits[:4]}-{digits[4:-4]}-{digits[-4:]}",
        f"{digits[:5]}-{digits[5:-4]}-{digits[-4:]}",
        f"{a} {b[:-4]} {b[-4:]}",
        f"{digits} ",
        f"{digits}-",
    ]


def _numbers() -> list[str]:
    rng = random.Random(20261202)
    numbers = []
    for prefix in range(1000):
        for length in (10, 11):
            head = f"0{prefix:03d}"
            tail = "".join(rng.choice("0123456789") for _ in range(length - len(head)))
            numbers.append(head + tail)
    return numbers


@pytest.mark.parametrize("length", [10, 11])
def test_the_fast_path_agrees_with_phonenumbers_on_every_prefix(length):
    taken = 0
    for digits in (n for n in _numbers() if len(n) == length):
        for text in _written_forms(digits):
            fast = _domestic_e164(text)
            if fast:
                taken += 1
                assert fast == _parsed_e164(text), text
    # Most Japanese numbers take the fast path (every prefix but 00… and 010…).
    assert taken > 6000


@pytest.mark.parametrize(
    "text",
    ["0101234567890", "0012345678", "0001234567", "090-1234-56", "+81 90 1234 5678",
     "090ー1234ー5678", "03(1234)5678", "090-1234-5678 内線12"],
)  # fmt: skip
def test_other_numbers_go_through_phonenumbers(text):
    assert _domestic_e164(text) == ""
    assert normalize_phone(text) == _parsed_e164(text)


def test_a_domestic_number_and_its_international_form_are_one_number():
    assert (
        normalize_phone("090-1234-5678") == normalize_phone("+81 90 1234 5678") == "+819012345678"
    )
