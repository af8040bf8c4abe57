"""One cell as text, formatted by its column's kind with Babel's id_ID rules (1.234; 12,5 %;
3 Des 2026). CSV keeps machine-readable values instead (`plain`)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal, format_percent

from handlers.reports.shapes import Cell, Kind

LOCALE = "id_ID"
EMPTY = "–"
# Kinds whose cells line up on the right, as numbers do.
NUMERIC = frozenset({Kind.COUNT, Kind.NUMBER, Kind.PERCENT})


def shown(value: Cell, kind: Kind, zone: ZoneInfo | None = None) -> str:
    """How a page or a PDF shows `value`."""
    if value is None or value == "":
        return EMPTY
    if kind == Kind.COUNT and isinstance(value, int | float):
        return format_decimal(value, format="#,##0", locale=LOCALE)
    if kind == Kind.NUMBER and isinstance(value, int | float):
        return format_decimal(value, format="#,##0.#", locale=LOCALE)
    if kind == Kind.PERCENT and isinstance(value, int | float):
        return format_percent(value, format="#,##0.#%", locale=LOCALE)
    if isinstance(value, datetime):
        moment = value.astimezone(zone) if zone else value
        return format_datetime(moment, "d MMM yyyy HH:mm", locale=LOCALE)
    if isinstance(value, date):
        return format_date(value, "d MMM yyyy", locale=LOCALE)
    return str(value)


def plain(value: Cell, kind: Kind, zone: ZoneInfo | None = None) -> str:
    """How CSV writes `value`: ISO dates, a dot for decimals, percentages as 0–100."""
    if value is None:
        return ""
    if kind == Kind.PERCENT and isinstance(value, int | float):
        return f"{value * 100:.1f}"
    if isinstance(value, float):
        return f"{value:.1f}"
    if isinstance(value, datetime):
        return (value.astimezone(zone) if zone else value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return safe_text(str(value))


def safe_text(value: str) -> str:
    """A spreadsheet must never read a cell as a formula."""
    if value[:1] in ("=", "+", "-", "@", "\t", "\r") and value not in ("-", EMPTY):
        return "'" + value
    return value
