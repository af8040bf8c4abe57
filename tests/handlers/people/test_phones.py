"""Phone normalisation: every everyday form of an Indonesian mobile number gives one E.164."""

from __future__ import annotations

import re

import phonenumbers
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from handlers.people.phones import BadPhone, to_e164, try_e164

# Operator prefixes of Indonesian mobile numbers (Telkomsel, Indosat, XL, Axis, Tri, Smartfren).
PREFIXES = ("811", "812", "813", "821", "822", "823", "852", "853", "814", "815", "816", "855")
PREFIXES += ("856", "857", "858", "817", "818", "819", "859", "877", "878", "831", "838", "895")
PREFIXES += ("896", "897", "898", "899", "881", "882", "887", "888", "889")


@st.composite
def mobile_numbers(draw: st.DrawFn) -> str:
    """A valid national significant number, e.g. 81234567890 (no leading 0 or 62)."""
    subscriber = draw(st.text("0123456789", min_size=6, max_size=8))
    national = draw(st.sampled_from(PREFIXES)) + subscriber
    assume(phonenumbers.is_valid_number(phonenumbers.parse("+62" + national)))
    return national


@st.composite
def decorated(draw: st.DrawFn, digits: str) -> str:
    """The digits with spaces or dashes put between some of them, as people type them."""
    out = []
    for index, digit in enumerate(digits):
        if index and draw(st.integers(0, 3)) == 0:
            out.append(draw(st.sampled_from([" ", "-", " - ", "  "])))
        out.append(digit)
    return "".join(out)


@given(national=mobile_numbers(), data=st.data())
def test_every_everyday_form_gives_the_same_e164(national: str, data: st.DataObject) -> None:
    expected = "+62" + national
    grouped = f"{national[:3]}-{national[3:7]}-{national[7:]}"
    forms = [
        "0" + national,
        "62" + national,
        "+62" + national,
        f"+62 {grouped}",
        f"0{grouped}",
        "0" + data.draw(decorated(national)),
        "62" + data.draw(decorated(national)),
        "+62 " + data.draw(decorated(national)),
        f"whatsapp:+62{national}",
        f"  0{national}  ",
    ]
    assert {form: to_e164(form) for form in forms} == dict.fromkeys(forms, expected)


KNOWN_FORMS = ["0812-3456-7890", "081234567890", "6281234567890", "+62 812-3456-7890"]
KNOWN_FORMS += ["whatsapp:+6281234567890", "(0812) 3456 7890", "tel:+6281234567890"]


@pytest.mark.parametrize("raw", KNOWN_FORMS)
def test_known_forms(raw: str) -> None:
    assert to_e164(raw) == "+6281234567890"


@pytest.mark.parametrize("raw", ["", "   ", "halo", "0812", "12345", "+1", "08-", "62", "++62812"])
def test_not_numbers_are_bad_phones(raw: str) -> None:
    with pytest.raises(BadPhone):
        to_e164(raw)
    assert try_e164(raw) is None


E164 = re.compile(r"^\+[1-9]\d{6,14}$")


@given(st.text(max_size=40))
def test_garbage_never_crashes(raw: str) -> None:
    try:
        result = to_e164(raw)
    except BadPhone:
        return
    assert E164.match(result)
    assert phonenumbers.is_valid_number(phonenumbers.parse(result))


@given(st.text("0123456789+ -()whatsapp:", max_size=25))
def test_phone_like_garbage_never_crashes(raw: str) -> None:
    result = try_e164(raw)
    assert result is None or (E164.match(result) and to_e164(result) == result)
