"""How a `Reply` looks as WhatsApp or SMS text: choices become numbered lines, long bodies parts."""

from __future__ import annotations

from conversations.messages import Channel, Reply

# Twilio refuses a body longer than this (error 21617).
MAX_BODY = 1600
# WhatsApp template variables may not hold newlines, tabs or runs of spaces; keep them short.
MAX_VARIABLE = 1000


def render(reply: Reply, channel: str) -> str:
    """WhatsApp: the text, a blank line, then `1. Label` lines. SMS: compact, to stay in one
    segment where possible: no blank lines, choices on one line as `1.Label 2.Label`."""
    if channel == Channel.SMS:
        lines = [line.strip() for line in reply.text.splitlines() if line.strip()]
        if reply.options:
            lines.append(" ".join(f"{i}.{o.label}" for i, o in enumerate(reply.options, 1)))
        return "\n".join(lines)
    text = reply.text.strip()
    if not reply.options:
        return text
    choices = "\n".join(f"{i}. {o.label}" for i, o in enumerate(reply.options, 1))
    return f"{text}\n\n{choices}" if text else choices


def split_body(body: str, limit: int = MAX_BODY) -> list[str]:
    """Cut a body into parts of at most `limit` characters, at a line break or a space if one
    is near enough, so that no part is refused and words stay whole."""
    parts: list[str] = []
    rest = body
    while len(rest) > limit:
        window = rest[: limit + 1]
        cut = window.rfind("\n")
        if cut < limit // 2:
            cut = window.rfind(" ")
        if cut < limit // 2:
            cut = limit
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest or not parts:
        parts.append(rest)
    return parts


def template_variable(body: str) -> str:
    """The message squeezed into one template variable: one line, bounded length."""
    flat = " ".join(body.split())
    return flat if len(flat) <= MAX_VARIABLE else flat[: MAX_VARIABLE - 1].rstrip() + "…"
