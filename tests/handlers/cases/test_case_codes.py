"""Case codes from the bot and case labels from the pendamping: the label validator refuses any
long number however it is written, and codes have the promised shape."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conversations.engine import Invalid
from conversations.flows.case_update import is_new_case
from conversations.flows.validators import LABEL_MAX, a_case_label
from handlers.cases.updates import CODE_ALPHABET, new_case_code

SEPARATORS = st.sampled_from(["", "", " ", ".", "-", "/", " - ", " / "])
WORDS = st.lists(st.text(alphabet="abcdefgh BuSDesa.,", max_size=8), max_size=3)


@st.composite
def long_number(draw: st.DrawFn) -> str:
    digits = draw(st.from_regex(r"[0-9]{8,19}", fullmatch=True))
    typed = digits[0]
    for digit in digits[1:]:
        typed += draw(SEPARATORS) + digit
    return typed


@given(long_number(), WORDS, WORDS)
def test_a_label_with_a_long_number_is_refused_however_it_is_written(
    number: str, before: list[str], after: list[str]
) -> None:
    with pytest.raises(Invalid) as refused:
        a_case_label(" ".join([*before, number, *after]), {})
    assert refused.value.key == "case.label_number"


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz .,'ABCDEFGHIJ", min_size=3, max_size=60))
def test_a_label_of_words_is_kept_as_typed_but_for_spaces(label: str) -> None:
    cleaned = " ".join(label.split())
    if len(cleaned) < 3:
        with pytest.raises(Invalid):
            a_case_label(label, {})
    else:
        assert a_case_label(label, {}) == cleaned


@pytest.mark.parametrize(
    "label", ["Bu S., Desa Ngares", "Pak T., RT 02 RW 03", "Kel. Bu W. (2 anak)", "Bu S. 1234567"]
)
def test_ordinary_labels_are_accepted(label: str) -> None:
    assert a_case_label(f"  {label} ", {}) == label


def test_a_label_that_masking_makes_too_long_is_asked_again() -> None:
    label = "pin 1234 " * 6  # 54 characters; each 1234 becomes ******
    with pytest.raises(Invalid) as refused:
        a_case_label(label, {})
    assert refused.value.key == "conv.text_too_long"
    assert refused.value.params == {"max": LABEL_MAX}


def test_codes_have_the_promised_shape() -> None:
    codes = {new_case_code() for _ in range(500)}
    assert all(re.fullmatch(rf"KS-[{CODE_ALPHABET}]{{6}}", code) for code in codes)
    assert len(codes) > 490  # drawn at random, not counted up
    assert not any(c in CODE_ALPHABET for c in "01IO")


@pytest.mark.parametrize(
    ("chosen", "new"), [("kasus_baru", True), ("baru", True), ("12", False), (12, False)]
)
def test_a_case_is_chosen_by_id_and_anything_else_opens_a_new_one(
    chosen: object, new: bool
) -> None:
    """ "baru" was the value of "Kasus baru" before a release: a dialog spanning it still works."""
    assert is_new_case(chosen) is new
