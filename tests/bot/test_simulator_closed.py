"""The web simulator exists only when no real channel is configured, and a staff notification
is routed to the web only where the web is a channel (the local demo)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.app import create_app
from bot.channels import configure, web
from bot.runtime import Runtime
from bot.settings import Settings
from conversations.messages import Channel, Reply
from handlers.core import outbox
from storage.db import transaction
from storage.models import InboundMessage, OutboxMessage, OutboxStatus, Person

SARI = "0812-1000-0003"


def simulator_calls(client: TestClient) -> list[int]:
    return [
        client.get("/").status_code,
        client.get("/sim/api/personas").status_code,
        client.post("/sim/api/send", json={"address": SARI, "text": "menu"}).status_code,
        client.get("/sim/api/messages", params={"address": SARI}).status_code,
    ]


@pytest.fixture
def serve(database_url: str, db_engine: Engine, demo_roster: None) -> Any:
    """serve(**settings) -> (runtime, TestClient) of the real app, channels as configured.

    The client is not entered, so the lifespan (which would start Telegram) does not run: the
    routes are what is under test here; tests/telegram runs them against the fake Bot API."""

    def make(**overrides: Any) -> tuple[Runtime, TestClient]:
        runtime = Runtime(Settings(DATABASE_URL=database_url, **overrides), engine=db_engine)
        configure(runtime)
        return runtime, TestClient(create_app(runtime, run_background=False))

    return make


def count(sessions: sessionmaker[Session], model: type[Any]) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_with_no_channel_configured_the_simulator_works(
    serve: Any, sessions: sessionmaker[Session]
) -> None:
    runtime, client = serve()
    assert runtime.simulator and runtime.ctx.channels == (Channel.WEB,)
    assert simulator_calls(client) == [200, 200, 200, 200]
    asyncio.run(runtime.dispatch_now())
    messages = client.get("/sim/api/messages", params={"address": SARI}).json()["messages"]
    assert messages and messages[0]["text"].startswith("Halo Sari")


@pytest.mark.parametrize(
    "overrides",
    [
        {"TELEGRAM_BOT_TOKEN": "123456:never-called", "TELEGRAM_API_BASE_URL": "http://x/bot"},
        {"TWILIO_ACCOUNT_SID": "AC" + "1" * 32, "TWILIO_AUTH_TOKEN": "secret-token"},
        # Half a Twilio configuration enables no channel, yet is no demo either.
        {"TWILIO_ACCOUNT_SID": "AC" + "1" * 32},
        {"TWILIO_AUTH_TOKEN": "secret-token"},
    ],
    ids=["telegram", "twilio", "twilio-sid-only", "twilio-token-only"],
)
def test_with_a_real_channel_configured_the_simulator_does_not_exist(
    serve: Any, sessions: sessionmaker[Session], overrides: dict[str, str]
) -> None:
    runtime, client = serve(**overrides)
    assert not runtime.simulator and Channel.WEB not in runtime.senders
    assert Channel.WEB not in runtime.ctx.channels
    assert simulator_calls(client) == [404, 404, 404, 404]
    assert (count(sessions, InboundMessage), count(sessions, OutboxMessage)) == (0, 0)
    assert client.get("/healthz").status_code == 200


def test_the_simulator_routes_refuse_even_when_mounted_by_mistake(
    database_url: str, db_engine: Engine
) -> None:
    """Defence in depth: the routes themselves check, not only `create_app`'s choice."""
    runtime = Runtime(
        Settings(DATABASE_URL=database_url, TELEGRAM_BOT_TOKEN="123456:x"), engine=db_engine
    )
    app = create_app(runtime, run_background=False)
    app.include_router(web.router)
    with TestClient(app) as client:
        assert simulator_calls(client) == [404, 404, 404, 404]


def person(session: Session, name: str) -> Person:
    return session.scalars(select(Person).where(Person.name == name)).one()


@pytest.mark.parametrize(
    ("channels", "expected"),
    [
        ((Channel.WEB,), (Channel.WEB, "+6281210000002")),  # the local demo
        ((Channel.TELEGRAM, Channel.WHATSAPP), (Channel.WHATSAPP, "+6281210000002")),
        ((Channel.TELEGRAM, Channel.SMS), (Channel.SMS, "+6281210000002")),
        ((Channel.TELEGRAM,), (outbox.NO_CHANNEL, "+6281210000002")),
        ((), (outbox.NO_CHANNEL, "+6281210000002")),
    ],
)
def test_route_for_never_falls_back_to_the_web_beside_real_channels(
    sessions: sessionmaker[Session],
    demo_roster: None,
    channels: tuple[str, ...],
    expected: tuple[str, str],
) -> None:
    """Dewi has no Telegram chat: the phone channels reach her, the web only in the demo."""
    with sessions() as session:
        dewi = person(session, "Dewi Lestari")
        dewi.last_channel = Channel.WEB  # she tried the simulator once
        assert outbox.route_for(dewi, channels) == expected


def test_a_notification_nobody_can_carry_is_stored_failed_with_the_reason(
    sessions: sessionmaker[Session], demo_roster: None
) -> None:
    now = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
    with transaction(sessions) as session:
        dewi = person(session, "Dewi Lestari")
        outbox.notify(session, dewi, Reply("Pengingat"), "k1", now, (Channel.TELEGRAM,))
    with sessions() as session:
        row = session.scalars(select(OutboxMessage)).one()
        assert (row.channel, row.status, row.last_error) == (
            outbox.NO_CHANNEL,
            OutboxStatus.FAILED,
            "no configured channel reaches this person",
        )
        assert row.payload["text"] == "Pengingat" and row.person_id == dewi.id
