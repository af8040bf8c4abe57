"""The seam between the dispatcher and the channel adapters in `bot/channels`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from conversations.messages import Reply


@dataclass(frozen=True)
class Outgoing:
    """One claimed outbox row, as an adapter sees it."""

    outbox_id: int
    channel: str
    address: str
    reply: Reply
    kind: str
    idempotency_key: str
    person_id: int | None
    attempt: int


@dataclass(frozen=True)
class SendResult:
    provider_message_id: str | None = None


class SendError(Exception):
    def __init__(self, reason: str, code: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


class TransientSendError(SendError):
    """Try again later (network trouble, 5xx, rate limited). `retry_after` in seconds, if known."""

    def __init__(self, reason: str, retry_after: float | None = None, code: str | None = None):
        super().__init__(reason, code)
        self.retry_after = retry_after


class PermanentSendError(SendError):
    """Never retry this message as it is (invalid number, unsubscribed, malformed)."""


class RecipientUnreachable(PermanentSendError):
    """This person cannot be reached on this channel any more (e.g. blocked the bot)."""


class SendElsewhere(PermanentSendError):
    """This channel cannot carry the message now, though the person is not unreachable (e.g. a
    WhatsApp number outside its 24-hour window): send the same message on `channel` instead."""

    def __init__(self, reason: str, channel: str, code: str | None = None) -> None:
        super().__init__(reason, code)
        self.channel = channel


class Sender(Protocol):
    channel: str

    async def send(self, message: Outgoing) -> SendResult: ...


def concurrency_of(sender: Sender) -> int:
    """How many addresses the dispatcher may send to at once through this sender: its
    `concurrency` attribute, else one (in order, one at a time)."""
    return max(1, int(getattr(sender, "concurrency", 1)))
