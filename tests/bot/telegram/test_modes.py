"""Start-up in both modes: polling (getUpdates, no webhook) and webhook (setWebhook with a
secret; `POST /webhooks/telegram` checks it). The command list is set in both."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import uvicorn
from sqlalchemy import func, select

from bot.app import create_app
from bot.channels import configure
from bot.channels.telegram import SECRET_HEADER, WEBHOOK_PATH, webhook_secret
from bot.runtime import Runtime
from bot.settings import Settings
from storage.models import InboundMessage, OutboxMessage
from tests.bot.telegram.conftest import (
    SARI,
    WEBHOOK_SECRET,
    WEBHOOK_URL,
    Bot,
    labels,
    texts,
    wait_until,
)
from tests.fakes.telegram_api import FakeBotAPI
from tests.support import Clock


def stored_rows(bot: Bot) -> int:
    with bot.runtime.sessions() as session:
        inbound = session.scalar(select(func.count()).select_from(InboundMessage)) or 0
        queued = session.scalar(select(func.count()).select_from(OutboxMessage)) or 0
        return inbound + queued


async def test_polling_mode_sets_the_commands_and_polls(polling_bot: Bot) -> None:
    fake = polling_bot.fake
    assert [c["command"] for c in fake.commands] == ["menu", "batal", "bantuan", "start"]
    assert fake.commands[0]["description"] == "Tampilkan menu utama"
    assert fake.calls_to("deleteWebhook") and not fake.calls_to("setWebhook")
    await wait_until(lambda: bool(fake.calls_to("getUpdates")), "a long poll")
    poll = fake.calls_to("getUpdates")[0].params
    assert poll["timeout"] > 0  # long polling, not busy polling
    assert poll["allowed_updates"] == ["message", "callback_query"]


async def test_webhook_mode_registers_the_webhook_with_its_secret(webhook_bot: Bot) -> None:
    fake = webhook_bot.fake
    assert fake.webhook == {"url": WEBHOOK_URL, "secret_token": WEBHOOK_SECRET}
    [register] = fake.calls_to("setWebhook")
    assert register.params["allowed_updates"] == ["message", "callback_query"]
    assert [c["command"] for c in fake.commands] == ["menu", "batal", "bantuan", "start"]
    ask = await webhook_bot.say(SARI, "/start")
    assert "Bagikan nomor saya" in texts(ask)
    linked, menu = await webhook_bot.share_contact(SARI)
    assert "Terima kasih, Sari" in linked["text"] and labels(menu)[0] == "Minta konsultasi"
    [*_, question] = await webhook_bot.press(SARI, "Minta konsultasi")
    assert "Topik konsultasinya apa?" in question["text"]
    assert fake.calls_to("getUpdates") == []


async def test_a_webhook_with_a_wrong_or_missing_secret_is_refused(webhook_bot: Bot) -> None:
    update = webhook_bot.fake.numbered(webhook_bot.fake.text_update(SARI, "menu"))
    for headers in ({SECRET_HEADER: "wrong"}, {}):
        response = await webhook_bot.client.post(WEBHOOK_PATH, json=update, headers=headers)
        assert response.status_code == 403
    # A good request after them is handled, so nothing was merely queued from the bad ones.
    await webhook_bot.say(SARI, "bantuan")
    with webhook_bot.runtime.sessions() as session:
        inbound = session.scalars(select(InboundMessage)).all()
        assert [row.kind for row in inbound] == ["text"]
        assert inbound[0].provider_message_id != f"m{SARI.id}:{update['message']['message_id']}"


async def test_a_webhook_body_that_is_not_an_update_is_a_400(webhook_bot: Bot) -> None:
    response = await webhook_bot.client.post(
        WEBHOOK_PATH, content=b"not json", headers={SECRET_HEADER: WEBHOOK_SECRET}
    )
    assert response.status_code == 400
    assert stored_rows(webhook_bot) == 0


async def test_no_webhook_route_in_polling_mode(polling_bot: Bot) -> None:
    response = await polling_bot.client.post(WEBHOOK_PATH, json={})
    assert response.status_code in (404, 405)


def test_without_a_configured_secret_every_worker_derives_the_same_one() -> None:
    one, two = webhook_secret("123:abc", None), webhook_secret("123:abc", None)
    assert one == two and one != webhook_secret("123:abd", None)
    assert webhook_secret("123:abc", "given") == "given"
    assert set(one) <= set("0123456789abcdef")  # allowed by Telegram: A-Z a-z 0-9 _ -


async def test_the_real_server_serves_the_webhook_over_http(
    make_settings: Callable[..., Settings],
    db_engine: Any,
    fake_api: FakeBotAPI,
    clock: Clock,
    demo_roster: None,
    unused_tcp_port: int,
) -> None:
    """`pkh-bot run` in webhook mode: uvicorn, the real lifespan, dispatcher included."""
    import httpx

    settings = make_settings(TELEGRAM_WEBHOOK_URL=WEBHOOK_URL)  # secret derived from the token
    runtime = Runtime(settings, engine=db_engine)
    runtime.ctx.clock = clock
    configure(runtime)
    server = uvicorn.Server(
        uvicorn.Config(create_app(runtime), host="127.0.0.1", port=unused_tcp_port, lifespan="on")
    )
    serving = asyncio.create_task(server.serve())
    try:
        await wait_until(lambda: server.started, "uvicorn to start")
        secret = fake_api.webhook["secret_token"]
        assert secret == webhook_secret(fake_api.token, None)
        update = fake_api.numbered(fake_api.text_update(SARI, "/start"))
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{unused_tcp_port}") as client:
            refused = await client.post(WEBHOOK_PATH, json=update, headers={SECRET_HEADER: "x"})
            assert refused.status_code == 403
            accepted = await client.post(WEBHOOK_PATH, json=update, headers={SECRET_HEADER: secret})
            assert accepted.status_code == 200
        # The background dispatcher (woken by the new outbox row) sends the answer.
        await wait_until(lambda: bool(fake_api.bot_messages(SARI.id)), "the reply")
        assert "Bagikan nomor saya" in fake_api.bot_messages(SARI.id)[0]["text"]
    finally:
        server.should_exit = True
        await serving
