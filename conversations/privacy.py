"""Mask what must never be stored or logged in full: card/NIK numbers and PIN-like numbers.

`mask_sensitive` runs on free text before it is kept, and again on every outbox row's text as
the last line of defence. Three passes, in this order:

1. Long numbers (15 or more digits, possibly grouped by spaces, dots, dashes or slashes in any
   mix: a NIK has 16, a KKS card 16-19) keep only their last 4 digits. A run of groups that reads
   as a list of dates or phone numbers ("01/12/2026 - 05/12/2026") is left alone.
2. A number of 4-8 digits after the word PIN, "pinnya", "sandi" or "password" becomes ******.
3. Any other isolated run of exactly 6 digits (a PIN typed on its own) becomes ******.
   "Isolated" means not touching a letter or digit. Left alone: ticket and case codes (ADU-...,
   KS-...), amounts (Rp 600000, 600000,-), a group of a longer number joined without spaces
   (0354-123456), a phone number's local part after its prefix ("(0354) 123456",
   "0812 345678"), and anything inside a web link.

Only ASCII digits count; text without them is returned unchanged.

`mask_child_names` hides a child's name after a word for a child (for success stories).
"""

from __future__ import annotations

import re

# Digit groups joined by spaces/tabs, or by a dot, dash or slash with optional spaces around it.
_JOIN = r"(?:[^\S\n]*[./\-][^\S\n]*|[^\S\n]+)"
_NUMBER = re.compile(rf"(?<![0-9])[0-9]+(?:{_JOIN}[0-9]+)*")
# A join with whitespace in it separates the pieces of a list ("0812-3456-7890 / 0813-...").
_LIST_JOIN = re.compile(r"[^\S\n]+[./\-]?[^\S\n]*|[./\-][^\S\n]+")
LONG_DIGITS = 15

_DMY = re.compile(r"([0-9]{1,2})([./\-])([0-9]{1,2})\2((?:19|20)[0-9]{2})")
_YMD = re.compile(r"((?:19|20)[0-9]{2})([./\-])([0-9]{1,2})\2([0-9]{1,2})")
_PHONE_DIGITS = re.compile(r"(?:0|62)[0-9]{8,12}")

# A number after the word PIN (or "pinnya", "PIN-nya", "kata sandi", "password"), up to three
# words between them: "pinnya 654321", "PIN987654", "pin: 1234 56", "pin atm saya 123456". The
# gap never crosses an asterisk: once a PIN is masked, the word must not reach the next number.
# A digit may touch the word ("pin1234pin5678"), so masking the first does not change the second.
_PIN_NUMBER = re.compile(
    r"(?i)(?<![^\W\d_])(?P<word>pin|sandi|password)(?:-?(?:nya|ku|mu))?(?![^\W\d_])"
    r"(?P<gap>[^\w*]*(?:[^\W\d_]+[^\w*]+){0,3}?)"
    r"(?P<num>[0-9](?:[ .\-]?[0-9]){3,7})(?![0-9])"
)

_SIX_DIGITS = re.compile(r"(?<![^\W_])[0-9]{6}(?![^\W_])")
_CODE_BEFORE = re.compile(r"(?i)(?<![^\W_])(?:ADU|KS)-$")
_AMOUNT_BEFORE = re.compile(r"(?i)(?<![^\W_])Rp\.?[^\S\n]*$")
_AMOUNT_AFTER = re.compile(r"(?i)^(?:,-|,00|[^\S\n]*(?:rupiah|rb|ribu)(?![^\W_]))")
_JOINED_BEFORE = re.compile(r"[0-9][./\-]$")
_JOINED_AFTER = re.compile(r"^[./\-][0-9]")
_PHONE_PREFIX_BEFORE = re.compile(
    r"(?<![^\W_])(?:\(0[0-9]{2,3}\)|0[0-9]{2,3}|\+?62[ \-]?[0-9]{2,4})[^\S\n]?$"
)
_URL_BEFORE = re.compile(r"(?i)(?:https?://|www\.)\S*$")
_LOOKBEHIND = 300  # characters of context examined before a 6-digit run
_ASCII_DIGIT = re.compile(r"[0-9]")


# C0 controls but tab and newline, DEL, C1 controls: PostgreSQL rejects NUL in text, and none of
# them belongs in a message or a roster field.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def strip_control_chars(text: str) -> str:
    """The text without control characters (a carriage return becomes nothing too)."""
    return _CONTROL.sub("", text)


def mask_digits(number: str) -> str:
    """All digits but the last 4 as asterisks; the separators go."""
    digits = re.sub(r"[^0-9]", "", number)
    return "*" * (len(digits) - 4) + digits[-4:]


def digit_runs(text: str) -> list[str]:
    """The digits of each number in `text`, its groups joined (so "3503 1241" is "35031241")."""
    return [re.sub(r"[^0-9]", "", m.group(0)) for m in _NUMBER.finditer(text)]


