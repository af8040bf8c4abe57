"""The neutral message types that cross the channel seam, in both directions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


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
    """One message from a person, as every channel adapter hands it to `handlers.route`."""

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


@dataclass(frozen=True)
class Option:
    value: str
    label: str


@dataclass(frozen=True)
class Reply:
    """What the bot says: text plus optional choices. Adapters decide how choices look."""

    text: str
    options: tuple[Option, ...] = ()
    token: str | None = None
    request_contact: bool = False

    def to_payload(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "options": [{"value": o.value, "label": o.label} for o in self.options],
            "token": self.token,
            "request_contact": self.request_contact,
        }

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Reply:
        return cls(
            text=payload["text"],
            options=tuple(Option(o["value"], o["label"]) for o in payload.get("options", [])),
            token=payload.get("token"),
            request_contact=bool(payload.get("request_contact", False)),
        )

    def callback_data(self, option: Option) -> str:
        """Compact data for a button press that the core can check against the live prompt."""
        return f"{self.token}:{option.value}" if self.token else option.value


@dataclass(frozen=True)
class Outcome:
    """A finished flow: its name and the values it collected, for a handlers action."""

    flow: str
    data: dict[str, Any] = field(default_factory=dict)
