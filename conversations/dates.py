"""Dates as people type them in Bahasa Indonesia: "besok", "12/12", "12 Des 2026", "2026-12-12"."""

from __future__ import annotations

import re
from datetime import date, timedelta

from conversations.choices import normalise

MONTHS = {
    "januari": 1, "jan": 1, "februari": 2, "feb": 2, "pebruari": 2, "maret": 3, "mar": 3,
    "april": 4, "apr": 4, "mei": 5, "juni": 6, "jun": 6, "juli": 7, "jul": 7,
    "agustus": 8, "agu": 8, "agt": 8, "ags": 8, "aug": 8, "september": 9, "sep": 9, "sept": 9,
    "oktober": 10, "okt": 10, "oct": 10, "november": 11, "nov": 11, "nop": 11,
    "desember": 12, "des": 12, "dec": 12,
}  # fmt: skip
RELATIVE = {"hari ini": 0, "sekarang": 0, "besok": 1, "lusa": 2, "kemarin": -1}
_NUMERIC = re.compile(r"^(\d{1,2})[/\-.](\d{1,2})(?:[/\-.](\d{2}|\d{4}))?$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_WORDS = re.compile(r"^(\d{1,2}) ([a-z]+)(?: (\d{4}))?$")


def parse_date(text: str, today: date) -> date | None:
    """The date meant, or None. Without a year: the nearest such date (this year or next)."""
    raw = text.strip()
    iso = _ISO.match(raw)
    if iso:
        return _make(int(iso[1]), int(iso[2]), int(iso[3]))
    numeric = _NUMERIC.match(raw)
    if numeric:
        day, month, year = int(numeric[1]), int(numeric[2]), numeric[3]
        return _with_year(day, month, year, today)
    words = normalise(raw)
    if words in RELATIVE:
        return today + timedelta(days=RELATIVE[words])
    named = _WORDS.match(words)
    if named and named[2] in MONTHS:
        return _with_year(int(named[1]), MONTHS[named[2]], named[3], today)
    return None


def _with_year(day: int, month: int, year: str | None, today: date) -> date | None:
    if year is not None:
        full = int(year) + 2000 if len(year) == 2 else int(year)
        return _make(full, month, day)
    candidate = _make(today.year, month, day)
    if candidate is not None and candidate < today - timedelta(days=180):
        return _make(today.year + 1, month, day)
    if candidate is not None and candidate > today + timedelta(days=180):
        return _make(today.year - 1, month, day)
    return candidate


def _make(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None
