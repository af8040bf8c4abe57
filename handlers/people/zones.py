"""Indonesian time zones: IANA names, or the everyday WIB / WITA / WIT."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

ZONE_ALIASES = {"WIB": "Asia/Jakarta", "WITA": "Asia/Makassar", "WIT": "Asia/Jayapura"}


def resolve_timezone(name: str) -> str:
    """Return the IANA name for an IANA name or one of WIB/WITA/WIT; raise ValueError otherwise."""
    candidate = ZONE_ALIASES.get(name.strip().upper(), name.strip())
    try:
        ZoneInfo(candidate)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown timezone {name!r} (use an IANA name or WIB/WITA/WIT)") from exc
    return candidate
