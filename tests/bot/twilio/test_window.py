"""WhatsApp's 24-hour window: free text inside it; outside it Telegram when the person has it,
else the Content template for the message's kind, else a failure that says why."""

from __future__ import annotations

import json

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.app import create_app
from bot.runtime import Runtime
from conversations.messages import Option, Reply
from handlers.core import outbox
from scheduler.dispatcher import drain
from storage.db import transaction
from storage.models import OutboxMessage, Person
from tests.bot.twilio.conftest import MakeRuntime, Phone, Recorder
from tests.fakes.twilio_api import FakeTwilio
from tests.support import Clock

DEWI = "+6281210000002"
REMINDER = Reply(
    "Pengingat: supervisi dengan Sari besok pukul 10.00 WIB.",
    (Option("ok", "Siap"), Option("ubah", "Minta ubah jadwal")),
)
TEMPLATES = {"reminder": "HXreminder", "default": "HXdefault"}


def queue_whatsapp(runtime: Runtime, address: str, kind: str, key: str) -> None:
    with transaction(runtime.sessions) as session:
        person = session.scalars(select(Person).where(Person.phone == address)).one_or_none()
        now = runtime.ctx.clock()
        outbox.enqueue(session, "whatsapp", address, REMINDER, key, now, person, kind)


def row(sessions: sessionmaker[Session], key: str) -> OutboxMessage:
    with sessions() as session:
        return session.scalars(
            select(OutboxMessage).where(OutboxMessage.idempotency_key == key)
        ).one()


def give_telegram(sessions: sessionmaker[Session], phone: str, unreachable: bool = False) -> None:
    with transaction(sessions) as session:
        person = session.scalars(select(Person).where(Person.phone == phone)).one()
        person.telegram_user_id = person.telegram_chat_id = 7002
        person.telegram_unreachable = unreachable


async def dewi_writes_then_waits(
    runtime: Runtime, twilio_api: FakeTwilio, clock: Clock, hours: float
) -> None:
    transport = httpx.ASGITransport(app=create_app(runtime, run_background=False))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        await Phone(http, runtime, twilio_api, DEWI).send("menu")
    twilio_api.messages.clear()
    clock.advance(hours=hours)


async def dispatch(runtime: Runtime) -> None:
    await drain(runtime.sessions, runtime.senders, runtime.ctx.clock())


async def test_inside_the_window_a_reminder_is_free_text(
    make_runtime: MakeRuntime, twilio_api: FakeTwilio, clock: Clock, demo_roster: None
) -> None:
    runtime = await make_runtime(TWILIO_CONTENT_TEMPLATES=TEMPLATES)
    await dewi_writes_then_waits(runtime, twilio_api, clock, hours=23)
    queue_whatsapp(runtime, DEWI, "reminder", "r1")
    await dispatch(runtime)
    [sent] = twilio_api.messages
    assert sent["Body"].endswith("\n\n1. Siap\n2. Minta ubah jadwal")
    assert "ContentSid" not in sent


async def test_outside_the_window_the_template_for_its_kind_is_sent(
    make_runtime: MakeRuntime,
    twilio_api: FakeTwilio,
    clock: Clock,
    sessions: sessionmaker[Session],
    demo_roster: None,
) -> None:
    runtime = await make_runtime(TWILIO_CONTENT_TEMPLATES=TEMPLATES)
    await dewi_writes_then_waits(runtime, twilio_api, clock, hours=25)
    queue_whatsapp(runtime, DEWI, "reminder", "r1")
    await dispatch(runtime)
    [sent] = twilio_api.messages
    assert sent["ContentSid"] == "HXreminder"
    assert "Body" not in sent
    assert json.loads(sent["ContentVariables"]) == {
        "1": "Pengingat: supervisi dengan Sari besok pukul 10.00 WIB. 1. Siap 2. Minta ubah jadwal"
    }
    assert row(sessions, "r1").status == "sent"


async def test_someone_who_never_wrote_gets_the_default_template(
    make_runtime: MakeRuntime, twilio_api: FakeTwilio
) -> None:
    runtime = await make_runtime(TWILIO_CONTENT_TEMPLATES=TEMPLATES)
    queue_whatsapp(runtime, "+6285712345678", "ticket_update", "t1")
    await dispatch(runtime)
    [sent] = twilio_api.messages
    assert (sent["To"], sent["ContentSid"]) == ("whatsapp:+6285712345678", "HXdefault")


