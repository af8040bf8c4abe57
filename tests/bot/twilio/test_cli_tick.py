"""`pkh-bot tick` over Twilio: it sends due rows, then closes the connections it opened."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.cli import main
from bot.settings import Settings
from conversations.messages import Channel, Reply
from handlers.core import outbox
from storage.db import transaction
from tests.bot.twilio.conftest import ACCOUNT_SID, AUTH_TOKEN, SMS_NUMBER
from tests.fakes.twilio_api import FakeTwilio
from tests.support import Clock

SARI = "+6281210000003"


async def closed_by_the_client(fake: FakeTwilio) -> bool:
    """Wait (briefly) for the server to notice connections the client closed."""
    for _ in range(200):
        if fake.open_connections == 0:
            return True
        await asyncio.sleep(0.01)
    return False


async def test_tick_sends_due_sms_and_closes_its_twilio_connections(
    monkeypatch: pytest.MonkeyPatch,
    database_url: str,
    sessions: sessionmaker[Session],
    twilio_api: FakeTwilio,
    clock: Clock,
) -> None:
    for name in Settings.model_fields:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", ACCOUNT_SID)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", AUTH_TOKEN)
    monkeypatch.setenv("TWILIO_SMS_NUMBER", SMS_NUMBER)
    monkeypatch.setenv("TWILIO_API_BASE_URL", twilio_api.url)
    reply = Reply("Pengingat: supervisi kelompok besok jam 09.00.")
    with transaction(sessions) as session:
        outbox.enqueue(session, Channel.SMS, SARI, reply, "tick-sms-1", clock())
    # The CLI runs its own event loop, so it runs in a thread beside the fake server's loop.
    assert await asyncio.to_thread(main, ["tick", "--now", clock().isoformat()]) == 0
    assert twilio_api.bodies(SARI) == [reply.text]
    assert await closed_by_the_client(twilio_api)
