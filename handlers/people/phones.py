"""Indonesian phone numbers in any common form, normalised to E.164 with `phonenumbers`."""

from __future__ import annotations

import phonenumbers

DEFAULT_REGION = "ID"


class BadPhone(ValueError):
    pass


def to_e164(raw: str, region: str = DEFAULT_REGION) -> str:
    """`0812-3456-7890`, `62812…`, `+62 812…`, `whatsapp:+62…` → `+62812…`; BadPhone otherwise."""
    text = raw.strip()
    if text.lower().startswith(("whatsapp:", "tel:", "sms:")):
        text = text.split(":", 1)[1]
    digits = "".join(ch for ch in text if ch.isdigit())
    if not text.startswith("+") and digits.startswith("62"):
        text = "+" + digits
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise BadPhone(f"not a phone number: {raw!r}") from exc
    if not phonenumbers.is_valid_number(number):
        raise BadPhone(f"not a valid phone number: {raw!r}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def try_e164(raw: str) -> str | None:
    try:
        return to_e164(raw)
    except BadPhone:
        return None
