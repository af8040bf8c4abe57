"""The words that work in every state, on every channel: menu, batal, bantuan, dasbor (and `/`
forms)."""

from __future__ import annotations

from conversations.choices import normalise

MENU = "menu"
CANCEL = "batal"
HELP = "bantuan"
START = "start"
DASHBOARD = "dasbor"

_WORDS = {
    "menu": MENU,
    "batal": CANCEL,
    "cancel": CANCEL,
    "bantuan": HELP,
    "help": HELP,
    "tolong": HELP,
    "start": START,
    "dasbor": DASHBOARD,
    "dashboard": DASHBOARD,
}


def global_command(text: str) -> str | None:
    """Return the command a message is, if it is exactly one of the global words."""
    stripped = text.strip()
    if not stripped:
        return None
    word = stripped[1:] if stripped.startswith("/") else stripped
    word = word.split("@", 1)[0]  # Telegram group form: /menu@pkh_bot
    command = _WORDS.get(normalise(word))
    if command == START and not stripped.startswith("/"):
        return None
    return command
