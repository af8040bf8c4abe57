"""Reusable free-text validators for flow steps."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date, timedelta
from typing import Any

from conversations.dates import parse_date
from conversations.engine import Flow, Invalid, Step
from conversations.privacy import digit_runs, mask_sensitive


def free_text(
    min_chars: int, max_chars: int, too_short: str, too_long: str = "conv.text_too_long"
) -> Callable[[str, Mapping[str, Any]], str]:
    """Accept text of a sensible length; card numbers and PINs are masked before it is kept."""

    def parse(text: str, _data: Mapping[str, Any]) -> str:
        cleaned = " ".join(text.split())
        if len(cleaned) < min_chars:
            raise Invalid(too_short, min=min_chars)
        if len(cleaned) > max_chars:
            raise Invalid(too_long, max=max_chars)
        return mask_sensitive(cleaned)

    return parse


YES, NO = "ya", "tidak"  # the values of every yes/no question
TODAY_KEY = "_today"  # handlers put the person's local date here when a flow starts


def _today(data: Mapping[str, Any]) -> date:
    return date.fromisoformat(data[TODAY_KEY])


def a_date(
    not_before_days: int | None = None, not_after_days: int | None = None
) -> Callable[[str, Mapping[str, Any]], str]:
    """A typed date, within a window around the person's today; stored as ISO text."""

    def parse(text: str, data: Mapping[str, Any]) -> str:
        today = _today(data)
        day = parse_date(text, today)
        if day is None:
            raise Invalid("conv.date_unknown")
        if not_before_days is not None and day < today - timedelta(days=not_before_days):
            raise Invalid("conv.date_too_early")
        if not_after_days is not None and day > today + timedelta(days=not_after_days):
            raise Invalid("conv.date_too_late")
        return day.isoformat()

    return parse


def a_count(low: int, high: int, at_most_field: str | None = None) -> Callable[..., int]:
    """A whole number in [low, high], and not above another answer if `at_most_field` is set."""

    def parse(text: str, data: Mapping[str, Any]) -> int:
        digits = text.strip()
        if not digits.isdigit():
            raise Invalid("conv.number_needed")
        value = int(digits)
        ceiling = min(high, int(data[at_most_field])) if at_most_field else high
        if not low <= value <= ceiling:
            raise Invalid("conv.number_range", low=low, high=ceiling)
        return value

    return parse


LABEL_MIN, LABEL_MAX = 3, 60
LONG_DIGIT_RUN = 8


def a_case_label(text: str, _data: Mapping[str, Any]) -> str:
    """A pendamping's own name for a case, e.g. "Bu S., Desa Ngares".

    A NIK or card number (any number of 8 digits or more, however it is grouped) is refused,
    not masked: it would already have travelled through the chat app, and its last 4 digits
    identify no one, so asking for it again as initials and village is the honest answer.
    """
    cleaned = " ".join(text.split())
    if any(len(digits) >= LONG_DIGIT_RUN for digits in digit_runs(cleaned)):
        raise Invalid("case.label_number")
    cleaned = mask_sensitive(cleaned)  # a PIN among the words; masking may lengthen it a little
    if len(cleaned) < LABEL_MIN:
        raise Invalid("case.label_short", min=LABEL_MIN)
    if len(cleaned) > LABEL_MAX:
        raise Invalid("conv.text_too_long", max=LABEL_MAX)
    return cleaned


_CLOCK = re.compile(r"^(?:jam|pukul|pkl\.?)?\s*(\d{1,2})(?:[:.](\d{2}))?\s*(?:wib|wita|wit)?$")


def a_clock(text: str, _data: Mapping[str, Any]) -> str:
    """A time of day as people type it ("10", "jam 10", "09.30", "13:15"), stored as HH:MM."""
    match = _CLOCK.match(text.strip().lower())
    if match is None:
        raise Invalid("conv.clock_unknown")
    hours, minutes = int(match.group(1)), int(match.group(2) or 0)
    if not (0 <= hours <= 23 and 0 <= minutes <= 59):
        raise Invalid("conv.clock_unknown")
    return f"{hours:02d}:{minutes:02d}"


def text_flow(
    name: str,
    field: str,
    prompt: str,
    summary_key: str,
    too_short: str,
    min_chars: int,
    max_chars: int,
) -> Flow:
    """A flow that asks for one piece of text (a reason, a note, an outcome) and confirms it."""
    return Flow(
        name,
        steps=(Step(field, prompt, parse=free_text(min_chars, max_chars, too_short)),),
        summary=lambda data, t: t(summary_key, text=data[field]),
    )
