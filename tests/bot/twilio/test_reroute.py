"""The dispatcher's handling of SendElsewhere: the same message on the named channel, the person
not marked unreachable; or a failure that says the other channel is not there either."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from conversations.messages import Reply
from handlers.core import outbox
from scheduler.dispatcher import drain
from scheduler.senders import Outgoing, SendElsewhere, SendResult
from storage.db import transaction
from storage.models import OutboxMessage, Person
from tests.bot.twilio.conftest import Recorder

NOW = datetime.fromisoformat("2026-12-01T02:00:00+00:00")


class Elsewhere:
    channel = "whatsapp"

    async def send(self, message: Outgoing) -> SendResult:
        raise SendElsewhere("not here now", "telegram")


def queue(sessions: sessionmaker[Session], chat_id: int | None) -> None:
    with transaction(sessions) as session:
        person = Person(
            role="supervisor", name="Dewi", phone="+6281210000002", timezone="Asia/Jakarta"
        )
        person.telegram_chat_id = chat_id
        session.add(person)
        session.flush()
        outbox.enqueue(session, "whatsapp", person.phone, Reply("hi"), "k", NOW, person, "x")


def by_key(sessions: sessionmaker[Session]) -> dict[str, OutboxMessage]:
    with sessions() as session:
        return {r.idempotency_key: r for r in session.scalars(select(OutboxMessage))}


async def test_the_message_moves_to_the_named_channel(sessions: sessionmaker[Session]) -> None:
    queue(sessions, chat_id=7002)
    telegram = Recorder()
    await drain(sessions, {"whatsapp": Elsewhere(), "telegram": telegram}, NOW)
    assert [(m.address, m.reply.text, m.kind) for m in telegram.sent] == [("7002", "hi", "x")]
    rows = by_key(sessions)
    assert rows["k"].status == "failed"
    assert rows["k"].last_error == "not here now (sent via telegram instead)"
    assert rows["k:via:telegram"].status == "sent"
    with sessions() as session:
        assert session.scalars(select(Person)).one().telegram_unreachable is False


async def test_without_that_channel_the_row_says_so(sessions: sessionmaker[Session]) -> None:
    queue(sessions, chat_id=None)
    await drain(sessions, {"whatsapp": Elsewhere(), "telegram": Recorder()}, NOW)
    rows = by_key(sessions)
    assert list(rows) == ["k"]
    assert rows["k"].last_error == "not here now (telegram is not available either)"


async def test_no_copy_goes_to_someone_no_longer_active(sessions: sessionmaker[Session]) -> None:
    queue(sessions, chat_id=7002)
    with transaction(sessions) as session:
        session.scalars(select(Person)).one().active = False  # left while the row was queued
    telegram = Recorder()
    await drain(sessions, {"whatsapp": Elsewhere(), "telegram": telegram}, NOW)
    assert telegram.sent == []
    rows = by_key(sessions)
    assert list(rows) == ["k"]
    assert rows["k"].last_error == "not here now (the recipient is no longer active)"
