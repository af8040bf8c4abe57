"""What a domain action sends, one way for inbound turns and for ticks: `tell` someone a
catalog message, `ask` them to choose (an action prompt whose answer comes back to `on_answer`).

Every message gets an idempotency key built the same way: the origin (the inbound message for a
turn; the record and its state for a tick, e.g. "complaint:7:sla:ack:0:1"), what it is about,
and the person. So a redelivered message or a tick run twice queues nothing twice, and two
different messages of one origin never collide.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from conversations.messages import Option, Reply
from handlers.core import outbox, prompts
from handlers.core.context import AppContext
from storage.models import OutboxMessage, Person


@dataclass
class Messenger:
    """Queues messages in the caller's transaction; `origin` makes their keys unique."""

    session: Session
    ctx: AppContext
    now: datetime
    origin: str

    def key(self, purpose: str) -> str:
        return f"{self.origin}:{purpose}" if self.origin else purpose

    def about(self, origin: str) -> Messenger:
        """The same messenger for another origin (a tick moving from one record to the next)."""
        return Messenger(self.session, self.ctx, self.now, origin)

    def tell(
        self,
        person: Person,
        key: str,
        *,
        about: str | None = None,
        kind: str = "notification",
        **params: object,
    ) -> OutboxMessage | None:
        """Tell a member of staff `key` from the catalog, on their best channel."""
        return self.tell_text(
            person, self.ctx.catalog(key, **params), about=about or key, kind=kind
        )

    def tell_text(
        self, person: Person, text: str, *, about: str, kind: str = "notification"
    ) -> OutboxMessage | None:
        """Tell a member of staff a text already put together (e.g. a lead and a body)."""
        idempotency = self.key(f"{about}:{person.id}")
        return outbox.notify(
            self.session, person, Reply(text), idempotency, self.now, self.ctx.channels, kind=kind
        )

    def tell_address(
        self, channel: str, address: str, key: str, *, about: str | None = None,
        kind: str = "notification", **params: object,
    ) -> OutboxMessage | None:  # fmt: skip
        """Tell whoever writes from (channel, address), e.g. a complaint's reporter."""
        reply = Reply(self.ctx.catalog(key, **params))
        idempotency = self.key(f"{about or key}:{address}")
        return outbox.enqueue(
            self.session, channel, address, reply, idempotency, self.now, kind=kind
        )

    def ask(
        self,
        person: Person,
        key: str,
        options: Sequence[Option],
        on_answer: str,
        entity_id: int,
        *,
        about: str | None = None,
        kind: str = "alert",
        **params: object,
    ) -> OutboxMessage | None:
        """Ask a member of staff to choose; the answer, however late, goes to `on_answer`."""
        text = self.ctx.catalog(key, **params)
        return self.ask_text(
            person, text, options, on_answer, entity_id, about=about or key, kind=kind
        )

    def ask_text(
        self,
        person: Person,
        text: str,
        options: Sequence[Option],
        on_answer: str,
        entity_id: int,
        *,
        about: str,
        kind: str = "alert",
    ) -> OutboxMessage | None:
        if not person.active:  # told nothing (`outbox.notify`), so nothing to answer
            return None
        reply = prompts.make_prompt(
            self.session, person, on_answer, entity_id, text, options, self.now
        )
        idempotency = self.key(f"{about}:{person.id}")
        return outbox.notify(
            self.session, person, reply, idempotency, self.now, self.ctx.channels, kind=kind
        )

    def ask_address(
        self, channel: str, address: str, key: str, options: Sequence[Option], on_answer: str,
        entity_id: int, *, about: str | None = None, kind: str = "alert", **params: object,
    ) -> OutboxMessage | None:  # fmt: skip
        """Ask whoever writes from (channel, address) to choose, e.g. a reporter to rate."""
        text = self.ctx.catalog(key, **params)
        reply = prompts.make_prompt(
            self.session, None, on_answer, entity_id, text, options, self.now, channel, address
        )
        idempotency = self.key(f"{about or key}:{address}")
        return outbox.enqueue(
            self.session, channel, address, reply, idempotency, self.now, kind=kind
        )
