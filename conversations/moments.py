"""Moments as people type them when agreeing a time: "Kamis jam 10", "besok pagi",
"senin depan jam 13.30", "12/12 pukul 14:00", "jam 2 siang".

A moment is a day and a time of day. The day is "hari ini", "besok", "lusa", a weekday (the next
one to come; with "depan", the one in next week), or a date `parse_date` reads. The time is
"jam/pukul H", "H.MM" or "H:MM", optionally with a part of the day ("jam 2 siang" is 14:00), or a
part of the day alone ("pagi" 09:00, "siang" 13:00, "sore" 16:00, "malam" 19:00). With a time but
no day, the next such time today or tomorrow. Text that is not a moment, or a moment already
past, gives None: the caller keeps the words as they were typed.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time, timedelta

from conversations.dates import RELATIVE, parse_date

WEEKDAYS = {
    "senin": 0, "selasa": 1, "rabu": 2, "kamis": 3, "jumat": 4, "sabtu": 5, "minggu": 6, "ahad": 6,
}  # fmt: skip
PARTS_OF_DAY = {"pagi": time(9), "siang": time(13), "sore": time(16), "malam": time(19)}
NEXT_WEEK = "depan"
_CLOCK = re.compile(
    r"(?:\b(?:jam|pukul|pk)\s*(?P<h1>\d{1,2})(?:[.:](?P<m1>\d{2}))?)"
    r"|(?:\b(?P<h2>\d{1,2})[.:](?P<m2>\d{2})\b)"
)
_PART = re.compile(r"\b(pagi|siang|sore|malam)\b")
_FILLER = re.compile(r"\b(hari|tanggal|tgl|nanti|ini|pada|wib|wita|wit)\b")


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold().replace("jum'at", "jumat")
    return " ".join(text.replace(",", " ").split())


def _hour_in_part(hour: int, part: str | None) -> int | None:
    """The 24-hour hour meant by "jam `hour` `part`" ("jam 2 siang" -> 14), or None."""
    if not 0 <= hour <= 24:
        return None
    hour %= 24
    if part is None or hour >= 12 or hour == 0:
        return hour
    if part == "pagi":
        return hour
    if part == "siang":
        return hour + 12 if hour <= 5 else hour  # "jam 11 siang" is 11:00, "jam 1 siang" 13:00
    return hour + 12  # sore, malam


def _time_of_day(text: str) -> tuple[time | None, str] | None:
    """The time of day in `text` and the text without it; None when it is unreadable."""
    part_match = _PART.search(text)
    part = part_match.group(1) if part_match else None
    clock = _CLOCK.search(text)
    rest = text
    if clock is not None:
        hour_text = clock.group("h1") or clock.group("h2")
        minute_text = clock.group("m1") or clock.group("m2") or "0"
        hour = _hour_in_part(int(hour_text), part)
        minute = int(minute_text)
        if hour is None or minute > 59:
            return None
        rest = rest[: clock.start()] + " " + rest[clock.end() :]
        found: time | None = time(hour, minute)
    else:
        found = PARTS_OF_DAY[part] if part else None
    if part_match is not None:
        rest = _PART.sub(" ", rest)
    return found, " ".join(rest.split())


def _day(words: str, today: date) -> date | None:
    """The day named by `words` (already without the time), or None."""
    if words in RELATIVE:
        return today + timedelta(days=RELATIVE[words])
    tokens = words.split()
    if tokens and tokens[0] in WEEKDAYS and len(tokens) <= 2:
        if len(tokens) == 2 and tokens[1] != NEXT_WEEK:
            return None
        weekday = WEEKDAYS[tokens[0]]
        if len(tokens) == 2:
            monday_next = today + timedelta(days=7 - today.weekday())
            return monday_next + timedelta(days=weekday)
        return today + timedelta(days=(weekday - today.weekday()) % 7)
    return parse_date(words, today)


def parse_moment(text: str, now: datetime) -> datetime | None:
    """The moment `text` names, in `now`'s zone, if it is still to come; else None."""
    cleaned = _clean(text)
    if not cleaned or len(cleaned) > 60:
        return None
    found = _time_of_day(cleaned)
    if found is None:
        return None
    at, rest = found
    if at is None:
        return None
    if rest not in RELATIVE:  # "hari ini" names a day; elsewhere "hari", "ini" are filler
        rest = " ".join(_FILLER.sub(" ", rest).split())
    today = now.date()
    if rest:
        day = _day(rest, today)
        if day is None:
            return None
        moment = datetime.combine(day, at, now.tzinfo)
        if rest.split()[0] in WEEKDAYS and len(rest.split()) == 1 and moment <= now:
            moment += timedelta(days=7)  # "kamis jam 10" said on Thursday at 11: next week
    else:
        moment = datetime.combine(today, at, now.tzinfo)
        if moment <= now:
            moment += timedelta(days=1)
    return moment if moment > now else None
