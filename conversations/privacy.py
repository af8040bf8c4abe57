"""Mask what must never be stored or logged in full: card/NIK numbers and PIN-like numbers."""

from __future__ import annotations

import re

# 15 or more digits, possibly grouped by spaces, dots or dashes (NIK has 16, KKS card 16-19).
_LONG_NUMBER = re.compile(r"(?<!\d)(?:\d[ .\-]?){14,}\d(?!\d)")
# A number that follows the word PIN (or "kata sandi"), e.g. "pin saya 123456".
_PIN_NUMBER = re.compile(r"(?i)\b(pin|sandi|password)\b(\W+(?:\w+\W+){0,3}?)(\d[\d .\-]{2,10}\d)")


# C0 controls but tab and newline, DEL, C1 controls: PostgreSQL rejects NUL in text, and none of
# them belongs in a message or a roster field.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def strip_control_chars(text: str) -> str:
    """The text without control characters (a carriage return becomes nothing too)."""
    return _CONTROL.sub("", text)


def mask_digits(number: str) -> str:
    digits = re.sub(r"\D", "", number)
    return "*" * (len(digits) - 4) + digits[-4:]


def mask_sensitive(text: str) -> str:
    text = _LONG_NUMBER.sub(lambda m: mask_digits(m.group(0)), text)
    return _PIN_NUMBER.sub(lambda m: f"{m.group(1)}{m.group(2)}******", text)