def _harmless_piece(piece: str) -> bool:
    """A calendar date (12/12/2026, 2026-12-03) or a phone number (0812-3456-7890)."""
    if match := _DMY.fullmatch(piece):
        day, month = int(match.group(1)), int(match.group(3))
        return 1 <= day <= 31 and 1 <= month <= 12
    if match := _YMD.fullmatch(piece):
        month, day = int(match.group(3)), int(match.group(4))
        return 1 <= day <= 31 and 1 <= month <= 12
    return _PHONE_DIGITS.fullmatch(re.sub(r"[^0-9]", "", piece)) is not None


def _reads_as_list(number: str) -> bool:
    """True for several dates or phone numbers in a row, which only look long together."""
    pieces = _LIST_JOIN.split(number)
    return len(pieces) > 1 and all(_harmless_piece(piece) for piece in pieces)


def _mask_long(match: re.Match[str]) -> str:
    number = match.group(0)
    digits = sum("0" <= c <= "9" for c in number)
    if digits < LONG_DIGITS or _reads_as_list(number):
        return number
    return mask_digits(number)


def _mask_six(match: re.Match[str]) -> str:
    text, start, end = match.string, match.start(), match.end()
    before = text[max(0, start - _LOOKBEHIND) : start]
    after = text[end : end + 12]
    keep = (
        _CODE_BEFORE.search(before)
        or _AMOUNT_BEFORE.search(before)
        or _AMOUNT_AFTER.search(after)
        or _JOINED_BEFORE.search(before)
        or _JOINED_AFTER.search(after)
        or _PHONE_PREFIX_BEFORE.search(before)
        or _URL_BEFORE.search(before)
    )
    return match.group(0) if keep else "******"


def mask_sensitive(text: str) -> str:
    """`text` with NIK/card numbers cut to their last 4 digits and PIN-like numbers hidden."""
    if _ASCII_DIGIT.search(text) is None:  # most text (every option label) has no digit
        return text
    text = _NUMBER.sub(_mask_long, text)
    text = _PIN_NUMBER.sub(lambda m: m.string[m.start() : m.start("num")] + "******", text)
    return _SIX_DIGITS.sub(_mask_six, text)


# -- children's names ---------------------------------------------------------------------
# A success story about a KPM family must never keep a child's name. A name is a capitalised
# word ("Budi", "Siti", an initial "B.") right after a word for a child: "anaknya Budi",
# "si Ayu", "putri bungsunya Rina Sari", "An. Dimas", "anak-anaknya Budi dan Sinta"; after
# "bernama" or "namanya" any word counts ("anak yang bernama budi"). Acronyms stay ("anak SD",
# "balita PAUD"), and so do the parents named by a title ("anak Bu Sri" is about Bu Sri).
NAME_MASK = "[nama]"
_CHILD = (
    r"(?<![^\W\d_])(?i:anak(?:-anak)?|putra|putri|adik|adek|balita|bayi|cucu)(?i:nya|ku|mu)?"
    r"(?![^\W\d_])|(?<![^\W\d_])(?i:si)(?![^\W\d_])|(?<![^\W\d_])(?i:an\.)"
)
_GAP = r"(?:[^\S\n]*:[^\S\n]*|[^\S\n]+)"
_CONNECTOR = (
    r"(?i:pertama|kedua|ketiga|keempat|kelima|sulung|bungsu|tengah|laki-laki|perempuan"
    r"|kandung|angkat|tiri|yang|ke-?[0-9]+)(?i:nya)?"
)
_TITLE = r"(?:Bu|Ibu|Pak|Bapak|Mbak|Mas|Bpk|Sdr)(?![^\W\d_])"
_WORD = r"[A-Z](?:[a-z][A-Za-z'\-]*|\.)?(?![A-Za-z0-9])"
_NAMES = rf"(?!{_TITLE}){_WORD}(?:[^\S\n]+(?!{_TITLE}){_WORD})*"
_NAME_LIST = rf"{_NAMES}(?:(?:[^\S\n]*[,&][^\S\n]*|[^\S\n]+(?i:dan)[^\S\n]+){_NAMES})*"
_CHILD_NAME = re.compile(
    rf"(?P<lead>(?:{_CHILD}){_GAP}(?:{_CONNECTOR}{_GAP}){{0,3}})"
    rf"(?:(?P<named>(?i:bernama|namanya){_GAP})(?P<any>[^\W\d_][\w'\-]*\.?)|{_NAME_LIST})"
)


def _name_masked(match: re.Match[str]) -> str:
    return match.group("lead") + (match.group("named") or "") + NAME_MASK


def mask_child_names(text: str) -> str:
    """`text` with every name right after a word for a child replaced by "[nama]"."""
    return _CHILD_NAME.sub(_name_masked, text)
