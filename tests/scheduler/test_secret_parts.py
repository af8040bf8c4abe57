"""A reply's secret parts (a complaint's kode cek) reach the channel whole, and the stored outbox
row forgets them once it is sent or has failed for good; the web simulator keeps its copy."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session, sessionmaker

from conversations.messages import Channel, Reply
from handlers.core import outbox
from scheduler.dispatcher import MAX_ATTEMPTS, drain
from scheduler.senders import PermanentSendError, SendElsewhere, TransientSendError
from storage.db import transaction
from storage.models import OutboxMessage, OutboxStatus, Person, Role
from tests.scheduler.test_outbox import FakeSender
from tests.support import Clock

SECRET = "4821"
TEXT = f"Nomor ADU-7K3M9Q2A (kode cek {SECRET}). Jangan berikan PIN kartu KKS."
KEPT = "Nomor ADU-7K3M9Q2A (kode cek ****). Jangan berikan PIN kartu KKS."
ADDRESS = "+6285712345678"


def queue(
    sessions: sessionmaker[Session],
    now: datetime,
    channel: str,
    secret: bool = True,
    person_id: int | None = None,
) -> int:
    reply = Reply(TEXT, secret_parts=(SECRET,) if secret else ())
    with transaction(sessions) as session:
        person = session.get(Person, person_id) if person_id else None
        row = outbox.enqueue(session, channel, ADDRESS, reply, f"k:{channel}", now, person)
        session.flush()
        return row.id


def stored(sessions: sessionmaker[Session]) -> list[OutboxMessage]:
    with sessions() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


@pytest.fixture
def updates(db_engine: Engine) -> Iterator[list[str]]:
    """The UPDATE statements sent to the outbox table."""
    seen: list[str] = []

    def record(_conn, _cursor, statement: str, *_args: object) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("UPDATE OUTBOX"):
            seen.append(statement)

    event.listen(db_engine, "before_cursor_execute", record)
    yield seen
    event.remove(db_engine, "before_cursor_execute", record)


async def test_the_channel_gets_the_code_and_the_sent_row_forgets_it(
    sessions: sessionmaker[Session], clock: Clock, updates: list[str]
) -> None:
    queue(sessions, clock.now, Channel.WHATSAPP)
    [row] = stored(sessions)
    assert row.payload["text"] == TEXT and row.payload["secret_parts"] == [SECRET]
    whatsapp = FakeSender(Channel.WHATSAPP)
    assert (await drain(sessions, {Channel.WHATSAPP: whatsapp}, clock.now)).sent == 1
    assert whatsapp.sent[0].reply.text == TEXT
    [row] = stored(sessions)
    assert row.status == OutboxStatus.SENT
    assert row.payload == {
        "text": KEPT,
        "options": [],
        "token": None,
        "request_contact": False,
    }
    # Claim, then the one UPDATE that marks it sent, now with the payload in it.
    assert len(updates) == 2 and "payload" in updates[1]


async def test_a_row_without_secrets_is_marked_sent_as_before(
    sessions: sessionmaker[Session], clock: Clock, updates: list[str]
) -> None:
    queue(sessions, clock.now, Channel.WHATSAPP, secret=False)
    [before] = stored(sessions)
    await drain(sessions, {Channel.WHATSAPP: FakeSender(Channel.WHATSAPP)}, clock.now)
    [after] = stored(sessions)
    assert after.status == OutboxStatus.SENT and after.payload == before.payload
    assert len(updates) == 2 and "payload" not in updates[1]


async def test_the_web_simulator_keeps_its_copy(
    sessions: sessionmaker[Session], clock: Clock
) -> None:
    """The simulator page reads sent rows back: the person trying it out must see the code."""
    queue(sessions, clock.now, Channel.WEB)
    await drain(sessions, {Channel.WEB: FakeSender(Channel.WEB)}, clock.now)
    [row] = stored(sessions)
    assert row.status == OutboxStatus.SENT and row.payload["text"] == TEXT


async def test_a_row_that_fails_for_good_forgets_it_too(
    sessions: sessionmaker[Session], clock: Clock
) -> None:
    queue(sessions, clock.now, Channel.SMS)
    sms = FakeSender(Channel.SMS, [PermanentSendError("invalid number", "21211")])
    assert (await drain(sessions, {Channel.SMS: sms}, clock.now)).failed == 1
    [row] = stored(sessions)
    assert row.status == OutboxStatus.FAILED and row.payload["text"] == KEPT
    assert "secret_parts" not in row.payload


async def test_a_row_that_runs_out_of_retries_forgets_it(
    sessions: sessionmaker[Session], clock: Clock
) -> None:
    queue(sessions, clock.now, Channel.WHATSAPP)
    whatsapp = FakeSender(
        Channel.WHATSAPP, [TransientSendError("timeout") for _ in range(MAX_ATTEMPTS)]
    )
    now = clock.now
    for _ in range(MAX_ATTEMPTS):
        await drain(sessions, {Channel.WHATSAPP: whatsapp}, now, max_rounds=1)
        [row] = stored(sessions)
        if row.status == OutboxStatus.FAILED:
            break
        assert row.payload["text"] == TEXT  # still needed for the next try
        now = row.next_attempt_at + timedelta(seconds=1)
    assert len(whatsapp.sent) == MAX_ATTEMPTS
    assert row.status == OutboxStatus.FAILED and row.payload["text"] == KEPT


async def test_a_copy_sent_on_another_channel_still_carries_the_code(
    sessions: sessionmaker[Session], clock: Clock
) -> None:
    with transaction(sessions) as session:
        person = Person(
            role=Role.PENDAMPING,
            name="Sari",
            phone=ADDRESS,
            telegram_chat_id=555,
            kabupaten="Trenggalek",
            kecamatan="Pogalan",
            timezone="Asia/Jakarta",
        )
        session.add(person)
        session.flush()
        person_id = person.id
    queue(sessions, clock.now, Channel.WHATSAPP, person_id=person_id)
    whatsapp = FakeSender(
        Channel.WHATSAPP, [SendElsewhere("outside the 24-hour window", Channel.TELEGRAM)]
    )
    telegram = FakeSender(Channel.TELEGRAM)
    senders = {Channel.WHATSAPP: whatsapp, Channel.TELEGRAM: telegram}
    await drain(sessions, senders, clock.now)
    assert telegram.sent[0].reply.text == TEXT
    first, copy = stored(sessions)
    assert (first.status, first.payload["text"]) == (OutboxStatus.FAILED, KEPT)
    assert (copy.channel, copy.status, copy.payload["text"]) == (
        Channel.TELEGRAM,
        OutboxStatus.SENT,
        KEPT,
    )
