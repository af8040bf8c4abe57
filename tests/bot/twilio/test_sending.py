"""Sending through the fake Twilio REST server: numbered choices and answers to them, SMS kept
short, long bodies split, transient and permanent errors, no double send after a timeout."""

from __future__ import annotations

import logging

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.app import create_app
from conversations.messages import Reply
from handlers.core import outbox
from storage.db import transaction
from storage.models import OutboxMessage
from tests.bot.twilio.conftest import (
    PUBLIC_BASE_URL,
    WHATSAPP_NUMBER,
    MakeRuntime,
    Phone,
    PhoneFactory,
)
from tests.fakes.twilio_api import FakeTwilio
from tests.support import Clock

KPM = "0857-1234-5678"
GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡"
    "ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)


def rows(sessions: sessionmaker[Session]) -> list[OutboxMessage]:
    with sessions() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


async def test_choices_arrive_as_numbered_lines_from_our_whatsapp_number(
    phone: PhoneFactory, twilio_api: FakeTwilio, sessions: sessionmaker[Session]
) -> None:
    kpm = phone(KPM)
    [menu] = await kpm.send("halo")
    assert menu.startswith("Halo, selamat datang di layanan pengaduan PKH.")
    assert menu.endswith("\n\n1. Buat pengaduan\n2. Cek status pengaduan\n3. Data saya")
    [sent] = twilio_api.messages
    assert sent["From"] == f"whatsapp:{WHATSAPP_NUMBER}"
    assert sent["To"] == "whatsapp:+6285712345678"
    assert sent["StatusCallback"] == PUBLIC_BASE_URL + "/webhooks/twilio/status"
    [row] = rows(sessions)
    assert (row.status, row.provider_message_id) == ("sent", sent["sid"])


async def test_twilio_logs_its_requests_only_when_its_logger_asks_for_them(
    phone: PhoneFactory, caplog: pytest.LogCaptureFixture
) -> None:
    kpm = phone(KPM)
    caplog.set_level(logging.WARNING, logger="twilio")
    await kpm.send("halo")
    assert "Twilio API Request" not in caplog.text
    caplog.set_level(logging.INFO, logger="twilio")
    await kpm.send("1")
    assert "-- BEGIN Twilio API Request --" in caplog.text
    assert "Response Status Code: 201" in caplog.text
    assert "Basic " not in caplog.text


async def test_the_number_of_a_choice_is_understood(phone: PhoneFactory) -> None:
    kpm = phone(KPM)
    await kpm.send("halo")
    [consent] = await kpm.send("1")
    assert "Apakah Bapak/Ibu setuju?" in consent
    assert consent.endswith("1. Setuju\n2. Tidak setuju")


async def test_a_misspelt_label_is_understood(phone: PhoneFactory) -> None:
    kpm = phone(KPM)
    await kpm.send("halo")
    [consent] = await kpm.send("buat pengadun")
    assert "Apakah Bapak/Ibu setuju?" in consent


async def test_rostered_staff_are_known_by_their_whatsapp_number(
    phone: PhoneFactory, demo_roster: None
) -> None:
    [menu] = await phone("0812-1000-0003").send("menu")
    assert menu.startswith("Halo Sari.")
    assert "\n1. Minta konsultasi\n" in menu
    [menu] = await phone("+6281210000002").send("menu")
    assert menu.startswith("Halo Dewi.")


async def test_sms_replies_stay_in_one_segment(phone: PhoneFactory, twilio_api: FakeTwilio) -> None:
    kpm = phone(KPM, channel="sms")
    [menu] = await kpm.send("halo")
    assert menu.endswith("\n1.Buat pengaduan 2.Cek status pengaduan 3.Data saya")
    assert len(menu) <= 160 and set(menu) <= GSM7
    sent = twilio_api.messages[0]
    assert (sent["From"], sent["To"], sent["SmartEncoded"]) == (
        "+6281100000002",
        "+6285712345678",
        "true",
    )
    [consent] = await kpm.send("1")
    assert "Apakah Bapak/Ibu setuju?" in consent and consent.endswith("1.Setuju 2.Tidak setuju")


async def queue_for(kpm: Phone, text: str, key: str = "long") -> None:
    with transaction(kpm.runtime.sessions) as session:
        outbox.enqueue(session, kpm.channel, kpm.address, Reply(text), key, kpm.runtime.ctx.clock())


