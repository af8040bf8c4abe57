"""The kode cek is kept as a salted hash that only its own code matches, in either stored form."""

from __future__ import annotations

import hashlib
import secrets

from hypothesis import given
from hypothesis import strategies as st

from handlers.complaints.check_codes import (
    SCHEME,
    check_code_matches,
    hash_check_code,
    new_check_code,
)

codes = st.text(alphabet="0123456789", min_size=4, max_size=4)


def test_a_new_code_is_four_digits() -> None:
    code = new_check_code()
    assert len(code) == 4 and code.isdigit()


@given(code=codes, other=codes)
def test_only_its_own_code_matches_a_hash(code: str, other: str) -> None:
    stored = hash_check_code(code)
    scheme, salt, digest = stored.split("$")
    assert (scheme, len(salt), len(digest)) == (SCHEME, 32, 64) and code not in (salt, digest)
    assert check_code_matches(code, stored)
    assert check_code_matches(other, stored) == (other == code)


def test_the_same_code_hashes_differently_each_time() -> None:
    assert hash_check_code("4821") != hash_check_code("4821")


def test_a_hash_stored_before_the_scheme_was_named_still_matches() -> None:
    salt = secrets.token_bytes(16)
    legacy = f"{salt.hex()}${hashlib.pbkdf2_hmac('sha256', b'4821', salt, 100_000).hex()}"
    assert check_code_matches("4821", legacy)
    assert not check_code_matches("4822", legacy)


@given(stored=st.text(max_size=80))
def test_a_damaged_hash_matches_nothing_and_raises_nothing(stored: str) -> None:
    assert check_code_matches("4821", stored) is False


def test_known_damaged_hashes_match_nothing() -> None:
    for stored in ("", "x", "zz$00", f"{SCHEME}$zz$00", f"{SCHEME}$00", "a$b$c$d", "x"):
        assert not check_code_matches("4821", stored)
