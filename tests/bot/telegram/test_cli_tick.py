"""`pkh-bot tick` sends due Telegram rows without starting polling or a webhook."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.cli import main
from conversations.messages import Channel, Reply
from handlers.core import outbox
from storage.db import transaction
from tests.bot.telegram.conftest import SARI
from tests.fakes.telegram_api import FakeBotAPI
from tests.support import Clock


async def test_tick_sends_due_telegram_rows(
    monkeypatch: pytest.MonkeyPatch,
    database_url: str,
    sessions: sessionmaker[Session],
    fake_api: FakeBotAPI,
    clock: Clock,
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", fake_api.token)
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", fake_api.base_url)
    reply = Reply("Pengingat: supervisi kelompok besok jam 09.00.")
    with transaction(sessions) as session:
        outbox.enqueue(session, Channel.TELEGRAM, str(SARI.id), reply, "tick-k1", clock())
    # The CLI runs its own event loop, so it runs in a thread beside the fake server's loop.
    assert await asyncio.to_thread(main, ["tick", "--now", clock().isoformat()]) == 0
    assert [m["text"] for m in fake_api.bot_messages(SARI.id)] == [reply.text]
    assert fake_api.calls_to("getUpdates") == [] and fake_api.calls_to("setWebhook") == []
    # Running it again sends nothing twice.
    assert await asyncio.to_thread(main, ["tick", "--now", clock().isoformat()]) == 0
    assert len(fake_api.calls_to("sendMessage")) == 1
