"""The neutral message types that cross the channel seam, in both directions."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from conversations.privacy import mask_sensitive, strip_control_chars


class Channel:
    TELEGRAM = "telegram"
    WHATSAPP = "whatsapp"
    SMS = "sms"
    WEB = "web"
    ALL = (TELEGRAM, WHATSAPP, SMS, WEB)


@dataclass(frozen=True)
class Attachment:
    """A reference to media kept by the provider (Telegram file id, Twilio media URL)."""

    kind: str  # photo, voice, audio, video, document
    ref: str
    content_type: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "ref": self.ref, "content_type": self.content_type}


@dataclass(frozen=True)
class Inbound:
    """One message from a person, as every channel adapter hands it to `handlers.core.route`."""

    channel: str
    address: str
    provider_message_id: str
    received_at: datetime
    text: str = ""
    choice: str | None = None
    contact_phone: str | None = None
    contact_is_own: bool = False
    sender_user_id: int | None = None
    sender_name: str | None = None
    attachments: tuple[Attachment, ...] = ()

    def __post_init__(self) -> None:
        # Cleaned once here, so every channel and test path hands the core the same text:
        # PostgreSQL rejects NUL in a text column, and no control character belongs in a message.
        object.__setattr__(self, "text", strip_control_chars(self.text or ""))
        if self.sender_name is not None:
            object.__setattr__(self, "sender_name", strip_control_chars(self.sender_name))


@dataclass(frozen=True)
class Option:
    value: str
    label: str


SECRET_PARTS = "secret_parts"


@dataclass(frozen=True)
class Reply:
    """What the bot says: text plus optional choices. Adapters decide how choices look.

    `secret_parts` are substrings of `text` the channel must deliver but storage must not keep
    (a complaint's kode cek): the dispatcher blanks them in the stored row once it is sent or
    has failed for good (see `scheduler.dispatcher`).
    """

    text: str
    options: tuple[Option, ...] = ()
    token: str | None = None
    request_contact: bool = False
    secret_parts: tuple[str, ...] = ()
    # A private link (the dashboard sign-in): the channel must not fetch a preview of it.
    no_link_preview: bool = False

    def to_payload(self) -> dict[str, Any]:
        """The stored form. Text and labels are masked here, the last line of defence for
        every outbox row: a NIK, card number or PIN never reaches storage or a channel."""
        payload: dict[str, Any] = {
            "text": _mask_outside(self.text, self.secret_parts),
            "options": [{"value": o.value, "label": mask_sensitive(o.label)} for o in self.options],
            "token": self.token,
            "request_contact": self.request_contact,
        }
        if self.secret_parts:
            payload[SECRET_PARTS] = list(self.secret_parts)
        if self.no_link_preview:
            payload["no_link_preview"] = True
        return payload

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Reply:
        return cls(
            text=payload["text"],
            options=tuple(Option(o["value"], o["label"]) for o in payload.get("options", [])),
            token=payload.get("token"),
            request_contact=bool(payload.get("request_contact", False)),
            secret_parts=tuple(payload.get(SECRET_PARTS) or ()),
            no_link_preview=bool(payload.get("no_link_preview", False)),
        )

    def without_secrets(self) -> Reply:
        """The copy to keep once delivered: each secret part as asterisks of the same length."""
        text = self.text
        for part in self.secret_parts:
            if part:
                text = text.replace(part, "*" * len(part))
        return replace(self, text=text, secret_parts=())

    def callback_data(self, option: Option) -> str:
        """Compact data for a button press that the core can check against the live prompt."""
        return f"{self.token}:{option.value}" if self.token else option.value


@dataclass(frozen=True)
class Outcome:
    """A finished flow: its name and the values it collected, for a handlers action."""

    flow: str
    data: dict[str, Any] = field(default_factory=dict)


def _mask_outside(text: str, secret_parts: tuple[str, ...]) -> str:
    """Mask `text` but leave the secret parts as they are: the channel must deliver them."""
    parts = sorted({p for p in secret_parts if p}, key=len, reverse=True)
    if not parts:
        return mask_sensitive(text)
    pieces = re.split("(" + "|".join(map(re.escape, parts)) + ")", text)
    # re.split with one group: the even pieces are the text between, the odd ones the secrets.
    return "".join(p if i % 2 else mask_sensitive(p) for i, p in enumerate(pieces))
