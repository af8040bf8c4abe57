"""Test helpers: a movable clock and a chat driver that talks to `handlers.core.route` like a
person."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from conversations.messages import Attachment, Channel, Inbound, Reply
from handlers.core.context import AppContext
from handlers.core.route import handle_inbound
from handlers.people.phones import try_e164
from storage.models import OutboxMessage

_ids = itertools.count(1)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


def make_context(sessions: sessionmaker[Session], clock: Clock, **kwargs: object) -> AppContext:
    """A context for tests; the monthly notice is off unless asked for (`monthly_notice=True`),
    since the default clock stands on a first working day and other tests count messages."""
    kwargs.setdefault("monthly_notice", False)
    return AppContext(sessions, clock=clock, **kwargs)  # type: ignore[arg-type]


@dataclass
class Chat:
    """Talks as one person on one channel and reads back what the bot queued for them."""

    ctx: AppContext
    address: str
    channel: str = Channel.WEB
    sender_user_id: int | None = None
    last_seen: int = 0

    def __post_init__(self) -> None:
        if self.channel != Channel.TELEGRAM:
            self.address = try_e164(self.address) or self.address

    def send(self, text: str = "", **fields: object) -> list[Reply]:
        inbound = Inbound(
            channel=self.channel,
            address=self.address,
            provider_message_id=str(fields.pop("message_id", f"test-{next(_ids)}")),
            received_at=self.ctx.clock(),
            text=text,
            sender_user_id=self.sender_user_id,
            **fields,  # type: ignore[arg-type]
        )
        handle_inbound(self.ctx, inbound)
        return self.inbox()

    def press(self, label: str) -> list[Reply]:
        """Press the button with this label on the newest message that offers it."""
        reply = self.last_prompt(label)
        option = next(o for o in reply.options if o.label == label)
        return self.send(choice=reply.callback_data(option))

    def attach(self, kind: str, ref: str, text: str = "") -> list[Reply]:
        return self.send(text, attachments=(Attachment(kind, ref),))

    def inbox(self) -> list[Reply]:
        """Messages queued for this address since the last look."""
        with self.ctx.sessions() as session:
            rows = session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.address == self.address, OutboxMessage.id > self.last_seen)
                .order_by(OutboxMessage.id)
            ).all()
        if rows:
            self.last_seen = rows[-1].id
        return [Reply.from_payload(r.payload) for r in rows]

    def last_prompt(self, label: str | None = None) -> Reply:
        """The newest message with buttons (with a button of this label, if given)."""
        with self.ctx.sessions() as session:
            rows = session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.address == self.address)
                .order_by(OutboxMessage.id.desc())
            ).all()
        replies = (Reply.from_payload(r.payload) for r in rows if r.payload.get("options"))
        return next(r for r in replies if label is None or any(o.label == label for o in r.options))


ChatFactory = Callable[[str], Chat]


def texts(replies: list[Reply]) -> str:
    return "\n".join(r.text for r in replies)
