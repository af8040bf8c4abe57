"""The kode cek: a short code given with a ticket, kept only as a salted hash.

A kode cek has 4 digits, 10,000 values. No hash makes so few values hard to search once the
table is read: PBKDF2 with 100,000 rounds (what was used before) takes a laptop a few minutes
for all of them. What protects a kode cek is that a guess must come through the chat, where
wrong answers are throttled per number and per ticket (`handlers.complaints.status`). The hash
only keeps the code out of sight of whoever browses the table, so it is one salted HMAC-SHA256:
microseconds, where 100,000 rounds cost 50-70 ms of CPU on every complaint filed and on every
status check, and made a wrong code on a real ticket measurably slower to answer than an
unknown ticket (the answers must teach nothing).

Stored as ``hmac-sha256$<salt>$<digest>``; hashes stored before, ``<salt>$<digest>`` with
PBKDF2, still match.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from conversations.flows.complaint_followup import CHECK_CODE_DIGITS

SCHEME = "hmac-sha256"
_SALT_BYTES = 16
_LEGACY_ROUNDS = 100_000


def new_check_code() -> str:
    return "".join(secrets.choice("0123456789") for _ in range(CHECK_CODE_DIGITS))


def _digest(code: str, salt: bytes) -> str:
    return hmac.new(salt, code.encode(), hashlib.sha256).hexdigest()


def hash_check_code(code: str) -> str:
    salt = secrets.token_bytes(_SALT_BYTES)
    return f"{SCHEME}${salt.hex()}${_digest(code, salt)}"


def check_code_matches(code: str, stored: str) -> bool:
    parts = stored.split("$")
    try:
        if len(parts) == 3 and parts[0] == SCHEME:
            expected = _digest(code, bytes.fromhex(parts[1]))
        elif len(parts) == 2:  # a hash stored before the scheme was named
            salt = bytes.fromhex(parts[0])
            expected = hashlib.pbkdf2_hmac("sha256", code.encode(), salt, _LEGACY_ROUNDS).hex()
        else:
            return False
    except ValueError:  # not hex: no code matches a damaged hash
        return False
    return hmac.compare_digest(expected.encode(), parts[-1].encode())