async def test_a_body_over_1600_characters_is_split_between_words(
    phone: PhoneFactory, twilio_api: FakeTwilio, sessions: sessionmaker[Session]
) -> None:
    kpm = phone(KPM)
    await kpm.send("halo")
    words = [f"kata{i}" for i in range(500)]
    await queue_for(kpm, " ".join(words))
    await kpm.dispatch()
    parts = kpm.received()
    assert len(parts) == 3
    assert all(len(part) <= 1600 for part in parts)
    assert " ".join(parts).split() == words
    long_row = rows(sessions)[-1]
    assert long_row.provider_message_id == twilio_api.messages[-3]["sid"]


async def test_a_server_error_is_retried_after_the_backoff(
    phone: PhoneFactory, twilio_api: FakeTwilio, sessions: sessionmaker[Session], clock: Clock
) -> None:
    kpm = phone(KPM)
    twilio_api.fail_next(500, 20500)
    assert await kpm.send("halo") == []
    [row] = rows(sessions)
    assert (row.status, row.attempts) == ("pending", 1)
    assert row.last_error is not None and "500" in row.last_error
    await kpm.dispatch()  # not due yet
    assert twilio_api.create_requests == 1
    clock.advance(seconds=11)
    report = await kpm.dispatch()
    assert report.sent == 1
    assert len(kpm.received()) == 1
    [row] = rows(sessions)
    assert (row.status, row.attempts) == ("sent", 2)


async def test_rate_limiting_is_transient(
    phone: PhoneFactory, twilio_api: FakeTwilio, sessions: sessionmaker[Session]
) -> None:
    twilio_api.fail_next(429, 20429)
    await phone(KPM).send("halo")
    assert rows(sessions)[0].status == "pending"


async def test_an_invalid_number_fails_for_good_with_its_code(
    phone: PhoneFactory, twilio_api: FakeTwilio, sessions: sessionmaker[Session], clock: Clock
) -> None:
    kpm = phone(KPM)
    twilio_api.fail_next(400, 21211, "The 'To' number is not a valid phone number.")
    await kpm.send("halo")
    [row] = rows(sessions)
    assert row.status == "failed"
    assert row.last_error is not None and row.last_error.startswith("21211: twilio 400")
    clock.advance(hours=2)
    await kpm.dispatch()
    assert twilio_api.create_requests == 1


async def test_an_unsubscribed_number_is_not_retried(
    phone: PhoneFactory, twilio_api: FakeTwilio, sessions: sessionmaker[Session], clock: Clock
) -> None:
    kpm = phone(KPM, channel="sms")
    twilio_api.fail_next(400, 21610, "Attempt to send to unsubscribed recipient")
    await kpm.send("halo")
    [row] = rows(sessions)
    assert row.status == "failed" and row.last_error is not None
    assert row.last_error.startswith("21610:")
    clock.advance(hours=2)
    await kpm.dispatch()
    assert twilio_api.create_requests == 1


async def test_a_retry_after_a_timeout_does_not_send_twice(
    make_runtime: MakeRuntime,
    twilio_api: FakeTwilio,
    sessions: sessionmaker[Session],
    clock: Clock,
) -> None:
    runtime = await make_runtime(TWILIO_TIMEOUT_SECONDS=0.2)
    transport = httpx.ASGITransport(app=create_app(runtime, run_background=False))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        kpm = Phone(http, runtime, twilio_api, "+6285712345678")
        twilio_api.stall_next(1.0)  # Twilio takes the message but answers too late
        await kpm.send("halo")
        [row] = rows(sessions)
        assert row.status == "pending" and "not reachable" in (row.last_error or "")
        clock.advance(seconds=11)
        await kpm.dispatch()
    [row] = rows(sessions)
    [only] = twilio_api.to("whatsapp:+6285712345678")
    assert (row.status, row.provider_message_id) == ("sent", only["sid"])
    assert (twilio_api.create_requests, twilio_api.list_requests) == (1, 1)


async def test_a_retry_does_not_mistake_an_older_identical_message_for_its_own(
    phone: PhoneFactory, twilio_api: FakeTwilio, sessions: sessionmaker[Session], clock: Clock
) -> None:
    kpm = phone(KPM)
    [first] = await kpm.send("halo")
    clock.advance(minutes=10)
    twilio_api.fail_next(503, 20503)
    assert await kpm.send("halo") == []
    clock.advance(seconds=11)
    await kpm.dispatch()
    assert kpm.received() == [first]  # the same greeting again, sent on the retry
    assert (twilio_api.create_requests, twilio_api.list_requests) == (3, 1)
