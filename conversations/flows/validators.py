"""Reusable free-text validators for flow steps."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from conversations.engine import Invalid
from conversations.privacy import mask_sensitive


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
