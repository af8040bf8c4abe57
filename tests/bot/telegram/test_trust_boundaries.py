"""Trust boundaries with Telegram configured: no web simulator beside it, webhook bodies that are
not Updates refused with 400, rows no sender can carry failed instead of waiting, and the bot
token never in a log (in process at DEBUG, and from a real `pkh-bot tick`)."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.channels.telegram import SECRET_HEADER, WEBHOOK_PATH, webhook_secret
from bot.settings import Settings
from conversations.messages import Channel, Reply
from handlers.core import outbox
from storage.db import transaction
from storage.models import InboundMessage, OutboxMessage, OutboxStatus, Person
from tests.bot.telegram.conftest import DEWI, SARI, WEBHOOK_SECRET, WEBHOOK_URL, Bot, texts
from tests.fakes.telegram_api import FakeBotAPI
from tests.support import Clock

SIMULATOR_CALLS = (
    ("GET", "/", None),
    ("GET", "/sim/api/personas", None),
    ("POST", "/sim/api/send", {"address": "0812-1000-0003", "text": "menu"}),
    ("GET", "/sim/api/messages?address=0812-1000-0003", None),
)


def stored(bot: Bot) -> tuple[int, int]:
    with bot.runtime.sessions() as session:
        inbound = session.scalar(select(func.count()).select_from(InboundMessage)) or 0
        rows = session.scalar(select(func.count()).select_from(OutboxMessage)) or 0
    return inbound, rows


@pytest.mark.parametrize("webhook_url", [None, WEBHOOK_URL], ids=["polling", "webhook"])
async def test_the_simulator_does_not_exist_beside_telegram(
    webhook_url: str | None,
    start_bot: Callable[[Settings], Any],
    make_settings: Callable[..., Settings],
) -> None:
    async with start_bot(make_settings(TELEGRAM_WEBHOOK_URL=webhook_url)) as bot:
        for method, path, body in SIMULATOR_CALLS:
            response = await bot.client.request(method, path, json=body)
            assert response.status_code == 404, (method, path, response.text)
        assert stored(bot) == (0, 0)
        assert Channel.WEB not in bot.runtime.senders
        assert not bot.runtime.simulator
        assert bot.runtime.ctx.channels == (Channel.TELEGRAM,)


NOT_UPDATES: list[tuple[str, bytes]] = [
    ("a JSON list", b"[1, 2]"),
    ("a JSON string", b'"update"'),
    ("a JSON number", b"42"),
    ("JSON null", b"null"),
    ("an empty object", b"{}"),
    ("an object without update_id", b'{"message": {"text": "menu"}}'),
    ("a string update_id", b'{"update_id": "7"}'),
    ("a boolean update_id", b'{"update_id": true}'),
    ("a message that is a string", b'{"update_id": 7, "message": "menu"}'),
    ("a message without its fields", b'{"update_id": 7, "message": {"chat": 5}}'),
    ("a callback query that is a list", b'{"update_id": 7, "callback_query": [1]}'),
    ("invalid JSON", b"{not json"),
    ("invalid UTF-8", b'{"update_id": 7, "x": "\xff"}'),
    ("an empty body", b""),
]


@pytest.mark.parametrize(("what", "body"), NOT_UPDATES, ids=[what for what, _ in NOT_UPDATES])
async def test_a_webhook_body_with_the_right_secret_that_is_not_an_update_is_a_400(
    webhook_bot: Bot, what: str, body: bytes
) -> None:
    headers = {SECRET_HEADER: WEBHOOK_SECRET, "Content-Type": "application/json"}
    response = await webhook_bot.client.post(WEBHOOK_PATH, content=body, headers=headers)
    assert response.status_code == 400, (what, response.status_code, response.text)
    assert stored(webhook_bot) == (0, 0)
    # The channel is unharmed: the next real update is handled.
    assert "Bagikan nomor saya" in texts(await webhook_bot.say(SARI, "/start"))


async def test_rows_of_channels_without_a_sender_fail_instead_of_waiting(
    polling_bot: Bot, clock: Clock
) -> None:
    """A demo-era web row, a WhatsApp row with Twilio not configured: nothing would ever claim
    them. The dispatcher run fails the due ones with a reason, and a later one when it is due."""
    bot = polling_bot
    now = clock()
    with transaction(bot.runtime.sessions) as session:
        for key, channel in (("old-web", Channel.WEB), ("old-wa", Channel.WHATSAPP)):
            outbox.enqueue(session, channel, "+6281210000003", Reply("lama"), key, now)
        later = outbox.enqueue(
            session, Channel.WEB, "+6281210000003", Reply("nanti"), "later-web", now
        )
        later.next_attempt_at = now + timedelta(minutes=5)

    report = await bot.runtime.dispatch(now)

    assert report.failed == 2 and report.sent == 0
    with bot.runtime.sessions() as session:
        rows = {r.idempotency_key: r for r in session.scalars(select(OutboxMessage))}
        assert (rows["old-web"].status, rows["old-web"].last_error) == (
            OutboxStatus.FAILED,
            "no sender is configured for the web channel",
        )
        assert rows["old-wa"].last_error == "no sender is configured for the whatsapp channel"
        assert rows["later-web"].status == OutboxStatus.PENDING
    assert (await bot.runtime.dispatch(now + timedelta(minutes=5))).failed == 1
    with bot.runtime.sessions() as session:
        assert session.scalars(select(OutboxMessage.status)).all() == [OutboxStatus.FAILED] * 3
    assert bot.fake.calls_to("sendMessage") == []


async def test_a_person_telegram_does_not_reach_gets_a_failed_row_not_the_web(
    polling_bot: Bot,
) -> None:
    """Dewi never linked her Telegram, and Telegram is the only channel."""
    bot = polling_bot
    with transaction(bot.runtime.sessions) as session:
        dewi = session.scalars(select(Person).where(Person.name == "Dewi Lestari")).one()
        row = outbox.notify(
            session, dewi, Reply("Pengingat"), "k-dewi", bot.runtime.ctx.clock(), ("telegram",)
        )
        assert (row.channel, row.address) == (outbox.NO_CHANNEL, "+6281210000002")
    with bot.runtime.sessions() as session:
        saved = session.scalars(select(OutboxMessage)).one()
        assert (saved.status, saved.last_error) == (OutboxStatus.FAILED, outbox.UNREACHED)
    assert (await bot.deliver()).sent == 0
    # Once linked, the same kind of notification goes to her Telegram.
    await bot.link(DEWI)
    bot.unread(DEWI)
    with transaction(bot.runtime.sessions) as session:
        dewi = session.scalars(select(Person).where(Person.name == "Dewi Lestari")).one()
        row = outbox.notify(
            session,
            dewi,
            Reply("Pengingat lagi"),
            "k-dewi-2",
            bot.runtime.ctx.clock(),
            bot.runtime.ctx.channels,
        )
        assert row.channel == Channel.TELEGRAM
    await bot.deliver()
    assert texts(bot.unread(DEWI)) == "Pengingat lagi"


# -- the token in the logs ------------------------------------------------------------------


def debug_everywhere(caplog: pytest.LogCaptureFixture) -> None:
    """Every logger at DEBUG, whatever an earlier test (or `pkh-bot`'s set-up) left."""
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore", "telegram", "aiohttp", "twilio", "bot", "handlers"):
        caplog.set_level(logging.DEBUG, logger=name)


def everything_logged(caplog: pytest.LogCaptureFixture) -> str:
    messages = "\n".join(record.getMessage() for record in caplog.records)
    return caplog.text + "\n" + messages


async def test_a_polling_session_never_logs_the_token(
    caplog: pytest.LogCaptureFixture,
    start_bot: Callable[[Settings], Any],
    make_settings: Callable[..., Settings],
    fake_api: FakeBotAPI,
) -> None:
    debug_everywhere(caplog)
    async with start_bot(make_settings()) as bot:
        await bot.link(SARI)
        replies = await bot.say(SARI, "menu")
        assert "Halo Sari" in texts(replies)
        # A failing call too: its error (and traceback) pass through the logs.
        fake_api.fail("sendMessage", 502, "Bad Gateway", chat_id=SARI.id)
        await bot.say(SARI, "bantuan")
    logged = everything_logged(caplog)
    # The requests were logged (so the test means something), each with the token redacted.
    assert "getUpdates" in logged and "sendMessage" in logged and "/bot[token]/" in logged
    assert fake_api.token not in logged
    assert fake_api.token.split(":", 1)[1] not in logged


async def test_webhook_mode_set_up_never_logs_the_token_or_the_secret(
    caplog: pytest.LogCaptureFixture,
    start_bot: Callable[[Settings], Any],
    make_settings: Callable[..., Settings],
    fake_api: FakeBotAPI,
) -> None:
    debug_everywhere(caplog)
    for secret in (WEBHOOK_SECRET, None):  # the configured secret, and the derived one
        settings = make_settings(TELEGRAM_WEBHOOK_URL=WEBHOOK_URL, TELEGRAM_WEBHOOK_SECRET=secret)
        async with start_bot(settings) as bot:
            if secret is not None:
                assert "Bagikan nomor saya" in texts(await bot.say(SARI, "/start"))
    logged = everything_logged(caplog)
    assert "setWebhook" in logged and "/bot[token]/" in logged
    for value in (fake_api.token, WEBHOOK_SECRET, webhook_secret(fake_api.token, None)):
        assert value not in logged


async def run_tick(database_url: str, fake_api: FakeBotAPI, clock: Clock, **env: str) -> str:
    """A real `pkh-bot tick` process against the fake Bot API; its stderr."""
    names = ("TELEGRAM_", "TWILIO_", "PKH_", "DATABASE_URL", "PUBLIC_BASE_URL")
    environment = {k: v for k, v in os.environ.items() if not k.startswith(names)}
    environment |= {
        "DATABASE_URL": database_url,
        "TELEGRAM_BOT_TOKEN": fake_api.token,
        "TELEGRAM_API_BASE_URL": fake_api.base_url,
        **env,
    }
    script = Path(sys.executable).with_name("pkh-bot")
    process = await asyncio.create_subprocess_exec(
        str(script),
        "tick",
        "--now",
        clock().isoformat(),
        env=environment,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, err.decode()
    assert "sent 1" in out.decode()
    return err.decode()


async def test_a_real_tick_process_never_logs_the_token(
    database_url: str,
    sessions: sessionmaker[Session],
    fake_api: FakeBotAPI,
    clock: Clock,
) -> None:
    for key, level in (("tick-debug", "DEBUG"), ("tick-info", "INFO")):
        with transaction(sessions) as session:
            reply = Reply(f"Pengingat {key}")
            outbox.enqueue(session, Channel.TELEGRAM, str(SARI.id), reply, key, clock())
        stderr = await run_tick(database_url, fake_api, clock, PKH_LOG_LEVEL=level)
        assert fake_api.token not in stderr and fake_api.token.split(":", 1)[1] not in stderr
        if level == "DEBUG":
            # httpx logged its requests, the token redacted.
            assert "/bot[token]/sendMessage" in stderr
        else:
            # At the everyday level httpx does not log every request at all.
            assert "HTTP Request" not in stderr
    assert [m["text"] for m in fake_api.bot_messages(SARI.id)] == [
        "Pengingat tick-debug",
        "Pengingat tick-info",
    ]