async def test_outside_the_window_telegram_carries_it_when_the_person_has_it(
    make_runtime: MakeRuntime,
    twilio_api: FakeTwilio,
    clock: Clock,
    sessions: sessionmaker[Session],
    demo_roster: None,
) -> None:
    runtime = await make_runtime(TWILIO_CONTENT_TEMPLATES=TEMPLATES)
    telegram = Recorder()
    runtime.add_sender(telegram)
    await dewi_writes_then_waits(runtime, twilio_api, clock, hours=30)
    give_telegram(sessions, DEWI)
    queue_whatsapp(runtime, DEWI, "reminder", "r1")
    await dispatch(runtime)
    assert twilio_api.messages == []
    [carried] = telegram.sent
    assert (carried.address, carried.reply, carried.kind) == ("7002", REMINDER, "reminder")
    original = row(sessions, "r1")
    assert original.status == "failed"
    assert original.last_error == "outside the WhatsApp 24-hour window (sent via telegram instead)"
    assert row(sessions, "r1:via:telegram").status == "sent"
    with sessions() as session:
        dewi = session.scalars(select(Person).where(Person.phone == DEWI)).one()
        assert dewi.telegram_unreachable is False
        assert dewi.last_channel == "whatsapp"


async def test_an_unreachable_telegram_is_not_used(
    make_runtime: MakeRuntime,
    twilio_api: FakeTwilio,
    sessions: sessionmaker[Session],
    demo_roster: None,
) -> None:
    runtime = await make_runtime(TWILIO_CONTENT_TEMPLATES=TEMPLATES)
    telegram = Recorder()
    runtime.add_sender(telegram)
    give_telegram(sessions, DEWI, unreachable=True)
    queue_whatsapp(runtime, DEWI, "reminder", "r1")
    await dispatch(runtime)
    assert telegram.sent == []
    assert twilio_api.messages[0]["ContentSid"] == "HXreminder"


async def test_with_neither_template_nor_telegram_the_row_says_why(
    make_runtime: MakeRuntime,
    twilio_api: FakeTwilio,
    sessions: sessionmaker[Session],
    clock: Clock,
    demo_roster: None,
) -> None:
    runtime = await make_runtime()
    queue_whatsapp(runtime, DEWI, "reminder", "r1")
    await dispatch(runtime)
    clock.advance(hours=3)
    await dispatch(runtime)
    assert twilio_api.create_requests == 0
    failed = row(sessions, "r1")
    assert failed.status == "failed"
    assert failed.last_error == (
        "window: outside the WhatsApp 24-hour window, no template for kind 'reminder' "
        "and no Telegram to send it to"
    )


async def test_a_notification_routed_to_her_last_channel_falls_back_too(
    make_runtime: MakeRuntime,
    twilio_api: FakeTwilio,
    clock: Clock,
    sessions: sessionmaker[Session],
    demo_roster: None,
) -> None:
    runtime = await make_runtime()
    telegram = Recorder()
    runtime.add_sender(telegram)
    await dewi_writes_then_waits(runtime, twilio_api, clock, hours=48)
    give_telegram(sessions, DEWI)
    with transaction(runtime.sessions) as session:
        dewi = session.scalars(select(Person).where(Person.phone == DEWI)).one()
        queued = outbox.notify(
            session, dewi, REMINDER, "n1", clock(), runtime.ctx.channels, kind="reminder"
        )
        assert (queued.channel, queued.address) == ("whatsapp", DEWI)
    await dispatch(runtime)
    assert [m.address for m in telegram.sent] == ["7002"]
    assert twilio_api.messages == []


async def test_messages_sent_side_by_side_each_go_by_their_own_recipient(
    make_runtime: MakeRuntime,
    twilio_api: FakeTwilio,
    clock: Clock,
    sessions: sessionmaker[Session],
    demo_roster: None,
) -> None:
    """The recipients of one batch are looked up together; each row still gets its own."""
    sari, stranger = "+6281210000003", "+6285712345678"
    runtime = await make_runtime(TWILIO_CONTENT_TEMPLATES=TEMPLATES)
    telegram = Recorder()
    runtime.add_sender(telegram)
    await dewi_writes_then_waits(runtime, twilio_api, clock, hours=1)
    give_telegram(sessions, sari)
    queue_whatsapp(runtime, DEWI, "reminder", "dewi")
    queue_whatsapp(runtime, sari, "reminder", "sari")
    queue_whatsapp(runtime, stranger, "ticket_update", "stranger")
    await dispatch(runtime)
    sent = {message["To"]: message for message in twilio_api.messages}
    assert sent.keys() == {f"whatsapp:{DEWI}", f"whatsapp:{stranger}"}
    assert sent[f"whatsapp:{DEWI}"]["Body"].endswith("\n\n1. Siap\n2. Minta ubah jadwal")
    assert sent[f"whatsapp:{stranger}"]["ContentSid"] == "HXdefault"
    [carried] = telegram.sent
    assert (carried.address, carried.kind) == ("7002", "reminder")
    assert row(sessions, "sari").last_error == (
        "outside the WhatsApp 24-hour window (sent via telegram instead)"
    )
